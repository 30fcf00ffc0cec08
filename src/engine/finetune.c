/* finetune.c — see finetune.h. */
#include "finetune.h"

#include <stdlib.h>
#include <string.h>

NnFinetuneConfig
nn_finetune_config_default(void)
{
    NnFinetuneConfig c = {
        .epochs = 4,
        .repeats = 8,
        .mnist_ratio = 3,
        .outliers = 0.1f,
        .lr = 2e-4f,
        .batch = 64,
        .seed = 1,
        .threads = 0,
        .augment = nn_augment_default(),
    };
    c.augment.rotation = 8.0f;
    c.augment.zoom = 0.08f;
    c.augment.shift = 0.06f;
    return c;
}

NnStatus
nn_finetune(NnModel *model, const NnFinetuneConfig *c, const NnDataset *drawings, const NnDataset *mnist,
            const NnDataset *val, const NnTrainCallbacks *callbacks, NnError *err)
{
    if (drawings == NULL || drawings->count < 1)
        return nn_error_set(err, NN_ERR_EMPTY, "no drawings to learn from");
    if (c->epochs < 1 || c->repeats < 1 || c->mnist_ratio < 0 || !(c->lr > 0 && c->lr < 1) ||
        !(c->outliers >= 0 && c->outliers <= 0.5f))
        return nn_error_set(err, NN_ERR_INVALID_ARG, "fine-tuning needs epochs and repeats of 1 or more, a "
                                                     "learning rate between 0 and 1 and a share of non-digits "
                                                     "from 0 to 0.5");
    for (int i = 0; i < drawings->count; i++)
        if (drawings->labels[i] >= NN_CLASSES)
            return nn_error_set(err, NN_ERR_INVALID_ARG, "drawing %d has no digit label", i + 1);

    /* The mix: every drawing `repeats` times, then MNIST images drawn at
     * random (without repeats within the mix) from the seed. */
    const size_t own = (size_t)drawings->count * c->repeats;
    size_t extra = mnist != NULL ? own * c->mnist_ratio : 0;
    if (mnist != NULL && extra > (size_t)mnist->count)
        extra = (size_t)mnist->count;
    const size_t total = own + extra;
    if (total > 10000000)
        return nn_error_set(err, NN_ERR_INVALID_ARG, "too many drawings to fine-tune on at once");
    NnDataset mix = { (int)total, malloc(total * NN_IMAGE_PIXELS), malloc(total) };
    int *pick = extra > 0 ? malloc(sizeof(int) * (size_t)mnist->count) : NULL;
    if (mix.images == NULL || mix.labels == NULL || (extra > 0 && pick == NULL)) {
        free(pick);
        nn_dataset_free(&mix);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for fine-tuning");
    }
    for (size_t i = 0; i < own; i++) {
        size_t d = i % (size_t)drawings->count;
        memcpy(mix.images + i * NN_IMAGE_PIXELS, drawings->images + d * NN_IMAGE_PIXELS, NN_IMAGE_PIXELS);
        mix.labels[i] = drawings->labels[d];
    }
    if (extra > 0) {
        NnRng rng = nn_rng_seed(c->seed ^ 0x6d6e697374ull);
        for (int i = 0; i < mnist->count; i++)
            pick[i] = i;
        for (size_t i = 0; i < extra; i++) { /* a partial Fisher-Yates shuffle */
            size_t j = i + nn_rng_below(&rng, (uint32_t)((size_t)mnist->count - i));
            int t = pick[i];
            pick[i] = pick[j];
            pick[j] = t;
            memcpy(mix.images + (own + i) * NN_IMAGE_PIXELS, mnist->images + (size_t)pick[i] * NN_IMAGE_PIXELS,
                   NN_IMAGE_PIXELS);
            mix.labels[own + i] = mnist->labels[pick[i]];
        }
    }
    free(pick);

    NnTrainConfig t = nn_train_config_default();
    t.epochs = c->epochs;
    t.batch = c->batch;
    t.seed = c->seed;
    t.threads = c->threads;
    t.per_step_lr = true;
    t.schedule.kind = NN_SCHEDULE_COSINE;
    t.schedule.lr_max = c->lr;
    t.schedule.lr_min = c->lr / 10;
    t.augment = c->augment;
    t.outliers = c->outliers;
    t.bn_recalibrate = total < 4096 ? (int)total : 4096;

    /* The epochs count from this fine-tuning, not from the model's training. */
    const int epochs_before = nn_model_epochs_done(model);
    const uint64_t step_before = nn_model_step(model);
    /* nn_train scores the network at temperature 1; the model keeps its own
     * calibration until someone calibrates it again. */
    const float temperature = nn_model_temperature(model);
    nn_model_set_epochs_done(model, 0);
    NnStatus status = nn_model_reserve_training(model, c->batch, err);
    if (status == NN_OK) {
        /* Adam starts afresh: the moments of the model's own training do not
         * describe this data. */
        memset(nn_model_adam_m(model), 0, nn_model_param_count(model) * sizeof(float));
        memset(nn_model_adam_v(model), 0, nn_model_param_count(model) * sizeof(float));
        nn_model_set_step(model, 0);
        status = nn_train(model, &t, &mix, val, callbacks, err);
    }
    nn_model_set_epochs_done(model, epochs_before);
    nn_model_set_step(model, step_before);
    nn_model_set_temperature(model, temperature);
    /* The moments are the fine-tuning's now: training further needs a fresh start. */
    nn_model_set_optimizer_state(model, false);
    nn_dataset_free(&mix);
    return status;
}
