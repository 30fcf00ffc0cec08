/* dl-finetuner.c — teaching a model the class's handwriting in a worker;
 * see dl-finetuner.h. */
#include "dl-finetuner.h"

#include <glib/gi18n.h>
#include <string.h>

#include "dl-datadir.h"
#include "dl-progress.h"
#include "dl-recipe.h"
#include "gemm.h"
#include "verdict.h"

struct _DlFinetuner {
    GObject parent_instance;

    DlProgress *progress;
    gboolean busy;
    double fraction;
    char *phase;

    /* MNIST's training images as read by the last run, for the next from
     * the same folder (moved into the run and back). */
    char *cache_dir;
    NnDataset cache;
};

G_DEFINE_FINAL_TYPE(DlFinetuner, dl_finetuner, G_TYPE_OBJECT)

G_DEFINE_QUARK(dl-finetuner-error-quark, dl_finetuner_error)

enum {
    PROP_0,
    PROP_BUSY,
    PROP_FRACTION,
    PROP_PHASE,
    N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
dl_finetune_request_clear(DlFinetuneRequest *request)
{
    g_return_if_fail(request != NULL);

    g_clear_pointer(&request->model, nn_model_free);
    g_clear_pointer(&request->drawings, dl_test_set_unref);
    g_clear_pointer(&request->held_back, dl_test_set_unref);
    g_clear_pointer(&request->mnist_test, dl_test_set_unref);
    g_clear_pointer(&request->data_dir, g_free);
}

void
dl_finetune_result_free(DlFinetuneResult *result)
{
    if (result == NULL)
        return;
    nn_model_free(result->model);
    g_clear_pointer(&result->mnist_evaluation, dl_evaluation_unref);
    g_free(result);
}

/* ---- the worker ---------------------------------------------------------------- */

typedef struct {
    GWeakRef finetuner;
    DlProgress *progress;      /* thread-safe pushes */
    GMainContext *context;
    DlFinetuneRequest request;
    NnDataset mnist;           /* the cache moved in, or read here */
    char *mnist_dir;           /* of mnist */
    GCancellable *cancellable;
} RunData;

static void
run_data_free(gpointer data)
{
    RunData *run = data;

    g_weak_ref_clear(&run->finetuner);
    g_object_unref(run->progress);
    g_main_context_unref(run->context);
    dl_finetune_request_clear(&run->request);
    nn_dataset_free(&run->mnist);
    g_free(run->mnist_dir);
    g_clear_object(&run->cancellable);
    g_free(run);
}

typedef struct {
    GWeakRef finetuner;
    char *phase;
} PhaseData;

static void
phase_data_free(gpointer data)
{
    PhaseData *phase = data;

    g_weak_ref_clear(&phase->finetuner);
    g_free(phase->phase);
    g_free(phase);
}

static void
set_phase(DlFinetuner *self, const char *phase)
{
    if (g_strcmp0(phase, self->phase) == 0)
        return;
    g_free(self->phase);
    self->phase = g_strdup(phase);
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_PHASE]);
}

static gboolean
phase_cb(gpointer data)
{
    PhaseData *phase = data;
    g_autoptr(DlFinetuner) self = g_weak_ref_get(&phase->finetuner);

    if (self != NULL && self->busy)
        set_phase(self, phase->phase);
    return G_SOURCE_REMOVE;
}

/* Worker: tells the main thread what it is doing now. */
static void
push_phase(RunData *run, const char *text)
{
    PhaseData *phase = g_new0(PhaseData, 1);
    g_autoptr(DlFinetuner) self = g_weak_ref_get(&run->finetuner);

    g_weak_ref_init(&phase->finetuner, self);
    phase->phase = g_strdup(text);
    g_main_context_invoke_full(run->context, G_PRIORITY_DEFAULT, phase_cb, phase, phase_data_free);
}

static bool
should_stop(void *user)
{
    RunData *run = user;

    return g_cancellable_is_cancelled(run->cancellable);
}

static void
on_batch(const NnBatchProgress *progress, void *user)
{
    RunData *run = user;

    dl_progress_push_batch(run->progress, progress);
}

static gboolean
return_error(GTask *task, const NnError *err)
{
    if (err->status == NN_ERR_CANCELLED)
        g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", err->message);
    else
        g_task_return_new_error(task, DL_FINETUNER_ERROR, err->status, "%s", err->message);
    return FALSE;
}

/* Correct answers of model on a test set; -1 on failure (err set). */
static int
correct(NnModel *model, DlTestSet *test_set, RunData *run, NnError *err)
{
    NnEvalResult result;
    NnEvalOptions options = { .should_stop = should_stop, .user = run };

    if (nn_evaluate_ex(model, dl_test_set_get_dataset(test_set), &options, &result, err) != NN_OK)
        return -1;
    return nn_eval_correct(&result);
}

static double
accuracy(NnModel *model, DlTestSet *test_set, RunData *run, NnError *err)
{
    int right = correct(model, test_set, run, err);

    return right < 0 ? -1.0 : (double)right / MAX(dl_test_set_get_count(test_set), 1);
}

static void
run_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    RunData *run = task_data;
    DlFinetuneRequest *req = &run->request;
    NnError err = { 0 };
    gint64 start = g_get_monotonic_time();
    g_autoptr(DlFinetuneResult) result = g_new0(DlFinetuneResult, 1);

    result->mnist_before = result->mnist_after = -1.0;
    result->drawings = dl_test_set_get_count(req->drawings);
    nn_set_threads(req->config.threads);

    if (run->mnist.images == NULL && req->data_dir != NULL && dl_data_dir_has_mnist(req->data_dir)) {
        push_phase(run, _("Reading MNIST’s training images…"));
        if (nn_dataset_load(req->data_dir, NN_SPLIT_TRAIN, &run->mnist, &err) != NN_OK) {
            return_error(task, &err);
            return;
        }
        run->mnist_dir = g_strdup(req->data_dir);
    }
    result->with_mnist = run->mnist.images != NULL;

    push_phase(run, _("Testing the model as it is…"));
    if (req->held_back != NULL) {
        result->held_back = dl_test_set_get_count(req->held_back);
        if ((result->held_before = correct(req->model, req->held_back, run, &err)) < 0) {
            return_error(task, &err);
            return;
        }
    }
    if (req->mnist_test != NULL) {
        result->mnist_before = req->mnist_before >= 0 ? req->mnist_before
                                                      : accuracy(req->model, req->mnist_test, run, &err);
        if (result->mnist_before < 0) {
            return_error(task, &err);
            return;
        }
    }

    push_phase(run, result->with_mnist ? _("Learning the drawings, mixed with MNIST…")
                                       : _("Learning the drawings alone (no MNIST)…"));
    /* The MNIST images the model's training held out for its calibration
     * stay out of the mix, to calibrate the taught model again. */
    int held = result->with_mnist ? dl_recipe_held_out_to_recalibrate(nn_model_recipe(req->model), run->mnist.count)
                                  : 0;
    NnDataset mix_from = nn_dataset_view(&run->mnist, 0, run->mnist.count - held);
    NnTrainCallbacks callbacks = { .on_batch = on_batch, .should_stop = should_stop, .user = run };
    if (nn_finetune(req->model, &req->config, dl_test_set_get_dataset(req->drawings),
                    result->with_mnist ? &mix_from : NULL, NULL, &callbacks, &err) != NN_OK) {
        return_error(task, &err);
        return;
    }
    if (held > 0) {
        push_phase(run, _("Calibrating on MNIST images it never learnt from…"));
        NnDataset held_out = nn_dataset_view(&run->mnist, run->mnist.count - held, held);
        NnCalibration calibration;
        if (nn_calibrate(req->model, &held_out, req->config.seed, &calibration, &err) != NN_OK) {
            return_error(task, &err);
            return;
        }
        result->calibrated_on = held;
    }
    /* What it learned, in the model's recipe, and which MNIST images are
     * still held out (digitlab-cli calibrate reads this). */
    g_autofree char *mix = !result->with_mnist ? g_strdup("")
                           : held > 0 ? g_strdup_printf(", mixed with MNIST's training images, holding out the last %d "
                                                        "MNIST images", held)
                                      : g_strdup(", mixed with all of MNIST's training images");
    g_autofree char *recipe = g_strdup_printf("%s; then taught %d drawings in Digit Lab%s", nn_model_recipe(req->model),
                                              dl_test_set_get_dataset(req->drawings)->count, mix);
    nn_model_set_recipe(req->model, recipe);

    push_phase(run, _("Testing the taught model…"));
    if (req->held_back != NULL && (result->held_after = correct(req->model, req->held_back, run, &err)) < 0) {
        return_error(task, &err);
        return;
    }
    if (req->mnist_test != NULL) {
        /* The whole evaluation, so the session need not make it again. */
        GError *error = NULL;
        result->mnist_evaluation = dl_evaluation_compute(req->model, req->mnist_test, cancellable, NULL, NULL, &error);
        if (result->mnist_evaluation == NULL) {
            g_task_return_error(task, error);
            return;
        }
        result->mnist_after = dl_evaluation_get_result(result->mnist_evaluation)->accuracy;
    }
    result->model = g_steal_pointer(&req->model);
    result->seconds = (g_get_monotonic_time() - start) / 1e6;
    g_task_return_pointer(task, g_steal_pointer(&result), (GDestroyNotify)dl_finetune_result_free);
}

/* ---- the main thread ------------------------------------------------------------- */

static void
set_busy(DlFinetuner *self, gboolean busy)
{
    if (self->busy == busy)
        return;
    self->busy = busy;
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);
}

static void
set_fraction(DlFinetuner *self, double fraction)
{
    if (self->fraction == fraction)
        return;
    self->fraction = fraction;
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_FRACTION]);
}

static void
on_progress_batch(DlFinetuner *self, gpointer data, DlProgress *progress)
{
    const NnBatchProgress *p = data;

    if (!self->busy || p->epochs < 1 || p->batches < 1)
        return;
    set_fraction(self, CLAMP(((double)p->epoch * p->batches + p->batch) / ((double)p->epochs * p->batches), 0.0, 1.0));
}

static void
run_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    DlFinetuner *self = DL_FINETUNER(source);
    g_autoptr(GTask) outer = user_data;
    RunData *run = g_task_get_task_data(G_TASK(result));
    GError *error = NULL;

    dl_progress_flush(self->progress);
    /* MNIST stays for the next run. */
    if (run->mnist.images != NULL && self->cache.images == NULL) {
        self->cache = run->mnist;
        memset(&run->mnist, 0, sizeof run->mnist);
        g_free(self->cache_dir);
        self->cache_dir = g_steal_pointer(&run->mnist_dir);
    }
    set_busy(self, FALSE);
    set_phase(self, NULL);

    DlFinetuneResult *taught = g_task_propagate_pointer(G_TASK(result), &error);
    if (taught != NULL)
        g_task_return_pointer(outer, taught, (GDestroyNotify)dl_finetune_result_free);
    else
        g_task_return_error(outer, error);
}

void
dl_finetuner_run_async(DlFinetuner *self, DlFinetuneRequest *request, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(DL_IS_FINETUNER(self));
    g_return_if_fail(request != NULL && request->model != NULL && request->drawings != NULL);

    GTask *outer = g_task_new(self, cancellable, callback, user_data);
    g_task_set_source_tag(outer, dl_finetuner_run_async);
    if (self->busy) {
        dl_finetune_request_clear(request);
        g_task_return_new_error(outer, G_IO_ERROR, G_IO_ERROR_BUSY, "Already teaching");
        g_object_unref(outer);
        return;
    }

    RunData *run = g_new0(RunData, 1);
    g_weak_ref_init(&run->finetuner, self);
    run->progress = g_object_ref(self->progress);
    run->context = g_main_context_ref_thread_default();
    run->request = *request;
    memset(request, 0, sizeof *request);
    run->cancellable = cancellable != NULL ? g_object_ref(cancellable) : g_cancellable_new();
    if (self->cache.images != NULL && g_strcmp0(self->cache_dir, run->request.data_dir) == 0) {
        run->mnist = self->cache;
        memset(&self->cache, 0, sizeof self->cache);
        run->mnist_dir = g_steal_pointer(&self->cache_dir);
    }

    dl_progress_reset(self->progress);
    set_fraction(self, 0.0);
    set_phase(self, _("Starting…"));
    set_busy(self, TRUE);

    g_autoptr(GTask) inner = g_task_new(self, run->cancellable, run_done, outer);
    g_task_set_source_tag(inner, run_thread);
    g_task_set_name(inner, "[digitlab] teach");
    g_task_set_task_data(inner, run, run_data_free);
    g_task_set_return_on_cancel(inner, FALSE);
    g_task_run_in_thread(inner, run_thread);
}

DlFinetuneResult *
dl_finetuner_run_finish(DlFinetuner *self, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(DL_IS_FINETUNER(self), NULL);
    g_return_val_if_fail(g_task_is_valid(result, self), NULL);

    return g_task_propagate_pointer(G_TASK(result), error);
}

gboolean
dl_finetuner_get_busy(DlFinetuner *self)
{
    g_return_val_if_fail(DL_IS_FINETUNER(self), FALSE);

    return self->busy;
}

double
dl_finetuner_get_fraction(DlFinetuner *self)
{
    g_return_val_if_fail(DL_IS_FINETUNER(self), 0.0);

    return self->fraction;
}

const char *
dl_finetuner_get_phase(DlFinetuner *self)
{
    g_return_val_if_fail(DL_IS_FINETUNER(self), NULL);

    return self->phase;
}

/* ---- GObject ------------------------------------------------------------------------ */

static void
dl_finetuner_dispose(GObject *object)
{
    DlFinetuner *self = DL_FINETUNER(object);

    /* A run holds a reference through its task: a finetuner being disposed
     * has none left. */
    if (self->progress != NULL)
        g_signal_handlers_disconnect_by_data(self->progress, self);
    g_clear_object(&self->progress);
    G_OBJECT_CLASS(dl_finetuner_parent_class)->dispose(object);
}

static void
dl_finetuner_finalize(GObject *object)
{
    DlFinetuner *self = DL_FINETUNER(object);

    g_free(self->phase);
    g_free(self->cache_dir);
    nn_dataset_free(&self->cache);
    G_OBJECT_CLASS(dl_finetuner_parent_class)->finalize(object);
}

static void
dl_finetuner_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    DlFinetuner *self = DL_FINETUNER(object);

    switch (prop_id) {
    case PROP_BUSY:
        g_value_set_boolean(value, self->busy);
        break;
    case PROP_FRACTION:
        g_value_set_double(value, self->fraction);
        break;
    case PROP_PHASE:
        g_value_set_string(value, self->phase);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_finetuner_class_init(DlFinetunerClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

    object_class->dispose = dl_finetuner_dispose;
    object_class->finalize = dl_finetuner_finalize;
    object_class->get_property = dl_finetuner_get_property;

    properties[PROP_BUSY] = g_param_spec_boolean("busy", NULL, NULL, FALSE, ro);
    properties[PROP_FRACTION] = g_param_spec_double("fraction", NULL, NULL, 0.0, 1.0, 0.0, ro);
    properties[PROP_PHASE] = g_param_spec_string("phase", NULL, NULL, NULL, ro);
    g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void
dl_finetuner_init(DlFinetuner *self)
{
    self->progress = dl_progress_new();
    g_signal_connect_swapped(self->progress, "batch", G_CALLBACK(on_progress_batch), self);
}

DlFinetuner *
dl_finetuner_new(void)
{
    return g_object_new(DL_TYPE_FINETUNER, NULL);
}
