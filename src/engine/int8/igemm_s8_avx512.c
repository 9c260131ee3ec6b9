/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AVX-512 VNNI micro-kernels of the int8 indirect GEMM (igemm_s8.h): zmm tiles of 8 x 16,
 * 8 x 32 and 6 x 64 (rows x channels), and the 256-bit template (igemm_s8_ymm.h, EVEX) for 8 or
 * fewer channels. Per group of 4 input bytes: one broadcast of the row's 4 bytes (a load-port
 * operation) and one vpdpbusd per 16 channels; the accumulators start at the folded constants
 * and are requantized in registers (double rounding: TFLM's two roundings on 16 lanes; single
 * rounding: one 64-bit product and arithmetic shift), then stored with a lane mask. Compiled
 * with function target attributes, called only when the CPU has these instructions.
 */
#include "engine/int8/igemm_s8_x86.h"

#ifdef QV_IGEMM_X86
#include <immintrin.h>
#include <string.h>

#include "engine/int8/requant.h"

bool qv_igemm_have_avx512vnni(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vnni");
}

#include "engine/int8/simd512_s8.h"

__attribute__((target(Z_TARGET))) void qv_s8_to_u8_avx512(const int8_t *src, uint8_t *dst,
                                                          int64_t n)
{
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    int64_t i = 0;
    for (; i + 64 <= n; i += 64)
        _mm512_storeu_si512(dst + i, _mm512_xor_si512(_mm512_loadu_si512(src + i), flip));
    if (i < n) {
        const __mmask64 k = (__mmask64)-1 >> (64 - (n - i));
        _mm512_mask_storeu_epi8(dst + i, k,
                                _mm512_xor_si512(_mm512_maskz_loadu_epi8(k, src + i), flip));
    }
}

/* ---- 256-bit tiles (8 channels) ---------------------------------------------------------- */

#define YMM_TARGET Z_TARGET
#define YMM_DPBUSD(a, x, w) _mm256_dpbusd_epi32((a), (x), (w))
#define YMM_NAME(s) s##_evex
#include "engine/int8/igemm_s8_ymm.h"

/* ---- 512-bit tiles ------------------------------------------------------------------------- */

Z_INLINE int32_t load4(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* The requantization constants of 16 channels, loaded once per tile and register. */
struct zrq {
    __m512i mult, left, right, mask, half;   /* double rounding */
    __m512i te, to, re, ro;                  /* single rounding (see mbqm16_single) */
    __mmask16 keep;                          /* channels below n */
};

Z_INLINE struct zrq zrq_load(const struct qv_igemm_s8 *g, int64_t j)
{
    struct zrq q;
#define Z_ROW(f) _mm512_loadu_si512(g->rq + (f) * g->npad + j)
    q.keep = lanes16(g->n - j);
    q.mult = Z_ROW(QV_IGEMM_MULT);
    if (g->rounding == QV_ROUNDING_DOUBLE) {
        q.left = Z_ROW(QV_IGEMM_LEFT);
        q.right = Z_ROW(QV_IGEMM_RIGHT);
        q.mask = Z_ROW(QV_IGEMM_MASK);
        q.half = Z_ROW(QV_IGEMM_HALF);
        q.te = q.to = q.re = q.ro = _mm512_setzero_si512();
    } else {
        const __m512i t = Z_ROW(QV_IGEMM_T), one = _mm512_set1_epi64(1);
        q.te = _mm512_and_si512(t, _mm512_set1_epi64(0xFFFFFFFF));
        q.to = _mm512_srli_epi64(t, 32);
        q.re = _mm512_sllv_epi64(one, _mm512_sub_epi64(q.te, one));
        q.ro = _mm512_sllv_epi64(one, _mm512_sub_epi64(q.to, one));
        q.left = q.right = q.mask = q.half = _mm512_setzero_si512();
    }
#undef Z_ROW
    return q;
}

/* Requantizes one register of accumulators to its 16 bytes. */
Z_INLINE __m128i zrq_bytes(const struct qv_igemm_s8 *g, const struct zrq *q, __m512i x)
{
    if (g->rounding == QV_ROUNDING_DOUBLE) {
        if (g->left)
            x = _mm512_sllv_epi32(x, q->left);
        x = mbqm16(x, q->mult, q->right, q->mask, q->half);
    } else {
        x = mbqm16_single(x, q->mult, q->te, q->to, q->re, q->ro);
    }
    x = _mm512_add_epi32(x, _mm512_set1_epi32(g->zp));
    x = _mm512_min_epi32(_mm512_max_epi32(x, _mm512_set1_epi32(g->lo)),
                         _mm512_set1_epi32(g->hi));
    return _mm512_cvtepi32_epi8(x);
}

/* Requantizes one register of accumulators and stores its channels. */
Z_INLINE void zrq_store(const struct qv_igemm_s8 *g, const struct zrq *q, __m512i x, int8_t *out)
{
    _mm_mask_storeu_epi8(out, q->keep, zrq_bytes(g, q, x));
}

/*
 * MR rows x NV zmm registers (16 channels each) per packed block, MR <= 8 and NV <= 4
 * compile-time after inlining. The accumulators are named variables c<row>_<reg> (X-macros
 * below), not an array, so that every compiler keeps them in registers; rows >= MR and
 * registers >= NV are dead code.
 */
#define Z_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define Z_REGS(X, r) X(r, 0) X(r, 1) X(r, 2) X(r, 3)

Z_INLINE void ztile(const int MR, const int NV, const struct qv_igemm_s8 *g, int64_t m,
                    const uint8_t *base, const int32_t *off, int8_t *out, int64_t ldo)
{
    const int64_t ks = g->ks, kq = g->kc / 4, nr = g->nr;
    const int32_t *fold = g->rq + QV_IGEMM_FOLD * g->npad;
    /* Rows past m read row 0's taps (valid memory) and are not stored. */
#define ROW_OFF(r) const int32_t *o##r = off + (r < m ? r : 0) * ks;
    Z_ROWS(ROW_OFF)
#undef ROW_OFF
    for (int64_t blk = 0; blk < g->nblocks; blk++) {
        const int8_t *w = g->w + blk * ks * kq * nr * 4;
        const int64_t j0 = blk * nr;
        const __m512i zero = _mm512_setzero_si512();
        const __m512i f0 = _mm512_loadu_si512(fold + j0);
        const __m512i f1 = NV > 1 ? _mm512_loadu_si512(fold + j0 + 16) : zero;
        const __m512i f2 = NV > 2 ? _mm512_loadu_si512(fold + j0 + 32) : zero;
        const __m512i f3 = NV > 3 ? _mm512_loadu_si512(fold + j0 + 48) : zero;
#define DECL(r, v) __m512i c##r##_##v = f##v;
#define DECL_ROW(r) Z_REGS(DECL, r)
        Z_ROWS(DECL_ROW)
#undef DECL_ROW
#undef DECL
        for (int64_t t = 0; t < ks; t++) {
#define PTR(r) const uint8_t *p##r = base + o##r[t];
            Z_ROWS(PTR)
#undef PTR
            for (int64_t q = 0; q < kq; q++) {
                const __m512i w0 = _mm512_loadu_si512(w);
                const __m512i w1 = NV > 1 ? _mm512_loadu_si512(w + 64) : zero;
                const __m512i w2 = NV > 2 ? _mm512_loadu_si512(w + 128) : zero;
                const __m512i w3 = NV > 3 ? _mm512_loadu_si512(w + 192) : zero;
                w += 64 * NV;
#define DOT(r, v)                                                                                \
    if (v < NV)                                                                                  \
        c##r##_##v = _mm512_dpbusd_epi32(c##r##_##v, x, w##v);
#define DOT_ROW(r)                                                                               \
    if (r < MR) {                                                                                \
        const __m512i x = _mm512_set1_epi32(load4(p##r + 4 * q));                                \
        Z_REGS(DOT, r)                                                                           \
    }
                Z_ROWS(DOT_ROW)
#undef DOT_ROW
#undef DOT
            }
        }
        struct zrq q0 = zrq_load(g, j0), q1 = q0, q2 = q0, q3 = q0;
        if (NV > 1)
            q1 = zrq_load(g, j0 + 16);
        if (NV > 2)
            q2 = zrq_load(g, j0 + 32);
        if (NV > 3)
            q3 = zrq_load(g, j0 + 48);
#define STORE(r, v)                                                                              \
    if (v < NV)                                                                                  \
        zrq_store(g, &q##v, c##r##_##v, out + r * ldo + j0 + 16 * v);
#define STORE_ROW(r)                                                                             \
    if (r < MR && r < m) {                                                                       \
        Z_REGS(STORE, r)                                                                         \
    }
        Z_ROWS(STORE_ROW)
#undef STORE_ROW
#undef STORE
    }
}

/* ---- paired rows (8 channels or fewer: two rows per zmm) --------------------------------- */

__attribute__((target(Z_TARGET))) void qv_igemm_s8_pair_avx512(const uint8_t *rows, int64_t m,
                                                              int64_t kc, uint8_t *pairs)
{
    const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi = _mm512_add_epi32(lo, _mm512_set1_epi32(8));
    /* pairs in order: a step's whole 64-byte stores may run past the pair's 2 * kc bytes into
     * the next pair's (written afterwards) or the area's slack */
    for (int64_t r = 0; r < m; r += 2) {
        const uint8_t *a = rows + r * kc, *b = r + 1 < m ? a + kc : a;
        uint8_t *dst = pairs + r * kc;
        for (int64_t i = 0; i < kc; i += 64) {
            const int64_t dw = (kc - i) / 4 < 16 ? (kc - i) / 4 : 16;   /* dwords of a row */
            const __mmask16 k = lanes16(dw);
            const __m512i va = _mm512_maskz_loadu_epi32(k, a + i);
            const __m512i vb = _mm512_maskz_loadu_epi32(k, b + i);
            /* whole stores: a masked store would not forward to the tile's loads that follow */
            _mm512_storeu_si512(dst + 2 * i, _mm512_permutex2var_epi32(va, lo, vb));
            if (dw > 8)
                _mm512_storeu_si512(dst + 2 * i + 64, _mm512_permutex2var_epi32(va, hi, vb));
        }
    }
}

/*
 * Up to 16 rows (8 pairs, one zmm each) x up to 8 channels: lanes 2j and 2j + 1 are channel j
 * of the pair's rows; one 8-byte broadcast per pair and group of 4 bytes (a load-port
 * operation), then the requantization on 16 lanes, the bytes of the two rows separated by one
 * shuffle and stored to their rows.
 */
#define Z_PAIRS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

__attribute__((target(Z_TARGET))) void qv_igemm_s8_tile_pairs_avx512vnni(
    const struct qv_igemm_s8 *g, int64_t m, const uint8_t *base, const int32_t *off, int8_t *out,
    int64_t ldo)
{
    const int64_t kq = g->kc / 4, np = (m + 1) / 2, lanes = 2 * g->npad, n = g->n;
    const int8_t *w = g->w;
#define PAIR(i)                                                                                  \
    const uint8_t *p##i = base + off[i < np ? i : 0];                                            \
    __m512i c##i = _mm512_loadu_si512(g->rq + QV_IGEMM_FOLD * lanes);
    Z_PAIRS(PAIR)
#undef PAIR
    for (int64_t q = 0; q < kq; q++) {
        const __m512i wv = _mm512_loadu_si512(w + 64 * q);
#define DOT(i)                                                                                   \
    {                                                                                            \
        int64_t v;                                                                               \
        memcpy(&v, p##i + 8 * q, sizeof(v));                                                     \
        c##i = _mm512_dpbusd_epi32(c##i, _mm512_set1_epi64(v), wv);                              \
    }
        Z_PAIRS(DOT)
#undef DOT
    }
    /* constants per lane (rows of 2 * npad) */
    struct zrq q;
#define ZP_ROW(f) _mm512_loadu_si512(g->rq + (f) * lanes)
    q.mult = ZP_ROW(QV_IGEMM_MULT);
    q.keep = 0xFFFF;
    if (g->rounding == QV_ROUNDING_DOUBLE) {
        q.left = ZP_ROW(QV_IGEMM_LEFT);
        q.right = ZP_ROW(QV_IGEMM_RIGHT);
        q.mask = ZP_ROW(QV_IGEMM_MASK);
        q.half = ZP_ROW(QV_IGEMM_HALF);
        q.te = q.to = q.re = q.ro = _mm512_setzero_si512();
    } else {
        const __m512i t = ZP_ROW(QV_IGEMM_T), one = _mm512_set1_epi64(1);
        q.te = _mm512_and_si512(t, _mm512_set1_epi64(0xFFFFFFFF));
        q.to = _mm512_srli_epi64(t, 32);
        q.re = _mm512_sllv_epi64(one, _mm512_sub_epi64(q.te, one));
        q.ro = _mm512_sllv_epi64(one, _mm512_sub_epi64(q.to, one));
        q.left = q.right = q.mask = q.half = _mm512_setzero_si512();
    }
#undef ZP_ROW
    const __m128i split = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    const __mmask16 keep = (__mmask16)((1u << n) - 1);
#define STORE(i)                                                                                 \
    if (2 * i < m) {                                                                             \
        const __m128i v = _mm_shuffle_epi8(zrq_bytes(g, &q, c##i), split);                      \
        _mm_mask_storeu_epi8(out + 2 * i * ldo, keep, v);                                        \
        if (2 * i + 1 < m)                                                                       \
            _mm_mask_storeu_epi8(out + (2 * i + 1) * ldo, keep, _mm_srli_si128(v, 8));           \
    }
    Z_PAIRS(STORE)
#undef STORE
}
#undef Z_PAIRS

#define Z_TILE(MR, NV)                                                                           \
    __attribute__((target(Z_TARGET))) static void tile##MR##x##NV(                              \
        const struct qv_igemm_s8 *g, int64_t m, const uint8_t *base, const int32_t *off,         \
        int8_t *out, int64_t ldo)                                                                \
    {                                                                                            \
        ztile(MR, NV, g, m, base, off, out, ldo);                                                \
    }
Z_TILE(8, 1)
Z_TILE(8, 2)
Z_TILE(6, 4)
#undef Z_TILE

__attribute__((target(Z_TARGET))) static void tile8x8_evex(const struct qv_igemm_s8 *g, int64_t m,
                                                           const uint8_t *base,
                                                           const int32_t *off, int8_t *out,
                                                           int64_t ldo)
{
    tile_evex(8, 1, g, m, base, off, out, ldo);
}

void qv_igemm_s8_tile_avx512vnni(const struct qv_igemm_s8 *g, int64_t m, const uint8_t *base,
                                 const int32_t *off, int8_t *out, int64_t ldo)
{
    switch (g->nr) {
    case 8: tile8x8_evex(g, m, base, off, out, ldo); break;
    case 16: tile8x1(g, m, base, off, out, ldo); break;
    case 32: tile8x2(g, m, base, off, out, ldo); break;
    default: tile6x4(g, m, base, off, out, ldo); break;
    }
}
#endif
