/* dl-settings.c — the app's GSettings and the files it finds beside it. */
#include "dl-settings.h"

#include "dl-datadir.h"
#include "dl-types.h"

GSettings *
dl_settings_new(void)
{
    GSettingsSchemaSource *installed = g_settings_schema_source_get_default();
    g_autoptr(GSettingsSchema) schema = NULL;

    if (installed != NULL)
        schema = g_settings_schema_source_lookup(installed, DL_APPLICATION_ID, TRUE);
    if (schema == NULL) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GSettingsSchemaSource) built =
            g_settings_schema_source_new_from_directory(DIGITLAB_BUILD_SCHEMA_DIR, installed, FALSE, &error);

        if (built != NULL)
            schema = g_settings_schema_source_lookup(built, DL_APPLICATION_ID, FALSE);
        if (schema == NULL)
            g_error("The GSettings schema %s is not installed (and not in %s either): "
                    "run `meson install`, or set GSETTINGS_SCHEMA_DIR",
                    DL_APPLICATION_ID, DIGITLAB_BUILD_SCHEMA_DIR);
    }
    return g_settings_new_full(schema, NULL, NULL);
}

void
dl_settings_get_train_request(GSettings *settings, const char *data_dir, DlTrainRequest *request)
{
    NnTrainConfig config = nn_train_config_default();

    config.epochs = g_settings_get_int(settings, "epochs");
    config.batch = g_settings_get_int(settings, "batch-size");
    config.seed = (uint64_t)g_settings_get_int(settings, "seed");
    config.threads = g_settings_get_int(settings, "threads");
    config.schedule.lr_max = g_settings_get_double(settings, "lr-max");
    config.schedule.lr_min = g_settings_get_double(settings, "lr-min");
    config.schedule.warmup = g_settings_get_int(settings, "warmup-epochs");
    config.schedule.epochs = config.epochs;
    config.per_step_lr = g_settings_get_boolean(settings, "per-step-lr");
    config.bn_recalibrate = g_settings_get_boolean(settings, "bn-recalibrate") ? 2000 : 0;
    config.augment.enabled = g_settings_get_boolean(settings, "augment");
    config.augment.rotation = (float)g_settings_get_double(settings, "rotation");
    config.augment.zoom = (float)g_settings_get_double(settings, "zoom");
    config.augment.shift = (float)g_settings_get_double(settings, "shift");

    NnModelConfig model_config = nn_model_config_default();
    model_config.padding = g_settings_get_enum(settings, "padding") == 1 ? NN_PADDING_VALID : NN_PADDING_SAME;
    *request = (DlTrainRequest){
        .data_dir = (char *)data_dir,
        .model_config = model_config,
        .config = config,
        .train_limit = g_settings_get_int(settings, "training-images"),
        .val_limit = g_settings_get_int(settings, "validation-images"),
    };
}

char *
dl_settings_get_data_dir(GSettings *settings)
{
    g_autofree char *folder = g_settings_get_string(settings, "data-folder");

    return dl_data_dir_resolve(folder[0] != '\0' ? folder : NULL);
}

#define BUNDLED_MODEL "digitlab-default.dlm"

char *
dl_find_bundled_model(void)
{
    const char *env = g_getenv("DIGITLAB_MODEL_DIR");
    const char *dirs[] = { env, DIGITLAB_PKGDATADIR, DIGITLAB_SOURCE_DATA_DIR };

    for (guint i = 0; i < G_N_ELEMENTS(dirs); i++) {
        if (dirs[i] == NULL || dirs[i][0] == '\0')
            continue;
        g_autofree char *path = g_build_filename(dirs[i], BUNDLED_MODEL, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
            return g_steal_pointer(&path);
    }
    return NULL;
}
