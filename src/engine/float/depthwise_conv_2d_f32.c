/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DEPTHWISE_CONV_2D, float32 (TFLite semantics): input [N,H,W,Cin], filter [1,KH,KW,Cin*M],
 * optional bias [Cin*M], output [N,OH,OW,Cin*M] with M the depth multiplier; output channel
 * ic*M + m reads input channel ic. Stride, dilation, SAME/VALID, fused activation.
 *
 * The arithmetic (qv_depthwise_conv_2d_f32, kernels_f32.h) is TFLite's reference order for
 * every variant: per output element, the products of the taps inside the image added one by one
 * in (ky, kx) order, then + bias, then the clamp. The C variant accumulates each tap into the
 * output row (any depth multiplier); the AVX2 and AVX-512 variants (depth multiplier 1,
 * gemm_f32_x86.h) keep a vector of channels in a register over the taps. The plain loops and
 * the fast path are the same arithmetic.
 */
#include <string.h>

#include "engine/kernel.h"
#include "engine/float/float_common.h"
#include "engine/float/gemm_f32_x86.h"
#include "engine/float/hybrid_f32.h"
#include "engine/float/kernels_f32.h"

bool qv_f32_variant_available(enum qv_f32_variant v)
{
    switch (v) {
    case QV_F32_C: return true;
#ifdef QV_F32_X86
    case QV_F32_AVX2: return qv_f32_have_avx2_fma();
    case QV_F32_AVX512: return qv_f32_have_avx2_fma() && qv_f32_have_avx512();
#endif
    default: return false;
    }
}

const char *qv_f32_variant_name(enum qv_f32_variant v)
{
    static const char *const names[QV_F32_VARIANT_COUNT] = {
        [QV_F32_C] = "c", [QV_F32_AVX2] = "avx2", [QV_F32_AVX512] = "avx512"
    };
    return (unsigned)v < QV_F32_VARIANT_COUNT ? names[v] : "?";
}

enum qv_f32_variant qv_f32_variant_best(void)
{
    for (int v = QV_F32_VARIANT_COUNT - 1; v > QV_F32_C; v--)
        if (qv_f32_variant_available((enum qv_f32_variant)v))
            return (enum qv_f32_variant)v;
    return QV_F32_C;
}

/* Any depth multiplier: each tap accumulates into the output row (vectorizable over
 * channels). */
static void dwconv_c(const struct qv_depthwise_conv_2d_f32_params *p, const struct qv_dims *id,
                     const float *in, const struct qv_dims *fd, const float *filt,
                     const float *bias, const struct qv_dims *od, float *out)
{
    const int64_t dm = p->depth_multiplier, cout = od->c, cin = id->c;
    for (int64_t b = 0; b < od->n; b++) {
        const float *img = in + b * id->h * id->w * cin;
        for (int64_t oy = 0; oy < od->h; oy++) {
            for (int64_t ox = 0; ox < od->w; ox++, out += cout) {
                int64_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
                memset(out, 0, (size_t)cout * sizeof(float));
                for (int64_t ky = 0; ky < fd->h; ky++) {
                    int64_t iy = y0 + ky * p->dilation_h;
                    if (iy < 0 || iy >= id->h)
                        continue;
                    for (int64_t kx = 0; kx < fd->w; kx++) {
                        int64_t ix = x0 + kx * p->dilation_w;
                        if (ix < 0 || ix >= id->w)
                            continue;
                        const float *px = img + (iy * id->w + ix) * cin;
                        const float *fk = filt + (ky * fd->w + kx) * cout;
                        if (dm == 1) {
                            for (int64_t oc = 0; oc < cout; oc++)
                                out[oc] += px[oc] * fk[oc];
                        } else {
                            for (int64_t ic = 0; ic < cin; ic++)
                                for (int64_t m = 0; m < dm; m++)
                                    out[ic * dm + m] += px[ic] * fk[ic * dm + m];
                        }
                    }
                }
                for (int64_t oc = 0; oc < cout; oc++)
                    out[oc] = qv_f32_clamp(out[oc] + (bias ? bias[oc] : 0.0f), p->act_min,
                                           p->act_max);
            }
        }
    }
}

void qv_depthwise_conv_2d_f32(const struct qv_depthwise_conv_2d_f32_params *p,
                              const struct qv_dims *in_dims, const float *in,
                              const struct qv_dims *filter_dims, const float *filter,
                              const float *bias, const struct qv_dims *out_dims, float *out)
{
#ifdef QV_F32_X86
    if (p->depth_multiplier == 1 && p->variant == QV_F32_AVX512) {
        qv_dwconv_f32_avx512(p, in_dims, in, filter_dims, filter, bias, out_dims, out);
        return;
    }
    if (p->depth_multiplier == 1 && p->variant == QV_F32_AVX2) {
        qv_dwconv_f32_avx2(p, in_dims, in, filter_dims, filter, bias, out_dims, out);
        return;
    }
#endif
    dwconv_c(p, in_dims, in, filter_dims, filter, bias, out_dims, out);
}

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
    /* The arithmetic's parameters, variant chosen once. */
    struct qv_depthwise_conv_2d_f32_params *p = qv_f32_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    struct qv_f32_window w;
    qv_f32_window_init(&w, c, f->shape.dims[1], f->shape.dims[2], n->attrs.dilation_h,
                       n->attrs.dilation_w);
    p->stride_h = n->attrs.stride_h;
    p->stride_w = n->attrs.stride_w;
    p->dilation_h = n->attrs.dilation_h;
    p->dilation_w = n->attrs.dilation_w;
    p->depth_multiplier = dm;
    p->pad_h = w.pad_h;
    p->pad_w = w.pad_w;
    qv_f32_act_range(n->attrs.act, &p->act_min, &p->act_max);
    p->variant = c->plain_loops ? QV_F32_C : qv_f32_variant_best();
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
    const struct qv_shape *xs = &c->in[0]->shape, *fs = &c->in[1]->shape;
    const struct qv_shape *os = &c->out[0]->shape;
    const struct qv_dims xd = { xs->dims[0], xs->dims[1], xs->dims[2], xs->dims[3] };
    const struct qv_dims fd = { fs->dims[0], fs->dims[1], fs->dims[2], fs->dims[3] };
    const struct qv_dims od = { os->dims[0], os->dims[1], os->dims[2], os->dims[3] };
    qv_depthwise_conv_2d_f32(c->params, &xd, c->in[0]->data, &fd, c->in[1]->data,
                             c->n_in > 2 && c->in[2] ? c->in[2]->data : NULL, &od,
                             c->out[0]->data);
}
