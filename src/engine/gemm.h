/* gemm.h — the single matrix-multiply entry point of the engine. It always
 * runs single-threaded: the engine splits work between its own threads. 
 * Row-major C = alpha * op(A) * op(B) + beta * C, with op(X) = X or X^T.
 * All convolutions (through im2col) and dense layers go through here. */
#pragma once

#include <stdbool.h>

void nn_gemm(bool trans_a, bool trans_b, int m, int n, int k,
             float alpha, const float *a, int lda,
             const float *b, int ldb,
             float beta, float *c, int ldc);

/* The BLAS library and kernel in use, e.g. "OpenBLAS 0.3.21 (Haswell)". */
const char *nn_blas_info(void);

/* Threads of the engine's own loops (OpenMP); BLAS calls inside them run
 * single-threaded, so there is one thread pool, never two. 0 or less: one
 * per core. */
void nn_set_threads(int threads);
int nn_get_threads(void);
