/* dl-history.h — the series of one training run, for the plots.
 *
 * DlHistory is the model behind the three training plots (dl_draw_plot()
 * draws them, DlPlot shows them): the smoothed training loss and accuracy
 * after each batch it is told about, the per-epoch statistics, and the
 * learning-rate schedule of the run, so the schedule can be drawn ahead
 * before and during training. It knows nothing of widgets, and is tested
 * without a display.
 *
 * x is always a position in epochs: a batch at x = epoch + batch / batches
 * (2 + 37/469 is the 37th batch of the third epoch), an epoch's statistics at
 * x = the number of epochs finished (1-based). Accuracies are fractions (0-1),
 * as the engine reports them.
 *
 * Not thread-safe: use it from the main thread (the worker forwards the
 * engine's callbacks there) and read it there.
 */
#pragma once

#include <glib-object.h>

#include "schedule.h"
#include "train.h"

G_BEGIN_DECLS

typedef struct {
    double x, y;
} DlPoint;

typedef enum {
    /* Per batch: the engine's smoothed training loss and accuracy
     * (NnBatchProgress.smooth_loss, .smooth_accuracy: a bias-corrected
     * moving average over about the last NN_SMOOTH_BATCHES batches), which
     * runs on across epochs, unlike the per-epoch running mean. */
    DL_SERIES_SMOOTH_LOSS,
    DL_SERIES_SMOOTH_ACCURACY,
    DL_SERIES_TRAIN_LOSS,     /* per epoch: training loss over the epoch */
    DL_SERIES_TRAIN_ACCURACY, /* per epoch: training accuracy over the epoch */
    DL_SERIES_VAL_LOSS,       /* per epoch: validation loss */
    DL_SERIES_VAL_ACCURACY,   /* per epoch: validation accuracy */
    DL_SERIES_LR,             /* per epoch: the learning rate of its last batch */
    /* Probes (NnTrainConfig.probe_every): accuracy and loss on a subset of
     * the validation images every few hundred batches, at the position of
     * the batch they followed. */
    DL_SERIES_PROBE_ACCURACY,
    DL_SERIES_PROBE_LOSS,
    DL_N_SERIES,
} DlSeries;

/* Per-batch series are kept whole up to this many points (469 batches × 30
 * epochs = 14 070 fit); beyond it every other point is dropped, so a very long
 * run costs bounded memory and drawing time. */
#define DL_HISTORY_MAX_BATCH_POINTS 20000

/* Intervals of the sampled schedule curve of a per-step run: that many + 1
 * evenly spaced points, plus the warmup corner; a per-epoch run has two
 * points per epoch instead (a staircase). */
#define DL_HISTORY_SCHEDULE_SAMPLES 300

#define DL_HISTORY_ERROR (dl_history_error_quark())

typedef enum {
    DL_HISTORY_ERROR_PARSE, /* not a history CSV of digitlab-cli train */
} DlHistoryError;

GQuark dl_history_error_quark(void);

#define DL_TYPE_HISTORY (dl_history_get_type())
G_DECLARE_FINAL_TYPE(DlHistory, dl_history, DL, HISTORY, GObject)

/* An empty history for the engine's default recipe (30 epochs, the paper's
 * schedule, per-epoch learning rate), so the schedule can be shown at once. */
DlHistory *dl_history_new(void);

/* Forgets all points and sets up a new run. schedule->epochs is replaced by
 * `epochs`, as nn_train() does. batches_per_epoch may be 0 when not yet known
 * (then a per-step learning rate is read as continuous). Emits "changed". */
void dl_history_reset(DlHistory *self, const NnSchedule *schedule, int epochs,
                      int batches_per_epoch, gboolean per_step_lr);

/* Appends the smoothed loss and accuracy of a batch (progress->batch is
 * 1-based, as the engine reports it) and moves the position there. A batch at
 * or before the last one recorded (a run started again) first drops the
 * points from there on. Emits "changed". */
void dl_history_add_batch(DlHistory *self, const NnBatchProgress *progress);

/* Appends a probe at `position` in epochs (as NnTrainCallbacks.on_probe
 * gives it): accuracy 0-1 and loss. A probe at or before the last one
 * recorded first drops the probes from there on (a run started again).
 * Emits "changed". */
void dl_history_add_probe(DlHistory *self, double position, double accuracy, double loss);

/* Appends an epoch's statistics (stats->epoch is 1-based) and moves the
 * position to its end; an epoch already recorded is replaced, with all later
 * ones. Validation loss and accuracy both 0 (nn_train() without a validation
 * set) add no validation point. Emits "changed". */
void dl_history_add_epoch(DlHistory *self, const NnEpochStats *stats);

/* The points of a series, ascending in x; *n_points gets their number. The
 * array belongs to the history and is valid until its next change. */
const DlPoint *dl_history_get_series(DlHistory *self, DlSeries series, guint *n_points);

/* All epoch statistics recorded, in order. Valid until the next change. */
const NnEpochStats *dl_history_get_epochs(DlHistory *self, guint *n_epochs);

/* The last batch recorded, or NULL if none since the last reset. */
const NnBatchProgress *dl_history_get_last_batch(DlHistory *self);

/* Number of epochs of the run: the plots' x axis goes from 0 to this. */
int dl_history_get_n_epochs(DlHistory *self);
int dl_history_get_batches_per_epoch(DlHistory *self);
gboolean dl_history_get_per_step_lr(DlHistory *self);

/* Where training is, in epochs: the x of the last batch or epoch added, 0
 * before any. */
double dl_history_get_position(DlHistory *self);

/* TRUE until the first batch, probe or epoch is added after a reset. */
gboolean dl_history_is_empty(DlHistory *self);

/* FALSE after dl_history_load_csv(): a CSV holds no schedule, only the
 * learning rate each epoch had. */
gboolean dl_history_has_schedule(DlHistory *self);
const NnSchedule *dl_history_get_schedule(DlHistory *self);

/* The learning-rate curve over the whole run, ascending in x, for drawing
 * ahead: with a schedule, nn_schedule_lr() at DL_HISTORY_SCHEDULE_SAMPLES + 1
 * even steps from 0 to n_epochs plus the warmup corner (per-step), or
 * two points per epoch, (e, lr(e)) and (e + 1, lr(e)) (per-epoch); without a
 * schedule, the same staircase from the recorded per-epoch learning rates.
 * Computed once per reset or load, not per call. */
const DlPoint *dl_history_get_schedule_curve(DlHistory *self, guint *n_points);

/* The learning rate the run uses at position t (in epochs), as nn_train()
 * computes it: the epoch's value for a per-epoch run, the batch's for a
 * per-step one. Without a schedule, the recorded rate of that epoch (0 if
 * none). */
double dl_history_lr_at(DlHistory *self, double t);

/* Writes the epoch statistics as digitlab-cli train --history does:
 * epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second
 * (always with '.' decimals, whatever the locale). */
gboolean dl_history_save_csv(DlHistory *self, const char *path, GError **error);
/* The same text, for writing elsewhere (*length: its size; may be NULL). */
char *dl_history_format_csv(DlHistory *self, gsize *length);

/* Replaces the history by the epochs of such a CSV (a finished or resumed
 * run; rows of a resumed run may start after epoch 1). The result has no
 * per-batch points and no schedule; n_epochs is the last epoch in the file.
 * On error the history is left unchanged. Emits "changed" on success. */
gboolean dl_history_load_csv(DlHistory *self, const char *path, GError **error);
/* The same from the file's contents (length bytes, binary refused); path
 * names it in messages. */
gboolean dl_history_parse_csv(DlHistory *self, const char *contents, gsize length, const char *path,
                              GError **error);

G_END_DECLS
