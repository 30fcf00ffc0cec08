/* dl-follow.h — whether the canvas takes each epoch of a run ("Follow
 * training"), decided in one place.
 *
 * While a run trains, each finished epoch's model is offered here. It is
 * put in use when following is on and it reads at least as well as the
 * model the canvas had before the run (the baseline: that model's accuracy
 * on the test set, if known). Otherwise it is held back — the newest held
 * model is kept, so that it can still be put in use on request ("Use it
 * anyway") or when following is turned on again — and the caller says so.
 * Once the user has asked for a held model, the rest of the run is followed
 * whatever it reads.
 *
 * The session (dl-session.c) owns one and does what it decides; this file
 * has no GObject, no main loop and no widgets, and is tested on its own
 * (tests/app/test-session.c).
 */
#pragma once

#include <glib.h>

#include "model.h"
#include "train.h"

G_BEGIN_DECLS

typedef enum {
    DL_FOLLOW_USE,        /* put the epoch in use */
    DL_FOLLOW_HELD_OFF,   /* held: following is off */
    DL_FOLLOW_HELD_WORSE, /* held: it reads worse than the baseline */
} DlFollowVerdict;

typedef struct {
    gboolean enabled;      /* "Follow training" */
    gboolean forced;       /* the user took a held model: follow whatever it reads */
    double baseline;       /* accuracy (0-1) the run must reach, < 0 when unknown */
    NnModel *held;         /* the newest epoch held back, or NULL */
    NnEpochStats held_stats;
    DlFollowVerdict held_verdict;
} DlFollow;

void dl_follow_init(DlFollow *self);
void dl_follow_clear(DlFollow *self);

/* A run starts: nothing held, nothing forced, no baseline yet. */
void dl_follow_begin_run(DlFollow *self);

/* An epoch's model (taken) with its statistics. in_use_is_run: the model
 * in use now is this run's; in_use_accuracy: otherwise its accuracy on the
 * test set, < 0 if not known (it then becomes the baseline). Returns the
 * verdict; on DL_FOLLOW_USE *use gets the model (transfer full) and nothing
 * stays held, else *use is NULL and the model is held (replacing an older
 * one). */
DlFollowVerdict dl_follow_offer(DlFollow *self, NnModel *model, const NnEpochStats *stats,
                                gboolean in_use_is_run, double in_use_accuracy, NnModel **use);

/* The held model (transfer full), or NULL; with force, from then on the
 * run is followed whatever it reads (without, e.g. to offer it again once
 * following is turned back on). */
NnModel *dl_follow_take_held(DlFollow *self, gboolean force, NnEpochStats *stats);

/* The held model's epoch (1-based), 0 when none. */
int dl_follow_get_held_epoch(const DlFollow *self);

G_END_DECLS
