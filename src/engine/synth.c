/* synth.c — style strokes and non-digits made from MNIST; see synth.h. */
#include "synth.h"

#include <math.h>
#include <string.h>

#include "model.h"
#include "preprocess.h"

/* The working canvas: the 28x28 digit sits in the middle of CANVAS x
 * CANVAS, so strokes may reach out of its frame. */
#define CANVAS 44
#define MARGIN ((CANVAS - NN_IMAGE_SIDE) / 2)

typedef struct {
    float ink[CANVAS * CANVAS];
} Canvas;

/* How canvas_put turns the digit: as it is, mirrored left to right, or a
 * quarter turn either way. */
typedef enum { AS_IS, MIRRORED, TURNED_LEFT, TURNED_RIGHT } Turn;

static void
canvas_put(Canvas *c, const uint8_t *img, int dx, int dy, Turn turn)
{
    const int last = NN_IMAGE_SIDE - 1;
    for (int y = 0; y < NN_IMAGE_SIDE; y++)
        for (int x = 0; x < NN_IMAGE_SIDE; x++) {
            int cx = MARGIN + dx + x, cy = MARGIN + dy + y;
            if (cx < 0 || cy < 0 || cx >= CANVAS || cy >= CANVAS)
                continue;
            int sx = turn == MIRRORED ? last - x : turn == TURNED_LEFT ? last - y : turn == TURNED_RIGHT ? y : x;
            int sy = turn == TURNED_LEFT ? x : turn == TURNED_RIGHT ? last - x : y;
            float v = img[sy * NN_IMAGE_SIDE + sx] * (1.0f / 255.0f);
            float *p = &c->ink[cy * CANVAS + cx];
            *p = v > *p ? v : *p;
        }
}

/* A round pen of the given width from (ax, ay) to (bx, by), in canvas
 * coordinates of pixel centres; coverage falls off over one pixel. */
static void
canvas_line(Canvas *c, float ax, float ay, float bx, float by, float width)
{
    const float r = width * 0.5f, dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    int x0 = (int)floorf(fminf(ax, bx) - r - 1), x1 = (int)ceilf(fmaxf(ax, bx) + r + 1);
    int y0 = (int)floorf(fminf(ay, by) - r - 1), y1 = (int)ceilf(fmaxf(ay, by) + r + 1);
    x0 = x0 < 0 ? 0 : x0;
    y0 = y0 < 0 ? 0 : y0;
    x1 = x1 >= CANVAS ? CANVAS - 1 : x1;
    y1 = y1 >= CANVAS ? CANVAS - 1 : y1;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            float t = len2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / len2 : 0.0f;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            float qx = ax + t * dx - x, qy = ay + t * dy - y;
            float cover = r + 0.5f - sqrtf(qx * qx + qy * qy);
            if (cover <= 0)
                continue;
            cover = cover > 1 ? 1 : cover;
            float *p = &c->ink[y * CANVAS + x];
            *p = cover > *p ? cover : *p;
        }
}

/* Normalises the canvas like MNIST into 28x28 bytes. */
static void
canvas_finish(const Canvas *c, uint8_t *dst)
{
    float out[NN_IMAGE_PIXELS];
    if (nn_ink_to_image(c->ink, CANVAS, CANVAS, out, NULL) != NN_OK) {
        memset(dst, 0, NN_IMAGE_PIXELS);
        return;
    }
    for (int i = 0; i < NN_IMAGE_PIXELS; i++)
        dst[i] = (uint8_t)lrintf(out[i] * 255.0f);
}

/* The ink's box in image coordinates (pixels above half intensity). */
typedef struct {
    int x0, y0, x1, y1;
} Box;

static Box
ink_box(const uint8_t *img)
{
    Box b = { NN_IMAGE_SIDE, NN_IMAGE_SIDE, -1, -1 };
    for (int y = 0; y < NN_IMAGE_SIDE; y++)
        for (int x = 0; x < NN_IMAGE_SIDE; x++)
            if (img[y * NN_IMAGE_SIDE + x] > 127) {
                b.x0 = x < b.x0 ? x : b.x0;
                b.x1 = x > b.x1 ? x : b.x1;
                b.y0 = y < b.y0 ? y : b.y0;
                b.y1 = y;
            }
    return b;
}

/* The mean x of the ink in rows [y0, y1], or -1 if none. */
static float
ink_x(const uint8_t *img, int y0, int y1)
{
    double sum = 0, mass = 0;
    for (int y = y0 < 0 ? 0 : y0; y <= y1 && y < NN_IMAGE_SIDE; y++)
        for (int x = 0; x < NN_IMAGE_SIDE; x++) {
            float v = img[y * NN_IMAGE_SIDE + x];
            sum += v * x;
            mass += v;
        }
    return mass > 0 ? (float)(sum / mass) : -1.0f;
}

bool
nn_synth_style(const uint8_t *src, int label, NnRng *rng, uint8_t *dst)
{
    if (label != 0 && label != 1 && label != 7)
        return false;
    Box b = ink_box(src);
    if (b.x1 < 0)
        return false;
    Canvas c = { { 0 } };
    canvas_put(&c, src, 0, 0, AS_IS);
    const float h = (float)(b.y1 - b.y0 + 1), width = nn_rng_range(rng, 1.8f, 2.8f);
    const float ox = MARGIN, oy = MARGIN; /* image to canvas */
    if (label == 0) {
        /* lower left to upper right, a little beyond the ring or not */
        float over = nn_rng_range(rng, -1.0f, 2.5f), tilt = nn_rng_range(rng, -2.0f, 2.0f);
        canvas_line(&c, ox + b.x0 - over + tilt, oy + b.y1 + over, ox + b.x1 + over - tilt, oy + b.y0 - over, width);
    } else if (label == 1) {
        /* the flag: from the top of the stem, down to the left, as long as
         * half the digit in European hands */
        float top_x = ink_x(src, b.y0, b.y0 + 1);
        float length = nn_rng_range(rng, 0.2f, 0.6f) * h;
        float angle = nn_rng_range(rng, 25.0f, 65.0f) * (float)M_PI / 180.0f;
        canvas_line(&c, ox + top_x, oy + b.y0, ox + top_x - length * cosf(angle), oy + b.y0 + length * sinf(angle),
                    width);
        if (nn_rng_uniform(rng) < 0.5f) { /* and a base */
            float bottom_x = ink_x(src, b.y1 - 1, b.y1), half = nn_rng_range(rng, 0.15f, 0.4f) * h;
            float y = oy + b.y1 + nn_rng_range(rng, -0.5f, 1.0f);
            canvas_line(&c, ox + bottom_x - half, y, ox + bottom_x + half, y + nn_rng_range(rng, -1.0f, 1.0f), width);
        }
    } else {
        /* a bar across the stem, a little below the middle */
        int y = b.y0 + (int)lroundf(nn_rng_range(rng, 0.45f, 0.6f) * h);
        float stem = ink_x(src, y - 1, y + 1);
        if (stem < 0)
            return false;
        float half = nn_rng_range(rng, 0.18f, 0.32f) * h, slope = nn_rng_range(rng, -0.1f, 0.1f);
        canvas_line(&c, ox + stem - half, oy + y - slope * half, ox + stem + half, oy + y + slope * half, width);
    }
    canvas_finish(&c, dst);
    return true;
}

/* A random training image whose label is in `classes` (a bit mask); after
 * a few misses, any image. */
static const uint8_t *
random_image(const NnDataset *train, unsigned classes, NnRng *rng)
{
    int index = 0;
    for (int tries = 0; tries < 32; tries++) {
        index = (int)nn_rng_below(rng, (uint32_t)train->count);
        if (classes & (1u << train->labels[index]))
            break;
    }
    return train->images + (size_t)index * NN_IMAGE_PIXELS;
}

#include "letters.inc"

/* A drawing to be drawn by hand: polylines of points in any units, y down
 * (a stroke of one point is a dot). */
#define SKETCH_POINTS 96
#define SKETCH_STROKES 6

typedef struct {
    float pt[SKETCH_POINTS][2];
    int end[SKETCH_STROKES]; /* stroke s is pt[end[s - 1] .. end[s] - 1] */
    int n_points, n_strokes;
} Sketch;

static void
sketch_point(Sketch *k, float x, float y)
{
    if (k->n_points < SKETCH_POINTS) {
        k->pt[k->n_points][0] = x;
        k->pt[k->n_points][1] = y;
        k->end[k->n_strokes - 1] = ++k->n_points;
    }
}

/* Starts a new stroke (sketch_point adds to the last one). */
static void
sketch_stroke(Sketch *k)
{
    if (k->n_strokes < SKETCH_STROKES)
        k->end[k->n_strokes++] = k->n_points;
}

/* An arc of an ellipse from angle a0 to a1 (radians, y down) in n steps. */
static void
sketch_arc(Sketch *k, float cx, float cy, float rx, float ry, float a0, float a1, int n)
{
    for (int i = 0; i <= n; i++) {
        float a = a0 + (a1 - a0) * (float)i / (float)n;
        sketch_point(k, cx + rx * cosf(a), cy + ry * sinf(a));
    }
}

/* Draws the sketch with a hand's variation: a random stretch, slant, turn
 * and wobble of its points, its longer side `size` pixels, centred at
 * (cx, cy) on the canvas, with a pen of the given width. */
static void
canvas_sketch(Canvas *c, const Sketch *k, float cx, float cy, float size, float width, NnRng *rng)
{
    float x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f;
    for (int i = 0; i < k->n_points; i++) {
        x0 = fminf(x0, k->pt[i][0]);
        x1 = fmaxf(x1, k->pt[i][0]);
        y0 = fminf(y0, k->pt[i][1]);
        y1 = fmaxf(y1, k->pt[i][1]);
    }
    const float side = fmaxf(fmaxf(x1 - x0, y1 - y0), 1e-3f), scale = size / side;
    const float sx = scale * nn_rng_range(rng, 0.75f, 1.25f), sy = scale;
    const float shear = nn_rng_range(rng, -0.3f, 0.3f), turn = nn_rng_range(rng, -0.2f, 0.2f);
    const float ct = cosf(turn), st = sinf(turn), mx = (x0 + x1) / 2, my = (y0 + y1) / 2;
    for (int s = 0, first = 0; s < k->n_strokes; first = k->end[s++]) {
        float px = 0, py = 0;
        for (int i = first; i < k->end[s]; i++) {
            float u = (k->pt[i][0] - mx) * sx, v = (k->pt[i][1] - my) * sy;
            u += shear * v;
            float x = cx + ct * u - st * v + nn_rng_range(rng, -0.5f, 0.5f);
            float y = cy + st * u + ct * v + nn_rng_range(rng, -0.5f, 0.5f);
            if (k->end[s] - first == 1) /* a dot */
                canvas_line(c, x, y, x, y, width);
            else if (i > first)
                canvas_line(c, px, py, x, y, width);
            px = x;
            py = y;
        }
    }
}

/* Letter (or sign) k of letters.inc drawn by hand (canvas_sketch). */
static void
canvas_letter(Canvas *c, unsigned k, float cx, float cy, float size, float width, NnRng *rng)
{
    Sketch sk = { .n_points = 0 };
    for (unsigned s = letters[k].first_stroke; s < letters[k].first_stroke + letters[k].n_strokes; s++) {
        sketch_stroke(&sk);
        for (unsigned i = 0; i < letter_strokes[s].count; i++) {
            const signed char *p = letter_points[letter_strokes[s].first + i];
            sketch_point(&sk, p[0], p[1]);
        }
    }
    canvas_sketch(c, &sk, cx, cy, size, width, rng);
}

/* A doodle: a triangle or a pentagon, a five-pointed star, a spiral, a
 * heart, a wave or a face. Not a circle or an ellipse (a 0), nor a square
 * or a hexagon (a 0 written boxy), nor a spiral of fewer than two turns (a
 * 6 or a 9), nor anything of straight strokes that a hand writes as a 1, 4
 * or 7. */
static void
sketch_shape(Sketch *k, NnRng *rng)
{
    const float pi = (float)M_PI;
    sketch_stroke(k);
    switch (nn_rng_below(rng, 6)) {
    case 0: { /* a triangle or a pentagon, closed with a little overshoot */
        const int n = nn_rng_uniform(rng) < 0.5f ? 3 : 5;
        const float phase = nn_rng_range(rng, 0, 2 * pi);
        for (int i = 0; i <= n; i++) {
            float a = phase + 2 * pi * (float)i / (float)n + (i == n ? nn_rng_range(rng, 0.0f, 0.3f) : 0);
            float r = i == n ? 1.0f : nn_rng_range(rng, 0.85f, 1.15f);
            sketch_point(k, r * cosf(a), r * sinf(a));
        }
        break;
    }
    case 1: { /* a star, in one stroke */
        const float phase = -pi / 2 + nn_rng_range(rng, -0.3f, 0.3f);
        for (int i = 0; i <= 5; i++) {
            float a = phase + 4 * pi * (float)(i % 5) / 5;
            sketch_point(k, cosf(a), sinf(a));
        }
        break;
    }
    case 2: { /* a spiral of 2 to 3.5 turns, either way */
        const float turns = nn_rng_range(rng, 2.0f, 3.5f), dir = nn_rng_uniform(rng) < 0.5f ? 1.0f : -1.0f;
        const float phase = nn_rng_range(rng, 0, 2 * pi);
        const int n = 60;
        for (int i = 0; i <= n; i++) {
            float t = (float)i / (float)n, a = phase + dir * 2 * pi * turns * t;
            sketch_point(k, t * cosf(a), t * sinf(a));
        }
        break;
    }
    case 3: { /* a heart: from the notch down the right lobe to the point, then on
               * round the left lobe, or the left half as a second stroke from the notch */
        const bool halves = nn_rng_uniform(rng) < 0.5f;
        for (int j = 0; j <= 40; j++) {
            if (halves && j == 21)
                sketch_stroke(k);
            int i = halves && j > 20 ? 60 - j : j; /* the second half backwards: 40 .. 20 */
            float t = pi * (float)i / 20.0f, st = sinf(t);
            sketch_point(k, 16 * st * st * st, -(13 * cosf(t) - 5 * cosf(2 * t) - 2 * cosf(3 * t) - cosf(4 * t)));
        }
        break;
    }
    case 4: { /* a wave of 1.5 to 3 periods */
        const float periods = nn_rng_range(rng, 1.5f, 3.0f), amplitude = nn_rng_range(rng, 0.12f, 0.3f);
        for (int i = 0; i <= 40; i++) {
            float t = (float)i / 40.0f;
            sketch_point(k, t, amplitude * sinf(2 * pi * periods * t));
        }
        break;
    }
    default: /* a face: a ring, two eyes and a smile */
        sketch_arc(k, 0, 0, 1, 1, 0, 2 * pi + 0.2f, 24);
        sketch_stroke(k);
        sketch_point(k, -0.35f, -0.3f);
        sketch_stroke(k);
        sketch_point(k, 0.35f, -0.3f);
        sketch_stroke(k);
        sketch_arc(k, 0, 0.1f, 0.5f, 0.4f, 0.5f, pi - 0.5f, 10);
        break;
    }
}

void
nn_synth_outlier(const NnDataset *train, NnRng *rng, uint8_t *dst)
{
    nn_synth_non_digit(train, false, rng, dst);
}

void
nn_synth_non_digit(const NnDataset *train, bool all_kinds, NnRng *rng, uint8_t *dst)
{
    Canvas c = { { 0 } };
    const float width = nn_rng_range(rng, 1.8f, 3.0f);
    /* A letter or sign for about a third of them: one, or (a fifth of those) two side by side. */
    const float kind = all_kinds ? nn_rng_uniform(rng) : 1.0f;
    if (kind < NN_SYNTH_LETTER_SHARE) {
        const unsigned n = sizeof letters / sizeof letters[0];
        if (nn_rng_uniform(rng) < 0.2f) {
            float size = nn_rng_range(rng, 14, 18), gap = nn_rng_range(rng, 0.45f, 0.6f) * size;
            canvas_letter(&c, nn_rng_below(rng, n), 22 - gap, 22, size, width, rng);
            canvas_letter(&c, nn_rng_below(rng, n), 22 + gap, 22 + nn_rng_range(rng, -2, 2), size, width, rng);
        } else {
            canvas_letter(&c, nn_rng_below(rng, n), 22, 22, nn_rng_range(rng, 16, 26), width, rng);
        }
        canvas_finish(&c, dst);
        return;
    }
    if (kind < NN_SYNTH_LETTER_SHARE + NN_SYNTH_SHAPE_SHARE) {
        Sketch sk = { .n_points = 0 };
        sketch_shape(&sk, rng);
        canvas_sketch(&c, &sk, 22, 22, nn_rng_range(rng, 16, 26), width, rng);
        canvas_finish(&c, dst);
        return;
    }
    /* Mirrored, 0, 1 and 8 are still digits, 2 and 5 look like each other,
     * and a 6 looks like a 6 written with a curled stem. */
    const unsigned any = 0x3ff, mirrorable = 1u << 3 | 1u << 4 | 1u << 7 | 1u << 9;
    switch (nn_rng_below(rng, 6)) {
    case 0: /* a mirrored digit */
        canvas_put(&c, random_image(train, mirrorable, rng), 0, 0, MIRRORED);
        break;
    case 2: /* a digit on its side (not 0, which stays a 0, nor 6 and 9, which become each other) */
        canvas_put(&c, random_image(train, any & ~(1u << 0 | 1u << 6 | 1u << 9), rng), 0, 0,
                   nn_rng_uniform(rng) < 0.5f ? TURNED_LEFT : TURNED_RIGHT);
        break;
    case 1: { /* two digits side by side, a little apart */
        int gap = (int)nn_rng_below(rng, 5) + 10, dy = (int)nn_rng_below(rng, 7) - 3;
        canvas_put(&c, random_image(train, any, rng), -gap, 0, AS_IS);
        canvas_put(&c, random_image(train, any, rng), gap, dy, AS_IS);
        break;
    }
    case 3: { /* a zig-zag scribble */
        int turns = 6 + (int)nn_rng_below(rng, 10);
        float x = nn_rng_range(rng, 10, 34), y = nn_rng_range(rng, 10, 34);
        for (int i = 0; i < turns; i++) {
            float nx = nn_rng_range(rng, 8, 36), ny = nn_rng_range(rng, 8, 36);
            canvas_line(&c, x, y, nx, ny, width);
            x = nx;
            y = ny;
        }
        break;
    }
    case 4: { /* a dot, or a bar within 35 degrees of level (steeper, it is a 1) */
        if (nn_rng_uniform(rng) < 0.4f) {
            float x = nn_rng_range(rng, 18, 26), y = nn_rng_range(rng, 18, 26);
            canvas_line(&c, x, y, x + nn_rng_range(rng, -1, 1), y + nn_rng_range(rng, -1, 1), nn_rng_range(rng, 3, 8));
        } else {
            float angle = nn_rng_range(rng, -35.0f, 35.0f) * (float)M_PI / 180.0f, half = nn_rng_range(rng, 6, 14);
            canvas_line(&c, 22 - half * cosf(angle), 22 - half * sinf(angle), 22 + half * cosf(angle),
                        22 + half * sinf(angle), width);
        }
        break;
    }
    default: { /* a cross: + or x, or a hash */
        float half = nn_rng_range(rng, 6, 12), turn = nn_rng_range(rng, 0.0f, (float)M_PI / 2);
        for (int k = 0; k < 2; k++) {
            float a = turn + (float)k * (float)M_PI / 2;
            canvas_line(&c, 22 - half * cosf(a), 22 - half * sinf(a), 22 + half * cosf(a), 22 + half * sinf(a), width);
        }
        if (nn_rng_uniform(rng) < 0.3f) { /* a second pair of lines: # */
            canvas_line(&c, 16, 12, 16, 32, width);
            canvas_line(&c, 12, 28, 32, 28, width);
        }
        break;
    }
    }
    canvas_finish(&c, dst);
}
