/* dl-settings.c — the app's GSettings and the files it finds beside it. */
#include "dl-settings.h"

#include <glib/gi18n.h>

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

/* The images of MNIST's two files: a preset's 0 ("all") in settings. */
#define MNIST_TRAIN_IMAGES 60000
#define MNIST_TEST_IMAGES 10000

void
dl_settings_get_train_request(GSettings *settings, const char *data_dir, DlTrainRequest *request)
{
    NnTrainConfig config = nn_train_config_default();

    config.epochs = g_settings_get_int(settings, "epochs");
    config.batch = g_settings_get_int(settings, "batch-size");
    config.seed = (uint64_t)g_settings_get_int(settings, "seed");
    config.threads = g_settings_get_int(settings, "threads");
    config.optimizer = g_settings_get_enum(settings, "optimizer") == NN_OPTIMIZER_SGD ? NN_OPTIMIZER_SGD
                                                                                       : NN_OPTIMIZER_ADAM;
    config.momentum = (float)g_settings_get_double(settings, "momentum");
    config.schedule.kind = (NnScheduleKind)g_settings_get_enum(settings, "schedule");
    config.schedule.lr_max = g_settings_get_double(settings, "lr-max");
    config.schedule.lr_min = g_settings_get_double(settings, "lr-min");
    config.schedule.warmup = g_settings_get_double(settings, "warmup-epochs");
    config.schedule.step_epochs = g_settings_get_double(settings, "step-epochs");
    config.schedule.step_gamma = g_settings_get_double(settings, "step-gamma");
    config.schedule.epochs = config.epochs;
    config.per_step_lr = g_settings_get_boolean(settings, "per-step-lr");
    config.bn_recalibrate = g_settings_get_boolean(settings, "bn-recalibrate")
                                ? g_settings_get_int(settings, "bn-recalibrate-images")
                                : 0;
    config.ema = g_settings_get_boolean(settings, "ema") ? (float)g_settings_get_double(settings, "ema-decay") : 0;
    config.outliers = (float)g_settings_get_double(settings, "outliers");
    config.augment.enabled = g_settings_get_boolean(settings, "augment");
    config.augment.rotation = (float)g_settings_get_double(settings, "rotation");
    config.augment.zoom = (float)g_settings_get_double(settings, "zoom");
    config.augment.shift = (float)g_settings_get_double(settings, "shift");
    config.augment.shear = (float)g_settings_get_double(settings, "shear");
    config.augment.elastic_alpha = (float)g_settings_get_double(settings, "elastic-alpha");
    config.augment.elastic_sigma = (float)g_settings_get_double(settings, "elastic-sigma");
    config.augment.thickness = (float)g_settings_get_double(settings, "thickness");
    config.augment.erase = (float)g_settings_get_double(settings, "erase");
    config.augment.style = (float)g_settings_get_double(settings, "style");
    if (g_settings_get_boolean(settings, "probes")) {
        config.probe_every = g_settings_get_int(settings, "probe-every");
        config.probe_images = g_settings_get_int(settings, "probe-images");
    }

    NnModelConfig model_config = nn_model_config_default();
    model_config.padding = g_settings_get_enum(settings, "padding") == 1 ? NN_PADDING_VALID : NN_PADDING_SAME;
    model_config.blocks = g_settings_get_int(settings, "blocks");
    model_config.convs_per_block = g_settings_get_int(settings, "convs-per-block");
    static const char *const filter_keys[NN_MAX_BLOCKS] = { "filters-block-1", "filters-block-2", "filters-block-3" };
    for (int b = 0; b < NN_MAX_BLOCKS; b++)
        model_config.filters[b] = b < model_config.blocks ? g_settings_get_int(settings, filter_keys[b]) : 0;
    model_config.dense = g_settings_get_int(settings, "dense");
    model_config.batch_norm = g_settings_get_boolean(settings, "batch-norm");
    model_config.dropout_conv = (float)g_settings_get_double(settings, "dropout-conv");
    /* No dense layer, no dense dropout: the row is insensitive then. */
    model_config.dropout_dense = model_config.dense > 0 ? (float)g_settings_get_double(settings, "dropout-dense") : 0;

    int train_limit = g_settings_get_int(settings, "training-images");
    int val_limit = g_settings_get_int(settings, "validation-images");
    *request = (DlTrainRequest){
        .data_dir = (char *)data_dir,
        .model_config = model_config,
        .config = config,
        .train_limit = train_limit >= MNIST_TRAIN_IMAGES ? 0 : train_limit,
        .val_limit = val_limit >= MNIST_TEST_IMAGES ? 0 : val_limit,
    };
}

void
dl_settings_apply_preset(GSettings *settings, const NnPreset *preset)
{
    g_return_if_fail(G_IS_SETTINGS(settings));
    g_return_if_fail(preset != NULL);

    const NnModelConfig *m = &preset->model;
    const NnTrainConfig *t = &preset->train;
    const NnAugment *a = &t->augment;

    g_settings_delay(settings);
    /* A preset says nothing of what it does not use: those keys go back to
     * their defaults (the unused filters, SGD's momentum, ...). */
    g_settings_set_int(settings, "epochs", t->epochs);
    g_settings_set_int(settings, "batch-size", t->batch);
    g_settings_set_int(settings, "seed", (int)t->seed);
    g_settings_set_enum(settings, "optimizer", t->optimizer);
    if (t->optimizer == NN_OPTIMIZER_SGD)
        g_settings_set_double(settings, "momentum", t->momentum);
    else
        g_settings_reset(settings, "momentum");
    g_settings_set_enum(settings, "schedule", t->schedule.kind);
    g_settings_set_double(settings, "lr-max", t->schedule.lr_max);
    g_settings_set_double(settings, "lr-min", t->schedule.lr_min);
    g_settings_set_double(settings, "warmup-epochs", t->schedule.warmup);
    g_settings_set_double(settings, "step-epochs", t->schedule.step_epochs);
    g_settings_set_double(settings, "step-gamma", t->schedule.step_gamma);
    g_settings_set_boolean(settings, "per-step-lr", t->per_step_lr);
    g_settings_set_boolean(settings, "bn-recalibrate", t->bn_recalibrate > 0);
    if (t->bn_recalibrate > 0)
        g_settings_set_int(settings, "bn-recalibrate-images", t->bn_recalibrate);
    else
        g_settings_reset(settings, "bn-recalibrate-images");
    g_settings_set_boolean(settings, "ema", t->ema > 0);
    if (t->ema > 0)
        g_settings_set_double(settings, "ema-decay", t->ema);
    else
        g_settings_reset(settings, "ema-decay");
    g_settings_set_double(settings, "outliers", t->outliers);
    g_settings_set_boolean(settings, "augment", a->enabled);
    g_settings_set_double(settings, "rotation", a->rotation);
    g_settings_set_double(settings, "zoom", a->zoom);
    g_settings_set_double(settings, "shift", a->shift);
    g_settings_set_double(settings, "shear", a->shear);
    g_settings_set_double(settings, "elastic-alpha", a->elastic_alpha);
    if (a->elastic_alpha > 0)
        g_settings_set_double(settings, "elastic-sigma", a->elastic_sigma);
    else
        g_settings_reset(settings, "elastic-sigma");
    g_settings_set_double(settings, "thickness", a->thickness);
    g_settings_set_double(settings, "erase", a->erase);
    g_settings_set_double(settings, "style", a->style);
    g_settings_set_boolean(settings, "probes", t->probe_every > 0);
    if (t->probe_every > 0) {
        g_settings_set_int(settings, "probe-every", t->probe_every);
        g_settings_set_int(settings, "probe-images", t->probe_images);
    } else {
        g_settings_reset(settings, "probe-every");
        g_settings_reset(settings, "probe-images");
    }

    g_settings_set_enum(settings, "padding", m->padding);
    g_settings_set_int(settings, "blocks", m->blocks);
    g_settings_set_int(settings, "convs-per-block", m->convs_per_block);
    static const char *const filter_keys[NN_MAX_BLOCKS] = { "filters-block-1", "filters-block-2", "filters-block-3" };
    for (int b = 0; b < NN_MAX_BLOCKS; b++) {
        if (b < m->blocks)
            g_settings_set_int(settings, filter_keys[b], m->filters[b]);
        else
            g_settings_reset(settings, filter_keys[b]);
    }
    g_settings_set_int(settings, "dense", m->dense);
    g_settings_set_boolean(settings, "batch-norm", m->batch_norm);
    g_settings_set_double(settings, "dropout-conv", m->dropout_conv);
    if (m->dense > 0)
        g_settings_set_double(settings, "dropout-dense", m->dropout_dense);
    else
        g_settings_reset(settings, "dropout-dense");

    g_settings_set_int(settings, "training-images",
                       preset->train_limit > 0 ? MIN(preset->train_limit, MNIST_TRAIN_IMAGES) : MNIST_TRAIN_IMAGES);
    g_settings_set_int(settings, "validation-images",
                       preset->val_limit > 0 ? MIN(preset->val_limit, MNIST_TEST_IMAGES) : MNIST_TEST_IMAGES);
    g_settings_apply(settings);
}

/* The parts of a recipe that change a run, with everything it does not use
 * cleared, so that two recipes that train the same way compare equal. */
static void
normalize(NnModelConfig *m, NnTrainConfig *t, int *train_limit, int *val_limit)
{
    for (int b = m->blocks; b < NN_MAX_BLOCKS; b++)
        m->filters[b] = 0;
    if (m->dense == 0)
        m->dropout_dense = 0;
    t->threads = 0;
    t->schedule.epochs = t->epochs;
    if (t->optimizer != NN_OPTIMIZER_SGD)
        t->momentum = 0;
    if (t->schedule.kind != NN_SCHEDULE_PAPER)
        t->schedule.warmup = 0;
    if (t->schedule.kind != NN_SCHEDULE_STEP)
        t->schedule.step_epochs = t->schedule.step_gamma = 0;
    if (t->schedule.kind == NN_SCHEDULE_CONSTANT)
        t->schedule.lr_min = 0;
    if (t->augment.elastic_alpha == 0)
        t->augment.elastic_sigma = 0;
    if (!t->augment.enabled) {
        NnAugment off = { .enabled = false };
        t->augment = off;
    }
    if (t->probe_every == 0)
        t->probe_images = 0;
    if (*train_limit <= 0 || *train_limit >= MNIST_TRAIN_IMAGES)
        *train_limit = 0;
    if (*val_limit <= 0 || *val_limit >= MNIST_TEST_IMAGES)
        *val_limit = 0;
}

static gboolean
same_recipe(const DlTrainRequest *request, const NnPreset *preset)
{
    NnModelConfig m1 = request->model_config, m2 = preset->model;
    NnTrainConfig t1 = request->config, t2 = preset->train;
    int l1 = request->train_limit, l2 = preset->train_limit, v1 = request->val_limit, v2 = preset->val_limit;

    normalize(&m1, &t1, &l1, &v1);
    normalize(&m2, &t2, &l2, &v2);
    const NnAugment *a = &t1.augment, *b = &t2.augment;
    const NnSchedule *s = &t1.schedule, *r = &t2.schedule;
    return nn_model_config_equal(&m1, &m2) && l1 == l2 && v1 == v2 && t1.epochs == t2.epochs
           && t1.batch == t2.batch && t1.seed == t2.seed && t1.per_step_lr == t2.per_step_lr
           && t1.optimizer == t2.optimizer && t1.momentum == t2.momentum && t1.ema == t2.ema
           && t1.outliers == t2.outliers && t1.probe_every == t2.probe_every && t1.probe_images == t2.probe_images
           && t1.bn_recalibrate == t2.bn_recalibrate && s->kind == r->kind && s->lr_max == r->lr_max
           && s->lr_min == r->lr_min && s->warmup == r->warmup && s->step_epochs == r->step_epochs
           && s->step_gamma == r->step_gamma && a->enabled == b->enabled && a->rotation == b->rotation
           && a->zoom == b->zoom && a->shift == b->shift && a->shear == b->shear
           && a->elastic_alpha == b->elastic_alpha && a->elastic_sigma == b->elastic_sigma
           && a->thickness == b->thickness && a->erase == b->erase && a->style == b->style;
}

const NnPreset *
dl_settings_find_preset(GSettings *settings)
{
    g_return_val_if_fail(G_IS_SETTINGS(settings), NULL);

    DlTrainRequest request;
    dl_settings_get_train_request(settings, "", &request);
    for (int i = 0; i < nn_preset_count(); i++)
        if (same_recipe(&request, nn_preset_get(i)))
            return nn_preset_get(i);
    return NULL;
}

gboolean
dl_settings_check_train_request(GSettings *settings, char **reason)
{
    g_return_val_if_fail(G_IS_SETTINGS(settings), FALSE);

    DlTrainRequest request;
    NnError err = { 0 };
    const char *problem = NULL;
    dl_settings_get_train_request(settings, "", &request);
    if (nn_model_config_check(&request.model_config, &err) != NN_OK)
        problem = err.message;
    else if ((problem = nn_augment_check(&request.config.augment)) != NULL)
        ;
    else if (request.config.schedule.lr_min > request.config.schedule.lr_max)
        problem = _("the minimum learning rate is above the peak");
    if (problem == NULL)
        return TRUE;
    if (reason != NULL)
        /* TRANSLATORS: %s is the engine's reason, e.g. "3 blocks of 2 valid convolutions shrink a 28x28 image to nothing" */
        *reason = g_strdup_printf(_("These settings cannot be trained: %s."), problem);
    return FALSE;
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
