#include "augment.h"

#include <math.h>

#include "model.h"

NnAugment
nn_augment_default(void)
{
    NnAugment aug = { true, 10.0f, 0.1f, 0.1f };
    return aug;
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

void
nn_affine_resample(const uint8_t *src, float *dst, float angle, float zoom_x, float zoom_y,
                   float tx, float ty)
{
    const float c = (NN_IMAGE_SIDE - 1) * 0.5f;
    const float rad = angle * (float)M_PI / 180.0f;
    const float cs = cosf(rad), sn = sinf(rad);
    /* M = R diag(zx, zy) */
    const float m00 = cs * zoom_x, m01 = -sn * zoom_y, m10 = sn * zoom_x, m11 = cs * zoom_y;

    for (int y = 0; y < NN_IMAGE_SIDE; y++) {
        for (int x = 0; x < NN_IMAGE_SIDE; x++) {
            float u = x - c, v = y - c;
            float sx = m00 * u + m01 * v + c + tx;
            float sy = m10 * u + m11 * v + c + ty;
            int x0 = (int)floorf(sx), y0 = (int)floorf(sy);
            float fx = sx - x0, fy = sy - y0;
            float top = pixel(src, x0, y0) * (1 - fx) + pixel(src, x0 + 1, y0) * fx;
            float bottom = pixel(src, x0, y0 + 1) * (1 - fx) + pixel(src, x0 + 1, y0 + 1) * fx;
            dst[y * NN_IMAGE_SIDE + x] = (top * (1 - fy) + bottom * fy) * (1.0f / 255.0f);
        }
    }
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
    nn_affine_resample(src, dst, angle, zx, zy, tx, ty);
}
