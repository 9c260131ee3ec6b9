/* SPDX-License-Identifier: Apache-2.0 */
/* cblas_sgemm wrapper: see gemm.h for the threading/determinism note. */
#include <cblas.h>
#include <string.h>

#include "engine/float/gemm.h"

void qv_f32_gemm_nt(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b,
                    int64_t ldb, float *c, int64_t ldc)
{
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0) {
        for (int64_t i = 0; i < m; i++)
            memset(c + i * ldc, 0, (size_t)n * sizeof(float));
        return;
    }
    /* blasint is 32-bit in the common builds; the engine's shapes stay far below 2^31 rows
     * per GEMM for models that fit an MCU (checked in prepare). */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)m, (blasint)n, (blasint)k, 1.0f,
                a, (blasint)lda, b, (blasint)ldb, 0.0f, c, (blasint)ldc);
}
