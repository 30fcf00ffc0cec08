/* recipe.h — named recipes: a network and how to train it.
 *
 * `paper` is exactly the paper's (and nn_model_config_default /
 * nn_train_config_default). The others are Digit Lab's own, each with what
 * it is for; the CLI (--preset) and the app's presets take them from here,
 * so both train the same way. README.md says how each was measured. */
#pragma once

#include "model.h"
#include "train.h"

typedef struct {
    const char *name;         /* for --preset: "paper" */
    const char *title;        /* for people: "The paper (30 epochs)" */
    const char *description;  /* one sentence */
    NnModelConfig model;
    NnTrainConfig train;
    int train_limit;          /* training images, 0 = all 60,000 */
    int val_limit;            /* validation images after each epoch, 0 = all */
} NnPreset;

int nn_preset_count(void);
/* Preset i (0 <= i < count), NULL otherwise; names are unique. */
const NnPreset *nn_preset_get(int index);
const NnPreset *nn_preset_find(const char *name);
