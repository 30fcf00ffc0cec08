/* gemm.h — the single matrix-multiply entry point of the engine.
 * Row-major C = alpha * op(A) * op(B) + beta * C, with op(X) = X or X^T.
 * All convolutions (through im2col) and dense layers go through here. */
#pragma once

#include <stdbool.h>

void nn_gemm(bool trans_a, bool trans_b, int m, int n, int k,
             float alpha, const float *a, int lda,
             const float *b, int ldb,
             float beta, float *c, int ldc);

/* Number of threads the BLAS library uses; 0 or less keeps its default. */
void nn_set_threads(int threads);
int nn_get_threads(void);
/* The BLAS library and kernel in use, e.g. "OpenBLAS 0.3.21 (Haswell)". */
const char *nn_blas_info(void);
