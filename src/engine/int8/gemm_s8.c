/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exact integer GEMM of the int8 fast path: C = A * W^T with int16 operands and int32
 * accumulators. Products of int16 pairs are summed two at a time (pmaddwd): each pair sum is at
 * most 2 * 255 * 32768 < 2^31 for our operands (|A| <= 128, |W| <= 255), so nothing saturates
 * and the result equals the plain loop's wrapping int32 sum. Weights are packed once, at
 * prepare, into blocks of QV_GEMM_NB output channels with k pairs interleaved:
 * packed[block][k / 2][QV_GEMM_NB][2].
 *
 * The AVX2 micro-kernel computes 4 rows x 16 channels; it is selected at run time with
 * __builtin_cpu_supports (no -march flags: the library stays portable). The portable C
 * kernel computes the same sums.
 */
#include <string.h>

#include "engine/int8/kernels_s8.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define QV_GEMM_X86 1
#include <immintrin.h>
#endif

#define MR 4

size_t qv_gemm_s8_packed_size(int64_t n, int64_t k)
{
    const int64_t blocks = (n + QV_GEMM_NB - 1) / QV_GEMM_NB;
    return (size_t)blocks * (size_t)qv_gemm_kp(k) * QV_GEMM_NB * sizeof(int16_t);
}

void qv_gemm_s8_pack(const int8_t *w, int64_t n, int64_t k, int64_t ldw, int32_t w_offset,
                     int16_t *packed, int32_t *wsum)
{
    const int64_t kp = qv_gemm_kp(k), blocks = (n + QV_GEMM_NB - 1) / QV_GEMM_NB;
    memset(packed, 0, qv_gemm_s8_packed_size(n, k));
    for (int64_t j = 0; j < n; j++) {
        const int64_t blk = j / QV_GEMM_NB, col = j % QV_GEMM_NB;
        int16_t *dst = packed + blk * kp * QV_GEMM_NB;
        int32_t sum = 0;
        for (int64_t i = 0; i < k; i++) {
            const int32_t v = w[j * ldw + i] + w_offset;
            dst[(i / 2) * QV_GEMM_NB * 2 + col * 2 + (i % 2)] = (int16_t)v;
            sum = qv_wrap_add(sum, v);
        }
        wsum[j] = sum;
    }
    (void)blocks;
}

/* One tile: rows a[0..mr) (stride kp) x block of QV_GEMM_NB packed columns -> out[MR][NB]. */
static void tile_c(const int16_t *a, int64_t mr, int64_t kp, const int16_t *b,
                   int32_t out[MR][QV_GEMM_NB])
{
    for (int64_t r = 0; r < MR; r++)
        for (int j = 0; j < QV_GEMM_NB; j++)
            out[r][j] = 0;
    for (int64_t r = 0; r < mr; r++) {
        const int16_t *ar = a + r * kp;
        int32_t acc[QV_GEMM_NB] = { 0 };
        for (int64_t k2 = 0; k2 < kp / 2; k2++) {
            const int32_t a0 = ar[2 * k2], a1 = ar[2 * k2 + 1];
            const int16_t *bk = b + k2 * QV_GEMM_NB * 2;
            for (int j = 0; j < QV_GEMM_NB; j++)
                acc[j] = (int32_t)((uint32_t)acc[j] + (uint32_t)(a0 * bk[2 * j] + a1 * bk[2 * j + 1]));
        }
        for (int j = 0; j < QV_GEMM_NB; j++)
            out[r][j] = acc[j];
    }
}

#ifdef QV_GEMM_X86
/* Two adjacent int16 of a row as one int32, broadcast to every lane. */
static inline int32_t pair32(const int16_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

__attribute__((target("avx2"))) static void tile_avx2(const int16_t *a, int64_t mr, int64_t kp,
                                                      const int16_t *b,
                                                      int32_t out[MR][QV_GEMM_NB])
{
    /* Rows past mr read row 0 again (valid memory) and are discarded by the caller. */
    const int16_t *a0 = a, *a1 = mr > 1 ? a + kp : a, *a2 = mr > 2 ? a + 2 * kp : a;
    const int16_t *a3 = mr > 3 ? a + 3 * kp : a;
    __m256i c00 = _mm256_setzero_si256(), c01 = _mm256_setzero_si256();
    __m256i c10 = _mm256_setzero_si256(), c11 = _mm256_setzero_si256();
    __m256i c20 = _mm256_setzero_si256(), c21 = _mm256_setzero_si256();
    __m256i c30 = _mm256_setzero_si256(), c31 = _mm256_setzero_si256();
    for (int64_t k = 0; k < kp; k += 2) {
        const __m256i b0 = _mm256_loadu_si256((const __m256i *)(b + k * QV_GEMM_NB));
        const __m256i b1 = _mm256_loadu_si256((const __m256i *)(b + k * QV_GEMM_NB + 16));
        __m256i x = _mm256_set1_epi32(pair32(a0 + k));
        c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(x, b0));
        c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(x, b1));
        x = _mm256_set1_epi32(pair32(a1 + k));
        c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(x, b0));
        c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(x, b1));
        x = _mm256_set1_epi32(pair32(a2 + k));
        c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(x, b0));
        c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(x, b1));
        x = _mm256_set1_epi32(pair32(a3 + k));
        c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(x, b0));
        c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(x, b1));
    }
    /* Pair layout: column j of the block occupies int32 lane j (b holds [k/2][16][2]). */
    _mm256_storeu_si256((__m256i *)&out[0][0], c00);
    _mm256_storeu_si256((__m256i *)&out[0][8], c01);
    _mm256_storeu_si256((__m256i *)&out[1][0], c10);
    _mm256_storeu_si256((__m256i *)&out[1][8], c11);
    _mm256_storeu_si256((__m256i *)&out[2][0], c20);
    _mm256_storeu_si256((__m256i *)&out[2][8], c21);
    _mm256_storeu_si256((__m256i *)&out[3][0], c30);
    _mm256_storeu_si256((__m256i *)&out[3][8], c31);
}

static bool have_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}
#endif

void qv_gemm_s8_run(const int16_t *a, int64_t m, int64_t kp, const int16_t *packed, int64_t n,
                    int32_t *c, int64_t ldc)
{
    const int64_t blocks = (n + QV_GEMM_NB - 1) / QV_GEMM_NB;
#ifdef QV_GEMM_X86
    const bool avx2 = have_avx2();
#endif
    int32_t tile[MR][QV_GEMM_NB];
    for (int64_t blk = 0; blk < blocks; blk++) {
        const int16_t *b = packed + blk * kp * QV_GEMM_NB;
        const int64_t j0 = blk * QV_GEMM_NB;
        const int64_t nc = n - j0 < QV_GEMM_NB ? n - j0 : QV_GEMM_NB;
        for (int64_t i = 0; i < m; i += MR) {
            const int64_t mr = m - i < MR ? m - i : MR;
#ifdef QV_GEMM_X86
            if (avx2)
                tile_avx2(a + i * kp, mr, kp, b, tile);
            else
#endif
                tile_c(a + i * kp, mr, kp, b, tile);
            for (int64_t r = 0; r < mr; r++)
                memcpy(c + (i + r) * ldc + j0, tile[r], (size_t)nc * sizeof(int32_t));
        }
    }
}
