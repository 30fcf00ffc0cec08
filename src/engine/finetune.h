/* finetune.h — teaching a trained model a class's handwriting.
 *
 * A short training of the model on labelled drawings (rendered through the
 * canvas path: nn_strokes_to_image, then stored as bytes like MNIST),
 * mixed with MNIST training images so that it forgets nothing: each epoch
 * sees every drawing `repeats` times, each time freshly augmented, and
 * `mnist_ratio` MNIST images per drawing seen, and a share `outliers` of
 * every kind replaced by synthetic non-digits (uniform targets, as
 * `train --outliers` makes them). The learning rate goes from
 * lr down to lr / 10 along a cosine, step by step; BN statistics are
 * recomputed on the mix at the end of each epoch; dropout stays on. The
 * same seed and thread count give the same model. */
#pragma once

#include "idx.h"
#include "model.h"
#include "train.h"

typedef struct {
    int epochs;          /* 4 */
    int repeats;         /* 8 */
    int mnist_ratio;     /* 3 */
    float outliers;      /* 0.1: share of the mix replaced by synthetic non-digits, as the
                          * bundled model trained, so that it keeps rejecting them */
    float lr;            /* 2e-4 */
    int batch;           /* 64 */
    uint64_t seed;       /* 1 */
    int threads;         /* 0: one per core */
    NnAugment augment;   /* the paper's rotation, zoom and shift, a little gentler */
} NnFinetuneConfig;

NnFinetuneConfig nn_finetune_config_default(void);

/* Fine-tunes model in place on drawings (labels 0-9), mixed with images of
 * mnist (may be NULL: drawings only). The model keeps its temperature and
 * thresholds (nn_calibrate sets them again). callbacks as for nn_train (on_epoch
 * gets the fine-tuned model after each epoch); validation on val if
 * non-NULL. */
NnStatus nn_finetune(NnModel *model, const NnFinetuneConfig *config, const NnDataset *drawings,
                     const NnDataset *mnist, const NnDataset *val, const NnTrainCallbacks *callbacks,
                     NnError *err);
