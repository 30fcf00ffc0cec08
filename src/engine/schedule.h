/* schedule.h — learning-rate schedules. The paper's is the default: linear
 * warmup from lr_min to lr_max over `warmup` epochs, then cosine annealing
 * back to lr_min over the remaining epochs. */
#pragma once

typedef enum {
    NN_SCHEDULE_PAPER = 0, /* warmup, then cosine */
    NN_SCHEDULE_CONSTANT,  /* lr_max throughout */
    NN_SCHEDULE_STEP,      /* lr_max, times step_gamma every step_epochs */
    NN_SCHEDULE_COSINE,    /* cosine from lr_max to lr_min, no warmup */
} NnScheduleKind;

typedef struct {
    double lr_max;        /* 1e-3 */
    double lr_min;        /* 1e-5 */
    double warmup;        /* epochs, 5 (paper schedule only) */
    double epochs;        /* total epochs, 30 */
    NnScheduleKind kind;  /* paper */
    double step_epochs;   /* step schedule: epochs between steps (10) */
    double step_gamma;    /* step schedule: factor at each step (0.1) */
} NnSchedule;

NnSchedule nn_schedule_default(void);

/* The learning rate at (possibly fractional) epoch t in [0, epochs]:
 *   paper, t <  warmup: lr_min + (lr_max - lr_min) * t / warmup
 *   paper, t >= warmup: lr_min + (lr_max - lr_min) * (1 + cos(pi * (t - warmup) / (epochs - warmup))) / 2
 *   cosine: the paper's with warmup 0;  constant: lr_max;
 *   step: lr_max * step_gamma ^ floor(t / step_epochs).
 * Training evaluates it at t = epoch index (per-epoch, as the paper does) or at
 * t = epoch + step / steps_per_epoch (per-step option). */
double nn_schedule_lr(const NnSchedule *s, double t);

/* "paper", "constant", "step", "cosine"; parse returns -1 for anything else. */
const char *nn_schedule_kind_name(NnScheduleKind kind);
int nn_schedule_kind_parse(const char *name);
