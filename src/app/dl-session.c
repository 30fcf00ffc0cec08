/* dl-session.c — what the pages share; see dl-session.h. */
#include "dl-session.h"

#include <glib/gi18n.h>
#include <string.h>

#include "dl-datadir.h"
#include "dl-follow.h"
#include "dl-format.h"
#include "dl-progress.h"
#include "dl-settings.h"
#include "gemm.h"

struct _DlSession {
    GObject parent_instance;

    DlRecognizer *recognizer;
    DlTrainer *trainer;
    DlHistory *history;
    DlCollection *collection;
    GCancellable *train_cancellable;
    DlRun *run;               /* of the last run started */
    GArray *resumed_epochs;   /* NnEpochStats of a resumed run before it went on */
    char *runs_root;

    DlModelSource model_source;
    char *model_path;
    char *model_name;         /* of model_path, when it is a run's model */
    int model_epoch;
    int run_epochs;
    gboolean saved;           /* the run's newest epoch is in model_path */
    /* The model before the taught one (or after, once swapped back). */
    NnModel *previous;
    DlModelSource previous_source;
    char *previous_path;
    gboolean swapping;        /* set_model() keeps the previous model */
    gboolean evaluated;       /* set_model() is given a model already evaluated */
    NnSchedule run_schedule;
    gboolean run_per_step_lr;
    int run_val_count;
    NnEpochStats last_epoch;  /* of the run, for its snapshot */
    DlFollow follow;

    char *data_dir;           /* of the test set loaded or loading */
    DlTestSetState test_set_state;
    char *test_set_error;
    DlTestSet *test_set;
    GCancellable *load_cancellable;

    DlEvaluation *evaluation;
    gboolean evaluation_current; /* of the model in use */
    char *evaluation_model;
    GCancellable *eval_cancellable; /* of the evaluation running, or NULL */
    gboolean eval_again;            /* the model changed while it ran */
    int threads;

    DlInputKind input_kind;
    int input_index;
    DlStrokeSet *drawing;

    /* Worker threads still running: dispose waits for them, so none is left
     * running into the process's exit. */
    GMutex workers_mutex;
    GCond workers_cond;
    int workers;
};

G_DEFINE_FINAL_TYPE(DlSession, dl_session, G_TYPE_OBJECT)

enum {
    PROP_0,
    PROP_MODEL_SOURCE,
    PROP_MODEL_PATH,
    PROP_MODEL_EPOCH,
    PROP_HAS_MODEL,
    PROP_UNSAVED,
    PROP_HAS_PREVIOUS_MODEL,
    PROP_TRAINING,
    PROP_TEST_SET_STATE,
    PROP_EVALUATION,
    PROP_EVALUATING,
    PROP_THREADS,
    PROP_FOLLOW_TRAINING,
    PROP_HELD_EPOCH,
    N_PROPS
};

enum {
    SIGNAL_MODEL_CHANGED,
    SIGNAL_TRAINING_DONE,
    SIGNAL_INPUT_CHANGED,
    SIGNAL_MODEL_HELD,
    SIGNAL_DRAWING_CHANGED,
    SIGNAL_RUNS_CHANGED,
    N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void schedule_evaluation(DlSession *self);
static void forget_previous(DlSession *self);

/* ---- the model ------------------------------------------------------------------ */

static void
notify(DlSession *self, int prop)
{
    g_object_notify_by_pspec(G_OBJECT(self), properties[prop]);
}

/* Takes model (NULL: keep the recogniser's); announces the change. */
static void
set_model(DlSession *self, NnModel *model, DlModelSource source, const char *path)
{
    gboolean had_model = dl_recognizer_has_model(self->recognizer);
    gboolean was_unsaved = dl_session_get_unsaved(self);
    int epoch = self->model_epoch;

    g_object_freeze_notify(G_OBJECT(self));
    if (model != NULL && source != DL_MODEL_TAUGHT && !self->swapping)
        forget_previous(self);
    if (model != NULL) {
        self->evaluation_current = FALSE;
        dl_recognizer_set_model(self->recognizer, model);
        self->model_epoch = nn_model_epochs_done(model);
        if (source == DL_MODEL_TRAINING)
            self->saved = FALSE;
    }
    if (g_strcmp0(path, self->model_path) != 0) {
        g_free(self->model_path);
        self->model_path = g_strdup(path);
        notify(self, PROP_MODEL_PATH);
    }
    if (source != self->model_source) {
        self->model_source = source;
        notify(self, PROP_MODEL_SOURCE);
    }
    if (epoch != self->model_epoch)
        notify(self, PROP_MODEL_EPOCH);
    if (had_model != dl_recognizer_has_model(self->recognizer))
        notify(self, PROP_HAS_MODEL);
    if (was_unsaved != dl_session_get_unsaved(self))
        notify(self, PROP_UNSAVED);
    g_object_thaw_notify(G_OBJECT(self));

    g_signal_emit(self, signals[SIGNAL_MODEL_CHANGED], 0);
    if (model != NULL && !self->evaluated)
        schedule_evaluation(self);
}

DlModelSource
dl_session_get_model_source(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), DL_MODEL_NONE);

    return self->model_source;
}

const char *
dl_session_get_model_path(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), NULL);

    return self->model_source == DL_MODEL_FILE ? self->model_path : NULL;
}

int
dl_session_get_model_epoch(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), 0);

    return self->model_epoch;
}

int
dl_session_get_run_epochs(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), 0);

    return self->run_epochs;
}

gboolean
dl_session_has_model(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), FALSE);

    return dl_recognizer_has_model(self->recognizer);
}

gboolean
dl_session_get_unsaved(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), FALSE);

    return self->model_source == DL_MODEL_TRAINED || self->model_source == DL_MODEL_TAUGHT
           || (self->model_source == DL_MODEL_TRAINING && !self->saved);
}

void
dl_session_describe_model(DlSession *self, char **sentence, char **short_name)
{
    g_return_if_fail(DL_IS_SESSION(self));

    char *text = NULL, *name = NULL;
    switch (self->model_source) {
    case DL_MODEL_BUNDLED:
        text = g_strdup(_("Recognised by the bundled model: trained on MNIST with other hands’ styles and with non-digits"));
        name = g_strdup(_("Bundled model"));
        break;
    case DL_MODEL_FILE: {
        if (self->model_name != NULL) {
            text = g_strdup_printf(_("Recognised by the model of the run “%s”"), self->model_name);
            name = g_strdup_printf(_("Run “%s”"), self->model_name);
            break;
        }
        g_autofree char *base = g_filename_display_basename(self->model_path);
        text = g_strdup_printf(_("Recognised by %s"), base);
        name = g_strdup(base);
        break;
    }
    case DL_MODEL_TRAINING:
        text = g_strdup_printf(_("Recognised by the model being trained, as of epoch %d of %d"),
                               self->model_epoch, self->run_epochs);
        name = g_strdup_printf(_("Training: model of epoch %d of %d"), self->model_epoch, self->run_epochs);
        break;
    case DL_MODEL_TRAINED:
        text = g_strdup_printf(_("Recognised by the model trained here (epoch %d), not saved"), self->model_epoch);
        name = g_strdup_printf(_("Trained model (epoch %d), not saved"), self->model_epoch);
        break;
    case DL_MODEL_TAUGHT:
        text = g_strdup(_("Recognised by the model taught the class’s handwriting here, not saved"));
        name = g_strdup(_("Taught the class’s handwriting, not saved"));
        break;
    case DL_MODEL_NONE:
    default:
        text = g_strdup(_("No model: train one, or open a model file"));
        name = g_strdup(_("No model"));
        break;
    }
    if (sentence != NULL)
        *sentence = text;
    else
        g_free(text);
    if (short_name != NULL)
        *short_name = name;
    else
        g_free(name);
}

/* Why a model file did not load, in plain words and what to do next: the
 * engine's message names the path and its internals (sizes, checksums). */
static const char *
model_load_problem(NnStatus status)
{
    switch (status) {
    case NN_ERR_IO:
        return _("The file could not be read. Check that it still exists and that you may open it.");
    case NN_ERR_CHECKSUM:
        return _("The file is damaged, perhaps cut short while it was copied. Save or copy it again.");
    case NN_ERR_VERSION:
        return _("It was saved by a newer Digit Lab. Open it there, or update this one.");
    case NN_ERR_ARCH:
        return _("It holds a network this Digit Lab cannot build.");
    case NN_ERR_NOMEM:
        return _("There is not enough memory to open it.");
    case NN_ERR_FORMAT:
    default:
        return _("This is not a Digit Lab model file. Choose a model saved by Digit Lab (.dlm).");
    }
}

gboolean
dl_session_load_model(DlSession *self, const char *path, GError **error)
{
    g_return_val_if_fail(DL_IS_SESSION(self), FALSE);
    g_return_val_if_fail(path != NULL, FALSE);

    NnModel *model = NULL;
    NnError err = { 0 };
    if (nn_model_load(path, &model, &err) != NN_OK) {
        g_debug("%s", err.message);
        g_set_error_literal(error, DL_RECOGNIZER_ERROR, DL_RECOGNIZER_ERROR_ENGINE, model_load_problem(err.status));
        return FALSE;
    }
    /* A run's model.dlm is named by its run. */
    g_autofree char *base = g_path_get_basename(path), *dir = g_path_get_dirname(path);
    g_autoptr(DlRun) run = strcmp(base, "model.dlm") == 0 ? dl_run_load(dir, NULL) : NULL;
    g_free(self->model_name);
    self->model_name = run != NULL ? g_strdup(dl_run_get_name(run)) : NULL;
    set_model(self, model, DL_MODEL_FILE, path);
    return TRUE;
}

gboolean
dl_session_load_bundled_model(DlSession *self, GError **error)
{
    g_return_val_if_fail(DL_IS_SESSION(self), FALSE);

    g_autofree char *path = dl_find_bundled_model();
    if (path == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    _("The bundled model (digitlab-default.dlm) is not installed"));
        return FALSE;
    }
    NnModel *model = NULL;
    NnError err = { 0 };
    if (nn_model_load(path, &model, &err) != NN_OK) {
        g_set_error(error, DL_RECOGNIZER_ERROR, DL_RECOGNIZER_ERROR_ENGINE, "%s", err.message);
        return FALSE;
    }
    set_model(self, model, DL_MODEL_BUNDLED, NULL);
    return TRUE;
}

gboolean
dl_session_save_model(DlSession *self, const char *path, GError **error)
{
    g_return_val_if_fail(DL_IS_SESSION(self), FALSE);
    g_return_val_if_fail(path != NULL, FALSE);

    NnModel *model = dl_recognizer_get_model(self->recognizer);
    if (model == NULL) {
        g_set_error_literal(error, DL_RECOGNIZER_ERROR, DL_RECOGNIZER_ERROR_NO_MODEL, _("There is no model to save."));
        return FALSE;
    }
    NnError err = { 0 };
    if (nn_model_save(model, path, 0, &err) != NN_OK) {
        g_set_error_literal(error, DL_RECOGNIZER_ERROR, DL_RECOGNIZER_ERROR_ENGINE, err.message);
        return FALSE;
    }
    g_clear_pointer(&self->model_name, g_free);
    if (dl_trainer_get_busy(self->trainer)) {
        /* The run goes on replacing the model; the file keeps this epoch. */
        gboolean was_unsaved = dl_session_get_unsaved(self);
        g_free(self->model_path);
        self->model_path = g_strdup(path);
        self->saved = TRUE;
        if (was_unsaved)
            notify(self, PROP_UNSAVED);
    } else {
        set_model(self, NULL, DL_MODEL_FILE, path);
    }
    return TRUE;
}

/* ---- the taught model and the one before it ---------------------------------------------- */

static void
forget_previous(DlSession *self)
{
    if (self->previous == NULL)
        return;
    g_clear_pointer(&self->previous, nn_model_free);
    g_clear_pointer(&self->previous_path, g_free);
    self->previous_source = DL_MODEL_NONE;
    notify(self, PROP_HAS_PREVIOUS_MODEL);
}

/* Takes the recogniser's model out as the previous one (a copy: the
 * recogniser frees what it replaces). */
static gboolean
keep_current_as_previous(DlSession *self)
{
    g_autoptr(GError) error = NULL;
    NnModel *current = dl_recognizer_get_model(self->recognizer);
    NnModel *copy = current != NULL ? dl_model_copy(current, &error) : NULL;

    if (copy == NULL) {
        if (error != NULL)
            g_message("Could not keep the model before the taught one: %s", error->message);
        return FALSE;
    }
    gboolean had = self->previous != NULL;
    g_clear_pointer(&self->previous, nn_model_free);
    g_free(self->previous_path);
    self->previous = copy;
    self->previous_source = self->model_source;
    self->previous_path = g_strdup(dl_session_get_model_path(self));
    if (!had)
        notify(self, PROP_HAS_PREVIOUS_MODEL);
    return TRUE;
}

void
dl_session_use_taught_model(DlSession *self, NnModel *model, DlEvaluation *evaluation)
{
    g_return_if_fail(DL_IS_SESSION(self));
    g_return_if_fail(model != NULL);

    keep_current_as_previous(self);
    gboolean evaluated = evaluation != NULL && self->test_set != NULL
                         && dl_evaluation_get_test_set(evaluation) == self->test_set;
    self->evaluated = evaluated;
    set_model(self, model, DL_MODEL_TAUGHT, NULL);
    self->evaluated = FALSE;
    if (!evaluated)
        return;
    /* An evaluation of an older model still running is of no use now. */
    if (self->eval_cancellable != NULL) {
        self->eval_again = FALSE;
        g_cancellable_cancel(self->eval_cancellable);
    }
    g_clear_pointer(&self->evaluation, dl_evaluation_unref);
    self->evaluation = dl_evaluation_ref(evaluation);
    g_free(self->evaluation_model);
    dl_session_describe_model(self, NULL, &self->evaluation_model);
    notify(self, PROP_EVALUATION);
}

gboolean
dl_session_get_has_previous_model(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), FALSE);

    return self->previous != NULL;
}

DlModelSource
dl_session_get_previous_source(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), DL_MODEL_NONE);

    return self->previous != NULL ? self->previous_source : DL_MODEL_NONE;
}

void
dl_session_swap_previous_model(DlSession *self)
{
    g_return_if_fail(DL_IS_SESSION(self));

    if (self->previous == NULL || dl_trainer_get_busy(self->trainer))
        return;
    NnModel *model = g_steal_pointer(&self->previous);
    DlModelSource source = self->previous_source;
    g_autofree char *path = g_steal_pointer(&self->previous_path);

    keep_current_as_previous(self);
    self->swapping = TRUE;
    set_model(self, model, source, path);
    self->swapping = FALSE;
}

/* ---- training ----------------------------------------------------------------------- */

/* A new run's history, with a resumed run's epochs so far. */
static void
reset_history(DlSession *self, int batches)
{
    dl_history_reset(self->history, &self->run_schedule, self->run_epochs, batches, self->run_per_step_lr);
    for (guint i = 0; self->resumed_epochs != NULL && i < self->resumed_epochs->len; i++)
        dl_history_add_epoch(self->history, &g_array_index(self->resumed_epochs, NnEpochStats, i));
}

static void
on_trainer_started(DlSession *self, int train_count, int val_count, int batches, DlTrainer *trainer)
{
    reset_history(self, batches);
}

static void
on_trainer_batch(DlSession *self, gpointer data, DlTrainer *trainer)
{
    dl_history_add_batch(self->history, data);
}

static void
on_trainer_epoch(DlSession *self, gpointer data, DlTrainer *trainer)
{
    self->last_epoch = *(const NnEpochStats *)data;
    dl_history_add_epoch(self->history, data);
    /* The worker has recorded it in the run folder already. */
    g_signal_emit(self, signals[SIGNAL_RUNS_CHANGED], 0);
}

static void
on_trainer_probe(DlSession *self, gpointer data, DlTrainer *trainer)
{
    const DlProbe *probe = data;

    dl_history_add_probe(self->history, probe->position, probe->accuracy, probe->loss);
}

/* The accuracy of the model in use on the test set, if known. */
static double
in_use_accuracy(DlSession *self)
{
    return self->evaluation != NULL && self->evaluation_current ? dl_evaluation_get_result(self->evaluation)->accuracy
                                                                : -1.0;
}

/* Offers an epoch's model to DlFollow and does what it decides. */
static void
offer_epoch(DlSession *self, NnModel *model, const NnEpochStats *stats)
{
    int held = dl_follow_get_held_epoch(&self->follow);
    NnModel *use = NULL;
    DlFollowVerdict verdict = dl_follow_offer(&self->follow, model, stats, self->model_source == DL_MODEL_TRAINING,
                                              in_use_accuracy(self), &use);

    if (use != NULL)
        set_model(self, use, dl_trainer_get_busy(self->trainer) ? DL_MODEL_TRAINING : DL_MODEL_TRAINED, NULL);
    if (held != dl_follow_get_held_epoch(&self->follow))
        notify(self, PROP_HELD_EPOCH);
    if (verdict == DL_FOLLOW_HELD_WORSE)
        g_signal_emit(self, signals[SIGNAL_MODEL_HELD], 0);
}

/* The model as of the last finished epoch: the canvas uses it if it
 * follows training (dl-follow.h). */
static void
on_trainer_snapshot(DlSession *self, DlTrainer *trainer)
{
    NnModel *model = dl_trainer_steal_snapshot(trainer);

    if (model != NULL)
        offer_epoch(self, model, &self->last_epoch);
}

gboolean
dl_session_get_follow_training(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), TRUE);

    return self->follow.enabled;
}

void
dl_session_set_follow_training(DlSession *self, gboolean follow)
{
    g_return_if_fail(DL_IS_SESSION(self));

    follow = !!follow;
    if (follow == self->follow.enabled)
        return;
    self->follow.enabled = follow;
    notify(self, PROP_FOLLOW_TRAINING);
    /* Turned on again during a run: the newest epoch is offered again. */
    if (follow && dl_trainer_get_busy(self->trainer) && dl_follow_get_held_epoch(&self->follow) > 0) {
        NnEpochStats stats;
        NnModel *model = dl_follow_take_held(&self->follow, FALSE, &stats);
        offer_epoch(self, model, &stats);
    }
}

int
dl_session_get_held_epoch(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), 0);

    return dl_follow_get_held_epoch(&self->follow);
}

void
dl_session_use_held_model(DlSession *self)
{
    g_return_if_fail(DL_IS_SESSION(self));

    NnModel *model = dl_follow_take_held(&self->follow, TRUE, NULL);
    if (model == NULL)
        return;
    set_model(self, model, dl_trainer_get_busy(self->trainer) ? DL_MODEL_TRAINING : DL_MODEL_TRAINED, NULL);
    notify(self, PROP_HELD_EPOCH);
}

/* The model in use as a noun in a sentence: "the bundled model". */
static char *
model_noun(DlSession *self)
{
    switch (self->model_source) {
    case DL_MODEL_BUNDLED:
        return g_strdup(_("the bundled model"));
    case DL_MODEL_FILE:
        return g_filename_display_basename(self->model_path);
    case DL_MODEL_TRAINING:
        return g_strdup_printf(_("epoch %d"), self->model_epoch);
    case DL_MODEL_TRAINED:
        return g_strdup_printf(_("the model trained here (epoch %d)"), self->model_epoch);
    case DL_MODEL_NONE:
    default:
        return g_strdup(_("no model"));
    }
}

/* "of the test set" or "of 2,000 test images". */
static char *
validation_words(DlSession *self)
{
    DlTestSet *test_set = self->test_set;

    if (self->run_val_count <= 0 || (test_set != NULL && self->run_val_count >= dl_test_set_get_count(test_set)))
        return g_strdup(_("of the test set"));
    g_autofree char *count = dl_format_count(self->run_val_count);
    return g_strdup_printf(ngettext("of %s test image", "of %s test images", self->run_val_count), count);
}

char *
dl_session_describe_held(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), NULL);

    int held = dl_follow_get_held_epoch(&self->follow);
    if (held == 0)
        return NULL;
    g_autofree char *in_use = model_noun(self);
    double accuracy = 100 * self->follow.held_stats.val_accuracy;
    if (self->follow.held_verdict == DL_FOLLOW_HELD_WORSE && self->follow.baseline >= 0)
        /* TRANSLATORS: "Epoch 1 reads 92.0 %: the bundled model (99.6 %) stays in use" */
        return g_strdup_printf(_("Epoch %d reads %.1f %%: %s (%.1f %%) stays in use"), held, accuracy, in_use,
                               100 * self->follow.baseline);
    return g_strdup_printf(_("Epoch %d reads %.1f %%: Follow training is off, %s stays in use"), held, accuracy,
                           in_use);
}

char *
dl_session_describe_following(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), NULL);

    g_autofree char *in_use = model_noun(self);
    int held = dl_follow_get_held_epoch(&self->follow);
    if (held > 0) {
        const NnEpochStats *s = &self->follow.held_stats;
        g_autofree char *of = validation_words(self);
        if (self->follow.held_verdict == DL_FOLLOW_HELD_WORSE && self->follow.baseline >= 0) {
            /* TRANSLATORS: "Epoch 1 reads 92.0 % of the test set, below the 99.6 % of the bundled
             * model: the bundled model stays in use until training does better" */
            if (dl_trainer_get_busy(self->trainer))
                return g_strdup_printf(_("Epoch %d reads %.1f %% %s, below the %.1f %% of %s: %s stays in use "
                                         "until training does better"),
                                       held, 100 * s->val_accuracy, of, 100 * self->follow.baseline, in_use, in_use);
            return g_strdup_printf(_("Epoch %d, the run’s last, reads %.1f %% %s, below the %.1f %% of %s: %s "
                                     "stays in use"),
                                   held, 100 * s->val_accuracy, of, 100 * self->follow.baseline, in_use, in_use);
        }
        return g_strdup_printf(_("Following is off: the canvas keeps %s. Epoch %d, the newest, reads %.1f %% %s"),
                               in_use, held, 100 * s->val_accuracy, of);
    }
    if (dl_trainer_get_busy(self->trainer)) {
        if (self->model_source == DL_MODEL_TRAINING)
            return g_strdup_printf(_("The canvas uses epoch %d of %d, the newest"), self->model_epoch,
                                   self->run_epochs);
        if (!self->follow.enabled)
            return g_strdup_printf(_("Following is off: the canvas keeps %s"), in_use);
        return g_strdup_printf(_("The canvas uses %s until the first epoch ends"), in_use);
    }
    if (!self->follow.enabled)
        return g_strdup(_("While training, the canvas keeps the model it has"));
    return g_strdup(_("While training, the canvas takes each finished epoch, unless it reads worse than the "
                      "model it had"));
}

static void
on_trainer_busy(DlSession *self)
{
    notify(self, PROP_TRAINING);
}

static void
train_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(DlSession) self = user_data;
    g_autoptr(GError) error = NULL;
    gboolean finished = dl_trainer_train_finish(DL_TRAINER(source), result, &error);

    g_clear_object(&self->train_cancellable);
    if (self->model_source == DL_MODEL_TRAINING) {
        if (self->saved)
            set_model(self, NULL, DL_MODEL_FILE, self->model_path);
        else
            set_model(self, NULL, DL_MODEL_TRAINED, NULL);
    }

    DlTrainingOutcome outcome = finished ? DL_TRAINING_FINISHED
                                : g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? DL_TRAINING_STOPPED
                                                                                            : DL_TRAINING_FAILED;
    g_signal_emit(self, signals[SIGNAL_RUNS_CHANGED], 0);
    g_signal_emit(self, signals[SIGNAL_TRAINING_DONE], 0, outcome, outcome == DL_TRAINING_FAILED ? error : NULL);
}

/* Starts the trainer on request, kept in run (taken). */
static void
start_run(DlSession *self, const DlTrainRequest *request, DlRun *run)
{
    int images = MIN(request->train_limit > 0 ? request->train_limit : 60000, 60000);
    int batches = (images + request->config.batch - 1) / MAX(request->config.batch, 1);
    self->run_epochs = request->config.epochs;
    self->run_val_count = request->val_limit;
    memset(&self->last_epoch, 0, sizeof self->last_epoch);
    gboolean was_held = dl_follow_get_held_epoch(&self->follow) > 0;
    dl_follow_begin_run(&self->follow);
    if (was_held)
        notify(self, PROP_HELD_EPOCH);
    self->run_schedule = request->config.schedule;
    self->run_per_step_lr = request->config.per_step_lr;
    reset_history(self, batches);
    g_clear_pointer(&self->run, dl_run_unref);
    self->run = run;

    DlTrainRequest kept = *request;
    kept.run = run;
    g_clear_object(&self->train_cancellable);
    self->train_cancellable = g_cancellable_new();
    dl_trainer_train_async(self->trainer, &kept, self->train_cancellable, train_done, g_object_ref(self));
    g_signal_emit(self, signals[SIGNAL_RUNS_CHANGED], 0);
}

void
dl_session_train(DlSession *self, const DlTrainRequest *request)
{
    g_return_if_fail(DL_IS_SESSION(self));
    g_return_if_fail(request != NULL);

    if (dl_trainer_get_busy(self->trainer))
        return;
    DlRunSettings settings = {
        .model = request->model_config,
        .train = request->config,
        .train_limit = request->train_limit,
        .val_limit = request->val_limit,
    };
    g_autoptr(GError) error = NULL;
    DlRun *run = dl_run_create(NULL, self->runs_root, NULL, &settings, NULL, &error);
    if (run == NULL) {
        g_autoptr(GError) shown = g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED,
                                              _("Digit Lab keeps every run, and could not make a folder for this "
                                                "one. %s. Free some disk space, then train again."),
                                              error->message);
        g_signal_emit(self, signals[SIGNAL_TRAINING_DONE], 0, DL_TRAINING_FAILED, shown);
        return;
    }
    g_clear_pointer(&self->resumed_epochs, g_array_unref);
    start_run(self, request, run);
}

gboolean
dl_session_resume_run(DlSession *self, const char *run_dir, const char *data_dir, GError **error)
{
    g_return_val_if_fail(DL_IS_SESSION(self), FALSE);
    g_return_val_if_fail(run_dir != NULL && data_dir != NULL, FALSE);

    if (dl_trainer_get_busy(self->trainer)) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_BUSY, _("A run is training: stop it first"));
        return FALSE;
    }
    g_autoptr(DlRun) run = dl_run_load(run_dir, error);
    if (run == NULL)
        return FALSE;
    g_autofree char *why = NULL;
    if (!dl_run_can_resume(run, &why)) {
        g_set_error_literal(error, DL_RUN_ERROR, DL_RUN_ERROR_CANNOT_RESUME, why);
        return FALSE;
    }
    const DlRunSettings *kept = dl_run_get_settings(run);
    if (kept->val_split > 0 || kept->calibrate > 0) {
        /* The app validates on the test set and does not calibrate. */
        g_autofree char *dir = g_filename_display_name(run_dir);
        g_set_error(error, DL_RUN_ERROR, DL_RUN_ERROR_CANNOT_RESUME,
                    _("This run holds training images out to validate or calibrate on, which the app does not do. "
                      "Resume it with digitlab-cli train --resume %s"), dir);
        return FALSE;
    }
    NnModel *model = dl_run_prepare_resume(run, 0, error);
    if (model == NULL)
        return FALSE;
    if (!dl_run_begin_resume(run, error)) {
        nn_model_free(model);
        return FALSE;
    }
    g_autoptr(DlHistory) history = dl_run_load_history(run, NULL);
    g_clear_pointer(&self->resumed_epochs, g_array_unref);
    self->resumed_epochs = g_array_new(FALSE, FALSE, sizeof(NnEpochStats));
    guint n = 0;
    const NnEpochStats *epochs = history != NULL ? dl_history_get_epochs(history, &n) : NULL;
    for (guint i = 0; i < n && epochs[i].epoch <= nn_model_epochs_done(model); i++)
        g_array_append_val(self->resumed_epochs, epochs[i]);

    const DlRunSettings *s = dl_run_get_settings(run);
    DlTrainRequest request = {
        .data_dir = (char *)data_dir,
        .model_config = s->model,
        .config = s->train,
        .train_limit = s->train_limit,
        .val_limit = s->val_limit,
        .model = model,
    };
    start_run(self, &request, g_steal_pointer(&run));
    return TRUE;
}

DlRun *
dl_session_get_run(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), NULL);

    return self->run;
}

const char *
dl_session_get_runs_root(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), NULL);

    return self->runs_root;
}

gboolean
dl_session_get_training(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), FALSE);

    return dl_trainer_get_busy(self->trainer);
}

/* ---- workers ------------------------------------------------------------------------------ */

static void
worker_begin(DlSession *self)
{
    g_mutex_lock(&self->workers_mutex);
    self->workers++;
    g_mutex_unlock(&self->workers_mutex);
}

/* In the worker, once it has returned its result: it touches nothing of
 * the session afterwards. */
static void
worker_end(DlSession *self)
{
    g_mutex_lock(&self->workers_mutex);
    self->workers--;
    g_cond_broadcast(&self->workers_cond);
    g_mutex_unlock(&self->workers_mutex);
}

/* ---- the test set ---------------------------------------------------------------------- */

/* Workers hold the session weakly: it may go while they run. */
static GWeakRef *
weak_ref_new(gpointer object)
{
    GWeakRef *ref = g_new(GWeakRef, 1);

    g_weak_ref_init(ref, object);
    return ref;
}

static void
weak_ref_free(gpointer data)
{
    g_weak_ref_clear(data);
    g_free(data);
}

static void
set_test_set_state(DlSession *self, DlTestSetState state, const char *error)
{
    g_free(self->test_set_error);
    self->test_set_error = g_strdup(error);
    if (state != self->test_set_state) {
        self->test_set_state = state;
        notify(self, PROP_TEST_SET_STATE);
    }
}

typedef struct {
    char *dir;
    DlSession *owner; /* for worker_end() only */
} LoadData;

static void
load_data_free(gpointer data)
{
    LoadData *load = data;

    g_free(load->dir);
    g_free(load);
}

static void
load_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    LoadData *load = task_data;
    GError *error = NULL;
    DlTestSet *test_set = dl_test_set_load(load->dir, &error);

    if (test_set != NULL)
        g_task_return_pointer(task, test_set, (GDestroyNotify)dl_test_set_unref);
    else
        g_task_return_error(task, error);
    worker_end(load->owner);
}

static void
load_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(DlSession) self = g_weak_ref_get(user_data);
    weak_ref_free(user_data); /* the task's callback runs once, cancelled or not */
    g_autoptr(GError) error = NULL;
    DlTestSet *test_set = g_task_propagate_pointer(G_TASK(result), &error);

    if (self == NULL || g_task_get_cancellable(G_TASK(result)) != self->load_cancellable) {
        g_clear_pointer(&test_set, dl_test_set_unref); /* gone, or replaced by a newer load */
        return;
    }
    g_clear_object(&self->load_cancellable);
    if (test_set == NULL) {
        set_test_set_state(self, DL_TEST_SET_FAILED, error->message);
        return;
    }
    g_clear_pointer(&self->test_set, dl_test_set_unref);
    self->test_set = test_set;
    dl_session_set_input_drawing(self); /* an index of the old set means nothing now */
    set_test_set_state(self, DL_TEST_SET_READY, NULL);
    schedule_evaluation(self);
}

void
dl_session_set_data_dir(DlSession *self, const char *dir)
{
    g_return_if_fail(DL_IS_SESSION(self));
    g_return_if_fail(dir != NULL);

    gboolean same = g_strcmp0(dir, self->data_dir) == 0;
    if (same && (self->test_set_state == DL_TEST_SET_READY || self->test_set_state == DL_TEST_SET_LOADING))
        return;
    if (!dl_data_dir_has_mnist(dir)) {
        if (self->test_set_state != DL_TEST_SET_READY) {
            /* Keep a test set loaded before: it is still the test set. */
            g_free(self->data_dir);
            self->data_dir = g_strdup(dir);
            set_test_set_state(self, DL_TEST_SET_MISSING, NULL);
        }
        return;
    }
    g_free(self->data_dir);
    self->data_dir = g_strdup(dir);
    if (self->load_cancellable != NULL)
        g_cancellable_cancel(self->load_cancellable);
    g_clear_object(&self->load_cancellable);
    self->load_cancellable = g_cancellable_new();
    if (self->test_set_state != DL_TEST_SET_READY)
        set_test_set_state(self, DL_TEST_SET_LOADING, NULL);

    g_autoptr(GTask) task = g_task_new(NULL, self->load_cancellable, load_done, weak_ref_new(self));
    g_task_set_name(task, "[digitlab] test set");
    LoadData *load = g_new0(LoadData, 1);
    load->dir = g_strdup(dir);
    load->owner = self;
    g_task_set_task_data(task, load, load_data_free);
    worker_begin(self);
    g_task_run_in_thread(task, load_thread);
}

const char *
dl_session_get_data_dir(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), NULL);

    return self->data_dir;
}

DlTestSetState
dl_session_get_test_set_state(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), DL_TEST_SET_MISSING);

    return self->test_set_state;
}

const char *
dl_session_get_test_set_error(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), NULL);

    return self->test_set_error;
}

DlTestSet *
dl_session_get_test_set(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), NULL);

    return self->test_set;
}

/* ---- the evaluation ------------------------------------------------------------------------ */

typedef struct {
    NnModel *model;      /* the worker's own copy */
    DlTestSet *test_set;
    int threads;
    char *model_name;
    GWeakRef *session;
    DlSession *owner; /* for worker_end() only */
} EvalData;

static void
eval_data_free(gpointer data)
{
    EvalData *eval = data;

    nn_model_free(eval->model);
    dl_test_set_unref(eval->test_set);
    g_free(eval->model_name);
    weak_ref_free(eval->session);
    g_free(eval);
}

static void
eval_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    EvalData *eval = task_data;
    GError *error = NULL;

    nn_set_threads(eval->threads);
    DlEvaluation *evaluation = dl_evaluation_compute(eval->model, eval->test_set, cancellable, NULL, NULL, &error);
    if (evaluation != NULL)
        g_task_return_pointer(task, evaluation, (GDestroyNotify)dl_evaluation_unref);
    else
        g_task_return_error(task, error);
    worker_end(eval->owner);
}

static void
start_evaluation(DlSession *self);

static void
eval_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    EvalData *eval = g_task_get_task_data(G_TASK(result));
    g_autoptr(DlSession) self = g_weak_ref_get(eval->session);
    g_autoptr(GError) error = NULL;
    g_autoptr(DlEvaluation) evaluation = g_task_propagate_pointer(G_TASK(result), &error);

    if (self == NULL)
        return;
    g_clear_object(&self->eval_cancellable);
    /* Cancelled but finished anyway: of a model no longer current. */
    if (evaluation != NULL && !self->eval_again && !g_cancellable_is_cancelled(g_task_get_cancellable(G_TASK(result)))) {
        g_clear_pointer(&self->evaluation, dl_evaluation_unref);
        self->evaluation = g_steal_pointer(&evaluation);
        self->evaluation_current = TRUE;
        g_free(self->evaluation_model);
        self->evaluation_model = g_strdup(eval->model_name);
        notify(self, PROP_EVALUATION);
    } else if (error != NULL && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        g_message("Could not evaluate the model on the test set: %s", error->message);
    }
    if (self->eval_again)
        start_evaluation(self);
    else
        notify(self, PROP_EVALUATING);
}

static void
start_evaluation(DlSession *self)
{
    g_autoptr(GError) error = NULL;
    NnModel *model = dl_recognizer_get_model(self->recognizer);
    gboolean was_evaluating = self->eval_cancellable != NULL;

    self->eval_again = FALSE;
    NnModel *copy = model != NULL && self->test_set != NULL ? dl_model_copy(model, &error) : NULL;
    if (copy == NULL) {
        if (error != NULL)
            g_message("Could not evaluate the model on the test set: %s", error->message);
        if (was_evaluating)
            notify(self, PROP_EVALUATING);
        return;
    }
    EvalData *eval = g_new0(EvalData, 1);
    eval->model = copy;
    eval->test_set = dl_test_set_ref(self->test_set);
    /* Beside a training run, one thread: the run keeps its pace. */
    eval->threads = dl_trainer_get_busy(self->trainer) ? 1 : self->threads;
    dl_session_describe_model(self, NULL, &eval->model_name);
    eval->session = weak_ref_new(self);
    eval->owner = self;

    self->eval_cancellable = g_cancellable_new();
    g_autoptr(GTask) task = g_task_new(NULL, self->eval_cancellable, eval_done, NULL);
    g_task_set_name(task, "[digitlab] evaluation");
    g_task_set_task_data(task, eval, eval_data_free);
    worker_begin(self);
    g_task_run_in_thread(task, eval_thread);
    if (!was_evaluating)
        notify(self, PROP_EVALUATING);
}

/* The model or the test set changed: evaluate now, or once the evaluation
 * running (of an older model) has stopped. */
static void
schedule_evaluation(DlSession *self)
{
    if (self->test_set == NULL || !dl_recognizer_has_model(self->recognizer))
        return;
    if (self->eval_cancellable != NULL) {
        self->eval_again = TRUE;
        g_cancellable_cancel(self->eval_cancellable);
        return;
    }
    start_evaluation(self);
}

DlEvaluation *
dl_session_get_evaluation(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), NULL);

    return self->evaluation;
}

const char *
dl_session_get_evaluation_model(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), NULL);

    return self->evaluation_model;
}

gboolean
dl_session_get_evaluating(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), FALSE);

    return self->eval_cancellable != NULL;
}

void
dl_session_set_threads(DlSession *self, int threads)
{
    g_return_if_fail(DL_IS_SESSION(self));

    threads = MAX(threads, 0);
    if (threads == self->threads)
        return;
    self->threads = threads;
    notify(self, PROP_THREADS);
}

/* ---- the input ------------------------------------------------------------------------------- */

DlInputKind
dl_session_get_input_kind(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), DL_INPUT_DRAWING);

    return self->input_kind;
}

int
dl_session_get_input_index(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), -1);

    return self->input_kind == DL_INPUT_TEST_IMAGE ? self->input_index : -1;
}

void
dl_session_set_input_drawing(DlSession *self)
{
    g_return_if_fail(DL_IS_SESSION(self));

    if (self->input_kind == DL_INPUT_DRAWING)
        return;
    self->input_kind = DL_INPUT_DRAWING;
    self->input_index = -1;
    g_signal_emit(self, signals[SIGNAL_INPUT_CHANGED], 0);
}

void
dl_session_set_input_test_image(DlSession *self, int index)
{
    g_return_if_fail(DL_IS_SESSION(self));
    g_return_if_fail(self->test_set != NULL);
    g_return_if_fail(index >= 0 && index < dl_test_set_get_count(self->test_set));

    if (self->input_kind == DL_INPUT_TEST_IMAGE && self->input_index == index)
        return;
    self->input_kind = DL_INPUT_TEST_IMAGE;
    self->input_index = index;
    g_signal_emit(self, signals[SIGNAL_INPUT_CHANGED], 0);
}

DlStrokeSet *
dl_session_get_drawing(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), NULL);

    return self->drawing;
}

void
dl_session_set_drawing(DlSession *self, const DlStrokeSet *strokes)
{
    g_return_if_fail(DL_IS_SESSION(self));
    g_return_if_fail(strokes != NULL);

    dl_stroke_set_free(self->drawing);
    self->drawing = dl_stroke_set_copy(strokes);
    g_signal_emit(self, signals[SIGNAL_DRAWING_CHANGED], 0);
}

/* ---- GObject ------------------------------------------------------------------------------------ */

static void
dl_session_dispose(GObject *object)
{
    DlSession *self = DL_SESSION(object);

    if (self->train_cancellable != NULL)
        g_cancellable_cancel(self->train_cancellable);
    if (self->load_cancellable != NULL)
        g_cancellable_cancel(self->load_cancellable);
    if (self->eval_cancellable != NULL)
        g_cancellable_cancel(self->eval_cancellable);
    g_mutex_lock(&self->workers_mutex);
    while (self->workers > 0)
        g_cond_wait(&self->workers_cond, &self->workers_mutex);
    g_mutex_unlock(&self->workers_mutex);
    if (self->trainer != NULL)
        g_signal_handlers_disconnect_by_data(self->trainer, self);
    g_clear_object(&self->train_cancellable);
    g_clear_object(&self->load_cancellable);
    g_clear_object(&self->eval_cancellable);
    g_clear_object(&self->trainer);
    g_clear_object(&self->history);
    g_clear_object(&self->collection);
    g_clear_object(&self->recognizer);
    g_clear_pointer(&self->run, dl_run_unref);
    g_clear_pointer(&self->resumed_epochs, g_array_unref);
    g_clear_pointer(&self->test_set, dl_test_set_unref);
    g_clear_pointer(&self->evaluation, dl_evaluation_unref);
    dl_follow_clear(&self->follow);
    g_clear_pointer(&self->previous, nn_model_free);

    G_OBJECT_CLASS(dl_session_parent_class)->dispose(object);
}

static void
dl_session_finalize(GObject *object)
{
    DlSession *self = DL_SESSION(object);

    g_free(self->model_path);
    g_free(self->previous_path);
    g_free(self->model_name);
    g_free(self->runs_root);
    g_free(self->data_dir);
    g_free(self->test_set_error);
    g_free(self->evaluation_model);
    dl_stroke_set_free(self->drawing);
    g_mutex_clear(&self->workers_mutex);
    g_cond_clear(&self->workers_cond);

    G_OBJECT_CLASS(dl_session_parent_class)->finalize(object);
}

static void
dl_session_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    DlSession *self = DL_SESSION(object);

    switch (prop_id) {
    case PROP_MODEL_SOURCE:
        g_value_set_int(value, self->model_source);
        break;
    case PROP_MODEL_PATH:
        g_value_set_string(value, dl_session_get_model_path(self));
        break;
    case PROP_MODEL_EPOCH:
        g_value_set_int(value, self->model_epoch);
        break;
    case PROP_HAS_MODEL:
        g_value_set_boolean(value, dl_session_has_model(self));
        break;
    case PROP_UNSAVED:
        g_value_set_boolean(value, dl_session_get_unsaved(self));
        break;
    case PROP_HAS_PREVIOUS_MODEL:
        g_value_set_boolean(value, self->previous != NULL);
        break;
    case PROP_TRAINING:
        g_value_set_boolean(value, dl_session_get_training(self));
        break;
    case PROP_TEST_SET_STATE:
        g_value_set_int(value, self->test_set_state);
        break;
    case PROP_EVALUATION:
        g_value_set_boxed(value, self->evaluation);
        break;
    case PROP_EVALUATING:
        g_value_set_boolean(value, dl_session_get_evaluating(self));
        break;
    case PROP_THREADS:
        g_value_set_int(value, self->threads);
        break;
    case PROP_FOLLOW_TRAINING:
        g_value_set_boolean(value, self->follow.enabled);
        break;
    case PROP_HELD_EPOCH:
        g_value_set_int(value, dl_session_get_held_epoch(self));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_session_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
    DlSession *self = DL_SESSION(object);

    switch (prop_id) {
    case PROP_THREADS:
        dl_session_set_threads(self, g_value_get_int(value));
        break;
    case PROP_FOLLOW_TRAINING:
        dl_session_set_follow_training(self, g_value_get_boolean(value));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_session_class_init(DlSessionClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

    object_class->dispose = dl_session_dispose;
    object_class->finalize = dl_session_finalize;
    object_class->get_property = dl_session_get_property;
    object_class->set_property = dl_session_set_property;

    /* Enums as ints: the session registers no enum types of its own. */
    properties[PROP_MODEL_SOURCE] = g_param_spec_int("model-source", NULL, NULL, DL_MODEL_NONE, DL_MODEL_TAUGHT,
                                                     DL_MODEL_NONE, ro);
    properties[PROP_MODEL_PATH] = g_param_spec_string("model-path", NULL, NULL, NULL, ro);
    properties[PROP_MODEL_EPOCH] = g_param_spec_int("model-epoch", NULL, NULL, 0, G_MAXINT, 0, ro);
    properties[PROP_HAS_MODEL] = g_param_spec_boolean("has-model", NULL, NULL, FALSE, ro);
    properties[PROP_UNSAVED] = g_param_spec_boolean("unsaved", NULL, NULL, FALSE, ro);
    properties[PROP_HAS_PREVIOUS_MODEL] = g_param_spec_boolean("has-previous-model", NULL, NULL, FALSE, ro);
    properties[PROP_TRAINING] = g_param_spec_boolean("training", NULL, NULL, FALSE, ro);
    properties[PROP_TEST_SET_STATE] = g_param_spec_int("test-set-state", NULL, NULL, DL_TEST_SET_MISSING,
                                                       DL_TEST_SET_FAILED, DL_TEST_SET_MISSING, ro);
    properties[PROP_EVALUATION] = g_param_spec_boxed("evaluation", NULL, NULL, DL_TYPE_EVALUATION, ro);
    properties[PROP_EVALUATING] = g_param_spec_boolean("evaluating", NULL, NULL, FALSE, ro);
    properties[PROP_THREADS] = g_param_spec_int("threads", NULL, NULL, 0, 1024, 0,
                                                G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    properties[PROP_FOLLOW_TRAINING] =
        g_param_spec_boolean("follow-training", NULL, NULL, TRUE,
                             G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    properties[PROP_HELD_EPOCH] = g_param_spec_int("held-epoch", NULL, NULL, 0, G_MAXINT, 0, ro);
    g_object_class_install_properties(object_class, N_PROPS, properties);

    signals[SIGNAL_MODEL_CHANGED] = g_signal_new("model-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                                 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
    /**
     * DlSession::training-done:
     * @outcome: a DlTrainingOutcome
     * @error: (type gpointer) (nullable): why it failed, valid during the emission
     */
    signals[SIGNAL_TRAINING_DONE] = g_signal_new("training-done", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                                 0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_POINTER);
    signals[SIGNAL_INPUT_CHANGED] = g_signal_new("input-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                                 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
    signals[SIGNAL_MODEL_HELD] = g_signal_new("model-held", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                              0, NULL, NULL, NULL, G_TYPE_NONE, 0);
    signals[SIGNAL_DRAWING_CHANGED] = g_signal_new("drawing-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
    signals[SIGNAL_RUNS_CHANGED] = g_signal_new("runs-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dl_session_init(DlSession *self)
{
    g_mutex_init(&self->workers_mutex);
    g_cond_init(&self->workers_cond);
    self->recognizer = dl_recognizer_new();
    self->trainer = dl_trainer_new();
    self->history = dl_history_new();
    g_autofree char *drawings = dl_collection_default_path();
    self->collection = dl_collection_new(drawings);
    self->runs_root = dl_run_default_root();
    self->input_kind = DL_INPUT_DRAWING;
    self->input_index = -1;
    dl_follow_init(&self->follow);
    self->drawing = dl_stroke_set_new();

    g_signal_connect_swapped(self->trainer, "started", G_CALLBACK(on_trainer_started), self);
    g_signal_connect_swapped(self->trainer, "batch", G_CALLBACK(on_trainer_batch), self);
    g_signal_connect_swapped(self->trainer, "epoch", G_CALLBACK(on_trainer_epoch), self);
    g_signal_connect_swapped(self->trainer, "probe", G_CALLBACK(on_trainer_probe), self);
    g_signal_connect_swapped(self->trainer, "snapshot-ready", G_CALLBACK(on_trainer_snapshot), self);
    g_signal_connect_swapped(self->trainer, "notify::busy", G_CALLBACK(on_trainer_busy), self);
}

DlSession *
dl_session_new(void)
{
    return g_object_new(DL_TYPE_SESSION, NULL);
}

DlRecognizer *
dl_session_get_recognizer(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), NULL);

    return self->recognizer;
}

DlTrainer *
dl_session_get_trainer(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), NULL);

    return self->trainer;
}

DlHistory *
dl_session_get_history(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), NULL);

    return self->history;
}

DlCollection *
dl_session_get_collection(DlSession *self)
{
    g_return_val_if_fail(DL_IS_SESSION(self), NULL);

    return self->collection;
}
