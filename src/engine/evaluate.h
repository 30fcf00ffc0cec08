/* evaluate.h — a model's accuracy, loss and confusion on a dataset. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "idx.h"
#include "model.h"

typedef struct {
    int n;
    double loss;                      /* mean cross-entropy */
    double accuracy;                  /* fraction correct, 0-1 */
    int confusion[NN_CLASSES][NN_CLASSES]; /* [true label][predicted] */
    double per_class_accuracy[NN_CLASSES];
} NnEvalResult;

/* Optional outputs and callbacks of an evaluation; every member may be
 * NULL (or the whole struct, in nn_evaluate_ex). */
typedef struct {
    uint8_t *predicted;   /* data->count digits: each image's most probable class */
    float *probs;         /* data->count * NN_CLASSES probabilities, image-major */
    /* Called after each batch with the images done so far (of `total`). */
    void (*progress)(int done, int total, void *user);
    /* Polled between batches; returning true stops with NN_ERR_CANCELLED. */
    bool (*should_stop)(void *user);
    void *user;
} NnEvalOptions;

/* Inference-mode pass over the whole dataset in batches of 128. */
NnStatus nn_evaluate(NnModel *model, const NnDataset *data, NnEvalResult *result, NnError *err);
NnStatus nn_evaluate_ex(NnModel *model, const NnDataset *data, const NnEvalOptions *options,
                        NnEvalResult *result, NnError *err);

/* The images read correctly: the sum of the confusion matrix's diagonal. */
int nn_eval_correct(const NnEvalResult *result);

/* The most probable of n classes (the first on ties). */
int nn_argmax(const float *probs, int n);
