/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AVX-512 building blocks shared by the VNNI kernels (igemm_s8_avx512.c, dwconv_s8_avx512.c):
 * TFLM's requantization on 16 int32 lanes, exact (docs/int8-fastpaths.md). Included only by
 * files compiled under QV_IGEMM_X86; every function carries the target attribute. Private.
 */
#ifndef QV_ENGINE_INT8_SIMD512_S8_H
#define QV_ENGINE_INT8_SIMD512_S8_H

#include <immintrin.h>
#include <stdint.h>

#define Z_TARGET "avx512f,avx512bw,avx512vl,avx512dq,avx512vnni"
#define Z_INLINE __attribute__((target(Z_TARGET), always_inline)) static inline

/*
 * Double-rounding MBQM on 16 lanes (M >= 0; x already shifted left by max(shift, 0)): the
 * 8-lane formula of igemm_s8_ymm.h on zmm, the round-up a masked subtract of -1.
 */
Z_INLINE __m512i mbqm16(__m512i x, __m512i m, __m512i right, __m512i mask, __m512i half)
{
    const __m512i nudge = _mm512_set1_epi64((int64_t)1 << 30);
    const __m512i pe = _mm512_add_epi64(_mm512_mul_epi32(x, m), nudge);
    const __m512i po = _mm512_add_epi64(
        _mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(m, 32)), nudge);
    const __m512i s = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe, 31),
                                              _mm512_add_epi64(po, po));
    const __m512i thr = _mm512_sub_epi32(half, _mm512_srai_epi32(s, 31));
    const __mmask16 up = _mm512_cmpgt_epi32_mask(_mm512_and_si512(s, mask), thr);
    const __m512i r = _mm512_srav_epi32(s, right);
    return _mm512_mask_sub_epi32(r, up, r, _mm512_set1_epi32(-1));
}

/*
 * Single-rounding MBQM on 16 lanes: (x * M + 2^(t-1)) >> t in 64 bits (t = 31 - shift in
 * [1, 62]), truncated to int32 as TFLM's cast does. te / to: t of the even / odd lanes as
 * 64-bit counts; re / ro: 2^(t-1).
 */
Z_INLINE __m512i mbqm16_single(__m512i x, __m512i m, __m512i te, __m512i to, __m512i re,
                               __m512i ro)
{
    const __m512i pe = _mm512_srav_epi64(_mm512_add_epi64(_mm512_mul_epi32(x, m), re), te);
    const __m512i po = _mm512_srav_epi64(
        _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(m, 32)),
                         ro),
        to);
    return _mm512_mask_blend_epi32(0xAAAA, pe, _mm512_slli_epi64(po, 32));
}

/* Lanes below n (n may be <= 0 or >= 16). */
Z_INLINE __mmask16 lanes16(int64_t n)
{
    return n >= 16 ? (__mmask16)0xFFFF : (n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1));
}

#endif
