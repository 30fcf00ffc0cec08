/* test-preprocess.c — properties of the MNIST-style normalisation.
 *
 * Every drawing and image is made here; the MNIST round trip reads the
 * test images from the folder test-mnist.h finds and is left out, with a
 * message, without them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

#include <cmocka.h>
#include <zlib.h>

#include "preprocess.h"
#include "test-mnist.h"

/* A pixel counts as ink when it would not round to 0 at 8 bits. */
#define INK_THRESHOLD (0.5f / 255.0f)

#define assert_near(a, b, tol)                                                   \
    do {                                                                         \
        double a_ = (a), b_ = (b), t_ = (tol);                                   \
        if (!(fabs(a_ - b_) <= t_))                                              \
            fail_msg("%s = %g, expected %g +- %g", #a, a_, b_, t_);              \
    } while (0)

#define assert_in_range_f(a, lo, hi)                                             \
    do {                                                                         \
        double a_ = (a), lo_ = (lo), hi_ = (hi);                                 \
        if (!(a_ >= lo_ && a_ <= hi_))                                           \
            fail_msg("%s = %g, expected within [%g, %g]", #a, a_, lo_, hi_);     \
    } while (0)

typedef struct {
    int x0, x1, y0, y1; /* inclusive; x1 < x0 if no ink */
} Box;

static Box
ink_box(const float *img)
{
    Box b = { NN_IMAGE_SIDE, -1, NN_IMAGE_SIDE, -1 };
    for (int y = 0; y < NN_IMAGE_SIDE; y++)
        for (int x = 0; x < NN_IMAGE_SIDE; x++)
            if (img[y * NN_IMAGE_SIDE + x] > INK_THRESHOLD) {
                b.x0 = x < b.x0 ? x : b.x0;
                b.x1 = x > b.x1 ? x : b.x1;
                b.y0 = y < b.y0 ? y : b.y0;
                b.y1 = y > b.y1 ? y : b.y1;
            }
    return b;
}

static int box_w(Box b) { return b.x1 - b.x0 + 1; }
static int box_h(Box b) { return b.y1 - b.y0 + 1; }

static float
image_mass(const float *img)
{
    return nn_image_center_of_mass(img, NULL, NULL);
}

static double
max_abs_diff(const float *a, const float *b)
{
    double m = 0.0;
    for (int i = 0; i < NN_IMAGE_PIXELS; i++)
        m = fmax(m, fabs((double)a[i] - b[i]));
    return m;
}

static double
mean_abs_diff(const float *a, const float *b)
{
    double s = 0.0;
    for (int i = 0; i < NN_IMAGE_PIXELS; i++)
        s += fabs((double)a[i] - b[i]);
    return s / NN_IMAGE_PIXELS;
}

/* The properties every normalised digit has: values in [0,1], the ink's
 * box exactly 20 px on its long side (the box is scaled onto whole pixels,
 * so anti-aliasing adds no pixel) and at most that on the other, centre of
 * mass within half a pixel of (14, 14), as whole-pixel moves allow (a tie,
 * exactly half a pixel off, is allowed). */
static void
check_mnist_form(const float *img)
{
    for (int i = 0; i < NN_IMAGE_PIXELS; i++)
        if (!(img[i] >= 0.0f && img[i] <= 1.0f))
            fail_msg("pixel %d = %g is outside [0,1]", i, img[i]);

    Box b = ink_box(img);
    int long_side = box_w(b) > box_h(b) ? box_w(b) : box_h(b);
    int short_side = box_w(b) > box_h(b) ? box_h(b) : box_w(b);
    assert_int_equal(long_side, NN_MNIST_BOX);
    assert_in_range(short_side, 1, long_side);

    float cx = -1, cy = -1;
    float mass = nn_image_center_of_mass(img, &cx, &cy);
    assert_true(mass > 0.0f);
    assert_near(cx, NN_MNIST_CENTER, 0.5 + 1e-4);
    assert_near(cy, NN_MNIST_CENTER, 0.5 + 1e-4);
}

static void
strokes_image(const NnStroke *strokes, size_t n, float *out)
{
    NnError err = { 0 };
    NnStatus st = nn_strokes_to_image(strokes, n, out, &err);
    if (st != NN_OK)
        fail_msg("nn_strokes_to_image: %s: %s", nn_status_to_string(st), err.message);
}

/* ---- drawings ---- */

/* A "7": bar at the top (small y), then a diagonal down-left; a second
 * stroke crosses it. */
static const NnPoint seven_a[] = { { 10, 12 }, { 60, 10 }, { 58, 14 }, { 30, 90 } };
static const NnPoint seven_b[] = { { 28, 50 }, { 55, 50 } };

static void
test_seven_has_mnist_form(void **state)
{
    NnStroke s[] = { { seven_a, 4 }, { seven_b, 2 } };
    float img[NN_IMAGE_PIXELS];
    strokes_image(s, 2, img);
    check_mnist_form(img);

    /* Taller than wide (extent 50 x 80 before the pen). */
    Box b = ink_box(img);
    assert_int_equal(box_h(b), 20);
    assert_true(box_w(b) < box_h(b));

    /* y grows downwards: the bar is at the top, so the first ink row
     * carries more ink than the last. */
    float top = 0, bottom = 0;
    for (int x = 0; x < NN_IMAGE_SIDE; x++) {
        top += img[(b.y0 + 1) * NN_IMAGE_SIDE + x];
        bottom += img[(b.y1 - 1) * NN_IMAGE_SIDE + x];
    }
    assert_true(top > 2 * bottom);
    (void)state;
}

/* A perfectly vertical line: a "1". Its width is the pen's, 0.115 of the
 * long side, about 2.3 px (MNIST's near-vertical 1s: 2.28 px), and its mass
 * is that of a 2.3 x 20 bar with round ends. */
static void
test_vertical_line(void **state)
{
    const NnPoint one[] = { { 5, 3 }, { 5, 40 } };
    NnStroke s = { one, 2 };
    float img[NN_IMAGE_PIXELS];
    strokes_image(&s, 1, img);
    check_mnist_form(img);

    Box b = ink_box(img);
    assert_int_equal(box_h(b), 20);
    assert_int_equal(box_w(b), 3); /* 2.3 px from a pixel edge */
    double w = NN_MNIST_BOX * 0.115;
    double expected = w * (NN_MNIST_BOX - w) + M_PI * w * w / 4.0;
    assert_near(image_mass(img), expected, 0.03 * expected);
    (void)state;
}

static void
test_horizontal_line(void **state)
{
    const NnPoint dash[] = { { -100, 7 }, { -20, 7 }, { 200, 7 } };
    NnStroke s = { dash, 3 };
    float img[NN_IMAGE_PIXELS];
    strokes_image(&s, 1, img);
    check_mnist_form(img);

    Box b = ink_box(img);
    assert_int_equal(box_w(b), 20);
    assert_int_equal(box_h(b), 3);
    (void)state;
}

/* A single point, alone or repeated, is a dot: a disc filling the box. */
static void
test_single_point(void **state)
{
    const NnPoint dot[] = { { 3.5f, -2 } };
    const NnPoint same[] = { { 3.5f, -2 }, { 3.5f, -2 }, { 3.5f, -2 } };
    NnStroke a = { dot, 1 }, b = { same, 3 };
    float img_a[NN_IMAGE_PIXELS], img_b[NN_IMAGE_PIXELS];
    strokes_image(&a, 1, img_a);
    strokes_image(&b, 1, img_b);
    check_mnist_form(img_a);
    assert_true(max_abs_diff(img_a, img_b) < 1e-6);

    Box box = ink_box(img_a);
    assert_int_equal(box_w(box), 20);
    assert_int_equal(box_h(box), 20);
    /* A disc of diameter 20: mass pi * 10^2. */
    assert_near(image_mass(img_a), M_PI * 100.0, 0.02 * M_PI * 100.0);
    (void)state;
}

/* Two dots far apart: the drawing's extent comes from the dots, so each is
 * a small disc, not a box-filling one. */
static void
test_separate_dots(void **state)
{
    const NnPoint d1[] = { { 0, 0 } }, d2[] = { { 0, 100 } };
    NnStroke s[] = { { d1, 1 }, { d2, 1 } };
    float img[NN_IMAGE_PIXELS];
    strokes_image(s, 2, img);
    check_mnist_form(img);
    Box b = ink_box(img);
    assert_int_equal(box_h(b), 20);
    assert_int_equal(box_w(b), 3);
    /* Nothing in the middle. */
    float mid = 0;
    for (int x = 0; x < NN_IMAGE_SIDE; x++)
        mid += img[14 * NN_IMAGE_SIDE + x];
    assert_true(mid == 0.0f);
    (void)state;
}

/* A tall narrow rectangle stays tall and narrow: extent 10 x 40 with a pen
 * of 0.115/0.885 * 40 = 5.2 gives 15.2 x 45.2, i.e. 6.7 x 20 px. */
static void
test_aspect_ratio_kept(void **state)
{
    const NnPoint rect[] = { { 0, 0 }, { 10, 0 }, { 10, 40 }, { 0, 40 }, { 0, 0 } };
    NnStroke s = { rect, 5 };
    float img[NN_IMAGE_PIXELS];
    strokes_image(&s, 1, img);
    check_mnist_form(img);

    double pen = 40 * 0.115 / 0.885;
    double expected_w = NN_MNIST_BOX * (10 + pen) / (40 + pen);
    Box b = ink_box(img);
    assert_int_equal(box_h(b), 20);
    assert_in_range_f(box_w(b), expected_w, expected_w + 1.0);

    /* Turned a quarter turn, the same shape is wide and short. */
    const NnPoint wide[] = { { 0, 0 }, { 40, 0 }, { 40, 10 }, { 0, 10 }, { 0, 0 } };
    NnStroke t = { wide, 5 };
    strokes_image(&t, 1, img);
    check_mnist_form(img);
    b = ink_box(img);
    assert_int_equal(box_w(b), 20);
    assert_in_range_f(box_h(b), expected_w, expected_w + 1.0);
    (void)state;
}

/* The same drawing at another scale and position gives the same image. */
static void
test_scale_invariance(void **state)
{
    NnPoint a2[4], b2[2];
    for (int i = 0; i < 4; i++)
        a2[i] = (NnPoint){ seven_a[i].x * 3.7f + 1000.0f, seven_a[i].y * 3.7f - 50.0f };
    for (int i = 0; i < 2; i++)
        b2[i] = (NnPoint){ seven_b[i].x * 3.7f + 1000.0f, seven_b[i].y * 3.7f - 50.0f };
    NnStroke s1[] = { { seven_a, 4 }, { seven_b, 2 } };
    NnStroke s2[] = { { a2, 4 }, { b2, 2 } };
    float img1[NN_IMAGE_PIXELS], img2[NN_IMAGE_PIXELS];
    strokes_image(s1, 2, img1);
    strokes_image(s2, 2, img2);
    assert_true(max_abs_diff(img1, img2) < 0.02);

    /* Subdividing the segments (as a tablet sending more points would)
     * changes nothing but rounding. */
    NnPoint fine[3 * 64 + 1];
    size_t n = 0;
    for (int seg = 0; seg < 3; seg++)
        for (int k = 0; k < 64; k++) {
            float t = k / 64.0f;
            fine[n++] = (NnPoint){ seven_a[seg].x + t * (seven_a[seg + 1].x - seven_a[seg].x),
                                   seven_a[seg].y + t * (seven_a[seg + 1].y - seven_a[seg].y) };
        }
    fine[n++] = seven_a[3];
    NnStroke s3[] = { { fine, n }, { seven_b, 2 } };
    strokes_image(s3, 2, img2);
    assert_true(max_abs_diff(img1, img2) < 0.02);
    (void)state;
}

static void
test_empty_drawing(void **state)
{
    NnError err = { 0 };
    float img[NN_IMAGE_PIXELS];
    assert_int_equal(nn_strokes_to_image(NULL, 0, img, &err), NN_ERR_EMPTY);
    assert_int_equal(err.status, NN_ERR_EMPTY);
    assert_true(strlen(err.message) > 0);

    NnStroke empty[] = { { NULL, 0 }, { NULL, 0 } };
    nn_error_clear(&err);
    assert_int_equal(nn_strokes_to_image(empty, 2, img, &err), NN_ERR_EMPTY);
    assert_non_null(strstr(err.message, "empty"));

    /* Without an NnError the status alone comes back. */
    assert_int_equal(nn_strokes_to_image(empty, 2, img, NULL), NN_ERR_EMPTY);
    (void)state;
}

static void
test_bad_coordinates(void **state)
{
    NnPoint pts[] = { { 0, 0 }, { NAN, 3 } };
    NnStroke s = { pts, 2 };
    NnError err = { 0 };
    float img[NN_IMAGE_PIXELS];
    assert_int_equal(nn_strokes_to_image(&s, 1, img, &err), NN_ERR_INVALID_ARG);
    pts[1] = (NnPoint){ INFINITY, 3 };
    assert_int_equal(nn_strokes_to_image(&s, 1, img, &err), NN_ERR_INVALID_ARG);
    NnStroke no_array = { NULL, 3 };
    assert_int_equal(nn_strokes_to_image(&no_array, 1, img, &err), NN_ERR_INVALID_ARG);
    (void)state;
}

/* ---- rasterising cost and the reference rasteriser ---- */

/* nn_strokes_to_image() as it was before its rasteriser was made
 * proportional to the ink: every segment visits its whole bounding box.
 * Kept as the reference the new one must match exactly (the constants are
 * preprocess.c's). */
static void
reference_draw_segment(float *canvas, int width, int height,
                       double ax, double ay, double bx, double by, double r)
{
    double dx = bx - ax, dy = by - ay;
    double len2 = dx * dx + dy * dy;
    double reach = r + 0.5;
    int i0 = (int)floor(fmin(ax, bx) - reach), i1 = (int)ceil(fmax(ax, bx) + reach);
    int j0 = (int)floor(fmin(ay, by) - reach), j1 = (int)ceil(fmax(ay, by) + reach);
    if (i0 < 0)
        i0 = 0;
    if (j0 < 0)
        j0 = 0;
    if (i1 > width - 1)
        i1 = width - 1;
    if (j1 > height - 1)
        j1 = height - 1;
    for (int j = j0; j <= j1; j++) {
        double py = j + 0.5;
        for (int i = i0; i <= i1; i++) {
            double px = i + 0.5;
            double t = len2 > 0.0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0.0;
            t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
            double qx = ax + t * dx - px, qy = ay + t * dy - py;
            double d = sqrt(qx * qx + qy * qy);
            double cover = reach - d;
            if (cover <= 0.0)
                continue;
            if (cover > 1.0)
                cover = 1.0;
            float *c = canvas + (size_t)j * (size_t)width + (size_t)i;
            if (*c < (float)cover)
                *c = (float)cover;
        }
    }
}

static void
reference_strokes_to_image(const NnStroke *strokes, size_t n_strokes, float *out)
{
    const double pen_fraction = 0.115;
    const int oversample = 10, margin = 2;
    double min_x = INFINITY, min_y = INFINITY, max_x = -INFINITY, max_y = -INFINITY;
    for (size_t s = 0; s < n_strokes; s++)
        for (size_t p = 0; p < strokes[s].n_points; p++) {
            NnPoint pt = strokes[s].points[p];
            min_x = fmin(min_x, pt.x);
            max_x = fmax(max_x, pt.x);
            min_y = fmin(min_y, pt.y);
            max_y = fmax(max_y, pt.y);
        }
    double extent = fmax(max_x - min_x, max_y - min_y);
    double pen = extent > 0.0 ? extent * pen_fraction / (1.0 - pen_fraction) : 1.0;
    double k = (double)(NN_MNIST_BOX * oversample) / (extent + pen);
    double radius = pen * k / 2.0;
    int width = (int)ceil((max_x - min_x + pen) * k) + 2 * margin;
    int height = (int)ceil((max_y - min_y + pen) * k) + 2 * margin;
    double off_x = margin + radius, off_y = margin + radius;
    float *canvas = calloc((size_t)width * (size_t)height, sizeof *canvas);
    assert_non_null(canvas);
    for (size_t s = 0; s < n_strokes; s++) {
        const NnPoint *pts = strokes[s].points;
        size_t n = strokes[s].n_points;
        for (size_t p = 0; p < n; p++) {
            NnPoint a = pts[p > 0 ? p - 1 : 0], b = pts[p];
            if (p == 0 && n > 1)
                continue;
            reference_draw_segment(canvas, width, height,
                                   off_x + (a.x - min_x) * k, off_y + (a.y - min_y) * k,
                                   off_x + (b.x - min_x) * k, off_y + (b.y - min_y) * k, radius);
        }
    }
    assert_int_equal(nn_ink_to_image(canvas, width, height, out, NULL), NN_OK);
    free(canvas);
}

/* The CPU time of this thread: unlike the wall time, it hardly grows when
 * the machine is loaded (meson runs tests side by side, CI shares cores). */
static double
cpu_seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A deterministic pseudo-random number in [0, 1). */
static double
unit_random(uint32_t *x)
{
    *x = *x * 1664525u + 1013904223u;
    return (*x >> 8) / 16777216.0;
}

/* The rasteriser gives exactly the reference's image on drawings of every
 * kind: the 7, dots, horizontal, vertical and diagonal lines, zig-zags,
 * random walks and scribbles at several scales, with strokes of one and
 * two points mixed in. */
static void
test_rasteriser_matches_reference(void **state)
{
    enum { MAX_POINTS = 2000 };
    NnPoint *pts = malloc(sizeof *pts * MAX_POINTS);
    assert_non_null(pts);
    uint32_t seed = 12345;
    int n_drawings = 0;

    for (int kind = 0; kind < 9; kind++) {
        for (int variant = 0; variant < 6; variant++) {
            double scale = variant % 3 == 0 ? 1.0 : variant % 3 == 1 ? 0.013 : 750.0;
            NnStroke strokes[3];
            size_t n_strokes = 0, n = 0;
            switch (kind) {
            case 0: /* the 7 */
                for (int i = 0; i < 4; i++)
                    pts[n++] = seven_a[i];
                strokes[n_strokes++] = (NnStroke){ pts, n };
                strokes[n_strokes++] = (NnStroke){ seven_b, 2 };
                break;
            case 1: /* a dot, and two dots */
                pts[n++] = (NnPoint){ 3, 4 };
                strokes[n_strokes++] = (NnStroke){ pts, 1 };
                if (variant >= 3) {
                    pts[n++] = (NnPoint){ 9, 5 };
                    strokes[n_strokes++] = (NnStroke){ pts + 1, 1 };
                }
                break;
            case 2: /* horizontal and vertical lines */
                pts[n++] = (NnPoint){ 0, 0 };
                pts[n++] = variant < 3 ? (NnPoint){ 40, 0 } : (NnPoint){ 0, 40 };
                strokes[n_strokes++] = (NnStroke){ pts, 2 };
                break;
            case 3: /* a diagonal zig-zag */
            case 4: /* a steep zig-zag */
            case 5: /* a flat zig-zag */
                for (int i = 0; i < 200; i++)
                    pts[n++] = kind == 3 ? (NnPoint){ (float)(i % 2) * 50, (float)(i % 2) * 50 + i * 0.01f }
                             : kind == 4 ? (NnPoint){ (float)(i % 2) * 3, (float)(i % 2) * 50 + i * 0.1f }
                                         : (NnPoint){ (float)(i % 2) * 50, (float)(i % 2) * 3 + i * 0.1f };
                strokes[n_strokes++] = (NnStroke){ pts, n };
                break;
            case 6: /* a random walk */
                pts[n++] = (NnPoint){ 0, 0 };
                for (int i = 1; i < 1500; i++, n++) {
                    float dx = (float)(unit_random(&seed) - 0.5), dy = (float)(unit_random(&seed) - 0.5);
                    pts[n] = (NnPoint){ pts[n - 1].x + dx, pts[n - 1].y + dy };
                }
                strokes[n_strokes++] = (NnStroke){ pts, n };
                break;
            case 7: /* random points joined: long segments in every direction */
                for (int i = 0; i < 300; i++)
                    pts[n++] = (NnPoint){ (float)(100 * unit_random(&seed)), (float)(60 * unit_random(&seed)) };
                strokes[n_strokes++] = (NnStroke){ pts, 150 };
                strokes[n_strokes++] = (NnStroke){ pts + 150, 150 };
                break;
            default: /* three strokes: a circle, a two-point bar, a dot */
                for (int i = 0; i <= 64; i++)
                    pts[n++] = (NnPoint){ (float)(20 + 15 * cos(i * M_PI / 32)), (float)(30 + 25 * sin(i * M_PI / 32)) };
                strokes[n_strokes++] = (NnStroke){ pts, n };
                pts[n++] = (NnPoint){ 2, 70 };
                pts[n++] = (NnPoint){ 41, 66 };
                strokes[n_strokes++] = (NnStroke){ pts + n - 2, 2 };
                pts[n++] = (NnPoint){ 50, 5 };
                strokes[n_strokes++] = (NnStroke){ pts + n - 1, 1 };
                break;
            }
            NnPoint *scaled = malloc(sizeof *scaled * MAX_POINTS);
            assert_non_null(scaled);
            NnStroke scaled_strokes[3];
            size_t used = 0;
            for (size_t s = 0; s < n_strokes; s++) {
                for (size_t p = 0; p < strokes[s].n_points; p++)
                    scaled[used + p] = (NnPoint){ (float)(strokes[s].points[p].x * scale + variant * 7.25),
                                                  (float)(strokes[s].points[p].y * scale - variant * 3.5) };
                scaled_strokes[s] = (NnStroke){ scaled + used, strokes[s].n_points };
                used += strokes[s].n_points;
            }
            float got[NN_IMAGE_PIXELS], want[NN_IMAGE_PIXELS];
            strokes_image(scaled_strokes, n_strokes, got);
            reference_strokes_to_image(scaled_strokes, n_strokes, want);
            if (memcmp(got, want, sizeof got) != 0)
                fail_msg("drawing kind %d variant %d: the image differs from the reference by up to %g",
                         kind, variant, max_abs_diff(got, want));
            free(scaled);
            n_drawings++;
        }
    }
    print_message("# %d drawings rasterised exactly as by the reference\n", n_drawings);
    free(pts);
    (void)state;
}

/* A drawing of NN_MAX_DRAWING_POINTS points zig-zagging along the diagonal
 * across the whole drawing (every segment crosses it, the worst case)
 * rasterises in well under a second of CPU (0.15 s, with or without
 * AddressSanitizer) and at least 3 times faster than the reference, which
 * visits each segment's bounding box, here the whole canvas (10^6 such
 * points took it 206 s). One point more is refused, with a message. */
static void
test_long_zigzag_is_fast_and_bounded(void **state)
{
    size_t n = NN_MAX_DRAWING_POINTS;
    NnPoint *pts = malloc(sizeof *pts * (n + 1));
    assert_non_null(pts);
    for (size_t i = 0; i <= n; i++)
        pts[i] = (NnPoint){ (float)(i % 2) * 1000 + (float)(i % 7), (float)(i % 2) * 1000 + (float)(i % 5) };
    float img[NN_IMAGE_PIXELS], ref[NN_IMAGE_PIXELS];
    NnStroke s = { pts, n };
    double t0 = cpu_seconds_now();
    strokes_image(&s, 1, img);
    double t1 = cpu_seconds_now();
    reference_strokes_to_image(&s, 1, ref);
    double t2 = cpu_seconds_now();
    print_message("# %zu zig-zag points rasterised in %.3f s of CPU (reference: %.3f s)\n", n, t1 - t0, t2 - t1);
    check_mnist_form(img);
    assert_memory_equal(img, ref, sizeof img);
    if (t1 - t0 > 1.0 || 3 * (t1 - t0) > t2 - t1)
        fail_msg("rasterising %zu points took %.2f s of CPU, the reference %.2f s", n, t1 - t0, t2 - t1);

    NnError err = { 0 };
    s.n_points = n + 1;
    assert_int_equal(nn_strokes_to_image(&s, 1, img, &err), NN_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "more than 5000 points"));
    /* the limit counts all strokes together */
    NnStroke two[] = { { pts, n / 2 + 1 }, { pts, n / 2 } };
    assert_int_equal(nn_strokes_to_image(two, 2, img, &err), NN_ERR_INVALID_ARG);
    two[0].n_points = n / 2;
    assert_int_equal(nn_strokes_to_image(two, 2, img, &err), NN_OK);
    free(pts);
    (void)state;
}

/* ---- grayscale images ---- */

/* Paints a hard-edged thick segment (a capsule) of level `ink`. */
static void
paint_capsule(uint8_t *g, int w, int h, int stride,
              double ax, double ay, double bx, double by, double r, uint8_t ink)
{
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double px = x + 0.5, py = y + 0.5;
            double t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            double qx = ax + t * dx - px, qy = ay + t * dy - py;
            if (qx * qx + qy * qy <= r * r)
                g[y * stride + x] = ink;
        }
}

/* A "4" in a w x h image at the given scale (1 = 60 x 80 px). */
static uint8_t *
make_four(int w, int h, int stride, double scale, uint8_t bg, uint8_t ink)
{
    uint8_t *g = malloc((size_t)stride * h);
    assert_non_null(g);
    memset(g, bg, (size_t)stride * h);
    double r = 3.5 * scale;
    paint_capsule(g, w, h, stride, 35 * scale, 10 * scale, 12 * scale, 50 * scale, r, ink);
    paint_capsule(g, w, h, stride, 12 * scale, 50 * scale, 50 * scale, 50 * scale, r, ink);
    paint_capsule(g, w, h, stride, 40 * scale, 25 * scale, 40 * scale, 72 * scale, r, ink);
    return g;
}

static void
gray_image(const uint8_t *g, int w, int h, int stride, float *out)
{
    NnError err = { 0 };
    NnStatus st = nn_gray_to_image(g, w, h, stride, out, &err);
    if (st != NN_OK)
        fail_msg("nn_gray_to_image: %s: %s", nn_status_to_string(st), err.message);
}

static void
test_gray_has_mnist_form(void **state)
{
    int w = 60, h = 80;
    uint8_t *g = make_four(w, h, w, 1.0, 235, 25);
    float img[NN_IMAGE_PIXELS];
    gray_image(g, w, h, w, img);
    check_mnist_form(img);
    /* The "4" spans 8.5..53.5 across and 6.5..75.5 down: 45 x 69 px,
     * so 13.0 x 20 px once scaled. */
    Box b = ink_box(img);
    assert_int_equal(box_h(b), 20);
    assert_in_range(box_w(b), 13, 14); /* about 13 px from a pixel edge */
    /* The ink is saturated: dark pixels map to 1. */
    float mx = 0;
    for (int i = 0; i < NN_IMAGE_PIXELS; i++)
        mx = fmaxf(mx, img[i]);
    assert_near(mx, 1.0, 1e-6);
    free(g);
    (void)state;
}

/* Dark on light and light on dark give the same image. */
static void
test_gray_polarity(void **state)
{
    int w = 60, h = 80;
    uint8_t *g = make_four(w, h, w, 1.0, 235, 25);
    uint8_t *inv = malloc((size_t)w * h);
    assert_non_null(inv);
    for (int i = 0; i < w * h; i++)
        inv[i] = 255 - g[i];
    float a[NN_IMAGE_PIXELS], b[NN_IMAGE_PIXELS];
    gray_image(g, w, h, w, a);
    gray_image(inv, w, h, w, b);
    assert_true(max_abs_diff(a, b) < 1e-6);

    /* Mid-grey paper with darker ink, and the same ink levels on black. */
    memset(g, 140, (size_t)w * h);
    memcpy(inv, g, (size_t)w * h);
    free(g);
    g = make_four(w, h, w, 1.0, 140, 60);
    uint8_t *light = make_four(w, h, w, 1.0, 0, 80);
    gray_image(g, w, h, w, b);
    assert_true(max_abs_diff(a, b) < 1e-6);
    gray_image(light, w, h, w, b);
    assert_true(max_abs_diff(a, b) < 1e-6);
    free(light);
    free(inv);
    free(g);
    (void)state;
}

/* The same digit photographed at a quarter of the resolution (each pixel
 * the mean of a 4x4 block) gives nearly the same image. Not exactly: the
 * ink's box is found in whole source pixels, so the low-resolution box can
 * be up to one of its pixels (here 1/69 of the height) larger, and the
 * faint edge pixels carry the ink of the 4x4 blocks they average. A row
 * stride wider than the image, with junk in the padding, changes nothing. */
static void
test_gray_scale_and_stride(void **state)
{
    float a[NN_IMAGE_PIXELS], b[NN_IMAGE_PIXELS];
    uint8_t *big = make_four(240, 320, 240, 4.0, 255, 0);
    gray_image(big, 240, 320, 240, a);

    uint8_t *small = malloc(60 * 80);
    assert_non_null(small);
    for (int y = 0; y < 80; y++)
        for (int x = 0; x < 60; x++) {
            int sum = 0;
            for (int j = 0; j < 4; j++)
                for (int i = 0; i < 4; i++)
                    sum += big[(4 * y + j) * 240 + 4 * x + i];
            small[y * 60 + x] = (uint8_t)((sum + 8) / 16);
        }
    gray_image(small, 60, 80, 60, b);
    print_message("# quarter resolution: mean abs diff %.4f, max %.4f\n",
                  mean_abs_diff(a, b), max_abs_diff(a, b));
    assert_true(mean_abs_diff(a, b) < 0.02);
    assert_true(max_abs_diff(a, b) < 0.25);

    int stride = 67;
    uint8_t *padded = malloc((size_t)stride * 80);
    assert_non_null(padded);
    for (int y = 0; y < 80; y++)
        for (int x = 0; x < stride; x++)
            padded[y * stride + x] = x < 60 ? small[y * 60 + x] : (uint8_t)(x * 37 + y);
    gray_image(padded, 60, 80, stride, a);
    assert_true(max_abs_diff(a, b) < 1e-6);
    free(small);
    free(big);
    free(padded);
    (void)state;
}

/* Scanner noise of +-8 levels around the paper and the ink is not ink:
 * the box and the image stay those of the clean digit. */
static void
test_gray_noise(void **state)
{
    int w = 60, h = 80;
    uint8_t *clean = make_four(w, h, w, 1.0, 235, 25);
    uint8_t *noisy = malloc((size_t)w * h);
    assert_non_null(noisy);
    uint32_t seed = 12345;
    for (int i = 0; i < w * h; i++) {
        seed = seed * 1664525u + 1013904223u;
        noisy[i] = (uint8_t)(clean[i] + (int)(seed >> 24) % 17 - 8);
    }
    float a[NN_IMAGE_PIXELS], b[NN_IMAGE_PIXELS];
    gray_image(clean, w, h, w, a);
    gray_image(noisy, w, h, w, b);
    check_mnist_form(b);
    Box ba = ink_box(a), bb = ink_box(b);
    assert_int_equal(box_w(ba), box_w(bb));
    assert_int_equal(box_h(ba), box_h(bb));
    print_message("# noisy scan: mean abs diff %.4f, max %.4f\n", mean_abs_diff(a, b), max_abs_diff(a, b));
    assert_true(mean_abs_diff(a, b) < 0.02);
    free(clean);
    free(noisy);
    (void)state;
}

static void
test_gray_empty(void **state)
{
    int w = 40, h = 30;
    uint8_t *g = malloc((size_t)w * h);
    assert_non_null(g);
    float img[NN_IMAGE_PIXELS];
    NnError err = { 0 };

    memset(g, 200, (size_t)w * h);
    assert_int_equal(nn_gray_to_image(g, w, h, w, img, &err), NN_ERR_EMPTY);
    assert_true(strlen(err.message) > 0);

    /* Faint noise of a few levels is not ink. */
    for (int i = 0; i < w * h; i++)
        g[i] = (uint8_t)(128 + (i * 7919) % 9 - 4);
    assert_int_equal(nn_gray_to_image(g, w, h, w, img, &err), NN_ERR_EMPTY);

    assert_int_equal(nn_gray_to_image(g, 0, h, w, img, &err), NN_ERR_INVALID_ARG);
    assert_int_equal(nn_gray_to_image(g, w, h, w - 1, img, &err), NN_ERR_INVALID_ARG);
    assert_int_equal(nn_gray_to_image(NULL, w, h, w, img, &err), NN_ERR_INVALID_ARG);
    free(g);
    (void)state;
}

/* nn_ink_to_image directly: a one-pixel ink map becomes a solid 20x20
 * square on whole pixels (mass 400, values 0 or 1), half a pixel off the
 * centre as an even width must be. */
static void
test_ink_single_pixel(void **state)
{
    float ink[5 * 3] = { 0 };
    ink[1 * 5 + 3] = 1.0f;
    float img[NN_IMAGE_PIXELS];
    assert_int_equal(nn_ink_to_image(ink, 5, 3, img, NULL), NN_OK);
    check_mnist_form(img);
    assert_near(image_mass(img), 400.0, 1e-3);
    for (int i = 0; i < NN_IMAGE_PIXELS; i++)
        assert_true(img[i] == 0.0f || fabsf(img[i] - 1.0f) < 1e-6f);
    float cx, cy;
    nn_image_center_of_mass(img, &cx, &cy);
    assert_near(fabs(cx - NN_MNIST_CENTER), 0.5, 1e-5);
    assert_near(fabs(cy - NN_MNIST_CENTER), 0.5, 1e-5);

    float zero[4] = { 0 };
    assert_int_equal(nn_ink_to_image(zero, 2, 2, img, NULL), NN_ERR_EMPTY);
    (void)state;
}

/* ---- MNIST round trip ---- */

/* The MNIST test images (.gz or raw) from the folder test-mnist.h finds. */
static gzFile
open_mnist_images(char *path, size_t size)
{
    const char *dir = test_mnist_dir();
    const char *suffixes[] = { ".gz", "" };
    for (size_t i = 0; dir != NULL && i < 2; i++) {
        if (snprintf(path, size, "%s/t10k-images-idx3-ubyte%s", dir, suffixes[i]) >= (int)size)
            return NULL;
        if (access(path, R_OK) == 0)
            return gzopen(path, "rb");
    }
    return NULL;
}

/* MNIST digits are already normalised, so normalising them again must give
 * them back: the box's long side is already 20 (scale 1; 9,997 of the
 * 10,000 test digits) and the centre of mass already within half a pixel
 * of (14, 14), so nothing moves. The code stretches the ink to reach 1, so
 * a digit whose darkest pixel is below 255 comes back divided by it. The
 * digits with a 19 px box (3 of the 10,000) are scaled by 20/19 and do
 * change. Measured: 9,997 of the 10,000 exactly back, all of the first
 * 1000 tested here. Bounds: at least 99% exactly back, mean absolute
 * difference below 0.002 (a blend shifting every digit by half a pixel
 * both ways, as sub-pixel centring would, gives 0.051). Each digit is also
 * given inverted (dark on light) inside a larger page at a whole-pixel
 * offset, and must come out the same. */
static void
test_mnist_round_trip(void **state)
{
    char path[4096];
    gzFile f = open_mnist_images(path, sizeof path);
    assert_non_null(f); /* main() leaves this test out without the file */
    uint8_t header[16];
    assert_int_equal(gzread(f, header, 16), 16);
    assert_int_equal(header[2], 0x08);
    assert_int_equal(header[3], 0x03);

    enum { N = 1000, PAGE_W = 50, PAGE_H = 41 };
    uint8_t *digits = malloc((size_t)N * NN_IMAGE_PIXELS);
    assert_non_null(digits);
    assert_int_equal(gzread(f, digits, N * NN_IMAGE_PIXELS), N * NN_IMAGE_PIXELS);
    gzclose(f);

    double total = 0.0, worst = 0.0;
    int worst_index = -1, exact = 0;
    uint8_t page[PAGE_W * PAGE_H];
    for (int k = 0; k < N; k++) {
        const uint8_t *g = digits + (size_t)k * NN_IMAGE_PIXELS;
        float orig[NN_IMAGE_PIXELS], img[NN_IMAGE_PIXELS], paged[NN_IMAGE_PIXELS];
        uint8_t mx = 0;
        for (int i = 0; i < NN_IMAGE_PIXELS; i++)
            mx = g[i] > mx ? g[i] : mx;
        for (int i = 0; i < NN_IMAGE_PIXELS; i++)
            orig[i] = g[i] / (float)mx;
        gray_image(g, NN_IMAGE_SIDE, NN_IMAGE_SIDE, NN_IMAGE_SIDE, img);
        float cx, cy;
        nn_image_center_of_mass(img, &cx, &cy);
        assert_near(cx, NN_MNIST_CENTER, 0.5 + 1e-4);
        assert_near(cy, NN_MNIST_CENTER, 0.5 + 1e-4);
        double d = mean_abs_diff(orig, img);
        exact += max_abs_diff(orig, img) < 1e-6;
        total += d;
        if (d > worst) {
            worst = d;
            worst_index = k;
        }

        memset(page, 255, sizeof page);
        int ox = 3 + k % 19, oy = 1 + k % 11;
        for (int y = 0; y < NN_IMAGE_SIDE; y++)
            for (int x = 0; x < NN_IMAGE_SIDE; x++)
                page[(oy + y) * PAGE_W + ox + x] = 255 - g[y * NN_IMAGE_SIDE + x];
        gray_image(page, PAGE_W, PAGE_H, PAGE_W, paged);
        if (max_abs_diff(img, paged) > 1e-6)
            fail_msg("digit %d on a page at (%d, %d) differs from the digit by %g", k, ox, oy,
                     max_abs_diff(img, paged));
    }
    print_message("# MNIST round trip over %d digits: %d exactly back, mean abs difference %.4f, "
                  "worst %.4f (digit %d)\n", N, exact, total / N, worst, worst_index);
    assert_true(exact >= N * 99 / 100);
    assert_true(total / N < 0.002);
    free(digits);
    (void)state;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seven_has_mnist_form),
        cmocka_unit_test(test_vertical_line),
        cmocka_unit_test(test_horizontal_line),
        cmocka_unit_test(test_single_point),
        cmocka_unit_test(test_separate_dots),
        cmocka_unit_test(test_aspect_ratio_kept),
        cmocka_unit_test(test_scale_invariance),
        cmocka_unit_test(test_empty_drawing),
        cmocka_unit_test(test_bad_coordinates),
        cmocka_unit_test(test_rasteriser_matches_reference),
        cmocka_unit_test(test_long_zigzag_is_fast_and_bounded),
        cmocka_unit_test(test_gray_has_mnist_form),
        cmocka_unit_test(test_gray_polarity),
        cmocka_unit_test(test_gray_scale_and_stride),
        cmocka_unit_test(test_gray_noise),
        cmocka_unit_test(test_gray_empty),
        cmocka_unit_test(test_ink_single_pixel),
        cmocka_unit_test(test_mnist_round_trip), /* keep last */
    };
    size_t n = sizeof tests / sizeof tests[0];

    /* cmocka 1.1.5 reports skip() as "not ok ... # SKIP", which meson's TAP
     * parser counts as an error, so a missing data file drops the test
     * here, saying so, instead. */
    char path[4096];
    gzFile f = open_mnist_images(path, sizeof path);
    if (f == NULL) {
        printf("# SKIP test_mnist_round_trip: no t10k-images-idx3-ubyte(.gz): " TEST_MNIST_MISSING "\n");
        n--;
    } else {
        gzclose(f);
    }
    return _cmocka_run_group_tests("test-preprocess", tests, n, NULL, NULL);
}
