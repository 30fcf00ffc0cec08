/* dl-progress.h — training progress from a worker thread to the main thread,
 * by the latest-value pattern.
 *
 * The worker calls dl_progress_push_batch() after every batch,
 * dl_progress_push_validate() as it validates, dl_progress_push_probe() for
 * every probe and dl_progress_push_epoch() after every epoch, from any
 * thread. The newest batch progress and the newest validation progress each
 * overwrite the previous one under a mutex; probes and epoch statistics are
 * queued (none is ever dropped); and at most one callback is pending in the
 * main context the object was created in, however fast the worker goes. It
 * runs when the main loop is idle, but no sooner than
 * DL_PROGRESS_INTERVAL_MS after the previous one: a batch every 30 ms would
 * otherwise redraw the window 30 times a second, a third of a core taken
 * from training on a 2-core laptop for changes no one can read. The callback
 * emits "batch", "validate", "probe" and "epoch" in the order
 * they were pushed (a value that was overwritten takes the place of its
 * newest push).
 *
 * The idle callback holds only a weak reference, so disposing of the object
 * while a dispatch is pending is safe (GNOME Text Editor's
 * editor-document-statistics.c does the same). No display needed: unit-tested
 * in tests/app/test-progress.c.
 */
#pragma once

#include <glib-object.h>

#include "dl-types.h"
#include "train.h"

G_BEGIN_DECLS

/* A probe (NnTrainCallbacks.on_probe): position in epochs, accuracy (0-1)
 * and loss on the probe subset. */
typedef struct {
    double position;
    double accuracy;
    double loss;
} DlProbe;

#define DL_TYPE_PROGRESS (dl_progress_get_type())
G_DECLARE_FINAL_TYPE(DlProgress, dl_progress, DL, PROGRESS, GObject)

/* The least time between two dispatches: ten updates a second. */
#define DL_PROGRESS_INTERVAL_MS 100

/* Dispatches into the thread-default main context of the calling thread. */
DlProgress *dl_progress_new(void);

/* Thread-safe. The newest batch progress replaces any not yet dispatched. */
void dl_progress_push_batch(DlProgress *self, const NnBatchProgress *progress);
/* Thread-safe. Every epoch pushed is dispatched, in order. */
void dl_progress_push_epoch(DlProgress *self, const NnEpochStats *stats);
/* Thread-safe. Validation after an epoch: images done of total; the newest
 * replaces any not yet dispatched. */
void dl_progress_push_validate(DlProgress *self, int done, int total);
/* Thread-safe. Every probe pushed is dispatched, in order. */
void dl_progress_push_probe(DlProgress *self, const DlProbe *probe);

/* Main thread: emits now whatever is waiting (e.g. when the worker has
 * returned, so its last epoch is not delivered after the run's end). */
void dl_progress_flush(DlProgress *self);

/* Drops whatever is not dispatched yet (main thread, e.g. before a new run). */
void dl_progress_reset(DlProgress *self);

/* The least time between dispatches (DL_PROGRESS_INTERVAL_MS unless set;
 * 0: whenever idle). */
void dl_progress_set_interval(DlProgress *self, guint interval_ms);

/* For tests and diagnostics. */
guint dl_progress_get_dispatch_count(DlProgress *self);
gboolean dl_progress_get_pending(DlProgress *self);

G_END_DECLS
