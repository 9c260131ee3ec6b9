/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The 256-bit micro-kernel of the int8 indirect GEMM, written once and compiled twice: VEX for
 * AVX-VNNI (igemm_s8_avxvnni.c) and EVEX for AVX-512 VL + VNNI (igemm_s8_avx512.c, for layers
 * of 8 or fewer channels). The including file defines, before including it:
 *   YMM_TARGET       the target attribute string ("avx2,avxvnni" / "avx512f,...,avx512vnni")
 *   YMM_DPBUSD(a, x, w)  a + the 4-byte dot products of u8 x and s8 w (vpdpbusd, no saturation)
 *   YMM_NAME(s)      the prefix of the functions it defines (static), e.g. s##_avxvnni
 * Only AVX2 instructions besides vpdpbusd, so both compilations compute the same integers.
 * Private to igemm_s8_*.c.
 */
#include <immintrin.h>
#include <string.h>

#include "engine/int8/igemm_s8_x86.h"
#include "engine/int8/requant.h"

#define YMM_INLINE __attribute__((target(YMM_TARGET), always_inline)) static inline

YMM_INLINE int32_t YMM_NAME(load4)(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/*
 * Double-rounding MBQM on 8 lanes (TFLM's MultiplyByQuantizedMultiplier; M >= 0):
 * SRDHM from two 64-bit products (even lanes, odd lanes moved down) plus 2^30, the low 32
 * bits of >> 31 (odd: doubled into the high half); then RDBPOT: (s >> e) + (rem > thr) with
 * mask = 2^e - 1 and thr = mask / 2 + (s < 0). Exact for every int32 x (docs/int8-fastpaths.md).
 */
YMM_INLINE __m256i YMM_NAME(mbqm8)(__m256i x, __m256i m, __m256i right, __m256i mask,
                                   __m256i half)
{
    const __m256i nudge = _mm256_set1_epi64x((int64_t)1 << 30);
    const __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(x, m), nudge);
    const __m256i po = _mm256_add_epi64(
        _mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(m, 32)), nudge);
    const __m256i s =
        _mm256_blend_epi32(_mm256_srli_epi64(pe, 31), _mm256_add_epi64(po, po), 0xAA);
    const __m256i thr = _mm256_sub_epi32(half, _mm256_srai_epi32(s, 31));
    const __m256i up = _mm256_cmpgt_epi32(_mm256_and_si256(s, mask), thr);
    return _mm256_sub_epi32(_mm256_srav_epi32(s, right), up);
}

/* Stores the low nc (<= 8) of 8 int32 lanes already in [-128, 127] as bytes. */
YMM_INLINE void YMM_NAME(store8)(__m256i v, int64_t nc, int8_t *out)
{
    const __m256i v16 = _mm256_packs_epi32(v, v);
    const __m256i v8 = _mm256_packs_epi16(v16, v16);
    const int32_t w0 = _mm256_extract_epi32(v8, 0), w1 = _mm256_extract_epi32(v8, 4);
    if (nc >= 8) {
        memcpy(out, &w0, 4);
        memcpy(out + 4, &w1, 4);
    } else {
        int8_t tmp[8];
        memcpy(tmp, &w0, 4);
        memcpy(tmp + 4, &w1, 4);
        memcpy(out, tmp, (size_t)nc);
    }
}

/* The scalar epilogue (single rounding, or any lane the vector formula does not cover). */
YMM_INLINE void YMM_NAME(finish8)(const struct qv_igemm_s8 *g, __m256i acc, int64_t j,
                                  int64_t nc, int8_t *out)
{
    int32_t a[8];
    _mm256_storeu_si256((__m256i *)a, acc);
    const int32_t *m = g->rq + QV_IGEMM_MULT * g->npad + j;
    const int32_t *l = g->rq + QV_IGEMM_LEFT * g->npad + j;
    const int32_t *rt = g->rq + QV_IGEMM_RIGHT * g->npad + j;
    for (int64_t i = 0; i < nc && i < 8; i++) {
        const int32_t v = qv_wrap_add(qv_mbqm(a[i], m[i], l[i] - rt[i], g->rounding), g->zp);
        out[i] = (int8_t)qv_clamp_i32(v, g->lo, g->hi);
    }
}

/* Requantizes 8 lanes of accumulators (channels j..) and stores the low nc. */
YMM_INLINE void YMM_NAME(rq_store)(const struct qv_igemm_s8 *g, __m256i x, int64_t j, int64_t nc,
                                   int8_t *out)
{
    if (nc <= 0)
        return;
    if (g->rounding != QV_ROUNDING_DOUBLE) {
        YMM_NAME(finish8)(g, x, j, nc, out);
        return;
    }
#define YMM_ROW(f) _mm256_loadu_si256((const __m256i *)(g->rq + (f) * g->npad + j))
    if (g->left)
        x = _mm256_sllv_epi32(x, YMM_ROW(QV_IGEMM_LEFT));
    x = YMM_NAME(mbqm8)(x, YMM_ROW(QV_IGEMM_MULT), YMM_ROW(QV_IGEMM_RIGHT),
                        YMM_ROW(QV_IGEMM_MASK), YMM_ROW(QV_IGEMM_HALF));
#undef YMM_ROW
    x = _mm256_add_epi32(x, _mm256_set1_epi32(g->zp));
    x = _mm256_min_epi32(_mm256_max_epi32(x, _mm256_set1_epi32(g->lo)),
                         _mm256_set1_epi32(g->hi));
    YMM_NAME(store8)(x, nc, out);
}

/*
 * MR rows x NV ymm registers (8 channels each) per packed block, MR <= 8 and NV <= 2
 * compile-time after inlining: the accumulators start at the folded constants, every tap adds
 * kc / 4 vpdpbusd per row and register, then the tile is requantized and stored. The
 * accumulators are named variables c<row>_<reg> (X-macros), not an array, so that every
 * compiler keeps them in registers; rows >= MR and registers >= NV are dead code.
 */
#define YMM_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define YMM_REGS(X, r) X(r, 0) X(r, 1)

YMM_INLINE void YMM_NAME(tile)(const int MR, const int NV, const struct qv_igemm_s8 *g,
                               int64_t m, const uint8_t *base, const int32_t *off, int8_t *out,
                               int64_t ldo)
{
    const int64_t ks = g->ks, kq = g->kc / 4, nr = g->nr;
    const int32_t *fold = g->rq + QV_IGEMM_FOLD * g->npad;
    /* Rows past m read row 0's taps (valid memory) and are not stored. */
#define ROW_OFF(r) const int32_t *o##r = off + (r < m ? r : 0) * ks;
    YMM_ROWS(ROW_OFF)
#undef ROW_OFF
    for (int64_t blk = 0; blk < g->nblocks; blk++) {
        const int8_t *w = g->w + blk * ks * kq * nr * 4;
        const int64_t j0 = blk * nr;
        const __m256i f0 = _mm256_loadu_si256((const __m256i *)(fold + j0));
        const __m256i f1 =
            NV > 1 ? _mm256_loadu_si256((const __m256i *)(fold + j0 + 8)) : _mm256_setzero_si256();
#define DECL(r, v) __m256i c##r##_##v = f##v;
#define DECL_ROW(r) YMM_REGS(DECL, r)
        YMM_ROWS(DECL_ROW)
#undef DECL_ROW
#undef DECL
        for (int64_t t = 0; t < ks; t++) {
#define PTR(r) const uint8_t *p##r = base + o##r[t];
            YMM_ROWS(PTR)
#undef PTR
            for (int64_t q = 0; q < kq; q++) {
                const __m256i w0 = _mm256_loadu_si256((const __m256i *)w);
                const __m256i w1 = NV > 1 ? _mm256_loadu_si256((const __m256i *)(w + 32)) : w0;
                w += 32 * NV;
#define DOT(r, v)                                                                                \
    if (v < NV)                                                                                  \
        c##r##_##v = YMM_DPBUSD(c##r##_##v, x, w##v);
#define DOT_ROW(r)                                                                               \
    if (r < MR) {                                                                                \
        const __m256i x = _mm256_set1_epi32(YMM_NAME(load4)(p##r + 4 * q));                      \
        YMM_REGS(DOT, r)                                                                         \
    }
                YMM_ROWS(DOT_ROW)
#undef DOT_ROW
#undef DOT
            }
        }
#define STORE(r, v)                                                                              \
    if (v < NV)                                                                                  \
        YMM_NAME(rq_store)(g, c##r##_##v, j0 + 8 * v, g->n - j0 - 8 * v,                         \
                           out + r * ldo + j0 + 8 * v);
#define STORE_ROW(r)                                                                             \
    if (r < MR && r < m) {                                                                       \
        YMM_REGS(STORE, r)                                                                       \
    }
        YMM_ROWS(STORE_ROW)
#undef STORE_ROW
#undef STORE
    }
}

#undef YMM_ROWS
#undef YMM_REGS
#undef YMM_INLINE
