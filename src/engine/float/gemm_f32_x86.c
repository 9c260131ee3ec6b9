/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AVX2+FMA and AVX-512 micro-kernels of the float GEMM (gemm_f32.h): the same fused
 * multiply-add chain per element as the portable kernel, so all give identical bits. Each
 * function is compiled for its instruction set through a target attribute and only called when
 * the CPU has it (qv_sgemm_kernels). Rows are broadcast from A, columns are vector lanes of the
 * packed panel; a tile's accumulators stay in registers for the whole k block.
 */
#include "engine/float/gemm_f32_x86.h"

#ifdef QV_F32_X86
#include <immintrin.h>

bool qv_f32_have_avx2_fma(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

bool qv_f32_have_avx512(void)
{
    return __builtin_cpu_supports("avx512f");
}

#define AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) static inline
#define AVX512_INLINE __attribute__((target("avx512f,avx2,fma"), always_inline)) static inline

/* ---- AVX2 + FMA: 6 rows x 16 columns (two ymm per row) -------------------------------- */

/* Lanes below n set (n may be <= 0 or >= 8). */
AVX2_INLINE __m256i mask8(int64_t n)
{
    const int32_t v = n < 0 ? 0 : (n > 8 ? 8 : (int32_t)n);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(v), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* v = min(hi, max(lo, v + bias)): qv_f32_clamp's order and NaN behaviour (NaN passes). */
AVX2_INLINE __m256 finish8(__m256 v, __m256 bias, __m256 lo, __m256 hi)
{
    return _mm256_min_ps(hi, _mm256_max_ps(lo, _mm256_add_ps(v, bias)));
}

/*
 * One tile of mr rows (a compile-time constant after inlining): each row's accumulators are
 * named variables so that they stay in registers; rows >= mr are dead code.
 */
#define ROWS6(X) X(0) X(1) X(2) X(3) X(4) X(5)

AVX2_INLINE void tile_avx2_mr(const int mr, int64_t k, const float *a, int64_t lda,
                              const float *b, float *c, int64_t ldc, int64_t nc, bool accumulate,
                              const struct qv_sgemm_epilogue *ep, int64_t j0)
{
    const __m256i m0 = mask8(nc), m1 = mask8(nc - 8);
#define DECL(r) __m256 c0_##r = _mm256_setzero_ps(), c1_##r = _mm256_setzero_ps();
    ROWS6(DECL)
#undef DECL
    if (accumulate) {
#define LOAD(r)                                                                                  \
    if (r < mr) {                                                                                \
        c0_##r = _mm256_maskload_ps(c + r * ldc, m0);                                            \
        c1_##r = _mm256_maskload_ps(c + r * ldc + 8, m1);                                        \
    }
        ROWS6(LOAD)
#undef LOAD
    }
    for (int64_t kk = 0; kk < k; kk++) {
        const __m256 b0 = _mm256_loadu_ps(b + kk * 16), b1 = _mm256_loadu_ps(b + kk * 16 + 8);
#define FMA(r)                                                                                   \
    if (r < mr) {                                                                                \
        const __m256 x = _mm256_broadcast_ss(a + r * lda + kk);                                  \
        c0_##r = _mm256_fmadd_ps(x, b0, c0_##r);                                                 \
        c1_##r = _mm256_fmadd_ps(x, b1, c1_##r);                                                 \
    }
        ROWS6(FMA)
#undef FMA
    }
    if (ep) {
        const __m256 bias0 = _mm256_maskload_ps(ep->bias + j0, m0);
        const __m256 bias1 = _mm256_maskload_ps(ep->bias + j0 + 8, m1);
        const __m256 lo = _mm256_set1_ps(ep->lo), hi = _mm256_set1_ps(ep->hi);
#define FINISH(r)                                                                                \
    if (r < mr) {                                                                                \
        c0_##r = finish8(c0_##r, bias0, lo, hi);                                                 \
        c1_##r = finish8(c1_##r, bias1, lo, hi);                                                 \
    }
        ROWS6(FINISH)
#undef FINISH
    }
#define STORE(r)                                                                                 \
    if (r < mr) {                                                                                \
        _mm256_maskstore_ps(c + r * ldc, m0, c0_##r);                                            \
        _mm256_maskstore_ps(c + r * ldc + 8, m1, c1_##r);                                        \
    }
    ROWS6(STORE)
#undef STORE
}

__attribute__((target("avx2,fma"))) static void
tile_avx2(int64_t mr, int64_t k, const float *a, int64_t lda, const float *b, float *c,
          int64_t ldc, int64_t nc, bool accumulate, const struct qv_sgemm_epilogue *ep, int64_t j0)
{
    switch (mr) {
    case 6: tile_avx2_mr(6, k, a, lda, b, c, ldc, nc, accumulate, ep, j0); break;
    case 5: tile_avx2_mr(5, k, a, lda, b, c, ldc, nc, accumulate, ep, j0); break;
    case 4: tile_avx2_mr(4, k, a, lda, b, c, ldc, nc, accumulate, ep, j0); break;
    case 3: tile_avx2_mr(3, k, a, lda, b, c, ldc, nc, accumulate, ep, j0); break;
    case 2: tile_avx2_mr(2, k, a, lda, b, c, ldc, nc, accumulate, ep, j0); break;
    default: tile_avx2_mr(1, k, a, lda, b, c, ldc, nc, accumulate, ep, j0); break;
    }
}

const struct qv_sgemm_kernel qv_sgemm_kernel_avx2 = { "avx2", 6, 16, 256, tile_avx2 };

/* ---- AVX-512 F: 12 rows x 32 columns (two zmm per row) -------------------------------- */

AVX512_INLINE __mmask16 mask16(int64_t n)
{
    return n <= 0 ? 0 : (n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1));
}

AVX512_INLINE __m512 finish16(__m512 v, __m512 bias, __m512 lo, __m512 hi)
{
    return _mm512_min_ps(hi, _mm512_max_ps(lo, _mm512_add_ps(v, bias)));
}

#define ROWS12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

AVX512_INLINE void tile_avx512_mr(const int mr, int64_t k, const float *a, int64_t lda,
                                  const float *b, float *c, int64_t ldc, int64_t nc,
                                  bool accumulate, const struct qv_sgemm_epilogue *ep, int64_t j0)
{
    const __mmask16 m0 = mask16(nc), m1 = mask16(nc - 16);
#define DECL(r) __m512 c0_##r = _mm512_setzero_ps(), c1_##r = _mm512_setzero_ps();
    ROWS12(DECL)
#undef DECL
    if (accumulate) {
#define LOAD(r)                                                                                  \
    if (r < mr) {                                                                                \
        c0_##r = _mm512_maskz_loadu_ps(m0, c + r * ldc);                                         \
        c1_##r = _mm512_maskz_loadu_ps(m1, c + r * ldc + 16);                                    \
    }
        ROWS12(LOAD)
#undef LOAD
    }
    for (int64_t kk = 0; kk < k; kk++) {
        const __m512 b0 = _mm512_loadu_ps(b + kk * 32), b1 = _mm512_loadu_ps(b + kk * 32 + 16);
#define FMA(r)                                                                                   \
    if (r < mr) {                                                                                \
        const __m512 x = _mm512_set1_ps(a[r * lda + kk]);                                        \
        c0_##r = _mm512_fmadd_ps(x, b0, c0_##r);                                                 \
        c1_##r = _mm512_fmadd_ps(x, b1, c1_##r);                                                 \
    }
        ROWS12(FMA)
#undef FMA
    }
    if (ep) {
        const __m512 bias0 = _mm512_maskz_loadu_ps(m0, ep->bias + j0);
        const __m512 bias1 = _mm512_maskz_loadu_ps(m1, ep->bias + j0 + 16);
        const __m512 lo = _mm512_set1_ps(ep->lo), hi = _mm512_set1_ps(ep->hi);
#define FINISH(r)                                                                                \
    if (r < mr) {                                                                                \
        c0_##r = finish16(c0_##r, bias0, lo, hi);                                                \
        c1_##r = finish16(c1_##r, bias1, lo, hi);                                                \
    }
        ROWS12(FINISH)
#undef FINISH
    }
#define STORE(r)                                                                                 \
    if (r < mr) {                                                                                \
        _mm512_mask_storeu_ps(c + r * ldc, m0, c0_##r);                                          \
        _mm512_mask_storeu_ps(c + r * ldc + 16, m1, c1_##r);                                     \
    }
    ROWS12(STORE)
#undef STORE
}

#define TILE512(n) tile_avx512_mr(n, k, a, lda, b, c, ldc, nc, accumulate, ep, j0)

__attribute__((target("avx512f,avx2,fma"))) static void
tile_avx512(int64_t mr, int64_t k, const float *a, int64_t lda, const float *b, float *c,
            int64_t ldc, int64_t nc, bool accumulate, const struct qv_sgemm_epilogue *ep,
            int64_t j0)
{
    switch (mr) {
    case 12: TILE512(12); break;
    case 11: TILE512(11); break;
    case 10: TILE512(10); break;
    case 9: TILE512(9); break;
    case 8: TILE512(8); break;
    case 7: TILE512(7); break;
    case 6: TILE512(6); break;
    case 5: TILE512(5); break;
    case 4: TILE512(4); break;
    case 3: TILE512(3); break;
    case 2: TILE512(2); break;
    default: TILE512(1); break;
    }
}
#undef TILE512

const struct qv_sgemm_kernel qv_sgemm_kernel_avx512 = { "avx512", 12, 32, 192, tile_avx512 };

#endif
