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
    NnAugment zero = { .enabled = true };
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

/* The options beyond the paper draw nothing when off: the paper's recipe
 * uses exactly five numbers per image, as it always did. */
static void
test_paper_draws_five_numbers(void **state)
{
    (void)state;
    uint8_t src[NN_IMAGE_PIXELS];
    float out[NN_IMAGE_PIXELS];
    make_image(src);
    NnAugment aug = nn_augment_default();
    NnRng a = nn_rng_seed(3), b = nn_rng_seed(3);
    nn_augment_image(&aug, src, out, &a);
    for (int i = 0; i < 5; i++)
        nn_rng_u64(&b);
    assert_true(a.state == b.state);
    assert_null(nn_augment_check(&aug));
    aug.elastic_alpha = 8;
    assert_non_null(nn_augment_check(&aug)); /* alpha without sigma */
    aug.elastic_sigma = 4;
    assert_null(nn_augment_check(&aug));
    aug.erase = NAN;
    assert_non_null(nn_augment_check(&aug));
}

/* The elastic field: smooth (neighbours alike), centred, of the size alpha
 * and sigma imply (uniform noise has variance 1/3; a normalised Gaussian
 * of sigma s keeps 1 / (4 pi s^2) of it in 2D), reproducible. */
static void
test_elastic_field(void **state)
{
    (void)state;
    float dx[NN_IMAGE_PIXELS], dy[NN_IMAGE_PIXELS];
    double sum = 0, sq = 0, neighbour = 0, n = 0;
    for (int trial = 0; trial < 200; trial++) {
        NnRng rng = nn_rng_derive(9, 0, (uint64_t)trial);
        nn_elastic_field(10.0f, 4.0f, &rng, dx, dy);
        for (int y = 8; y < 20; y++) /* the middle, away from the zero border */
            for (int x = 8; x < 20; x++) {
                float v = dx[y * 28 + x];
                sum += v;
                sq += v * v;
                neighbour += (double)v * dx[y * 28 + x + 1];
                n++;
            }
    }
    double mean = sum / n, var = sq / n - mean * mean;
    double expected = 100.0 / 3.0 / (4 * M_PI * 16.0);
    assert_true(fabs(mean) < 0.1);
    assert_true(var > 0.7 * expected && var < 1.3 * expected);
    assert_true(neighbour / n / var > 0.9); /* smooth: adjacent displacements nearly equal */
    NnRng a = nn_rng_seed(4), b = nn_rng_seed(4);
    float ex[NN_IMAGE_PIXELS], ey[NN_IMAGE_PIXELS];
    nn_elastic_field(10.0f, 4.0f, &a, dx, dy);
    nn_elastic_field(10.0f, 4.0f, &b, ex, ey);
    assert_memory_equal(dx, ex, sizeof dx);
}

static double
mass(const float *img)
{
    double m = 0;
    for (int i = 0; i < NN_IMAGE_PIXELS; i++)
        m += img[i];
    return m;
}

/* Thickness changes the ink's mass both ways within a 4-neighbour dilation
 * and erosion; erasing takes out one rectangle of 2-20 % of the image;
 * shear slants a vertical bar by at most its angle. */
static void
test_style_options(void **state)
{
    (void)state;
    uint8_t src[NN_IMAGE_PIXELS];
    float plain[NN_IMAGE_PIXELS], out[NN_IMAGE_PIXELS];
    make_image(src);
    nn_image_to_float(src, plain);
    double m0 = mass(plain);
    NnAugment thick = { .enabled = true, .thickness = 1.0f };
    NnRng rng = nn_rng_seed(5);
    int thicker = 0, thinner = 0;
    for (int t = 0; t < 200; t++) {
        nn_augment_image(&thick, src, out, &rng);
        double m = mass(out);
        thicker += m > m0 * 1.05;
        thinner += m < m0 * 0.95;
        assert_true(m < m0 * 2.5 && m > m0 * 0.2);
    }
    assert_true(thicker > 40 && thinner > 40);

    uint8_t full[NN_IMAGE_PIXELS];
    memset(full, 255, sizeof full);
    NnAugment erase = { .enabled = true, .erase = 1.0f };
    for (int t = 0; t < 100; t++) {
        nn_augment_image(&erase, full, out, &rng);
        int zeros = 0, x0 = 28, x1 = -1, y0 = 28, y1 = -1;
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
                if (out[y * 28 + x] == 0.0f) {
                    zeros++;
                    x0 = x < x0 ? x : x0;
                    x1 = x > x1 ? x : x1;
                    y0 = y < y0 ? y : y0;
                    y1 = y;
                }
        assert_int_equal(zeros, (x1 - x0 + 1) * (y1 - y0 + 1)); /* a rectangle */
        assert_true(zeros >= 9 && zeros <= 0.25 * NN_IMAGE_PIXELS);
    }

    uint8_t bar[NN_IMAGE_PIXELS] = { 0 };
    for (int y = 4; y < 24; y++)
        bar[y * 28 + 13] = bar[y * 28 + 14] = 255;
    NnAugment shear = { .enabled = true, .shear = 20.0f };
    double widest = 0;
    for (int t = 0; t < 100; t++) {
        nn_augment_image(&shear, bar, out, &rng);
        /* x of the bar's ink at rows 6 and 21 */
        double cx[2] = { 0, 0 }, w[2] = { 0, 0 };
        for (int r = 0; r < 2; r++)
            for (int x = 0; x < 28; x++) {
                float v = out[(r ? 21 : 6) * 28 + x];
                cx[r] += v * x;
                w[r] += v;
            }
        double slant = fabs(cx[1] / w[1] - cx[0] / w[0]) / 15.0;
        assert_true(slant <= tan(20 * M_PI / 180) + 0.05);
        widest = fmax(widest, slant);
    }
    assert_true(widest > 0.25); /* the range is really used */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_known_transforms),
        cmocka_unit_test(test_random_bounds),
        cmocka_unit_test(test_paper_draws_five_numbers),
        cmocka_unit_test(test_elastic_field),
        cmocka_unit_test(test_style_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
