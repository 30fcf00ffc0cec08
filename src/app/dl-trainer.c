/* dl-trainer.c — the training worker; see dl-trainer.h. */
#include "dl-trainer.h"

#include <string.h>

#include "dl-progress.h"

struct _DlTrainer {
    GObject parent_instance;

    DlTrainerState state;
    DlProgress *progress;
    GCancellable *cancellable;   /* of the run in progress */
    gulong cancelled_id;

    /* Pause: the worker waits on pause_cond while paused is set; each pause
     * request has a new pause_serial, so a late "blocked" from an earlier
     * pause is recognised. */
    GMutex pause_mutex;
    GCond pause_cond;
    gboolean paused;
    guint pause_serial;

    /* The newest epoch's weights, written by the worker, taken by the main thread. */
    GMutex snapshot_mutex;
    NnModel *snapshot;

    /* MNIST as loaded by the last run, reused by the next from the same folder. */
    char *cache_dir;
    NnDataset cache_train;
    NnDataset cache_test;
};

G_DEFINE_FINAL_TYPE(DlTrainer, dl_trainer, G_TYPE_OBJECT)

enum {
    PROP_0,
    PROP_STATE,
    PROP_BUSY,
    N_PROPS
};

enum {
    SIGNAL_STARTED,
    SIGNAL_BATCH,
    SIGNAL_EPOCH,
    SIGNAL_SNAPSHOT_READY,
    SIGNAL_VALIDATE,
    SIGNAL_PROBE,
    N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_QUARK(dl-trainer-error-quark, dl_trainer_error)

GType
dl_trainer_state_get_type(void)
{
    static gsize type_id;

    if (g_once_init_enter(&type_id)) {
        static const GEnumValue values[] = {
            { DL_TRAINER_IDLE, "DL_TRAINER_IDLE", "idle" },
            { DL_TRAINER_LOADING, "DL_TRAINER_LOADING", "loading" },
            { DL_TRAINER_RUNNING, "DL_TRAINER_RUNNING", "running" },
            { DL_TRAINER_PAUSED, "DL_TRAINER_PAUSED", "paused" },
            { DL_TRAINER_STOPPING, "DL_TRAINER_STOPPING", "stopping" },
            { DL_TRAINER_PAUSING, "DL_TRAINER_PAUSING", "pausing" },
            { 0, NULL, NULL },
        };
        g_once_init_leave(&type_id, g_enum_register_static(g_intern_static_string("DlTrainerState"), values));
    }
    return type_id;
}

/* ---- what the worker thread owns ------------------------------------------ */

typedef struct {
    DlTrainer *trainer;          /* alive: the task holds a reference */
    DlTrainRequest request;
    NnDataset train;             /* loaded in the worker, or the cache moved in */
    NnDataset test;
    gboolean have_data;
    GCancellable *cancellable;
    GMainContext *context;       /* of the main thread */
    GError *record_error;        /* the run folder could not be written */
} RunData;

static void
run_data_free(gpointer data)
{
    RunData *run = data;

    g_free(run->request.data_dir);
    g_clear_pointer(&run->request.run, dl_run_unref);
    g_clear_pointer(&run->request.model, nn_model_free);
    g_clear_error(&run->record_error);
    nn_dataset_free(&run->train);
    nn_dataset_free(&run->test);
    g_clear_object(&run->cancellable);
    g_main_context_unref(run->context);
    g_free(run);
}

static void
set_state(DlTrainer *self, DlTrainerState state)
{
    gboolean was_busy = dl_trainer_get_busy(self);

    if (self->state == state)
        return;
    self->state = state;
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_STATE]);
    if (was_busy != dl_trainer_get_busy(self))
        g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);
}

typedef struct {
    GWeakRef trainer;
    int train_count;
    int val_count;
    int batches;
} StartedData;

static void
started_data_free(gpointer data)
{
    StartedData *started = data;

    g_weak_ref_clear(&started->trainer);
    g_free(started);
}

/* Main thread: MNIST is loaded, the first batch is on its way. */
static gboolean
started_cb(gpointer data)
{
    StartedData *started = data;
    g_autoptr(DlTrainer) self = g_weak_ref_get(&started->trainer);

    if (self == NULL || self->state != DL_TRAINER_LOADING)
        return G_SOURCE_REMOVE;
    set_state(self, self->paused ? DL_TRAINER_PAUSING : DL_TRAINER_RUNNING);
    g_signal_emit(self, signals[SIGNAL_STARTED], 0, started->train_count, started->val_count,
                  started->batches);
    return G_SOURCE_REMOVE;
}

typedef struct {
    GWeakRef trainer;
    guint serial;
} BlockedData;

static void
blocked_data_free(gpointer data)
{
    BlockedData *blocked = data;

    g_weak_ref_clear(&blocked->trainer);
    g_free(blocked);
}

/* Main thread: the worker is blocked by the pause `serial`. What it pushed
 * before blocking (the batch in flight) is delivered first. */
static gboolean
blocked_cb(gpointer data)
{
    BlockedData *blocked = data;
    g_autoptr(DlTrainer) self = g_weak_ref_get(&blocked->trainer);

    if (self == NULL || self->state != DL_TRAINER_PAUSING || blocked->serial != self->pause_serial)
        return G_SOURCE_REMOVE;
    dl_progress_flush(self->progress);
    if (self->state == DL_TRAINER_PAUSING)
        set_state(self, DL_TRAINER_PAUSED);
    return G_SOURCE_REMOVE;
}

/* Worker: between two batches. Blocks while paused (telling the main
 * thread once it does); TRUE once cancelled. */
static bool
should_stop(void *user)
{
    RunData *run = user;
    DlTrainer *self = run->trainer;

    g_mutex_lock(&self->pause_mutex);
    if (self->paused && !g_cancellable_is_cancelled(run->cancellable)) {
        BlockedData *blocked = g_new0(BlockedData, 1);
        g_weak_ref_init(&blocked->trainer, self);
        blocked->serial = self->pause_serial;
        g_main_context_invoke_full(run->context, G_PRIORITY_DEFAULT, blocked_cb, blocked, blocked_data_free);
    }
    while (self->paused && !g_cancellable_is_cancelled(run->cancellable))
        g_cond_wait(&self->pause_cond, &self->pause_mutex);
    g_mutex_unlock(&self->pause_mutex);

    return g_cancellable_is_cancelled(run->cancellable);
}

static void
on_batch(const NnBatchProgress *progress, void *user)
{
    RunData *run = user;

    dl_progress_push_batch(run->trainer->progress, progress);
}

static void
on_validate(int done, int total, void *user)
{
    RunData *run = user;

    dl_progress_push_validate(run->trainer->progress, done, total);
}

static void
on_probe(double position, double accuracy, double loss, void *user)
{
    RunData *run = user;
    DlProbe probe = { position, accuracy, loss };

    dl_progress_push_probe(run->trainer->progress, &probe);
}

static void
on_epoch(const NnEpochStats *stats, NnModel *model, void *user)
{
    RunData *run = user;
    DlTrainer *self = run->trainer;
    NnModel *copy = NULL;
    NnError err = { 0 };

    /* The run folder first: the app hears only of epochs it keeps. */
    if (run->request.run != NULL && run->record_error == NULL
        && !dl_run_record_epoch(run->request.run, stats, model, &run->record_error)) {
        g_cancellable_cancel(run->cancellable);
        return;
    }

    /* A fresh model each epoch: the main thread may still be using the last one. */
    if (nn_model_new(nn_model_config(model), 0, &copy, &err) != NN_OK
        || nn_model_copy_weights(copy, model, &err) != NN_OK) {
        g_warning("Could not copy the model after epoch %d: %s", stats->epoch, err.message);
        nn_model_free(copy);
        copy = NULL;
    }

    g_mutex_lock(&self->snapshot_mutex);
    if (copy != NULL) {
        nn_model_free(self->snapshot);
        self->snapshot = copy;
    }
    g_mutex_unlock(&self->snapshot_mutex);

    dl_progress_push_epoch(self->progress, stats);
}

static gboolean
return_engine_error(GTask *task, const NnError *err)
{
    if (err->status == NN_ERR_CANCELLED)
        g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", err->message);
    else
        g_task_return_new_error(task, DL_TRAINER_ERROR, err->status, "%s", err->message);
    return FALSE;
}

static void
train_thread(GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
    RunData *run = task_data;
    DlTrainRequest *req = &run->request;
    NnError err = { 0 };

    if (!run->have_data) {
        if (nn_dataset_load(req->data_dir, NN_SPLIT_TRAIN, &run->train, &err) != NN_OK
            || nn_dataset_load(req->data_dir, NN_SPLIT_TEST, &run->test, &err) != NN_OK) {
            return_engine_error(task, &err);
            return;
        }
        run->have_data = TRUE;
    }
    if (g_task_return_error_if_cancelled(task))
        return;

    NnDataset train = run->train, val = run->test;
    if (req->train_limit > 0 && req->train_limit < train.count)
        train = nn_dataset_view(&train, 0, req->train_limit);
    if (req->val_limit > 0 && req->val_limit < val.count)
        val = nn_dataset_view(&val, 0, req->val_limit);

    NnModel *model = g_steal_pointer(&req->model);
    if (model == NULL && nn_model_new(&req->model_config, req->config.seed, &model, &err) != NN_OK) {
        return_engine_error(task, &err);
        return;
    }

    StartedData *started = g_new0(StartedData, 1);
    g_weak_ref_init(&started->trainer, run->trainer);
    started->train_count = train.count;
    started->val_count = val.count;
    started->batches = (train.count + req->config.batch - 1) / MAX(req->config.batch, 1);
    g_main_context_invoke_full(g_task_get_context(task), G_PRIORITY_DEFAULT, started_cb, started,
                               started_data_free);

    NnTrainCallbacks callbacks = {
        .on_batch = on_batch, .on_epoch = on_epoch, .should_stop = should_stop,
        .on_validate = on_validate, .on_probe = on_probe, .user = run,
    };
    NnStatus status = nn_train(model, &req->config, &train, &val, &callbacks, &err);
    nn_model_free(model);

    if (req->run != NULL) {
        DlRunStatus end = status == NN_OK ? DL_RUN_FINISHED
                          : status == NN_ERR_CANCELLED || run->record_error != NULL ? DL_RUN_STOPPED : DL_RUN_FAILED;
        GError *finish_error = NULL;
        if (!dl_run_finish(req->run, end, err.message, run->record_error == NULL ? &finish_error : NULL))
            run->record_error = finish_error;
    }
    if (run->record_error != NULL)
        g_task_return_error(task, g_steal_pointer(&run->record_error));
    else if (status != NN_OK)
        return_engine_error(task, &err);
    else
        g_task_return_boolean(task, TRUE);
}

/* ---- main thread ------------------------------------------------------------ */

static void
on_progress_batch(DlProgress *progress, gpointer batch, gpointer user_data)
{
    DlTrainer *self = user_data;

    if (self->state == DL_TRAINER_IDLE)
        return;
    g_signal_emit(self, signals[SIGNAL_BATCH], 0, batch);
}

static void
on_progress_validate(DlProgress *progress, int done, int total, gpointer user_data)
{
    DlTrainer *self = user_data;

    if (self->state != DL_TRAINER_IDLE)
        g_signal_emit(self, signals[SIGNAL_VALIDATE], 0, done, total);
}

static void
on_progress_probe(DlProgress *progress, gpointer probe, gpointer user_data)
{
    DlTrainer *self = user_data;

    if (self->state != DL_TRAINER_IDLE)
        g_signal_emit(self, signals[SIGNAL_PROBE], 0, probe);
}

static void
on_progress_epoch(DlProgress *progress, gpointer stats, gpointer user_data)
{
    DlTrainer *self = user_data;
    gboolean have_snapshot;

    g_signal_emit(self, signals[SIGNAL_EPOCH], 0, stats);

    g_mutex_lock(&self->snapshot_mutex);
    have_snapshot = self->snapshot != NULL;
    g_mutex_unlock(&self->snapshot_mutex);
    if (have_snapshot)
        g_signal_emit(self, signals[SIGNAL_SNAPSHOT_READY], 0);
}

/* Runs in whatever thread cancels: wakes a paused worker. */
static void
on_cancelled(GCancellable *cancellable, gpointer user_data)
{
    DlTrainer *self = user_data;

    g_mutex_lock(&self->pause_mutex);
    g_cond_broadcast(&self->pause_cond);
    g_mutex_unlock(&self->pause_mutex);
}

/* The inner task is done: tidy up, then complete the caller's task. */
static void
train_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    DlTrainer *self = DL_TRAINER(source);
    g_autoptr(GTask) outer = user_data;
    GTask *inner = G_TASK(result);
    RunData *run = g_task_get_task_data(inner);
    GError *error = NULL;

    /* Whatever the worker pushed last is delivered before the run ends. */
    dl_progress_flush(self->progress);

    if (run->have_data && (self->cache_dir == NULL || g_strcmp0(self->cache_dir, run->request.data_dir) != 0
                           || self->cache_train.images == NULL)) {
        nn_dataset_free(&self->cache_train);
        nn_dataset_free(&self->cache_test);
        g_free(self->cache_dir);
        self->cache_dir = g_strdup(run->request.data_dir);
        self->cache_train = run->train;
        self->cache_test = run->test;
        memset(&run->train, 0, sizeof run->train);
        memset(&run->test, 0, sizeof run->test);
    }

    if (self->cancelled_id != 0)
        g_cancellable_disconnect(self->cancellable, self->cancelled_id);
    self->cancelled_id = 0;
    g_clear_object(&self->cancellable);
    g_mutex_lock(&self->pause_mutex);
    self->paused = FALSE;
    g_mutex_unlock(&self->pause_mutex);
    set_state(self, DL_TRAINER_IDLE);

    if (g_task_propagate_boolean(inner, &error))
        g_task_return_boolean(outer, TRUE);
    else
        g_task_return_error(outer, error);
}

void
dl_trainer_train_async(DlTrainer *self, const DlTrainRequest *request, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(DL_IS_TRAINER(self));
    g_return_if_fail(request != NULL && request->data_dir != NULL);
    g_return_if_fail(cancellable == NULL || G_IS_CANCELLABLE(cancellable));

    GTask *outer = g_task_new(self, cancellable, callback, user_data);
    g_task_set_source_tag(outer, dl_trainer_train_async);

    if (self->state != DL_TRAINER_IDLE) {
        nn_model_free(request->model);
        g_task_return_new_error(outer, G_IO_ERROR, G_IO_ERROR_BUSY, "Training is already running");
        g_object_unref(outer);
        return;
    }

    RunData *run = g_new0(RunData, 1);
    run->trainer = self;
    run->request = *request;
    run->request.data_dir = g_strdup(request->data_dir);
    if (request->run != NULL)
        dl_run_ref(request->run);
    run->cancellable = cancellable != NULL ? g_object_ref(cancellable) : g_cancellable_new();
    run->context = g_main_context_ref_thread_default();

    /* MNIST from the last run in the same folder is moved in, not reloaded. */
    if (self->cache_dir != NULL && g_strcmp0(self->cache_dir, request->data_dir) == 0
        && self->cache_train.images != NULL) {
        run->train = self->cache_train;
        run->test = self->cache_test;
        memset(&self->cache_train, 0, sizeof self->cache_train);
        memset(&self->cache_test, 0, sizeof self->cache_test);
        run->have_data = TRUE;
    }

    g_mutex_lock(&self->snapshot_mutex);
    g_clear_pointer(&self->snapshot, nn_model_free);
    g_mutex_unlock(&self->snapshot_mutex);
    dl_progress_reset(self->progress);

    self->cancellable = g_object_ref(run->cancellable);
    self->cancelled_id = g_cancellable_connect(self->cancellable, G_CALLBACK(on_cancelled), self, NULL);
    g_mutex_lock(&self->pause_mutex);
    self->paused = FALSE;
    g_mutex_unlock(&self->pause_mutex);
    set_state(self, DL_TRAINER_LOADING);

    g_autoptr(GTask) inner = g_task_new(self, run->cancellable, train_done, outer);
    g_task_set_source_tag(inner, train_thread);
    g_task_set_name(inner, "[digitlab] training");
    g_task_set_task_data(inner, run, run_data_free);
    /* The engine returns NN_ERR_CANCELLED itself; no early return on cancel. */
    g_task_set_return_on_cancel(inner, FALSE);
    g_task_run_in_thread(inner, train_thread);
}

gboolean
dl_trainer_train_finish(DlTrainer *self, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(DL_IS_TRAINER(self), FALSE);
    g_return_val_if_fail(g_task_is_valid(result, self), FALSE);

    return g_task_propagate_boolean(G_TASK(result), error);
}

void
dl_trainer_pause(DlTrainer *self)
{
    g_return_if_fail(DL_IS_TRAINER(self));

    if (self->state != DL_TRAINER_RUNNING && self->state != DL_TRAINER_LOADING)
        return;
    g_mutex_lock(&self->pause_mutex);
    self->paused = TRUE;
    self->pause_serial++;
    g_mutex_unlock(&self->pause_mutex);
    if (self->state == DL_TRAINER_RUNNING)
        set_state(self, DL_TRAINER_PAUSING);
}

void
dl_trainer_resume(DlTrainer *self)
{
    g_return_if_fail(DL_IS_TRAINER(self));

    g_mutex_lock(&self->pause_mutex);
    gboolean was_paused = self->paused;
    self->paused = FALSE;
    g_cond_broadcast(&self->pause_cond);
    g_mutex_unlock(&self->pause_mutex);
    if (was_paused && (self->state == DL_TRAINER_PAUSED || self->state == DL_TRAINER_PAUSING))
        set_state(self, DL_TRAINER_RUNNING);
}

gboolean
dl_trainer_get_paused(DlTrainer *self)
{
    g_return_val_if_fail(DL_IS_TRAINER(self), FALSE);

    return self->state == DL_TRAINER_PAUSED || self->state == DL_TRAINER_PAUSING;
}

void
dl_trainer_stop(DlTrainer *self)
{
    g_return_if_fail(DL_IS_TRAINER(self));

    if (self->state == DL_TRAINER_IDLE || self->state == DL_TRAINER_STOPPING)
        return;
    set_state(self, DL_TRAINER_STOPPING);
    g_cancellable_cancel(self->cancellable);
}

NnModel *
dl_trainer_steal_snapshot(DlTrainer *self)
{
    g_return_val_if_fail(DL_IS_TRAINER(self), NULL);

    g_mutex_lock(&self->snapshot_mutex);
    NnModel *model = g_steal_pointer(&self->snapshot);
    g_mutex_unlock(&self->snapshot_mutex);
    return model;
}

DlTrainerState
dl_trainer_get_state(DlTrainer *self)
{
    g_return_val_if_fail(DL_IS_TRAINER(self), DL_TRAINER_IDLE);

    return self->state;
}

gboolean
dl_trainer_get_busy(DlTrainer *self)
{
    g_return_val_if_fail(DL_IS_TRAINER(self), FALSE);

    return self->state != DL_TRAINER_IDLE;
}

/* ---- GObject ----------------------------------------------------------------- */

static void
dl_trainer_dispose(GObject *object)
{
    DlTrainer *self = DL_TRAINER(object);

    /* A run holds a reference to the trainer through its task, so a trainer
     * being disposed has no worker left. */
    if (self->progress != NULL)
        g_signal_handlers_disconnect_by_data(self->progress, self);
    g_clear_object(&self->progress);

    G_OBJECT_CLASS(dl_trainer_parent_class)->dispose(object);
}

static void
dl_trainer_finalize(GObject *object)
{
    DlTrainer *self = DL_TRAINER(object);

    g_clear_pointer(&self->snapshot, nn_model_free);
    nn_dataset_free(&self->cache_train);
    nn_dataset_free(&self->cache_test);
    g_free(self->cache_dir);
    g_mutex_clear(&self->pause_mutex);
    g_cond_clear(&self->pause_cond);
    g_mutex_clear(&self->snapshot_mutex);

    G_OBJECT_CLASS(dl_trainer_parent_class)->finalize(object);
}

static void
dl_trainer_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    DlTrainer *self = DL_TRAINER(object);

    switch (prop_id) {
    case PROP_STATE:
        g_value_set_enum(value, self->state);
        break;
    case PROP_BUSY:
        g_value_set_boolean(value, dl_trainer_get_busy(self));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_trainer_class_init(DlTrainerClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = dl_trainer_dispose;
    object_class->finalize = dl_trainer_finalize;
    object_class->get_property = dl_trainer_get_property;

    properties[PROP_STATE] =
        g_param_spec_enum("state", NULL, NULL, DL_TYPE_TRAINER_STATE, DL_TRAINER_IDLE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    properties[PROP_BUSY] =
        g_param_spec_boolean("busy", NULL, NULL, FALSE,
                             G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);

    /**
     * DlTrainer::started:
     * MNIST is loaded: training on @train_count images, validating on
     * @val_count, @batches batches per epoch.
     */
    signals[SIGNAL_STARTED] = g_signal_new("started", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                           NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_INT, G_TYPE_INT,
                                           G_TYPE_INT);
    /* The newest NnBatchProgress (a pointer valid during the emission). */
    signals[SIGNAL_BATCH] = g_signal_new("batch", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                         NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
    /* Every finished epoch's NnEpochStats, in order. */
    signals[SIGNAL_EPOCH] = g_signal_new("epoch", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                         NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
    /* Validation after an epoch: (int done, int total) images. */
    signals[SIGNAL_VALIDATE] = g_signal_new("validate", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                            NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
    /* Every probe's DlProbe (a pointer valid during the emission), in order. */
    signals[SIGNAL_PROBE] = g_signal_new("probe", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                         NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
    /* dl_trainer_steal_snapshot() has a new model. */
    signals[SIGNAL_SNAPSHOT_READY] = g_signal_new("snapshot-ready", G_TYPE_FROM_CLASS(klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dl_trainer_init(DlTrainer *self)
{
    g_mutex_init(&self->pause_mutex);
    g_cond_init(&self->pause_cond);
    g_mutex_init(&self->snapshot_mutex);
    self->progress = dl_progress_new();
    g_signal_connect(self->progress, "batch", G_CALLBACK(on_progress_batch), self);
    g_signal_connect(self->progress, "epoch", G_CALLBACK(on_progress_epoch), self);
    g_signal_connect(self->progress, "validate", G_CALLBACK(on_progress_validate), self);
    g_signal_connect(self->progress, "probe", G_CALLBACK(on_progress_probe), self);
}

DlTrainer *
dl_trainer_new(void)
{
    return g_object_new(DL_TYPE_TRAINER, NULL);
}
