/* dl-session.h — what the window's pages share, in one place.
 *
 * The session owns:
 *   - the current model (in a DlRecognizer, main thread only) and where it
 *     came from: bundled, a file, the run in progress as of epoch N, a run
 *     trained here and not saved ("unsaved"), or a model taught the class's
 *     handwriting here (unsaved too), with the model it was taught from to
 *     go back to;
 *   - the trainer and the training history (DlHistory) of the last run,
 *     and the run folder that keeps it (dl-run.h): every run trained here
 *     is kept in $XDG_DATA_HOME/digitlab/runs, epoch by epoch;
 *   - MNIST's test set and the current model's latest evaluation on it
 *     (DlEvaluation: every image's predicted digit and probabilities, the
 *     confusion matrix), recomputed in a worker whenever the model changes,
 *     after every epoch while training too, on a copy of the model;
 *   - the current input of the prediction: the drawing, or a test image;
 *   - the drawing on the canvas, as the drawing pane hands it over;
 *   - the class's drawings (DlCollection, dl_collection_default_path();
 *     whoever shows them first loads them).
 *
 * While training, each finished epoch's model is put in use only when
 * "follow-training" is on and it reads at least as well as the model the
 * canvas had before the run; otherwise it is held back and can be put in
 * use on request (dl-follow.h decides).
 *
 * Pages and the window read it and listen to its notifications; no page
 * talks to another. Signals and properties (all read-only but "threads"
 * and "follow-training"):
 *   "model-changed"       the model was replaced (a new epoch, a file, ...)
 *                         or where it comes from changed (a run ended, the
 *                         model was saved); the model-* properties are
 *                         notified as they change.
 *   "training-done"       a run ended: (DlTrainingOutcome, const GError *
 *                         or NULL), after model-source has moved on from
 *                         DL_MODEL_TRAINING.
 *   "input-changed"       the input of the prediction changed.
 *   "model-held"          an epoch of the run was not put in use because it
 *                         reads worse than the model in use (dl-follow.h);
 *                         dl_session_describe_following() says so.
 *   "drawing-changed"     the drawing changed (whatever the input is).
 *   "runs-changed"        a run folder was made or written (a run started,
 *                         an epoch recorded, a run ended).
 *   notify::evaluation, ::evaluating, ::test-set-state, ::unsaved,
 *   ::held-epoch, ::follow-training (read-write).
 *
 * GLib/GIO only, no GTK; all of it belongs to the main thread.
 */
#pragma once

#include <gio/gio.h>

#include "dl-collection.h"
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
    DL_MODEL_TAUGHT,   /* fine-tuned on the class's drawings, not saved */
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
DlCollection *dl_session_get_collection(DlSession *self);

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

/* Opens a model file; on failure the current model stays, and the error
 * says why in plain words, without the file's name or path. */
gboolean dl_session_load_model(DlSession *self, const char *path, GError **error);
/* The bundled model (dl_find_bundled_model()). */
gboolean dl_session_load_bundled_model(DlSession *self, GError **error);
/* Saves the current model; a run in progress goes on replacing it, the file
 * keeps this epoch. */
gboolean dl_session_save_model(DlSession *self, const char *path, GError **error);

/* Makes model (taken) the current one, as DL_MODEL_TAUGHT, and keeps the
 * model it replaces as the previous one ("has-previous-model"). Any other
 * new model (a file, the bundled one, a run) forgets the previous one.
 * evaluation, if not NULL, is model's on the session's test set: it becomes
 * the session's evaluation instead of a new one. */
void dl_session_use_taught_model(DlSession *self, NnModel *model, DlEvaluation *evaluation);
gboolean dl_session_get_has_previous_model(DlSession *self);
/* Where the previous model comes from (DL_MODEL_NONE without one). */
DlModelSource dl_session_get_previous_source(DlSession *self);
/* Swaps the current and the previous model: back to the model taught
 * from, and from it forward again. */
void dl_session_swap_previous_model(DlSession *self);

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

/* "Follow training" (default on). */
gboolean dl_session_get_follow_training(DlSession *self);
void dl_session_set_follow_training(DlSession *self, gboolean follow);
/* The newest epoch of the last run that was held back (not put in use), 0
 * if none. It stays available after the run, until the next one starts. */
int dl_session_get_held_epoch(DlSession *self);
/* Puts the held epoch's model in use; the rest of the run is followed
 * whatever it reads. */
void dl_session_use_held_model(DlSession *self);
/* Which model the canvas uses while training and why, in a sentence
 * ("The canvas uses epoch 3 of 8, the newest"; "Epoch 1 reads 92.0 % of
 * the test set, below ... until training does better"). */
char *dl_session_describe_following(DlSession *self);
/* The same about the held epoch, short enough for a toast ("Epoch 1 reads
 * 92.0 %: the bundled model (99.6 %) stays in use"); NULL if none is held. */
char *dl_session_describe_held(DlSession *self);

/* ---- the test set and the evaluation ---- */

/* Where MNIST is: loads its test set in a worker when the folder has it
 * (again only if the folder changed or the last load failed). */
void dl_session_set_data_dir(DlSession *self, const char *dir);
/* The folder last given to dl_session_set_data_dir(), or NULL. */
const char *dl_session_get_data_dir(DlSession *self);
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

/* The drawing on the canvas, owned by the session (empty at first): read
 * it, do not change it. */
DlStrokeSet *dl_session_get_drawing(DlSession *self);
/* Keeps a copy of strokes and emits "drawing-changed". */
void dl_session_set_drawing(DlSession *self, const DlStrokeSet *strokes);

G_END_DECLS
