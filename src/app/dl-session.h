/* dl-session.h — what the window's pages share, in one place.
 *
 * The session owns:
 *   - the current model (in a DlRecognizer, main thread only) and where it
 *     came from: bundled, a file, the run in progress as of epoch N, or a run
 *     trained here and not saved ("unsaved");
 *   - the trainer and the training history (DlHistory) of the last run,
 *     and the run folder that keeps it (dl-run.h): every run trained here
 *     is kept in $XDG_DATA_HOME/digitlab/runs, epoch by epoch;
 *   - MNIST's test set and the current model's latest evaluation on it
 *     (DlEvaluation: every image's predicted digit and probabilities, the
 *     confusion matrix), recomputed in a worker whenever the model changes,
 *     after every epoch while training too, on a copy of the model;
 *   - the current input of the prediction: the drawing, or a test image.
 *
 * Pages and the window read it and listen to its notifications; no page
 * talks to another. Signals and properties (all read-only but "threads"):
 *   "model-changed"       the model was replaced (a new epoch, a file, ...)
 *                         or where it comes from changed (a run ended, the
 *                         model was saved); the model-* properties are
 *                         notified as they change.
 *   "training-done"       a run ended: (DlTrainingOutcome, const GError *
 *                         or NULL), after model-source has moved on from
 *                         DL_MODEL_TRAINING.
 *   "input-changed"       the input of the prediction changed.
 *   "runs-changed"        a run folder was made or written (a run started,
 *                         an epoch recorded, a run ended).
 *   notify::evaluation, ::evaluating, ::test-set-state, ::unsaved.
 *
 * GLib/GIO only, no GTK; all of it belongs to the main thread.
 */
#pragma once

#include <gio/gio.h>

#include "dl-evaluation.h"
#include "dl-history.h"
#include "dl-recognizer.h"
#include "dl-trainer.h"
#include "dl-types.h"

G_BEGIN_DECLS

typedef enum {
    DL_MODEL_NONE,
    DL_MODEL_BUNDLED,
    DL_MODEL_FILE,     /* opened or saved: model-path */
    DL_MODEL_TRAINING, /* the run in progress, as of epoch model-epoch */
    DL_MODEL_TRAINED,  /* a finished or stopped run, not saved */
} DlModelSource;

typedef enum {
    DL_TEST_SET_MISSING, /* the data folder has no MNIST */
    DL_TEST_SET_LOADING,
    DL_TEST_SET_READY,
    DL_TEST_SET_FAILED,  /* unreadable: dl_session_get_test_set_error() */
} DlTestSetState;

typedef enum {
    DL_INPUT_DRAWING,
    DL_INPUT_TEST_IMAGE, /* input-index */
} DlInputKind;

typedef enum {
    DL_TRAINING_FINISHED, /* every epoch ran */
    DL_TRAINING_STOPPED,  /* Stop (or cancelled) */
    DL_TRAINING_FAILED,   /* the GError says why */
} DlTrainingOutcome;

#define DL_TYPE_SESSION (dl_session_get_type())
G_DECLARE_FINAL_TYPE(DlSession, dl_session, DL, SESSION, GObject)

DlSession *dl_session_new(void);

DlRecognizer *dl_session_get_recognizer(DlSession *self);
DlTrainer *dl_session_get_trainer(DlSession *self);
DlHistory *dl_session_get_history(DlSession *self);

/* ---- the model ---- */

DlModelSource dl_session_get_model_source(DlSession *self);
/* The file of DL_MODEL_FILE, else NULL. */
const char *dl_session_get_model_path(DlSession *self);
/* The epochs the model has done (of the run, while training). */
int dl_session_get_model_epoch(DlSession *self);
/* Epochs of the last run started. */
int dl_session_get_run_epochs(DlSession *self);
gboolean dl_session_has_model(DlSession *self);
/* A model trained here that no file holds. */
gboolean dl_session_get_unsaved(DlSession *self);
/* Where the model comes from, in words: a sentence for under the
 * prediction ("Recognised by the bundled model, ...") and a short one for
 * the window's subtitle ("Bundled model"). Either may be NULL. */
void dl_session_describe_model(DlSession *self, char **sentence, char **short_name);

/* Opens a model file; on failure the current model stays. */
gboolean dl_session_load_model(DlSession *self, const char *path, GError **error);
/* The bundled model (dl_find_bundled_model()). */
gboolean dl_session_load_bundled_model(DlSession *self, GError **error);
/* Saves the current model; a run in progress goes on replacing it, the file
 * keeps this epoch. */
gboolean dl_session_save_model(DlSession *self, const char *path, GError **error);

/* ---- training ---- */

/* Starts a run (the trainer must be idle) in a new run folder: resets the
 * history, and from the first finished epoch on the model is the run's.
 * Ends with "training-done" (at once, DL_TRAINING_FAILED, if no run folder
 * could be made). */
void dl_session_train(DlSession *self, const DlTrainRequest *request);
/* Continues the stopped run in run_dir (dl_run_can_resume()) on the MNIST
 * files in data_dir, with its own recipe; its epochs so far are in the
 * history. FALSE with error if it cannot be resumed. */
gboolean dl_session_resume_run(DlSession *self, const char *run_dir, const char *data_dir, GError **error);
gboolean dl_session_get_training(DlSession *self);
/* The run folder of the last run started here, or NULL. While it trains,
 * only its folder and id may be read: the rest belongs to the trainer. */
DlRun *dl_session_get_run(DlSession *self);
/* Where run folders are kept: dl_run_default_root(). */
const char *dl_session_get_runs_root(DlSession *self);

/* ---- the test set and the evaluation ---- */

/* Where MNIST is: loads its test set in a worker when the folder has it
 * (again only if the folder changed or the last load failed). */
void dl_session_set_data_dir(DlSession *self, const char *dir);
DlTestSetState dl_session_get_test_set_state(DlSession *self);
/* Why the test set could not be read (DL_TEST_SET_FAILED), else NULL. */
const char *dl_session_get_test_set_error(DlSession *self);
/* The test set once loaded, else NULL. */
DlTestSet *dl_session_get_test_set(DlSession *self);

/* The newest finished evaluation (perhaps of an earlier model while
 * "evaluating" is TRUE), or NULL. */
DlEvaluation *dl_session_get_evaluation(DlSession *self);
/* The model it evaluated, as dl_session_describe_model()'s short name. */
const char *dl_session_get_evaluation_model(DlSession *self);
gboolean dl_session_get_evaluating(DlSession *self);
/* Threads of an evaluation while no training runs (0: one per core); while
 * training, evaluations take one thread. */
void dl_session_set_threads(DlSession *self, int threads);

/* ---- the input of the prediction ---- */

DlInputKind dl_session_get_input_kind(DlSession *self);
/* The test image of DL_INPUT_TEST_IMAGE, else -1. */
int dl_session_get_input_index(DlSession *self);
void dl_session_set_input_drawing(DlSession *self);
/* index: an image of the loaded test set. */
void dl_session_set_input_test_image(DlSession *self, int index);

G_END_DECLS
