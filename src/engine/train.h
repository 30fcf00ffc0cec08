/* train.h — training: mini-batch Adam (the paper's) or SGD with momentum,
 * a learning-rate schedule, on-the-fly augmentation, an optional moving
 * average of the weights, validation after every epoch and, optionally, on
 * a subset every few hundred batches.
 *
 * The engine tells its caller about progress through callbacks and polls a
 * "should stop" function between batches; it never calls into an app. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "augment.h"
#include "evaluate.h"
#include "idx.h"
#include "model.h"
#include "schedule.h"

/* EMA's BN statistics are recomputed on this many training images. */
#define NN_EMA_BN_IMAGES 10000

typedef struct {
    int epochs;           /* 30 */
    int batch;            /* 128 */
    uint64_t seed;        /* shuffling, augmentation, dropout (weights: nn_model_new) */
    int threads;          /* engine threads; 0: one per core */
    NnSchedule schedule;  /* lr_max 1e-3, lr_min 1e-5, warmup 5, epochs = epochs */
    bool per_step_lr;     /* false: lr set once per epoch, as the paper does */
    NnOptimizerKind optimizer; /* Adam (Keras' defaults) */
    float momentum;       /* SGD's momentum, 0.9 */
    /* Exponential moving average of the weights, 0 = off: after every step
     * avg = d avg + (1 - d) w, with d = min(ema, (1 + t) / (10 + t)) for the
     * t-th step of the run (so early averages are not dominated by the
     * random start). When on, validation, on_epoch and so the saved model
     * use the averaged weights, whose BN statistics are recomputed after
     * every epoch on NN_EMA_BN_IMAGES training images: the running averages
     * belong to the trained weights, not the averaged ones. */
    float ema;
    NnAugment augment;
    /* This fraction of each batch (0-0.5) is synthetic non-digits (synth.h)
     * trained towards the uniform distribution, so that the network is
     * unsure of what is no digit. */
    float outliers;
    /* Every this many batches (0 = never), on_probe gets the accuracy and
     * loss on the first probe_images validation images (a copy of the model
     * with BN statistics recomputed on 1,024 training images, so probing
     * does not change the training run). */
    int probe_every;
    int probe_images;
    /* After each epoch, recompute BN's running statistics as the plain
     * average over this many training images (augmented, without dropout)
     * before validating; 0 (the paper, Keras) keeps the momentum-0.99
     * averages, which trail the weights by ~100 steps: short runs at a high
     * learning rate then validate far worse than they are. */
    int bn_recalibrate;
} NnTrainConfig;

NnTrainConfig nn_train_config_default(void);

typedef struct {
    int epoch;            /* 0-based epoch in progress */
    int epochs;
    int batch;            /* batches done in this epoch */
    int batches;          /* batches per epoch */
    double lr;
    double loss;          /* running mean over this epoch so far */
    double accuracy;      /* running, 0-1 */
    double batch_loss;    /* of this batch alone */
    double batch_accuracy;
    /* Exponential moving averages over the batches of the run (about the
     * last NN_SMOOTH_BATCHES, bias-corrected), continuous across epochs:
     * what a training curve should show. */
    double smooth_loss;
    double smooth_accuracy;
    double seconds;       /* training time since the epoch started, pauses excluded */
    double images_per_s;  /* over that time */
} NnBatchProgress;

#define NN_SMOOTH_BATCHES 50

typedef struct {
    int epoch;            /* 1-based: epochs finished */
    int epochs;
    double lr;
    double train_loss, train_accuracy;  /* running over the epoch (dropout, augmentation on) */
    double val_loss, val_accuracy;      /* inference mode on the validation set */
    double seconds;       /* training + validation time of this epoch, pauses excluded */
    double images_per_s;  /* training images per second */
} NnEpochStats;

typedef struct {
    void (*on_batch)(const NnBatchProgress *progress, void *user);
    /* After each epoch; the model holds that epoch's weights (at
     * temperature 1: validation scores the network itself). */
    void (*on_epoch)(const NnEpochStats *stats, NnModel *model, void *user);
    /* Polled between batches; returning true stops training with
     * NN_ERR_CANCELLED. The time it takes to return (a pause) is not
     * counted as training time. */
    bool (*should_stop)(void *user);
    /* While validating after an epoch: images done of total. */
    void (*on_validate)(int done, int total, void *user);
    /* A probe (NnTrainConfig.probe_every): position in epochs (epoch +
     * batches done / batches), accuracy (0-1) and loss on the probe subset. */
    void (*on_probe)(double position, double accuracy, double loss, void *user);
    void *user;
} NnTrainCallbacks;

/* The pieces of one training step, for nn_train and the benchmark:
 * augmented copies of train images indices[0..count) for `epoch` (in
 * parallel; each image's randomness derived from seed, epoch and index;
 * some replaced by synthetic non-digits labelled NN_LABEL_NONE), and
 * one forward + backward + Adam update (returns the batch's mean loss, or
 * nan if the update left a parameter that is not finite). */
void nn_train_prepare_batch(const NnTrainConfig *config, const NnDataset *train, const int *indices,
                            int count, int epoch, float *images, uint8_t *labels);
float nn_train_step(NnModel *model, const NnTrainConfig *config, const float *images, const uint8_t *labels,
                    int count, float lr, NnRng *dropout, int *correct);



/* Trains model on `train`, validating on `val` after each epoch. Starts at
 * epoch nn_model_epochs_done(model), so a saved model can be trained further;
 * the same seed, thread count and data give identical results.
 *
 * The loss and the parameters are checked after every step: at the first
 * value that is not finite, training stops with NN_ERR_DIVERGED and a
 * message naming the epoch and step. The model's weights are then unusable;
 * those of the last on_epoch call are the last good ones. */
NnStatus nn_train(NnModel *model, const NnTrainConfig *config, const NnDataset *train,
                  const NnDataset *val, const NnTrainCallbacks *callbacks, NnError *err);
