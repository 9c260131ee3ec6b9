/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The float engine's GEMM (no BLAS): C[m][n] = act(sum_k A[m][k] * B[n][k] + bias[n]), with B
 * (weights, constant) packed once at prepare into panels of `nr` columns.
 *
 * Fixed order: every variant computes each element of C the same way, whatever the tile, block,
 * batch size or thread count:
 *     acc = 0; for k = 0 .. K-1: acc = fmaf(A[i][k], B[j][k], acc);   (one rounding per step)
 *     C[i][j] = clamp(acc + bias[j], lo, hi)                             (TFLite's epilogue)
 * so the variants (portable C, AVX2+FMA, AVX-512) give byte-identical results and the engine's
 * outputs do not depend on --batch or -j. Blocking along k stores the float partial sums in C
 * and reloads them, which changes nothing. The AVX2 and AVX-512 kernels are compiled for those
 * instruction sets only (function target attributes) and chosen at run time by CPU feature,
 * so the library itself needs no -march flags.
 *
 * Private to libqvet.
 */
#ifndef QV_ENGINE_FLOAT_GEMM_F32_H
#define QV_ENGINE_FLOAT_GEMM_F32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a tile is finished. */
struct qv_sgemm_epilogue {
    const float *bias;   /* [n] of the whole GEMM, never NULL (zeros when the op has none) */
    float lo, hi;        /* fused activation range (qv_f32_act_range) */
};

/*
 * One micro-kernel: rows a[0 .. mr) (mr 1 .. kernel's mr, row stride lda) times one packed
 * panel (k rows of `nr` floats, zero beyond the GEMM's n) into c[0 .. mr)[0 .. nc) (row stride
 * ldc, nc 1 .. nr). accumulate: start from c's values (the partial sums of the previous k
 * block) instead of 0. ep NULL: store the raw sums; else finish with bias[j0 + j] and clamp.
 */
typedef void (*qv_sgemm_tile_fn)(int64_t mr, int64_t k, const float *a, int64_t lda,
                                 const float *b, float *c, int64_t ldc, int64_t nc,
                                 bool accumulate, const struct qv_sgemm_epilogue *ep, int64_t j0);

struct qv_sgemm_kernel {
    const char *name;      /* "c", "avx2", "avx512" */
    int32_t mr, nr;        /* tile rows, panel width */
    int32_t kc;            /* k per block (the panel slice kc x nr stays in L1) */
    qv_sgemm_tile_fn tile;
};

/*
 * The variants this CPU runs, best last (always at least the portable one); *ret_count set.
 * Tests compare each against the first.
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
 * C = act(A * B^T + bias) for m rows (any m >= 0): A row stride lda, packed B from
 * qv_sgemm_pack(kv, ., n, k), C row stride ldc. k 0 gives act(bias).
 */
void qv_sgemm_run(const struct qv_sgemm_kernel *kv, int64_t m, int64_t n, int64_t k,
                  const float *a, int64_t lda, const float *packed,
                  const struct qv_sgemm_epilogue *ep, float *c, int64_t ldc);

#endif
