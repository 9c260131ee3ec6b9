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
 * kernel computes the same sums (build with -DQV_INT8_NO_SIMD to test it on x86).
 */
#include <string.h>

#include "engine/int8/kernels_s8.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && !defined(QV_INT8_NO_SIMD)
#define QV_GEMM_X86 1
#include <immintrin.h>
#endif

#define MR 4

#ifdef QV_GEMM_X86
/* libgcc's constructor initializes the CPU model before main; no __builtin_cpu_init needed. */
bool qv_have_avx2(void)
{
    return __builtin_cpu_supports("avx2");
}
#define have_avx2 qv_have_avx2
#else
bool qv_have_avx2(void)
{
    return false;
}
#endif

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
                acc[j] = qv_wrap_add(acc[j], a0 * bk[2 * j] + a1 * bk[2 * j + 1]);
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

#endif

/* Scalar requantization of one row (both rounding flavours). */
static void requant_row_c(const int32_t *acc, const int32_t *add, const int32_t *mult,
                          const int32_t *shift, int64_t n, int32_t zp, int32_t lo, int32_t hi,
                          enum qv_rounding r, int8_t *out)
{
    for (int64_t j = 0; j < n; j++) {
        const int32_t v = add ? qv_wrap_add(acc[j], add[j]) : acc[j];
        out[j] = (int8_t)qv_clamp_i32(qv_mbqm(v, mult[j], shift[j], r) + zp, lo, hi);
    }
}

#ifdef QV_GEMM_X86
/*
 * Double-rounding MBQM on 8 lanes: x << left (wrapping), SRDHM through two 64-bit
 * _mm256_mul_epi32 (even and odd lanes; the low 32 bits of (p + 2^30) >> 31 need only a
 * logical shift), then RDBPOT with per-lane masks. M >= 0 here, so SRDHM never saturates.
 */
__attribute__((target("avx2"))) static void requant_row_avx2(const int32_t *acc,
                                                             const int32_t *add,
                                                             const int32_t *mult,
                                                             const int32_t *shift, int64_t n,
                                                             int32_t zp, int32_t lo, int32_t hi,
                                                             int8_t *out)
{
    const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1);
    const __m256i nudge = _mm256_set1_epi64x((int64_t)1 << 30);
    const __m256i vzp = _mm256_set1_epi32(zp), vlo = _mm256_set1_epi32(lo);
    const __m256i vhi = _mm256_set1_epi32(hi);
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(acc + j));
        if (add)
            x = _mm256_add_epi32(x, _mm256_loadu_si256((const __m256i *)(add + j)));
        const __m256i sh = _mm256_loadu_si256((const __m256i *)(shift + j));
        const __m256i m = _mm256_loadu_si256((const __m256i *)(mult + j));
        const __m256i left = _mm256_max_epi32(sh, zero);
        const __m256i right = _mm256_max_epi32(_mm256_sub_epi32(zero, sh), zero);
        x = _mm256_sllv_epi32(x, left);
        __m256i pe = _mm256_mul_epi32(x, m);
        __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(m, 32));
        pe = _mm256_srli_epi64(_mm256_add_epi64(pe, nudge), 31);
        po = _mm256_srli_epi64(_mm256_add_epi64(po, nudge), 31);
        const __m256i srd = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
        const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, right), one);
        const __m256i rem = _mm256_and_si256(srd, mask);
        const __m256i thr = _mm256_add_epi32(_mm256_srli_epi32(mask, 1),
                                             _mm256_and_si256(_mm256_cmpgt_epi32(zero, srd), one));
        __m256i v = _mm256_add_epi32(_mm256_srav_epi32(srd, right),
                                     _mm256_and_si256(_mm256_cmpgt_epi32(rem, thr), one));
        v = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(v, vzp), vlo), vhi);
        const __m256i v16 = _mm256_packs_epi32(v, v);
        const __m256i v8 = _mm256_packs_epi16(v16, v16);
        const int32_t w0 = _mm256_extract_epi32(v8, 0), w1 = _mm256_extract_epi32(v8, 4);
        memcpy(out + j, &w0, 4);
        memcpy(out + j + 4, &w1, 4);
    }
    if (j < n)
        requant_row_c(acc + j, add ? add + j : NULL, mult + j, shift + j, n - j, zp, lo, hi,
                      QV_ROUNDING_DOUBLE, out + j);
}
#endif

static void dw_acc_c(int32_t *acc, const int8_t *x, const int8_t *w, int32_t off, int64_t n)
{
    for (int64_t j = 0; j < n; j++)
        acc[j] = qv_wrap_add(acc[j], w[j] * (x[j] + off));
}

#ifdef QV_GEMM_X86
/* 16 channels per step: (x + off) fits int16 (|.| <= 255), w * (x + off) too (<= 32640). */
__attribute__((target("avx2"))) static void dw_acc_avx2(int32_t *acc, const int8_t *x,
                                                       const int8_t *w, int32_t off, int64_t n)
{
    const __m256i voff = _mm256_set1_epi16((int16_t)off);
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
        const __m256i xv = _mm256_add_epi16(
            _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(x + j))), voff);
        const __m256i wv = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + j)));
        const __m256i prod = _mm256_mullo_epi16(xv, wv);
        const __m256i lo = _mm256_cvtepi16_epi32(_mm256_castsi256_si128(prod));
        const __m256i hi = _mm256_cvtepi16_epi32(_mm256_extracti128_si256(prod, 1));
        _mm256_storeu_si256((__m256i *)(acc + j),
                            _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(acc + j)), lo));
        const __m256i old_hi = _mm256_loadu_si256((const __m256i *)(acc + j + 8));
        _mm256_storeu_si256((__m256i *)(acc + j + 8), _mm256_add_epi32(old_hi, hi));
    }
    if (j < n)
        dw_acc_c(acc + j, x + j, w + j, off, n - j);
}
#endif

#ifdef QV_GEMM_X86
/*
 * One depthwise output pixel (depth multiplier 1), 16 channels per step kept in registers
 * across the taps: acc = sum over taps of w * (x + off); taps[t] are the in-image input rows.
 */
__attribute__((target("avx2"))) static void dw_pixel_avx2(int32_t *acc, const int8_t *const *xs,
                                                         const int8_t *const *ws, int32_t n_taps,
                                                         int32_t off, int64_t n)
{
    const __m256i voff = _mm256_set1_epi16((int16_t)off);
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
        __m256i lo = _mm256_setzero_si256(), hi = _mm256_setzero_si256();
        for (int32_t t = 0; t < n_taps; t++) {
            const __m256i xv = _mm256_add_epi16(
                _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(xs[t] + j))), voff);
            const __m256i wv = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(ws[t] + j)));
            const __m256i prod = _mm256_mullo_epi16(xv, wv);
            lo = _mm256_add_epi32(lo, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(prod)));
            hi = _mm256_add_epi32(hi, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(prod, 1)));
        }
        _mm256_storeu_si256((__m256i *)(acc + j), lo);
        _mm256_storeu_si256((__m256i *)(acc + j + 8), hi);
    }
    for (; j < n; j++) {
        int32_t a = 0;
        for (int32_t t = 0; t < n_taps; t++)
            a = qv_wrap_add(a, ws[t][j] * (xs[t][j] + off));
        acc[j] = a;
    }
}
#endif

void qv_dw_pixel_s8(int32_t *acc, const int8_t *const *xs, const int8_t *const *ws, int32_t n_taps,
                    int32_t off, int64_t n)
{
#ifdef QV_GEMM_X86
    if (have_avx2()) {
        dw_pixel_avx2(acc, xs, ws, n_taps, off, n);
        return;
    }
#endif
    for (int64_t j = 0; j < n; j++)
        acc[j] = 0;
    for (int32_t t = 0; t < n_taps; t++)
        dw_acc_c(acc, xs[t], ws[t], off, n);
}

void qv_dw_accumulate_s8(int32_t *acc, const int8_t *x, const int8_t *w, int32_t off, int64_t n)
{
#ifdef QV_GEMM_X86
    if (have_avx2()) {
        dw_acc_avx2(acc, x, w, off, n);
        return;
    }
#endif
    dw_acc_c(acc, x, w, off, n);
}

void qv_requant_row_s8(const int32_t *acc, const int32_t *add, const int32_t *mult,
                       const int32_t *shift, int64_t n, int32_t zp, int32_t lo, int32_t hi,
                       enum qv_rounding r, int8_t *out)
{
#ifdef QV_GEMM_X86
    if (r == QV_ROUNDING_DOUBLE && have_avx2()) {
        requant_row_avx2(acc, add, mult, shift, n, zp, lo, hi, out);
        return;
    }
#endif
    requant_row_c(acc, add, mult, shift, n, zp, lo, hi, r, out);
}

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
