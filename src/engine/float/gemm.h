/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The float engine's one door to BLAS (gemm.c is the only file that includes <cblas.h>).
 *
 * Threading is left to OpenBLAS's default (OPENBLAS_NUM_THREADS, else all cores). For a given
 * thread count and CPU the result is deterministic: OpenBLAS partitions the output statically,
 * with no atomics or reductions across threads. Between different thread counts (or CPU kernels
 * picked by OpenBLAS's dispatch) a dot product may be summed in a different order, so results
 * can differ in the last bits only -- far inside the float engine's 1e-5 relative contract. The
 * plain-loop path (qv_kernel_ctx.plain_loops) is bit-reproducible everywhere.
 */
#ifndef QV_ENGINE_FLOAT_GEMM_H
#define QV_ENGINE_FLOAT_GEMM_H

#include <stdint.h>

/*
 * C[m][n] = sum_k A[m][k] * B[n][k]   (row-major; B is used transposed, as filters are stored
 * [out][k]). lda, ldb, ldc are row strides in elements. C is overwritten. m, n, k >= 0; any of
 * them 0 leaves C unchanged (k 0 zeroes it).
 */
void qv_f32_gemm_nt(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b,
                    int64_t ldb, float *c, int64_t ldc);

#endif
