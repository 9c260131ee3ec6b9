/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The float GEMM's packing, blocking and dispatch, and its portable C micro-kernel (gemm_f32.h).
 * The x86 kernels live in gemm_f32_x86.c.
 *
 * Blocking (only for locality; the per-element arithmetic is the same in every block): rows in
 * blocks of MB, then k in blocks of the kernel's kc, then the panels of nr columns, then tiles
 * of mr rows. A block of A (MB x kc) stays in L2 while every panel slice (kc x nr, in L1)
 * passes over it.
 */
#include <math.h>
#include <string.h>

#include "engine/float/float_common.h"
#include "engine/float/gemm_f32.h"
#include "engine/float/gemm_f32_x86.h"

/* Rows per block of A (a multiple of every kernel's mr: 4, 6, 12). */
#define MB 240

enum { C_MR = 4, C_NR = 16 };

static void tile_c(int64_t mr, int64_t k, const float *a, int64_t lda, const float *b, float *c,
                   int64_t ldc, int64_t nc, bool accumulate, const struct qv_sgemm_epilogue *ep,
                   int64_t j0)
{
    for (int64_t r = 0; r < mr; r++) {
        const float *ar = a + r * lda;
        float *cr = c + r * ldc;
        float acc[C_NR];
        for (int64_t j = 0; j < C_NR; j++)
            acc[j] = accumulate && j < nc ? cr[j] : 0.0f;
        for (int64_t kk = 0; kk < k; kk++) {
            const float x = ar[kk];
            const float *bk = b + kk * C_NR;
            for (int64_t j = 0; j < C_NR; j++)
                acc[j] = fmaf(x, bk[j], acc[j]);
        }
        for (int64_t j = 0; j < nc; j++)
            cr[j] = ep ? qv_f32_clamp(acc[j] + ep->bias[j0 + j], ep->lo, ep->hi) : acc[j];
    }
}

static const struct qv_sgemm_kernel kernel_c = { "c", C_MR, C_NR, 256, tile_c };

const struct qv_sgemm_kernel *const *qv_sgemm_kernels(int *ret_count)
{
    /* Built once per call from the CPU's features; no state kept. */
    static const struct qv_sgemm_kernel *const c_only[] = { &kernel_c };
#ifdef QV_F32_X86
    static const struct qv_sgemm_kernel *const with_avx2[] = { &kernel_c, &qv_sgemm_kernel_avx2 };
    static const struct qv_sgemm_kernel *const with_avx512[] = { &kernel_c,
                                                                 &qv_sgemm_kernel_avx2,
                                                                 &qv_sgemm_kernel_avx512 };
    if (qv_f32_have_avx2_fma()) {
        if (qv_f32_have_avx512()) {
            *ret_count = 3;
            return with_avx512;
        }
        *ret_count = 2;
        return with_avx2;
    }
#endif
    *ret_count = 1;
    return c_only;
}

const struct qv_sgemm_kernel *qv_sgemm_select(int64_t n)
{
    int count;
    const struct qv_sgemm_kernel *const *k = qv_sgemm_kernels(&count);
    /* The 32-wide AVX-512 panel wastes half of itself on 16 columns or fewer. */
    if (count > 2 && n <= 16)
        return k[1];
    return k[count - 1];
}

size_t qv_sgemm_packed_size(const struct qv_sgemm_kernel *kv, int64_t n, int64_t k)
{
    const int64_t panels = (n + kv->nr - 1) / kv->nr;
    return (size_t)panels * (size_t)(k > 0 ? k : 0) * (size_t)kv->nr * sizeof(float);
}

void qv_sgemm_pack(const struct qv_sgemm_kernel *kv, const float *b, int64_t n, int64_t k,
                   int64_t ldb, float *packed)
{
    const int64_t nr = kv->nr;
    memset(packed, 0, qv_sgemm_packed_size(kv, n, k));
    for (int64_t j = 0; j < n; j++) {
        float *panel = packed + (j / nr) * k * nr;
        for (int64_t kk = 0; kk < k; kk++)
            panel[kk * nr + j % nr] = b[j * ldb + kk];
    }
}

void qv_sgemm_run(const struct qv_sgemm_kernel *kv, int64_t m, int64_t n, int64_t k,
                  const float *a, int64_t lda, const float *packed,
                  const struct qv_sgemm_epilogue *ep, float *c, int64_t ldc)
{
    const int64_t nr = kv->nr, mr = kv->mr, panels = (n + nr - 1) / nr;
    for (int64_t i0 = 0; i0 < m; i0 += MB) {
        const int64_t mb = m - i0 < MB ? m - i0 : MB;
        int64_t k0 = 0;
        do {
            const int64_t kb = k - k0 < kv->kc ? k - k0 : kv->kc;
            const bool accumulate = k0 > 0, last = k0 + kb >= k;
            for (int64_t p = 0; p < panels; p++) {
                const float *b = packed + p * k * nr + k0 * nr;
                const int64_t nc = n - p * nr < nr ? n - p * nr : nr;
                for (int64_t i = i0; i < i0 + mb; i += mr)
                    kv->tile(i0 + mb - i < mr ? i0 + mb - i : mr, kb, a + i * lda + k0, lda, b,
                             c + i * ldc + p * nr, ldc, nc, accumulate, last ? ep : NULL,
                             p * nr);
            }
            k0 += kb;
        } while (k0 < k);
    }
}
