#include "optim.h"

#include <math.h>

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
