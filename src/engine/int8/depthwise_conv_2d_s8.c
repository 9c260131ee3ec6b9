/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DEPTHWISE_CONV_2D int8 (spec §5.2, §2.3): TFLM depthwise_conv_common.cc
 * (CalculateOpDataDepthwiseConv) and reference_integer_ops::DepthwiseConvPerChannel.
 * x [N, H, W, Cin], filter [1, KH, KW, Cout] (per-axis on dim 3), bias [Cout], out
 * [N, OH, OW, Cout] with Cout = Cin * depth_multiplier (the multiplier from the options).
 * Output channel oc = ic * dm + m reads input channel ic with filter column oc.
 *
 * Fast path: per output pixel, accumulate every channel at once over the in-image taps (a
 * contiguous, vectorizable loop over channels), then requantize. Same sums, same order of
 * int32 wrapping additions is irrelevant (addition is associative modulo 2^32).
 */
#include "core/op_impl.h"
#include "core/ops/ops_common.h"
#include "engine/int8/kernels_s8.h"

struct dw_params {
    int32_t in_offset, out_offset, act_min, act_max;
    int32_t stride_h, stride_w, dil_h, dil_w, dm;
    int64_t pad_h, pad_w, kh, kw;
    int32_t *mult, *shift; /* [cout] */
};

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
    size_t off_mult = qv_s8_align64(sizeof(struct dw_params));
    size_t off_shift = off_mult + qv_s8_align64((size_t)cout * 4);
    struct dw_params *p = qv_s8_params_alloc(c, off_shift + (size_t)cout * 4, err);
    if (!p)
        return QV_E_NOMEM;
    p->mult = (int32_t *)((char *)p + off_mult);
    p->shift = (int32_t *)((char *)p + off_shift);
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
    if (!c->plain_loops)
        c->scratch_size = qv_s8_align64((size_t)cout * sizeof(int32_t)) +
                          2 * (size_t)(p->kh * p->kw) * sizeof(const int8_t *);
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

static void dw_fast(const struct dw_params *p, const struct qv_kernel_ctx *c)
{
    const struct qv_shape *xs = &c->in[0]->shape, *os = &c->out[0]->shape;
    const int8_t *x = c->in[0]->data, *w = c->in[1]->data;
    const int32_t *bias = c->n_in > 2 && c->in[2] ? c->in[2]->data : NULL;
    int8_t *out = c->out[0]->data;
    const int64_t h = xs->dims[1], wd = xs->dims[2], cin = xs->dims[3];
    const int64_t oh = os->dims[1], ow = os->dims[2], cout = os->dims[3];
    const int32_t off = p->in_offset;
    int32_t *acc = c->scratch;
    const int8_t **tap_x = (const int8_t **)((char *)c->scratch + qv_s8_align64((size_t)cout * 4));
    const int8_t **tap_w = tap_x + p->kh * p->kw;
    for (int64_t b = 0; b < os->dims[0]; b++)
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
                        tap_x[nt] = x + ((b * h + iy) * wd + ix) * cin;
                        tap_w[nt] = w + (ky * p->kw + kx) * cout;
                        nt++;
                    }
                }
                if (p->dm == 1) {
                    qv_dw_pixel_s8(acc, tap_x, tap_w, nt, off, cout);
                } else {
                    for (int64_t oc = 0; oc < cout; oc++)
                        acc[oc] = 0;
                    for (int32_t t = 0; t < nt; t++)
                        for (int64_t ic = 0; ic < cin; ic++) {
                            const int32_t xv = tap_x[t][ic] + off;
                            for (int64_t m = 0; m < p->dm; m++)
                                acc[ic * p->dm + m] = qv_wrap_add(acc[ic * p->dm + m],
                                                                  tap_w[t][ic * p->dm + m] * xv);
                        }
                }
                qv_requant_row_s8(acc, bias, p->mult, p->shift, cout, p->out_offset, p->act_min,
                                  p->act_max, c->rounding, out + ((b * oh + oy) * ow + ox) * cout);
            }
        }
}

void qv_depthwise_conv_2d_s8(const struct qv_kernel_ctx *c)
{
    const struct dw_params *p = c->params;
    if (!c->plain_loops && c->scratch)
        dw_fast(p, c);
    else
        dw_plain(p, c);
}
