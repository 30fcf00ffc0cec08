#include "optim.h"

#include <math.h>
#include <string.h>

const char *
nn_optimizer_name(NnOptimizerKind kind)
{
    return kind == NN_OPTIMIZER_SGD ? "sgd" : "adam";
}

int
nn_optimizer_parse(const char *name)
{
    return strcmp(name, "adam") == 0 ? NN_OPTIMIZER_ADAM : strcmp(name, "sgd") == 0 ? NN_OPTIMIZER_SGD : -1;
}

NnAdam
nn_adam_default(void)
{
    NnAdam adam = { 0.9f, 0.999f, 1e-7f };
    return adam;
}

bool
nn_adam_update(const NnAdam *adam, float lr, uint64_t *step, float *params,
               const float *grads, float *m, float *v, size_t n)
{
    const double t = (double)(++*step);
    const float alpha = (float)(lr * sqrt(1.0 - pow(adam->beta2, t)) / (1.0 - pow(adam->beta1, t)));
    const float b1 = adam->beta1, b2 = adam->beta2, eps = adam->epsilon;

    /* p - p is 0 for finite p and nan for inf or nan: the sum says whether
     * all are finite, in any order of summation. */
    float check = 0.0f;
#pragma omp parallel for simd schedule(static) reduction(+ : check) if (n > 65536)
    for (size_t i = 0; i < n; i++) {
        float g = grads[i];
        m[i] = b1 * m[i] + (1.0f - b1) * g;
        v[i] = b2 * v[i] + (1.0f - b2) * g * g;
        float p = params[i] - alpha * m[i] / (sqrtf(v[i]) + eps);
        params[i] = p;
        check += p - p;
    }
    return check == 0.0f;
}

bool
nn_sgd_update(float lr, float momentum, float *params, const float *grads, float *v, size_t n)
{
    float check = 0.0f;
#pragma omp parallel for simd schedule(static) reduction(+ : check) if (n > 65536)
    for (size_t i = 0; i < n; i++) {
        v[i] = momentum * v[i] + grads[i];
        float p = params[i] - lr * v[i];
        params[i] = p;
        check += p - p;
    }
    return check == 0.0f;
}

void
nn_ema_update(float decay, float *avg, const float *x, size_t n)
{
    const float keep = decay, take = 1.0f - decay;
#pragma omp parallel for simd schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++)
        avg[i] = keep * avg[i] + take * x[i];
}
