/* recipe-options.h — the options that say what to train and how, shared by
 * `train`, `ablation` and `finetune`.
 *
 * Every option starts "unset"; recipe_options_resolve() starts from the
 * preset (--preset, default "paper"), then applies the options given, so
 * `--preset digitlab --epochs 10` is the digitlab recipe for 10 epochs.
 * Values are checked for range before anything is loaded. */
#pragma once

#include <glib.h>

#include "recipe.h"

typedef struct {
    char *preset;
    /* architecture */
    char *padding, *filters, *dropout;
    int blocks, convs_per_block, dense;
    gboolean no_batch_norm;
    /* recipe */
    int epochs, batch, seed, threads, bn_recalibrate, limit, val_limit, probe_every, probe_images;
    double rotation, zoom, shift, shear, thickness, erase, style, outliers, warmup, lr_max, lr_min, momentum, ema;
    double step_epochs, step_gamma;
    char *optimizer, *schedule, *elastic;
    gboolean no_augment, per_step_lr;
} RecipeOptions;

/* Sets every option to "unset". */
void recipe_options_init(RecipeOptions *o);
void recipe_options_clear(RecipeOptions *o);

/* The GOptionEntry table for o (NULL-terminated, static storage of the
 * descriptions; the pointers point into o). */
GOptionEntry *recipe_options_entries(RecipeOptions *o);

/* The preset with the options applied; prints "COMMAND: ..." and returns
 * FALSE for unknown names and values out of range. limit / val_limit: the
 * training and validation image counts (0 = all). */
gboolean recipe_options_resolve(const RecipeOptions *o, const char *command, NnModelConfig *model,
                                NnTrainConfig *train, int *limit, int *val_limit);

/* A one-line summary of a recipe, e.g. for the model file's meta.recipe
 * when no command line is at hand. */
char *recipe_describe(const NnModelConfig *model, const NnTrainConfig *train);
