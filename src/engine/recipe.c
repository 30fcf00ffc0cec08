/* recipe.c — the named recipes; see recipe.h. */
#include "recipe.h"

#include <string.h>
#include <threads.h>

/* Titles and descriptions are marked for translation (N_, xgettext's
 * keyword; the engine itself has no gettext): the app shows them with _(). */
#define N_(text) text

static NnPreset presets[5];
static int n_presets;
static once_flag defined = ONCE_FLAG_INIT;

static void
define(void)
{
    NnPreset *p;

    p = &presets[n_presets++];
    p->name = "paper";
    p->title = N_("The paper (30 epochs)");
    p->description = N_("The paper's network and recipe: Adam, warmup and cosine over 30 epochs, augmentation, "
                        "all of MNIST.");
    p->model = nn_model_config_default();
    p->train = nn_train_config_default();

    /* Digit Lab's own recipe: the paper's network, trained longer with a
     * moving average of the weights and stronger augmentation. */
    p = &presets[n_presets++];
    p->name = "digitlab";
    p->title = N_("Digit Lab (best accuracy)");
    p->description = N_("The paper's network with a moving average of the weights, elastic distortion and a "
                        "per-step schedule: Digit Lab's most accurate recipe.");
    p->model = nn_model_config_default();
    p->train = nn_train_config_default();
    p->train.epochs = 40;
    p->train.per_step_lr = true;
    p->train.schedule.warmup = 2;
    p->train.schedule.lr_max = 2e-3;
    p->train.schedule.lr_min = 1e-6;
    p->train.ema = 0.999f;
    p->train.augment.elastic_alpha = 8.0f;
    p->train.augment.elastic_sigma = 4.0f;

    /* The model for the canvas: Digit Lab's recipe, and what drawings need
     * beyond MNIST: the writing styles MNIST lacks, strokes of every
     * width, and non-digits to be unsure of. Calibrated on the last 5,000
     * training images, held out (train --calibrate 5000). */
    p = &presets[n_presets++];
    p->name = "canvas";
    p->title = N_("Digit Lab for drawings");
    p->description = N_("Digit Lab's recipe taught what people draw and MNIST lacks (slashed zeros, flagged ones, "
                        "crossed sevens, any pen) and to be unsure of what is no digit.");
    p->model = nn_model_config_default();
    p->train = presets[1].train;
    p->train.augment.style = 0.5f;
    p->train.augment.thickness = 0.5f;
    p->train.outliers = 0.1f;

    /* A classroom minute: two epochs of the smaller valid-padding network,
     * the whole schedule used (no warmup epoch lost), BN statistics
     * recomputed after each epoch, a first validation point after ~10 s. */
    p = &presets[n_presets++];
    p->name = "demo";
    p->title = N_("1-minute demo");
    /* xgettext:no-c-format */
    p->description = N_("Two epochs of a smaller network (valid padding): about a minute on a laptop, "
                        "99 % or more.");
    p->model = nn_model_config_default();
    p->model.padding = NN_PADDING_VALID;
    p->train = nn_train_config_default();
    p->train.epochs = 2;
    p->train.per_step_lr = true;
    p->train.schedule.kind = NN_SCHEDULE_PAPER;
    p->train.schedule.warmup = 0.1;
    p->train.schedule.lr_max = 2e-3;
    p->train.bn_recalibrate = 2000;
    p->train.probe_every = 100;
    p->train.probe_images = 1000;

    p = &presets[n_presets++];
    p->name = "lesson";
    p->title = N_("5-minute lesson");
    /* xgettext:no-c-format */
    p->description = N_("The paper's network for eight epochs with a per-step schedule: about five minutes, "
                        "99.5 % or more.");
    p->model = nn_model_config_default();
    p->train = nn_train_config_default();
    p->train.epochs = 8;
    p->train.per_step_lr = true;
    p->train.schedule.warmup = 0.5;
    p->train.schedule.lr_max = 2e-3;
    p->train.bn_recalibrate = 2000;
    p->train.probe_every = 200;
    p->train.probe_images = 1000;
}

static void
define_presets(void)
{
    call_once(&defined, define);
}

int
nn_preset_count(void)
{
    define_presets();
    return n_presets;
}

const NnPreset *
nn_preset_get(int index)
{
    define_presets();
    return index >= 0 && index < n_presets ? &presets[index] : NULL;
}

const NnPreset *
nn_preset_find(const char *name)
{
    define_presets();
    for (int i = 0; i < n_presets; i++)
        if (strcmp(presets[i].name, name) == 0)
            return &presets[i];
    return NULL;
}
