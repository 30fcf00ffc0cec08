/* dl-drawing-pane.h — the canvas and what the network makes of its input.
 *
 * "Draw a Digit" with undo and clear, the canvas, the prediction
 * (DlDigitView) and where the model comes from. The input is the session's
 * (dl_session_get_input_kind()): the drawing, recognised on every change,
 * or a test image picked in a gallery, shown as "MNIST test image #1234,
 * labelled 4" with the model's probabilities for it; drawing on the canvas
 * goes back to the drawing.
 *
 * Accessible descriptions: "model-status" (where the model comes from) and
 * "prediction-input" (what the prediction is of). */
#pragma once

#include <gtk/gtk.h>

#include "dl-session.h"

G_BEGIN_DECLS

#define DL_TYPE_DRAWING_PANE (dl_drawing_pane_get_type())
G_DECLARE_FINAL_TYPE(DlDrawingPane, dl_drawing_pane, DL, DRAWING_PANE, GtkWidget)

void dl_drawing_pane_set_session(DlDrawingPane *self, DlSession *session);
/* Gives the canvas the keyboard focus. */
void dl_drawing_pane_focus_canvas(DlDrawingPane *self);

G_END_DECLS
