/* stroke-set.h — the drawing on the canvas, kept as vector strokes.
 *
 * A stroke is what the pen draws between press and release: a polyline of
 * points. The set keeps all points in one array and the strokes as ranges of
 * it; the last stroke may still be open (the pen is down), in which case
 * dl_stroke_set_add_point() extends it. dl_stroke_set_as_nn_strokes() hands
 * the drawing to nn_strokes_to_image() without copying a point.
 *
 * Coordinates are in any units (the canvas uses its own 280x280 units,
 * y downwards); nn_strokes_to_image() does not depend on the scale.
 *
 * Thinning: pointer devices report far more points than a digit needs,
 * often a fraction of a pixel apart. With a minimum distance d > 0, the
 * stroke's last point follows the pen (each new point replaces it) until it
 * is at least d from the point before it; then it stays and the next point
 * is appended. The stroke still ends exactly where the pen is, and its other
 * points are at least d apart. d = 0 (the default) keeps every
 * point, so a set fed with dl_stroke_set_add_stroke() gives back exactly
 * what it was given.
 *
 * GLib only, no GTK: unit-tested without a display.
 */
#pragma once

#include <glib.h>

#include "preprocess.h"

G_BEGIN_DECLS

/* Side of the canvas's square (DlCanvas), in canvas units. */
#define DL_CANVAS_SIZE 280.0f

typedef struct _DlStrokeSet DlStrokeSet;

DlStrokeSet *dl_stroke_set_new(void);
/* A deep copy; an open stroke stays open in the copy. */
DlStrokeSet *dl_stroke_set_copy(const DlStrokeSet *self);
void dl_stroke_set_free(DlStrokeSet *self);

/* Minimum distance between successive points of strokes drawn with
 * dl_stroke_set_add_point() (see Thinning above); >= 0. */
void dl_stroke_set_set_min_distance(DlStrokeSet *self, float distance);
float dl_stroke_set_get_min_distance(const DlStrokeSet *self);

/* Adds a point to the open stroke, starting a new stroke if none is open.
 * Coordinates must be finite. Returns FALSE if the point changed nothing
 * (it equals the stroke's last point). */
gboolean dl_stroke_set_add_point(DlStrokeSet *self, float x, float y);
/* Closes the open stroke (pen up); harmless when none is open. */
void dl_stroke_set_end_stroke(DlStrokeSet *self);
/* Whether a stroke is open. */
gboolean dl_stroke_set_is_drawing(const DlStrokeSet *self);

/* Appends a whole stroke, exactly as given (no thinning), after closing any
 * open stroke. A stroke of one point is a dot; n_points == 0 adds nothing.
 * Coordinates must be finite. */
void dl_stroke_set_add_stroke(DlStrokeSet *self, const NnPoint *points, size_t n_points);

/* Removes the last stroke (open or not). Returns FALSE, changing nothing,
 * when the set is empty. */
gboolean dl_stroke_set_undo(DlStrokeSet *self);
/* Removes every stroke. */
void dl_stroke_set_clear(DlStrokeSet *self);

gboolean dl_stroke_set_is_empty(const DlStrokeSet *self);
size_t dl_stroke_set_get_n_strokes(const DlStrokeSet *self);
/* Points in all strokes. */
size_t dl_stroke_set_get_n_points(const DlStrokeSet *self);
/* The points of stroke index (< n_strokes), valid until the set changes. */
const NnPoint *dl_stroke_set_get_stroke(const DlStrokeSet *self, size_t index, size_t *n_points);

/* The drawing as strokes for nn_strokes_to_image(): an array owned by the
 * set, pointing into its points, valid until the set changes. Returns NULL
 * with *n_strokes = 0 when the set is empty. */
const NnStroke *dl_stroke_set_as_nn_strokes(DlStrokeSet *self, size_t *n_strokes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DlStrokeSet, dl_stroke_set_free)

G_END_DECLS
