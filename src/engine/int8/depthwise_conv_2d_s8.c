/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DEPTHWISE_CONV_2D int8 (spec §5.2, §2.3): TFLM depthwise_conv_common.cc
 * (CalculateOpDataDepthwiseConv) and reference_integer_ops::DepthwiseConvPerChannel.
 * x [N, H, W, Cin], filter [1, KH, KW, Cout] (per-axis on dim 3), bias [Cout], out
 * [N, OH, OW, Cout] with Cout = Cin * depth_multiplier (the multiplier from the options).
 * Output channel oc = ic * dm + m reads input channel ic with filter column oc.
 *
 * Fast path: per output pixel, accumulate every channel at once over the taps (a contiguous,
 * vectorizable loop over channels), then requantize. Same sums; the order of int32 wrapping
 * additions is irrelevant (addition is associative modulo 2^32).
 * Depth multiplier dm > 1: each input sample is first expanded to [H, W, Cout] with
 * xe[.., ic * dm + m] = x[.., ic] (scratch), which turns the op into depth multiplier 1 on Cout
 * channels; the kernels below then see rows of Cout channels either way.
 * With AVX2 (constant weights): sum(w * x) over every tap, where a tap
 * outside the image reads a row of z_in (so its w * (x - z_in) is 0), two taps per
 * _mm256_madd_epi16 on weights interleaved at prepare; -z_in * sum(w) + bias is folded in
 * once, and the requantization (struct qv_rq_s8) runs on the registers.
 */
#include <string.h>

#include "engine/kernel.h"
#include "core/ops/ops_common.h"
#include "engine/int8/simd_s8.h"

struct dw_params {
    int32_t in_offset, out_offset, act_min, act_max;
    int32_t stride_h, stride_w, dil_h, dil_w, dm;
    int64_t pad_h, pad_w, kh, kw;
    int32_t *mult, *shift; /* [cout] */
    /* AVX2 path (wpack == NULL: not used) */
    int64_t pairs;         /* ceil(kh * kw / 2); an odd last tap pairs with zero weights */
    int64_t *tap_off;      /* [kh * kw]: offset of each tap from the window's corner (in a
                              row of Cout channels: the input, or its expansion when dm > 1) */
    int16_t *wpack;        /* per 16 channels [pairs][2][16], then per last 8 [pairs][16] */
    int32_t *fold;         /* [cout]: bias - z_in * sum over taps of w */
    struct qv_rq_s8 rq;
};

/* Bytes of wpack for cout channels and `pairs` tap pairs. */
static size_t wpack_size(int64_t cout, int64_t pairs)
{
    return (size_t)((cout / 16) * 32 + (cout % 16 >= 8 ? 16 : 0)) * (size_t)pairs * 2;
}

/*
 * Interleaves the weights of taps 2t and 2t + 1 for _mm256_madd_epi16 on the int16 rows
 * unpacklo/unpackhi_epi16(tap 2t, tap 2t + 1): in each 128-bit half h of a block of 16
 * channels, lo holds channels 8h + 0..3 and hi channels 8h + 4..7, each as (w[2t], w[2t + 1]).
 * A last block of 8 channels is interleaved for unpacklo_epi8 of the int8 rows: channel e / 2.
 */
static void pack_weights(struct dw_params *p, const int8_t *w, int64_t cout)
{
    const int64_t taps = p->kh * p->kw;
    int16_t *dst = p->wpack;
    int64_t c0 = 0;
    for (; c0 + 16 <= cout; c0 += 16)
        for (int64_t t = 0; t < p->pairs; t++)
            for (int64_t e = 0; e < 32; e++) {
                const int64_t part = e / 16, h = (e % 16) / 8, q = e % 8;
                const int64_t ch = c0 + 8 * h + 4 * part + q / 2, tap = 2 * t + q % 2;
                *dst++ = (int16_t)(tap < taps ? w[tap * cout + ch] : 0);
            }
    if (cout - c0 >= 8)
        for (int64_t t = 0; t < p->pairs; t++)
            for (int64_t e = 0; e < 16; e++) {
                const int64_t ch = c0 + e / 2, tap = 2 * t + e % 2;
                *dst++ = (int16_t)(tap < taps ? w[tap * cout + ch] : 0);
            }
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
    const int64_t cout = w->dims[3];
    if (a->depth_multiplier < 1 || x->dims[3] * a->depth_multiplier != cout || o->dims[3] != cout)
        return qv_s8_fail(c, err, "input depth %lld x depth_multiplier %d must equal the filter's "
                          "and output's depth %lld", (long long)x->dims[3],
                          (int)a->depth_multiplier, (long long)cout);
    const bool has_bias = c->n_in > 2 && c->in[2];
    const bool fast = c->in[1]->t->data != NULL && (!has_bias || c->in[2]->t->data != NULL);
    const int64_t taps = w->dims[1] * w->dims[2], pairs = (taps + 1) / 2;
    size_t off_mult = qv_s8_align64(sizeof(struct dw_params));
    size_t off_shift = off_mult + qv_s8_align64((size_t)cout * 4);
    size_t off_fold = off_shift + qv_s8_align64((size_t)cout * 4);
    size_t off_tap = off_fold + (fast ? qv_s8_align64((size_t)cout * 4) : 0);
    size_t off_rq = off_tap + (fast ? qv_s8_align64((size_t)taps * sizeof(int64_t)) : 0);
    size_t off_pack = off_rq + (fast ? qv_rq_s8_size(cout) : 0);
    size_t size = off_pack + (fast ? wpack_size(cout, pairs) : 0);
    struct dw_params *p = qv_s8_params_alloc(c, size, err);
    if (!p)
        return QV_E_NOMEM;
    char *base = (char *)p;
    p->mult = (int32_t *)(base + off_mult);
    p->shift = (int32_t *)(base + off_shift);
    if ((st = qv_s8_channel_multipliers(c, 1, cout, s_in, s_out, p->mult, p->shift, err)) != QV_OK)
        return st;
    p->in_offset = -z_in;
    p->out_offset = z_out;
    qv_activation_range_s8(a->act, s_out, z_out, &p->act_min, &p->act_max);
    p->stride_h = a->stride_h;
    p->stride_w = a->stride_w;
    p->dil_h = a->dilation_h;
    p->dil_w = a->dilation_w;
    p->dm = a->depth_multiplier;
    p->kh = w->dims[1];
    p->kw = w->dims[2];
    qv_compute_padding(x->dims[1], (int32_t)p->kh, a->stride_h, a->dilation_h, a->padding, NULL,
                       &p->pad_h);
    qv_compute_padding(x->dims[2], (int32_t)p->kw, a->stride_w, a->dilation_w, a->padding, NULL,
                       &p->pad_w);
    if (fast) {
        const int8_t *wd = c->in[1]->t->data;
        const int32_t *bias = has_bias ? c->in[2]->t->data : NULL;
        p->pairs = pairs;
        p->fold = (int32_t *)(base + off_fold);
        p->tap_off = (int64_t *)(base + off_tap);
        p->wpack = (int16_t *)(base + off_pack);
        for (int64_t ky = 0; ky < p->kh; ky++)
            for (int64_t kx = 0; kx < p->kw; kx++)
                p->tap_off[ky * p->kw + kx] = (ky * p->dil_h * x->dims[2] + kx * p->dil_w) * cout;
        for (int64_t oc = 0; oc < cout; oc++) {
            int32_t sum = 0;
            for (int64_t t = 0; t < taps; t++)
                sum = qv_wrap_add(sum, wd[t * cout + oc]);
            p->fold[oc] = qv_wrap_add(qv_wrap_mul(-z_in, sum), bias ? bias[oc] : 0);
        }
        pack_weights(p, wd, cout);
        qv_rq_s8_init(&p->rq, (int32_t *)(base + off_rq), cout, p->fold, p->mult, p->shift,
                      p->out_offset, p->act_min, p->act_max, c->rounding);
    }
    if (!c->plain_loops)
        c->scratch_size = qv_s8_align64((size_t)cout * sizeof(int32_t)) +
                          qv_s8_align64(2 * (size_t)(pairs * 2) * sizeof(const int8_t *)) +
                          qv_s8_align64((size_t)cout + 32) +
                          (p->dm > 1 ? (size_t)(x->dims[1] * x->dims[2] * cout) : 0);
    return QV_OK;
}

static inline int8_t finish(const struct dw_params *p, const struct qv_kernel_ctx *c, int32_t acc,
                            const int32_t *bias, int64_t oc)
{
    if (bias)
        acc = qv_wrap_add(acc, bias[oc]);
    acc = qv_mbqm(acc, p->mult[oc], p->shift[oc], c->rounding) + p->out_offset;
    return (int8_t)qv_clamp_i32(acc, p->act_min, p->act_max);
}

/* reference_integer_ops::DepthwiseConvPerChannel, loop for loop. */
static void dw_plain(const struct dw_params *p, const struct qv_kernel_ctx *c)
{
    const struct qv_shape *xs = &c->in[0]->shape, *os = &c->out[0]->shape;
    const int8_t *x = c->in[0]->data, *w = c->in[1]->data;
    const int32_t *bias = c->n_in > 2 && c->in[2] ? c->in[2]->data : NULL;
    int8_t *out = c->out[0]->data;
    const int64_t h = xs->dims[1], wd = xs->dims[2], cin = xs->dims[3];
    const int64_t oh = os->dims[1], ow = os->dims[2], cout = os->dims[3];
    for (int64_t b = 0; b < os->dims[0]; b++)
        for (int64_t oy = 0; oy < oh; oy++)
            for (int64_t ox = 0; ox < ow; ox++)
                for (int64_t ic = 0; ic < cin; ic++)
                    for (int64_t m = 0; m < p->dm; m++) {
                        const int64_t oc = m + ic * p->dm;
                        const int64_t iy0 = oy * p->stride_h - p->pad_h;
                        const int64_t ix0 = ox * p->stride_w - p->pad_w;
                        int32_t acc = 0;
                        for (int64_t ky = 0; ky < p->kh; ky++)
                            for (int64_t kx = 0; kx < p->kw; kx++) {
                                const int64_t iy = iy0 + p->dil_h * ky, ix = ix0 + p->dil_w * kx;
                                if (ix < 0 || ix >= wd || iy < 0 || iy >= h)
                                    continue;
                                const int32_t xv = x[((b * h + iy) * wd + ix) * cin + ic];
                                const int32_t wv = w[(ky * p->kw + kx) * cout + oc];
                                acc = qv_wrap_add(acc, wv * (xv + p->in_offset));
                            }
                        out[((b * oh + oy) * ow + ox) * cout + oc] = finish(p, c, acc, bias, oc);
                    }
}

/* The fast paths' scratch: acc [cout] int32, tap pointers, the z_in row, the expansion. */
struct dw_scratch {
    int32_t *acc;
    const int8_t **tap; /* [2 * 2 * pairs] */
    int8_t *zrow;       /* [cout + 32] */
    int8_t *xe;         /* [H * W * cout] when dm > 1 */
};

static struct dw_scratch dw_scratch(const struct dw_params *p, const struct qv_kernel_ctx *c,
                                    int64_t cout)
{
    const int64_t pairs = (p->kh * p->kw + 1) / 2;
    char *s = c->scratch;
    struct dw_scratch r;
    r.acc = (int32_t *)s;
    s += qv_s8_align64((size_t)cout * 4);
    r.tap = (const int8_t **)s;
    s += qv_s8_align64(2 * (size_t)(pairs * 2) * sizeof(*r.tap));
    r.zrow = (int8_t *)s;
    s += qv_s8_align64((size_t)cout + 32);
    r.xe = (int8_t *)s;
    return r;
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
__attribute__((target("avx2"))) static inline void dw_pixel_avx2(const struct dw_params *p,
                                                                 const int8_t *w, int64_t cout,
                                                                 const int8_t *const *taps,
                                                                 int8_t *out)
{
    const int16_t *wp = p->wpack;
    const int32_t *add = qv_rq_s8_row(&p->rq, QV_RQ_ADD);
    int64_t c = 0;
    for (; c + 16 <= cout; c += 16) {
        __m256i lo = _mm256_setzero_si256(), hi = _mm256_setzero_si256();
        for (int64_t t = 0; t < p->pairs; t++, wp += 32) {
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
        qv_store_rq16_avx2(&p->rq, a0, a1, c, 16, out + c);
    }
    if (cout - c >= 8) {
        __m256i acc = _mm256_loadu_si256((const __m256i *)(add + c));
        for (int64_t t = 0; t < p->pairs; t++, wp += 16) {
            const __m128i xa = _mm_loadl_epi64((const __m128i *)(taps[2 * t] + c));
            const __m128i xb = _mm_loadl_epi64((const __m128i *)(taps[2 * t + 1] + c));
            const __m256i xab = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(xa, xb));
            acc = _mm256_add_epi32(acc,
                                   _mm256_madd_epi16(xab, _mm256_loadu_si256((const __m256i *)wp)));
        }
        store_rq8(&p->rq, acc, c, out + c);
        c += 8;
    }
    for (; c < cout; c++) {
        int32_t acc = 0;
        for (int64_t t = 0; t < p->kh * p->kw; t++)
            acc = qv_wrap_add(acc, w[t * cout + c] * taps[t][c]);
        qv_rq_s8_apply(&p->rq, &acc, c, 1, out + c);
    }
}

__attribute__((target("avx2"))) static void dw_fast_avx2(const struct dw_params *p,
                                                         const struct qv_kernel_ctx *c)
{
    const struct qv_shape *xs = &c->in[0]->shape, *os = &c->out[0]->shape;
    const int8_t *x = c->in[0]->data, *w = c->in[1]->data;
    int8_t *out = c->out[0]->data;
    const int64_t h = xs->dims[1], wd = xs->dims[2], cin = xs->dims[3];
    const int64_t oh = os->dims[1], ow = os->dims[2], cout = os->dims[3];
    const int64_t taps = p->kh * p->kw;
    const int64_t span_h = (p->kh - 1) * p->dil_h, span_w = (p->kw - 1) * p->dil_w;
    const struct dw_scratch s = dw_scratch(p, c, cout);
    const int8_t **tap = s.tap;
    int8_t *zrow = s.zrow;
    memset(zrow, -p->in_offset, (size_t)cout + 32);
    for (int64_t t = taps; t < 2 * p->pairs; t++)
        tap[t] = zrow;
    for (int64_t b = 0; b < os->dims[0]; b++) {
        /* Rows of cout channels of sample b. */
        const int8_t *xb = x + b * h * wd * cin;
        if (p->dm > 1) {
            expand_avx2(xb, h * wd * cin, p->dm, s.xe);
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
                        tap[t] = corner + p->tap_off[t];
                } else {
                    for (int64_t ky = 0; ky < p->kh; ky++) {
                        const int64_t iy = iy0 + p->dil_h * ky;
                        for (int64_t kx = 0; kx < p->kw; kx++) {
                            const int64_t ix = ix0 + p->dil_w * kx;
                            tap[ky * p->kw + kx] =
                                ix < 0 || ix >= wd || iy < 0 || iy >= h
                                    ? zrow
                                    : xb + (iy * wd + ix) * cout;
                        }
                    }
                }
                dw_pixel_avx2(p, w, cout, tap, out + ((b * oh + oy) * ow + ox) * cout);
            }
        }
    }
}
#endif

static void dw_fast(const struct dw_params *p, const struct qv_kernel_ctx *c)
{
    const struct qv_shape *xs = &c->in[0]->shape, *os = &c->out[0]->shape;
    const int8_t *x = c->in[0]->data, *w = c->in[1]->data;
    const int32_t *bias = c->n_in > 2 && c->in[2] ? c->in[2]->data : NULL;
    int8_t *out = c->out[0]->data;
    const int64_t h = xs->dims[1], wd = xs->dims[2], cin = xs->dims[3];
    const int64_t oh = os->dims[1], ow = os->dims[2], cout = os->dims[3];
    const int32_t off = p->in_offset;
    const struct dw_scratch s = dw_scratch(p, c, cout);
    int32_t *acc = s.acc;
    const int8_t **tap_x = s.tap;
    const int8_t **tap_w = tap_x + p->kh * p->kw;
    for (int64_t b = 0; b < os->dims[0]; b++) {
        /* Rows of cout channels of sample b. */
        const int8_t *xb = x + b * h * wd * cin;
        if (p->dm > 1) {
            expand_scalar(xb, h * wd * cin, p->dm, s.xe);
            xb = s.xe;
        }
        for (int64_t oy = 0; oy < oh; oy++) {
            const int64_t iy0 = oy * p->stride_h - p->pad_h;
            for (int64_t ox = 0; ox < ow; ox++) {
                const int64_t ix0 = ox * p->stride_w - p->pad_w;
                /* Gather the in-image taps (at most taps_max, fixed at prepare). */
                int32_t nt = 0;
                for (int64_t ky = 0; ky < p->kh; ky++) {
                    const int64_t iy = iy0 + p->dil_h * ky;
                    if (iy < 0 || iy >= h)
                        continue;
                    for (int64_t kx = 0; kx < p->kw; kx++) {
                        const int64_t ix = ix0 + p->dil_w * kx;
                        if (ix < 0 || ix >= wd)
                            continue;
                        tap_x[nt] = xb + (iy * wd + ix) * cout;
                        tap_w[nt] = w + (ky * p->kw + kx) * cout;
                        nt++;
                    }
                }
                qv_dw_pixel_s8(acc, tap_x, tap_w, nt, off, cout);
                qv_requant_row_s8(acc, bias, p->mult, p->shift, cout, p->out_offset, p->act_min,
                                  p->act_max, c->rounding, out + ((b * oh + oy) * ow + ox) * cout);
            }
        }
    }
}

void qv_depthwise_conv_2d_s8(const struct qv_kernel_ctx *c)
{
    const struct dw_params *p = c->params;
#ifdef QV_S8_X86
    if (!c->plain_loops && c->scratch && p->wpack && p->rq.vec && qv_have_avx2()) {
        dw_fast_avx2(p, c);
        return;
    }
#endif
    if (!c->plain_loops && c->scratch)
        dw_fast(p, c);
    else
        dw_plain(p, c);
}
