/* dl-run.h — run folders: every training run kept, to reopen, resume and
 * compare.
 *
 * A run lives in a folder of its own, by default under
 * $XDG_DATA_HOME/digitlab/runs/ (dl_run_default_root()); digitlab-cli train
 * --run-dir, the app and digitlab-cli ablation all write the same format:
 *
 *   run.json     what the run is: its name, the network (NnModelConfig) and
 *                recipe (NnTrainConfig) in readable JSON, seed, threads,
 *                the engine version, start and end times, the epochs done,
 *                the final epoch's metrics, and its status: running,
 *                finished, stopped or failed (with the error);
 *   history.csv  one row per epoch, the format of `digitlab-cli train
 *                --history`;
 *   model.dlm    the model of the newest finished epoch, with the
 *                optimizer's state (so a stopped run can be resumed
 *                exactly), except for runs with a weight average (EMA),
 *                whose saved weights cannot be trained further exactly;
 *   epochs/epoch-NNN.dlm  each epoch's model, only when asked for;
 *   lock         held (flock) by the process training the run: a run whose
 *                status says running but whose lock nobody holds was
 *                interrupted (its process died), and shows as stopped;
 *   log.txt, done   the ablation's (digitlab-cli ablation), left alone.
 *
 * Every file is written whole or not at all (a temporary file, fsynced,
 * renamed over the old one: nn_file_replace). After each epoch the history
 * goes first, then the model, then run.json; a model that cannot be saved
 * takes its history row back. So after a crash or a full disk the history
 * holds at most one epoch more than the model (resuming drops it), and
 * nothing saved before is lost.
 *
 * Reading checks everything: run.json is at most DL_RUN_MAX_JSON bytes of
 * valid JSON with values in range, or the folder is skipped with a message
 * (dl_run_list()); nothing is ever deleted but by dl_run_delete(), which
 * removes only the files named above.
 *
 * A DlRun is a reference-counted record, not thread-safe: one thread at a
 * time (the app's trainer hands it to its worker and back). GLib and the
 * engine only; no GTK.
 */
#pragma once

#include <gio/gio.h>

#include "dl-history.h"
#include "model.h"
#include "train.h"

G_BEGIN_DECLS

#define DL_RUN_FORMAT_VERSION 1
#define DL_RUN_MAX_JSON (256 * 1024)

#define DL_RUN_ERROR (dl_run_error_quark())
GQuark dl_run_error_quark(void);

typedef enum {
    DL_RUN_ERROR_CORRUPT,   /* run.json missing, unreadable or not valid */
    DL_RUN_ERROR_BUSY,      /* another process holds the run */
    DL_RUN_ERROR_EXISTS,    /* the folder is a run already */
    DL_RUN_ERROR_CANNOT_RESUME,
    DL_RUN_ERROR_IO,        /* a file could not be written (a full disk...) */
} DlRunError;

typedef enum {
    DL_RUN_RUNNING,
    DL_RUN_FINISHED, /* every epoch ran */
    DL_RUN_STOPPED,  /* stopped by the user, or interrupted */
    DL_RUN_FAILED,   /* dl_run_get_error_message() says why */
} DlRunStatus;

/* What the run trains and on what. */
typedef struct {
    NnModelConfig model;
    /* train.threads is the number of engine threads the run uses (never 0:
     * dl_run_create() resolves "one per core"); train.seed its seed. */
    NnTrainConfig train;
    int train_limit;  /* training images, 0 = all */
    int val_limit;    /* validation images, 0 = all */
    int val_split;    /* > 0: validated on the last N training images, held out; 0: on the test set */
    int calibrate;    /* > 0: the last N training images held out to calibrate each epoch's model */
    gboolean snapshots; /* keep every epoch's model in epochs/ */
} DlRunSettings;

typedef struct _DlRun DlRun;

/* $XDG_DATA_HOME/digitlab/runs (need not exist). */
char *dl_run_default_root(void);

/* "Run N", the first N from the number of runs in root on that no run of
 * root is named yet. */
char *dl_run_next_name(const char *root);

/* Starts a new run, status running, owned (locked) by this process:
 * dir is the folder to create (its parents too), or an existing folder
 * without a run.json; NULL: a new folder under root named by the date and
 * time (20250131-142530, -2 ... when taken). name NULL: the folder's name,
 * or dl_run_next_name() for a new folder under root. command (nullable):
 * the command line that started it, kept for the record. */
DlRun *dl_run_create(const char *dir, const char *root, const char *name, const DlRunSettings *settings,
                     const char *command, GError **error);

/* Reads a run folder (run.json only; nothing is written or locked). */
DlRun *dl_run_load(const char *dir, GError **error);

DlRun *dl_run_ref(DlRun *run);
/* The last reference releases the lock, if this process held it. */
void dl_run_unref(DlRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DlRun, dl_run_unref)

const char *dl_run_get_dir(DlRun *run);
/* A random UUID made at creation, the same in copies (imports). */
const char *dl_run_get_id(DlRun *run);
const char *dl_run_get_name(DlRun *run);
const DlRunSettings *dl_run_get_settings(DlRun *run);
/* As stored, except a run whose status says running while no process
 * holds it (as of loading): DL_RUN_STOPPED, and dl_run_get_interrupted(). */
DlRunStatus dl_run_get_status(DlRun *run);
gboolean dl_run_get_interrupted(DlRun *run);
/* A process (this one or another) is training the run. */
gboolean dl_run_get_live(DlRun *run);
const char *dl_run_get_error_message(DlRun *run); /* failed runs, else NULL */
GDateTime *dl_run_get_started(DlRun *run);
GDateTime *dl_run_get_ended(DlRun *run); /* NULL while running or if interrupted */
const char *dl_run_get_engine_version(DlRun *run);
const char *dl_run_get_command(DlRun *run); /* or NULL */
int dl_run_get_epochs_done(DlRun *run);
/* The newest epoch's statistics, NULL before the first one. */
const NnEpochStats *dl_run_get_final(DlRun *run);
/* Training time of all epochs, pauses excluded. */
double dl_run_get_seconds(DlRun *run);
char *dl_run_get_model_path(DlRun *run);
gboolean dl_run_has_model(DlRun *run);

const char *dl_run_status_name(DlRunStatus status); /* "running", ... as in run.json */

/* Whether dl_run_prepare_resume() can work: stopped, epochs left, a model
 * saved with its optimizer's state. FALSE with *why (translated; may be
 * NULL) otherwise. */
gboolean dl_run_can_resume(DlRun *run, char **why);

/* Renames the run (run.json rewritten). Refused while another process
 * trains it; an empty name is refused. */
gboolean dl_run_set_name(DlRun *run, const char *name, GError **error);

/* The run's epochs from history.csv in a new history with the run's
 * schedule (so the learning-rate curve is the run's own), for the plots. */
DlHistory *dl_run_load_history(DlRun *run, GError **error);

/* To continue a stopped run: takes its lock, loads model.dlm and checks it
 * (the run's network, optimizer state), and keeps the history's epochs up
 * to the model's. epochs > 0 changes the number of epochs of the run (more
 * to train further). Nothing is written yet: the caller then either calls
 * dl_run_begin_resume(), or drops the run (nothing to do). Returns the model
 * (transfer full). */
NnModel *dl_run_prepare_resume(DlRun *run, int epochs, GError **error);
/* Marks the prepared run running again (run.json). */
gboolean dl_run_begin_resume(DlRun *run, GError **error);

/* After each epoch, in the thread training (the model is that epoch's):
 * the history row, the model (and its snapshot when asked for), then
 * run.json. On error nothing of this epoch is kept but what says no more
 * than the model: the caller should stop the run. */
gboolean dl_run_record_epoch(DlRun *run, const NnEpochStats *stats, NnModel *model, GError **error);

/* The run has ended: its status (not running), the error message of a
 * failed run, the end time; releases the lock. */
gboolean dl_run_finish(DlRun *run, DlRunStatus status, const char *message, GError **error);

/* Removes the run's files (only those of the format above) and its folder;
 * refused while a process trains it. Files it does not know are left, with
 * an error saying so. */
gboolean dl_run_delete(DlRun *run, GError **error);

/* The runs under root, newest first (transfer full: an array of DlRun).
 * Folders that are no run or a corrupt one are skipped; with problems
 * non-NULL, a message for each (char *, transfer full) is added to it.
 * A missing root is no runs. */
GPtrArray *dl_run_list(const char *root, GPtrArray *problems);

/* Copies runs into root: source is a run folder, a folder of run folders
 * (the ablation's OUT/runs), or a folder holding such a "runs" folder
 * (OUT). Each run is copied whole into a temporary folder, then renamed
 * into place, so a full disk leaves no half run. Runs already in root
 * (the same id) and runs still training are skipped, and counted in
 * *skipped; corrupt ones add a message to problems (nullable). FALSE with
 * error only if nothing could be read or written at all. */
gboolean dl_run_import(const char *source, const char *root, int *imported, int *skipped, GPtrArray *problems,
                       GError **error);

/* ---- words, for lists and tables ---- */

/* "the paper's network · Adam · 3 epochs · 6,000 images · no augmentation":
 * the network in words when it is not the paper's, then what most often
 * tells runs apart. */
char *dl_run_settings_summary(const DlRunSettings *settings);

typedef enum {
    DL_RUN_FIELD_NETWORK,
    DL_RUN_FIELD_OPTIMIZER,
    DL_RUN_FIELD_SCHEDULE,
    DL_RUN_FIELD_EPOCHS,
    DL_RUN_FIELD_BATCH,
    DL_RUN_FIELD_AUGMENTATION,
    DL_RUN_FIELD_EMA,
    DL_RUN_FIELD_BN_RECALIBRATE,
    DL_RUN_FIELD_TRAINING_IMAGES,
    DL_RUN_FIELD_VALIDATION,
    DL_RUN_FIELD_SEED,
    DL_RUN_FIELD_THREADS,
    DL_RUN_N_FIELDS,
} DlRunField;

/* A setting's name ("Network") and its value for a run, in words. Two runs
 * differ in a field when these values differ. */
const char *dl_run_field_title(DlRunField field);
char *dl_run_field_value(const DlRunSettings *settings, DlRunField field);

G_END_DECLS
