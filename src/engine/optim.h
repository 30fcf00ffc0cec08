/* optim.h — Adam, as Keras implements it (epsilon added outside the square
 * root of the bias-corrected second moment):
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  t = t + 1
 *   p -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    float beta1, beta2, epsilon;
} NnAdam;

/* Keras defaults: beta1 0.9, beta2 0.999, epsilon 1e-7. */
NnAdam nn_adam_default(void);

/* One step over n parameters; *step is t before the update and is
 * incremented. Returns false if any updated parameter is not finite (the
 * check costs one addition per parameter). */
bool nn_adam_update(const NnAdam *adam, float lr, uint64_t *step, float *params,
                    const float *grads, float *m, float *v, size_t n);
