#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gemm.h"
#include "optim.h"

/* Independent random streams derived from the seed. */
enum { STREAM_SHUFFLE = 1, STREAM_AUGMENT = 2, STREAM_DROPOUT = 3 };

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
        /* One stream per image and epoch: independent of batching and threads. */
        NnRng rng = nn_rng_derive(config->seed, stream(STREAM_AUGMENT, epoch), (uint64_t)index);
        nn_augment_image(&config->augment, train->images + (size_t)index * NN_IMAGE_PIXELS,
                         images + (size_t)i * NN_IMAGE_PIXELS, &rng);
        labels[i] = train->labels[index];
    }
}

float
nn_train_step(NnModel *model, const float *images, const uint8_t *labels, int count, float lr,
              NnRng *dropout, int *correct)
{
    const NnAdam adam = nn_adam_default();
    uint64_t step = nn_model_step(model);
    float loss = nn_model_forward(model, images, labels, count, true, dropout, correct);
    nn_model_backward(model, images, labels, count);
    bool finite = nn_adam_update(&adam, lr, &step, nn_model_params(model), nn_model_grads(model),
                                 nn_model_adam_m(model), nn_model_adam_v(model), nn_model_param_count(model));
    nn_model_set_step(model, step);
    nn_model_set_optimizer_state(model, true);
    return finite ? loss : NAN;
}

/* "Precise BN": running statistics = the mean over batches of the batch
 * statistics, momentum k/(k+1) for the k-th batch. */
static void
recalibrate_bn(NnModel *model, const NnTrainConfig *config, const NnDataset *train, const int *order,
               int epoch, float *images, uint8_t *labels)
{
    const int n = config->bn_recalibrate < train->count ? config->bn_recalibrate : train->count;
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
    /* written so that nan fails every comparison */
    if (!(c->augment.rotation >= 0 && c->augment.rotation <= 180 && c->augment.zoom >= 0 &&
          c->augment.zoom < 1 && c->augment.shift >= 0 && c->augment.shift <= 1))
        return nn_error_set(err, NN_ERR_INVALID_ARG,
                            "augmentation needs rotation 0-180 degrees, zoom 0-1, shift 0-1");
    if (c->bn_recalibrate < 0)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "the BN recalibration image count cannot be negative");
    if (train->count < 1)
        return nn_error_set(err, NN_ERR_EMPTY, "no training images");
    if (val != NULL && val->count < 1)
        return nn_error_set(err, NN_ERR_EMPTY, "no validation images");
    return NN_OK;
}

NnStatus
nn_train(NnModel *model, const NnTrainConfig *config, const NnDataset *train,
         const NnDataset *val, const NnTrainCallbacks *cb, NnError *err)
{
    NnStatus status = check_config(config, train, val, err);
    if (status != NN_OK)
        return status;
    nn_set_threads(config->threads);
    status = nn_model_reserve(model, config->batch, err);
    if (status != NN_OK)
        return status;

    const int n = train->count, batch = config->batch;
    const int batches = (n + batch - 1) / batch;
    float *images = malloc(sizeof(float) * NN_IMAGE_PIXELS * batch);
    uint8_t *labels = malloc((size_t)batch);
    int *order = malloc(sizeof(int) * n);
    if (images == NULL || labels == NULL || order == NULL) {
        free(images);
        free(labels);
        free(order);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for training buffers");
    }

    NnSchedule schedule = config->schedule;
    schedule.epochs = config->epochs;
    Smoother smooth_loss = { 0 }, smooth_accuracy = { 0 };

    for (int epoch = nn_model_epochs_done(model); epoch < config->epochs; epoch++) {
        const double start = now_seconds();
        double loss_sum = 0.0, lr = nn_schedule_lr(&schedule, epoch), paused = 0.0;
        int correct = 0, seen = 0;
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
            int batch_correct = 0;
            float loss = nn_train_step(model, images, labels, count, (float)lr, &dropout, &batch_correct);
            if (!isfinite(loss)) {
                status = nn_error_set(err, NN_ERR_DIVERGED,
                                      "training diverged in epoch %d at step %d of %d: the %s became %s "
                                      "(learning rate %.3g); a lower learning rate may help",
                                      epoch + 1, b + 1, batches, isnan(loss) ? "loss" : "weights",
                                      isnan(loss) ? "nan" : "infinite", lr);
                goto out;
            }
            correct += batch_correct;
            loss_sum += (double)loss * count;
            seen += count;

            if (cb != NULL && cb->on_batch != NULL) {
                double elapsed = now_seconds() - start - paused;
                double batch_accuracy = (double)batch_correct / count;
                NnBatchProgress p = {
                    .epoch = epoch, .epochs = config->epochs, .batch = b + 1, .batches = batches,
                    .lr = lr, .loss = loss_sum / seen, .accuracy = (double)correct / seen,
                    .batch_loss = loss, .batch_accuracy = batch_accuracy,
                    .smooth_loss = smooth(&smooth_loss, loss),
                    .smooth_accuracy = smooth(&smooth_accuracy, batch_accuracy),
                    .seconds = elapsed, .images_per_s = elapsed > 0 ? seen / elapsed : 0,
                };
                cb->on_batch(&p, cb->user);
            }
        }
        const double train_seconds = now_seconds() - start - paused;
        if (config->bn_recalibrate > 0)
            recalibrate_bn(model, config, train, order, epoch, images, labels);
        nn_model_set_epochs_done(model, epoch + 1);

        NnEpochStats stats = {
            .epoch = epoch + 1, .epochs = config->epochs, .lr = lr,
            .train_loss = loss_sum / seen, .train_accuracy = (double)correct / seen,
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
            status = nn_evaluate_ex(model, val, &options, &r, err);
            if (status != NN_OK)
                goto out;
            stats.val_loss = r.loss;
            stats.val_accuracy = r.accuracy;
        }
        stats.seconds = now_seconds() - start - paused;
        if (cb != NULL && cb->on_epoch != NULL)
            cb->on_epoch(&stats, model, cb->user);
    }
out:
    free(images);
    free(labels);
    free(order);
    return status;
}
