/* schedule.h — the paper's learning-rate schedule: linear warmup from lr_min
 * to lr_max over `warmup` epochs, then cosine annealing back to lr_min over
 * the remaining epochs. */
#pragma once

typedef struct {
    double lr_max;   /* 1e-3 */
    double lr_min;   /* 1e-5 */
    double warmup;   /* epochs, 5 */
    double epochs;   /* total epochs, 30 */
} NnSchedule;

NnSchedule nn_schedule_default(void);

/* The learning rate at (possibly fractional) epoch t in [0, epochs]:
 *   t <  warmup: lr_min + (lr_max - lr_min) * t / warmup
 *   t >= warmup: lr_min + (lr_max - lr_min) * (1 + cos(pi * (t - warmup) / (epochs - warmup))) / 2
 * Training evaluates it at t = epoch index (per-epoch, as the paper does) or at
 * t = epoch + step / steps_per_epoch (per-step option). */
double nn_schedule_lr(const NnSchedule *s, double t);
