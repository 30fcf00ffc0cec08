/* stroke-set.c — the drawing on the canvas, kept as vector strokes. */
#include "stroke-set.h"

#include <math.h>

struct _DlStrokeSet {
    GArray *points;     /* NnPoint, all strokes one after another */
    GArray *starts;     /* size_t, index of each stroke's first point */
    GArray *nn_strokes; /* NnStroke, rebuilt by dl_stroke_set_as_nn_strokes() */
    gboolean drawing;   /* the last stroke is open */
    float min_distance;
};

DlStrokeSet *
dl_stroke_set_new(void)
{
    DlStrokeSet *self = g_new0(DlStrokeSet, 1);

    self->points = g_array_new(FALSE, FALSE, sizeof(NnPoint));
    self->starts = g_array_new(FALSE, FALSE, sizeof(size_t));
    self->nn_strokes = g_array_new(FALSE, FALSE, sizeof(NnStroke));
    return self;
}

DlStrokeSet *
dl_stroke_set_copy(const DlStrokeSet *self)
{
    g_return_val_if_fail(self != NULL, NULL);

    DlStrokeSet *copy = dl_stroke_set_new();
    g_array_append_vals(copy->points, self->points->data, self->points->len);
    g_array_append_vals(copy->starts, self->starts->data, self->starts->len);
    copy->drawing = self->drawing;
    copy->min_distance = self->min_distance;
    return copy;
}

void
dl_stroke_set_free(DlStrokeSet *self)
{
    if (self == NULL)
        return;
    g_array_unref(self->points);
    g_array_unref(self->starts);
    g_array_unref(self->nn_strokes);
    g_free(self);
}

void
dl_stroke_set_set_min_distance(DlStrokeSet *self, float distance)
{
    g_return_if_fail(self != NULL);
    g_return_if_fail(distance >= 0.0f && isfinite(distance));

    self->min_distance = distance;
}

float
dl_stroke_set_get_min_distance(const DlStrokeSet *self)
{
    g_return_val_if_fail(self != NULL, 0.0f);

    return self->min_distance;
}

static size_t
stroke_start(const DlStrokeSet *self, size_t index)
{
    return g_array_index(self->starts, size_t, index);
}

static size_t
stroke_end(const DlStrokeSet *self, size_t index)
{
    return index + 1 < self->starts->len ? stroke_start(self, index + 1) : self->points->len;
}

static void
begin_stroke(DlStrokeSet *self)
{
    size_t start = self->points->len;
    g_array_append_val(self->starts, start);
}

gboolean
dl_stroke_set_add_point(DlStrokeSet *self, float x, float y)
{
    g_return_val_if_fail(self != NULL, FALSE);
    g_return_val_if_fail(isfinite(x) && isfinite(y), FALSE);

    NnPoint point = { x, y };

    if (!self->drawing) {
        begin_stroke(self);
        g_array_append_val(self->points, point);
        self->drawing = TRUE;
        return TRUE;
    }

    size_t start = stroke_start(self, self->starts->len - 1);
    size_t n = self->points->len - start;
    NnPoint *pts = &g_array_index(self->points, NnPoint, start);

    NnPoint last = pts[n - 1];
    if (last.x == x && last.y == y)
        return FALSE;
    /* Thinning: the last point moves with the pen until it is min_distance
     * away from the one before it; then it stays and a new one follows. */
    if (n >= 2 && hypotf(last.x - pts[n - 2].x, last.y - pts[n - 2].y) < self->min_distance) {
        pts[n - 1] = point;
        return TRUE;
    }
    g_array_append_val(self->points, point);
    return TRUE;
}

void
dl_stroke_set_end_stroke(DlStrokeSet *self)
{
    g_return_if_fail(self != NULL);

    self->drawing = FALSE;
}

gboolean
dl_stroke_set_is_drawing(const DlStrokeSet *self)
{
    g_return_val_if_fail(self != NULL, FALSE);

    return self->drawing;
}

void
dl_stroke_set_add_stroke(DlStrokeSet *self, const NnPoint *points, size_t n_points)
{
    g_return_if_fail(self != NULL);
    g_return_if_fail(points != NULL || n_points == 0);

    for (size_t i = 0; i < n_points; i++)
        g_return_if_fail(isfinite(points[i].x) && isfinite(points[i].y));

    self->drawing = FALSE;
    if (n_points == 0)
        return;
    begin_stroke(self);
    g_array_append_vals(self->points, points, n_points);
}

gboolean
dl_stroke_set_undo(DlStrokeSet *self)
{
    g_return_val_if_fail(self != NULL, FALSE);

    if (self->starts->len == 0)
        return FALSE;
    g_array_set_size(self->points, stroke_start(self, self->starts->len - 1));
    g_array_set_size(self->starts, self->starts->len - 1);
    self->drawing = FALSE;
    return TRUE;
}

void
dl_stroke_set_clear(DlStrokeSet *self)
{
    g_return_if_fail(self != NULL);

    g_array_set_size(self->points, 0);
    g_array_set_size(self->starts, 0);
    self->drawing = FALSE;
}

gboolean
dl_stroke_set_is_empty(const DlStrokeSet *self)
{
    g_return_val_if_fail(self != NULL, TRUE);

    return self->starts->len == 0;
}

size_t
dl_stroke_set_get_n_strokes(const DlStrokeSet *self)
{
    g_return_val_if_fail(self != NULL, 0);

    return self->starts->len;
}

size_t
dl_stroke_set_get_n_points(const DlStrokeSet *self)
{
    g_return_val_if_fail(self != NULL, 0);

    return self->points->len;
}

const NnPoint *
dl_stroke_set_get_stroke(const DlStrokeSet *self, size_t index, size_t *n_points)
{
    g_return_val_if_fail(self != NULL, NULL);
    g_return_val_if_fail(n_points != NULL, NULL);
    *n_points = 0;
    g_return_val_if_fail(index < self->starts->len, NULL);

    size_t start = stroke_start(self, index);
    *n_points = stroke_end(self, index) - start;
    return &g_array_index(self->points, NnPoint, start);
}

const NnStroke *
dl_stroke_set_as_nn_strokes(DlStrokeSet *self, size_t *n_strokes)
{
    g_return_val_if_fail(self != NULL, NULL);
    g_return_val_if_fail(n_strokes != NULL, NULL);

    /* Rebuilt on every call: the points array may have moved since. */
    g_array_set_size(self->nn_strokes, self->starts->len);
    for (size_t i = 0; i < self->starts->len; i++) {
        NnStroke *stroke = &g_array_index(self->nn_strokes, NnStroke, i);
        stroke->points = dl_stroke_set_get_stroke(self, i, &stroke->n_points);
    }
    *n_strokes = self->starts->len;
    return self->starts->len > 0 ? (const NnStroke *)self->nn_strokes->data : NULL;
}
