/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AVX2+FMA and AVX-512 micro-kernels of the float GEMM (gemm_f32.h): the same blocked order as
 * the portable kernel, so all give identical bits; and the vector DEPTHWISE_CONV_2D
 * (dwconv_f32_tile.h, kernels_f32.h's order). Each kernel is the template
 * gemm_f32_tile.h compiled for its instruction set through a target attribute and only called
 * when the CPU has it (qv_sgemm_kernels). Rows are broadcast from A, columns are vector lanes of
 * the packed panel; a tile's running totals and block chains stay in registers for the whole
 * call (2 x mr x nv vector registers: 28 of AVX-512's 32 for 7 x 32, 16 for 8 x 16, 12 of
 * AVX2's 16 for 3 x 16).
 */
#include "engine/float/gemm_f32_x86.h"

#ifdef QV_F32_X86
#include <immintrin.h>

/*
 * GCC's default regional register allocation spills two of the 7 x 32 kernel's 31 live
 * vectors inside the innermost loop (about half the speed); one region for the whole function
 * keeps them all in registers. Clang needs nothing.
 */
#if !defined(__clang__)
#pragma GCC optimize("ira-region=one")
#endif

bool qv_f32_have_avx2_fma(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

bool qv_f32_have_avx512(void)
{
    return __builtin_cpu_supports("avx512f");
}

/* ---- AVX2 + FMA: 3 rows x 16 columns (two ymm per row) -------------------------------- */

/* Lanes below n set (n may be <= 0 or >= 8). */
__attribute__((target("avx2,fma"), always_inline)) static inline __m256i mask8(int64_t n)
{
    const int32_t v = n < 0 ? 0 : (n > 8 ? 8 : (int32_t)n);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(v), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

#define VEC __m256
#define MASK __m256i
#define LANES 8
#define V_ZERO() _mm256_setzero_ps()
#define V_LOADU(p) _mm256_loadu_ps(p)
#define V_STOREU(p, v) _mm256_storeu_ps((p), (v))
#define V_MUL(a, b) _mm256_mul_ps((a), (b))
#define V_LOADM(p, m) _mm256_maskload_ps((p), (m))
#define V_STOREM(p, m, v) _mm256_maskstore_ps((p), (m), (v))
#define V_FMA(x, b, c) _mm256_fmadd_ps((x), (b), (c))
#define V_ADD(a, b) _mm256_add_ps((a), (b))
#define V_MIN(a, b) _mm256_min_ps((a), (b))
#define V_MAX(a, b) _mm256_max_ps((a), (b))
#define V_SET1(f) _mm256_set1_ps(f)
#define V_BCAST(p) _mm256_broadcast_ss(p)
#define MASK_FOR(n) mask8(n)
#define KTARGET "avx2,fma"

#define KNAME tile_avx2
#define KMR 3
#define KNV 2
#define ROWS(X) X(0) X(1) X(2)
#include "engine/float/gemm_f32_tile.h"

#define KNAME qv_dwconv_f32_avx2
#include "engine/float/dwconv_f32_tile.h"

#undef VEC
#undef MASK
#undef LANES
#undef V_ZERO
#undef V_LOADU
#undef V_STOREU
#undef V_MUL
#undef V_LOADM
#undef V_STOREM
#undef V_FMA
#undef V_ADD
#undef V_MIN
#undef V_MAX
#undef V_SET1
#undef V_BCAST
#undef MASK_FOR
#undef KTARGET

const struct qv_sgemm_kernel qv_sgemm_kernel_avx2 = { "avx2", 3, 16, 256, tile_avx2, false };

/* ---- AVX-512 F: 8 rows x 16 columns, 7 rows x 32 columns --------------------------------- */

__attribute__((target("avx512f"), always_inline)) static inline __mmask16 mask16(int64_t n)
{
    return n <= 0 ? 0 : (n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1));
}

#define VEC __m512
#define MASK __mmask16
#define LANES 16
#define V_ZERO() _mm512_setzero_ps()
#define V_LOADU(p) _mm512_loadu_ps(p)
#define V_STOREU(p, v) _mm512_storeu_ps((p), (v))
#define V_MUL(a, b) _mm512_mul_ps((a), (b))
#define V_LOADM(p, m) _mm512_maskz_loadu_ps((m), (p))
#define V_STOREM(p, m, v) _mm512_mask_storeu_ps((p), (m), (v))
#define V_FMA(x, b, c) _mm512_fmadd_ps((x), (b), (c))
#define V_ADD(a, b) _mm512_add_ps((a), (b))
#define V_MIN(a, b) _mm512_min_ps((a), (b))
#define V_MAX(a, b) _mm512_max_ps((a), (b))
#define V_SET1(f) _mm512_set1_ps(f)
#define V_BCAST(p) _mm512_set1_ps(*(p))
#define MASK_FOR(n) mask16(n)
#define KTARGET "avx512f,avx2,fma"

#define KNAME qv_dwconv_f32_avx512
#include "engine/float/dwconv_f32_tile.h"

#define KNAME tile_avx512x16
#define KMR 8
#define KNV 1
#define ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#include "engine/float/gemm_f32_tile.h"

#define KNAME tile_avx512x32
#define KMR 7
#define KNV 2
#define ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6)
#include "engine/float/gemm_f32_tile.h"

const struct qv_sgemm_kernel qv_sgemm_kernel_avx512x16 = { "avx512x16", 8, 16, 256,
                                                           tile_avx512x16, false };
const struct qv_sgemm_kernel qv_sgemm_kernel_avx512x32 = { "avx512x32", 7, 32, 192,
                                                           tile_avx512x32, false };

/* ---- The wide order (gemm_f32.h): sums in double ----------------------------------------- */

/* Row r's values of this tap (rows >= mr use row 0's offset: never read). */
#define W_P(r) const float *p_##r = t->a + ix[(r < mr ? r : 0) * t->idx_ld];
/* Row r's channels [k0, k0 + kn) of this tap as doubles (exact) in xd[r]: the inner loop then
 * broadcasts each from memory (a load) instead of converting it (a shuffle-port operation). The
 * panels are doubles already (qv_sgemm_pack). */
#define W_CHUNK 256
#define W_CVT(r)                                                                                   \
    if (r < mr) {                                                                                  \
        int64_t k = 0;                                                                             \
        for (; k + W_CVT_N <= kn; k += W_CVT_N)                                                    \
            W_CVT_VEC(&xd[r][k], p_##r + k0 + k);                                                  \
        for (; k < kn; k++)                                                                        \
            xd[r][k] = (double)p_##r[k0 + k];                                                      \
    }

/* AVX2 + FMA: 4 rows x 8 columns, two ymm of 4 doubles per row. */
#define W2_ROWS(X) X(0) X(1) X(2) X(3)

#define W_CVT_N 4
#define W_CVT_VEC(dst, src) _mm256_storeu_pd((dst), _mm256_cvtps_pd(_mm_loadu_ps(src)))

__attribute__((target("avx2,fma"), always_inline)) static inline void
wide_avx2_mr(const int mr, const struct qv_sgemm_tile *t)
{
#define W2_DECL(r) __m256d d0_##r = _mm256_setzero_pd(), d1_##r = _mm256_setzero_pd();
    W2_ROWS(W2_DECL)
    const double *b = (const double *)(const void *)t->b;
    double xd[4][W_CHUNK];
    for (int64_t tap = 0; tap < t->taps; tap++) {
        const int64_t *ix = t->idx + tap;
        W2_ROWS(W_P)
        for (int64_t k0 = 0; k0 < t->cin; k0 += W_CHUNK) {
            const int64_t kn = t->cin - k0 < W_CHUNK ? t->cin - k0 : W_CHUNK;
            W2_ROWS(W_CVT)
            for (int64_t k = 0; k < kn; k++, b += 8) {
                const __m256d w0 = _mm256_loadu_pd(b), w1 = _mm256_loadu_pd(b + 4);
#define W2_FMA(r)                                                                                \
    if (r < mr) {                                                                                \
        const __m256d x = _mm256_broadcast_sd(&xd[r][k]);                                        \
        d0_##r = _mm256_fmadd_pd(x, w0, d0_##r);                                                 \
        d1_##r = _mm256_fmadd_pd(x, w1, d1_##r);                                                 \
    }
                W2_ROWS(W2_FMA)
            }
        }
    }
    const __m256i m = mask8(t->nc);
    const __m256 bias = _mm256_maskload_ps(t->ep->bias + t->j0, m);
    const __m256d b0 = _mm256_cvtps_pd(_mm256_castps256_ps128(bias));
    const __m256d b1 = _mm256_cvtps_pd(_mm256_extractf128_ps(bias, 1));
    const __m256 lo = _mm256_set1_ps(t->ep->lo), hi = _mm256_set1_ps(t->ep->hi);
#define W2_STORE(r)                                                                              \
    if (r < mr) {                                                                                \
        const __m256 v = _mm256_set_m128(_mm256_cvtpd_ps(_mm256_add_pd(d1_##r, b1)),             \
                                         _mm256_cvtpd_ps(_mm256_add_pd(d0_##r, b0)));            \
        _mm256_maskstore_ps(t->c + r * t->ldc, m, _mm256_min_ps(hi, _mm256_max_ps(lo, v)));   \
    }
    W2_ROWS(W2_STORE)
#undef W2_DECL
#undef W2_FMA
#undef W2_STORE
}

__attribute__((target("avx2,fma"))) static void tile_avx2_wide(const struct qv_sgemm_tile *t)
{
    switch (t->mr) {
    case 4: wide_avx2_mr(4, t); break;
    case 3: wide_avx2_mr(3, t); break;
    case 2: wide_avx2_mr(2, t); break;
    default: wide_avx2_mr(1, t); break;
    }
}

const struct qv_sgemm_kernel qv_sgemm_kernel_avx2_wide = { "avx2-wide", 4, 8, 0, tile_avx2_wide,
                                                           true };

/* AVX-512 F: 16 rows x 8 columns, one zmm of 8 doubles per row: a panel (k x 8 doubles, 40 KB
 * for k = 640) stays in L1 while the tiles of a block of rows pass over it, and the 16 chains
 * hide the fused multiply-add's latency. */
#define W5_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) \
    X(14) X(15)

#undef W_CVT_N
#undef W_CVT_VEC
#define W_CVT_N 8
#define W_CVT_VEC(dst, src) _mm512_storeu_pd((dst), _mm512_cvtps_pd(_mm256_loadu_ps(src)))

__attribute__((target("avx512f,avx2,fma"), always_inline)) static inline void
wide_avx512_mr(const int mr, const struct qv_sgemm_tile *t)
{
#define W5_DECL(r) __m512d d_##r = _mm512_setzero_pd();
    W5_ROWS(W5_DECL)
    const double *b = (const double *)(const void *)t->b;
    double xd[16][W_CHUNK];
    for (int64_t tap = 0; tap < t->taps; tap++) {
        const int64_t *ix = t->idx + tap;
        W5_ROWS(W_P)
        for (int64_t k0 = 0; k0 < t->cin; k0 += W_CHUNK) {
            const int64_t kn = t->cin - k0 < W_CHUNK ? t->cin - k0 : W_CHUNK;
            W5_ROWS(W_CVT)
            for (int64_t k = 0; k < kn; k++, b += 8) {
                const __m512d w = _mm512_loadu_pd(b);
#define W5_FMA(r)                                                                                  \
    if (r < mr)                                                                                    \
        d_##r = _mm512_fmadd_pd(_mm512_set1_pd(xd[r][k]), w, d_##r);
                W5_ROWS(W5_FMA)
            }
        }
    }
    const __m256i m = mask8(t->nc);
    const __m512d bv = _mm512_cvtps_pd(_mm256_maskload_ps(t->ep->bias + t->j0, m));
    const __m256 lo = _mm256_set1_ps(t->ep->lo), hi = _mm256_set1_ps(t->ep->hi);
#define W5_STORE(r)                                                                                \
    if (r < mr) {                                                                                  \
        const __m256 v = _mm512_cvtpd_ps(_mm512_add_pd(d_##r, bv));                                \
        _mm256_maskstore_ps(t->c + r * t->ldc, m, _mm256_min_ps(hi, _mm256_max_ps(lo, v)));      \
    }
    W5_ROWS(W5_STORE)
#undef W5_DECL
#undef W5_FMA
#undef W5_STORE
}

__attribute__((target("avx512f,avx2,fma"))) static void
tile_avx512_wide(const struct qv_sgemm_tile *t)
{
    switch (t->mr) {
    case 16: wide_avx512_mr(16, t); break;
    case 15: wide_avx512_mr(15, t); break;
    case 14: wide_avx512_mr(14, t); break;
    case 13: wide_avx512_mr(13, t); break;
    case 12: wide_avx512_mr(12, t); break;
    case 11: wide_avx512_mr(11, t); break;
    case 10: wide_avx512_mr(10, t); break;
    case 9: wide_avx512_mr(9, t); break;
    case 8: wide_avx512_mr(8, t); break;
    case 7: wide_avx512_mr(7, t); break;
    case 6: wide_avx512_mr(6, t); break;
    case 5: wide_avx512_mr(5, t); break;
    case 4: wide_avx512_mr(4, t); break;
    case 3: wide_avx512_mr(3, t); break;
    case 2: wide_avx512_mr(2, t); break;
    default: wide_avx512_mr(1, t); break;
    }
}

const struct qv_sgemm_kernel qv_sgemm_kernel_avx512_wide = { "avx512-wide", 16, 8, 0,
                                                             tile_avx512_wide, true };
#undef W_P
#undef W_CVT
#undef W_CVT_N
#undef W_CVT_VEC
#undef W_CHUNK

#endif
