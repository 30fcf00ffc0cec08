/* dl-history.c — the series of one training run, for the plots. */
#include "dl-history.h"

#include <math.h>
#include <string.h>

#define CSV_HEADER "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second"
#define CSV_FIELDS 8

struct _DlHistory {
    GObject parent_instance;

    GArray *series[DL_N_SERIES]; /* of DlPoint, ascending in x */
    GArray *epochs;              /* of NnEpochStats, ascending in epoch */
    GArray *schedule_curve;      /* of DlPoint */

    NnSchedule schedule;
    gboolean has_schedule;
    int n_epochs;
    int batches_per_epoch;
    gboolean per_step_lr;

    NnBatchProgress last_batch;
    gboolean has_last_batch;
    double position;
};

G_DEFINE_FINAL_TYPE(DlHistory, dl_history, G_TYPE_OBJECT)

G_DEFINE_QUARK(dl-history-error-quark, dl_history_error)

enum {
    CHANGED,
    N_SIGNALS,
};

static guint signals[N_SIGNALS];

static void
append_point(GArray *series, double x, double y)
{
    DlPoint p = { x, y };
    g_array_append_val(series, p);
}

/* Drops the points of series with x >= from (or x > from when !inclusive). */
static void
truncate_series(GArray *series, double from, gboolean inclusive)
{
    guint n = series->len;
    while (n > 0) {
        double x = g_array_index(series, DlPoint, n - 1).x;
        if (inclusive ? x < from : x <= from)
            break;
        n--;
    }
    g_array_set_size(series, n);
}

/* Keeps every other point, counted from the newest one, which always stays. */
static void
thin_series(GArray *series)
{
    DlPoint *p = (DlPoint *)(void *)series->data;
    guint n = series->len, kept = 0;
    for (guint i = (n - 1) % 2; i < n; i += 2)
        p[kept++] = p[i];
    g_array_set_size(series, kept);
}

/* The staircase of a per-epoch learning rate, or the sampled curve of a
 * per-step one, or the recorded rates when there is no schedule. */
static void
build_schedule_curve(DlHistory *self)
{
    GArray *curve = self->schedule_curve;
    g_array_set_size(curve, 0);

    if (!self->has_schedule) {
        for (guint i = 0; i < self->epochs->len; i++) {
            const NnEpochStats *s = &g_array_index(self->epochs, NnEpochStats, i);
            append_point(curve, s->epoch - 1, s->lr);
            append_point(curve, s->epoch, s->lr);
        }
        return;
    }
    if (self->n_epochs <= 0)
        return;

    const NnSchedule *s = &self->schedule;
    if (!self->per_step_lr) {
        for (int e = 0; e < self->n_epochs; e++) {
            double lr = nn_schedule_lr(s, e);
            append_point(curve, e, lr);
            append_point(curve, e + 1, lr);
        }
        return;
    }

    const int samples = DL_HISTORY_SCHEDULE_SAMPLES;
    for (int i = 0; i <= samples; i++) {
        double t = (double)self->n_epochs * i / samples;
        double previous = (double)self->n_epochs * (i - 1) / samples;
        /* The warmup's peak is a corner: sample it exactly. */
        if (i > 0 && s->warmup > previous && s->warmup < t)
            append_point(curve, s->warmup, nn_schedule_lr(s, s->warmup));
        append_point(curve, t, nn_schedule_lr(s, t));
    }
}

static void
clear_points(DlHistory *self)
{
    for (int i = 0; i < DL_N_SERIES; i++)
        g_array_set_size(self->series[i], 0);
    g_array_set_size(self->epochs, 0);
    self->has_last_batch = FALSE;
    memset(&self->last_batch, 0, sizeof self->last_batch);
    self->position = 0.0;
}

/* Adopts a total number of epochs that differs from the one of the last
 * reset (a caller that did not reset, or a run extended). */
static void
set_n_epochs(DlHistory *self, int epochs)
{
    if (epochs <= 0 || epochs == self->n_epochs)
        return;
    self->n_epochs = epochs;
    self->schedule.epochs = epochs;
    build_schedule_curve(self);
}

static void
drop_epochs_from(DlHistory *self, int epoch)
{
    guint n = self->epochs->len;
    while (n > 0 && g_array_index(self->epochs, NnEpochStats, n - 1).epoch >= epoch)
        n--;
    g_array_set_size(self->epochs, n);
    for (int i = DL_SERIES_TRAIN_LOSS; i <= DL_SERIES_LR; i++)
        truncate_series(self->series[i], epoch, TRUE);
}

static void
append_epoch(DlHistory *self, const NnEpochStats *stats)
{
    double x = stats->epoch;

    drop_epochs_from(self, stats->epoch);
    g_array_append_val(self->epochs, *stats);
    append_point(self->series[DL_SERIES_TRAIN_LOSS], x, stats->train_loss);
    append_point(self->series[DL_SERIES_TRAIN_ACCURACY], x, stats->train_accuracy);
    /* nn_train() leaves both at 0 when it validates on nothing. */
    if (stats->val_loss != 0.0 || stats->val_accuracy != 0.0) {
        append_point(self->series[DL_SERIES_VAL_LOSS], x, stats->val_loss);
        append_point(self->series[DL_SERIES_VAL_ACCURACY], x, stats->val_accuracy);
    }
    append_point(self->series[DL_SERIES_LR], x, stats->lr);
}

static void
dl_history_finalize(GObject *object)
{
    DlHistory *self = DL_HISTORY(object);

    for (int i = 0; i < DL_N_SERIES; i++)
        g_clear_pointer(&self->series[i], g_array_unref);
    g_clear_pointer(&self->epochs, g_array_unref);
    g_clear_pointer(&self->schedule_curve, g_array_unref);

    G_OBJECT_CLASS(dl_history_parent_class)->finalize(object);
}

static void
dl_history_class_init(DlHistoryClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->finalize = dl_history_finalize;

    /**
     * DlHistory::changed:
     *
     * Emitted once after every reset, added batch or epoch, and load.
     */
    signals[CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dl_history_init(DlHistory *self)
{
    for (int i = 0; i < DL_N_SERIES; i++)
        self->series[i] = g_array_new(FALSE, FALSE, sizeof(DlPoint));
    self->epochs = g_array_new(FALSE, FALSE, sizeof(NnEpochStats));
    self->schedule_curve = g_array_new(FALSE, FALSE, sizeof(DlPoint));

    NnTrainConfig defaults = nn_train_config_default();
    self->schedule = defaults.schedule;
    self->schedule.epochs = defaults.epochs;
    self->has_schedule = TRUE;
    self->n_epochs = defaults.epochs;
    self->per_step_lr = defaults.per_step_lr;
    build_schedule_curve(self);
}

DlHistory *
dl_history_new(void)
{
    return g_object_new(DL_TYPE_HISTORY, NULL);
}

void
dl_history_reset(DlHistory *self, const NnSchedule *schedule, int epochs,
                 int batches_per_epoch, gboolean per_step_lr)
{
    g_return_if_fail(DL_IS_HISTORY(self));
    g_return_if_fail(schedule != NULL);

    clear_points(self);
    self->schedule = *schedule;
    self->schedule.epochs = epochs;
    self->has_schedule = TRUE;
    self->n_epochs = MAX(epochs, 0);
    self->batches_per_epoch = MAX(batches_per_epoch, 0);
    self->per_step_lr = per_step_lr;
    build_schedule_curve(self);

    g_signal_emit(self, signals[CHANGED], 0);
}

void
dl_history_add_batch(DlHistory *self, const NnBatchProgress *progress)
{
    g_return_if_fail(DL_IS_HISTORY(self));
    g_return_if_fail(progress != NULL);

    int batches = progress->batches > 0 ? progress->batches : 1;
    double x = progress->epoch + (double)progress->batch / batches;
    GArray *loss = self->series[DL_SERIES_SMOOTH_LOSS];
    GArray *accuracy = self->series[DL_SERIES_SMOOTH_ACCURACY];

    /* A run started again: forget what was recorded from here on. */
    truncate_series(loss, x, TRUE);
    truncate_series(accuracy, x, TRUE);
    truncate_series(self->series[DL_SERIES_PROBE_ACCURACY], x, FALSE);
    truncate_series(self->series[DL_SERIES_PROBE_LOSS], x, FALSE);
    if (self->epochs->len > 0
        && g_array_index(self->epochs, NnEpochStats, self->epochs->len - 1).epoch > progress->epoch)
        drop_epochs_from(self, progress->epoch + 1);

    append_point(loss, x, progress->smooth_loss);
    append_point(accuracy, x, progress->smooth_accuracy);
    if (loss->len > DL_HISTORY_MAX_BATCH_POINTS) {
        thin_series(loss);
        thin_series(accuracy);
    }

    if (progress->batches > 0)
        self->batches_per_epoch = progress->batches;
    set_n_epochs(self, progress->epochs);
    self->last_batch = *progress;
    self->has_last_batch = TRUE;
    self->position = x;

    g_signal_emit(self, signals[CHANGED], 0);
}

void
dl_history_add_probe(DlHistory *self, double position, double accuracy, double loss)
{
    g_return_if_fail(DL_IS_HISTORY(self));

    GArray *acc = self->series[DL_SERIES_PROBE_ACCURACY];
    GArray *los = self->series[DL_SERIES_PROBE_LOSS];
    truncate_series(acc, position, TRUE);
    truncate_series(los, position, TRUE);
    append_point(acc, position, accuracy);
    append_point(los, position, loss);
    self->position = MAX(self->position, position);

    g_signal_emit(self, signals[CHANGED], 0);
}

void
dl_history_add_epoch(DlHistory *self, const NnEpochStats *stats)
{
    g_return_if_fail(DL_IS_HISTORY(self));
    g_return_if_fail(stats != NULL);

    append_epoch(self, stats);
    set_n_epochs(self, stats->epochs);
    if (!self->has_schedule)
        build_schedule_curve(self);
    self->position = stats->epoch;

    g_signal_emit(self, signals[CHANGED], 0);
}

const DlPoint *
dl_history_get_series(DlHistory *self, DlSeries series, guint *n_points)
{
    g_return_val_if_fail(DL_IS_HISTORY(self), NULL);
    g_return_val_if_fail(series < DL_N_SERIES, NULL);
    g_return_val_if_fail(n_points != NULL, NULL);

    *n_points = self->series[series]->len;
    return (const DlPoint *)(void *)self->series[series]->data;
}

const NnEpochStats *
dl_history_get_epochs(DlHistory *self, guint *n_epochs)
{
    g_return_val_if_fail(DL_IS_HISTORY(self), NULL);
    g_return_val_if_fail(n_epochs != NULL, NULL);

    *n_epochs = self->epochs->len;
    return (const NnEpochStats *)(void *)self->epochs->data;
}

const NnBatchProgress *
dl_history_get_last_batch(DlHistory *self)
{
    g_return_val_if_fail(DL_IS_HISTORY(self), NULL);

    return self->has_last_batch ? &self->last_batch : NULL;
}

int
dl_history_get_n_epochs(DlHistory *self)
{
    g_return_val_if_fail(DL_IS_HISTORY(self), 0);

    return self->n_epochs;
}

int
dl_history_get_batches_per_epoch(DlHistory *self)
{
    g_return_val_if_fail(DL_IS_HISTORY(self), 0);

    return self->batches_per_epoch;
}

gboolean
dl_history_get_per_step_lr(DlHistory *self)
{
    g_return_val_if_fail(DL_IS_HISTORY(self), FALSE);

    return self->per_step_lr;
}

double
dl_history_get_position(DlHistory *self)
{
    g_return_val_if_fail(DL_IS_HISTORY(self), 0.0);

    return self->position;
}

gboolean
dl_history_is_empty(DlHistory *self)
{
    g_return_val_if_fail(DL_IS_HISTORY(self), TRUE);

    return self->series[DL_SERIES_SMOOTH_LOSS]->len == 0 && self->epochs->len == 0
           && self->series[DL_SERIES_PROBE_ACCURACY]->len == 0;
}

gboolean
dl_history_has_schedule(DlHistory *self)
{
    g_return_val_if_fail(DL_IS_HISTORY(self), FALSE);

    return self->has_schedule;
}

const NnSchedule *
dl_history_get_schedule(DlHistory *self)
{
    g_return_val_if_fail(DL_IS_HISTORY(self), NULL);

    return &self->schedule;
}

const DlPoint *
dl_history_get_schedule_curve(DlHistory *self, guint *n_points)
{
    g_return_val_if_fail(DL_IS_HISTORY(self), NULL);
    g_return_val_if_fail(n_points != NULL, NULL);

    *n_points = self->schedule_curve->len;
    return (const DlPoint *)(void *)self->schedule_curve->data;
}

double
dl_history_lr_at(DlHistory *self, double t)
{
    g_return_val_if_fail(DL_IS_HISTORY(self), 0.0);

    int last = MAX(self->n_epochs - 1, 0);
    int e = (int)CLAMP(floor(t), 0.0, (double)last);

    if (!self->has_schedule) {
        /* Row k holds the rate used during epoch k (x from k - 1 to k). */
        const NnEpochStats *rows = (const NnEpochStats *)(void *)self->epochs->data;
        double lr = 0.0;
        for (guint i = 0; i < self->epochs->len && rows[i].epoch <= e + 1; i++)
            lr = rows[i].lr;
        return lr;
    }
    if (!self->per_step_lr)
        return nn_schedule_lr(&self->schedule, e);
    if (self->batches_per_epoch > 0) {
        int batches = self->batches_per_epoch;
        int b = (int)CLAMP(floor((t - e) * batches + 1e-9), 0.0, (double)(batches - 1));
        return nn_schedule_lr(&self->schedule, e + (double)b / batches);
    }
    return nn_schedule_lr(&self->schedule, CLAMP(t, 0.0, (double)self->n_epochs));
}

static void
append_double(GString *line, const char *format, double value)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append_c(line, ',');
    g_string_append(line, g_ascii_formatd(buf, sizeof buf, format, value));
}

char *
dl_history_format_csv(DlHistory *self, gsize *length)
{
    g_return_val_if_fail(DL_IS_HISTORY(self), NULL);

    GString *csv = g_string_new(CSV_HEADER "\n");
    for (guint i = 0; i < self->epochs->len; i++) {
        const NnEpochStats *s = &g_array_index(self->epochs, NnEpochStats, i);
        /* The formats of digitlab-cli train (src/cli/cmd-train.c). */
        g_string_append_printf(csv, "%d", s->epoch);
        append_double(csv, "%.6g", s->lr);
        append_double(csv, "%.6f", s->train_loss);
        append_double(csv, "%.6f", s->train_accuracy);
        append_double(csv, "%.6f", s->val_loss);
        append_double(csv, "%.6f", s->val_accuracy);
        append_double(csv, "%.3f", s->seconds);
        append_double(csv, "%.1f", s->images_per_s);
        g_string_append_c(csv, '\n');
    }
    if (length != NULL)
        *length = csv->len;
    return g_string_free(csv, FALSE);
}

gboolean
dl_history_save_csv(DlHistory *self, const char *path, GError **error)
{
    g_return_val_if_fail(DL_IS_HISTORY(self), FALSE);
    g_return_val_if_fail(path != NULL, FALSE);

    gsize length;
    g_autofree char *csv = dl_history_format_csv(self, &length);
    return g_file_set_contents(path, csv, (gssize)length, error);
}

static gboolean
parse_double(const char *text, double *value)
{
    char *end = NULL;
    text = g_strstrip((char *)text);
    if (*text == '\0')
        return FALSE;
    *value = g_ascii_strtod(text, &end);
    return end != NULL && *end == '\0' && isfinite(*value);
}

static gboolean
parse_row(char *line, NnEpochStats *row)
{
    g_auto(GStrv) fields = g_strsplit(line, ",", -1);
    if (g_strv_length(fields) != CSV_FIELDS)
        return FALSE;

    gint64 epoch;
    /* No run has more epochs than train --epochs allows (100,000): a larger
     * number is no history of ours, and would draw a schedule that long. */
    if (!g_ascii_string_to_signed(g_strstrip(fields[0]), 10, 1, 100000, &epoch, NULL))
        return FALSE;
    memset(row, 0, sizeof *row);
    row->epoch = (int)epoch;
    return parse_double(fields[1], &row->lr)
           && parse_double(fields[2], &row->train_loss)
           && parse_double(fields[3], &row->train_accuracy)
           && parse_double(fields[4], &row->val_loss)
           && parse_double(fields[5], &row->val_accuracy)
           && parse_double(fields[6], &row->seconds)
           && parse_double(fields[7], &row->images_per_s);
}

gboolean
dl_history_load_csv(DlHistory *self, const char *path, GError **error)
{
    g_return_val_if_fail(DL_IS_HISTORY(self), FALSE);
    g_return_val_if_fail(path != NULL, FALSE);

    g_autofree char *contents = NULL;
    gsize length;
    if (!g_file_get_contents(path, &contents, &length, error))
        return FALSE;
    return dl_history_parse_csv(self, contents, length, path, error);
}

gboolean
dl_history_parse_csv(DlHistory *self, const char *contents, gsize length, const char *path, GError **error)
{
    g_return_val_if_fail(DL_IS_HISTORY(self), FALSE);
    g_return_val_if_fail(contents != NULL && path != NULL, FALSE);

    if (memchr(contents, '\0', length) != NULL) {
        g_set_error(error, DL_HISTORY_ERROR, DL_HISTORY_ERROR_PARSE, "%s is not a training history: it is binary",
                    path);
        return FALSE;
    }
    g_autofree char *text = g_strndup(contents, length);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autoptr(GArray) rows = g_array_new(FALSE, FALSE, sizeof(NnEpochStats));
    gboolean header_seen = FALSE;
    for (guint i = 0; lines[i] != NULL; i++) {
        char *line = g_strstrip(lines[i]); /* also drops a '\r' */
        if (*line == '\0')
            continue;
        if (!header_seen) {
            if (strcmp(line, CSV_HEADER) != 0) {
                g_set_error(error, DL_HISTORY_ERROR, DL_HISTORY_ERROR_PARSE,
                            "%s is not a training history: its first line should be “%s”",
                            path, CSV_HEADER);
                return FALSE;
            }
            header_seen = TRUE;
            continue;
        }
        NnEpochStats row;
        if (!parse_row(line, &row)) {
            g_set_error(error, DL_HISTORY_ERROR, DL_HISTORY_ERROR_PARSE,
                        "%s, line %u: expected %d comma-separated numbers", path, i + 1, CSV_FIELDS);
            return FALSE;
        }
        g_array_append_val(rows, row);
    }
    if (!header_seen) {
        g_set_error(error, DL_HISTORY_ERROR, DL_HISTORY_ERROR_PARSE,
                    "%s is empty, not a training history", path);
        return FALSE;
    }

    /* As in add_epoch, a row repeating an earlier epoch (a run resumed from
     * there) replaces that epoch and the ones after it. */
    clear_points(self);
    for (guint i = 0; i < rows->len; i++)
        append_epoch(self, &g_array_index(rows, NnEpochStats, i));
    NnEpochStats *kept = (NnEpochStats *)(void *)self->epochs->data;
    guint n_rows = self->epochs->len;
    int n_epochs = n_rows > 0 ? kept[n_rows - 1].epoch : 0;
    for (guint i = 0; i < n_rows; i++)
        kept[i].epochs = n_epochs;
    self->has_schedule = FALSE;
    self->n_epochs = n_epochs;
    self->batches_per_epoch = 0;
    self->per_step_lr = FALSE;
    self->position = n_epochs;
    build_schedule_curve(self);

    g_signal_emit(self, signals[CHANGED], 0);
    return TRUE;
}
