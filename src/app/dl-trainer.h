/* dl-trainer.h — runs the engine's training in a worker thread.
 *
 * dl_trainer_train_async() loads MNIST and calls nn_train() in a GTask
 * thread on its own copies of the configuration. The engine's callbacks run
 * in that thread: batch progress and epoch statistics reach the main thread
 * through a DlProgress (latest value for batches, every epoch queued), and
 * after every epoch the worker copies the weights into a fresh snapshot model
 * that the main thread can take (dl_trainer_steal_snapshot()), so the canvas
 * recognises with the model as of its last finished epoch.
 *
 * Validation progress and probes travel the same way ("validate", "probe").
 *
 * Pause blocks the worker between two batches (or two validation chunks) on
 * a GCond: the state is DL_TRAINER_PAUSING from the request until the worker
 * blocks, then DL_TRAINER_PAUSED, once the progress it pushed before
 * blocking has been delivered (so the batch in flight is counted before
 * "Paused" shows). Stop (or the caller's GCancellable) makes the engine
 * return NN_ERR_CANCELLED at the next batch, which the finish function
 * reports as G_IO_ERROR_CANCELLED. All public functions and all signals
 * belong to the main thread.
 */
#pragma once

#include <gio/gio.h>

#include "dl-run.h"
#include "dl-types.h"
#include "train.h"

G_BEGIN_DECLS

typedef enum {
    DL_TRAINER_IDLE,
    DL_TRAINER_LOADING,   /* reading MNIST in the worker */
    DL_TRAINER_RUNNING,
    DL_TRAINER_PAUSED,    /* the worker is blocked */
    DL_TRAINER_STOPPING,  /* cancelled, waiting for the worker to return */
    DL_TRAINER_PAUSING,   /* asked to pause, the worker not blocked yet */
} DlTrainerState;

#define DL_TYPE_TRAINER_STATE (dl_trainer_state_get_type())
GType dl_trainer_state_get_type(void);

#define DL_TRAINER_ERROR (dl_trainer_error_quark())
GQuark dl_trainer_error_quark(void);
/* Error codes are the engine's NnStatus values (NN_ERR_IO, NN_ERR_FORMAT, ...). */

/* What to train: a new model with model_config, trained with config on the
 * first train_limit training images (0: all) and validated on the first
 * val_limit test images (0: all) of the MNIST files in data_dir. */
typedef struct {
    char *data_dir;
    NnModelConfig model_config;
    NnTrainConfig config;
    int train_limit;
    int val_limit;
    /* The run folder that keeps the run (dl-run.h), or NULL. The worker
     * records every epoch into it before the main thread hears of the
     * epoch (a run that cannot be recorded stops, with the error), and
     * the run's end. The trainer holds a reference. */
    DlRun *run;
    /* A model to train further (a resumed run; the trainer takes it), or
     * NULL for a new one of model_config. */
    NnModel *model;
} DlTrainRequest;

#define DL_TYPE_TRAINER (dl_trainer_get_type())
G_DECLARE_FINAL_TYPE(DlTrainer, dl_trainer, DL, TRAINER, GObject)

DlTrainer *dl_trainer_new(void);

DlTrainerState dl_trainer_get_state(DlTrainer *self);
gboolean dl_trainer_get_busy(DlTrainer *self);

/* Starts a run; the trainer must be idle. The request is copied (its run
 * referenced, its model taken). */
void dl_trainer_train_async(DlTrainer *self, const DlTrainRequest *request,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data);
/* TRUE when all epochs ran; FALSE with G_IO_ERROR_CANCELLED after Stop, or
 * DL_TRAINER_ERROR with the engine's message. */
gboolean dl_trainer_train_finish(DlTrainer *self, GAsyncResult *result, GError **error);

/* Pause: RUNNING (or LOADING) to PAUSING, then PAUSED. Resume: back to
 * RUNNING from either. */
void dl_trainer_pause(DlTrainer *self);
void dl_trainer_resume(DlTrainer *self);
/* PAUSING or PAUSED. */
gboolean dl_trainer_get_paused(DlTrainer *self);
void dl_trainer_stop(DlTrainer *self);

/* The model as of the newest finished epoch not taken yet (transfer full,
 * free with nn_model_free), or NULL. */
NnModel *dl_trainer_steal_snapshot(DlTrainer *self);

G_END_DECLS
