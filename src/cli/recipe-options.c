/* recipe-options.c — see recipe-options.h. */
#include "recipe-options.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli-common.h"

#define UNSET_INT INT_MIN

void
recipe_options_init(RecipeOptions *o)
{
    memset(o, 0, sizeof *o);
    int *ints[] = { &o->blocks, &o->convs_per_block, &o->dense, &o->epochs, &o->batch, &o->seed, &o->threads,
                    &o->bn_recalibrate, &o->limit, &o->val_limit, &o->probe_every, &o->probe_images };
    for (size_t i = 0; i < G_N_ELEMENTS(ints); i++)
        *ints[i] = UNSET_INT;
    double *doubles[] = { &o->rotation, &o->zoom, &o->shift, &o->shear, &o->thickness, &o->erase, &o->style,
                          &o->outliers, &o->warmup,
                          &o->lr_max, &o->lr_min, &o->momentum, &o->ema, &o->step_epochs, &o->step_gamma };
    for (size_t i = 0; i < G_N_ELEMENTS(doubles); i++)
        *doubles[i] = NAN; /* GOption never stores nan unless "nan" is given: checked below */
}

void
recipe_options_clear(RecipeOptions *o)
{
    g_free(o->preset);
    g_free(o->padding);
    g_free(o->filters);
    g_free(o->dropout);
    g_free(o->optimizer);
    g_free(o->schedule);
    g_free(o->elastic);
    memset(o, 0, sizeof *o);
}

GOptionEntry *
recipe_options_entries(RecipeOptions *o)
{
    const GOptionEntry entries[] = {
        { "preset", 0, 0, G_OPTION_ARG_STRING, &o->preset, "Recipe to start from: paper (default), digitlab, canvas, demo, lesson", "NAME" },
        { "blocks", 0, 0, G_OPTION_ARG_INT, &o->blocks, "Network: convolution blocks, 1-3 (2)", "N" },
        { "convs-per-block", 0, 0, G_OPTION_ARG_INT, &o->convs_per_block, "Network: convolutions per block, 1-2 (2)", "N" },
        { "filters", 0, 0, G_OPTION_ARG_STRING, &o->filters, "Network: filters of each block (32,64)", "N,N" },
        { "dense", 0, 0, G_OPTION_ARG_INT, &o->dense, "Network: hidden dense units, 0 for none (128)", "N" },
        { "no-batch-norm", 0, 0, G_OPTION_ARG_NONE, &o->no_batch_norm, "Network: no batch normalisation (biases instead)", NULL },
        { "dropout", 0, 0, G_OPTION_ARG_STRING, &o->dropout, "Network: dropout after each block and after the dense layer (0.25,0.5)", "P,P" },
        { "padding", 0, 0, G_OPTION_ARG_STRING, &o->padding, "Network: convolution padding, same or valid (same)", "MODE" },
        { "epochs", 0, 0, G_OPTION_ARG_INT, &o->epochs, "Number of epochs (30)", "N" },
        { "batch", 0, 0, G_OPTION_ARG_INT, &o->batch, "Batch size (128)", "N" },
        { "seed", 0, 0, G_OPTION_ARG_INT, &o->seed, "Random seed for weights, shuffling, augmentation, dropout (1)", "N" },
        { "threads", 0, 0, G_OPTION_ARG_INT, &o->threads, "Threads (default: all cores)", "N" },
        { "optimizer", 0, 0, G_OPTION_ARG_STRING, &o->optimizer, "adam (default) or sgd", "NAME" },
        { "momentum", 0, 0, G_OPTION_ARG_DOUBLE, &o->momentum, "SGD's momentum (0.9)", "M" },
        { "schedule", 0, 0, G_OPTION_ARG_STRING, &o->schedule, "Learning rate: paper (warmup + cosine, default), constant, step, cosine", "KIND" },
        { "warmup", 0, 0, G_OPTION_ARG_DOUBLE, &o->warmup, "Linear warmup epochs of the paper schedule (5)", "EPOCHS" },
        { "lr-max", 0, 0, G_OPTION_ARG_DOUBLE, &o->lr_max, "Peak learning rate (1e-3)", "LR" },
        { "lr-min", 0, 0, G_OPTION_ARG_DOUBLE, &o->lr_min, "Initial and final learning rate (1e-5)", "LR" },
        { "step-epochs", 0, 0, G_OPTION_ARG_DOUBLE, &o->step_epochs, "Step schedule: epochs between steps (10)", "EPOCHS" },
        { "step-gamma", 0, 0, G_OPTION_ARG_DOUBLE, &o->step_gamma, "Step schedule: factor at each step (0.1)", "F" },
        { "per-step-lr", 0, 0, G_OPTION_ARG_NONE, &o->per_step_lr, "Update the learning rate every step, not every epoch", NULL },
        { "ema", 0, 0, G_OPTION_ARG_DOUBLE, &o->ema, "Validate and save a moving average of the weights with this decay, e.g. 0.999 (0: off)", "DECAY" },
        { "no-augment", 0, 0, G_OPTION_ARG_NONE, &o->no_augment, "Train on the images as they are", NULL },
        { "rotation", 0, 0, G_OPTION_ARG_DOUBLE, &o->rotation, "Augmentation: largest rotation in degrees (10)", "DEG" },
        { "zoom", 0, 0, G_OPTION_ARG_DOUBLE, &o->zoom, "Augmentation: largest zoom, fraction (0.1)", "F" },
        { "shift", 0, 0, G_OPTION_ARG_DOUBLE, &o->shift, "Augmentation: largest shift, fraction of the side (0.1)", "F" },
        { "shear", 0, 0, G_OPTION_ARG_DOUBLE, &o->shear, "Augmentation: largest slant in degrees (0)", "DEG" },
        { "elastic", 0, 0, G_OPTION_ARG_STRING, &o->elastic, "Augmentation: elastic distortion, Simard et al. 2003 (off)", "ALPHA,SIGMA" },
        { "thickness", 0, 0, G_OPTION_ARG_DOUBLE, &o->thickness, "Augmentation: stroke thickness change, 0-1 (0)", "T" },
        { "erase", 0, 0, G_OPTION_ARG_DOUBLE, &o->erase, "Augmentation: probability of erasing a patch (0)", "P" },
        { "style", 0, 0, G_OPTION_ARG_DOUBLE, &o->style, "Augmentation: probability that a 0, 1 or 7 gets a slash, flag or bar (0)", "P" },
        { "outliers", 0, 0, G_OPTION_ARG_DOUBLE, &o->outliers, "Share of each batch that is synthetic non-digits trained to be unsure (0)", "F" },
        { "bn-recalibrate", 0, 0, G_OPTION_ARG_INT, &o->bn_recalibrate, "After each epoch, recompute BN statistics on N training images (0: the paper's running averages)", "N" },
        { "limit", 0, 0, G_OPTION_ARG_INT, &o->limit, "Train on the first N training images only", "N" },
        { "val-limit", 0, 0, G_OPTION_ARG_INT, &o->val_limit, "Validate on the first N validation images only", "N" },
        { "probe-every", 0, 0, G_OPTION_ARG_INT, &o->probe_every, "Also validate on a subset every N batches (0: only after each epoch)", "N" },
        { "probe-images", 0, 0, G_OPTION_ARG_INT, &o->probe_images, "Images of that subset (1000)", "N" },
        G_OPTION_ENTRY_NULL
    };
    return g_memdup2(entries, sizeof entries);
}

/* "a,b[,c]" into up to max numbers; FALSE if malformed. */
static gboolean
parse_list(const char *text, double *values, int max, int *count)
{
    g_auto(GStrv) parts = g_strsplit(text, ",", -1);
    *count = 0;
    for (char **p = parts; *p != NULL; p++) {
        char *end = NULL;
        double v = g_ascii_strtod(g_strstrip(*p), &end);
        if (*count == max || end == *p || *end != '\0')
            return FALSE;
        values[(*count)++] = v;
    }
    return *count > 0;
}

static gboolean
set_int(const char *command, const char *name, int given, int *field, int min, int max)
{
    if (given == UNSET_INT)
        return TRUE;
    if (!cli_check_range(command, name, given, min, max, FALSE))
        return FALSE;
    *field = given;
    return TRUE;
}

/* A double option: unset (NaN from init, and GOption never wrote it) or a
 * value to check. GOption does parse "nan"; it then fails the range check
 * because the option was given: see given_doubles. */
static gboolean
set_double(const char *command, const char *name, double given, gboolean was_given, double *field,
           double min, double max, gboolean min_open)
{
    if (!was_given)
        return TRUE;
    if (!cli_check_range(command, name, given, min, max, min_open))
        return FALSE;
    *field = given;
    return TRUE;
}

gboolean
recipe_options_resolve(const RecipeOptions *o, const char *command, NnModelConfig *model, NnTrainConfig *train,
                       int *limit, int *val_limit)
{
    const NnPreset *preset = nn_preset_find(o->preset != NULL ? o->preset : "paper");
    if (preset == NULL) {
        fprintf(stderr, "%s: unknown preset '%s'; the presets are", command, o->preset);
        for (int i = 0; i < nn_preset_count(); i++)
            fprintf(stderr, "%s %s", i ? "," : "", nn_preset_get(i)->name);
        fprintf(stderr, "\n");
        return FALSE;
    }
    *model = preset->model;
    *train = preset->train;
    *limit = preset->train_limit;
    *val_limit = preset->val_limit;

    /* Which doubles were given: GOption leaves the NaN of init otherwise.
     * "--zoom nan" also leaves NaN; the caller's argv scan tells them apart. */
    NnError err = { 0 };
    if (o->padding != NULL && nn_padding_parse(o->padding, &model->padding, &err) != NN_OK) {
        fprintf(stderr, "%s: %s\n", command, err.message);
        return FALSE;
    }
    int old_blocks = model->blocks;
    if (!set_int(command, "blocks", o->blocks, &model->blocks, 1, NN_MAX_BLOCKS) ||
        !set_int(command, "convs-per-block", o->convs_per_block, &model->convs_per_block, 1, 2) ||
        !set_int(command, "dense", o->dense, &model->dense, 0, 4096))
        return FALSE;
    if (o->filters != NULL) {
        double f[NN_MAX_BLOCKS];
        int n;
        if (!parse_list(o->filters, f, NN_MAX_BLOCKS, &n) || n != model->blocks) {
            fprintf(stderr, "%s: --filters needs one number per block (%d), e.g. 32,64\n", command, model->blocks);
            return FALSE;
        }
        for (int b = 0; b < NN_MAX_BLOCKS; b++) {
            if (b < n && !cli_check_range(command, "filters", f[b], 1, 512, FALSE))
                return FALSE;
            model->filters[b] = b < n ? (int)f[b] : 0;
        }
    } else if (model->blocks != old_blocks) {
        /* more or fewer blocks without --filters: double the filters per block */
        for (int b = 0; b < NN_MAX_BLOCKS; b++)
            model->filters[b] = b < model->blocks ? (b < old_blocks ? model->filters[b] : 2 * model->filters[b - 1]) : 0;
    }
    if (o->no_batch_norm)
        model->batch_norm = false;
    if (o->dropout != NULL) {
        double d[2];
        int n;
        if (!parse_list(o->dropout, d, 2, &n) || !cli_check_range(command, "dropout", d[0], 0, 0.95, FALSE) ||
            (n == 2 && !cli_check_range(command, "dropout", d[1], 0, 0.95, FALSE))) {
            fprintf(stderr, "%s: --dropout takes one or two rates from 0 to 0.95, e.g. 0.25,0.5\n", command);
            return FALSE;
        }
        model->dropout_conv = (float)d[0];
        model->dropout_dense = (float)(n == 2 ? d[1] : model->dropout_dense);
    }
    if (model->dense == 0)
        model->dropout_dense = 0.0f;
    if (nn_model_config_check(model, &err) != NN_OK) {
        fprintf(stderr, "%s: %s\n", command, err.message);
        return FALSE;
    }

    if (!set_int(command, "epochs", o->epochs, &train->epochs, 1, 100000) ||
        !set_int(command, "batch", o->batch, &train->batch, 1, 4096) ||
        !set_int(command, "threads", o->threads, &train->threads, 0, 1024) ||
        !set_int(command, "bn-recalibrate", o->bn_recalibrate, &train->bn_recalibrate, 0, 10000000) ||
        !set_int(command, "limit", o->limit, limit, 0, INT_MAX) ||
        !set_int(command, "val-limit", o->val_limit, val_limit, 0, INT_MAX) ||
        !set_int(command, "probe-every", o->probe_every, &train->probe_every, 0, 1000000) ||
        !set_int(command, "probe-images", o->probe_images, &train->probe_images, 1, 10000000))
        return FALSE;
    int seed = (int)train->seed;
    if (!set_int(command, "seed", o->seed, &seed, 0, INT_MAX))
        return FALSE;
    train->seed = (uint64_t)seed;
    if (train->probe_every > 0 && train->probe_images == 0)
        train->probe_images = 1000;
    if (o->optimizer != NULL) {
        int k = nn_optimizer_parse(o->optimizer);
        if (k < 0) {
            fprintf(stderr, "%s: --optimizer must be adam or sgd, not '%s'\n", command, o->optimizer);
            return FALSE;
        }
        train->optimizer = (NnOptimizerKind)k;
    }
    if (o->schedule != NULL) {
        int k = nn_schedule_kind_parse(o->schedule);
        if (k < 0) {
            fprintf(stderr, "%s: --schedule must be paper, constant, step or cosine, not '%s'\n", command, o->schedule);
            return FALSE;
        }
        train->schedule.kind = (NnScheduleKind)k;
    }
    if (o->per_step_lr)
        train->per_step_lr = true;
    if (o->no_augment)
        train->augment.enabled = false;
    float rotation = train->augment.rotation, zoom = train->augment.zoom, shift = train->augment.shift;
    const struct {
        const char *name;
        double given;
        double *field_d;
        float *field_f;
        double min, max;
        gboolean min_open;
    } doubles[] = {
        { "warmup", o->warmup, &train->schedule.warmup, NULL, 0, 100000, FALSE },
        { "lr-max", o->lr_max, &train->schedule.lr_max, NULL, 0, 10, TRUE },
        { "step-epochs", o->step_epochs, &train->schedule.step_epochs, NULL, 0, 100000, TRUE },
        { "step-gamma", o->step_gamma, &train->schedule.step_gamma, NULL, 0, 1, TRUE },
        { "momentum", o->momentum, NULL, &train->momentum, 0, 0.999, FALSE },
        { "ema", o->ema, NULL, &train->ema, 0, 0.99999, FALSE },
        { "rotation", o->rotation, NULL, &rotation, 0, 180, FALSE },
        { "zoom", o->zoom, NULL, &zoom, 0, 0.95, FALSE },
        { "shift", o->shift, NULL, &shift, 0, 1, FALSE },
        { "shear", o->shear, NULL, &train->augment.shear, 0, 45, FALSE },
        { "thickness", o->thickness, NULL, &train->augment.thickness, 0, 1, FALSE },
        { "erase", o->erase, NULL, &train->augment.erase, 0, 1, FALSE },
        { "style", o->style, NULL, &train->augment.style, 0, 1, FALSE },
        { "outliers", o->outliers, NULL, &train->outliers, 0, 0.5, FALSE },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(doubles); i++) {
        double v = doubles[i].field_d != NULL ? *doubles[i].field_d : *doubles[i].field_f;
        if (!set_double(command, doubles[i].name, doubles[i].given, !isnan(doubles[i].given) ||
                        cli_option_given(doubles[i].name), &v, doubles[i].min, doubles[i].max, doubles[i].min_open))
            return FALSE;
        if (doubles[i].field_d != NULL)
            *doubles[i].field_d = v;
        else
            *doubles[i].field_f = (float)v;
    }
    /* lr-min last: its range depends on lr-max */
    if (!set_double(command, "lr-min", o->lr_min, !isnan(o->lr_min) || cli_option_given("lr-min"),
                    &train->schedule.lr_min, 0, train->schedule.lr_max, FALSE))
        return FALSE;
    if (train->schedule.lr_min > train->schedule.lr_max)
        train->schedule.lr_min = train->schedule.lr_max;
    if (train->ema > 0 && train->ema < 0.5f) {
        fprintf(stderr, "%s: --ema is a decay from 0.5 to below 1 (0.999 averages the last ~1000 steps), or 0 for none\n",
                command);
        return FALSE;
    }
    train->augment.rotation = rotation;
    train->augment.zoom = zoom;
    train->augment.shift = shift;
    if (o->elastic != NULL) {
        double e[2];
        int n;
        if (!parse_list(o->elastic, e, 2, &n) || n != 2 ||
            !cli_check_range(command, "elastic alpha", e[0], 0, 100, FALSE) ||
            !cli_check_range(command, "elastic sigma", e[1], 0.5, 10, FALSE)) {
            fprintf(stderr, "%s: --elastic takes ALPHA,SIGMA in pixels, e.g. 8,4 (alpha 0-100, sigma 0.5-10)\n", command);
            return FALSE;
        }
        train->augment.elastic_alpha = (float)e[0];
        train->augment.elastic_sigma = (float)e[1];
    }
    return TRUE;
}

char *
recipe_describe(const NnModelConfig *model, const NnTrainConfig *t)
{
    char net[200];
    nn_model_config_describe(model, net, sizeof net);
    GString *s = g_string_new(net);
    g_string_append_printf(s, "; %s, %s schedule%s, lr %g-%g, %d epochs, batch %d, seed %llu",
                           nn_optimizer_name(t->optimizer), nn_schedule_kind_name(t->schedule.kind),
                           t->per_step_lr ? " per step" : "", t->schedule.lr_min, t->schedule.lr_max, t->epochs,
                           t->batch, (unsigned long long)t->seed);
    if (t->ema > 0)
        g_string_append_printf(s, ", EMA %g", t->ema);
    if (!t->augment.enabled)
        g_string_append(s, ", no augmentation");
    else {
        g_string_append_printf(s, ", augmentation rotation %g zoom %g shift %g", t->augment.rotation, t->augment.zoom,
                               t->augment.shift);
        if (t->augment.shear > 0)
            g_string_append_printf(s, " shear %g", t->augment.shear);
        if (t->augment.elastic_alpha > 0)
            g_string_append_printf(s, " elastic %g,%g", t->augment.elastic_alpha, t->augment.elastic_sigma);
        if (t->augment.thickness > 0)
            g_string_append_printf(s, " thickness %g", t->augment.thickness);
        if (t->augment.erase > 0)
            g_string_append_printf(s, " erase %g", t->augment.erase);
        if (t->augment.style > 0)
            g_string_append_printf(s, " style %g", t->augment.style);
    }
    if (t->outliers > 0)
        g_string_append_printf(s, ", non-digits %g", t->outliers);
    return g_string_free(s, FALSE);
}
