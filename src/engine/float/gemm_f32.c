/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The float GEMM's packing, blocking and dispatch, and its portable C micro-kernel (gemm_f32.h).
 * The x86 kernels live in gemm_f32_x86.c.
 *
 * Blocking (only for locality; the per-element arithmetic is the same in every block): rows in
 * blocks of MB, then k in chunks of about the kernel's kc (whole taps, or kc channels of one
 * tap: chunk boundaries fall on block boundaries, so a chunk only stores and reloads running
 * totals), then the panels of nr columns, then tiles of mr rows. A block of A (MB rows of one
 * chunk) stays in L2 while every panel slice (kc x nr, in L1) passes over it.
 */
#include <math.h>
#include <string.h>

#include "engine/float/float_common.h"
#include "engine/float/gemm_f32.h"
#include "engine/float/gemm_f32_x86.h"

/* Rows per block of A (a multiple of every kernel's mr: 3, 4, 7, 8, 16). */
#define MB 336

enum { C_MR = 4, C_NR = 16 };

/* The defining order of gemm_f32.h, row by row. */
static void tile_c(const struct qv_sgemm_tile *t)
{
    for (int64_t r = 0; r < t->mr; r++) {
        float *cr = t->c + r * t->ldc;
        float total[C_NR];
        for (int64_t j = 0; j < C_NR; j++)
            total[j] = t->accumulate && j < t->nc ? cr[j] : 0.0f;
        const float *b = t->b;
        for (int64_t tap = 0; tap < t->taps; tap++) {
            const float *x = t->a + t->idx[r * t->idx_ld + tap];
            for (int64_t k0 = 0; k0 < t->cin; k0 += QV_SGEMM_BLOCK) {
                const int64_t len = t->cin - k0 < QV_SGEMM_BLOCK ? t->cin - k0 : QV_SGEMM_BLOCK;
                float s[C_NR] = { 0 };
                for (int64_t k = k0; k < k0 + len; k++, b += C_NR)
                    for (int64_t j = 0; j < C_NR; j++)
                        s[j] = fmaf(x[k], b[j], s[j]);
                for (int64_t j = 0; j < C_NR; j++)
                    total[j] += s[j];
            }
        }
        const struct qv_sgemm_epilogue *ep = t->ep;
        for (int64_t j = 0; j < t->nc; j++)
            cr[j] = ep ? qv_f32_clamp(total[j] + ep->bias[t->j0 + j], ep->lo, ep->hi) : total[j];
    }
}

static const struct qv_sgemm_kernel kernel_c = { "c", C_MR, C_NR, 256, tile_c, false };

/* The wide order of gemm_f32.h, row by row (one chunk: no accumulate; ep set). */
static void tile_c_wide(const struct qv_sgemm_tile *t)
{
    const struct qv_sgemm_epilogue *ep = t->ep;
    for (int64_t r = 0; r < t->mr; r++) {
        double acc[C_NR] = { 0 };
        const double *b = (const double *)(const void *)t->b;
        for (int64_t tap = 0; tap < t->taps; tap++) {
            const float *x = t->a + t->idx[r * t->idx_ld + tap];
            for (int64_t k = 0; k < t->cin; k++, b += C_NR)
                for (int64_t j = 0; j < C_NR; j++)
                    acc[j] = acc[j] + (double)x[k] * b[j];
        }
        float *cr = t->c + r * t->ldc;
        for (int64_t j = 0; j < t->nc; j++)
            cr[j] = qv_f32_clamp((float)(acc[j] + (double)ep->bias[t->j0 + j]), ep->lo, ep->hi);
    }
}

static const struct qv_sgemm_kernel kernel_c_wide = { "c-wide", C_MR, C_NR, 0, tile_c_wide,
                                                      true };

const struct qv_sgemm_kernel *const *qv_sgemm_kernels_wide(int *ret_count)
{
    static const struct qv_sgemm_kernel *const c_only[] = { &kernel_c_wide };
#ifdef QV_F32_X86
    static const struct qv_sgemm_kernel *const with_avx2[] = { &kernel_c_wide,
                                                               &qv_sgemm_kernel_avx2_wide };
    static const struct qv_sgemm_kernel *const with_avx512[] = {
        &kernel_c_wide, &qv_sgemm_kernel_avx2_wide, &qv_sgemm_kernel_avx512_wide
    };
    if (qv_f32_have_avx2_fma()) {
        *ret_count = qv_f32_have_avx512() ? 3 : 2;
        return qv_f32_have_avx512() ? with_avx512 : with_avx2;
    }
#endif
    *ret_count = 1;
    return c_only;
}

const struct qv_sgemm_kernel *qv_sgemm_select_wide(int64_t n)
{
    (void)n;
    int count;
    const struct qv_sgemm_kernel *const *k = qv_sgemm_kernels_wide(&count);
    return k[count - 1];
}

const struct qv_sgemm_kernel *const *qv_sgemm_kernels(int *ret_count)
{
    /* Built from the CPU's features; no state kept. */
    static const struct qv_sgemm_kernel *const c_only[] = { &kernel_c };
#ifdef QV_F32_X86
    static const struct qv_sgemm_kernel *const with_avx2[] = { &kernel_c, &qv_sgemm_kernel_avx2 };
    static const struct qv_sgemm_kernel *const with_avx512[] = {
        &kernel_c, &qv_sgemm_kernel_avx2, &qv_sgemm_kernel_avx512x16, &qv_sgemm_kernel_avx512x32
    };
    if (qv_f32_have_avx2_fma()) {
        if (qv_f32_have_avx512()) {
            *ret_count = 4;
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
    if (count == 4 && n <= 16)
        return k[2];
    return k[count - 1];
}

size_t qv_sgemm_packed_size(const struct qv_sgemm_kernel *kv, int64_t n, int64_t k)
{
    const int64_t panels = (n + kv->nr - 1) / kv->nr;
    return (size_t)panels * (size_t)(k > 0 ? k : 0) * (size_t)kv->nr *
           (kv->wide ? sizeof(double) : sizeof(float));
}

void qv_sgemm_pack(const struct qv_sgemm_kernel *kv, const float *b, int64_t n, int64_t k,
                   int64_t ldb, float *packed)
{
    const int64_t nr = kv->nr;
    memset(packed, 0, qv_sgemm_packed_size(kv, n, k));
    if (kv->wide) {   /* panels of doubles (exact): the wide kernels convert nothing */
        double *pd = (double *)(void *)packed;
        for (int64_t j = 0; j < n; j++)
            for (int64_t kk = 0; kk < k; kk++)
                pd[(j / nr) * k * nr + kk * nr + j % nr] = b[j * ldb + kk];
        return;
    }
    for (int64_t j = 0; j < n; j++) {
        float *panel = packed + (j / nr) * k * nr;
        for (int64_t kk = 0; kk < k; kk++)
            panel[kk * nr + j % nr] = b[j * ldb + kk];
    }
}

/* Rows [i0, i0 + mb) over taps [t0, t0 + tn) and channels [c0, c0 + cn) of each: every panel,
 * every tile. */
static void run_chunk(const struct qv_sgemm_kernel *kv, struct qv_sgemm_tile *t, int64_t i0,
                      int64_t mb, int64_t n, int64_t k, int64_t t0, int64_t c0, int64_t cin,
                      const int64_t *idx, const float *packed, float *c)
{
    const int64_t nr = kv->nr, mr = kv->mr, panels = (n + nr - 1) / nr;
    const int64_t taps_all = t->idx_ld;
    for (int64_t p = 0; p < panels; p++) {
        /* wide: panels of doubles, two floats' room each (and never a k chunk) */
        t->b = packed + (kv->wide ? 2 : 1) * (p * k * nr + (t0 * cin + c0) * nr);
        t->nc = n - p * nr < nr ? n - p * nr : nr;
        t->j0 = p * nr;
        for (int64_t i = i0; i < i0 + mb; i += mr) {
            t->mr = i0 + mb - i < mr ? i0 + mb - i : mr;
            t->idx = idx + i * taps_all + t0;
            t->c = c + i * t->ldc + p * nr;
            kv->tile(t);
        }
    }
}

void qv_sgemm_run_indirect(const struct qv_sgemm_kernel *kv, int64_t m, int64_t n, int64_t taps,
                           int64_t cin, const float *a, const int64_t *idx, const float *packed,
                           const struct qv_sgemm_epilogue *ep, float *c, int64_t ldc)
{
    const int64_t k = taps * cin;
    /* A chunk: kc channels of one tap, or as many whole taps as fit in kc (at least one). */
    const bool split_taps = !kv->wide && cin > kv->kc;
    const int64_t chunk_taps = kv->wide ? taps
                               : split_taps || cin == 0 ? 1
                                                        : (kv->kc / cin > 0 ? kv->kc / cin : 1);
    struct qv_sgemm_tile t = { .idx_ld = taps, .ldc = ldc };
    for (int64_t i0 = 0; i0 < m; i0 += MB) {
        const int64_t mb = m - i0 < MB ? m - i0 : MB;
        if (k == 0) {   /* act(bias) */
            t.taps = t.cin = 0;
            t.a = a;
            t.accumulate = false;
            t.ep = ep;
            run_chunk(kv, &t, i0, mb, n, 0, 0, 0, 0, idx, packed, c);
            continue;
        }
        int64_t t0 = 0, c0 = 0;
        while (t0 < taps) {
            const int64_t tn = split_taps ? 1 : (taps - t0 < chunk_taps ? taps - t0 : chunk_taps);
            const int64_t cn = split_taps ? (cin - c0 < kv->kc ? cin - c0 : kv->kc) : cin;
            t.taps = tn;
            t.cin = cn;
            t.a = a + c0;
            t.accumulate = t0 > 0 || c0 > 0;
            t.ep = t0 + tn >= taps && c0 + cn >= cin ? ep : NULL;
            run_chunk(kv, &t, i0, mb, n, k, t0, c0, cin, idx, packed, c);
            c0 += cn;
            if (c0 >= cin) {
                c0 = 0;
                t0 += tn;
            }
        }
    }
}

void qv_sgemm_run(const struct qv_sgemm_kernel *kv, int64_t m, int64_t n, int64_t k,
                  const float *a, int64_t lda, const float *packed,
                  const struct qv_sgemm_epilogue *ep, float *c, int64_t ldc)
{
    int64_t rows[MB];
    for (int64_t r = 0; r < MB && r < m; r++)
        rows[r] = r * lda;
    for (int64_t i0 = 0; i0 < m; i0 += MB) {
        const int64_t mb = m - i0 < MB ? m - i0 : MB;
        qv_sgemm_run_indirect(kv, mb, n, 1, k, a + i0 * lda, rows, packed, ep, c + i0 * ldc,
                              ldc);
    }
}
