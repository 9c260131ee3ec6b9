/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AVX-512 VNNI kernel of the int8 depthwise convolution (dwconv_s8.h): per sample, the
 * bordered unsigned image, the rows rearranged so that each channel's 4 taps of a kernel row
 * are adjacent bytes (SSE unpacks: 16 channels x 4 taps per 6 shuffles), then every output row
 * as a flat run of OW * C lanes, 16 per step: KH * ceil(KW / 4) vpdpbusd from the folded
 * constants, TFLM's requantization on the registers (simd512_s8.h), a masked 16-byte store.
 * Compiled with function target attributes, called only when the CPU has these instructions.
 */
#include "engine/int8/igemm_s8_x86.h"

#ifdef QV_IGEMM_X86
#include <string.h>

#include "engine/int8/dwconv_s8.h"
#include "engine/int8/simd512_s8.h"

static size_t align64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

/* Sample x as unsigned bytes (x ^ 0x80) in the bordered image: hp x wp x c from (-pad, -pad),
 * channels expanded by the depth multiplier, z_in + 128 outside the input. */
__attribute__((target(Z_TARGET))) static void border(const struct qv_dwconv_s8 *d,
                                                     const int8_t *x, uint8_t *img)
{
    const int64_t c = d->c, wp = d->wp, x0 = d->pad_w;
    const int64_t n = d->w < wp - x0 ? d->w : wp - x0;   /* input columns inside the image */
    memset(img, d->zbyte, (size_t)(d->hp * wp * c));
    for (int64_t py = 0; py < d->hp && n > 0; py++) {
        const int64_t iy = py - d->pad_h;
        if (iy < 0 || iy >= d->h)
            continue;
        const int8_t *src = x + iy * d->w * d->cin;
        uint8_t *dst = img + (py * wp + x0) * c;
        if (d->dm == 1) {
            qv_s8_to_u8_avx512(src, dst, n * c);
            continue;
        }
        for (int64_t i = 0; i < n * d->cin; i++)
            for (int32_t m = 0; m < d->dm; m++)
                dst[i * d->dm + m] = (uint8_t)((uint8_t)src[i] ^ 0x80u);
    }
}

/* 4 rows of 8 bytes (at a, b, c, e) interleaved: dst[4i + j] = row_j[i] (32 bytes). */
__attribute__((target(Z_TARGET), always_inline)) static inline void
interleave8(const uint8_t *a, const uint8_t *b, const uint8_t *c, const uint8_t *e, uint8_t *dst)
{
    const __m128i t0 = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)a),
                                         _mm_loadl_epi64((const __m128i *)b));
    const __m128i t2 = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)c),
                                         _mm_loadl_epi64((const __m128i *)e));
    _mm_storeu_si128((__m128i *)dst, _mm_unpacklo_epi16(t0, t2));
    _mm_storeu_si128((__m128i *)(dst + 16), _mm_unpackhi_epi16(t0, t2));
}

__attribute__((target(Z_TARGET), always_inline)) static inline void
interleave16(const uint8_t *a, const uint8_t *b, const uint8_t *c, const uint8_t *e,
             uint8_t *dst)
{
    const __m128i r0 = _mm_loadu_si128((const __m128i *)a);
    const __m128i r1 = _mm_loadu_si128((const __m128i *)b);
    const __m128i r2 = _mm_loadu_si128((const __m128i *)c);
    const __m128i r3 = _mm_loadu_si128((const __m128i *)e);
    const __m128i t0 = _mm_unpacklo_epi8(r0, r1), t1 = _mm_unpackhi_epi8(r0, r1);
    const __m128i t2 = _mm_unpacklo_epi8(r2, r3), t3 = _mm_unpackhi_epi8(r2, r3);
    _mm_storeu_si128((__m128i *)dst, _mm_unpacklo_epi16(t0, t2));
    _mm_storeu_si128((__m128i *)(dst + 16), _mm_unpackhi_epi16(t0, t2));
    _mm_storeu_si128((__m128i *)(dst + 32), _mm_unpacklo_epi16(t1, t3));
    _mm_storeu_si128((__m128i *)(dst + 48), _mm_unpackhi_epi16(t1, t3));
}

/* x4[py][g][ox][ch][j] = img[py][ox * stride_w + (4g + j) * dil_w][ch] for every padded row. */
__attribute__((target(Z_TARGET))) static void rearrange(const struct qv_dwconv_s8 *d,
                                                        const uint8_t *img, uint8_t *x4)
{
    const int64_t c = d->c, wp = d->wp, step = d->dil_w * c;
    for (int64_t py = 0; py < d->hp; py++)
        for (int64_t g = 0; g < d->groups; g++)
            for (int64_t ox = 0; ox < d->ow; ox++) {
                const uint8_t *s = img + (py * wp + ox * d->stride_w + 4 * g * d->dil_w) * c;
                uint8_t *dst = x4 + (((py * d->groups + g) * d->ow + ox) * c) * 4;
                int64_t ch = 0;
                for (; ch + 16 <= c; ch += 16)
                    interleave16(s + ch, s + step + ch, s + 2 * step + ch, s + 3 * step + ch,
                                 dst + 4 * ch);
                for (; ch + 8 <= c; ch += 8)
                    interleave8(s + ch, s + step + ch, s + 2 * step + ch, s + 3 * step + ch,
                                dst + 4 * ch);
                for (; ch < c; ch++)
                    for (int64_t j = 0; j < 4; j++)
                        dst[4 * ch + j] = s[j * step + ch];
            }
}

/* The requantization constants of 16 lanes (as igemm's struct zrq, per lane). */
struct dwrq {
    __m512i fold, mult, left, right, mask, half, te, to, re, ro;
};

__attribute__((target(Z_TARGET), always_inline)) static inline struct dwrq
dwrq_load(const struct qv_dwconv_s8 *d, int64_t l)
{
    struct dwrq q;
    const int64_t p = d->period;
#define ROW(f) _mm512_loadu_si512(d->rq + (f) * p + l)
    q.fold = ROW(QV_DWCONV_FOLD);
    q.mult = ROW(QV_DWCONV_MULT);
    if (d->rounding == QV_ROUNDING_DOUBLE) {
        q.left = ROW(QV_DWCONV_LEFT);
        q.right = ROW(QV_DWCONV_RIGHT);
        q.mask = ROW(QV_DWCONV_MASK);
        q.half = ROW(QV_DWCONV_HALF);
        q.te = q.to = q.re = q.ro = _mm512_setzero_si512();
    } else {
        const __m512i t = ROW(QV_DWCONV_T), one = _mm512_set1_epi64(1);
        q.te = _mm512_and_si512(t, _mm512_set1_epi64(0xFFFFFFFF));
        q.to = _mm512_srli_epi64(t, 32);
        q.re = _mm512_sllv_epi64(one, _mm512_sub_epi64(q.te, one));
        q.ro = _mm512_sllv_epi64(one, _mm512_sub_epi64(q.to, one));
        q.left = q.right = q.mask = q.half = _mm512_setzero_si512();
    }
#undef ROW
    return q;
}

/*
 * One output row as a flat run of len = OW * C lanes, 16 per step, by phase: the lanes at the
 * same offset modulo the period share weights and constants, which stay in registers while the
 * phase's steps (period lanes apart) run. xr[t], wr[t]: the nt (= KH * groups) rearranged input
 * rows and their weight rows. NT: nt when it is a compile-time constant (<= 4), else 0.
 * Everything the loop reads is in locals: the int8 stores would otherwise make the compiler
 * reload the struct's fields after each of them.
 */
__attribute__((target(Z_TARGET), always_inline)) static inline void
row_taps(const int NT, const struct qv_dwconv_s8 *d, const uint8_t *const *xr,
         const int8_t *const *wr, int64_t nt, int64_t len, int8_t *out)
{
    const int64_t period = d->period;
    const bool dbl = d->rounding == QV_ROUNDING_DOUBLE, left = d->left;
    const __m512i zp = _mm512_set1_epi32(d->zp), lo = _mm512_set1_epi32(d->lo);
    const __m512i hi = _mm512_set1_epi32(d->hi);
    /* NT > 0: the taps' row pointers and weights in named variables (no arrays: registers) */
#define TAPS(X) X(0) X(1) X(2) X(3)
#define TAP_PTR(t) const uint8_t *x##t = NT > t ? xr[t] : xr[0];
    TAPS(TAP_PTR)
#undef TAP_PTR
    for (int64_t ph = 0; ph < period && ph < len; ph += 16) {
        const struct dwrq q = dwrq_load(d, ph);
#define TAP_W(t) const __m512i w##t = NT > t ? _mm512_loadu_si512(wr[t] + 4 * ph) : q.fold;
        TAPS(TAP_W)
#undef TAP_W
        for (int64_t l0 = ph; l0 < len; l0 += period) {
            const __mmask16 k = lanes16(len - l0);
            __m512i acc = q.fold;
            if (NT > 0) {
#define TAP_DOT(t)                                                                               \
    if (NT > t)                                                                                  \
        acc = _mm512_dpbusd_epi32(acc, _mm512_maskz_loadu_epi32(k, x##t + 4 * l0), w##t);
                TAPS(TAP_DOT)
#undef TAP_DOT
            } else {
                for (int64_t t = 0; t < nt; t++)
                    acc = _mm512_dpbusd_epi32(acc, _mm512_maskz_loadu_epi32(k, xr[t] + 4 * l0),
                                              _mm512_loadu_si512(wr[t] + 4 * ph));
            }
            if (dbl) {
                if (left)
                    acc = _mm512_sllv_epi32(acc, q.left);
                acc = mbqm16(acc, q.mult, q.right, q.mask, q.half);
            } else {
                acc = mbqm16_single(acc, q.mult, q.te, q.to, q.re, q.ro);
            }
            acc = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(acc, zp), lo), hi);
            _mm_mask_storeu_epi8(out + l0, k, _mm512_cvtepi32_epi8(acc));
        }
    }
#undef TAPS
}

/* The most taps row() keeps in its pointer arrays (KH * groups; qv_dwconv_s8_applies). */
#define DW_MAX_TAPS 16

__attribute__((target(Z_TARGET))) static void row(const struct qv_dwconv_s8 *d,
                                                  const uint8_t *x4, int64_t oy, int8_t *out)
{
    const int64_t g = d->groups, rowb = d->ow * d->c * 4, len = d->ow * d->c;
    const uint8_t *xr[DW_MAX_TAPS];
    const int8_t *wr[DW_MAX_TAPS];
    int64_t nt = 0;
    for (int64_t ky = 0; ky < d->kh; ky++)
        for (int64_t gi = 0; gi < g; gi++, nt++) {
            xr[nt] = x4 + ((oy * d->stride_h + ky * d->dil_h) * g + gi) * rowb;
            wr[nt] = d->w4 + (ky * g + gi) * d->period * 4;
        }
    switch (nt) {   /* 3x3 / 3x1 kernels; 1xN; 2xN and 4xN */
    case 1: row_taps(1, d, xr, wr, nt, len, out); break;
    case 2: row_taps(2, d, xr, wr, nt, len, out); break;
    case 3: row_taps(3, d, xr, wr, nt, len, out); break;
    case 4: row_taps(4, d, xr, wr, nt, len, out); break;
    default: row_taps(0, d, xr, wr, nt, len, out); break;
    }
}

void qv_dwconv_s8_avx512(const struct qv_dwconv_s8 *d, void *scratch, int64_t batch,
                         const int8_t *x, int8_t *out)
{
    uint8_t *img = scratch;
    uint8_t *x4 = img + align64((size_t)(d->hp * d->wp * d->c)) + 64;
    const int64_t in_sample = d->h * d->w * d->cin, out_row = d->ow * d->c;
    for (int64_t b = 0; b < batch; b++) {
        border(d, x + b * in_sample, img);
        rearrange(d, img, x4);
        int8_t *ob = out + b * d->oh * out_row;
        for (int64_t oy = 0; oy < d->oh; oy++)
            row(d, x4, oy, ob + oy * out_row);
    }
}
#endif
