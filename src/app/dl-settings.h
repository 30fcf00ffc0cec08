/* dl-settings.h — the app's GSettings and the files it finds beside it.
 *
 * The schema is looked up among the installed ones first, then in the build
 * tree (DIGITLAB_BUILD_SCHEMA_DIR), so `build/src/app/digitlab` runs
 * uninstalled without GSETTINGS_SCHEMA_DIR. */
#pragma once

#include <gio/gio.h>

#include "dl-trainer.h"
#include "recipe.h"

G_BEGIN_DECLS

GSettings *dl_settings_new(void);

/* The hyper-parameters in settings as a training request for data_dir:
 * the network (NnModelConfig), the recipe (NnTrainConfig, with the
 * "threads" key) and the training and validation images. */
void dl_settings_get_train_request(GSettings *settings, const char *data_dir, DlTrainRequest *request);

/* Sets every hyper-parameter key from one of the engine's presets
 * (recipe.h), in one change; keys it does not use go back to their
 * defaults. "threads" and the keys that are not hyper-parameters stay. */
void dl_settings_apply_preset(GSettings *settings, const NnPreset *preset);

/* The preset the hyper-parameters are, or NULL when they are none of them
 * ("Custom"). Settings that do not change the run (threads, an unused
 * block's filters, SGD's momentum under Adam, ...) are not compared. */
const NnPreset *dl_settings_find_preset(GSettings *settings);

/* FALSE, with a sentence for people in *reason (free it), when the
 * hyper-parameters describe nothing the engine can train: the engine's
 * own reason (nn_model_config_check(), nn_augment_check()), or a minimum
 * learning rate above the peak. */
gboolean dl_settings_check_train_request(GSettings *settings, char **reason);

/* The MNIST folder: the "data-folder" key if set, else $DIGITLAB_DATA, else
 * ~/.local/share/digitlab/mnist (dl_data_dir_resolve()). */
char *dl_settings_get_data_dir(GSettings *settings);

/* The bundled model, digitlab-default.dlm: in $DIGITLAB_MODEL_DIR, else the
 * installed data folder, else the source tree's data/ folder (uninstalled
 * runs). NULL if none of them has it. */
char *dl_find_bundled_model(void);

G_END_DECLS
