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

/* Letter (or sign) k of letters.inc with a hand's variation: a random
 * size, slant, turn and wobble of its points, centred at (cx, cy) on the
 * canvas, drawn with a pen of the given width. */
static void
canvas_letter(Canvas *c, unsigned k, float cx, float cy, float size, float width, NnRng *rng)
{
    const unsigned first = letters[k].first_stroke, n = letters[k].n_strokes;
    float x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f;
    for (unsigned s = first; s < first + n; s++)
        for (unsigned i = 0; i < letter_strokes[s].count; i++) {
            const signed char *p = letter_points[letter_strokes[s].first + i];
            x0 = fminf(x0, p[0]);
            x1 = fmaxf(x1, p[0]);
            y0 = fminf(y0, p[1]);
            y1 = fmaxf(y1, p[1]);
        }
    const float side = fmaxf(fmaxf(x1 - x0, y1 - y0), 1.0f), scale = size / side;
    const float sx = scale * nn_rng_range(rng, 0.75f, 1.25f), sy = scale;
    const float shear = nn_rng_range(rng, -0.3f, 0.3f), turn = nn_rng_range(rng, -0.2f, 0.2f);
    const float ct = cosf(turn), st = sinf(turn), mx = (x0 + x1) / 2, my = (y0 + y1) / 2;
    for (unsigned s = first; s < first + n; s++) {
        float px = 0, py = 0;
        for (unsigned i = 0; i < letter_strokes[s].count; i++) {
            const signed char *p = letter_points[letter_strokes[s].first + i];
            float u = (p[0] - mx) * sx, v = (p[1] - my) * sy;
            u += shear * v;
            float x = cx + ct * u - st * v + nn_rng_range(rng, -0.5f, 0.5f);
            float y = cy + st * u + ct * v + nn_rng_range(rng, -0.5f, 0.5f);
            if (letter_strokes[s].count == 1) /* a dot */
                canvas_line(c, x, y, x, y, width);
            else if (i > 0)
                canvas_line(c, px, py, x, y, width);
            px = x;
            py = y;
        }
    }
}

void
nn_synth_outlier(const NnDataset *train, NnRng *rng, uint8_t *dst)
{
    nn_synth_non_digit(train, false, rng, dst);
}

void
nn_synth_non_digit(const NnDataset *train, bool with_letters, NnRng *rng, uint8_t *dst)
{
    Canvas c = { { 0 } };
    const float width = nn_rng_range(rng, 1.8f, 3.0f);
    /* A letter or sign for about a third of them: one, or (a fifth of those) two side by side. */
    if (with_letters && nn_rng_uniform(rng) < NN_SYNTH_LETTER_SHARE) {
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
