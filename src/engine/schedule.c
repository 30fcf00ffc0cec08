#include "schedule.h"

#include <math.h>
#include <string.h>

static const char *const kind_names[] = { "paper", "constant", "step", "cosine" };

NnSchedule
nn_schedule_default(void)
{
    NnSchedule s = { 1e-3, 1e-5, 5.0, 30.0, NN_SCHEDULE_PAPER, 10.0, 0.1 };
    return s;
}

static double
warmup_cosine(const NnSchedule *s, double warmup, double t)
{
    if (t < warmup)
        return s->lr_min + (s->lr_max - s->lr_min) * t / warmup;
    double span = s->epochs - warmup;
    if (span <= 0.0 || t >= s->epochs)
        return span <= 0.0 ? s->lr_max : s->lr_min;
    return s->lr_min + (s->lr_max - s->lr_min) * 0.5 * (1.0 + cos(M_PI * (t - warmup) / span));
}

double
nn_schedule_lr(const NnSchedule *s, double t)
{
    if (t < 0.0)
        t = 0.0;
    switch (s->kind) {
    case NN_SCHEDULE_CONSTANT:
        return s->lr_max;
    case NN_SCHEDULE_STEP:
        return s->lr_max * pow(s->step_gamma, floor(t / (s->step_epochs > 0 ? s->step_epochs : 1.0)));
    case NN_SCHEDULE_COSINE:
        return warmup_cosine(s, 0.0, t);
    case NN_SCHEDULE_PAPER:
    default:
        return warmup_cosine(s, s->warmup, t);
    }
}

const char *
nn_schedule_kind_name(NnScheduleKind kind)
{
    return (unsigned)kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[kind] : "paper";
}

int
nn_schedule_kind_parse(const char *name)
{
    for (int i = 0; i < (int)(sizeof kind_names / sizeof kind_names[0]); i++)
        if (strcmp(name, kind_names[i]) == 0)
            return i;
    return -1;
}
