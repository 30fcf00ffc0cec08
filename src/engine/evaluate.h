/* evaluate.h — a model's accuracy, loss and confusion on a dataset. */
#pragma once

#include "idx.h"
#include "model.h"

typedef struct {
    int n;
    double loss;                      /* mean cross-entropy */
    double accuracy;                  /* fraction correct, 0-1 */
    int confusion[NN_CLASSES][NN_CLASSES]; /* [true label][predicted] */
    double per_class_accuracy[NN_CLASSES];
} NnEvalResult;

/* Inference-mode pass over the whole dataset, in batches of the model's
 * reserved size (128 if none). */
NnStatus nn_evaluate(NnModel *model, const NnDataset *data, NnEvalResult *result, NnError *err);
