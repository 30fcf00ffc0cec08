/* dl-preprocess-strip.h — how the input becomes the network's input, step by
 * step: the drawing in its frame, the ink's box, scaled to fit 20 × 20,
 * centred by its centre of mass in 28 × 28 (NnPreprocessSteps, from
 * nn_strokes_to_image_steps()). For a test image the same steps are shown
 * on it and a note says that MNIST's images are already normalised (and
 * whether the steps give it back unchanged).
 *
 * Accessible description of the strip: "preprocess: ..." with the sizes of
 * the steps, or "preprocess: test image, already normalised ..." . */
#pragma once

#include <gtk/gtk.h>

#include "preprocess.h"

G_BEGIN_DECLS

#define DL_TYPE_PREPROCESS_STRIP (dl_preprocess_strip_get_type())
G_DECLARE_FINAL_TYPE(DlPreprocessStrip, dl_preprocess_strip, DL, PREPROCESS_STRIP, GtkWidget)

/* Shows steps (copied). test_image: the steps were taken on a test image
 * (nn_ink_to_image_steps() on it), not on a drawing. NULL: nothing. */
void dl_preprocess_strip_set_steps(DlPreprocessStrip *self, const NnPreprocessSteps *steps, gboolean test_image);

G_END_DECLS
