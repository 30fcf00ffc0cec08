/* preprocess.c — MNIST-style normalisation of drawings and images.
 * See preprocess.h for the conventions. */
#include "preprocess.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Pen width as a fraction of the long side of the drawing's bounding box
 * (pen included). In MNIST the ink's box is 20 px on its long side, and the
 * 195 near-vertical "1"s of the test set (box at most 5 px wide) carry on
 * average 45.6 units of ink over a 20 px height, i.e. a stroke about 2.3 px
 * wide. 2.3 / 20 = 0.115: a "1" drawn with this pen comes out as wide as an
 * MNIST "1", whatever the size it was drawn at. */
#define PEN_FRACTION 0.115

/* The intermediate canvas has this many pixels per output pixel along the
 * drawing's long side, so each output pixel averages a 10x10 block: enough
 * for smooth anti-aliasing of a 2.3 px pen. */
#define CANVAS_OVERSAMPLE 10
#define CANVAS_MARGIN 2

/* An image whose ink differs from the background by fewer levels than this
 * (out of 255) is taken to have no ink at all. */
#define GRAY_MIN_CONTRAST 24

/* Placements tried by nn_ink_to_image to get the centre of mass within
 * half a pixel of the centre. */
#define CENTER_PASSES 3

float
nn_image_center_of_mass(const float image[NN_IMAGE_PIXELS], float *cx, float *cy)
{
    double mass = 0.0, sx = 0.0, sy = 0.0;

    for (int y = 0; y < NN_IMAGE_SIDE; y++) {
        for (int x = 0; x < NN_IMAGE_SIDE; x++) {
            double v = image[y * NN_IMAGE_SIDE + x];
            mass += v;
            sx += v * x;
            sy += v * y;
        }
    }
    if (mass > 0.0) {
        if (cx != NULL)
            *cx = (float)(sx / mass);
        if (cy != NULL)
            *cy = (float)(sy / mass);
    }
    return (float)mass;
}

/* Resampling weights along one axis. The source's box starts at src_edge
 * (= first ink pixel - 0.5) and lands on output pixel `origin`'s left edge;
 * output pixel k (centre at index k, footprint [k - 0.5, k + 0.5]) then
 * covers the source interval [src_edge + (k - origin) / scale, ... + 1 / scale]
 * and its value is the mean of the piecewise-constant source over that
 * interval: area-averaging when shrinking, a copy at scale 1.
 * weights[k * stride + i] is the weight of source pixel first[k] + i;
 * source pixels outside [lo, hi] count as zero. */
typedef struct {
    int first[NN_IMAGE_SIDE];
    int count[NN_IMAGE_SIDE];
    int stride;
    float *weights;
} AxisWeights;

static NnStatus
axis_weights_init(AxisWeights *aw, double scale, NnError *err)
{
    /* A footprint of 1/scale source pixels touches at most that many + 2. */
    aw->stride = (int)ceil(1.0 / scale) + 2;
    aw->weights = calloc((size_t)NN_IMAGE_SIDE * (size_t)aw->stride, sizeof *aw->weights);
    if (aw->weights == NULL)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory resampling an image");
    return NN_OK;
}

static void
axis_weights_compute(AxisWeights *aw, int lo, int hi, double scale, double src_edge, int origin)
{
    for (int k = 0; k < NN_IMAGE_SIDE; k++) {
        double a = src_edge + (k - origin) / scale;
        double b = a + 1.0 / scale;
        int i0 = (int)floor(a + 0.5);
        int i1 = (int)floor(b + 0.5);
        float *w = aw->weights + (size_t)k * (size_t)aw->stride;

        if (i0 < lo)
            i0 = lo;
        if (i1 > hi)
            i1 = hi;
        if (i1 - i0 + 1 > aw->stride)
            i1 = i0 + aw->stride - 1; /* cannot happen; keeps writes in bounds */
        aw->first[k] = i0;
        aw->count[k] = i1 >= i0 ? i1 - i0 + 1 : 0;
        for (int i = i0; i <= i1; i++) {
            double overlap = fmin(b, i + 0.5) - fmax(a, i - 0.5);
            /* Overlaps of a rounding error's size would leave faint
             * specks that widen the ink's bounding box. */
            w[i - i0] = overlap > 1e-7 ? (float)(overlap * scale) : 0.0f;
        }
    }
}

/* The ink's box [x0, x1] x [y0, y1] scaled by `scale` onto the 28x28
 * field, its top-left corner on output pixel (origin_x, origin_y). tmp
 * holds (y1 - y0 + 1) * NN_IMAGE_SIDE floats. */
static void
resample_box(const float *ink, int width, int x0, int x1, int y0, int y1, double scale, int origin_x,
             int origin_y, AxisWeights *wx, AxisWeights *wy, float *tmp, float out[NN_IMAGE_PIXELS])
{
    axis_weights_compute(wx, x0, x1, scale, x0 - 0.5, origin_x);
    axis_weights_compute(wy, y0, y1, scale, y0 - 0.5, origin_y);

    for (int y = y0; y <= y1; y++) {
        const float *row = ink + (size_t)y * (size_t)width;
        float *t = tmp + (size_t)(y - y0) * NN_IMAGE_SIDE;
        for (int k = 0; k < NN_IMAGE_SIDE; k++) {
            const float *w = wx->weights + (size_t)k * (size_t)wx->stride;
            float acc = 0.0f;
            for (int i = 0; i < wx->count[k]; i++) {
                float v = row[wx->first[k] + i];
                acc += w[i] * (v > 0.0f ? v : 0.0f);
            }
            t[k] = acc;
        }
    }
    for (int k = 0; k < NN_IMAGE_SIDE; k++) {
        const float *w = wy->weights + (size_t)k * (size_t)wy->stride;
        float *o = out + k * NN_IMAGE_SIDE;
        for (int x = 0; x < NN_IMAGE_SIDE; x++)
            o[x] = 0.0f;
        for (int j = 0; j < wy->count[k]; j++) {
            const float *t = tmp + (size_t)(wy->first[k] + j - y0) * NN_IMAGE_SIDE;
            for (int x = 0; x < NN_IMAGE_SIDE; x++)
                o[x] += w[j] * t[x];
        }
    }
}

static void
clamp01(float *v, int n)
{
    for (int i = 0; i < n; i++)
        v[i] = v[i] < 0.0f ? 0.0f : v[i] > 1.0f ? 1.0f : v[i];
}

/* nn_ink_to_image; steps, if not NULL, gets the box, the scaled step and
 * the placement (see nn_ink_to_image_steps). */
static NnStatus
ink_to_image(const float *ink, int width, int height, float out[NN_IMAGE_PIXELS], NnPreprocessSteps *steps,
             NnError *err)
{
    if (ink == NULL || out == NULL || width <= 0 || height <= 0)
        return nn_error_set(err, NN_ERR_INVALID_ARG,
                            "nn_ink_to_image: no image or a size of %dx%d", width, height);

    /* Bounding box and centre of mass of the ink, in source index coordinates. */
    int x0 = width, x1 = -1, y0 = height, y1 = -1;
    double mass = 0.0, sx = 0.0, sy = 0.0;
    for (int y = 0; y < height; y++) {
        const float *row = ink + (size_t)y * (size_t)width;
        for (int x = 0; x < width; x++) {
            if (!(row[x] > 0.0f))
                continue;
            if (x < x0)
                x0 = x;
            if (x > x1)
                x1 = x;
            if (y < y0)
                y0 = y;
            y1 = y;
            mass += row[x];
            sx += (double)row[x] * x;
            sy += (double)row[x] * y;
        }
    }
    if (x1 < 0)
        return nn_error_set(err, NN_ERR_EMPTY, "no ink: the image is blank");

    int box_w = x1 - x0 + 1, box_h = y1 - y0 + 1;
    double scale = (double)NN_MNIST_BOX / (box_w > box_h ? box_w : box_h);
    double src_cx = sx / mass, src_cy = sy / mass;

    AxisWeights wx, wy;
    NnStatus status = axis_weights_init(&wx, scale, err);
    if (status != NN_OK)
        return status;
    status = axis_weights_init(&wy, scale, err);
    if (status != NN_OK) {
        free(wx.weights);
        return status;
    }
    /* Horizontal pass result: one row of NN_IMAGE_SIDE per source row of the box. */
    float *tmp = malloc((size_t)box_h * NN_IMAGE_SIDE * sizeof *tmp);
    if (tmp == NULL) {
        free(wx.weights);
        free(wy.weights);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory resampling an image");
    }

    /* MNIST's placement: the box is scaled onto whole output pixels (its
     * top-left corner on a pixel corner) and moved by whole pixels so that
     * the centre of mass is as near (14, 14) as that allows, i.e. within
     * half a pixel. A sub-pixel shift would centre it exactly but blur the
     * digit (at scale 1 it is a linear blend of neighbours), and networks
     * trained on MNIST's sharp digits pay for that: with a briefly trained
     * model, shifting the MNIST test digits by a quarter pixel cost 10
     * points of accuracy, by a whole pixel 1 point. origin_x/y is the
     * output pixel where the box starts. */
    double src_edge_x = x0 - 0.5, src_edge_y = y0 - 0.5;
    int origin_x = (int)floor(NN_MNIST_CENTER + 0.5 - (src_cx - src_edge_x) * scale + 0.5);
    int origin_y = (int)floor(NN_MNIST_CENTER + 0.5 - (src_cy - src_edge_y) * scale + 0.5);
    int placed_x = origin_x, placed_y = origin_y;
    for (int pass = 0; pass < CENTER_PASSES; pass++) {
        resample_box(ink, width, x0, x1, y0, y1, scale, origin_x, origin_y, &wx, &wy, tmp, out);
        placed_x = origin_x;
        placed_y = origin_y;

        /* Area-averaging moves the centre of mass a little (each source
         * pixel's share lands on the centre of the output pixel it falls
         * in), and ink pushed off the field moves it more: check and move
         * by whole pixels again if needed. */
        float cx = NN_MNIST_CENTER, cy = NN_MNIST_CENTER;
        nn_image_center_of_mass(out, &cx, &cy);
        double ex = cx - NN_MNIST_CENTER, ey = cy - NN_MNIST_CENTER;
        int move_x = fabs(ex) > 0.5 ? (int)lround(ex) : 0; /* no see-saw on a tie */
        int move_y = fabs(ey) > 0.5 ? (int)lround(ey) : 0;
        if (move_x == 0 && move_y == 0)
            break;
        origin_x -= move_x;
        origin_y -= move_y;
    }

    clamp01(out, NN_IMAGE_PIXELS);

    if (steps != NULL) {
        /* The same box scaled onto a NN_MNIST_BOX square: its long side
         * fills it, its short side is centred by whole pixels. The
         * resampling depends only on where the box's corner lands, so these
         * are the input's pixels before the move. */
        float field[NN_IMAGE_PIXELS];
        steps->box[0] = (float)x0;
        steps->box[1] = (float)y0;
        steps->box[2] = (float)box_w;
        steps->box[3] = (float)box_h;
        steps->scaled_width = (int)ceil(box_w * scale - 1e-9);
        steps->scaled_height = (int)ceil(box_h * scale - 1e-9);
        steps->scaled_x = (NN_MNIST_BOX - steps->scaled_width) / 2;
        steps->scaled_y = (NN_MNIST_BOX - steps->scaled_height) / 2;
        resample_box(ink, width, x0, x1, y0, y1, scale, steps->scaled_x, steps->scaled_y, &wx, &wy, tmp, field);
        clamp01(field, NN_IMAGE_PIXELS);
        for (int y = 0; y < NN_MNIST_BOX; y++)
            memcpy(steps->scaled + y * NN_MNIST_BOX, field + y * NN_IMAGE_SIDE, NN_MNIST_BOX * sizeof(float));
        steps->shift_x = placed_x - steps->scaled_x;
        steps->shift_y = placed_y - steps->scaled_y;
        steps->center_x = steps->center_y = NN_MNIST_CENTER;
        nn_image_center_of_mass(out, &steps->center_x, &steps->center_y);
    }

    free(tmp);
    free(wx.weights);
    free(wy.weights);
    return NN_OK;
}

NnStatus
nn_ink_to_image(const float *ink, int width, int height,
                float out[NN_IMAGE_PIXELS], NnError *err)
{
    return ink_to_image(ink, width, height, out, NULL, err);
}

/* Draws segment (ax, ay)-(bx, by) with a round pen of radius r into canvas,
 * keeping the maximum coverage. Pixel (i, j) covers [i, i+1] x [j, j+1];
 * coverage falls from 1 to 0 over one pixel across the pen's edge.
 *
 * The cost is proportional to the ink: each row visits only the columns
 * the pen can reach there, not the segment's whole bounding box (a drawing
 * zig-zagging across the canvas took minutes that way). A pixel of row j
 * within reach of the segment is within reach of a point of it whose y is
 * within reach of the row's centre; that part of the segment (parameters
 * t0..t1) spans x0..x1, so the pixel's centre lies within reach of
 * [x0, x1], and within reach of the segment's line. One pixel more on each
 * side covers rounding: the pixels tested
 * are a superset of those the bounding-box loop inked, and each is tested
 * exactly as it was, so the image is the same. */
static void
draw_segment(float *canvas, int width, int height,
             double ax, double ay, double bx, double by, double r)
{
    double dx = bx - ax, dy = by - ay;
    double len2 = dx * dx + dy * dy;
    double reach = r + 0.5;
    double outside2 = reach * reach * (1.0 + 1e-9);
    double inside2 = reach > 1.0 ? (reach - 1.0) * (reach - 1.0) * (1.0 - 1e-9) : -1.0;
    int box_i0 = (int)floor(fmin(ax, bx) - reach), box_i1 = (int)ceil(fmax(ax, bx) + reach);
    int j0 = (int)floor(fmin(ay, by) - reach), j1 = (int)ceil(fmax(ay, by) + reach);

    if (box_i0 < 0)
        box_i0 = 0;
    if (j0 < 0)
        j0 = 0;
    if (box_i1 > width - 1)
        box_i1 = width - 1;
    if (j1 > height - 1)
        j1 = height - 1;

    for (int j = j0; j <= j1; j++) {
        double py = j + 0.5;
        double x0 = fmin(ax, bx), x1 = fmax(ax, bx);
        if (dy != 0.0) {
            double t0 = (py - (reach + 1.0) - ay) / dy, t1 = (py + (reach + 1.0) - ay) / dy;
            if (t0 > t1) {
                double swap = t0;
                t0 = t1;
                t1 = swap;
            }
            t0 = t0 < 0.0 ? 0.0 : t0;
            t1 = t1 > 1.0 ? 1.0 : t1;
            if (t0 > t1)
                continue; /* no point of the segment is near this row */
            x0 = fmin(ax + t0 * dx, ax + t1 * dx);
            x1 = fmax(ax + t0 * dx, ax + t1 * dx);
        }
        double lo = floor(x0 - reach - 1.0), hi = ceil(x1 + reach + 1.0);
        if (dy != 0.0) {
            /* The pen also stays within reach of the segment's line: on
             * this row, within half_width of where the line crosses it
             * (tighter than the above for steep segments). */
            double cross = ax + (py - ay) * dx / dy, half_width = reach * sqrt(len2) / fabs(dy);
            lo = fmax(lo, floor(cross - half_width - 1.0));
            hi = fmin(hi, ceil(cross + half_width + 1.0));
        }
        /* Converted only once within the box: for a nearly horizontal
         * segment, cross and half_width can be huge, infinite or NaN. */
        int i0 = lo > box_i0 ? (lo < box_i1 + 1 ? (int)lo : box_i1 + 1) : box_i0;
        int i1 = hi < box_i1 ? (hi > box_i0 - 1 ? (int)hi : box_i0 - 1) : box_i1;
        for (int i = i0; i <= i1; i++) {
            double px = i + 0.5;
            double t = len2 > 0.0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0.0;
            t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
            double qx = ax + t * dx - px, qy = ay + t * dy - py;
            double d2 = qx * qx + qy * qy;
            /* Clearly outside the pen, or clearly inside its full-cover
             * core (margins far above rounding errors): the result of the
             * square root below is known. */
            if (d2 > outside2)
                continue;
            double cover = 1.0;
            if (!(d2 < inside2)) {
                cover = reach - sqrt(d2);
                if (cover <= 0.0)
                    continue;
                if (cover > 1.0)
                    cover = 1.0;
            }
            float *c = canvas + (size_t)j * (size_t)width + (size_t)i;
            if (*c < (float)cover)
                *c = (float)cover;
        }
    }
}

/* Draws the strokes into canvas with a round pen of radius r pixels, point
 * (x, y) at pixel coordinates (off_x + (x - min_x) * k, off_y + (y - min_y) * k). */
static void
draw_strokes(const NnStroke *strokes, size_t n_strokes, float *canvas, int width, int height, double min_x,
             double min_y, double k, double off_x, double off_y, double radius)
{
    for (size_t s = 0; s < n_strokes; s++) {
        const NnPoint *pts = strokes[s].points;
        size_t n = strokes[s].n_points;
        for (size_t p = 0; p < n; p++) {
            /* A one-point stroke is a zero-length segment: a dot. */
            NnPoint a = pts[p > 0 ? p - 1 : 0], b = pts[p];
            if (p == 0 && n > 1)
                continue;
            draw_segment(canvas, width, height,
                         off_x + (a.x - min_x) * k, off_y + (a.y - min_y) * k,
                         off_x + (b.x - min_x) * k, off_y + (b.y - min_y) * k, radius);
        }
    }
}

/* A drawing rasterised for nn_ink_to_image: canvas is width x height
 * pixels (allocated), a point (x, y) of the strokes at (off_x + (x - min_x)
 * * k, off_y + (y - min_y) * k), drawn with a pen `pen` units wide. */
typedef struct {
    float *canvas;
    int width, height;
    double min_x, min_y, k, off_x, off_y, pen;
} Raster;

static NnStatus
rasterise(const NnStroke *strokes, size_t n_strokes, Raster *r, NnError *err)
{
    if (strokes == NULL && n_strokes > 0)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "nn_strokes_to_image: no strokes or no output");

    double min_x = INFINITY, min_y = INFINITY, max_x = -INFINITY, max_y = -INFINITY;
    size_t n_points = 0;
    for (size_t s = 0; s < n_strokes; s++) {
        if (strokes[s].points == NULL && strokes[s].n_points > 0)
            return nn_error_set(err, NN_ERR_INVALID_ARG,
                                "stroke %zu has %zu points but no point array",
                                s + 1, strokes[s].n_points);
        for (size_t p = 0; p < strokes[s].n_points; p++) {
            NnPoint pt = strokes[s].points[p];
            if (!isfinite(pt.x) || !isfinite(pt.y))
                return nn_error_set(err, NN_ERR_INVALID_ARG,
                                    "stroke %zu, point %zu: coordinates are not finite numbers",
                                    s + 1, p + 1);
            min_x = fmin(min_x, pt.x);
            max_x = fmax(max_x, pt.x);
            min_y = fmin(min_y, pt.y);
            max_y = fmax(max_y, pt.y);
        }
        n_points += strokes[s].n_points;
        if (n_points > NN_MAX_DRAWING_POINTS)
            return nn_error_set(err, NN_ERR_INVALID_ARG,
                                "the drawing has more than %d points, more than a hand draws; "
                                "simplify it (e.g. keep points at least a pixel apart)",
                                NN_MAX_DRAWING_POINTS);
    }
    if (n_points == 0)
        return nn_error_set(err, NN_ERR_EMPTY, "empty drawing: there are no points to draw");

    /* Pen width w is PEN_FRACTION of the long side with the pen included:
     * w = f * (extent + w). A drawing that is a single dot has no extent;
     * any width then gives the same result, a disc filling the box. */
    double extent = fmax(max_x - min_x, max_y - min_y);
    double pen = extent > 0.0 ? extent * PEN_FRACTION / (1.0 - PEN_FRACTION) : 1.0;
    double k = (double)(NN_MNIST_BOX * CANVAS_OVERSAMPLE) / (extent + pen); /* canvas px per unit */
    double radius = pen * k / 2.0;
    int width = (int)ceil((max_x - min_x + pen) * k) + 2 * CANVAS_MARGIN;
    int height = (int)ceil((max_y - min_y + pen) * k) + 2 * CANVAS_MARGIN;
    double off_x = CANVAS_MARGIN + radius, off_y = CANVAS_MARGIN + radius;

    float *canvas = calloc((size_t)width * (size_t)height, sizeof *canvas);
    if (canvas == NULL)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory drawing strokes");
    draw_strokes(strokes, n_strokes, canvas, width, height, min_x, min_y, k, off_x, off_y, radius);
    *r = (Raster){ canvas, width, height, min_x, min_y, k, off_x, off_y, pen };
    return NN_OK;
}

float
nn_strokes_extent(const NnStroke *strokes, size_t n_strokes)
{
    float min_x = INFINITY, max_x = -INFINITY, min_y = INFINITY, max_y = -INFINITY;
    for (size_t s = 0; strokes != NULL && s < n_strokes; s++)
        for (size_t p = 0; strokes[s].points != NULL && p < strokes[s].n_points; p++) {
            NnPoint pt = strokes[s].points[p];
            if (!isfinite(pt.x) || !isfinite(pt.y))
                continue;
            min_x = fminf(min_x, pt.x);
            max_x = fmaxf(max_x, pt.x);
            min_y = fminf(min_y, pt.y);
            max_y = fmaxf(max_y, pt.y);
        }
    return max_x >= min_x ? fmaxf(max_x - min_x, max_y - min_y) : 0.0f;
}

NnStatus
nn_strokes_to_image(const NnStroke *strokes, size_t n_strokes,
                    float out[NN_IMAGE_PIXELS], NnError *err)
{
    if (out == NULL)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "nn_strokes_to_image: no strokes or no output");
    Raster r;
    NnStatus status = rasterise(strokes, n_strokes, &r, err);
    if (status != NN_OK)
        return status;
    status = nn_ink_to_image(r.canvas, r.width, r.height, out, err);
    free(r.canvas);
    return status;
}

/* ---- the steps -------------------------------------------------------------------- */

void
nn_preprocess_steps_clear(NnPreprocessSteps *steps)
{
    if (steps == NULL)
        return;
    free(steps->raw);
    free(steps->crop);
    memset(steps, 0, sizeof *steps);
}

/* Copies the box of ink (in pixels) into steps->crop. */
static NnStatus
crop_box(const float *ink, int width, const float box[4], NnPreprocessSteps *steps, NnError *err)
{
    int x0 = (int)box[0], y0 = (int)box[1], w = (int)box[2], h = (int)box[3];

    steps->crop = malloc((size_t)w * (size_t)h * sizeof *steps->crop);
    if (steps->crop == NULL)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for the steps of a drawing");
    steps->crop_width = w;
    steps->crop_height = h;
    for (int y = 0; y < h; y++)
        memcpy(steps->crop + (size_t)y * w, ink + (size_t)(y0 + y) * width + x0, (size_t)w * sizeof(float));
    return NN_OK;
}

NnStatus
nn_ink_to_image_steps(const float *ink, int width, int height, NnPreprocessSteps *steps, NnError *err)
{
    if (steps == NULL)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "nn_ink_to_image_steps: no steps");
    memset(steps, 0, sizeof *steps);
    NnStatus status = ink_to_image(ink, width, height, steps->image, steps, err);
    if (status != NN_OK)
        return status;
    steps->raw = malloc((size_t)width * (size_t)height * sizeof *steps->raw);
    if (steps->raw == NULL)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for the steps of an image");
    memcpy(steps->raw, ink, (size_t)width * (size_t)height * sizeof *steps->raw);
    steps->raw_width = width;
    steps->raw_height = height;
    status = crop_box(ink, width, steps->box, steps, err);
    if (status != NN_OK)
        nn_preprocess_steps_clear(steps);
    return status;
}

NnStatus
nn_strokes_to_image_steps(const NnStroke *strokes, size_t n_strokes, const float frame[4],
                          NnPreprocessSteps *steps, NnError *err)
{
    if (steps == NULL)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "nn_strokes_to_image_steps: no steps");
    memset(steps, 0, sizeof *steps);
    if (frame != NULL && !(isfinite(frame[0]) && isfinite(frame[1]) && frame[2] > 0 && frame[3] > 0 &&
                           isfinite(frame[2]) && isfinite(frame[3])))
        return nn_error_set(err, NN_ERR_INVALID_ARG, "nn_strokes_to_image_steps: the frame has no size");
    Raster r;
    NnStatus status = rasterise(strokes, n_strokes, &r, err);
    if (status != NN_OK)
        return status;
    status = ink_to_image(r.canvas, r.width, r.height, steps->image, steps, err);
    if (status == NN_OK)
        status = crop_box(r.canvas, r.width, steps->box, steps, err);

    /* The drawing in its frame: the same strokes and pen at the frame's
     * scale. The box, in the strokes' units, then in the frame's pixels. */
    double fx = frame != NULL ? frame[0] : r.min_x - r.pen / 2.0, fy = frame != NULL ? frame[1] : r.min_y - r.pen / 2.0;
    double fw = frame != NULL ? frame[2] : (r.width - 2 * CANVAS_MARGIN) / r.k;
    double fh = frame != NULL ? frame[3] : (r.height - 2 * CANVAS_MARGIN) / r.k;
    double kr = NN_STEPS_RAW_SIDE / fmax(fw, fh);
    int rw = (int)fmax(1.0, lround(fw * kr)), rh = (int)fmax(1.0, lround(fh * kr));
    if (status == NN_OK && (steps->raw = calloc((size_t)rw * (size_t)rh, sizeof *steps->raw)) == NULL)
        status = nn_error_set(err, NN_ERR_NOMEM, "out of memory for the steps of a drawing");
    if (status == NN_OK) {
        steps->raw_width = rw;
        steps->raw_height = rh;
        draw_strokes(strokes, n_strokes, steps->raw, rw, rh, fx, fy, kr, 0.0, 0.0, r.pen * kr / 2.0);
        for (int i = 0; i < 2; i++) {
            double origin = i == 0 ? r.min_x : r.min_y, off = i == 0 ? r.off_x : r.off_y, f = i == 0 ? fx : fy;
            double lo = origin + (steps->box[i] - off) / r.k, hi = lo + steps->box[i + 2] / r.k;
            steps->box[i] = (float)((lo - f) * kr);
            steps->box[i + 2] = (float)((hi - lo) * kr);
        }
    }
    free(r.canvas);
    if (status != NN_OK)
        nn_preprocess_steps_clear(steps);
    return status;
}

NnStatus
nn_gray_to_image(const uint8_t *gray, int width, int height, int stride,
                 float out[NN_IMAGE_PIXELS], NnError *err)
{
    if (gray == NULL || out == NULL)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "nn_gray_to_image: no image or no output");
    if (width <= 0 || height <= 0 || stride < width)
        return nn_error_set(err, NN_ERR_INVALID_ARG,
                            "nn_gray_to_image: bad size %dx%d (stride %d)", width, height, stride);
    if ((size_t)width * (size_t)height > SIZE_MAX / sizeof(float))
        return nn_error_set(err, NN_ERR_INVALID_ARG, "image of %dx%d pixels is too large", width, height);

    /* The background is the median of the border pixels (robust to ink
     * touching the edge); the ink lies on the other side of the mean. */
    size_t border_hist[256] = { 0 };
    size_t n_border = 0;
    double sum = 0.0;
    for (int y = 0; y < height; y++) {
        const uint8_t *row = gray + (size_t)y * (size_t)stride;
        for (int x = 0; x < width; x++) {
            sum += row[x];
            if (y == 0 || y == height - 1 || x == 0 || x == width - 1) {
                border_hist[row[x]]++;
                n_border++;
            }
        }
    }
    int background = 0;
    for (size_t seen = 0; background < 255; background++) {
        seen += border_hist[background];
        if (2 * seen >= n_border + 1)
            break;
    }
    double mean = sum / ((double)width * height);
    int dark_ink;
    if ((double)background > mean)
        dark_ink = 1;
    else if ((double)background < mean)
        dark_ink = 0;
    else
        return nn_error_set(err, NN_ERR_EMPTY, "no ink: the image is uniform (level %d)", background);

#define INK_LEVEL(v) (dark_ink ? background - (int)(v) : (int)(v) - background)

    int contrast = 0;
    for (int y = 0; y < height; y++) {
        const uint8_t *row = gray + (size_t)y * (size_t)stride;
        for (int x = 0; x < width; x++)
            if (INK_LEVEL(row[x]) > contrast)
                contrast = INK_LEVEL(row[x]);
    }
    if (contrast < GRAY_MIN_CONTRAST)
        return nn_error_set(err, NN_ERR_EMPTY,
                            "no ink: nothing differs from the background (level %d) "
                            "by more than %d levels", background, contrast);

    /* Noise floor: four times the 75th percentile of how far the border
     * strays from the background towards the ink (deviations the other way
     * count as 0), at most half the contrast. That is 0 for clean images,
     * so drawings and MNIST digits keep every grey level, even when ink
     * touches up to a quarter of the border; for a noisy scan it lies
     * above the noise, which would otherwise widen the ink's box. */
    size_t dev_hist[256] = { 0 };
    for (int v = 0; v < 256; v++) {
        int d = INK_LEVEL(v);
        dev_hist[d > 0 ? d : 0] += border_hist[v];
    }
    int q75 = 0;
    for (size_t seen = 0; q75 < 255; q75++) {
        seen += dev_hist[q75];
        if (4 * seen >= 3 * n_border)
            break;
    }
    int floor_level = 4 * q75;
    if (floor_level > contrast / 2)
        floor_level = contrast / 2;

    float *ink = malloc((size_t)width * (size_t)height * sizeof *ink);
    if (ink == NULL)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for a %dx%d image", width, height);
    float range = (float)(contrast - floor_level);
    for (int y = 0; y < height; y++) {
        const uint8_t *row = gray + (size_t)y * (size_t)stride;
        float *o = ink + (size_t)y * (size_t)width;
        for (int x = 0; x < width; x++) {
            int d = INK_LEVEL(row[x]) - floor_level;
            o[x] = d > 0 ? (float)d / range : 0.0f;
        }
    }
#undef INK_LEVEL

    NnStatus status = nn_ink_to_image(ink, width, height, out, err);
    free(ink);
    return status;
}
