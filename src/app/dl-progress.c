/* dl-progress.c — the latest-value pattern; see dl-progress.h. */
#include "dl-progress.h"

struct _DlProgress {
    GObject parent_instance;

    GMainContext *context;

    GMutex mutex;           /* guards everything below */
    guint64 serial;         /* incremented by every push */
    gboolean has_batch;
    guint64 batch_serial;
    NnBatchProgress batch;
    gboolean has_validate;
    guint64 validate_serial;
    int validate_done, validate_total;
    GArray *queue;          /* Event: epochs and probes, in push order */
    gboolean pending;       /* a dispatch is attached and not yet run */
    guint dispatch_count;
    gint64 last_dispatch;   /* monotonic µs of the last dispatch, 0 before the first */
    guint interval_ms;      /* at least this long between dispatches */
};

typedef enum {
    EVENT_BATCH,
    EVENT_VALIDATE,
    EVENT_PROBE,
    EVENT_EPOCH,
} EventKind;

typedef struct {
    guint64 serial;
    EventKind kind;
    union {
        NnEpochStats stats;
        DlProbe probe;
        NnBatchProgress batch;
        int validate[2];
    };
} Event;

G_DEFINE_FINAL_TYPE(DlProgress, dl_progress, G_TYPE_OBJECT)

enum {
    SIGNAL_BATCH,
    SIGNAL_EPOCH,
    SIGNAL_VALIDATE,
    SIGNAL_PROBE,
    N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
dl_progress_finalize(GObject *object)
{
    DlProgress *self = DL_PROGRESS(object);

    g_array_unref(self->queue);
    g_main_context_unref(self->context);
    g_mutex_clear(&self->mutex);

    G_OBJECT_CLASS(dl_progress_parent_class)->finalize(object);
}

static void
dl_progress_class_init(DlProgressClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->finalize = dl_progress_finalize;

    /**
     * DlProgress::batch:
     * @progress: (type gpointer): the newest `NnBatchProgress`, valid during the emission
     */
    signals[SIGNAL_BATCH] = g_signal_new("batch", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
    /**
     * DlProgress::epoch:
     * @stats: (type gpointer): an `NnEpochStats`, valid during the emission
     */
    signals[SIGNAL_EPOCH] = g_signal_new("epoch", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
    /**
     * DlProgress::validate:
     * @done: validation images done
     * @total: of this many
     */
    signals[SIGNAL_VALIDATE] = g_signal_new("validate", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
    /**
     * DlProgress::probe:
     * @probe: (type gpointer): a `DlProbe`, valid during the emission
     */
    signals[SIGNAL_PROBE] = g_signal_new("probe", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
dl_progress_init(DlProgress *self)
{
    g_mutex_init(&self->mutex);
    self->queue = g_array_new(FALSE, FALSE, sizeof(Event));
    self->context = g_main_context_ref_thread_default();
    self->interval_ms = DL_PROGRESS_INTERVAL_MS;
}

DlProgress *
dl_progress_new(void)
{
    return g_object_new(DL_TYPE_PROGRESS, NULL);
}

static void
weak_ref_free(gpointer data)
{
    GWeakRef *ref = data;

    g_weak_ref_clear(ref);
    g_free(ref);
}

static int
compare_serials(gconstpointer a, gconstpointer b)
{
    guint64 x = ((const Event *)a)->serial, y = ((const Event *)b)->serial;

    return x < y ? -1 : x > y;
}

/* Main thread: takes what the worker left and emits it in push order. */
static void
emit_pending(DlProgress *self, gboolean from_idle)
{
    g_autoptr(GArray) events = g_array_new(FALSE, FALSE, sizeof(Event));

    g_mutex_lock(&self->mutex);
    g_array_append_vals(events, self->queue->data, self->queue->len);
    g_array_set_size(self->queue, 0);
    if (self->has_batch) {
        Event e = { .serial = self->batch_serial, .kind = EVENT_BATCH, .batch = self->batch };
        g_array_append_val(events, e);
    }
    if (self->has_validate) {
        Event e = { .serial = self->validate_serial, .kind = EVENT_VALIDATE,
                    .validate = { self->validate_done, self->validate_total } };
        g_array_append_val(events, e);
    }
    self->has_batch = self->has_validate = FALSE;
    if (from_idle) {
        self->pending = FALSE;
        self->dispatch_count++;
        self->last_dispatch = g_get_monotonic_time();
    }
    g_mutex_unlock(&self->mutex);

    g_array_sort(events, compare_serials);
    for (guint i = 0; i < events->len; i++) {
        const Event *e = &g_array_index(events, Event, i);

        switch (e->kind) {
        case EVENT_BATCH:
            g_signal_emit(self, signals[SIGNAL_BATCH], 0, &e->batch);
            break;
        case EVENT_VALIDATE:
            g_signal_emit(self, signals[SIGNAL_VALIDATE], 0, e->validate[0], e->validate[1]);
            break;
        case EVENT_PROBE:
            g_signal_emit(self, signals[SIGNAL_PROBE], 0, &e->probe);
            break;
        case EVENT_EPOCH:
            g_signal_emit(self, signals[SIGNAL_EPOCH], 0, &e->stats);
            break;
        }
    }
}

static gboolean
dispatch(gpointer data)
{
    g_autoptr(DlProgress) self = g_weak_ref_get(data);

    if (self != NULL)
        emit_pending(self, TRUE);
    return G_SOURCE_REMOVE;
}

void
dl_progress_flush(DlProgress *self)
{
    g_return_if_fail(DL_IS_PROGRESS(self));

    emit_pending(self, FALSE);
}

/* Called with the mutex held: when idle, or once the interval since the
 * last dispatch has passed. */
static void
schedule_locked(DlProgress *self)
{
    if (self->pending)
        return;
    self->pending = TRUE;

    GWeakRef *ref = g_new0(GWeakRef, 1);
    g_weak_ref_init(ref, self);

    gint64 wait_us = self->last_dispatch == 0 ? 0
                     : self->last_dispatch + 1000 * (gint64)self->interval_ms - g_get_monotonic_time();
    g_autoptr(GSource) source = wait_us > 0 ? g_timeout_source_new((guint)((wait_us + 999) / 1000))
                                            : g_idle_source_new();
    g_source_set_priority(source, G_PRIORITY_DEFAULT_IDLE);
    g_source_set_callback(source, dispatch, ref, weak_ref_free);
    g_source_set_static_name(source, "[digitlab] training progress");
    g_source_attach(source, self->context);
}

void
dl_progress_push_batch(DlProgress *self, const NnBatchProgress *progress)
{
    g_return_if_fail(DL_IS_PROGRESS(self));
    g_return_if_fail(progress != NULL);

    g_mutex_lock(&self->mutex);
    self->batch = *progress;
    self->has_batch = TRUE;
    self->batch_serial = ++self->serial;
    schedule_locked(self);
    g_mutex_unlock(&self->mutex);
}

void
dl_progress_push_epoch(DlProgress *self, const NnEpochStats *stats)
{
    g_return_if_fail(DL_IS_PROGRESS(self));
    g_return_if_fail(stats != NULL);

    g_mutex_lock(&self->mutex);
    Event e = { .serial = ++self->serial, .kind = EVENT_EPOCH, .stats = *stats };
    g_array_append_val(self->queue, e);
    schedule_locked(self);
    g_mutex_unlock(&self->mutex);
}

void
dl_progress_push_validate(DlProgress *self, int done, int total)
{
    g_return_if_fail(DL_IS_PROGRESS(self));

    g_mutex_lock(&self->mutex);
    self->validate_done = done;
    self->validate_total = total;
    self->has_validate = TRUE;
    self->validate_serial = ++self->serial;
    schedule_locked(self);
    g_mutex_unlock(&self->mutex);
}

void
dl_progress_push_probe(DlProgress *self, const DlProbe *probe)
{
    g_return_if_fail(DL_IS_PROGRESS(self));
    g_return_if_fail(probe != NULL);

    g_mutex_lock(&self->mutex);
    Event e = { .serial = ++self->serial, .kind = EVENT_PROBE, .probe = *probe };
    g_array_append_val(self->queue, e);
    schedule_locked(self);
    g_mutex_unlock(&self->mutex);
}

void
dl_progress_reset(DlProgress *self)
{
    g_return_if_fail(DL_IS_PROGRESS(self));

    g_mutex_lock(&self->mutex);
    self->has_batch = self->has_validate = FALSE;
    g_array_set_size(self->queue, 0);
    g_mutex_unlock(&self->mutex);
}

void
dl_progress_set_interval(DlProgress *self, guint interval_ms)
{
    g_return_if_fail(DL_IS_PROGRESS(self));

    g_mutex_lock(&self->mutex);
    self->interval_ms = interval_ms;
    g_mutex_unlock(&self->mutex);
}

guint
dl_progress_get_dispatch_count(DlProgress *self)
{
    g_return_val_if_fail(DL_IS_PROGRESS(self), 0);

    g_mutex_lock(&self->mutex);
    guint count = self->dispatch_count;
    g_mutex_unlock(&self->mutex);
    return count;
}

gboolean
dl_progress_get_pending(DlProgress *self)
{
    g_return_val_if_fail(DL_IS_PROGRESS(self), FALSE);

    g_mutex_lock(&self->mutex);
    gboolean pending = self->pending;
    g_mutex_unlock(&self->mutex);
    return pending;
}
