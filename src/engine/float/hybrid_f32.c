/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TFLite's hybrid kernels (hybrid_f32.h): the arithmetic, then the glue the three float op
 * files call when the engine marks a node hybrid (struct qv_kernel_ctx.hybrid).
 *
 * Every float step is its own statement, in TFLite's order, so that no compiler contracts a
 * product and a sum into one fused multiply-add the reference kernels do not use. The one place
 * the reference does keep a product unrounded (z + x * inv in the asymmetric input quantization)
 * is computed in double, where the product of two floats is exact.
 */
#include <math.h>
#include <string.h>

#include "core/ops/ops_common.h"
#include "engine/float/float_common.h"
#include "engine/float/hybrid_f32.h"

/* ---- input quantization ------------------------------------------------------------------ */

/* TfLiteRound (std::round, half away from zero) to int32, saturating, NaN to 0. */
static int32_t round_sat(double v, int32_t lo, int32_t hi)
{
    if (!(v == v))
        return 0;
    v = round(v);
    return v < lo ? lo : (v > hi ? hi : (int32_t)v);
}

void qv_hybrid_quantize_asym(const float *x, int64_t n, int8_t *q, float *ret_scale,
                             int32_t *ret_zero_point)
{
    float lo = 0.0f, hi = 0.0f;
    for (int64_t i = 0; i < n; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    if (lo == hi) {
        memset(q, 0, (size_t)n);
        *ret_scale = 1.0f;
        *ret_zero_point = 0;
        return;
    }
    const float range = hi - lo;   /* in float, as the reference kernels observed form it */
    const double scale = (double)range / 255.0;
    const double zmin = -128.0 - (double)lo / scale, zmax = 127.0 - (double)hi / scale;
    const double emin = 128.0 + fabs((double)lo / scale), emax = 127.0 + fabs((double)hi / scale);
    const double zd = emin < emax ? zmin : zmax;
    const int32_t zp = zd <= -128.0 ? -128 : (zd >= 127.0 ? 127 : (int32_t)round(zd));
    const float sf = (float)scale;
    const float inv = 1.0f / sf;
    for (int64_t i = 0; i < n; i++)
        q[i] = (int8_t)round_sat((double)zp + (double)x[i] * (double)inv, -128, 127);
    *ret_scale = sf;
    *ret_zero_point = zp;
}

void qv_hybrid_quantize_sym(const float *x, int64_t n, int8_t *q, float *ret_scale)
{
    float lo = 0.0f, hi = 0.0f;
    for (int64_t i = 0; i < n; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    const float r = fabsf(lo) > fabsf(hi) ? fabsf(lo) : fabsf(hi);
    if (r == 0.0f) {
        memset(q, 0, (size_t)n);
        *ret_scale = 1.0f;
        return;
    }
    const float inv = 127.0f / r;
    for (int64_t i = 0; i < n; i++) {
        const float v = x[i] * inv;
        q[i] = (int8_t)round_sat((double)v, -127, 127);
    }
    *ret_scale = r / 127.0f;
}

/* ---- CONV_2D and DEPTHWISE_CONV_2D ------------------------------------------------------- */

size_t qv_conv_2d_hybrid_get_buffer_size(const struct qv_dims *in_dims)
{
    return (size_t)(in_dims->h * in_dims->w * in_dims->c);
}

size_t qv_depthwise_conv_2d_hybrid_get_buffer_size(const struct qv_dims *in_dims)
{
    return qv_conv_2d_hybrid_get_buffer_size(in_dims);
}

/* bias + activation clamp, one statement per step. */
static inline float finish(float y, const float *bias, int64_t c, float lo, float hi)
{
    if (bias)
        y = y + bias[c];
    return qv_f32_clamp(y, lo, hi);
}

void qv_conv_2d_hybrid(const struct qv_hybrid_params *p, void *scratch,
                       const struct qv_dims *in_dims, const float *in,
                       const struct qv_dims *filter_dims, const int8_t *filter,
                       const float *bias, const struct qv_dims *out_dims, float *out)
{
    const int64_t h = in_dims->h, w = in_dims->w, cin = in_dims->c;
    const int64_t kh = filter_dims->h, kw = filter_dims->w, fcin = filter_dims->c;
    const int64_t groups = cin / fcin, cout_g = filter_dims->n / groups;
    const int64_t sample = h * w * cin;
    int8_t *q = scratch;
    for (int64_t b = 0; b < out_dims->n; b++) {
        float sx;
        int32_t zx = 0;
        if (p->asymmetric)
            qv_hybrid_quantize_asym(in + b * sample, sample, q, &sx, &zx);
        else
            qv_hybrid_quantize_sym(in + b * sample, sample, q, &sx);
        const float sf = p->per_channel ? sx : sx * p->filter_scale[0];
        for (int64_t oy = 0; oy < out_dims->h; oy++) {
            const int64_t iy0 = oy * p->stride_h - p->pad_h;
            for (int64_t ox = 0; ox < out_dims->w; ox++) {
                const int64_t ix0 = ox * p->stride_w - p->pad_w;
                float *o = out + ((b * out_dims->h + oy) * out_dims->w + ox) * out_dims->c;
                for (int64_t oc = 0; oc < out_dims->c; oc++) {
                    const int64_t g = oc / cout_g;
                    int32_t acc = 0;
                    for (int64_t ky = 0; ky < kh; ky++) {
                        const int64_t iy = iy0 + p->dilation_h * ky;
                        for (int64_t kx = 0; kx < kw; kx++) {
                            const int64_t ix = ix0 + p->dilation_w * kx;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                continue;
                            const int8_t *xp = q + (iy * w + ix) * cin + g * fcin;
                            const int8_t *wp = filter + ((oc * kh + ky) * kw + kx) * fcin;
                            for (int64_t ic = 0; ic < fcin; ic++)
                                acc = qv_wrap_add(acc, wp[ic] * (xp[ic] - zx));
                        }
                    }
                    float y = (float)acc;
                    if (p->per_channel) {
                        y = y * p->filter_scale[oc];
                        y = y * sf;
                    } else {
                        y = y * sf;
                    }
                    o[oc] = finish(y, bias, oc, p->act_min, p->act_max);
                }
            }
        }
    }
}

void qv_depthwise_conv_2d_hybrid(const struct qv_hybrid_params *p, void *scratch,
                                 const struct qv_dims *in_dims, const float *in,
                                 const struct qv_dims *filter_dims, const int8_t *filter,
                                 const float *bias, const struct qv_dims *out_dims, float *out)
{
    const int64_t h = in_dims->h, w = in_dims->w, cin = in_dims->c, cout = out_dims->c;
    const int64_t kh = filter_dims->h, kw = filter_dims->w, dm = p->depth_multiplier;
    const int64_t sample = h * w * cin;
    int8_t *q = scratch;
    for (int64_t b = 0; b < out_dims->n; b++) {
        float sx;
        int32_t zx = 0;
        if (p->asymmetric)
            qv_hybrid_quantize_asym(in + b * sample, sample, q, &sx, &zx);
        else
            qv_hybrid_quantize_sym(in + b * sample, sample, q, &sx);
        for (int64_t oy = 0; oy < out_dims->h; oy++) {
            const int64_t iy0 = oy * p->stride_h - p->pad_h;
            for (int64_t ox = 0; ox < out_dims->w; ox++) {
                const int64_t ix0 = ox * p->stride_w - p->pad_w;
                float *o = out + ((b * out_dims->h + oy) * out_dims->w + ox) * cout;
                for (int64_t oc = 0; oc < cout; oc++) {
                    const int64_t ic = oc / dm;
                    int32_t acc = 0;
                    for (int64_t ky = 0; ky < kh; ky++) {
                        const int64_t iy = iy0 + p->dilation_h * ky;
                        for (int64_t kx = 0; kx < kw; kx++) {
                            const int64_t ix = ix0 + p->dilation_w * kx;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                continue;
                            acc = qv_wrap_add(acc, filter[(ky * kw + kx) * cout + oc] *
                                                       (q[(iy * w + ix) * cin + ic] - zx));
                        }
                    }
                    const float s = p->filter_scale[p->per_channel ? oc : 0] * sx;
                    const float y = (float)acc * s;
                    o[oc] = finish(y, bias, oc, p->act_min, p->act_max);
                }
            }
        }
    }
}

/* ---- FULLY_CONNECTED --------------------------------------------------------------------- */

size_t qv_fully_connected_hybrid_get_buffer_size(int64_t depth)
{
    return (size_t)depth;
}

void qv_fully_connected_hybrid(const struct qv_hybrid_params *p, void *scratch, int64_t rows,
                               int64_t units, int64_t depth, const float *in,
                               const int8_t *filter, const float *bias, float *out)
{
    int8_t *q = scratch;
    for (int64_t r = 0; r < rows; r++) {
        float sx;
        int32_t zx = 0;
        if (p->asymmetric)
            qv_hybrid_quantize_asym(in + r * depth, depth, q, &sx, &zx);
        else
            qv_hybrid_quantize_sym(in + r * depth, depth, q, &sx);
        for (int64_t u = 0; u < units; u++) {
            const int8_t *wr = filter + u * depth;
            int32_t dot = 0, wsum = 0;
            for (int64_t d = 0; d < depth; d++) {
                dot = qv_wrap_add(dot, wr[d] * q[d]);
                wsum = qv_wrap_add(wsum, wr[d]);
            }
            const int32_t acc = qv_wrap_sub(dot, qv_wrap_mul(wsum, zx));
            const float s = sx * p->filter_scale[p->per_channel ? u : 0];
            const float y = (float)acc * s;
            out[r * units + u] = finish(y, bias, u, p->act_min, p->act_max);
        }
    }
}

/* ---- engine glue ------------------------------------------------------------------------- */

enum qv_status qv_hybrid_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_node *n = c->node;
    const struct qv_tensor *wt = c->in[1]->t;
    const struct qv_attrs *a = &n->attrs;
    const int64_t channels = n->op == QV_OP_CONV_2D             ? wt->shape.dims[0]
                             : n->op == QV_OP_DEPTHWISE_CONV_2D ? wt->shape.dims[3]
                                                                : wt->shape.dims[0];
    if (wt->dtype != QV_DTYPE_I8)
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "%s '%s': hybrid weights '%s' are %s; TFLite's hybrid kernels take "
                            "int8 (run with the dequantized weights instead)",
                            qv_op_name(n->op), n->name, wt->name, qv_dtype_name(wt->dtype));
    for (int32_t i = 0; i < wt->quant.count; i++)
        if (wt->quant.zero_point[i] != 0)
            return qv_fail_node(err, QV_E_INPUT, c->node_index,
                                "%s '%s': hybrid weights '%s' have zero point %d; TFLite's "
                                "hybrid kernels take symmetric weights (zero point 0)",
                                qv_op_name(n->op), n->name, wt->name, wt->quant.zero_point[i]);
    if (wt->quant.count != 1 && wt->quant.count != channels)
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "%s '%s': hybrid weights '%s' have %d scales for %lld channels",
                            qv_op_name(n->op), n->name, wt->name, wt->quant.count,
                            (long long)channels);
    struct qv_hybrid_params *p = qv_f32_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    p->stride_h = a->stride_h;
    p->stride_w = a->stride_w;
    p->dilation_h = a->dilation_h;
    p->dilation_w = a->dilation_w;
    p->depth_multiplier = a->depth_multiplier;
    p->filter_scale = wt->quant.scale;
    p->per_channel = wt->quant.count > 1;
    /* Input quantization: FULLY_CONNECTED by its option; DEPTHWISE_CONV_2D always asymmetric
     * (EvalHybridPerChannel); CONV_2D asymmetric with per-channel weights
     * (EvalHybridPerChannel), symmetric with one scale (EvalHybrid). */
    if (n->op == QV_OP_FULLY_CONNECTED)
        p->asymmetric = a->asymmetric_quantize_inputs;
    else
        p->asymmetric = n->op == QV_OP_DEPTHWISE_CONV_2D || p->per_channel;
    qv_f32_act_range(a->act, &p->act_min, &p->act_max);
    if (n->op == QV_OP_FULLY_CONNECTED) {
        c->scratch_size = qv_fully_connected_hybrid_get_buffer_size(wt->shape.dims[1]);
        return QV_OK;
    }
    const struct qv_shape *x = &c->in[0]->shape;
    qv_compute_padding(x->dims[1], (int32_t)wt->shape.dims[1], a->stride_h, a->dilation_h,
                       a->padding, NULL, &p->pad_h);
    qv_compute_padding(x->dims[2], (int32_t)wt->shape.dims[2], a->stride_w, a->dilation_w,
                       a->padding, NULL, &p->pad_w);
    const struct qv_dims xd = { x->dims[0], x->dims[1], x->dims[2], x->dims[3] };
    c->scratch_size = qv_conv_2d_hybrid_get_buffer_size(&xd);
    return QV_OK;
}
