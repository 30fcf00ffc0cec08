/* Verdicts, calibration, and the synthetic training images (synth.h). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "finetune.h"
#include "preprocess.h"
#include "synth.h"
#include "train.h"
#include "verdict.h"

/* The synthetic digits of test-train.c: class k is a bar at one of ten
 * positions, here with a thicker stroke so that styles have room. */
static NnDataset
make_dataset(int count, uint64_t seed)
{
    NnDataset d = { count, calloc((size_t)count, NN_IMAGE_PIXELS), malloc((size_t)count) };
    NnRng rng = nn_rng_seed(seed);
    for (int i = 0; i < count; i++) {
        int k = (int)nn_rng_below(&rng, NN_CLASSES);
        d.labels[i] = (uint8_t)k;
        uint8_t *img = d.images + (size_t)i * NN_IMAGE_PIXELS;
        for (int j = 4; j < 24; j++)
            for (int w = 0; w < 2; w++) {
                int pos = 4 + 2 * (k % 5) + w;
                img[k < 5 ? j * 28 + pos : pos * 28 + j] = (uint8_t)(200 + nn_rng_below(&rng, 56));
            }
    }
    return d;
}

static NnModel *
model_with_thresholds(float sure, float reject)
{
    NnModelConfig c = nn_model_config_default();
    NnModel *m;
    assert_int_equal(nn_model_new(&c, 1, &m, NULL), NN_OK);
    nn_model_set_thresholds(m, sure, reject);
    return m;
}

static void
test_verdicts(void **state)
{
    (void)state;
    NnModel *m = model_with_thresholds(0.8f, 0.4f);
    float probs[NN_CLASSES] = { 0.01f, 0.02f, 0.02f, 0.03f, 0.01f, 0.01f, 0.0f, 0.85f, 0.03f, 0.02f };
    NnVerdict v = nn_verdict(m, probs);
    assert_int_equal(v.kind, NN_VERDICT_SURE);
    assert_int_equal(v.digit, 7);
    assert_true(v.second == 3 || v.second == 8);
    probs[7] = 0.55f;
    probs[1] = 0.32f;
    v = nn_verdict(m, probs);
    assert_int_equal(v.kind, NN_VERDICT_UNSURE);
    assert_int_equal(v.digit, 7);
    assert_int_equal(v.second, 1);
    assert_float_equal(v.p2, 0.32f, 1e-7);
    for (int k = 0; k < NN_CLASSES; k++)
        probs[k] = 0.1f;
    assert_int_equal(nn_verdict(m, probs).kind, NN_VERDICT_NOT_DIGIT);
    probs[2] = NAN;
    assert_int_equal(nn_verdict(m, probs).kind, NN_VERDICT_NOT_DIGIT);
    assert_string_equal(nn_verdict_name(NN_VERDICT_NOT_DIGIT), "not-a-digit");

    /* Size: a single point is never a digit; with the area known, nor is a
     * drawing under NN_SMALLEST_DRAWING of it; otherwise size changes nothing. */
    probs[2] = 0.1f;
    probs[7] = 0.91f;
    v = nn_verdict(m, probs);
    assert_int_equal(v.kind, NN_VERDICT_SURE);
    assert_false(v.too_small);
    nn_verdict_check_size(&v, 50.0f, 0.0f);
    assert_int_equal(v.kind, NN_VERDICT_SURE);
    nn_verdict_check_size(&v, 28.0f, 280.0f);
    assert_int_equal(v.kind, NN_VERDICT_SURE);
    nn_verdict_check_size(&v, 27.9f, 280.0f);
    assert_int_equal(v.kind, NN_VERDICT_NOT_DIGIT);
    assert_true(v.too_small);
    v = nn_verdict(m, probs);
    nn_verdict_check_size(&v, 0.0f, 0.0f);
    assert_true(v.kind == NN_VERDICT_NOT_DIGIT && v.too_small && v.digit == 7);
    v = nn_verdict(m, probs);
    nn_verdict_check_size(&v, NAN, 0.0f);
    assert_int_equal(v.kind, NN_VERDICT_NOT_DIGIT);

    /* The extent of strokes: a repeated point has none. */
    const NnPoint dot[] = { { 3, 4 }, { 3, 4 } }, line[] = { { 0, 0 }, { 30, 10 } }, bad[] = { { NAN, 1 }, { 5, 1 } };
    NnStroke strokes[] = { { dot, 2 }, { line, 2 }, { bad, 2 } };
    assert_true(nn_strokes_extent(strokes, 1) == 0.0f);
    assert_true(nn_strokes_extent(strokes, 2) == 30.0f);
    assert_true(nn_strokes_extent(&strokes[2], 1) == 0.0f);
    assert_true(nn_strokes_extent(NULL, 0) == 0.0f);
    /* thresholds that are not probabilities leave the model uncalibrated */
    nn_model_set_thresholds(m, 0.3f, 0.6f);
    assert_false(nn_model_is_calibrated(m));
    float sure, reject;
    nn_model_thresholds(m, &sure, &reject);
    assert_true(sure == NN_DEFAULT_SURE && reject == NN_DEFAULT_REJECT);
    nn_model_free(m);
}

/* Known answers: all confident and right, confident and half right. */
static void
test_ece(void **state)
{
    (void)state;
    float probs[4 * NN_CLASSES] = { 0 };
    uint8_t labels[4] = { 1, 2, 3, 4 };
    for (int i = 0; i < 4; i++) {
        probs[i * NN_CLASSES + labels[i]] = 0.95f;
        probs[i * NN_CLASSES + 0] = 0.05f;
    }
    assert_float_equal(nn_expected_calibration_error(probs, labels, 4), 0.05, 1e-6);
    labels[0] = labels[1] = 9; /* two of them wrong now */
    assert_float_equal(nn_expected_calibration_error(probs, labels, 4), 0.45, 1e-6);
}

/* Calibration finds the temperature of least held-out NLL and thresholds
 * that are probabilities in order; they survive a save and a load. */
static void
test_calibration(void **state)
{
    (void)state;
    NnDataset data = make_dataset(600, 3);
    NnDataset train = nn_dataset_view(&data, 0, 400), held = nn_dataset_view(&data, 400, 200);
    NnTrainConfig c = nn_train_config_default();
    c.epochs = 2;
    c.batch = 32;
    c.threads = 1;
    c.schedule.warmup = 0;
    c.bn_recalibrate = 400; /* a short run validates near chance without */
    NnModelConfig mc = nn_model_config_default();
    NnModel *m;
    assert_int_equal(nn_model_new(&mc, 2, &m, NULL), NN_OK);
    assert_int_equal(nn_train(m, &c, &train, NULL, NULL, NULL), NN_OK);
    NnCalibration r;
    NnError err = { 0 };
    if (nn_calibrate(m, &held, 1, &r, &err) != NN_OK)
        fail_msg("%s", err.message);
    assert_true(r.temperature > 0.05f && r.temperature < 20.0f);
    assert_true(nn_model_temperature(m) == r.temperature);
    assert_true(r.nll_after <= r.nll_before + 1e-9);
    assert_true(r.reject >= 0 && r.reject <= r.sure && r.sure <= 1);
    assert_true(nn_model_is_calibrated(m));
    assert_true(r.digits_rejected <= NN_CALIBRATE_MAX_REJECTED + 1.0 / 200);
    /* a local minimum: 10 % hotter or colder is no better */
    float *probs = malloc(sizeof(float) * NN_CLASSES * 200), *images = malloc(sizeof(float) * 784 * 200);
    for (int i = 0; i < 200; i++)
        nn_image_to_float(held.images + (size_t)i * 784, images + (size_t)i * 784);
    double nll[3];
    const float factors[3] = { 1.0f, 1.1f, 1.0f / 1.1f };
    for (int f = 0; f < 3; f++) {
        nn_model_set_temperature(m, r.temperature * factors[f]);
        assert_int_equal(nn_model_predict(m, images, 200, probs, NULL), NN_OK);
        nll[f] = 0;
        for (int i = 0; i < 200; i++)
            nll[f] -= log(fmax(probs[i * NN_CLASSES + held.labels[i]], 1e-30)) / 200;
    }
    assert_true(nll[0] <= nll[1] + 1e-6 && nll[0] <= nll[2] + 1e-6);
    nn_model_set_temperature(m, r.temperature);
    /* "not a digit" below the budget of held-out digits (0.2 % of 200: the
     * least sure of them), not below what synthetic non-digits score */
    assert_int_equal(nn_model_predict(m, images, 200, probs, NULL), NN_OK);
    float least = 1.0f;
    for (int i = 0; i < 200; i++)
        least = fminf(least, probs[i * NN_CLASSES + nn_argmax(probs + i * NN_CLASSES, NN_CLASSES)]);
    assert_float_equal(r.reject, fminf(least, r.sure), 1e-5);
    /* "sure" from the share of the correctly read held-out digits that
     * may be called unsure: that many of them fall below it (the engine's
     * own softmax and predict's may differ in the last bit) */
    int correct = 0, below = 0;
    for (int i = 0; i < 200; i++) {
        const float *p = probs + i * NN_CLASSES;
        int best = nn_argmax(p, NN_CLASSES);
        correct += best == held.labels[i];
        below += best == held.labels[i] && p[best] < r.sure - 1e-6f;
    }
    assert_true(correct > 100);
    assert_int_equal(below, (int)floor(NN_CALIBRATE_UNSURE_SHARE * (correct - 1)));

    char path[] = "/tmp/digitlab-test-verdict-XXXXXX";
    close(mkstemp(path));
    assert_int_equal(nn_model_save(m, path, 0, NULL), NN_OK);
    NnModel *loaded;
    assert_int_equal(nn_model_load(path, &loaded, NULL), NN_OK);
    unlink(path);
    float s1, r1, s2, r2;
    nn_model_thresholds(m, &s1, &r1);
    nn_model_thresholds(loaded, &s2, &r2);
    assert_true(s1 == s2 && r1 == r2);
    assert_true(nn_model_temperature(loaded) == r.temperature);
    nn_model_free(loaded);
    free(probs);
    free(images);
    nn_model_free(m);
    nn_dataset_free(&data);
}

static double
mass_of(const uint8_t *img)
{
    double m = 0;
    for (int i = 0; i < NN_IMAGE_PIXELS; i++)
        m += img[i];
    return m;
}

/* An image as MNIST normalises it: ink within a 20-pixel box, its centre of
 * mass within a pixel of (14, 14). */
static void
assert_normalised(const uint8_t *img)
{
    float f[NN_IMAGE_PIXELS], cx = 0, cy = 0;
    nn_image_to_float(img, f);
    assert_true(nn_image_center_of_mass(f, &cx, &cy) > 10.0f);
    assert_true(fabsf(cx - 14.0f) < 1.0f && fabsf(cy - 14.0f) < 1.0f);
    int x0 = 28, x1 = -1, y0 = 28, y1 = -1;
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++)
            if (img[y * 28 + x] > 0) {
                x0 = x < x0 ? x : x0;
                x1 = x > x1 ? x : x1;
                y0 = y < y0 ? y : y0;
                y1 = y;
            }
    assert_true(x1 - x0 + 1 <= 21 && y1 - y0 + 1 <= 21);
}

static void
test_synth(void **state)
{
    (void)state;
    NnDataset data = make_dataset(200, 4);
    NnRng rng = nn_rng_seed(5);
    int styled[NN_CLASSES] = { 0 };
    for (int i = 0; i < 200; i++) {
        const uint8_t *src = data.images + (size_t)i * NN_IMAGE_PIXELS;
        uint8_t out[NN_IMAGE_PIXELS];
        memset(out, 0x5a, sizeof out);
        bool made = nn_synth_style(src, data.labels[i], &rng, out);
        assert_int_equal(made, data.labels[i] == 0 || data.labels[i] == 1 || data.labels[i] == 7);
        if (!made) {
            for (int k = 0; k < NN_IMAGE_PIXELS; k++)
                assert_int_equal(out[k], 0x5a); /* untouched */
            continue;
        }
        styled[data.labels[i]]++;
        assert_normalised(out);
    }
    assert_true(styled[0] > 5 && styled[1] > 5 && styled[7] > 5);

    uint8_t a[NN_IMAGE_PIXELS], b[NN_IMAGE_PIXELS];
    for (int i = 0; i < 300; i++) {
        nn_synth_outlier(&data, &rng, a);
        assert_true(mass_of(a) > 0);
        assert_normalised(a);
    }
    NnRng r1 = nn_rng_seed(9), r2 = nn_rng_seed(9);
    nn_synth_outlier(&data, &r1, a);
    nn_synth_outlier(&data, &r2, b);
    assert_memory_equal(a, b, sizeof a);
    /* Without letters, nn_synth_non_digit is nn_synth_outlier; with them,
     * its images change (at least those drawn as letters, about
     * NN_SYNTH_LETTER_SHARE), have ink, are normalised and are the same
     * for the same stream. */
    int differ = 0;
    for (int i = 0; i < 400; i++) {
        uint8_t c[NN_IMAGE_PIXELS];
        NnRng p = nn_rng_seed(100 + (uint64_t)i), q = p, l1 = p, l2 = p;
        nn_synth_outlier(&data, &p, a);
        nn_synth_non_digit(&data, false, &q, b);
        assert_memory_equal(a, b, sizeof a);
        nn_synth_non_digit(&data, true, &l1, b);
        nn_synth_non_digit(&data, true, &l2, c);
        assert_memory_equal(b, c, sizeof b);
        assert_true(mass_of(b) > 0);
        assert_normalised(b);
        differ += memcmp(a, b, sizeof a) != 0;
    }
    assert_true(differ > 400 * NN_SYNTH_LETTER_SHARE * 0.75);
    nn_dataset_free(&data);
}

/* Mean top probability of the model on the first n digits and on n
 * synthetic non-digits. */
static void
mean_tops(NnModel *m, const NnDataset *data, int n, double *digits, double *outliers)
{
    float *images = malloc(sizeof(float) * 784 * (size_t)n), *p = malloc(sizeof(float) * NN_CLASSES * (size_t)n);
    NnRng rng = nn_rng_seed(7);
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < n; i++) {
            uint8_t made[NN_IMAGE_PIXELS];
            if (pass == 1)
                nn_synth_outlier(data, &rng, made);
            nn_image_to_float(pass == 0 ? data->images + (size_t)i * 784 : made, images + (size_t)i * 784);
        }
        assert_int_equal(nn_model_predict(m, images, n, p, NULL), NN_OK);
        double top = 0;
        for (int i = 0; i < n; i++)
            top += p[i * NN_CLASSES + nn_argmax(p + i * NN_CLASSES, NN_CLASSES)] / n;
        *(pass == 0 ? digits : outliers) = top;
    }
    free(images);
    free(p);
}

/* A model trained 3 short epochs on data (500 images), a share
 * `outliers` of them replaced by synthetic non-digits. */
static NnModel *
trained_model(const NnDataset *data, float outliers)
{
    NnTrainConfig c = nn_train_config_default();
    c.epochs = 3;
    c.batch = 32;
    c.threads = 1;
    c.schedule.warmup = 0;
    c.augment.enabled = false;
    c.outliers = outliers;
    c.bn_recalibrate = 500; /* a short run: BN statistics that match the weights */
    NnModelConfig mc = nn_model_config_default();
    NnModel *m;
    assert_int_equal(nn_model_new(&mc, 2, &m, NULL), NN_OK);
    assert_int_equal(nn_train(m, &c, data, NULL, NULL, NULL), NN_OK);
    return m;
}

/* Outlier exposure makes the network less sure of non-digits than the
 * same training without it, and no less sure of digits. */
static void
test_outlier_exposure(void **state)
{
    (void)state;
    NnDataset data = make_dataset(500, 6);
    double digits[2], outliers[2];
    for (int exposed = 0; exposed < 2; exposed++) {
        NnModel *m = trained_model(&data, exposed ? 0.3f : 0.0f);
        mean_tops(m, &data, 100, &digits[exposed], &outliers[exposed]);
        nn_model_free(m);
    }
    if (!(outliers[1] < outliers[0] - 0.1 && digits[1] > 0.8))
        fail_msg("mean top probability: digits %.3f / %.3f, non-digits %.3f / %.3f (without / with exposure)",
                 digits[0], digits[1], outliers[0], outliers[1]);
    nn_dataset_free(&data);
}

/* Fine-tuning an exposed model keeps it unsure of non-digits when its
 * mix has them too (the default share), where a mix of digits alone
 * makes it surer of them. */
static void
test_finetune_keeps_rejecting(void **state)
{
    (void)state;
    NnDataset data = make_dataset(500, 6);
    NnModel *m = trained_model(&data, 0.3f);
    double digits[3], outliers[3];
    mean_tops(m, &data, 100, &digits[0], &outliers[0]);

    NnDataset teach = nn_dataset_view(&data, 0, 60), mnist = nn_dataset_view(&data, 60, 440);
    for (int with = 0; with < 2; with++) {
        NnModel *tuned;
        assert_int_equal(nn_model_clone(m, &tuned, NULL), NN_OK);
        NnFinetuneConfig f = nn_finetune_config_default();
        assert_true(f.outliers > 0); /* the default mixes them in */
        f.threads = 1;
        f.augment.enabled = false;
        if (!with)
            f.outliers = 0.0f;
        assert_int_equal(nn_finetune(tuned, &f, &teach, &mnist, NULL, NULL, NULL), NN_OK);
        mean_tops(tuned, &data, 100, &digits[1 + with], &outliers[1 + with]);
        nn_model_free(tuned);
    }
    if (!(outliers[2] < outliers[1] - 0.05 && outliers[2] < outliers[0] + 0.05 && digits[2] > 0.8))
        fail_msg("mean top probability: digits %.3f, fine-tuned without / with non-digits %.3f / %.3f; "
                 "non-digits %.3f, then %.3f / %.3f",
                 digits[0], digits[1], digits[2], outliers[0], outliers[1], outliers[2]);

    NnFinetuneConfig bad = nn_finetune_config_default();
    bad.outliers = 0.6f;
    NnError err;
    assert_int_equal(nn_finetune(m, &bad, &teach, &mnist, NULL, NULL, &err), NN_ERR_INVALID_ARG);
    nn_model_free(m);
    nn_dataset_free(&data);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_ece),
        cmocka_unit_test(test_calibration),
        cmocka_unit_test(test_synth),
        cmocka_unit_test(test_outlier_exposure),
        cmocka_unit_test(test_finetune_keeps_rejecting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
