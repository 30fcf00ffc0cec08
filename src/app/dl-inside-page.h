/* dl-inside-page.h — the Inside page: what every layer of the current model
 * makes of the session's input.
 *
 * For the input (the drawing, as it changes, or a test image opened from a
 * gallery): the preprocessing step by step (DlPreprocessStrip), then every
 * output nn_model_trace() gives — the 28 × 28 input, each convolution's
 * feature maps, each block's pooled maps (DlFeatureGrid), the hidden dense
 * units and the ten outputs (DlUnitStrip) — and the first layer's 3 × 3
 * filters ("conv1.weight"), redrawn whenever the model changes (after
 * every epoch while training).
 *
 * Grey levels: black is 0 (a silent unit; every hidden layer ends in a
 * ReLU), white the largest value of each layer or of the whole network
 * (the action "inside.scale", "layer" or "network"); the input and the
 * outputs go from 0 to 1, the filters from -m (black) through 0 (grey) to
 * +m (white). A legend says so.
 *
 * The page works only while it is shown: changes of the input or the model
 * mark it out of date, and it recomputes once per frame at most, at the
 * next frame while shown or when it is shown again.
 *
 * Accessible: the page's description is "Inside: your drawing, read as 7
 * (98 %)", "Inside: MNIST test image #1234, labelled 4, read as 4 (99 %)",
 * "Inside: your drawing, nothing drawn yet" or "Inside: no model"; each
 * layer's widget describes its values (see dl-feature-grid.h and
 * dl-unit-strip.h); "inside-detail" reads out the tile under the pointer
 * or the keyboard's. */
#pragma once

#include <gtk/gtk.h>

#include "dl-session.h"

G_BEGIN_DECLS

#define DL_TYPE_INSIDE_PAGE (dl_inside_page_get_type())
G_DECLARE_FINAL_TYPE(DlInsidePage, dl_inside_page, DL, INSIDE_PAGE, GtkWidget)

void dl_inside_page_set_session(DlInsidePage *self, DlSession *session);

G_END_DECLS
