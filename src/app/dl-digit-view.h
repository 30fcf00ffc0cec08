/* dl-digit-view.h — what the network makes of the drawing: its verdict,
 * ten probability bars with their numbers and the 28x28 image the network
 * is given, drawn pixel for pixel.
 *
 * The verdict (verdict.h) has three looks, never mistaken for one another:
 *   sure        the digit in large bold type with its probability, its bar
 *               in the accent colour;
 *   unsure      "Maybe a 7", "— or a 1" in the warning colour with both
 *               probabilities, the two bars in the warning colour;
 *   not a digit "Not a digit", no digit shown large, no bar standing out.
 * Percentages are rounded honestly (dl-verdict-text.h): never "100 %"
 * unless it is.
 *
 * Accessibility: the view is a group labelled "Prediction" whose
 * description is the verdict in words ("Sure: 7 (98 %)", "Unsure: maybe a 7
 * (62 %), or a 1 (31 %)", "Not a digit (...)", "No prediction yet"). The
 * large digit's accessible name is its text ("7" when sure, else "—") and
 * its description "predicted digit"; the probability label is described as
 * "probability of the predicted digit"; the bars carry a summary as their
 * accessible label ("7: 98 %, 1: 1 %, ...", most probable first).
 */
#pragma once

#include <gtk/gtk.h>

#include "model.h"
#include "verdict.h"

G_BEGIN_DECLS

#define DL_TYPE_DIGIT_VIEW (dl_digit_view_get_type())
G_DECLARE_FINAL_TYPE(DlDigitView, dl_digit_view, DL, DIGIT_VIEW, GtkWidget)

GtkWidget *dl_digit_view_new(void);

/* Shows a result: image is the network's input (28x28, row-major, ink 1),
 * probs the ten class probabilities, verdict what they are worth
 * (nn_verdict(), e.g. from dl_recognizer_recognize()). */
void dl_digit_view_set_result(DlDigitView *self, const float image[NN_IMAGE_PIXELS],
                              const float probs[NN_CLASSES], const NnVerdict *verdict);
/* The empty state: "—", "Draw a digit", empty bars and image. */
void dl_digit_view_clear(DlDigitView *self);

/* The most probable digit, or -1 in the empty state. */
int dl_digit_view_get_digit(DlDigitView *self);
/* The verdict shown; FALSE in the empty state. */
gboolean dl_digit_view_get_verdict(DlDigitView *self, NnVerdict *verdict);

G_END_DECLS
