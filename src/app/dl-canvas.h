/* dl-canvas.h — the drawing area: the user draws a digit with the mouse, a
 * pen or a finger.
 *
 * Strokes are kept as vectors (a DlStrokeSet) in canvas units: the canvas
 * is a square of DL_CANVAS_SIZE x DL_CANVAS_SIZE units, scaled to fit the
 * widget and centred in it, so a drawing keeps its shape when the window is
 * resized and the same point list draws the same digit at any size. On
 * screen the points of a stroke are joined by smooth curves with a round
 * pen; the recogniser gets the points themselves (the engine draws them with
 * its own pen, see preprocess.h).
 *
 * Signals:
 *   "changed"         the drawing changed: during a stroke at most once per
 *                     frame, at the end of every stroke, on clear, undo and
 *                     dl_canvas_add_stroke().
 *   "stroke-finished" a stroke was completed (pen up, or
 *                     dl_canvas_add_stroke()); emitted after "changed".
 * Property "empty" (read-only) tells whether anything is drawn.
 *
 * Actions "canvas.clear" and "canvas.undo", disabled while the canvas is
 * empty. When the canvas has the keyboard focus, Escape and Delete clear it
 * and Ctrl+Z undoes the last stroke.
 */
#pragma once

#include <gtk/gtk.h>

#include "stroke-set.h"

G_BEGIN_DECLS

#define DL_TYPE_CANVAS (dl_canvas_get_type())
G_DECLARE_FINAL_TYPE(DlCanvas, dl_canvas, DL, CANVAS, GtkWidget)

GtkWidget *dl_canvas_new(void);

/* Removes every stroke (and ends a stroke in progress). */
void dl_canvas_clear(DlCanvas *self);
/* Removes the last stroke; FALSE if there was none. */
gboolean dl_canvas_undo(DlCanvas *self);
gboolean dl_canvas_is_empty(DlCanvas *self);

/* The drawing, owned by the canvas: read it (or pass it to
 * dl_recognizer_recognize()), do not change it. */
DlStrokeSet *dl_canvas_get_strokes(DlCanvas *self);

/* Draws a whole stroke as if the user had drawn it, in canvas units (see
 * above): for tests, and for replaying drawings. Emits "changed" and
 * "stroke-finished" before returning. n == 0 does nothing. */
void dl_canvas_add_stroke(DlCanvas *self, const NnPoint *points, size_t n);

G_END_DECLS
