/* Training loop: determinism, callbacks, cancellation and resuming, on
 * synthetic data. (A real MNIST run: test-smoke.c.) */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "gemm.h"
#include "finetune.h"
#include "train.h"

/* Synthetic digits: class k is a bar at one of ten positions/orientations. */
static NnDataset
make_dataset(int count, uint64_t seed)
{
    NnDataset d = { count, calloc((size_t)count, NN_IMAGE_PIXELS), malloc((size_t)count) };
    NnRng rng = nn_rng_seed(seed);
    for (int i = 0; i < count; i++) {
        int k = (int)nn_rng_below(&rng, NN_CLASSES);
        d.labels[i] = (uint8_t)k;
        uint8_t *img = d.images + (size_t)i * NN_IMAGE_PIXELS;
        for (int j = 4; j < 24; j++) {
            int pos = 4 + 2 * (k % 5);
            int x = k < 5 ? pos : j, y = k < 5 ? j : pos;
            img[y * 28 + x] = (uint8_t)(200 + nn_rng_below(&rng, 56));
        }
    }
    return d;
}

typedef struct {
    int batches, epochs, stop_after;
    double last_loss[8];
} Log;

static void
on_batch(const NnBatchProgress *p, void *user)
{
    Log *log = user;
    log->batches++;
    assert_true(p->batch >= 1 && p->batch <= p->batches);
    assert_true(p->accuracy >= 0 && p->accuracy <= 1);
}

static void
on_epoch(const NnEpochStats *s, NnModel *model, void *user)
{
    Log *log = user;
    assert_int_equal(s->epoch, log->epochs + 1);
    assert_int_equal(nn_model_epochs_done(model), s->epoch);
    log->last_loss[log->epochs++] = s->train_loss;
}

static bool
should_stop(void *user)
{
    Log *log = user;
    return log->stop_after > 0 && log->batches >= log->stop_after;
}

static NnTrainConfig
small_config(void)
{
    NnTrainConfig c = nn_train_config_default();
    c.epochs = 2;
    c.batch = 32;
    c.schedule.warmup = 1;
    c.threads = 1;
    return c;
}

static NnModel *
train_once(uint64_t seed, const NnDataset *data, Log *log)
{
    NnTrainConfig c = small_config();
    c.seed = seed;
    NnModelConfig mc = nn_model_config_default();
    NnModel *m;
    assert_int_equal(nn_model_new(&mc, seed, &m, NULL), NN_OK);
    NnTrainCallbacks cb = { .on_batch = on_batch, .on_epoch = on_epoch, .should_stop = should_stop, .user = log };
    NnError err = { 0 };
    NnStatus status = nn_train(m, &c, data, data, &cb, &err);
    if (status != NN_OK && status != NN_ERR_CANCELLED)
        fail_msg("%s", err.message);
    return m;
}

static void
test_same_seed_same_weights(void **state)
{
    (void)state;
    NnDataset data = make_dataset(100, 3);
    Log a = { 0 }, b = { 0 }, c = { 0 };
    NnModel *m1 = train_once(5, &data, &a);
    NnModel *m2 = train_once(5, &data, &b);
    NnModel *m3 = train_once(6, &data, &c);
    size_t n = nn_model_param_count(m1);
    /* 100 images in batches of 32: 4 batches an epoch, the last one of 4 */
    assert_int_equal(a.batches, 8);
    assert_int_equal(a.epochs, 2);
    assert_memory_equal(nn_model_params(m1), nn_model_params(m2), n * sizeof(float));
    assert_memory_equal(a.last_loss, b.last_loss, sizeof a.last_loss);
    assert_true(memcmp(nn_model_params(m1), nn_model_params(m3), n * sizeof(float)) != 0);
    assert_int_equal(nn_model_step(m1), 8);
    nn_model_free(m1);
    nn_model_free(m2);
    nn_model_free(m3);
    nn_dataset_free(&data);
}

static void
test_cancel_and_resume(void **state)
{
    (void)state;
    NnDataset data = make_dataset(100, 4);
    Log log = { .stop_after = 5 };
    NnModel *m = train_once(1, &data, &log);
    /* stopped in the second epoch, after the first finished */
    assert_int_equal(log.batches, 5);
    assert_int_equal(log.epochs, 1);
    assert_int_equal(nn_model_epochs_done(m), 1);
    nn_model_free(m);

    /* One epoch, saved with the optimizer state and loaded again, then a
     * second epoch: the same weights as two epochs in one go. */
    Log one = { 0 }, two = { 0 }, rest = { 0 };
    NnTrainConfig c = small_config();
    c.epochs = 1;
    NnModelConfig mc = nn_model_config_default();
    NnModel *first;
    assert_int_equal(nn_model_new(&mc, 1, &first, NULL), NN_OK);
    NnTrainCallbacks cb = { .on_batch = on_batch, .on_epoch = on_epoch, .user = &one };
    assert_int_equal(nn_train(first, &c, &data, NULL, &cb, NULL), NN_OK);
    char path[] = "/tmp/digitlab-test-resume-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(nn_model_save(first, path, 1, NULL), NN_OK);
    NnModel *resumed;
    assert_int_equal(nn_model_load(path, &resumed, NULL), NN_OK);
    unlink(path);
    c.epochs = 2;
    rest.epochs = 1; /* on_epoch checks the epoch numbering goes on from 2 */
    cb.user = &rest;
    assert_int_equal(nn_train(resumed, &c, &data, NULL, &cb, NULL), NN_OK);
    assert_int_equal(rest.epochs, 2);

    NnModel *straight = train_once(1, &data, &two);
    assert_memory_equal(nn_model_params(resumed), nn_model_params(straight),
                        nn_model_param_count(straight) * sizeof(float));
    nn_model_free(first);
    nn_model_free(resumed);
    nn_model_free(straight);
    nn_dataset_free(&data);
}

/* What the training curve and the time estimates are built from. */
typedef struct {
    int batches, validations, last_done, last_total;
    double first_batch_loss, first_smooth, min_loss, max_loss, smooth_violations;
    double epoch_seconds;
    int sleep_at; /* should_stop blocks for a second at this batch (a pause) */
} Watch;

static void
watch_batch(const NnBatchProgress *p, void *user)
{
    Watch *w = user;
    if (w->batches++ == 0) {
        w->first_batch_loss = p->batch_loss;
        w->first_smooth = p->smooth_loss;
        w->min_loss = w->max_loss = p->batch_loss;
    }
    w->min_loss = fmin(w->min_loss, p->batch_loss);
    w->max_loss = fmax(w->max_loss, p->batch_loss);
    /* an average of the batches so far: between the smallest and largest */
    if (p->smooth_loss < w->min_loss - 1e-9 || p->smooth_loss > w->max_loss + 1e-9)
        w->smooth_violations++;
    assert_true(p->batch_accuracy >= 0 && p->batch_accuracy <= 1);
    assert_true(p->smooth_accuracy >= 0 && p->smooth_accuracy <= 1);
}

static void
watch_epoch(const NnEpochStats *s, NnModel *model, void *user)
{
    Watch *w = user;
    w->epoch_seconds += s->seconds;
}

static bool
watch_stop(void *user)
{
    Watch *w = user;
    if (w->batches == w->sleep_at)
        usleep(1000 * 1000);
    return false;
}

static void
watch_validate(int done, int total, void *user)
{
    Watch *w = user;
    assert_true(done > w->last_done && done <= total);
    w->validations++;
    w->last_done = done % total; /* the next epoch starts again from 0 */
    w->last_total = total;
}

static void
test_progress_smoothing_pause_and_validation(void **state)
{
    (void)state;
    NnDataset data = make_dataset(300, 5);
    NnTrainConfig c = small_config();
    NnModelConfig mc = nn_model_config_default();
    NnModel *m;
    assert_int_equal(nn_model_new(&mc, 2, &m, NULL), NN_OK);
    Watch w = { .sleep_at = 3 };
    NnTrainCallbacks cb = { .on_batch = watch_batch, .on_epoch = watch_epoch, .should_stop = watch_stop,
                            .on_validate = watch_validate, .user = &w };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(nn_train(m, &c, &data, &data, &cb, NULL), NN_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    assert_int_equal(w.batches, 20);
    /* bias-corrected: the first smoothed value is the first batch's own */
    assert_float_equal(w.first_smooth, w.first_batch_loss, 1e-9);
    assert_int_equal((int)w.smooth_violations, 0);
    /* 300 validation images in batches of 128: 3 calls per epoch, ending at 300 */
    assert_int_equal(w.validations, 6);
    assert_int_equal(w.last_total, 300);
    /* the second spent blocked in should_stop is not training time */
    assert_true(wall > 1.0);
    assert_true(w.epoch_seconds < wall - 0.95);
    nn_model_free(m);
    nn_dataset_free(&data);
}

/* An absurd learning rate makes the weights blow up: training stops at the
 * first non-finite step with a message naming it, and no epoch is delivered. */
static void
test_divergence_stops(void **state)
{
    (void)state;
    NnDataset data = make_dataset(100, 6);
    NnTrainConfig c = small_config();
    c.schedule.warmup = 0;
    c.schedule.lr_max = 1e30;
    NnModelConfig mc = nn_model_config_default();
    NnModel *m;
    assert_int_equal(nn_model_new(&mc, 3, &m, NULL), NN_OK);
    Log log = { 0 };
    NnTrainCallbacks cb = { .on_batch = on_batch, .on_epoch = on_epoch, .user = &log };
    NnError err = { 0 };
    assert_int_equal(nn_train(m, &c, &data, &data, &cb, &err), NN_ERR_DIVERGED);
    assert_non_null(strstr(err.message, "diverged in epoch 1 at step "));
    assert_int_equal(log.epochs, 0);
    assert_int_equal(nn_model_epochs_done(m), 0);
    assert_true(log.batches < 4); /* it stopped in the first epoch of 4 batches */

    /* A finite but nan option is refused before training starts. */
    c = small_config();
    c.augment.zoom = NAN;
    assert_int_equal(nn_train(m, &c, &data, NULL, NULL, &err), NN_ERR_INVALID_ARG);
    c = small_config();
    c.schedule.warmup = NAN;
    assert_int_equal(nn_train(m, &c, &data, NULL, NULL, &err), NN_ERR_INVALID_ARG);
    c = small_config();
    c.schedule.lr_max = INFINITY;
    assert_int_equal(nn_train(m, &c, &data, NULL, NULL, &err), NN_ERR_INVALID_ARG);
    nn_model_free(m);
    nn_dataset_free(&data);
}

typedef struct {
    NnModel *last;       /* a copy of what on_epoch got */
    int probes;
    double last_position;
} EmaLog;

static void
ema_epoch(const NnEpochStats *s, NnModel *model, void *user)
{
    EmaLog *log = user;
    nn_model_free(log->last);
    assert_int_equal(nn_model_clone(model, &log->last, NULL), NN_OK);
}

static void
ema_probe(double position, double accuracy, double loss, void *user)
{
    EmaLog *log = user;
    assert_true(position > log->last_position);
    assert_true(accuracy >= 0 && accuracy <= 1 && isfinite(loss));
    log->last_position = position;
    log->probes++;
}

/* With a weight average, on_epoch gets the average (not the trained
 * weights); probes come every probe_every batches and leave the run as it
 * would have been without them; SGD trains too. */
static void
test_ema_probes_sgd(void **state)
{
    (void)state;
    NnDataset data = make_dataset(200, 8);
    NnTrainConfig c = small_config();
    c.ema = 0.9f;
    NnModelConfig mc = nn_model_config_default();
    NnModel *m, *plain;
    assert_int_equal(nn_model_new(&mc, 4, &m, NULL), NN_OK);
    assert_int_equal(nn_model_new(&mc, 4, &plain, NULL), NN_OK);
    EmaLog log = { 0 };
    NnTrainCallbacks cb = { .on_epoch = ema_epoch, .on_probe = ema_probe, .user = &log };
    assert_int_equal(nn_train(m, &c, &data, &data, &cb, NULL), NN_OK);
    size_t n = nn_model_param_count(m);
    assert_true(memcmp(nn_model_params(log.last), nn_model_params(m), n * sizeof(float)) != 0);
    assert_int_equal(nn_model_epochs_done(log.last), 2);
    assert_int_equal(log.probes, 0); /* probe_every 0: none */

    /* probes every 2 batches of 7 (200 images / 32): at 2, 4 and 6 of each epoch */
    c.ema = 0;
    c.probe_every = 2;
    c.probe_images = 50;
    EmaLog probed = { 0 };
    cb.user = &probed;
    NnModel *p;
    assert_int_equal(nn_model_new(&mc, 4, &p, NULL), NN_OK);
    assert_int_equal(nn_train(p, &c, &data, &data, &cb, NULL), NN_OK);
    assert_int_equal(probed.probes, 6);
    c.probe_every = 0;
    assert_int_equal(nn_train(plain, &c, &data, &data, NULL, NULL), NN_OK);
    assert_memory_equal(nn_model_params(p), nn_model_params(plain), n * sizeof(float));
    assert_memory_equal(nn_model_buffers(p), nn_model_buffers(plain), nn_model_buffer_count(p) * sizeof(float));

    /* SGD with momentum lowers the loss on this easy data */
    c.optimizer = NN_OPTIMIZER_SGD;
    c.schedule.lr_max = 0.05;
    c.epochs = 3;
    NnModel *sgd;
    assert_int_equal(nn_model_new(&mc, 4, &sgd, NULL), NN_OK);
    Log sgd_log = { 0 };
    NnTrainCallbacks sgd_cb = { .on_batch = on_batch, .on_epoch = on_epoch, .user = &sgd_log };
    assert_int_equal(nn_train(sgd, &c, &data, NULL, &sgd_cb, NULL), NN_OK);
    assert_true(sgd_log.last_loss[2] < sgd_log.last_loss[0]);
    nn_model_free(sgd);
    nn_model_free(log.last);
    nn_model_free(probed.last);
    nn_model_free(p);
    nn_model_free(plain);
    nn_model_free(m);
    nn_dataset_free(&data);
}

/* The new "handwriting": make_dataset's bars drawn three pixels thick and
 * where the next class's thin bar would be (a style the model reads as the
 * next class until it learns it). */
static NnDataset
shifted_thick(const NnDataset *d)
{
    NnDataset out = { d->count, calloc((size_t)d->count, NN_IMAGE_PIXELS), malloc((size_t)d->count) };
    memcpy(out.labels, d->labels, (size_t)d->count);
    for (int i = 0; i < d->count; i++) {
        int k = d->labels[i], pos = 4 + 2 * (k % 5) + 2;
        for (int j = 4; j < 24; j++)
            for (int w = -1; w <= 1; w++) {
                int x = k < 5 ? pos + w : j, y = k < 5 ? j : pos + w;
                out.images[(size_t)i * NN_IMAGE_PIXELS + y * 28 + x] = 230;
            }
    }
    return out;
}

static double
error_rate(NnModel *m, const NnDataset *d)
{
    NnEvalResult r;
    assert_int_equal(nn_evaluate(m, d, &r, NULL), NN_OK);
    /* The confusion matrix's diagonal holds the images read correctly. */
    assert_int_equal(nn_eval_correct(&r), (int)lround(r.accuracy * r.n));
    return 1.0 - r.accuracy;
}

/* Fine-tuning on a few drawings of a new style halves (at least) the error
 * on other drawings of that style, keeps the old style and the model's
 * temperature, and is the same for the same seed. */
static void
test_finetune(void **state)
{
    (void)state;
    NnDataset base = make_dataset(600, 11), style_all;
    NnTrainConfig c = small_config();
    c.epochs = 3;
    c.bn_recalibrate = 600;
    c.augment.enabled = false;
    NnModelConfig mc = nn_model_config_default();
    NnModel *m;
    assert_int_equal(nn_model_new(&mc, 5, &m, NULL), NN_OK);
    assert_int_equal(nn_train(m, &c, &base, NULL, NULL, NULL), NN_OK);
    style_all = shifted_thick(&base);
    NnDataset teach = nn_dataset_view(&style_all, 0, 50), test = nn_dataset_view(&style_all, 300, 300);
    NnDataset old_test = nn_dataset_view(&base, 300, 300);
    double before = error_rate(m, &test), old_before = error_rate(m, &old_test);

    nn_model_set_temperature(m, 1.7f); /* as a calibration left it */
    NnModel *copy;
    assert_int_equal(nn_model_clone(m, &copy, NULL), NN_OK);
    NnFinetuneConfig f = nn_finetune_config_default();
    f.threads = 1;
    f.augment.enabled = false;
    NnDataset mnist = nn_dataset_view(&base, 0, 300);
    assert_int_equal(nn_finetune(m, &f, &teach, &mnist, NULL, NULL, NULL), NN_OK);
    double after = error_rate(m, &test), old_after = error_rate(m, &old_test);
    if (!(before > 0.2 && after <= before / 2 && old_after <= old_before + 0.05))
        fail_msg("error on the new style %.3f -> %.3f, on the old %.3f -> %.3f", before, after, old_before, old_after);
    assert_int_equal(nn_model_epochs_done(m), 3); /* still the model's own count */
    assert_float_equal(nn_model_temperature(m), 1.7f, 0); /* and its own calibration */
    assert_false(nn_model_has_optimizer_state(m));
    assert_int_equal(nn_finetune(copy, &f, &teach, &mnist, NULL, NULL, NULL), NN_OK);
    assert_memory_equal(nn_model_params(m), nn_model_params(copy), nn_model_param_count(m) * sizeof(float));

    NnError err;
    NnDataset none = { 0 };
    assert_int_equal(nn_finetune(m, &f, &none, &mnist, NULL, NULL, &err), NN_ERR_EMPTY);
    nn_model_free(copy);
    nn_model_free(m);
    nn_dataset_free(&style_all);
    nn_dataset_free(&base);
}

static void
test_bad_config(void **state)
{
    (void)state;
    NnDataset data = make_dataset(10, 4), empty = { 0 };
    NnModelConfig mc = nn_model_config_default();
    NnModel *m;
    assert_int_equal(nn_model_new(&mc, 1, &m, NULL), NN_OK);
    NnError err = { 0 };
    NnTrainConfig c = small_config();
    c.batch = 0;
    assert_int_equal(nn_train(m, &c, &data, NULL, NULL, &err), NN_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "batch"));
    c = small_config();
    c.schedule.lr_min = 1;
    assert_int_equal(nn_train(m, &c, &data, NULL, NULL, &err), NN_ERR_INVALID_ARG);
    c = small_config();
    assert_int_equal(nn_train(m, &c, &empty, NULL, NULL, &err), NN_ERR_EMPTY);
    nn_model_free(m);
    nn_dataset_free(&data);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_weights),
        cmocka_unit_test(test_cancel_and_resume),
        cmocka_unit_test(test_progress_smoothing_pause_and_validation),
        cmocka_unit_test(test_divergence_stops),
        cmocka_unit_test(test_ema_probes_sgd),
        cmocka_unit_test(test_finetune),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
