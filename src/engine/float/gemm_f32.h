/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The float engine's GEMM (no BLAS): C[m][n] = act(sum_k A[m][k] * B[n][k] + bias[n]), with B
 * (weights, constant) packed once at prepare into panels of `nr` columns. A is indirect (as
 * XNNPACK's igemm): k runs over `taps` taps of `cin` channels each, k = tap * cin + channel, and
 * row i's values of tap t are a[idx[i * taps + t] + 0 .. cin), idx a table of offsets. A dense
 * matrix is one tap per row (idx = i * lda); a convolution's table points each output pixel's
 * taps at the input pixels they read, so no im2col copy is made.
 *
 * Fixed order (docs/engine.md, "The float GEMM"): every variant computes each element of C
 * the same way, whatever the tile, block, batch size or thread count:
 *     total = +0
 *     for each tap t, for each block of QV_SGEMM_BLOCK (16) consecutive channels of t (the
 *     last block of a tap may be shorter):
 *         s = +0; for each k of the block: s = fmaf(A[i][k], B[j][k], s)   (one rounding each)
 *         total = total + s
 *     C[i][j] = clamp(total + bias[j], lo, hi)                            (TFLite's epilogue)
 * Short chains added into a running total keep the rounding error of long sums (K = 640 in
 * the MLPerf Tiny autoencoder) several times below one chain's, at the cost of one addition
 * per 16 products. The variants (portable C, AVX2+FMA, AVX-512) give identical bits; splitting
 * k into blocks at whole taps or at multiples of 16 channels (cache blocking) stores the
 * running totals in C and reloads them, which changes nothing. The AVX2 and AVX-512 kernels are
 * compiled for those instruction sets only (function target attributes) and chosen at run time
 * by CPU feature, so the library itself needs no -march flags.
 *
 * Private to libqvet.
 */
#ifndef QV_ENGINE_FLOAT_GEMM_F32_H
#define QV_ENGINE_FLOAT_GEMM_F32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Products per partial sum (see the order above). */
#define QV_SGEMM_BLOCK 16

/* How a tile is finished. */
struct qv_sgemm_epilogue {
    const float *bias;   /* [n] of the whole GEMM, never NULL (zeros when the op has none) */
    float lo, hi;        /* fused activation range (qv_f32_act_range) */
};

/*
 * One micro-kernel call: rows 0 .. mr-1 of a tile (mr 1 .. the kernel's mr) times one packed
 * panel, over `taps` taps of `cin` channels, into c[0 .. mr)[0 .. nc) (row stride ldc, nc 1 ..
 * nr). Row r's values of tap t are a + idx[r * idx_ld + t] (cin floats); b holds the panel's
 * taps * cin rows of nr floats in (tap, channel) order. Each tap's channels are summed in
 * blocks of QV_SGEMM_BLOCK from its first. accumulate: the running totals start from c's
 * values (those of the previous k chunk) instead of +0. ep NULL: store the totals; else finish
 * with bias[j0 + j] and the clamp.
 */
struct qv_sgemm_tile {
    int64_t mr;
    const float *a;
    const int64_t *idx;
    int64_t idx_ld;
    int64_t taps, cin;
    const float *b;
    float *c;
    int64_t ldc, nc;
    bool accumulate;
    const struct qv_sgemm_epilogue *ep;
    int64_t j0;
};

typedef void (*qv_sgemm_tile_fn)(const struct qv_sgemm_tile *t);

struct qv_sgemm_kernel {
    const char *name;      /* "c", "avx2", "avx512x16", "avx512x32"; "c-wide", ... */
    int32_t mr, nr;        /* tile rows, panel width */
    int32_t kc;            /* k per chunk, a multiple of QV_SGEMM_BLOCK (kc x nr stays in L1) */
    qv_sgemm_tile_fn tile;
    bool wide;             /* the wide order below: k is never split, ep never NULL */
};

/*
 * The wide order (FULLY_CONNECTED): each element summed in double, which float32 products
 * enter exactly (24-bit x 24-bit significands fit in 53 bits), so only the additions round:
 *     acc = +0 (double); for k = 0 .. K-1 in (tap, channel) order: acc = acc + (double)A[i][k] *
 *     (double)B[j][k];   C[i][j] = clamp((float)(acc + (double)bias[j]), lo, hi)
 * A fused multiply-add in double gives the same bits (the product is exact). About 2^-53 K
 * relative to the sum of |terms| before the one rounding to float: a float32 result within one
 * rounding of the exact one unless the sum cancels to far below its terms. Half the vector
 * width of the float order; the variants give identical bits.
 */
const struct qv_sgemm_kernel *const *qv_sgemm_kernels_wide(int *ret_count);
const struct qv_sgemm_kernel *qv_sgemm_select_wide(int64_t n);

/*
 * The variants this CPU runs (always at least the portable one, first); *ret_count set.
 * Tests compare each against the defining order.
 */
const struct qv_sgemm_kernel *const *qv_sgemm_kernels(int *ret_count);

/* The variant for a GEMM with n columns on this CPU (chosen once, at prepare). */
const struct qv_sgemm_kernel *qv_sgemm_select(int64_t n);

/* Bytes of B (n x k) packed for kernel kv: ceil(n / nr) panels of k x nr floats. */
size_t qv_sgemm_packed_size(const struct qv_sgemm_kernel *kv, int64_t n, int64_t k);

/* Packs B (n rows of k floats, row stride ldb) into panels for kv (zero-filled beyond n). */
void qv_sgemm_pack(const struct qv_sgemm_kernel *kv, const float *b, int64_t n, int64_t k,
                   int64_t ldb, float *packed);

/*
 * C = act(A * B^T + bias) for m rows (any m >= 0), A indirect: a + idx[i * taps + t] is row i's
 * tap t (cin floats); packed B from qv_sgemm_pack(kv, ., n, taps * cin); C row stride ldc.
 * taps * cin 0 gives act(bias).
 */
void qv_sgemm_run_indirect(const struct qv_sgemm_kernel *kv, int64_t m, int64_t n, int64_t taps,
                           int64_t cin, const float *a, const int64_t *idx, const float *packed,
                           const struct qv_sgemm_epilogue *ep, float *c, int64_t ldc);

/* The same for a dense A (row stride lda): one tap of k channels per row. */
void qv_sgemm_run(const struct qv_sgemm_kernel *kv, int64_t m, int64_t n, int64_t k,
                  const float *a, int64_t lda, const float *packed,
                  const struct qv_sgemm_epilogue *ep, float *c, int64_t ldc);

#endif
