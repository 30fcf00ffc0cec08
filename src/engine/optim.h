/* optim.h — the optimizers. Adam, as Keras implements it (epsilon added outside the square
 * root of the bias-corrected second moment):
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  t = t + 1
 *   p -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { NN_OPTIMIZER_ADAM = 0, NN_OPTIMIZER_SGD = 1 } NnOptimizerKind;

/* "adam" / "sgd"; parse returns -1 for anything else. */
const char *nn_optimizer_name(NnOptimizerKind kind);
int nn_optimizer_parse(const char *name);

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

/* SGD with momentum (PyTorch's form): v = momentum v + g;  p -= lr v.
 * v lives where Adam keeps its first moment. Returns false if any updated
 * parameter is not finite. */
bool nn_sgd_update(float lr, float momentum, float *params, const float *grads, float *v, size_t n);

/* Exponential moving average of weights: avg = decay avg + (1 - decay) x. */
void nn_ema_update(float decay, float *avg, const float *x, size_t n);
