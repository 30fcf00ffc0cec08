/* verdict.c — sure, unsure or not a digit, and the calibration that sets
 * the thresholds; see verdict.h. */
#include "verdict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "augment.h"
#include "evaluate.h"
#include "layers.h"
#include "synth.h"

#define ECE_BINS 15
#define CAL_BATCH 128

const char *
nn_verdict_name(NnVerdictKind kind)
{
    switch (kind) {
    case NN_VERDICT_SURE: return "sure";
    case NN_VERDICT_UNSURE: return "unsure";
    case NN_VERDICT_NOT_DIGIT: return "not-a-digit";
    }
    return "unsure";
}

NnVerdict
nn_verdict(const NnModel *model, const float probs[NN_CLASSES])
{
    float sure, reject;
    nn_model_thresholds(model, &sure, &reject);
    NnVerdict v = { .digit = nn_argmax(probs, NN_CLASSES) };
    v.second = v.digit == 0 ? 1 : 0;
    for (int k = 0; k < NN_CLASSES; k++)
        if (k != v.digit && probs[k] > probs[v.second])
            v.second = k;
    v.p1 = probs[v.digit];
    v.p2 = probs[v.second];
    /* written so that nan (a broken model) is never sure */
    v.kind = v.p1 >= sure ? NN_VERDICT_SURE : v.p1 >= reject ? NN_VERDICT_UNSURE : NN_VERDICT_NOT_DIGIT;
    return v;
}

void
nn_verdict_check_size(NnVerdict *verdict, float extent, float area)
{
    if (!(extent > 0.0f) || (area > 0.0f && extent < NN_SMALLEST_DRAWING * area)) {
        verdict->kind = NN_VERDICT_NOT_DIGIT;
        verdict->too_small = true;
    }
}

double
nn_expected_calibration_error(const float *probs, const uint8_t *labels, int n)
{
    double conf[ECE_BINS] = { 0 }, acc[ECE_BINS] = { 0 };
    int count[ECE_BINS] = { 0 }, used = 0;
    for (int i = 0; i < n; i++) {
        if (labels[i] >= NN_CLASSES)
            continue;
        const float *p = probs + (size_t)i * NN_CLASSES;
        int best = nn_argmax(p, NN_CLASSES);
        int bin = (int)(p[best] * ECE_BINS);
        bin = bin >= ECE_BINS ? ECE_BINS - 1 : bin < 0 ? 0 : bin;
        conf[bin] += p[best];
        acc[bin] += best == labels[i];
        count[bin]++;
        used++;
    }
    double ece = 0.0;
    for (int b = 0; b < ECE_BINS; b++)
        if (count[b] > 0)
            ece += fabs(acc[b] / count[b] - conf[b] / count[b]) * count[b] / used;
    return ece;
}

/* Softmax of logits / T for n images (logits image-major). */
static void
softmax_at(const float *logits, int n, double t, float *probs)
{
    for (int i = 0; i < n; i++) {
        const float *l = logits + (size_t)i * NN_CLASSES;
        float *p = probs + (size_t)i * NN_CLASSES;
        double max = l[0], sum = 0.0;
        for (int k = 1; k < NN_CLASSES; k++)
            max = l[k] > max ? l[k] : max;
        for (int k = 0; k < NN_CLASSES; k++)
            sum += p[k] = (float)exp((l[k] - max) / t);
        for (int k = 0; k < NN_CLASSES; k++)
            p[k] = (float)(p[k] / sum);
    }
}

static double
mean_nll(const float *logits, const uint8_t *labels, int n, double t)
{
    double nll = 0.0;
    for (int i = 0; i < n; i++) {
        const float *l = logits + (size_t)i * NN_CLASSES;
        double max = l[0], sum = 0.0;
        for (int k = 1; k < NN_CLASSES; k++)
            max = l[k] > max ? l[k] : max;
        for (int k = 0; k < NN_CLASSES; k++)
            sum += exp((l[k] - max) / t);
        nll -= (l[labels[i]] - max) / t - log(sum);
    }
    return nll / n;
}

/* The logits (image-major) of n float images at temperature 1. */
static NnStatus
logits_of(NnModel *model, const float *images, int n, float *logits, NnError *err)
{
    NnStatus status = nn_model_reserve(model, CAL_BATCH, err);
    if (status != NN_OK)
        return status;
    for (int start = 0; start < n; start += CAL_BATCH) {
        int b = n - start < CAL_BATCH ? n - start : CAL_BATCH;
        nn_model_forward(model, images + (size_t)start * NN_IMAGE_PIXELS, NULL, b, false, NULL, NULL);
        const float *l = nn_model_last_logits(model); /* [class][image], before the temperature */
        for (int i = 0; i < b; i++)
            for (int k = 0; k < NN_CLASSES; k++)
                logits[(size_t)(start + i) * NN_CLASSES + k] = l[(size_t)k * b + i];
    }
    return NN_OK;
}

static int
compare_floats(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of v[0..n) (sorted in place). */
static float
quantile(float *v, int n, double q)
{
    if (n == 0)
        return 0.0f;
    qsort(v, (size_t)n, sizeof *v, compare_floats);
    int i = (int)floor(q * (n - 1));
    return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

NnStatus
nn_calibrate(NnModel *model, const NnDataset *held_out, uint64_t seed, NnCalibration *report, NnError *err)
{
    return nn_calibrate_share(model, held_out, NN_CALIBRATE_UNSURE_SHARE, seed, report, err);
}

NnStatus
nn_calibrate_share(NnModel *model, const NnDataset *held_out, double unsure_share, uint64_t seed,
                   NnCalibration *report, NnError *err)
{
    const int n = held_out->count;
    if (n < NN_CALIBRATE_MIN_IMAGES)
        return nn_error_set(err, NN_ERR_EMPTY, "calibration needs at least %d held-out images, not %d",
                            NN_CALIBRATE_MIN_IMAGES, n);
    if (!(unsure_share > 0 && unsure_share <= 0.5))
        return nn_error_set(err, NN_ERR_INVALID_ARG, "the share of held-out digits called unsure must be above 0 "
                                                     "and at most 0.5, not %g", unsure_share);
    const float old_t = nn_model_temperature(model);
    nn_model_set_temperature(model, 1.0f);
    float *images = malloc(sizeof(float) * NN_IMAGE_PIXELS * (size_t)n);
    float *logits = malloc(sizeof(float) * NN_CLASSES * (size_t)n);
    float *out_logits = malloc(sizeof(float) * NN_CLASSES * (size_t)n);
    float *probs = malloc(sizeof(float) * NN_CLASSES * (size_t)n);
    float *tops = malloc(sizeof(float) * (size_t)n);
    NnStatus status = NN_OK;
    if (images == NULL || logits == NULL || out_logits == NULL || probs == NULL || tops == NULL) {
        status = nn_error_set(err, NN_ERR_NOMEM, "out of memory for calibration");
        goto out;
    }
    for (int i = 0; i < n; i++)
        nn_image_to_float(held_out->images + (size_t)i * NN_IMAGE_PIXELS, images + (size_t)i * NN_IMAGE_PIXELS);
    if ((status = logits_of(model, images, n, logits, err)) != NN_OK)
        goto out;
    /* As many synthetic non-digits, made from the held-out images. */
    NnRng rng = nn_rng_seed(seed ^ 0xca11b7a7e5ull);
    for (int i = 0; i < n; i++) {
        uint8_t made[NN_IMAGE_PIXELS];
        nn_synth_outlier(held_out, &rng, made);
        nn_image_to_float(made, images + (size_t)i * NN_IMAGE_PIXELS);
    }
    if ((status = logits_of(model, images, n, out_logits, err)) != NN_OK)
        goto out;

    /* Temperature: golden section on log T. */
    double a = -3.0, b = 3.0, g = (sqrt(5.0) - 1) / 2;
    double c = b - g * (b - a), d = a + g * (b - a);
    double fc = mean_nll(logits, held_out->labels, n, exp(c)), fd = mean_nll(logits, held_out->labels, n, exp(d));
    for (int it = 0; it < 60; it++) {
        if (fc < fd) {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = mean_nll(logits, held_out->labels, n, exp(c));
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = mean_nll(logits, held_out->labels, n, exp(d));
        }
    }
    const double t = exp((a + b) / 2);
    NnCalibration r = { .temperature = (float)t };
    r.nll_before = mean_nll(logits, held_out->labels, n, 1.0);
    r.nll_after = mean_nll(logits, held_out->labels, n, t);
    softmax_at(logits, n, 1.0, probs);
    r.ece_before = nn_expected_calibration_error(probs, held_out->labels, n);
    softmax_at(logits, n, t, probs);
    r.ece_after = nn_expected_calibration_error(probs, held_out->labels, n);

    /* sure: a small share of the correct answers falls below it */
    int m = 0;
    for (int i = 0; i < n; i++) {
        const float *p = probs + (size_t)i * NN_CLASSES;
        int best = nn_argmax(p, NN_CLASSES);
        if (best == held_out->labels[i])
            tops[m++] = p[best];
    }
    r.sure = quantile(tops, m, unsure_share);
    /* reject: as many non-digits as the budget of digits allows; the
     * synthetic non-digits only say how many that is */
    for (int i = 0; i < n; i++) {
        const float *p = probs + (size_t)i * NN_CLASSES;
        tops[i] = p[nn_argmax(p, NN_CLASSES)];
    }
    r.reject = quantile(tops, n, NN_CALIBRATE_MAX_REJECTED);
    if (r.reject > r.sure)
        r.reject = r.sure;
    softmax_at(out_logits, n, t, probs);
    int below = 0;
    for (int i = 0; i < n; i++) {
        const float *p = probs + (size_t)i * NN_CLASSES;
        below += p[nn_argmax(p, NN_CLASSES)] < r.reject;
    }
    r.outliers_rejected = (double)below / n;
    int rejected = 0, unsure = 0; /* tops: the held-out digits' top probabilities, sorted */
    for (int i = 0; i < n; i++) {
        rejected += tops[i] < r.reject;
        unsure += tops[i] >= r.reject && tops[i] < r.sure;
    }
    r.digits_rejected = (double)rejected / n;
    r.digits_unsure = (double)unsure / n;

    nn_model_set_temperature(model, r.temperature);
    nn_model_set_thresholds(model, r.sure, r.reject);
    if (report != NULL)
        *report = r;
out:
    if (status != NN_OK)
        nn_model_set_temperature(model, old_t);
    free(images);
    free(logits);
    free(out_logits);
    free(probs);
    free(tops);
    return status;
}

void
nn_score_verdicts(const NnModel *model, const float *probs, const uint8_t *labels, const float *extents, int n,
                  NnVerdictScore *s)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    for (int i = 0; i < n; i++) {
        const float *p = probs + (size_t)i * NN_CLASSES;
        NnVerdict v = nn_verdict(model, p);
        if (extents != NULL)
            nn_verdict_check_size(&v, extents[i], 0.0f);
        if (labels[i] >= NN_CLASSES) {
            s->non_digits++;
            s->non_digit_verdicts[v.kind]++;
            continue;
        }
        bool right = v.digit == labels[i];
        s->digits++;
        s->correct += right;
        s->confusion[labels[i]][v.digit]++;
        s->verdicts[v.kind]++;
        if (v.kind != NN_VERDICT_SURE)
            *(right ? &s->correct_flagged : &s->errors_flagged) += 1;
        else {
            s->sure++;
            s->sure_correct += right;
            s->errors_sure_99 += !right && v.p1 >= 0.99f;
        }
    }
    s->accuracy = s->digits > 0 ? (double)s->correct / s->digits : 0.0;
    for (int k = 0; k < NN_CLASSES; k++) {
        int total = 0;
        for (int j = 0; j < NN_CLASSES; j++)
            total += s->confusion[k][j];
        s->per_class_accuracy[k] = total > 0 ? (double)s->confusion[k][k] / total : 0.0;
    }
    s->ece = nn_expected_calibration_error(probs, labels, n);
}
