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

const struct qv_sgemm_kernel qv_sgemm_kernel_avx2 = { "avx2", 3, 16, 256, tile_avx2 };

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
                                                           tile_avx512x16 };
const struct qv_sgemm_kernel qv_sgemm_kernel_avx512x32 = { "avx512x32", 7, 32, 192,
                                                           tile_avx512x32 };

#endif
