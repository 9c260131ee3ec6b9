/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DEPTHWISE_CONV_2D, float32 (TFLite semantics): input [N,H,W,Cin], filter [1,KH,KW,Cin*M],
 * optional bias [Cin*M], output [N,OH,OW,Cin*M] with M the depth multiplier; output channel
 * ic*M + m reads input channel ic. Stride, dilation, SAME/VALID, fused activation.
 *
 * Per output pixel the taps accumulate into the output row (vectorizable over channels), then
 * bias and activation: the same per-element order as TFLite's reference (taps in (ky, kx) order,
 * then + bias, then clamp).
 */
#include <string.h>

#include "engine/kernel.h"
#include "engine/float/float_common.h"
#include "engine/float/hybrid_f32.h"

enum qv_status qv_depthwise_conv_2d_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_node *n = c->node;
    enum qv_status st = qv_f32_check_window(c, true, err);
    if (st != QV_OK)
        return st;
    const struct qv_tensor_view *f = c->in[1];
    const struct qv_tensor_view *b = c->n_in > 2 ? c->in[2] : NULL;
    int64_t cin = c->in[0]->shape.dims[3], cout = c->out[0]->shape.dims[3];
    int32_t dm = n->attrs.depth_multiplier;
    if (f->shape.rank != 4 || !qv_f32_is_real(f) || f->shape.dims[0] != 1 ||
        f->shape.dims[3] != cout)
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "DEPTHWISE_CONV_2D '%s': filter '%s' must be a float or quantized "
                            "[1, KH, KW, %lld] tensor",
                            n->name, f->t->name, (long long)cout);
    if (dm < 1 || cin * dm != cout)
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "DEPTHWISE_CONV_2D '%s': %lld input channels x depth multiplier %d "
                            "!= %lld output channels",
                            n->name, (long long)cin, dm, (long long)cout);
    if (b && (!qv_f32_is_real(b) || qv_shape_elems(&b->shape) != cout))
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "DEPTHWISE_CONV_2D '%s': bias '%s' must hold %lld float or quantized "
                            "values",
                            n->name, b->t->name, (long long)cout);
    if (c->hybrid)
        return qv_hybrid_prepare(c, err);
    return QV_OK;
}

void qv_depthwise_conv_2d_f32_eval(const struct qv_kernel_ctx *c)
{
    if (c->hybrid) {
        const struct qv_shape *xs = &c->in[0]->shape, *fs = &c->in[1]->shape;
        const struct qv_shape *os = &c->out[0]->shape;
        const struct qv_dims xd = { xs->dims[0], xs->dims[1], xs->dims[2], xs->dims[3] };
        const struct qv_dims fd = { fs->dims[0], fs->dims[1], fs->dims[2], fs->dims[3] };
        const struct qv_dims od = { os->dims[0], os->dims[1], os->dims[2], os->dims[3] };
        qv_depthwise_conv_2d_hybrid(c->params, c->scratch, &xd, c->in[0]->data, &fd,
                                    c->in[1]->t->data,
                                    c->n_in > 2 && c->in[2] ? c->in[2]->data : NULL, &od,
                                    c->out[0]->data);
        return;
    }
    const struct qv_shape *fs = &c->in[1]->shape;
    const struct qv_attrs *a = &c->node->attrs;
    struct qv_f32_window w;
    qv_f32_window_init(&w, c, fs->dims[1], fs->dims[2], a->dilation_h, a->dilation_w);
    const float *in = c->in[0]->data, *filt = c->in[1]->data;
    const float *bias = c->n_in > 2 && c->in[2] ? c->in[2]->data : NULL;
    float *out = c->out[0]->data;
    const int64_t dm = a->depth_multiplier, cout = w.out_c;
    float lo, hi;
    qv_f32_act_range(a->act, &lo, &hi);

    for (int64_t b = 0; b < w.n; b++) {
        const float *img = in + b * w.in_h * w.in_w * w.in_c;
        for (int64_t oy = 0; oy < w.out_h; oy++) {
            for (int64_t ox = 0; ox < w.out_w; ox++, out += cout) {
                int64_t y0 = oy * w.stride_h - w.pad_h, x0 = ox * w.stride_w - w.pad_w;
                memset(out, 0, (size_t)cout * sizeof(float));
                for (int64_t ky = 0; ky < w.k_h; ky++) {
                    int64_t iy = y0 + ky * w.dil_h;
                    if (iy < 0 || iy >= w.in_h)
                        continue;
                    for (int64_t kx = 0; kx < w.k_w; kx++) {
                        int64_t ix = x0 + kx * w.dil_w;
                        if (ix < 0 || ix >= w.in_w)
                            continue;
                        const float *px = img + (iy * w.in_w + ix) * w.in_c;
                        const float *fk = filt + (ky * w.k_w + kx) * cout;
                        if (dm == 1) {
                            for (int64_t oc = 0; oc < cout; oc++)
                                out[oc] += px[oc] * fk[oc];
                        } else {
                            for (int64_t ic = 0; ic < w.in_c; ic++)
                                for (int64_t m = 0; m < dm; m++)
                                    out[ic * dm + m] += px[ic] * fk[ic * dm + m];
                        }
                    }
                }
                for (int64_t oc = 0; oc < cout; oc++)
                    out[oc] = qv_f32_clamp(out[oc] + (bias ? bias[oc] : 0.0f), lo, hi);
            }
        }
    }
}
