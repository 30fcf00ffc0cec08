#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gemm.h"
#include "layers.h"
#include "optim.h"
#include "synth.h"

/* Independent random streams derived from the seed. */
enum { STREAM_SHUFFLE = 1, STREAM_AUGMENT = 2, STREAM_DROPOUT = 3, STREAM_STYLE = 4, STREAM_OUTLIER = 5 };

/* A probe's copy of the model gets its BN statistics from this many images. */
#define PROBE_BN_IMAGES 1024

NnTrainConfig
nn_train_config_default(void)
{
    NnTrainConfig c = {
        .epochs = 30,
        .batch = 128,
        .seed = 1,
        .threads = 0,
        .schedule = nn_schedule_default(),
        .per_step_lr = false,
        .optimizer = NN_OPTIMIZER_ADAM,
        .momentum = 0.9f,
        .augment = nn_augment_default(),
    };
    return c;
}



static double
now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t
stream(int kind, int epoch)
{
    return (uint64_t)kind << 32 | (uint32_t)epoch;
}

static void
shuffle(int *order, int n, uint64_t seed, int epoch)
{
    NnRng rng = nn_rng_derive(seed, stream(STREAM_SHUFFLE, epoch), 0);
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)nn_rng_below(&rng, (uint32_t)i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

void
nn_train_prepare_batch(const NnTrainConfig *config, const NnDataset *train, const int *indices,
                       int count, int epoch, float *images, uint8_t *labels)
{
#pragma omp parallel for schedule(static) if (count > 16)
    for (int i = 0; i < count; i++) {
        int index = indices[i];
        /* One stream per image and epoch: independent of batching and
         * threads; the synthetic images draw from streams of their own, so
         * the paper's augmentation is the same with them or without. */
        NnRng rng = nn_rng_derive(config->seed, stream(STREAM_AUGMENT, epoch), (uint64_t)index);
        const uint8_t *src = train->images + (size_t)index * NN_IMAGE_PIXELS;
        uint8_t label = train->labels[index], made[NN_IMAGE_PIXELS];
        if (config->outliers > 0) {
            NnRng o = nn_rng_derive(config->seed, stream(STREAM_OUTLIER, epoch), (uint64_t)index);
            if (nn_rng_uniform(&o) < config->outliers) {
                nn_synth_non_digit(train, true, &o, made);
                src = made;
                label = NN_LABEL_NONE;
            }
        }
        if (config->augment.enabled && config->augment.style > 0 && label != NN_LABEL_NONE) {
            NnRng s = nn_rng_derive(config->seed, stream(STREAM_STYLE, epoch), (uint64_t)index);
            if (nn_rng_uniform(&s) < config->augment.style && nn_synth_style(src, label, &s, made))
                src = made;
        }
        nn_augment_image(&config->augment, src, images + (size_t)i * NN_IMAGE_PIXELS, &rng);
        labels[i] = label;
    }
}

float
nn_train_step(NnModel *model, const NnTrainConfig *config, const float *images, const uint8_t *labels,
              int count, float lr, NnRng *dropout, int *correct)
{
    uint64_t step = nn_model_step(model);
    float loss = nn_model_forward(model, images, labels, count, true, dropout, correct);
    nn_model_backward(model, images, labels, count);
    bool finite;
    if (config->optimizer == NN_OPTIMIZER_SGD) {
        finite = nn_sgd_update(lr, config->momentum, nn_model_params(model), nn_model_grads(model),
                               nn_model_adam_m(model), nn_model_param_count(model));
        step++;
    } else {
        const NnAdam adam = nn_adam_default();
        finite = nn_adam_update(&adam, lr, &step, nn_model_params(model), nn_model_grads(model),
                                nn_model_adam_m(model), nn_model_adam_v(model), nn_model_param_count(model));
    }
    nn_model_set_step(model, step);
    nn_model_set_optimizer_state(model, true);
    nn_model_set_optimizer(model, config->optimizer);
    return finite ? loss : NAN;
}

/* "Precise BN": running statistics = the mean over batches of the batch
 * statistics of `images` training images, momentum k/(k+1) for the k-th
 * batch. */
static void
recalibrate_bn(NnModel *model, const NnTrainConfig *config, const NnDataset *train, const int *order,
               int epoch, int count_images, float *images, uint8_t *labels)
{
    const int n = count_images < train->count ? count_images : train->count;
    if (nn_model_reserve(model, config->batch, NULL) != NN_OK)
        return; /* the statistics stay as they were */
    const float momentum = nn_model_bn_momentum(model);
    for (int k = 0, start = 0; start < n; k++, start += config->batch) {
        int count = n - start < config->batch ? n - start : config->batch;
        nn_train_prepare_batch(config, train, order + start, count, epoch, images, labels);
        nn_model_set_bn_momentum(model, (float)k / (float)(k + 1));
        nn_model_forward(model, images, labels, count, true, NULL, NULL);
    }
    nn_model_set_bn_momentum(model, momentum);
}

/* Bias-corrected exponential moving average (as TensorBoard's smoothing). */
typedef struct {
    double value, weight;
} Smoother;

static double
smooth(Smoother *s, double x)
{
    const double decay = 1.0 - 1.0 / NN_SMOOTH_BATCHES;
    s->value = decay * s->value + (1.0 - decay) * x;
    s->weight = decay * s->weight + (1.0 - decay);
    return s->value / s->weight;
}

/* should_stop, with the time it blocks (a pause) added to *paused. */
static bool
poll_stop(const NnTrainCallbacks *cb, double *paused)
{
    if (cb == NULL || cb->should_stop == NULL)
        return false;
    double t0 = now_seconds();
    bool stop = cb->should_stop(cb->user);
    *paused += now_seconds() - t0;
    return stop;
}

typedef struct {
    const NnTrainCallbacks *cb;
    double *paused;
} ValidateUser;

static void
validate_progress(int done, int total, void *user)
{
    ValidateUser *v = user;
    if (v->cb->on_validate != NULL)
        v->cb->on_validate(done, total, v->cb->user);
}

/* Validation can be paused but not stopped: a stop asked for meanwhile
 * takes effect at the next batch, after the epoch has been delivered. */
static bool
validate_should_stop(void *user)
{
    ValidateUser *v = user;
    poll_stop(v->cb, v->paused);
    return false;
}

static NnStatus
check_config(const NnTrainConfig *c, const NnDataset *train, const NnDataset *val, NnError *err)
{
    if (c->epochs < 1)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "epochs must be at least 1");
    if (c->batch < 1 || c->batch > 4096)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "batch size must be between 1 and 4096");
    if (!(c->schedule.lr_max > 0) || !isfinite(c->schedule.lr_max) || !(c->schedule.lr_min >= 0) ||
        c->schedule.lr_min > c->schedule.lr_max)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "need 0 <= lr-min <= lr-max and lr-max > 0");
    if (!(c->schedule.warmup >= 0) || !isfinite(c->schedule.warmup))
        return nn_error_set(err, NN_ERR_INVALID_ARG, "warmup must be a finite number of epochs, 0 or more");
    const char *augment_problem = nn_augment_check(&c->augment);
    if (augment_problem != NULL)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "augmentation: %s", augment_problem);
    if (c->bn_recalibrate < 0)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "the BN recalibration image count cannot be negative");
    if (c->optimizer != NN_OPTIMIZER_ADAM && c->optimizer != NN_OPTIMIZER_SGD)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "unknown optimizer %d", (int)c->optimizer);
    if (!(c->momentum >= 0 && c->momentum < 1))
        return nn_error_set(err, NN_ERR_INVALID_ARG, "momentum must be at least 0 and below 1");
    if (!(c->ema == 0 || (c->ema >= 0.5f && c->ema < 1)))
        return nn_error_set(err, NN_ERR_INVALID_ARG, "the weight average's decay is 0 (off) or from 0.5 to below 1");
    if ((unsigned)c->schedule.kind > NN_SCHEDULE_COSINE)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "unknown learning-rate schedule %d", (int)c->schedule.kind);
    if (c->schedule.kind == NN_SCHEDULE_STEP && !(c->schedule.step_epochs > 0 && c->schedule.step_gamma > 0 &&
                                                  c->schedule.step_gamma <= 1))
        return nn_error_set(err, NN_ERR_INVALID_ARG, "the step schedule needs step epochs > 0 and 0 < gamma <= 1");
    if (!(c->outliers >= 0 && c->outliers <= 0.5f))
        return nn_error_set(err, NN_ERR_INVALID_ARG, "the share of non-digits in a batch is between 0 and 0.5");
    if (c->probe_every < 0 || c->probe_images < 0 || (c->probe_every > 0 && c->probe_images < 1))
        return nn_error_set(err, NN_ERR_INVALID_ARG, "probes need a positive interval and image count");
    if (train->count < 1)
        return nn_error_set(err, NN_ERR_EMPTY, "no training images");
    if (val != NULL && val->count < 1)
        return nn_error_set(err, NN_ERR_EMPTY, "no validation images");
    return NN_OK;
}

/* The moving average of the weights, and the copy a probe evaluates. */
typedef struct {
    NnModel *ema;     /* NULL when config->ema is 0 */
    uint64_t steps;   /* averaged so far */
    NnModel *probe;   /* NULL when probes are off */
} Shadows;

static void
shadows_free(Shadows *sh)
{
    nn_model_free(sh->ema);
    nn_model_free(sh->probe);
}

/* The model validation and on_epoch see: the average, its BN statistics
 * recomputed, or the model itself. */
static NnModel *
epoch_model(NnModel *model, Shadows *sh, const NnTrainConfig *config, const NnDataset *train,
            const int *order, int epoch, float *images, uint8_t *labels)
{
    if (config->bn_recalibrate > 0)
        recalibrate_bn(model, config, train, order, epoch, config->bn_recalibrate, images, labels);
    if (sh->ema == NULL)
        return model;
    recalibrate_bn(sh->ema, config, train, order, epoch, NN_EMA_BN_IMAGES, images, labels);
    nn_model_set_epochs_done(sh->ema, nn_model_epochs_done(model));
    nn_model_set_step(sh->ema, nn_model_step(model));
    return sh->ema;
}

/* A probe: the current (or averaged) weights, BN statistics from a few
 * training images, accuracy on a validation subset. */
static void
probe(NnModel *model, Shadows *sh, const NnTrainConfig *config, const NnDataset *train,
      const NnDataset *val, const int *order, int epoch, double position, float *images,
      uint8_t *labels, const NnTrainCallbacks *cb)
{
    NnModel *from = sh->ema != NULL ? sh->ema : model;
    nn_model_copy_weights(sh->probe, from, NULL);
    recalibrate_bn(sh->probe, config, train, order, epoch, PROBE_BN_IMAGES, images, labels);
    NnDataset subset = nn_dataset_view(val, 0, config->probe_images);
    NnEvalResult r;
    if (nn_evaluate(sh->probe, &subset, &r, NULL) == NN_OK)
        cb->on_probe(position, r.accuracy, r.loss, cb->user);
}

NnStatus
nn_train(NnModel *model, const NnTrainConfig *config, const NnDataset *train,
         const NnDataset *val, const NnTrainCallbacks *cb, NnError *err)
{
    NnStatus status = check_config(config, train, val, err);
    if (status != NN_OK)
        return status;
    nn_set_threads(config->threads);
    status = nn_model_reserve_training(model, config->batch, err);
    if (status != NN_OK)
        return status;

    const int n = train->count, batch = config->batch;
    const int batches = (n + batch - 1) / batch;
    const bool probing = config->probe_every > 0 && val != NULL && cb != NULL && cb->on_probe != NULL;
    float *images = malloc(sizeof(float) * NN_IMAGE_PIXELS * batch);
    uint8_t *labels = malloc((size_t)batch);
    int *order = malloc(sizeof(int) * n);
    Shadows sh = { 0 };
    if (images == NULL || labels == NULL || order == NULL ||
        (config->ema > 0 && nn_model_clone(model, &sh.ema, err) != NN_OK) ||
        (probing && nn_model_clone(model, &sh.probe, err) != NN_OK)) {
        status = nn_error_set(err, NN_ERR_NOMEM, "out of memory for training buffers");
        goto out;
    }

    NnSchedule schedule = config->schedule;
    schedule.epochs = config->epochs;
    Smoother smooth_loss = { 0 }, smooth_accuracy = { 0 };

    for (int epoch = nn_model_epochs_done(model); epoch < config->epochs; epoch++) {
        const double start = now_seconds();
        double loss_sum = 0.0, lr = nn_schedule_lr(&schedule, epoch), paused = 0.0;
        int correct = 0, seen = 0, seen_digits = 0;
        shuffle(order, n, config->seed, epoch);

        for (int b = 0; b < batches; b++) {
            if (poll_stop(cb, &paused)) {
                status = nn_error_set(err, NN_ERR_CANCELLED, "training stopped during epoch %d", epoch + 1);
                goto out;
            }
            const int count = n - b * batch < batch ? n - b * batch : batch;
            nn_train_prepare_batch(config, train, order + b * batch, count, epoch, images, labels);
            if (config->per_step_lr)
                lr = nn_schedule_lr(&schedule, epoch + (double)b / batches);

            NnRng dropout = nn_rng_derive(config->seed, stream(STREAM_DROPOUT, epoch), (uint64_t)b);
            int batch_correct = 0, digits = 0;
            for (int i = 0; i < count; i++)
                digits += labels[i] != NN_LABEL_NONE;
            float loss = nn_train_step(model, config, images, labels, count, (float)lr, &dropout, &batch_correct);
            if (!isfinite(loss)) {
                status = nn_error_set(err, NN_ERR_DIVERGED,
                                      "training diverged in epoch %d at step %d of %d: the %s became %s "
                                      "(learning rate %.3g); a lower learning rate may help",
                                      epoch + 1, b + 1, batches, isnan(loss) ? "loss" : "weights",
                                      isnan(loss) ? "nan" : "infinite", lr);
                goto out;
            }
            if (sh.ema != NULL) {
                double t = (double)sh.steps++;
                float decay = (float)fmin(config->ema, (1.0 + t) / (10.0 + t));
                nn_ema_update(decay, nn_model_params(sh.ema), nn_model_params(model), nn_model_param_count(model));
            }
            correct += batch_correct;
            loss_sum += (double)loss * count;
            seen += count;
            seen_digits += digits;

            if (cb != NULL && cb->on_batch != NULL) {
                double elapsed = now_seconds() - start - paused;
                double batch_accuracy = digits > 0 ? (double)batch_correct / digits : 0.0;
                NnBatchProgress p = {
                    .epoch = epoch, .epochs = config->epochs, .batch = b + 1, .batches = batches,
                    .lr = lr, .loss = loss_sum / seen, .accuracy = seen_digits > 0 ? (double)correct / seen_digits : 0.0,
                    .batch_loss = loss, .batch_accuracy = batch_accuracy,
                    .smooth_loss = smooth(&smooth_loss, loss),
                    .smooth_accuracy = smooth(&smooth_accuracy, batch_accuracy),
                    .seconds = elapsed, .images_per_s = elapsed > 0 ? seen / elapsed : 0,
                };
                cb->on_batch(&p, cb->user);
            }
            /* A probe mid-epoch (the epoch's end has its full validation);
             * its time is not training time. */
            if (probing && (b + 1) % config->probe_every == 0 && b + 1 < batches) {
                double t0 = now_seconds();
                probe(model, &sh, config, train, val, order, epoch, epoch + (double)(b + 1) / batches, images,
                      labels, cb);
                paused += now_seconds() - t0;
            }
        }
        const double train_seconds = now_seconds() - start - paused;
        nn_model_set_epochs_done(model, epoch + 1);
        NnModel *result = epoch_model(model, &sh, config, train, order, epoch, images, labels);
        nn_model_set_temperature(result, 1.0f); /* validation scores the network itself */

        NnEpochStats stats = {
            .epoch = epoch + 1, .epochs = config->epochs, .lr = lr,
            .train_loss = loss_sum / seen, .train_accuracy = seen_digits > 0 ? (double)correct / seen_digits : 0.0,
            .images_per_s = seen / train_seconds,
        };
        if (val != NULL) {
            NnEvalResult r;
            ValidateUser vu = { cb, &paused };
            NnEvalOptions options = {
                .progress = cb != NULL ? validate_progress : NULL,
                .should_stop = cb != NULL ? validate_should_stop : NULL,
                .user = &vu,
            };
            status = nn_evaluate_ex(result, val, &options, &r, err);
            if (status != NN_OK)
                goto out;
            stats.val_loss = r.loss;
            stats.val_accuracy = r.accuracy;
        }
        stats.seconds = now_seconds() - start - paused;
        if (cb != NULL && cb->on_epoch != NULL)
            cb->on_epoch(&stats, result, cb->user);
    }
out:
    shadows_free(&sh);
    free(images);
    free(labels);
    free(order);
    return status;
}
