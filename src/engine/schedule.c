#include "schedule.h"

#include <math.h>

NnSchedule
nn_schedule_default(void)
{
    NnSchedule s = { 1e-3, 1e-5, 5.0, 30.0 };
    return s;
}

double
nn_schedule_lr(const NnSchedule *s, double t)
{
    if (t < 0.0)
        t = 0.0;
    if (t < s->warmup)
        return s->lr_min + (s->lr_max - s->lr_min) * t / s->warmup;
    double span = s->epochs - s->warmup;
    if (span <= 0.0 || t >= s->epochs)
        return span <= 0.0 ? s->lr_max : s->lr_min;
    return s->lr_min + (s->lr_max - s->lr_min) * 0.5 * (1.0 + cos(M_PI * (t - s->warmup) / span));
}
