/* dl-follow.c — following a run's epochs; see dl-follow.h. */
#include "dl-follow.h"

#include <string.h>

void
dl_follow_init(DlFollow *self)
{
    memset(self, 0, sizeof *self);
    self->enabled = TRUE;
    self->baseline = -1;
}

static void
drop_held(DlFollow *self)
{
    g_clear_pointer(&self->held, nn_model_free);
    memset(&self->held_stats, 0, sizeof self->held_stats);
}

void
dl_follow_clear(DlFollow *self)
{
    drop_held(self);
}

void
dl_follow_begin_run(DlFollow *self)
{
    drop_held(self);
    self->forced = FALSE;
    self->baseline = -1;
}

DlFollowVerdict
dl_follow_offer(DlFollow *self, NnModel *model, const NnEpochStats *stats, gboolean in_use_is_run,
                double in_use_accuracy, NnModel **use)
{
    g_return_val_if_fail(model != NULL && stats != NULL && use != NULL, DL_FOLLOW_HELD_OFF);

    /* Until the run's model is in use, the model in use is the one to beat. */
    if (!in_use_is_run)
        self->baseline = in_use_accuracy;

    DlFollowVerdict verdict = !self->enabled ? DL_FOLLOW_HELD_OFF
                              : !self->forced && self->baseline >= 0 && stats->val_accuracy < self->baseline
                                  ? DL_FOLLOW_HELD_WORSE
                                  : DL_FOLLOW_USE;
    drop_held(self);
    if (verdict == DL_FOLLOW_USE) {
        *use = model;
        return verdict;
    }
    *use = NULL;
    self->held = model;
    self->held_stats = *stats;
    self->held_verdict = verdict;
    return verdict;
}

NnModel *
dl_follow_take_held(DlFollow *self, gboolean force, NnEpochStats *stats)
{
    NnModel *model = g_steal_pointer(&self->held);

    if (model != NULL && force)
        self->forced = TRUE;
    if (stats != NULL)
        *stats = self->held_stats;
    memset(&self->held_stats, 0, sizeof self->held_stats);
    return model;
}

int
dl_follow_get_held_epoch(const DlFollow *self)
{
    return self->held != NULL ? self->held_stats.epoch : 0;
}
