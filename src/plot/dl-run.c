/* dl-run.c — run folders; see dl-run.h. */
#include "dl-run.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dl-format.h"
#include "fileio.h"

#define RUN_JSON "run.json"
#define HISTORY_CSV "history.csv"
#define MODEL_DLM "model.dlm"
#define LOCK_FILE "lock"
#define EPOCHS_DIR "epochs"
#define FORMAT_NAME "digitlab-run"
#define MAX_HISTORY (16 * 1024 * 1024)
#define MAX_COPY ((gint64)4 << 30)

/* The files of a run folder that Digit Lab writes (and so may delete or
 * copy): its own, and the ablation's. */
static const char *const known_files[] = { RUN_JSON, HISTORY_CSV, MODEL_DLM, "log.txt", "done", NULL };

struct _DlRun {
    gatomicrefcount ref;
    char *dir;
    char *id;
    char *name;
    DlRunSettings settings;
    DlRunStatus status;   /* as stored */
    gboolean live;        /* a process held the lock when loaded (or this one holds it) */
    char *error_message;
    GDateTime *started;
    GDateTime *ended;
    char *engine_version;
    char *command;
    char *owner_program;
    gint64 owner_pid;
    char *owner_host;
    int epochs_done;
    gboolean has_final;
    NnEpochStats final;
    double seconds;

    int lock_fd;          /* >= 0 while this process owns the run */
    DlHistory *history;   /* the epochs so far, while this process trains it */
};

G_DEFINE_QUARK(dl-run-error-quark, dl_run_error)

static const char *const status_names[] = { "running", "finished", "stopped", "failed" };

const char *
dl_run_status_name(DlRunStatus status)
{
    return status <= DL_RUN_FAILED ? status_names[status] : "failed";
}

/* ---- small things ------------------------------------------------------------------ */

static char *
display_name(const char *path)
{
    return g_filename_display_name(path);
}

static char *
run_file(DlRun *run, const char *name)
{
    return g_build_filename(run->dir, name, NULL);
}

char *
dl_run_default_root(void)
{
    return g_build_filename(g_get_user_data_dir(), "digitlab", "runs", NULL);
}

static DlRun *
run_new(const char *dir)
{
    DlRun *run = g_new0(DlRun, 1);
    g_atomic_ref_count_init(&run->ref);
    run->dir = g_strdup(dir);
    run->lock_fd = -1;
    run->owner_pid = -1;
    run->settings.model = nn_model_config_default();
    run->settings.train = nn_train_config_default();
    return run;
}

DlRun *
dl_run_ref(DlRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);

    g_atomic_ref_count_inc(&run->ref);
    return run;
}

static void
release_lock(DlRun *run)
{
    if (run->lock_fd >= 0) {
        /* The lock file stays: removing it could race with a new owner. */
        flock(run->lock_fd, LOCK_UN);
        close(run->lock_fd);
        run->lock_fd = -1;
    }
}

void
dl_run_unref(DlRun *run)
{
    if (run == NULL || !g_atomic_ref_count_dec(&run->ref))
        return;
    release_lock(run);
    g_clear_object(&run->history);
    g_clear_pointer(&run->started, g_date_time_unref);
    g_clear_pointer(&run->ended, g_date_time_unref);
    g_free(run->dir);
    g_free(run->id);
    g_free(run->name);
    g_free(run->error_message);
    g_free(run->engine_version);
    g_free(run->command);
    g_free(run->owner_program);
    g_free(run->owner_host);
    g_free(run);
}

/* Whether some process holds the run's lock. */
static gboolean
lock_is_held(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, LOCK_FILE, NULL);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return FALSE;
    gboolean held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd); /* releases a shared lock taken just now */
    return held;
}

static gboolean
take_lock(DlRun *run, GError **error)
{
    if (run->lock_fd >= 0)
        return TRUE;
    g_autofree char *path = run_file(run, LOCK_FILE);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        int errsv = errno;
        g_autofree char *name = display_name(run->dir);
        g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_IO, _("Cannot write in the run folder %s: %s"), name,
                    g_strerror(errsv));
        return FALSE;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int errsv = errno;
        close(fd);
        g_autofree char *name = display_name(run->dir);
        if (errsv == EWOULDBLOCK)
            g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_BUSY,
                        _("The run in %s is being trained by another program right now"), name);
        else
            g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_IO, _("Cannot lock the run folder %s: %s"), name,
                        g_strerror(errsv));
        return FALSE;
    }
    run->lock_fd = fd;
    run->live = TRUE;
    run->owner_pid = getpid();
    g_free(run->owner_program);
    run->owner_program = g_strdup(g_get_prgname() != NULL ? g_get_prgname() : "digitlab");
    g_free(run->owner_host);
    run->owner_host = g_strdup(g_get_host_name());
    return TRUE;
}

static int
batches_per_epoch(const DlRunSettings *s)
{
    int images = 60000 - s->val_split - s->calibrate;
    if (s->train_limit > 0)
        images = MIN(images, s->train_limit);
    return images > 0 ? (images + s->train.batch - 1) / MAX(s->train.batch, 1) : 0;
}

/* An empty history set up for the run's schedule. */
static DlHistory *
history_for(const DlRunSettings *s)
{
    DlHistory *history = dl_history_new();
    dl_history_reset(history, &s->train.schedule, s->train.epochs, batches_per_epoch(s), s->train.per_step_lr);
    return history;
}

/* ---- run.json: writing --------------------------------------------------------------- */

/* A small JSON writer: numbers in the shortest form that reads back the
 * same (0.9, not 0.89999997615814209), two-space indentation. */
typedef struct {
    GString *out;
    int depth;
    gboolean first;
} Json;

static void
json_newline(Json *j)
{
    g_string_append_c(j->out, '\n');
    for (int i = 0; i < j->depth; i++)
        g_string_append(j->out, "  ");
}

static void
json_key(Json *j, const char *key)
{
    if (!j->first)
        g_string_append_c(j->out, ',');
    j->first = FALSE;
    json_newline(j);
    if (key != NULL)
        g_string_append_printf(j->out, "\"%s\": ", key);
}

static void
json_string_value(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\')
            g_string_append_printf(out, "\\%c", *c);
        else if (*c == '\n')
            g_string_append(out, "\\n");
        else if (*c < 0x20)
            g_string_append_printf(out, "\\u%04x", *c);
        else
            g_string_append_c(out, (char)*c);
    }
    g_string_append_c(out, '"');
}

static void
json_begin(Json *j, const char *key, char bracket)
{
    if (j->depth > 0 || key != NULL)
        json_key(j, key);
    g_string_append_c(j->out, bracket);
    j->depth++;
    j->first = TRUE;
}

static void
json_end(Json *j, char bracket)
{
    j->depth--;
    json_newline(j);
    g_string_append_c(j->out, bracket);
    j->first = FALSE;
}

static void
json_str(Json *j, const char *key, const char *value)
{
    json_key(j, key);
    if (value == NULL)
        g_string_append(j->out, "null");
    else
        json_string_value(j->out, value);
}

static void
json_int(Json *j, const char *key, gint64 value)
{
    json_key(j, key);
    g_string_append_printf(j->out, "%" G_GINT64_FORMAT, value);
}

static void
json_bool(Json *j, const char *key, gboolean value)
{
    json_key(j, key);
    g_string_append(j->out, value ? "true" : "false");
}

/* The shortest %g that reads back as value (as a float when is_float). */
static void
format_number(char *buf, size_t size, double value, gboolean is_float)
{
    if (!isfinite(value)) {
        g_strlcpy(buf, "null", size);
        return;
    }
    for (int digits = 6; digits <= 17; digits++) {
        char format[8];
        g_snprintf(format, sizeof format, "%%.%dg", digits);
        g_ascii_formatd(buf, size, format, value);
        double back = g_ascii_strtod(buf, NULL);
        if (is_float ? (float)back == (float)value : back == value)
            return;
    }
}

static void
json_number(Json *j, const char *key, double value, gboolean is_float)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    format_number(buf, sizeof buf, value, is_float);
    json_key(j, key);
    g_string_append(j->out, buf);
}

static char *
format_time(GDateTime *t)
{
    return t != NULL ? g_date_time_format(t, "%Y-%m-%dT%H:%M:%S%:z") : NULL;
}

static void
json_stats(Json *j, const char *key, const NnEpochStats *s)
{
    json_begin(j, key, '{');
    json_int(j, "epoch", s->epoch);
    json_number(j, "lr", s->lr, FALSE);
    json_number(j, "train_loss", s->train_loss, FALSE);
    json_number(j, "train_accuracy", s->train_accuracy, FALSE);
    json_number(j, "val_loss", s->val_loss, FALSE);
    json_number(j, "val_accuracy", s->val_accuracy, FALSE);
    json_number(j, "seconds", s->seconds, FALSE);
    json_number(j, "images_per_second", s->images_per_s, FALSE);
    json_end(j, '}');
}

static char *
run_to_json(DlRun *run, gsize *length)
{
    const NnModelConfig *m = &run->settings.model;
    const NnTrainConfig *t = &run->settings.train;
    const NnAugment *a = &t->augment;
    Json j = { g_string_new(NULL), 0, TRUE };

    json_begin(&j, NULL, '{');
    json_str(&j, "format", FORMAT_NAME);
    json_int(&j, "version", DL_RUN_FORMAT_VERSION);
    json_str(&j, "id", run->id);
    json_str(&j, "name", run->name);
    json_str(&j, "status", dl_run_status_name(run->status));
    json_str(&j, "error", run->error_message);
    g_autofree char *started = format_time(run->started), *ended = format_time(run->ended);
    json_str(&j, "started", started);
    json_str(&j, "ended", ended);
    json_str(&j, "engine_version", run->engine_version);
    json_str(&j, "command", run->command);
    json_begin(&j, "owner", '{');
    json_str(&j, "program", run->owner_program);
    json_int(&j, "pid", run->owner_pid);
    json_str(&j, "host", run->owner_host);
    json_end(&j, '}');
    json_int(&j, "seed", (gint64)t->seed);
    json_int(&j, "threads", t->threads);
    json_int(&j, "epochs_done", run->epochs_done);
    json_number(&j, "seconds", run->seconds, FALSE);
    if (run->has_final)
        json_stats(&j, "final", &run->final);
    else
        json_str(&j, "final", NULL);

    json_begin(&j, "network", '{');
    json_str(&j, "padding", nn_padding_name(m->padding));
    json_int(&j, "blocks", m->blocks);
    json_int(&j, "convs_per_block", m->convs_per_block);
    json_key(&j, "filters");
    g_string_append_c(j.out, '[');
    for (int b = 0; b < m->blocks && b < NN_MAX_BLOCKS; b++)
        g_string_append_printf(j.out, "%s%d", b > 0 ? ", " : "", m->filters[b]);
    g_string_append_c(j.out, ']');
    json_int(&j, "dense", m->dense);
    json_bool(&j, "batch_norm", m->batch_norm);
    json_number(&j, "dropout_conv", m->dropout_conv, TRUE);
    json_number(&j, "dropout_dense", m->dropout_dense, TRUE);
    json_end(&j, '}');

    json_begin(&j, "recipe", '{');
    json_int(&j, "epochs", t->epochs);
    json_int(&j, "batch", t->batch);
    json_str(&j, "optimizer", nn_optimizer_name(t->optimizer));
    json_number(&j, "momentum", t->momentum, TRUE);
    json_str(&j, "schedule", nn_schedule_kind_name(t->schedule.kind));
    json_number(&j, "lr_max", t->schedule.lr_max, FALSE);
    json_number(&j, "lr_min", t->schedule.lr_min, FALSE);
    json_number(&j, "warmup", t->schedule.warmup, FALSE);
    json_number(&j, "step_epochs", t->schedule.step_epochs, FALSE);
    json_number(&j, "step_gamma", t->schedule.step_gamma, FALSE);
    json_bool(&j, "per_step_lr", t->per_step_lr);
    json_number(&j, "ema", t->ema, TRUE);
    json_begin(&j, "augment", '{');
    json_bool(&j, "enabled", a->enabled);
    json_number(&j, "rotation", a->rotation, TRUE);
    json_number(&j, "zoom", a->zoom, TRUE);
    json_number(&j, "shift", a->shift, TRUE);
    json_number(&j, "shear", a->shear, TRUE);
    json_number(&j, "elastic_alpha", a->elastic_alpha, TRUE);
    json_number(&j, "elastic_sigma", a->elastic_sigma, TRUE);
    json_number(&j, "thickness", a->thickness, TRUE);
    json_number(&j, "erase", a->erase, TRUE);
    json_number(&j, "style", a->style, TRUE);
    json_end(&j, '}');
    json_number(&j, "outliers", t->outliers, TRUE);
    json_int(&j, "bn_recalibrate", t->bn_recalibrate);
    json_int(&j, "probe_every", t->probe_every);
    json_int(&j, "probe_images", t->probe_images);
    json_end(&j, '}');

    json_begin(&j, "data", '{');
    json_int(&j, "train_images", run->settings.train_limit);
    json_int(&j, "val_images", run->settings.val_limit);
    json_int(&j, "val_split", run->settings.val_split);
    json_int(&j, "calibrate", run->settings.calibrate);
    json_end(&j, '}');
    json_bool(&j, "snapshots", run->settings.snapshots);
    json_end(&j, '}');
    g_string_append_c(j.out, '\n');
    *length = j.out->len;
    return g_string_free(j.out, FALSE);
}

/* nn_file_replace's error as a GError of ours. */
static gboolean
io_error(GError **error, const char *what, const NnError *err)
{
    g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_IO, "%s: %s", what, err->message);
    return FALSE;
}

static gboolean
write_json(DlRun *run, GError **error)
{
    gsize length;
    g_autofree char *text = run_to_json(run, &length);
    g_autofree char *path = run_file(run, RUN_JSON);
    NnError err = { 0 };
    if (nn_file_replace(path, text, length, &err) != NN_OK) {
        g_autofree char *name = display_name(run->dir);
        g_autofree char *what = g_strdup_printf(_("Could not write the run's record in %s"), name);
        return io_error(error, what, &err);
    }
    return TRUE;
}

/* ---- run.json: reading ----------------------------------------------------------------- */

typedef struct {
    const char *section; /* "recipe", or NULL at the top */
    GString *problem;    /* the first problem found */
} Check;

static void
problem(Check *c, const char *member, const char *what)
{
    if (c->problem->len > 0)
        return;
    g_string_append_printf(c->problem, "“%s%s%s” %s", c->section != NULL ? c->section : "",
                           c->section != NULL ? "." : "", member, what);
}

/* The member's node, or NULL if absent or null (absent is fine: the
 * default stays). */
static JsonNode *
member(JsonObject *o, const char *name)
{
    JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;
    return n != NULL && !JSON_NODE_HOLDS_NULL(n) ? n : NULL;
}

static gboolean
is_number(JsonNode *n)
{
    if (!JSON_NODE_HOLDS_VALUE(n))
        return FALSE;
    GType t = json_node_get_value_type(n);
    return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

static void
read_double(Check *c, JsonObject *o, const char *name, double min, double max, double *out)
{
    JsonNode *n = member(o, name);
    if (n == NULL)
        return;
    double v = is_number(n) ? json_node_get_double(n) : NAN;
    if (!isfinite(v) || v < min || v > max) {
        char lo[G_ASCII_DTOSTR_BUF_SIZE], hi[G_ASCII_DTOSTR_BUF_SIZE], what[128];
        g_ascii_formatd(lo, sizeof lo, "%g", min);
        g_ascii_formatd(hi, sizeof hi, "%g", max);
        g_snprintf(what, sizeof what, _("must be a number from %s to %s"), lo, hi);
        problem(c, name, what);
        return;
    }
    *out = v;
}

static void
read_float(Check *c, JsonObject *o, const char *name, double min, double max, float *out)
{
    double v = *out;
    read_double(c, o, name, min, max, &v);
    *out = (float)v;
}

static void
read_int(Check *c, JsonObject *o, const char *name, gint64 min, gint64 max, gint64 *out)
{
    JsonNode *n = member(o, name);
    if (n == NULL)
        return;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64 || json_node_get_int(n) < min
        || json_node_get_int(n) > max) {
        char what[128];
        g_snprintf(what, sizeof what, _("must be a whole number from %lld to %lld"), (long long)min, (long long)max);
        problem(c, name, what);
        return;
    }
    *out = json_node_get_int(n);
}

static void
read_int32(Check *c, JsonObject *o, const char *name, int min, int max, int *out)
{
    gint64 v = *out;
    read_int(c, o, name, min, max, &v);
    *out = (int)v;
}

static void
read_bool(Check *c, JsonObject *o, const char *name, gboolean *out)
{
    JsonNode *n = member(o, name);
    if (n == NULL)
        return;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN) {
        problem(c, name, _("must be true or false"));
        return;
    }
    *out = json_node_get_boolean(n);
}

static void
read_c_bool(Check *c, JsonObject *o, const char *name, bool *out)
{
    gboolean v = *out;
    read_bool(c, o, name, &v);
    *out = v;
}

/* A string member (NULL if absent); at most max_length bytes of UTF-8. */
static const char *
read_string(Check *c, JsonObject *o, const char *name, gsize max_length)
{
    JsonNode *n = member(o, name);
    if (n == NULL)
        return NULL;
    const char *s = JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
                        ? json_node_get_string(n) : NULL;
    if (s == NULL || strlen(s) > max_length || !g_utf8_validate(s, -1, NULL)) {
        problem(c, name, _("must be a short text"));
        return NULL;
    }
    return s;
}

static JsonObject *
read_object(Check *c, JsonObject *o, const char *name, gboolean required)
{
    JsonNode *n = member(o, name);
    if (n == NULL) {
        if (required)
            problem(c, name, _("is missing"));
        return NULL;
    }
    if (!JSON_NODE_HOLDS_OBJECT(n)) {
        problem(c, name, _("must be an object"));
        return NULL;
    }
    return json_node_get_object(n);
}

static void
read_stats(Check *c, JsonObject *o, NnEpochStats *s)
{
    gint64 epoch = 0;
    read_int(c, o, "epoch", 1, 1000000, &epoch);
    s->epoch = (int)epoch;
    read_double(c, o, "lr", 0, 1e6, &s->lr);
    /* A loss is any finite float: a run about to diverge records huge ones. */
    read_double(c, o, "train_loss", 0, FLT_MAX, &s->train_loss);
    read_double(c, o, "train_accuracy", 0, 1, &s->train_accuracy);
    read_double(c, o, "val_loss", 0, FLT_MAX, &s->val_loss);
    read_double(c, o, "val_accuracy", 0, 1, &s->val_accuracy);
    read_double(c, o, "seconds", 0, 1e12, &s->seconds);
    read_double(c, o, "images_per_second", 0, 1e12, &s->images_per_s);
}

static void
read_network(Check *c, JsonObject *o, NnModelConfig *m)
{
    c->section = "network";
    const char *padding = read_string(c, o, "padding", 16);
    NnError err = { 0 };
    if (padding != NULL && nn_padding_parse(padding, &m->padding, &err) != NN_OK)
        problem(c, "padding", _("must be same or valid"));
    read_int32(c, o, "blocks", 1, NN_MAX_BLOCKS, &m->blocks);
    read_int32(c, o, "convs_per_block", 1, 2, &m->convs_per_block);
    JsonNode *filters = member(o, "filters");
    if (filters != NULL) {
        JsonArray *a = JSON_NODE_HOLDS_ARRAY(filters) ? json_node_get_array(filters) : NULL;
        if (a == NULL || (int)json_array_get_length(a) != m->blocks) {
            problem(c, "filters", _("must list one number per block"));
        } else {
            for (int b = 0; b < NN_MAX_BLOCKS; b++) {
                JsonNode *f = b < m->blocks ? json_array_get_element(a, (guint)b) : NULL;
                if (f != NULL && (!JSON_NODE_HOLDS_VALUE(f) || json_node_get_value_type(f) != G_TYPE_INT64
                                  || json_node_get_int(f) < 1 || json_node_get_int(f) > 512))
                    problem(c, "filters", _("must be whole numbers from 1 to 512"));
                m->filters[b] = f != NULL && c->problem->len == 0 ? (int)json_node_get_int(f) : 0;
            }
        }
    }
    read_int32(c, o, "dense", 0, 4096, &m->dense);
    read_c_bool(c, o, "batch_norm", &m->batch_norm);
    read_float(c, o, "dropout_conv", 0, 0.95, &m->dropout_conv);
    read_float(c, o, "dropout_dense", 0, 0.95, &m->dropout_dense);
    if (c->problem->len == 0 && nn_model_config_check(m, &err) != NN_OK)
        problem(c, "", err.message);
}

static void
read_recipe(Check *c, JsonObject *o, NnTrainConfig *t)
{
    c->section = "recipe";
    read_int32(c, o, "epochs", 1, 100000, &t->epochs);
    read_int32(c, o, "batch", 1, 4096, &t->batch);
    const char *optimizer = read_string(c, o, "optimizer", 16);
    if (optimizer != NULL) {
        int k = nn_optimizer_parse(optimizer);
        if (k < 0)
            problem(c, "optimizer", _("must be adam or sgd"));
        else
            t->optimizer = (NnOptimizerKind)k;
    }
    read_float(c, o, "momentum", 0, 0.999, &t->momentum);
    const char *schedule = read_string(c, o, "schedule", 16);
    if (schedule != NULL) {
        int k = nn_schedule_kind_parse(schedule);
        if (k < 0)
            problem(c, "schedule", _("must be paper, constant, step or cosine"));
        else
            t->schedule.kind = (NnScheduleKind)k;
    }
    read_double(c, o, "lr_max", 1e-12, 10, &t->schedule.lr_max);
    read_double(c, o, "lr_min", 0, 10, &t->schedule.lr_min);
    if (t->schedule.lr_min > t->schedule.lr_max)
        problem(c, "lr_min", _("must not be above lr_max"));
    read_double(c, o, "warmup", 0, 100000, &t->schedule.warmup);
    read_double(c, o, "step_epochs", 1e-6, 100000, &t->schedule.step_epochs);
    read_double(c, o, "step_gamma", 1e-12, 1, &t->schedule.step_gamma);
    t->schedule.epochs = t->epochs;
    read_c_bool(c, o, "per_step_lr", &t->per_step_lr);
    read_float(c, o, "ema", 0, 0.99999, &t->ema);
    JsonObject *a = read_object(c, o, "augment", FALSE);
    if (a != NULL) {
        NnAugment *g = &t->augment;
        c->section = "recipe.augment";
        read_c_bool(c, a, "enabled", &g->enabled);
        read_float(c, a, "rotation", 0, 180, &g->rotation);
        read_float(c, a, "zoom", 0, 0.95, &g->zoom);
        read_float(c, a, "shift", 0, 1, &g->shift);
        read_float(c, a, "shear", 0, 45, &g->shear);
        read_float(c, a, "elastic_alpha", 0, 100, &g->elastic_alpha);
        read_float(c, a, "elastic_sigma", 0, 10, &g->elastic_sigma);
        read_float(c, a, "thickness", 0, 1, &g->thickness);
        read_float(c, a, "erase", 0, 1, &g->erase);
        read_float(c, a, "style", 0, 1, &g->style);
        const char *why = c->problem->len == 0 ? nn_augment_check(g) : NULL;
        if (why != NULL)
            problem(c, "", why);
        c->section = "recipe";
    }
    read_float(c, o, "outliers", 0, 0.5, &t->outliers);
    read_int32(c, o, "bn_recalibrate", 0, 10000000, &t->bn_recalibrate);
    read_int32(c, o, "probe_every", 0, 1000000, &t->probe_every);
    read_int32(c, o, "probe_images", 0, 10000000, &t->probe_images);
}

static GDateTime *
read_time(Check *c, JsonObject *o, const char *name, gboolean required)
{
    const char *text = read_string(c, o, name, 64);
    if (text == NULL) {
        if (required)
            problem(c, name, _("is missing"));
        return NULL;
    }
    GDateTime *t = g_date_time_new_from_iso8601(text, NULL);
    if (t == NULL)
        problem(c, name, _("must be a date and time (ISO 8601)"));
    return t;
}

static gboolean
corrupt(GError **error, const char *dir, const char *why)
{
    g_autofree char *name = display_name(dir);
    g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_CORRUPT, _("%s is not a readable run: %s"), name, why);
    return FALSE;
}

static gboolean
parse_run(DlRun *run, const char *text, gsize length, GError **error)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) json_error = NULL;
    if (memchr(text, '\0', length) != NULL || !g_utf8_validate(text, (gssize)length, NULL))
        return corrupt(error, run->dir, _("run.json is not text"));
    if (!json_parser_load_from_data(parser, text, (gssize)length, &json_error)) {
        g_autofree char *why = g_strdup_printf(_("run.json is not valid JSON (%s)"), json_error->message);
        return corrupt(error, run->dir, why);
    }
    JsonNode *root = json_parser_get_root(parser);
    if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
        return corrupt(error, run->dir, _("run.json holds no object"));
    JsonObject *o = json_node_get_object(root);

    g_autoptr(GString) why = g_string_new(NULL);
    Check c = { NULL, why };
    const char *format = read_string(&c, o, "format", 64);
    if (g_strcmp0(format, FORMAT_NAME) != 0)
        return corrupt(error, run->dir, _("run.json is not a Digit Lab run"));
    gint64 version = 0;
    read_int(&c, o, "version", 1, G_MAXINT, &version);
    if (version > DL_RUN_FORMAT_VERSION) {
        g_autofree char *name = display_name(run->dir);
        g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_CORRUPT,
                    _("%s was written by a newer Digit Lab (run format %d): update Digit Lab to open it"), name,
                    (int)version);
        return FALSE;
    }
    if (version < 1)
        problem(&c, "version", _("is missing"));

    const char *id = read_string(&c, o, "id", 64), *name = read_string(&c, o, "name", 1024);
    const char *status = read_string(&c, o, "status", 16);
    if (id == NULL || *id == '\0')
        problem(&c, "id", _("is missing"));
    if (name == NULL)
        problem(&c, "name", _("is missing"));
    int k = -1;
    for (int i = 0; status != NULL && i < (int)G_N_ELEMENTS(status_names); i++)
        if (strcmp(status, status_names[i]) == 0)
            k = i;
    if (k < 0)
        problem(&c, "status", _("must be running, finished, stopped or failed"));
    run->started = read_time(&c, o, "started", TRUE);
    run->ended = read_time(&c, o, "ended", FALSE);
    run->error_message = g_strdup(read_string(&c, o, "error", 4096));
    run->engine_version = g_strdup(read_string(&c, o, "engine_version", 64));
    run->command = g_strdup(read_string(&c, o, "command", 65536));
    JsonObject *owner = read_object(&c, o, "owner", FALSE);
    run->owner_program = g_strdup(read_string(&c, owner, "program", 256));
    read_int(&c, owner, "pid", -1, G_MAXINT64, &run->owner_pid);
    run->owner_host = g_strdup(read_string(&c, owner, "host", 256));
    gint64 seed = (gint64)run->settings.train.seed;
    read_int(&c, o, "seed", 0, G_MAXINT64, &seed);
    run->settings.train.seed = (uint64_t)seed;
    read_int32(&c, o, "threads", 1, 1024, &run->settings.train.threads);
    read_int32(&c, o, "epochs_done", 0, 1000000, &run->epochs_done);
    read_double(&c, o, "seconds", 0, 1e12, &run->seconds);
    JsonObject *final = read_object(&c, o, "final", FALSE);
    if (final != NULL) {
        c.section = "final";
        read_stats(&c, final, &run->final);
        run->has_final = run->final.epoch > 0;
        c.section = NULL;
    }
    JsonObject *network = read_object(&c, o, "network", TRUE);
    JsonObject *recipe = read_object(&c, o, "recipe", TRUE);
    if (network != NULL)
        read_network(&c, network, &run->settings.model);
    if (recipe != NULL)
        read_recipe(&c, recipe, &run->settings.train);
    c.section = NULL;
    JsonObject *data = read_object(&c, o, "data", FALSE);
    c.section = "data";
    read_int32(&c, data, "train_images", 0, G_MAXINT, &run->settings.train_limit);
    read_int32(&c, data, "val_images", 0, G_MAXINT, &run->settings.val_limit);
    read_int32(&c, data, "val_split", 0, G_MAXINT, &run->settings.val_split);
    read_int32(&c, data, "calibrate", 0, G_MAXINT, &run->settings.calibrate);
    c.section = NULL;
    read_bool(&c, o, "snapshots", &run->settings.snapshots);
    if (why->len > 0)
        return corrupt(error, run->dir, why->str);

    run->id = g_strdup(id);
    run->name = g_strdup(name);
    run->status = (DlRunStatus)k;
    if (run->has_final)
        run->final.epochs = run->settings.train.epochs;
    return TRUE;
}

DlRun *
dl_run_load(const char *dir, GError **error)
{
    g_return_val_if_fail(dir != NULL, NULL);

    g_autoptr(DlRun) run = run_new(dir);
    g_autofree char *path = run_file(run, RUN_JSON);
    struct stat st;
    if (g_stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        corrupt(error, dir, _("it is not a folder"));
        return NULL;
    }
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        corrupt(error, dir, _("it holds no run.json"));
        return NULL;
    }
    unsigned char *data = NULL;
    size_t size = 0;
    NnError err = { 0 };
    if (nn_file_read(path, DL_RUN_MAX_JSON, "run record", &data, &size, &err) != NN_OK) {
        corrupt(error, dir, err.message);
        return NULL;
    }
    gboolean ok = parse_run(run, (const char *)data, size, error);
    free(data);
    if (!ok)
        return NULL;
    run->live = lock_is_held(dir);
    return g_steal_pointer(&run);
}

/* ---- creating ------------------------------------------------------------------------------ */

static void
count_names(const char *root, GHashTable *names, int *count)
{
    g_autoptr(GPtrArray) runs = dl_run_list(root, NULL);
    *count = (int)runs->len;
    for (guint i = 0; i < runs->len; i++)
        g_hash_table_add(names, g_strdup(dl_run_get_name(runs->pdata[i])));
}

char *
dl_run_next_name(const char *root)
{
    g_return_val_if_fail(root != NULL, NULL);

    g_autoptr(GHashTable) names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    int count = 0;
    count_names(root, names, &count);
    for (int n = count + 1;; n++) {
        char *name = g_strdup_printf(_("Run %d"), n);
        if (!g_hash_table_contains(names, name))
            return name;
        g_free(name);
    }
}

/* A new folder under root, named by the time. */
static char *
make_run_folder(const char *root, GError **error)
{
    if (g_mkdir_with_parents(root, 0755) != 0) {
        int errsv = errno;
        g_autofree char *name = display_name(root);
        g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_IO, _("Cannot create the folder of runs %s: %s"), name,
                    g_strerror(errsv));
        return NULL;
    }
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
    for (int i = 1; i < 1000; i++) {
        g_autofree char *base = i == 1 ? g_strdup(stamp) : g_strdup_printf("%s-%d", stamp, i);
        char *dir = g_build_filename(root, base, NULL);
        if (g_mkdir(dir, 0755) == 0)
            return dir;
        int errsv = errno;
        g_free(dir);
        if (errsv != EEXIST) {
            g_autofree char *name = display_name(root);
            g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_IO, _("Cannot create a run folder in %s: %s"), name,
                        g_strerror(errsv));
            return NULL;
        }
    }
    g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_IO, _("Too many runs were started this second"));
    return NULL;
}

DlRun *
dl_run_create(const char *dir, const char *root, const char *name, const DlRunSettings *settings,
              const char *command, GError **error)
{
    g_return_val_if_fail(dir != NULL || root != NULL, NULL);
    g_return_val_if_fail(settings != NULL, NULL);

    g_autofree char *folder = NULL;
    gboolean made = FALSE;
    if (dir == NULL) {
        folder = make_run_folder(root, error);
        if (folder == NULL)
            return NULL;
        made = TRUE;
    } else {
        folder = g_strdup(dir);
        if (!g_file_test(folder, G_FILE_TEST_IS_DIR)) {
            if (g_mkdir_with_parents(folder, 0755) != 0) {
                int errsv = errno;
                g_autofree char *shown = display_name(folder);
                g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_IO, _("Cannot create the run folder %s: %s"), shown,
                            g_strerror(errsv));
                return NULL;
            }
            made = TRUE;
        }
        g_autofree char *json = g_build_filename(folder, RUN_JSON, NULL);
        if (g_file_test(json, G_FILE_TEST_EXISTS)) {
            g_autofree char *shown = display_name(folder);
            g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_EXISTS, _("%s holds a run already"), shown);
            return NULL;
        }
    }

    g_autoptr(DlRun) run = run_new(folder);
    run->settings = *settings;
    if (run->settings.train.threads <= 0)
        run->settings.train.threads = (int)g_get_num_processors();
    run->settings.train.schedule.epochs = run->settings.train.epochs;
    run->id = g_uuid_string_random();
    if (name != NULL && *name != '\0')
        run->name = g_strdup(name);
    else if (dir == NULL)
        run->name = dl_run_next_name(root);
    else
        run->name = g_filename_display_basename(folder);
    run->status = DL_RUN_RUNNING;
    run->started = g_date_time_new_now_local();
    run->engine_version = g_strdup(DIGITLAB_VERSION);
    run->command = g_strdup(command);
    run->history = history_for(&run->settings);
    if (!take_lock(run, error) || !write_json(run, error)) {
        if (made) {
            /* Only what was made here goes. */
            g_autofree char *lock = run_file(run, LOCK_FILE);
            release_lock(run);
            g_unlink(lock);
            g_rmdir(folder);
        }
        return NULL;
    }
    return g_steal_pointer(&run);
}

/* ---- reading what is there -------------------------------------------------------------------- */

const char *dl_run_get_dir(DlRun *run) { return run->dir; }
const char *dl_run_get_id(DlRun *run) { return run->id; }
const char *dl_run_get_name(DlRun *run) { return run->name; }
const DlRunSettings *dl_run_get_settings(DlRun *run) { return &run->settings; }
gboolean dl_run_get_live(DlRun *run) { return run->lock_fd >= 0 || run->live; }
GDateTime *dl_run_get_started(DlRun *run) { return run->started; }
const char *dl_run_get_engine_version(DlRun *run) { return run->engine_version; }
const char *dl_run_get_command(DlRun *run) { return run->command; }
int dl_run_get_epochs_done(DlRun *run) { return run->epochs_done; }
double dl_run_get_seconds(DlRun *run) { return run->seconds; }

gboolean
dl_run_get_interrupted(DlRun *run)
{
    return run->status == DL_RUN_RUNNING && !dl_run_get_live(run);
}

DlRunStatus
dl_run_get_status(DlRun *run)
{
    return dl_run_get_interrupted(run) ? DL_RUN_STOPPED : run->status;
}

const char *
dl_run_get_error_message(DlRun *run)
{
    return run->status == DL_RUN_FAILED ? run->error_message : NULL;
}

GDateTime *
dl_run_get_ended(DlRun *run)
{
    return run->status == DL_RUN_RUNNING ? NULL : run->ended;
}

const NnEpochStats *
dl_run_get_final(DlRun *run)
{
    return run->has_final ? &run->final : NULL;
}

char *
dl_run_get_model_path(DlRun *run)
{
    return run_file(run, MODEL_DLM);
}

gboolean
dl_run_has_model(DlRun *run)
{
    g_autofree char *path = run_file(run, MODEL_DLM);
    return g_file_test(path, G_FILE_TEST_IS_REGULAR);
}

gboolean
dl_run_can_resume(DlRun *run, char **why)
{
    const char *reason = NULL;
    if (dl_run_get_live(run))
        reason = _("It is training now.");
    else if (dl_run_get_status(run) == DL_RUN_FINISHED)
        reason = _("It has finished all its epochs.");
    else if (dl_run_get_status(run) == DL_RUN_FAILED)
        reason = _("It failed; train it anew instead.");
    else if (run->settings.train.ema > 0)
        reason = _("Runs with a weight average (EMA) keep no optimizer state and cannot be resumed.");
    else if (!dl_run_has_model(run))
        reason = _("No epoch of it finished, so there is no model to go on from.");
    else if (run->epochs_done >= run->settings.train.epochs)
        reason = _("It has done all its epochs.");
    if (why != NULL)
        *why = g_strdup(reason);
    return reason == NULL;
}

gboolean
dl_run_set_name(DlRun *run, const char *name, GError **error)
{
    g_return_val_if_fail(run != NULL && name != NULL, FALSE);

    g_autofree char *clean = g_strstrip(g_strdup(name));
    if (*clean == '\0' || !g_utf8_validate(clean, -1, NULL) || strlen(clean) > 1024) {
        g_set_error_literal(error, DL_RUN_ERROR, DL_RUN_ERROR_CORRUPT, _("A run needs a name"));
        return FALSE;
    }
    if (run->lock_fd < 0 && lock_is_held(run->dir)) {
        g_set_error_literal(error, DL_RUN_ERROR, DL_RUN_ERROR_BUSY,
                            _("The run is training: rename it once it has ended"));
        return FALSE;
    }
    char *old = run->name;
    run->name = g_steal_pointer(&clean);
    if (!write_json(run, error)) {
        g_free(run->name);
        run->name = old;
        return FALSE;
    }
    g_free(old);
    return TRUE;
}

/* The history.csv of the run as a history (without a schedule); an absent
 * file is an empty history. */
static DlHistory *
read_history_file(DlRun *run, GError **error)
{
    g_autoptr(DlHistory) history = dl_history_new();
    g_autofree char *path = run_file(run, HISTORY_CSV);
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return g_steal_pointer(&history);
    unsigned char *data = NULL;
    size_t size = 0;
    NnError err = { 0 };
    if (nn_file_read(path, MAX_HISTORY, "history", &data, &size, &err) != NN_OK) {
        corrupt(error, run->dir, err.message);
        return NULL;
    }
    g_autofree char *shown = display_name(path);
    g_autoptr(GError) parse_error = NULL;
    gboolean ok = dl_history_parse_csv(history, (const char *)data, size, shown, &parse_error);
    free(data);
    if (!ok) {
        corrupt(error, run->dir, parse_error->message);
        return NULL;
    }
    return g_steal_pointer(&history);
}

/* Into a history with the run's schedule, the epochs up to keep (all if < 0). */
static DlHistory *
history_with_schedule(DlRun *run, DlHistory *from, int keep)
{
    DlHistory *history = history_for(&run->settings);
    guint n;
    const NnEpochStats *epochs = dl_history_get_epochs(from, &n);
    for (guint i = 0; i < n && (keep < 0 || epochs[i].epoch <= keep); i++) {
        NnEpochStats s = epochs[i];
        s.epochs = run->settings.train.epochs;
        dl_history_add_epoch(history, &s);
    }
    return history;
}

DlHistory *
dl_run_load_history(DlRun *run, GError **error)
{
    g_return_val_if_fail(run != NULL, NULL);

    g_autoptr(DlHistory) file = read_history_file(run, error);
    return file != NULL ? history_with_schedule(run, file, -1) : NULL;
}

/* ---- training ----------------------------------------------------------------------------------- */

NnModel *
dl_run_prepare_resume(DlRun *run, int epochs, GError **error)
{
    g_return_val_if_fail(run != NULL, NULL);

    g_autofree char *name = display_name(run->dir);
    if (run->settings.train.ema > 0) {
        g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_CANNOT_RESUME,
                    _("The run in %s averages its weights (EMA): its model cannot be trained further exactly"),
                    name);
        return NULL;
    }
    if (run->status == DL_RUN_FAILED) {
        g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_CANNOT_RESUME,
                    _("The run in %s failed (%s): train it anew instead"), name,
                    run->error_message != NULL ? run->error_message : "");
        return NULL;
    }
    if (!take_lock(run, error))
        return NULL;
    g_autofree char *model_path = run_file(run, MODEL_DLM);
    NnModel *model = NULL;
    NnError err = { 0 };
    const char *problem_text = NULL;
    char problem_buffer[512];
    if (!g_file_test(model_path, G_FILE_TEST_EXISTS)) {
        problem_text = _("no epoch of it finished, so there is no model to go on from");
    } else if (nn_model_load(model_path, &model, &err) != NN_OK) {
        g_snprintf(problem_buffer, sizeof problem_buffer, "%s", err.message);
        problem_text = problem_buffer;
    } else if (!nn_model_config_equal(nn_model_config(model), &run->settings.model)) {
        problem_text = _("its model is not the network its record describes");
    } else if (!nn_model_has_optimizer_state(model) || nn_model_optimizer(model) != run->settings.train.optimizer) {
        problem_text = _("its model was saved without the optimizer's state");
    }
    if (problem_text != NULL) {
        nn_model_free(model);
        release_lock(run);
        g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_CANNOT_RESUME, _("The run in %s cannot be resumed: %s"), name,
                    problem_text);
        return NULL;
    }

    g_autoptr(GError) history_error = NULL;
    g_autoptr(DlHistory) file = read_history_file(run, &history_error);
    if (file == NULL) {
        nn_model_free(model);
        release_lock(run);
        g_propagate_error(error, g_steal_pointer(&history_error));
        return NULL;
    }
    if (epochs > 0) {
        run->settings.train.epochs = epochs;
        run->settings.train.schedule.epochs = epochs;
    }
    /* Rows after the model's epoch (a crash between the two) are dropped. */
    int done = nn_model_epochs_done(model);
    g_clear_object(&run->history);
    run->history = history_with_schedule(run, file, done);
    guint n;
    const NnEpochStats *kept = dl_history_get_epochs(run->history, &n);
    run->epochs_done = done;
    run->has_final = n > 0 && kept[n - 1].epoch == done;
    if (run->has_final)
        run->final = kept[n - 1];
    run->seconds = 0;
    for (guint i = 0; i < n; i++)
        run->seconds += kept[i].seconds;
    return model;
}

gboolean
dl_run_begin_resume(DlRun *run, GError **error)
{
    g_return_val_if_fail(run != NULL && run->lock_fd >= 0 && run->history != NULL, FALSE);

    run->status = DL_RUN_RUNNING;
    g_clear_pointer(&run->error_message, g_free);
    g_clear_pointer(&run->ended, g_date_time_unref);
    g_free(run->engine_version);
    run->engine_version = g_strdup(DIGITLAB_VERSION);
    return write_json(run, error);
}

static gboolean
write_history(DlRun *run, GError **error)
{
    gsize length;
    g_autofree char *csv = dl_history_format_csv(run->history, &length);
    g_autofree char *path = run_file(run, HISTORY_CSV);
    NnError err = { 0 };
    if (nn_file_replace(path, csv, length, &err) != NN_OK) {
        g_autofree char *name = display_name(run->dir);
        g_autofree char *what = g_strdup_printf(_("Could not write the run's history in %s"), name);
        return io_error(error, what, &err);
    }
    return TRUE;
}

/* The in-memory history back to its first `keep` epochs. */
static void
history_keep(DlRun *run, int keep)
{
    guint n;
    const NnEpochStats *epochs = dl_history_get_epochs(run->history, &n);
    if (n == 0 || epochs[n - 1].epoch <= keep)
        return;
    g_autoptr(DlHistory) old = g_object_ref(run->history);
    g_clear_object(&run->history);
    run->history = history_with_schedule(run, old, keep);
}

gboolean
dl_run_record_epoch(DlRun *run, const NnEpochStats *stats, NnModel *model, GError **error)
{
    g_return_val_if_fail(run != NULL && stats != NULL && model != NULL, FALSE);
    g_return_val_if_fail(run->history != NULL, FALSE);

    int before = run->epochs_done;
    NnEpochStats s = *stats;
    dl_history_add_epoch(run->history, &s);
    if (!write_history(run, error)) {
        history_keep(run, before);
        return FALSE;
    }

    g_autofree char *model_path = run_file(run, MODEL_DLM);
    NnError err = { 0 };
    if (nn_model_save(model, model_path, run->settings.train.ema > 0 ? 0 : 1, &err) != NN_OK) {
        g_autofree char *name = display_name(run->dir);
        g_autofree char *what = g_strdup_printf(_("Could not save the model of epoch %d in %s"), stats->epoch, name);
        io_error(error, what, &err);
        /* The history takes its row back: it never says more than the model. */
        history_keep(run, before);
        write_history(run, NULL);
        return FALSE;
    }
    run->epochs_done = stats->epoch;
    run->final = *stats;
    run->has_final = TRUE;
    run->seconds += stats->seconds;

    if (run->settings.snapshots) {
        g_autofree char *dir = run_file(run, EPOCHS_DIR);
        g_autofree char *base = g_strdup_printf("epoch-%03d.dlm", stats->epoch);
        g_autofree char *path = g_build_filename(dir, base, NULL);
        if (g_mkdir_with_parents(dir, 0755) != 0 || nn_model_save(model, path, 0, &err) != NN_OK) {
            g_autofree char *name = display_name(dir);
            g_autofree char *what = g_strdup_printf(_("Could not keep the model of epoch %d in %s"), stats->epoch,
                                                    name);
            if (err.message[0] == '\0')
                g_snprintf(err.message, sizeof err.message, "%s", g_strerror(errno));
            return io_error(error, what, &err);
        }
    }
    return write_json(run, error);
}

gboolean
dl_run_finish(DlRun *run, DlRunStatus status, const char *message, GError **error)
{
    g_return_val_if_fail(run != NULL && status != DL_RUN_RUNNING, FALSE);

    run->status = status;
    g_free(run->error_message);
    run->error_message = status == DL_RUN_FAILED ? g_strdup(message != NULL ? message : "") : NULL;
    g_clear_pointer(&run->ended, g_date_time_unref);
    run->ended = g_date_time_new_now_local();
    gboolean ok = write_json(run, error);
    release_lock(run);
    run->live = FALSE;
    return ok;
}

/* ---- deleting ---------------------------------------------------------------------------------- */

/* A file Digit Lab writes in a run folder: known_files, a snapshot, or a
 * temporary file nn_file_replace left behind (".NAME.XXXXXXXX.tmp"). */
static gboolean
is_known_file(const char *name, gboolean in_epochs)
{
    if (in_epochs) {
        if (!g_str_has_prefix(name, "epoch-") || !g_str_has_suffix(name, ".dlm"))
            return name[0] == '.' && g_str_has_suffix(name, ".tmp") && strstr(name, ".epoch-") == name;
        for (const char *c = name + 6; c < name + strlen(name) - 4; c++)
            if (!g_ascii_isdigit(*c))
                return FALSE;
        return TRUE;
    }
    if (strcmp(name, LOCK_FILE) == 0)
        return TRUE;
    for (const char *const *k = known_files; *k != NULL; k++) {
        if (strcmp(name, *k) == 0)
            return TRUE;
        g_autofree char *tmp_prefix = g_strdup_printf(".%s.", *k);
        if (g_str_has_prefix(name, tmp_prefix) && g_str_has_suffix(name, ".tmp"))
            return TRUE;
    }
    return FALSE;
}

/* Unlinks the known files of dir (regular files only); TRUE if nothing
 * else is left. */
static gboolean
remove_known(const char *dir, gboolean in_epochs)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    if (d == NULL)
        return FALSE;
    gboolean all = TRUE;
    const char *entry;
    while ((entry = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, entry, NULL);
        struct stat st;
        if (lstat(path, &st) != 0) {
            all = FALSE;
            continue;
        }
        if (!in_epochs && strcmp(entry, EPOCHS_DIR) == 0 && S_ISDIR(st.st_mode)) {
            if (!remove_known(path, TRUE) || g_rmdir(path) != 0)
                all = FALSE;
        } else if (!S_ISREG(st.st_mode) || !is_known_file(entry, in_epochs) || g_unlink(path) != 0) {
            all = FALSE;
        }
    }
    return all;
}

gboolean
dl_run_delete(DlRun *run, GError **error)
{
    g_return_val_if_fail(run != NULL, FALSE);

    g_autofree char *name = display_name(run->dir);
    if (run->lock_fd >= 0 || lock_is_held(run->dir)) {
        g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_BUSY, _("The run in %s is training: stop it first"), name);
        return FALSE;
    }
    struct stat st;
    if (lstat(run->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_IO, _("%s is not a run folder"), name);
        return FALSE;
    }
    /* run.json first: what is left after a failure is no run any more. */
    g_autofree char *json = run_file(run, RUN_JSON);
    if (g_unlink(json) != 0 && errno != ENOENT) {
        int errsv = errno;
        g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_IO, _("Could not delete the run in %s: %s"), name,
                    g_strerror(errsv));
        return FALSE;
    }
    if (!remove_known(run->dir, FALSE) || g_rmdir(run->dir) != 0) {
        g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_IO,
                    _("The run was deleted, but %s holds files Digit Lab did not make; they were left there"), name);
        return FALSE;
    }
    return TRUE;
}

/* ---- lists and imports -------------------------------------------------------------------------- */

static gint
compare_newest_first(gconstpointer a, gconstpointer b)
{
    DlRun *ra = *(DlRun *const *)a, *rb = *(DlRun *const *)b;
    int c = g_date_time_compare(rb->started, ra->started);
    return c != 0 ? c : g_strcmp0(ra->dir, rb->dir);
}

GPtrArray *
dl_run_list(const char *root, GPtrArray *problems)
{
    g_return_val_if_fail(root != NULL, NULL);

    GPtrArray *runs = g_ptr_array_new_with_free_func((GDestroyNotify)dl_run_unref);
    g_autoptr(GDir) d = g_dir_open(root, 0, NULL);
    if (d == NULL)
        return runs;
    const char *entry;
    while ((entry = g_dir_read_name(d)) != NULL) {
        if (entry[0] == '.')
            continue; /* imports under way, hidden files */
        g_autofree char *dir = g_build_filename(root, entry, NULL);
        if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
            continue;
        g_autoptr(GError) error = NULL;
        DlRun *run = dl_run_load(dir, &error);
        if (run != NULL)
            g_ptr_array_add(runs, run);
        else if (problems != NULL)
            g_ptr_array_add(problems, g_strdup(error->message));
    }
    g_ptr_array_sort(runs, compare_newest_first);
    return runs;
}

/* Copies one regular file, durably (fsync); FALSE with errno set. */
static gboolean
copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (in < 0)
        return FALSE;
    struct stat st;
    if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_COPY) {
        close(in);
        errno = EINVAL;
        return FALSE;
    }
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
        int errsv = errno;
        close(in);
        errno = errsv;
        return FALSE;
    }
    char buffer[65536];
    gboolean ok = TRUE;
    for (;;) {
        ssize_t n = read(in, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ok = n == 0;
            break;
        }
        for (ssize_t done = 0; done < n && ok;) {
            ssize_t w = write(out, buffer + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            ok = w > 0;
            done += w > 0 ? w : 0;
        }
        if (!ok)
            break;
    }
    int errsv = ok ? 0 : errno;
    if (ok && fsync(out) != 0) {
        ok = FALSE;
        errsv = errno;
    }
    if (close(out) != 0 && ok) {
        ok = FALSE;
        errsv = errno;
    }
    close(in);
    errno = errsv;
    return ok;
}

/* Copies the known files of run folder src (and its snapshots) into the
 * new folder dst. */
static gboolean
copy_known(const char *src, const char *dst, gboolean in_epochs, GError **error)
{
    g_autoptr(GDir) d = g_dir_open(src, 0, error);
    if (d == NULL)
        return FALSE;
    const char *entry;
    while ((entry = g_dir_read_name(d)) != NULL) {
        g_autofree char *from = g_build_filename(src, entry, NULL), *to = g_build_filename(dst, entry, NULL);
        if (!in_epochs && strcmp(entry, EPOCHS_DIR) == 0 && g_file_test(from, G_FILE_TEST_IS_DIR)) {
            if (g_mkdir(to, 0755) != 0 || !copy_known(from, to, TRUE, error))
                return FALSE;
            continue;
        }
        if (!is_known_file(entry, in_epochs) || entry[0] == '.' || strcmp(entry, LOCK_FILE) == 0)
            continue;
        if (!copy_file(from, to)) {
            int errsv = errno;
            g_autofree char *shown = display_name(from);
            g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_IO, _("Could not copy %s: %s"), shown, g_strerror(errsv));
            return FALSE;
        }
    }
    return TRUE;
}

/* Copies run folder src into root under a free name; the copy is built in
 * a hidden temporary folder, then renamed. */
static gboolean
import_one(DlRun *run, const char *root, GError **error)
{
    g_autofree char *tmp_template = g_build_filename(root, ".import-XXXXXX", NULL);
    char *tmp = g_mkdtemp(tmp_template);
    if (tmp == NULL) {
        int errsv = errno;
        g_autofree char *shown = display_name(root);
        g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_IO, _("Cannot write in %s: %s"), shown, g_strerror(errsv));
        return FALSE;
    }
    if (!copy_known(run->dir, tmp, FALSE, error)) {
        remove_known(tmp, FALSE);
        g_rmdir(tmp);
        return FALSE;
    }
    g_autofree char *base = g_path_get_basename(run->dir);
    for (int i = 1; i < 1000; i++) {
        g_autofree char *name = i == 1 ? g_strdup(base) : g_strdup_printf("%s-%d", base, i);
        g_autofree char *target = g_build_filename(root, name, NULL);
        if (g_file_test(target, G_FILE_TEST_EXISTS))
            continue;
        if (g_rename(tmp, target) == 0)
            return TRUE;
        if (errno != EEXIST && errno != ENOTEMPTY)
            break;
    }
    int errsv = errno;
    remove_known(tmp, FALSE);
    g_rmdir(tmp);
    g_autofree char *shown = display_name(run->dir);
    g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_IO, _("Could not import %s: %s"), shown, g_strerror(errsv));
    return FALSE;
}

gboolean
dl_run_import(const char *source, const char *root, int *imported, int *skipped, GPtrArray *problems,
              GError **error)
{
    g_return_val_if_fail(source != NULL && root != NULL, FALSE);

    int n_imported = 0, n_skipped = 0;
    if (imported != NULL)
        *imported = 0;
    if (skipped != NULL)
        *skipped = 0;
    g_autofree char *shown = display_name(source);
    if (!g_file_test(source, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_IO, _("%s is not a folder"), shown);
        return FALSE;
    }

    /* Which folders to look at: source itself, its subfolders, or those of its "runs". */
    g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *own = g_build_filename(source, RUN_JSON, NULL);
    g_autofree char *runs_dir = g_build_filename(source, "runs", NULL);
    if (g_file_test(own, G_FILE_TEST_EXISTS)) {
        g_ptr_array_add(candidates, g_strdup(source));
    } else {
        const char *parent = source;
        g_autofree char *runs_json = g_build_filename(runs_dir, RUN_JSON, NULL);
        if (g_file_test(runs_dir, G_FILE_TEST_IS_DIR) && !g_file_test(runs_json, G_FILE_TEST_EXISTS))
            parent = runs_dir;
        g_autoptr(GDir) d = g_dir_open(parent, 0, error);
        if (d == NULL)
            return FALSE;
        const char *entry;
        while ((entry = g_dir_read_name(d)) != NULL) {
            g_autofree char *dir = g_build_filename(parent, entry, NULL);
            if (entry[0] != '.' && g_file_test(dir, G_FILE_TEST_IS_DIR))
                g_ptr_array_add(candidates, g_steal_pointer(&dir));
        }
        g_ptr_array_sort(candidates, (GCompareFunc)g_strcmp0);
    }

    if (g_mkdir_with_parents(root, 0755) != 0) {
        int errsv = errno;
        g_autofree char *root_shown = display_name(root);
        g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_IO, _("Cannot create the folder of runs %s: %s"), root_shown,
                    g_strerror(errsv));
        return FALSE;
    }
    g_autoptr(GHashTable) ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GPtrArray) existing = dl_run_list(root, NULL);
    for (guint i = 0; i < existing->len; i++)
        g_hash_table_add(ids, g_strdup(dl_run_get_id(existing->pdata[i])));

    int found = 0;
    GError *last_error = NULL;
    for (guint i = 0; i < candidates->len; i++) {
        g_autoptr(GError) load_error = NULL;
        g_autoptr(DlRun) run = dl_run_load(candidates->pdata[i], &load_error);
        if (run == NULL) {
            if (problems != NULL)
                g_ptr_array_add(problems, g_strdup(load_error->message));
            continue;
        }
        found++;
        if (g_hash_table_contains(ids, run->id) || dl_run_get_live(run)) {
            n_skipped++;
            continue;
        }
        g_autoptr(GError) copy_error = NULL;
        if (!import_one(run, root, &copy_error)) {
            if (problems != NULL)
                g_ptr_array_add(problems, g_strdup(copy_error->message));
            g_clear_error(&last_error);
            last_error = g_steal_pointer(&copy_error);
            continue;
        }
        g_hash_table_add(ids, g_strdup(run->id));
        n_imported++;
    }
    if (imported != NULL)
        *imported = n_imported;
    if (skipped != NULL)
        *skipped = n_skipped;
    if (found == 0 && last_error == NULL) {
        g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_CORRUPT, _("%s holds no runs"), shown);
        return FALSE;
    }
    if (n_imported == 0 && last_error != NULL) {
        g_propagate_error(error, last_error);
        return FALSE;
    }
    g_clear_error(&last_error);
    return TRUE;
}

/* ---- words ---------------------------------------------------------------------------------------- */

static char *
network_words(const NnModelConfig *m)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, m->blocks == 1 ? _("%d block × %d conv (") : _("%d blocks × %d conv ("), m->blocks,
                           m->convs_per_block);
    for (int b = 0; b < m->blocks; b++)
        g_string_append_printf(s, "%s%d", b > 0 ? ", " : "", m->filters[b]);
    g_string_append_c(s, ')');
    if (m->dense > 0)
        g_string_append_printf(s, _(", dense %d"), m->dense);
    if (!m->batch_norm)
        g_string_append(s, _(", no batch norm"));
    if (m->dropout_conv == 0 && m->dropout_dense == 0)
        g_string_append(s, _(", no dropout"));
    else
        g_string_append_printf(s, _(", dropout %g/%g"), m->dropout_conv, m->dropout_dense);
    if (m->padding == NN_PADDING_VALID)
        g_string_append(s, _(", valid padding"));
    return g_string_free(s, FALSE);
}

static char *
images_words(const DlRunSettings *s)
{
    if (s->train_limit > 0) {
        g_autofree char *n = dl_format_count(s->train_limit);
        return g_strdup_printf(_("%s images"), n);
    }
    return g_strdup(_("all images"));
}

char *
dl_run_settings_summary(const DlRunSettings *s)
{
    g_return_val_if_fail(s != NULL, NULL);

    NnModelConfig paper = nn_model_config_default();
    g_autofree char *net = nn_model_config_equal(&s->model, &paper) ? g_strdup(_("the paper's network"))
                                                                    : network_words(&s->model);
    g_autofree char *images = images_words(s);
    g_autofree char *optimizer = dl_run_field_value(s, DL_RUN_FIELD_OPTIMIZER);
    g_autofree char *epochs = g_strdup_printf(g_dngettext(NULL, "%d epoch", "%d epochs", s->train.epochs),
                                              s->train.epochs);
    GString *summary = g_string_new(NULL);
    g_string_append_printf(summary, "%s · %s · %s · %s", net, optimizer, epochs, images);
    /* What most often tells runs apart. */
    if (!s->train.augment.enabled)
        g_string_append_printf(summary, " · %s", _("no augmentation"));
    if (s->train.ema > 0)
        g_string_append_printf(summary, " · %s", _("weight average"));
    return g_string_free(summary, FALSE);
}

const char *
dl_run_field_title(DlRunField field)
{
    switch (field) {
    case DL_RUN_FIELD_NETWORK: return _("Network");
    case DL_RUN_FIELD_OPTIMIZER: return _("Optimizer");
    case DL_RUN_FIELD_SCHEDULE: return _("Learning rate");
    case DL_RUN_FIELD_EPOCHS: return _("Epochs");
    case DL_RUN_FIELD_BATCH: return _("Batch size");
    case DL_RUN_FIELD_AUGMENTATION: return _("Augmentation");
    case DL_RUN_FIELD_EMA: return _("Weight average");
    case DL_RUN_FIELD_BN_RECALIBRATE: return _("BN recalibration");
    case DL_RUN_FIELD_TRAINING_IMAGES: return _("Training images");
    case DL_RUN_FIELD_VALIDATION: return _("Validation");
    case DL_RUN_FIELD_SEED: return _("Seed");
    case DL_RUN_FIELD_THREADS: return _("Threads");
    case DL_RUN_N_FIELDS:
    default: return "";
    }
}

static char *
number(double v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    format_number(buf, sizeof buf, v, TRUE);
    return g_strdup(buf);
}

char *
dl_run_field_value(const DlRunSettings *s, DlRunField field)
{
    g_return_val_if_fail(s != NULL, NULL);

    const NnTrainConfig *t = &s->train;
    switch (field) {
    case DL_RUN_FIELD_NETWORK:
        return network_words(&s->model);
    case DL_RUN_FIELD_OPTIMIZER:
        if (t->optimizer == NN_OPTIMIZER_SGD) {
            g_autofree char *m = number(t->momentum);
            return g_strdup_printf(_("SGD, momentum %s"), m);
        }
        return g_strdup(_("Adam"));
    case DL_RUN_FIELD_SCHEDULE: {
        g_autofree char *hi = number(t->schedule.lr_max), *lo = number(t->schedule.lr_min);
        g_autofree char *warm = number(t->schedule.warmup);
        const char *per = t->per_step_lr ? _(", per batch") : "";
        switch (t->schedule.kind) {
        case NN_SCHEDULE_CONSTANT:
            return g_strdup_printf(_("constant %s%s"), hi, per);
        case NN_SCHEDULE_STEP: {
            g_autofree char *every = number(t->schedule.step_epochs), *gamma = number(t->schedule.step_gamma);
            return g_strdup_printf(_("%s, × %s every %s epochs%s"), hi, gamma, every, per);
        }
        case NN_SCHEDULE_COSINE:
            return g_strdup_printf(_("cosine %s to %s%s"), hi, lo, per);
        case NN_SCHEDULE_PAPER:
        default:
            return g_strdup_printf(t->schedule.warmup == 1.0 ? _("warmup %s epoch to %s, cosine to %s%s")
                                                             : _("warmup %s epochs to %s, cosine to %s%s"),
                                   warm, hi, lo, per);
        }
    }
    case DL_RUN_FIELD_EPOCHS:
        return g_strdup_printf("%d", t->epochs);
    case DL_RUN_FIELD_BATCH:
        return g_strdup_printf("%d", t->batch);
    case DL_RUN_FIELD_AUGMENTATION: {
        if (!t->augment.enabled)
            return g_strdup(_("none"));
        const NnAugment *a = &t->augment;
        g_autofree char *r = number(a->rotation), *z = number(a->zoom), *sh = number(a->shift);
        GString *str = g_string_new(NULL);
        g_string_append_printf(str, _("rotation %s°, zoom %s, shift %s"), r, z, sh);
        if (a->shear > 0) {
            g_autofree char *v = number(a->shear);
            g_string_append_printf(str, _(", shear %s°"), v);
        }
        if (a->elastic_alpha > 0) {
            g_autofree char *al = number(a->elastic_alpha), *si = number(a->elastic_sigma);
            g_string_append_printf(str, _(", elastic %s/%s"), al, si);
        }
        if (a->thickness > 0) {
            g_autofree char *v = number(a->thickness);
            g_string_append_printf(str, _(", thickness %s"), v);
        }
        if (a->erase > 0) {
            g_autofree char *v = number(a->erase);
            g_string_append_printf(str, _(", erasing %s"), v);
        }
        if (a->style > 0) {
            g_autofree char *v = number(a->style);
            g_string_append_printf(str, _(", style strokes %s"), v);
        }
        if (t->outliers > 0) {
            g_autofree char *v = number(t->outliers);
            g_string_append_printf(str, _(", non-digits %s"), v);
        }
        return g_string_free(str, FALSE);
    }
    case DL_RUN_FIELD_EMA:
        if (t->ema > 0) {
            g_autofree char *d = number(t->ema);
            return g_strdup_printf(_("decay %s"), d);
        }
        return g_strdup(_("none"));
    case DL_RUN_FIELD_BN_RECALIBRATE:
        if (t->bn_recalibrate > 0) {
            g_autofree char *n = dl_format_count(t->bn_recalibrate);
            return g_strdup_printf(_("on %s images"), n);
        }
        return g_strdup(_("off"));
    case DL_RUN_FIELD_TRAINING_IMAGES:
        return images_words(s);
    case DL_RUN_FIELD_VALIDATION: {
        if (s->val_split > 0) {
            g_autofree char *n = dl_format_count(s->val_split);
            return g_strdup_printf(_("%s held-out training images"), n);
        }
        if (s->val_limit > 0) {
            g_autofree char *n = dl_format_count(s->val_limit);
            return g_strdup_printf(_("%s test images"), n);
        }
        return g_strdup(_("all test images"));
    }
    case DL_RUN_FIELD_SEED:
        return g_strdup_printf("%" G_GUINT64_FORMAT, (guint64)t->seed);
    case DL_RUN_FIELD_THREADS:
        return g_strdup_printf("%d", t->threads);
    case DL_RUN_N_FIELDS:
    default:
        return g_strdup("");
    }
}
