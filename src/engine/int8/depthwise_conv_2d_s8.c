/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DEPTHWISE_CONV_2D int8 (docs/int8-arithmetic.md §5.2, §2.3): TFLM depthwise_conv_common.cc
 * (CalculateOpDataDepthwiseConv) and reference_integer_ops::DepthwiseConvPerChannel.
 * x [N, H, W, Cin], filter [1, KH, KW, Cout] (per-axis on dim 3), bias [Cout], out
 * [N, OH, OW, Cout] with Cout = Cin * depth_multiplier (the multiplier from the options).
 * Output channel oc = ic * dm + m reads input channel ic with filter column oc.
 *
 * Fast variants: per output pixel, accumulate every channel at once over the taps (a
 * contiguous, vectorizable loop over channels), then requantize. Same sums; the order of int32
 * wrapping additions is irrelevant (addition is associative modulo 2^32).
 * Depth multiplier dm > 1: each input sample is first expanded to [H, W, Cout] with
 * xe[.., ic * dm + m] = x[.., ic] (scratch), which turns the op into depth multiplier 1 on Cout
 * channels; the kernels below then see rows of Cout channels either way.
 * AVX2 (constant weights, double rounding): sum(w * x) over every tap, where a tap outside the
 * image reads a row of z_in (so its w * (x - z_in) is 0), two taps per _mm256_madd_epi16 on
 * weights interleaved once; -z_in * sum(w) + bias is folded in once, and the requantization
 * (struct qv_rq_s8) runs on the registers.
 */
#include <string.h>

#include "core/ops/ops_common.h"
#include "engine/int8/node_s8.h"
#include "engine/int8/simd_s8.h"

/* ---- arithmetic ------------------------------------------------------------------------- */

/* Bytes of wpack for cout channels and `pairs` tap pairs. */
static size_t wpack_size(int64_t cout, int64_t pairs)
{
    return (size_t)((cout / 16) * 32 + (cout % 16 >= 8 ? 16 : 0)) * (size_t)pairs * 2;
}

/* Where the arrays of struct qv_depthwise_conv_2d_s8_fast live in its block. */
struct fast_layout {
    size_t tap_off, fold, rq, wpack, vnni, size;
};

static struct fast_layout fast_layout(const struct qv_dims *fd)
{
    const int64_t cout = fd->c, taps = fd->h * fd->w;
    struct qv_s8_layout l;
    struct fast_layout f;
    qv_s8_layout_init(&l, sizeof(struct qv_depthwise_conv_2d_s8_fast));
    f.tap_off = qv_s8_layout_array(&l, taps, sizeof(int64_t));
    f.fold = qv_s8_layout_array(&l, cout, sizeof(int32_t));
    f.rq = qv_s8_layout_array(&l, 1, qv_rq_s8_size(cout));
    f.wpack = qv_s8_layout_array(&l, 1, wpack_size(cout, (taps + 1) / 2));
    /* the AVX512 variant's kernel: its struct, then its block */
    f.vnni = qv_s8_layout_array(&l, qv_dwconv_s8_available() ? 1 : 0,
                                qv_s8_align64(sizeof(struct qv_dwconv_s8)) +
                                    qv_dwconv_s8_size(cout, fd->h, fd->w));
    f.size = l.size;
    return f;
}

size_t qv_depthwise_conv_2d_s8_fast_size(const struct qv_dims *filter_dims)
{
    return fast_layout(filter_dims).size;
}

/*
 * Interleaves the weights of taps 2t and 2t + 1 for _mm256_madd_epi16 on the int16 rows
 * unpacklo/unpackhi_epi16(tap 2t, tap 2t + 1): in each 128-bit half h of a block of 16
 * channels, lo holds channels 8h + 0..3 and hi channels 8h + 4..7, each as (w[2t], w[2t + 1]).
 * A last block of 8 channels is interleaved for unpacklo_epi8 of the int8 rows: channel e / 2.
 */
static void pack_weights(struct qv_depthwise_conv_2d_s8_fast *f, const int8_t *w, int64_t taps,
                         int64_t cout)
{
    int16_t *dst = f->wpack;
    int64_t c0 = 0;
    for (; c0 + 16 <= cout; c0 += 16)
        for (int64_t t = 0; t < f->pairs; t++)
            for (int64_t e = 0; e < 32; e++) {
                const int64_t part = e / 16, h = (e % 16) / 8, q = e % 8;
                const int64_t ch = c0 + 8 * h + 4 * part + q / 2, tap = 2 * t + q % 2;
                *dst++ = (int16_t)(tap < taps ? w[tap * cout + ch] : 0);
            }
    if (cout - c0 >= 8)
        for (int64_t t = 0; t < f->pairs; t++)
            for (int64_t e = 0; e < 16; e++) {
                const int64_t ch = c0 + e / 2, tap = 2 * t + e % 2;
                *dst++ = (int16_t)(tap < taps ? w[tap * cout + ch] : 0);
            }
}

struct qv_depthwise_conv_2d_s8_fast *
qv_depthwise_conv_2d_s8_fast_init(void *mem, const struct qv_depthwise_conv_2d_s8_params *p,
                                  const struct qv_dims *in_dims,
                                  const struct qv_dims *filter_dims, const int8_t *filter,
                                  const int32_t *bias, const struct qv_dims *out_dims)
{
    const int64_t cout = filter_dims->c, kh = filter_dims->h, kw = filter_dims->w;
    const int64_t taps = kh * kw;
    const struct fast_layout l = fast_layout(filter_dims);
    char *base = mem;
    struct qv_depthwise_conv_2d_s8_fast *f = mem;
    memset(f, 0, sizeof(*f));
    f->pairs = (taps + 1) / 2;
    f->tap_off = (int64_t *)(base + l.tap_off);
    f->fold = (int32_t *)(base + l.fold);
    f->wpack = (int16_t *)(base + l.wpack);
    for (int64_t ky = 0; ky < kh; ky++)
        for (int64_t kx = 0; kx < kw; kx++)
            f->tap_off[ky * kw + kx] =
                (ky * p->dilation_h * in_dims->w + kx * p->dilation_w) * cout;
    for (int64_t oc = 0; oc < cout; oc++) {
        int32_t sum = 0;
        for (int64_t t = 0; t < taps; t++)
            sum = qv_wrap_add(sum, filter[t * cout + oc]);
        f->fold[oc] = qv_wrap_add(qv_wrap_mul(p->input_offset, sum), bias ? bias[oc] : 0);
    }
    pack_weights(f, filter, taps, cout);
    qv_rq_s8_init(&f->rq, (int32_t *)(base + l.rq), cout, f->fold, p->multiplier, p->shift,
                  p->output_offset, p->act_min, p->act_max, p->rounding);
    if (qv_dwconv_s8_available() && qv_dwconv_s8_applies(cout, kh, kw, p->multiplier)) {
        struct qv_dwconv_s8 *d = (struct qv_dwconv_s8 *)(base + l.vnni);
        qv_dwconv_s8_init(d, (char *)d + qv_s8_align64(sizeof(*d)), in_dims->h, in_dims->w,
                          in_dims->c, p->depth_multiplier, out_dims->h, out_dims->w, kh, kw,
                          p->stride_h, p->stride_w, p->dilation_h, p->dilation_w, p->pad_h,
                          p->pad_w, filter, bias, -p->input_offset, p->multiplier, p->shift,
                          p->output_offset, p->act_min, p->act_max, p->rounding);
        f->vnni = d;
    }
    return f;
}

/* The AVX512 variant's kernel, when p runs it. */
static const struct qv_dwconv_s8 *vnni_of(const struct qv_depthwise_conv_2d_s8_params *p)
{
    return p->variant == QV_S8_AVX512 && p->fast ? p->fast->vnni : NULL;
}

/* The fast variants' scratch: acc [cout] int32, tap pointers, the z_in row, the expansion. */
struct dw_scratch {
    int32_t *acc;
    const int8_t **tap; /* [2 * 2 * pairs] */
    int8_t *zrow;       /* [cout + 32] */
    int8_t *xe;         /* [H * W * cout] when dm > 1 */
};

static struct dw_scratch dw_scratch(void *scratch, const struct qv_dims *fd, size_t *ret_size)
{
    const int64_t pairs = (fd->h * fd->w + 1) / 2, cout = fd->c;
    char *s = scratch;
    struct dw_scratch r;
    r.acc = (int32_t *)s;
    s += qv_s8_align64((size_t)cout * 4);
    r.tap = (const int8_t **)s;
    s += qv_s8_align64(2 * (size_t)(pairs * 2) * sizeof(*r.tap));
    r.zrow = (int8_t *)s;
    s += qv_s8_align64((size_t)cout + 32);
    r.xe = (int8_t *)s;
    *ret_size = (size_t)(s - (char *)scratch);
    return r;
}

size_t qv_depthwise_conv_2d_s8_get_buffer_size(const struct qv_depthwise_conv_2d_s8_params *p,
                                               const struct qv_dims *in_dims,
                                               const struct qv_dims *filter_dims)
{
    if (p->variant == QV_S8_PLAIN)
        return 0;
    if (vnni_of(p))
        return qv_dwconv_s8_get_buffer_size(vnni_of(p));
    size_t head;
    dw_scratch(NULL, filter_dims, &head);
    return head + (p->depth_multiplier > 1 ? (size_t)(in_dims->h * in_dims->w * filter_dims->c)
                                           : 0);
}

static inline int8_t finish(const struct qv_depthwise_conv_2d_s8_params *p, int32_t acc,
                            const int32_t *bias, int64_t oc)
{
    if (bias)
        acc = qv_wrap_add(acc, bias[oc]);
    acc = qv_wrap_add(qv_mbqm(acc, p->multiplier[oc], p->shift[oc], p->rounding),
                      p->output_offset);
    return (int8_t)qv_clamp_i32(acc, p->act_min, p->act_max);
}

/* reference_integer_ops::DepthwiseConvPerChannel, loop for loop. */
static void dw_plain(const struct qv_depthwise_conv_2d_s8_params *p, const struct qv_dims *xd,
                     const int8_t *x, const struct qv_dims *fd, const int8_t *w,
                     const int32_t *bias, const struct qv_dims *od, int8_t *out)
{
    const int64_t h = xd->h, wd = xd->w, cin = xd->c, cout = od->c;
    for (int64_t b = 0; b < od->n; b++)
        for (int64_t oy = 0; oy < od->h; oy++)
            for (int64_t ox = 0; ox < od->w; ox++)
                for (int64_t ic = 0; ic < cin; ic++)
                    for (int64_t m = 0; m < p->depth_multiplier; m++) {
                        const int64_t oc = m + ic * p->depth_multiplier;
                        const int64_t iy0 = oy * p->stride_h - p->pad_h;
                        const int64_t ix0 = ox * p->stride_w - p->pad_w;
                        int32_t acc = 0;
                        for (int64_t ky = 0; ky < fd->h; ky++)
                            for (int64_t kx = 0; kx < fd->w; kx++) {
                                const int64_t iy = iy0 + p->dilation_h * ky;
                                const int64_t ix = ix0 + p->dilation_w * kx;
                                if (ix < 0 || ix >= wd || iy < 0 || iy >= h)
                                    continue;
                                const int32_t xv = x[((b * h + iy) * wd + ix) * cin + ic];
                                const int32_t wv = w[(ky * fd->w + kx) * cout + oc];
                                acc = qv_wrap_add(acc, wv * (xv + p->input_offset));
                            }
                        out[((b * od->h + oy) * od->w + ox) * cout + oc] = finish(p, acc, bias, oc);
                    }
}

/* dst[i * dm + m] = x[i] for i < n, m < dm: one sample's input as depth multiplier 1 rows. */
static void expand_scalar(const int8_t *x, int64_t n, int32_t dm, int8_t *dst)
{
    for (int64_t i = 0; i < n; i++)
        for (int32_t m = 0; m < dm; m++)
            dst[i * dm + m] = x[i];
}

#ifdef QV_S8_X86
/* expand_scalar with 32-byte steps for dm 2 and 4. */
__attribute__((target("avx2"))) static void expand_avx2(const int8_t *x, int64_t n, int32_t dm,
                                                        int8_t *dst)
{
    int64_t i = 0;
    if (dm == 2) {
        for (; i + 16 <= n; i += 16) {
            const __m128i v = _mm_loadu_si128((const __m128i *)(x + i));
            _mm_storeu_si128((__m128i *)(dst + 2 * i), _mm_unpacklo_epi8(v, v));
            _mm_storeu_si128((__m128i *)(dst + 2 * i + 16), _mm_unpackhi_epi8(v, v));
        }
    } else if (dm == 4) {
        for (; i + 16 <= n; i += 16) {
            const __m128i v = _mm_loadu_si128((const __m128i *)(x + i));
            const __m128i lo = _mm_unpacklo_epi8(v, v), hi = _mm_unpackhi_epi8(v, v);
            _mm_storeu_si128((__m128i *)(dst + 4 * i), _mm_unpacklo_epi16(lo, lo));
            _mm_storeu_si128((__m128i *)(dst + 4 * i + 16), _mm_unpackhi_epi16(lo, lo));
            _mm_storeu_si128((__m128i *)(dst + 4 * i + 32), _mm_unpacklo_epi16(hi, hi));
            _mm_storeu_si128((__m128i *)(dst + 4 * i + 48), _mm_unpackhi_epi16(hi, hi));
        }
    }
    expand_scalar(x + i, n - i, dm, dst + i * dm);
}

/* Requantizes the 8 channels c .. c + 8 held in acc (add row included) and stores 8 bytes. */
__attribute__((target("avx2"))) static inline void store_rq8(const struct qv_rq_s8 *rq,
                                                             __m256i acc, int64_t c, int8_t *out)
{
    const __m256i v = qv_rq8_avx2(rq, acc, c);
    const __m256i v16 = _mm256_packs_epi32(v, v);
    const __m256i v8 = _mm256_packs_epi16(v16, v16);
    const int32_t w0 = _mm256_extract_epi32(v8, 0), w1 = _mm256_extract_epi32(v8, 4);
    memcpy(out, &w0, 4);
    memcpy(out + 4, &w1, 4);
}

/* One output pixel: taps[0 .. 2 * pairs) are its input rows (z_in rows outside the image). */
__attribute__((target("avx2"))) static inline void
dw_pixel_avx2(const struct qv_depthwise_conv_2d_s8_fast *f, const int8_t *w, int64_t taps_n,
              int64_t cout, const int8_t *const *taps, int8_t *out)
{
    const int16_t *wp = f->wpack;
    const int32_t *add = qv_rq_s8_row(&f->rq, QV_RQ_ADD);
    int64_t c = 0;
    for (; c + 16 <= cout; c += 16) {
        __m256i lo = _mm256_setzero_si256(), hi = _mm256_setzero_si256();
        for (int64_t t = 0; t < f->pairs; t++, wp += 32) {
            const __m256i xa =
                _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(taps[2 * t] + c)));
            const __m256i xb =
                _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(taps[2 * t + 1] + c)));
            lo = _mm256_add_epi32(lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(xa, xb),
                                                        _mm256_loadu_si256((const __m256i *)wp)));
            hi = _mm256_add_epi32(hi, _mm256_madd_epi16(
                                          _mm256_unpackhi_epi16(xa, xb),
                                          _mm256_loadu_si256((const __m256i *)(wp + 16))));
        }
        /* lo: channels 0..3 | 8..11, hi: 4..7 | 12..15. */
        const __m256i a0 = _mm256_add_epi32(_mm256_permute2x128_si256(lo, hi, 0x20),
                                            _mm256_loadu_si256((const __m256i *)(add + c)));
        const __m256i a1 = _mm256_add_epi32(_mm256_permute2x128_si256(lo, hi, 0x31),
                                            _mm256_loadu_si256((const __m256i *)(add + c + 8)));
        qv_store_rq16_avx2(&f->rq, a0, a1, c, 16, out + c);
    }
    if (cout - c >= 8) {
        __m256i acc = _mm256_loadu_si256((const __m256i *)(add + c));
        for (int64_t t = 0; t < f->pairs; t++, wp += 16) {
            const __m128i xa = _mm_loadl_epi64((const __m128i *)(taps[2 * t] + c));
            const __m128i xb = _mm_loadl_epi64((const __m128i *)(taps[2 * t + 1] + c));
            const __m256i xab = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(xa, xb));
            acc = _mm256_add_epi32(acc,
                                   _mm256_madd_epi16(xab, _mm256_loadu_si256((const __m256i *)wp)));
        }
        store_rq8(&f->rq, acc, c, out + c);
        c += 8;
    }
    for (; c < cout; c++) {
        int32_t acc = 0;
        for (int64_t t = 0; t < taps_n; t++)
            acc = qv_wrap_add(acc, w[t * cout + c] * taps[t][c]);
        qv_rq_s8_apply(&f->rq, &acc, c, 1, out + c);
    }
}

__attribute__((target("avx2"))) static void
dw_fast_avx2(const struct qv_depthwise_conv_2d_s8_params *p, void *scratch,
             const struct qv_dims *xd, const int8_t *x, const struct qv_dims *fd, const int8_t *w,
             const struct qv_dims *od, int8_t *out)
{
    const struct qv_depthwise_conv_2d_s8_fast *f = p->fast;
    const int64_t h = xd->h, wd = xd->w, cin = xd->c, kh = fd->h, kw = fd->w;
    const int64_t oh = od->h, ow = od->w, cout = od->c, taps = kh * kw;
    const int64_t span_h = (kh - 1) * p->dilation_h, span_w = (kw - 1) * p->dilation_w;
    size_t unused;
    const struct dw_scratch s = dw_scratch(scratch, fd, &unused);
    const int8_t **tap = s.tap;
    int8_t *zrow = s.zrow;
    memset(zrow, -p->input_offset, (size_t)cout + 32);
    for (int64_t t = taps; t < 2 * f->pairs; t++)
        tap[t] = zrow;
    for (int64_t b = 0; b < od->n; b++) {
        /* Rows of cout channels of sample b. */
        const int8_t *xb = x + b * h * wd * cin;
        if (p->depth_multiplier > 1) {
            expand_avx2(xb, h * wd * cin, p->depth_multiplier, s.xe);
            xb = s.xe;
        }
        for (int64_t oy = 0; oy < oh; oy++) {
            const int64_t iy0 = oy * p->stride_h - p->pad_h;
            const bool y_inside = iy0 >= 0 && iy0 + span_h < h;
            for (int64_t ox = 0; ox < ow; ox++) {
                const int64_t ix0 = ox * p->stride_w - p->pad_w;
                if (y_inside && ix0 >= 0 && ix0 + span_w < wd) {
                    const int8_t *corner = xb + (iy0 * wd + ix0) * cout;
                    for (int64_t t = 0; t < taps; t++)
                        tap[t] = corner + f->tap_off[t];
                } else {
                    for (int64_t ky = 0; ky < kh; ky++) {
                        const int64_t iy = iy0 + p->dilation_h * ky;
                        for (int64_t kx = 0; kx < kw; kx++) {
                            const int64_t ix = ix0 + p->dilation_w * kx;
                            tap[ky * kw + kx] = ix < 0 || ix >= wd || iy < 0 || iy >= h
                                                    ? zrow
                                                    : xb + (iy * wd + ix) * cout;
                        }
                    }
                }
                dw_pixel_avx2(f, w, taps, cout, tap, out + ((b * oh + oy) * ow + ox) * cout);
            }
        }
    }
}
#endif

/* The C variant: in-image taps of each pixel through the blocks' dw_pixel and requant_row. */
static void dw_fast(const struct qv_depthwise_conv_2d_s8_params *p, void *scratch,
                    const struct qv_dims *xd, const int8_t *x, const struct qv_dims *fd,
                    const int8_t *w, const int32_t *bias, const struct qv_dims *od, int8_t *out)
{
    const struct qv_s8_blocks *bk = qv_s8_blocks(p->variant);
    const int64_t h = xd->h, wd = xd->w, cin = xd->c, kh = fd->h, kw = fd->w;
    const int64_t oh = od->h, ow = od->w, cout = od->c;
    size_t unused;
    const struct dw_scratch s = dw_scratch(scratch, fd, &unused);
    int32_t *acc = s.acc;
    const int8_t **tap_x = s.tap;
    const int8_t **tap_w = tap_x + kh * kw;
    for (int64_t b = 0; b < od->n; b++) {
        /* Rows of cout channels of sample b. */
        const int8_t *xb = x + b * h * wd * cin;
        if (p->depth_multiplier > 1) {
            expand_scalar(xb, h * wd * cin, p->depth_multiplier, s.xe);
            xb = s.xe;
        }
        for (int64_t oy = 0; oy < oh; oy++) {
            const int64_t iy0 = oy * p->stride_h - p->pad_h;
            for (int64_t ox = 0; ox < ow; ox++) {
                const int64_t ix0 = ox * p->stride_w - p->pad_w;
                int32_t nt = 0;
                for (int64_t ky = 0; ky < kh; ky++) {
                    const int64_t iy = iy0 + p->dilation_h * ky;
                    if (iy < 0 || iy >= h)
                        continue;
                    for (int64_t kx = 0; kx < kw; kx++) {
                        const int64_t ix = ix0 + p->dilation_w * kx;
                        if (ix < 0 || ix >= wd)
                            continue;
                        tap_x[nt] = xb + (iy * wd + ix) * cout;
                        tap_w[nt] = w + (ky * kw + kx) * cout;
                        nt++;
                    }
                }
                bk->dw_pixel(acc, tap_x, tap_w, nt, p->input_offset, cout);
                bk->requant_row(acc, bias, p->multiplier, p->shift, cout, p->output_offset,
                                p->act_min, p->act_max, p->rounding,
                                out + ((b * oh + oy) * ow + ox) * cout);
            }
        }
    }
}

void qv_depthwise_conv_2d_s8(const struct qv_depthwise_conv_2d_s8_params *p, void *scratch,
                             const struct qv_dims *in_dims, const int8_t *in,
                             const struct qv_dims *filter_dims, const int8_t *filter,
                             const int32_t *bias, const struct qv_dims *out_dims, int8_t *out)
{
    if (vnni_of(p)) {
        qv_dwconv_s8(vnni_of(p), scratch, out_dims->n, in, out);
        return;
    }
#ifdef QV_S8_X86
    if (qv_s8_variant_avx2(p->variant) && p->fast) {
        dw_fast_avx2(p, scratch, in_dims, in, filter_dims, filter, out_dims, out);
        return;
    }
#endif
    if (p->variant == QV_S8_PLAIN)
        dw_plain(p, in_dims, in, filter_dims, filter, bias, out_dims, out);
    else
        dw_fast(p, scratch, in_dims, in, filter_dims, filter, bias, out_dims, out);
}

/* ---- engine glue ------------------------------------------------------------------------ */

/* The node's parameter block: the params, then multipliers, shifts and the AVX2 block. */
struct dw_layout {
    size_t mult, shift, fast, size;
};

static struct dw_layout dw_layout(const struct qv_dims *fd, bool fast)
{
    struct qv_s8_layout l;
    struct dw_layout d;
    qv_s8_layout_init(&l, sizeof(struct qv_depthwise_conv_2d_s8_params));
    d.mult = qv_s8_layout_array(&l, fd->c, sizeof(int32_t));
    d.shift = qv_s8_layout_array(&l, fd->c, sizeof(int32_t));
    d.fast = qv_s8_layout_array(&l, fast ? 1 : 0, qv_depthwise_conv_2d_s8_fast_size(fd));
    d.size = l.size;
    return d;
}

enum qv_status qv_depthwise_conv_2d_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_attrs *a = &c->node->attrs;
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st = qv_s8_need_filter_op(c, &s_in, &z_in, &s_out, &z_out, err);
    if (st != QV_OK)
        return st;
    const struct qv_shape *x = &c->in[0]->shape, *w = &c->in[1]->shape, *o = &c->out[0]->shape;
    if (x->rank != 4 || w->rank != 4 || o->rank != 4)
        return qv_s8_fail(c, err, "input, filter and output must have rank 4");
    const struct qv_dims xd = qv_s8_dims(c->in[0]), fd = qv_s8_dims(c->in[1]);
    const struct qv_dims od = qv_s8_dims(c->out[0]);
    const int64_t cout = fd.c;
    if (a->depth_multiplier < 1 || xd.c * a->depth_multiplier != cout || o->dims[3] != cout)
        return qv_s8_fail(c, err, "input depth %lld x depth_multiplier %d must equal the filter's "
                          "and output's depth %lld", (long long)xd.c,
                          (int)a->depth_multiplier, (long long)cout);
    const int32_t *bias = qv_s8_in_data(c, 2);
    const bool constant = c->in[1]->t->data != NULL && (!bias || c->in[2]->t->data != NULL);
    enum qv_s8_variant v = qv_s8_node_variant(c);
    if (qv_s8_variant_avx2(v) && !constant)
        v = QV_S8_C;
    const struct dw_layout l = dw_layout(&fd, qv_s8_variant_avx2(v));
    char *base = qv_s8_params_alloc(c, l.size, err);
    if (!base)
        return QV_E_NOMEM;
    struct qv_depthwise_conv_2d_s8_params *p = (struct qv_depthwise_conv_2d_s8_params *)base;
    int32_t *mult = (int32_t *)(base + l.mult), *shift = (int32_t *)(base + l.shift);
    if ((st = qv_s8_channel_multipliers(c, 1, cout, s_in, s_out, mult, shift, err)) != QV_OK)
        return st;
    p->multiplier = mult;
    p->shift = shift;
    p->input_offset = -z_in;
    p->output_offset = z_out;
    qv_activation_range_s8(a->act, s_out, z_out, &p->act_min, &p->act_max);
    p->stride_h = a->stride_h;
    p->stride_w = a->stride_w;
    p->dilation_h = a->dilation_h;
    p->dilation_w = a->dilation_w;
    p->depth_multiplier = a->depth_multiplier;
    p->rounding = c->rounding;
    qv_compute_padding(xd.h, (int32_t)fd.h, a->stride_h, a->dilation_h, a->padding, NULL,
                       &p->pad_h);
    qv_compute_padding(xd.w, (int32_t)fd.w, a->stride_w, a->dilation_w, a->padding, NULL,
                       &p->pad_w);
    if (qv_s8_variant_avx2(v)) {
        p->fast = qv_depthwise_conv_2d_s8_fast_init(base + l.fast, p, &xd, &fd,
                                                    c->in[1]->t->data, bias, &od);
        if (!(v == QV_S8_AVX512 && p->fast->vnni) && !p->fast->rq.vec)
            v = QV_S8_C;   /* the AVX2 requantization needs double rounding and M >= 0 */
    }
    p->variant = v;
    c->scratch_size = qv_depthwise_conv_2d_s8_get_buffer_size(p, &xd, &fd);
    return QV_OK;
}

void qv_depthwise_conv_2d_s8_eval(const struct qv_kernel_ctx *c)
{
    const struct qv_dims xd = qv_s8_dims(c->in[0]), fd = qv_s8_dims(c->in[1]);
    const struct qv_dims od = qv_s8_dims(c->out[0]);
    qv_depthwise_conv_2d_s8(c->params, c->scratch, &xd, c->in[0]->data, &fd, c->in[1]->data,
                            qv_s8_in_data(c, 2), &od, c->out[0]->data);
}
