#include "augment.h"

#include <math.h>
#include <string.h>

#include "model.h"

NnAugment
nn_augment_default(void)
{
    NnAugment aug = { .enabled = true, .rotation = 10.0f, .zoom = 0.1f, .shift = 0.1f };
    return aug;
}

const char *
nn_augment_check(const NnAugment *a)
{
    /* written so that nan fails every comparison */
    if (!(a->rotation >= 0 && a->rotation <= 180))
        return "rotation must be between 0 and 180 degrees";
    if (!(a->zoom >= 0 && a->zoom <= 0.95f))
        return "zoom must be between 0 and 0.95";
    if (!(a->shift >= 0 && a->shift <= 1))
        return "shift must be between 0 and 1";
    if (!(a->shear >= 0 && a->shear <= 45))
        return "shear must be between 0 and 45 degrees";
    if (!(a->elastic_alpha >= 0 && a->elastic_alpha <= 100))
        return "elastic alpha must be between 0 and 100 pixels";
    if (a->elastic_alpha > 0 && !(a->elastic_sigma >= 0.5f && a->elastic_sigma <= 10))
        return "elastic sigma must be between 0.5 and 10 pixels";
    if (!(a->thickness >= 0 && a->thickness <= 1))
        return "thickness must be between 0 and 1";
    if (!(a->erase >= 0 && a->erase <= 1))
        return "erase must be a probability between 0 and 1";
    if (!(a->style >= 0 && a->style <= 1))
        return "style must be a probability between 0 and 1";
    return NULL;
}

void
nn_image_to_float(const uint8_t *src, float *dst)
{
    for (int i = 0; i < NN_IMAGE_PIXELS; i++)
        dst[i] = src[i] * (1.0f / 255.0f);
}

static inline float
pixel(const uint8_t *src, int x, int y)
{
    if (x < 0 || y < 0 || x >= NN_IMAGE_SIDE || y >= NN_IMAGE_SIDE)
        return 0.0f;
    return src[y * NN_IMAGE_SIDE + x];
}

/* Bilinear sampling of src at M (x - c, y - c) + c + t (+ the field, if any). */
static void
resample(const uint8_t *src, float *dst, const float m[4], float tx, float ty, const float *fx,
         const float *fy)
{
    const float c = (NN_IMAGE_SIDE - 1) * 0.5f;
    for (int y = 0; y < NN_IMAGE_SIDE; y++) {
        for (int x = 0; x < NN_IMAGE_SIDE; x++) {
            float u = x - c, v = y - c;
            float sx = m[0] * u + m[1] * v + c + tx;
            float sy = m[2] * u + m[3] * v + c + ty;
            if (fx != NULL) {
                sx += fx[y * NN_IMAGE_SIDE + x];
                sy += fy[y * NN_IMAGE_SIDE + x];
            }
            int x0 = (int)floorf(sx), y0 = (int)floorf(sy);
            float fx_ = sx - x0, fy_ = sy - y0;
            float top = pixel(src, x0, y0) * (1 - fx_) + pixel(src, x0 + 1, y0) * fx_;
            float bottom = pixel(src, x0, y0 + 1) * (1 - fx_) + pixel(src, x0 + 1, y0 + 1) * fx_;
            dst[y * NN_IMAGE_SIDE + x] = (top * (1 - fy_) + bottom * fy_) * (1.0f / 255.0f);
        }
    }
}

/* M = R(angle) diag(zx, zy), then sheared by `shear` degrees (x += tan * y). */
static void
affine_matrix(float angle, float zoom_x, float zoom_y, float shear, float m[4])
{
    const float rad = angle * (float)M_PI / 180.0f;
    const float cs = cosf(rad), sn = sinf(rad);
    m[0] = cs * zoom_x;
    m[1] = -sn * zoom_y;
    m[2] = sn * zoom_x;
    m[3] = cs * zoom_y;
    if (shear != 0.0f) {
        const float k = tanf(shear * (float)M_PI / 180.0f);
        m[1] += k * m[0];
        m[3] += k * m[2];
    }
}

void
nn_affine_resample(const uint8_t *src, float *dst, float angle, float zoom_x, float zoom_y,
                   float tx, float ty)
{
    float m[4];
    affine_matrix(angle, zoom_x, zoom_y, 0.0f, m);
    resample(src, dst, m, tx, ty, NULL, NULL);
}

/* One pass of a separable blur along rows (step 1) or columns (step 28). */
static void
blur_pass(const float *in, float *out, const float *kernel, int radius, int step)
{
    const int across = step == 1 ? NN_IMAGE_SIDE : 1;
    for (int line = 0; line < NN_IMAGE_SIDE; line++)
        for (int i = 0; i < NN_IMAGE_SIDE; i++) {
            float sum = 0.0f;
            int lo = i - radius < 0 ? -i : -radius, hi = i + radius >= NN_IMAGE_SIDE ? NN_IMAGE_SIDE - 1 - i : radius;
            const float *p = in + line * across + i * step;
            for (int k = lo; k <= hi; k++)
                sum += kernel[k + radius] * p[k * step];
            out[line * across + i * step] = sum;
        }
}

#define MAX_RADIUS 30

void
nn_elastic_field(float alpha, float sigma, NnRng *rng, float *dx, float *dy)
{
    int radius = (int)ceilf(3.0f * sigma);
    if (radius > MAX_RADIUS)
        radius = MAX_RADIUS;
    float kernel[2 * MAX_RADIUS + 1], sum = 0.0f;
    for (int k = -radius; k <= radius; k++)
        sum += kernel[k + radius] = expf(-0.5f * (float)(k * k) / (sigma * sigma));
    for (int k = 0; k <= 2 * radius; k++)
        kernel[k] /= sum;
    float noise[NN_IMAGE_PIXELS], tmp[NN_IMAGE_PIXELS];
    float *fields[2] = { dx, dy };
    for (int f = 0; f < 2; f++) {
        for (int i = 0; i < NN_IMAGE_PIXELS; i++)
            noise[i] = nn_rng_range(rng, -1.0f, 1.0f);
        blur_pass(noise, tmp, kernel, radius, 1);
        blur_pass(tmp, fields[f], kernel, radius, NN_IMAGE_SIDE);
        for (int i = 0; i < NN_IMAGE_PIXELS; i++)
            fields[f][i] *= alpha;
    }
}

/* Blends the image towards its 4-neighbour dilation (t > 0) or erosion
 * (t < 0), strength |t| <= 1. */
static void
change_thickness(float *img, float t)
{
    float copy[NN_IMAGE_PIXELS];
    memcpy(copy, img, sizeof copy);
    for (int y = 0; y < NN_IMAGE_SIDE; y++)
        for (int x = 0; x < NN_IMAGE_SIDE; x++) {
            float v = copy[y * NN_IMAGE_SIDE + x], e = v;
            const int nx[4] = { x - 1, x + 1, x, x }, ny[4] = { y, y, y - 1, y + 1 };
            for (int k = 0; k < 4; k++) {
                float n = nx[k] < 0 || ny[k] < 0 || nx[k] >= NN_IMAGE_SIDE || ny[k] >= NN_IMAGE_SIDE
                              ? 0.0f : copy[ny[k] * NN_IMAGE_SIDE + nx[k]];
                e = t > 0 ? fmaxf(e, n) : fminf(e, n);
            }
            img[y * NN_IMAGE_SIDE + x] = v + fabsf(t) * (e - v);
        }
}

/* Zeroes a random rectangle of 2-20 % of the image, aspect 1:3 to 3:1. */
static void
erase_patch(float *img, NnRng *rng)
{
    float area = nn_rng_range(rng, 0.02f, 0.2f) * NN_IMAGE_PIXELS;
    float aspect = expf(nn_rng_range(rng, logf(1.0f / 3.0f), logf(3.0f)));
    int w = (int)lroundf(sqrtf(area * aspect)), h = (int)lroundf(sqrtf(area / aspect));
    w = w < 1 ? 1 : w > NN_IMAGE_SIDE ? NN_IMAGE_SIDE : w;
    h = h < 1 ? 1 : h > NN_IMAGE_SIDE ? NN_IMAGE_SIDE : h;
    int x0 = (int)nn_rng_below(rng, (uint32_t)(NN_IMAGE_SIDE - w + 1));
    int y0 = (int)nn_rng_below(rng, (uint32_t)(NN_IMAGE_SIDE - h + 1));
    for (int y = y0; y < y0 + h; y++)
        memset(img + y * NN_IMAGE_SIDE + x0, 0, sizeof(float) * (size_t)w);
}

void
nn_augment_image(const NnAugment *aug, const uint8_t *src, float *dst, NnRng *rng)
{
    if (!aug->enabled) {
        nn_image_to_float(src, dst);
        return;
    }
    float angle = nn_rng_range(rng, -aug->rotation, aug->rotation);
    float zx = nn_rng_range(rng, 1.0f - aug->zoom, 1.0f + aug->zoom);
    float zy = nn_rng_range(rng, 1.0f - aug->zoom, 1.0f + aug->zoom);
    float tx = nn_rng_range(rng, -aug->shift, aug->shift) * NN_IMAGE_SIDE;
    float ty = nn_rng_range(rng, -aug->shift, aug->shift) * NN_IMAGE_SIDE;
    float shear = aug->shear > 0 ? nn_rng_range(rng, -aug->shear, aug->shear) : 0.0f;
    float m[4];
    affine_matrix(angle, zx, zy, shear, m);
    if (aug->elastic_alpha > 0) {
        float fx[NN_IMAGE_PIXELS], fy[NN_IMAGE_PIXELS];
        nn_elastic_field(aug->elastic_alpha, aug->elastic_sigma, rng, fx, fy);
        resample(src, dst, m, tx, ty, fx, fy);
    } else {
        resample(src, dst, m, tx, ty, NULL, NULL);
    }
    if (aug->thickness > 0)
        change_thickness(dst, nn_rng_range(rng, -aug->thickness, aug->thickness));
    if (aug->erase > 0 && nn_rng_uniform(rng) < aug->erase)
        erase_patch(dst, rng);
}
