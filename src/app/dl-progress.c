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
    GArray *epochs;         /* EpochEntry, in push order */
    gboolean pending;       /* an idle dispatch is attached and not yet run */
    guint dispatch_count;
};

typedef struct {
    guint64 serial;
    NnEpochStats stats;
} EpochEntry;

G_DEFINE_FINAL_TYPE(DlProgress, dl_progress, G_TYPE_OBJECT)

enum {
    SIGNAL_BATCH,
    SIGNAL_EPOCH,
    N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
dl_progress_finalize(GObject *object)
{
    DlProgress *self = DL_PROGRESS(object);

    g_array_unref(self->epochs);
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
}

static void
dl_progress_init(DlProgress *self)
{
    g_mutex_init(&self->mutex);
    self->epochs = g_array_new(FALSE, FALSE, sizeof(EpochEntry));
    self->context = g_main_context_ref_thread_default();
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

/* Main thread: takes what the worker left and emits it in push order. */
static void
emit_pending(DlProgress *self, gboolean from_idle)
{
    g_autoptr(GArray) epochs = g_array_new(FALSE, FALSE, sizeof(EpochEntry));
    NnBatchProgress batch;
    gboolean has_batch;
    guint64 batch_serial;

    g_mutex_lock(&self->mutex);
    has_batch = self->has_batch;
    batch = self->batch;
    batch_serial = self->batch_serial;
    self->has_batch = FALSE;
    g_array_append_vals(epochs, self->epochs->data, self->epochs->len);
    g_array_set_size(self->epochs, 0);
    if (from_idle) {
        self->pending = FALSE;
        self->dispatch_count++;
    }
    g_mutex_unlock(&self->mutex);

    /* Epochs finished before the newest batch come first, the batch, then the rest. */
    for (guint i = 0; i < epochs->len; i++) {
        const EpochEntry *e = &g_array_index(epochs, EpochEntry, i);

        if (has_batch && e->serial > batch_serial) {
            g_signal_emit(self, signals[SIGNAL_BATCH], 0, &batch);
            has_batch = FALSE;
        }
        g_signal_emit(self, signals[SIGNAL_EPOCH], 0, &e->stats);
    }
    if (has_batch)
        g_signal_emit(self, signals[SIGNAL_BATCH], 0, &batch);
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

/* Called with the mutex held. */
static void
schedule_locked(DlProgress *self)
{
    if (self->pending)
        return;
    self->pending = TRUE;

    GWeakRef *ref = g_new0(GWeakRef, 1);
    g_weak_ref_init(ref, self);

    g_autoptr(GSource) source = g_idle_source_new();
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

    EpochEntry entry = { 0 };

    g_mutex_lock(&self->mutex);
    entry.serial = ++self->serial;
    entry.stats = *stats;
    g_array_append_val(self->epochs, entry);
    schedule_locked(self);
    g_mutex_unlock(&self->mutex);
}

void
dl_progress_reset(DlProgress *self)
{
    g_return_if_fail(DL_IS_PROGRESS(self));

    g_mutex_lock(&self->mutex);
    self->has_batch = FALSE;
    g_array_set_size(self->epochs, 0);
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
