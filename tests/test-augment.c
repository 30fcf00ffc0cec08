/* Augmentation: identity, exact known transforms, and bounds of the random ones. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "augment.h"
#include "model.h"

/* A 28x28 test image: an asymmetric "L" shape with graded ink. */
static void
make_image(uint8_t *img)
{
    memset(img, 0, NN_IMAGE_PIXELS);
    for (int y = 6; y < 22; y++)
        for (int x = 8; x < 12; x++)
            img[y * 28 + x] = (uint8_t)(150 + 5 * (y - 6));
    for (int y = 18; y < 22; y++)
        for (int x = 12; x < 20; x++)
            img[y * 28 + x] = 255;
}

static void
centre_of_mass(const float *img, double *cx, double *cy, double *mass)
{
    double m = 0, sx = 0, sy = 0;
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++) {
            m += img[y * 28 + x];
            sx += x * img[y * 28 + x];
            sy += y * img[y * 28 + x];
        }
    *mass = m;
    *cx = sx / m;
    *cy = sy / m;
}

static void
test_identity(void **state)
{
    (void)state;
    uint8_t src[NN_IMAGE_PIXELS];
    float plain[NN_IMAGE_PIXELS], out[NN_IMAGE_PIXELS];
    make_image(src);
    nn_image_to_float(src, plain);
    for (int i = 0; i < NN_IMAGE_PIXELS; i++)
        assert_float_equal(plain[i], src[i] / 255.0, 1e-7);

    /* the resampler with the identity transform */
    nn_affine_resample(src, out, 0, 1, 1, 0, 0);
    for (int i = 0; i < NN_IMAGE_PIXELS; i++)
        assert_float_equal(out[i], plain[i], 1e-6);

    /* augmentation switched off, and switched on with zero ranges */
    NnRng rng = nn_rng_seed(1);
    NnAugment off = nn_augment_default();
    off.enabled = false;
    nn_augment_image(&off, src, out, &rng);
    assert_memory_equal(out, plain, sizeof out);
    NnAugment zero = { true, 0, 0, 0 };
    nn_augment_image(&zero, src, out, &rng);
    for (int i = 0; i < NN_IMAGE_PIXELS; i++)
        assert_float_equal(out[i], plain[i], 1e-6);
}

static void
test_known_transforms(void **state)
{
    (void)state;
    uint8_t src[NN_IMAGE_PIXELS];
    float out[NN_IMAGE_PIXELS];
    make_image(src);

    /* An integer shift moves pixels exactly: output (x, y) samples source (x+3, y-2). */
    nn_affine_resample(src, out, 0, 1, 1, 3, -2);
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++) {
            int sx = x + 3, sy = y - 2;
            float want = sx < 28 && sy >= 0 ? src[sy * 28 + sx] / 255.0f : 0.0f;
            assert_float_equal(out[y * 28 + x], want, 1e-6);
        }

    /* A rotation by 90 degrees about the centre (13.5, 13.5) is a pixel permutation:
     * output (x, y) samples source (c - (y - c), c + (x - c)) = (27 - y, x). */
    nn_affine_resample(src, out, 90, 1, 1, 0, 0);
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++)
            assert_float_equal(out[y * 28 + x], src[x * 28 + (27 - y)] / 255.0f, 1e-4);

    /* Zoom 0.5 samples the source at half the distance from the centre: a
     * small blob near the centre spreads out (mass grows ~4x) and its centre
     * moves away from 13.5 by 2x. */
    float plain[NN_IMAGE_PIXELS];
    double cx0, cy0, m0, cx1, cy1, m1;
    memset(src, 0, sizeof src);
    for (int y = 9; y < 13; y++)
        for (int x = 14; x < 19; x++)
            src[y * 28 + x] = 200;
    nn_image_to_float(src, plain);
    centre_of_mass(plain, &cx0, &cy0, &m0);
    nn_affine_resample(src, out, 0, 0.5f, 0.5f, 0, 0);
    centre_of_mass(out, &cx1, &cy1, &m1);
    assert_float_equal(m1 / m0, 4.0, 0.4);
    assert_float_equal(cx1 - 13.5, 2 * (cx0 - 13.5), 0.5);
    assert_float_equal(cy1 - 13.5, 2 * (cy0 - 13.5), 0.5);
}

static void
test_random_bounds(void **state)
{
    (void)state;
    uint8_t src[NN_IMAGE_PIXELS];
    float plain[NN_IMAGE_PIXELS], out[NN_IMAGE_PIXELS];
    make_image(src);
    nn_image_to_float(src, plain);
    double cx0, cy0, m0;
    centre_of_mass(plain, &cx0, &cy0, &m0);

    NnAugment aug = nn_augment_default();
    NnRng rng = nn_rng_seed(42);
    double max_shift = 0;
    int changed = 0;
    for (int trial = 0; trial < 500; trial++) {
        nn_augment_image(&aug, src, out, &rng);
        for (int i = 0; i < NN_IMAGE_PIXELS; i++)
            assert_true(out[i] >= 0.0f && out[i] <= 1.0f);
        double cx, cy, m;
        centre_of_mass(out, &cx, &cy, &m);
        /* zoom +-10 % per axis changes the area by at most (1.1^2) */
        assert_true(m / m0 > 1 / 1.25 && m / m0 < 1.25);
        /* shift +-2.8 px, plus what rotation and zoom do to an off-centre shape */
        double d = hypot(cx - cx0, cy - cy0);
        assert_true(d < 2.8 * sqrt(2) + 1.5);
        max_shift = fmax(max_shift, d);
        changed += memcmp(out, plain, sizeof out) != 0;
    }
    assert_int_equal(changed, 500);
    assert_true(max_shift > 2.0); /* the ranges are really used */

    /* the same seed gives the same image */
    float again[NN_IMAGE_PIXELS];
    NnRng a = nn_rng_derive(7, 1, 2), b = nn_rng_derive(7, 1, 2);
    nn_augment_image(&aug, src, out, &a);
    nn_augment_image(&aug, src, again, &b);
    assert_memory_equal(out, again, sizeof out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_known_transforms),
        cmocka_unit_test(test_random_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
