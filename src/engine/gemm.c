#include "gemm.h"

#include <cblas.h>
#include <stdio.h>

void
nn_gemm(bool trans_a, bool trans_b, int m, int n, int k,
        float alpha, const float *a, int lda,
        const float *b, int ldb,
        float beta, float *c, int ldc)
{
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans,
                m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

const char *
nn_blas_info(void)
{
    static char info[160];
    snprintf(info, sizeof info, "%s (%s kernels)", openblas_get_config(), openblas_get_corename());
    return info;
}
