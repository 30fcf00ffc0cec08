/* dl-settings.h — the app's GSettings and the files it finds beside it.
 *
 * The schema is looked up among the installed ones first, then in the build
 * tree (DIGITLAB_BUILD_SCHEMA_DIR), so `build/src/app/digitlab` runs
 * uninstalled without GSETTINGS_SCHEMA_DIR. */
#pragma once

#include <gio/gio.h>

#include "dl-trainer.h"

G_BEGIN_DECLS

GSettings *dl_settings_new(void);

/* The hyper-parameters in settings as a training request for data_dir. */
void dl_settings_get_train_request(GSettings *settings, const char *data_dir, DlTrainRequest *request);

/* The MNIST folder: the "data-folder" key if set, else $DIGITLAB_DATA, else
 * ~/.local/share/digitlab/mnist (dl_data_dir_resolve()). */
char *dl_settings_get_data_dir(GSettings *settings);

/* The bundled model, digitlab-default.dlm: in $DIGITLAB_MODEL_DIR, else the
 * installed data folder, else the source tree's data/ folder (uninstalled
 * runs). NULL if none of them has it. */
char *dl_find_bundled_model(void);

G_END_DECLS
