/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MAX_POOL_2D int8 (spec §5.7): TFLM pooling_common.cc (PoolingPrepare) and
 * reference_integer_ops::MaxPool. Max of the in-image cells, starting from -128, then the
 * fused activation clamp. No requantization: PoolingPrepare (shared with AVERAGE_POOL_2D) requires
 * equal zero points and scales within 1e-6.
 */
#include <math.h>

#include "core/op_impl.h"
#include "core/ops/ops_common.h"
#include "engine/int8/kernels_s8.h"

struct pool_params {
    int32_t act_min, act_max, stride_h, stride_w, fh, fw;
    int64_t pad_h, pad_w;
};

enum qv_status qv_max_pool_2d_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_attrs *a = &c->node->attrs;
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st;
    if ((st = qv_s8_need_quant(c, false, 0, QV_DTYPE_I8, &s_in, &z_in, err)) != QV_OK ||
        (st = qv_s8_need_quant(c, true, 0, QV_DTYPE_I8, &s_out, &z_out, err)) != QV_OK)
        return st;
    if (z_in != z_out)
        return qv_s8_fail(c, err, "input zero point %d must equal output zero point %d",
                          (int)z_in, (int)z_out);
    if (!(fabs((double)s_in - (double)s_out) <= 1e-6))
        return qv_s8_fail(c, err, "input scale %.9g must equal output scale %.9g (within 1e-6)",
                          (double)s_in, (double)s_out);
    const struct qv_shape *x = &c->in[0]->shape;
    if (x->rank != 4 || c->out[0]->shape.rank != 4)
        return qv_s8_fail(c, err, "input and output must have rank 4");
    struct pool_params *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    qv_activation_range_s8(a->act, s_out, z_out, &p->act_min, &p->act_max);
    p->stride_h = a->stride_h;
    p->stride_w = a->stride_w;
    p->fh = a->filter_h;
    p->fw = a->filter_w;
    qv_compute_padding(x->dims[1], a->filter_h, a->stride_h, 1, a->padding, NULL, &p->pad_h);
    qv_compute_padding(x->dims[2], a->filter_w, a->stride_w, 1, a->padding, NULL, &p->pad_w);
    return QV_OK;
}

void qv_max_pool_2d_s8(const struct qv_kernel_ctx *c)
{
    const struct pool_params *p = c->params;
    const struct qv_shape *xs = &c->in[0]->shape, *os = &c->out[0]->shape;
    const int8_t *x = c->in[0]->data;
    int8_t *out = c->out[0]->data;
    const int64_t h = xs->dims[1], w = xs->dims[2], ch = xs->dims[3];
    const int64_t oh = os->dims[1], ow = os->dims[2];
    for (int64_t b = 0; b < os->dims[0]; b++)
        for (int64_t oy = 0; oy < oh; oy++)
            for (int64_t ox = 0; ox < ow; ox++) {
                const int64_t iy0 = oy * p->stride_h - p->pad_h, ix0 = ox * p->stride_w - p->pad_w;
                const int64_t fy0 = iy0 < 0 ? -iy0 : 0, fx0 = ix0 < 0 ? -ix0 : 0;
                const int64_t fy1 = p->fh < h - iy0 ? p->fh : h - iy0;
                const int64_t fx1 = p->fw < w - ix0 ? p->fw : w - ix0;
                for (int64_t cc = 0; cc < ch; cc++) {
                    int32_t m = -128;
                    for (int64_t fy = fy0; fy < fy1; fy++)
                        for (int64_t fx = fx0; fx < fx1; fx++) {
                            const int32_t v = x[((b * h + iy0 + fy) * w + ix0 + fx) * ch + cc];
                            m = v > m ? v : m;
                        }
                    out[((b * oh + oy) * ow + ox) * ch + cc] =
                        (int8_t)qv_clamp_i32(m, p->act_min, p->act_max);
                }
            }
}
