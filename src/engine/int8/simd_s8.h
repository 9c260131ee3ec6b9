/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AVX2 building blocks of the int8 fast paths (gemm_s8.c, depthwise_conv_2d_s8.c): the exact
 * double-rounding requantization of 8 int32 lanes and the int8 stores. Defines QV_S8_X86 when
 * they exist (GCC/Clang on x86 without -DQV_INT8_NO_SIMD); kernels run them when a node's
 * variant is QV_S8_AVX2 (chosen at prepare from qv_have_avx2()) and compile them with
 * __attribute__((target("avx2"))) only, so the library needs no -march flags. Private.
 */
#ifndef QV_ENGINE_INT8_SIMD_S8_H
#define QV_ENGINE_INT8_SIMD_S8_H

#include <string.h>

#include "engine/int8/kernels_s8.h"

/* True when the CPU runs AVX2 (QV_S8_AVX2 is available). */
bool qv_have_avx2(void);

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && !defined(QV_INT8_NO_SIMD)
#define QV_S8_X86 1
#include <immintrin.h>

/* Inlined into the target("avx2") kernels that call them. */
#define QV_AVX2_INLINE __attribute__((target("avx2"), always_inline)) static inline

/*
 * Double-rounding MBQM on 8 lanes, without the final zero point and clamp; x is already shifted
 * left by max(shift, 0) (wrapping, like the scalar multiply).
 * SRDHM: two 64-bit _mm256_mul_epi32 (even lanes, and the odd lanes moved down, with their M in
 * modd), + 2^30; the low 32 bits of >> 31 are the result (even: a logical shift right by 31;
 * odd: a shift left by 1 puts bits 31..62 in the high half). M >= 0, so the INT32_MIN *
 * INT32_MIN saturation cannot occur.
 * RDBPOT: (s >> e) + (rem > thr), mask = 2^e - 1, thr = mask / 2 + (s < 0), as qv_rdbpot.
 */
QV_AVX2_INLINE __m256i qv_mbqm8_avx2(__m256i x, __m256i m, __m256i modd, __m256i right,
                                     __m256i mask, __m256i half)
{
    const __m256i nudge = _mm256_set1_epi64x((int64_t)1 << 30);
    const __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(x, m), nudge);
    const __m256i po = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), modd), nudge);
    const __m256i s = _mm256_blend_epi32(_mm256_srli_epi64(pe, 31), _mm256_add_epi64(po, po), 0xAA);
    const __m256i thr = _mm256_sub_epi32(half, _mm256_srai_epi32(s, 31));
    const __m256i up = _mm256_cmpgt_epi32(_mm256_and_si256(s, mask), thr);
    return _mm256_sub_epi32(_mm256_srav_epi32(s, right), up);
}

/* qv_mbqm8_avx2 with the constants of channels j .. j + 8 of rq (x already holds the add row),
 * then + zp and the clamp. */
QV_AVX2_INLINE __m256i qv_rq8_avx2(const struct qv_rq_s8 *rq, __m256i x, int64_t j)
{
    const int32_t *v = rq->v + j;
    const int64_t np = rq->npad;
#define QV_RQ_LOAD(f) _mm256_loadu_si256((const __m256i *)(v + (int64_t)(f)*np))
    if (rq->left)
        x = _mm256_sllv_epi32(x, QV_RQ_LOAD(QV_RQ_LEFT));
    x = qv_mbqm8_avx2(x, QV_RQ_LOAD(QV_RQ_MULT), QV_RQ_LOAD(QV_RQ_MODD), QV_RQ_LOAD(QV_RQ_RIGHT),
                      QV_RQ_LOAD(QV_RQ_MASK), QV_RQ_LOAD(QV_RQ_HALF));
#undef QV_RQ_LOAD
    x = _mm256_add_epi32(x, _mm256_set1_epi32(rq->zp));
    return _mm256_min_epi32(_mm256_max_epi32(x, _mm256_set1_epi32(rq->lo)),
                            _mm256_set1_epi32(rq->hi));
}

/* Saturating pack of 16 int32 lanes (already in [-128, 127]) to 16 bytes in channel order. */
QV_AVX2_INLINE __m128i qv_pack16_avx2(__m256i v0, __m256i v1)
{
    const __m256i p16 = _mm256_packs_epi32(v0, v1);
    const __m256i p8 = _mm256_packs_epi16(p16, p16);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    return _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(p8, order));
}

/* Requantizes channels j .. j + nc (nc <= 16) held in c0, c1 and stores nc bytes. */
QV_AVX2_INLINE void qv_store_rq16_avx2(const struct qv_rq_s8 *rq, __m256i c0, __m256i c1, int64_t j,
                                       int64_t nc, int8_t *out)
{
    const __m128i b = qv_pack16_avx2(qv_rq8_avx2(rq, c0, j), qv_rq8_avx2(rq, c1, j + 8));
    if (nc == 16) {
        _mm_storeu_si128((__m128i *)out, b);
    } else {
        int8_t tmp[16];
        _mm_storeu_si128((__m128i *)tmp, b);
        memcpy(out, tmp, (size_t)nc);
    }
}

#endif

#endif
