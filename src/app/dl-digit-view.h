/* dl-digit-view.h — what the network makes of the drawing: the predicted
 * digit in large type with its probability, ten probability bars (the
 * winner in the accent colour) and the 28x28 image the network is given,
 * drawn pixel for pixel.
 *
 * Accessibility: the digit label's accessible name is its text ("7", or "—"
 * when empty) and its description "predicted digit"; the probability label
 * is described as "probability of the predicted digit"; the bars carry a
 * summary as their accessible label ("7: 98 %, 1: 1 %, ...", most probable
 * first).
 */
#pragma once

#include <gtk/gtk.h>

#include "model.h"

G_BEGIN_DECLS

#define DL_TYPE_DIGIT_VIEW (dl_digit_view_get_type())
G_DECLARE_FINAL_TYPE(DlDigitView, dl_digit_view, DL, DIGIT_VIEW, GtkWidget)

GtkWidget *dl_digit_view_new(void);

/* Shows a result: image is the network's input (28x28, row-major, ink 1),
 * probs the ten class probabilities; the digit shown is the most probable. */
void dl_digit_view_set_result(DlDigitView *self, const float image[NN_IMAGE_PIXELS],
                              const float probs[NN_CLASSES]);
/* The empty state: "—", "Draw a digit", empty bars and image. */
void dl_digit_view_clear(DlDigitView *self);

/* The digit shown, or -1 in the empty state. */
int dl_digit_view_get_digit(DlDigitView *self);

G_END_DECLS
