/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AVERAGE_POOL_2D, float32 (TFLite reference_ops::AveragePool): each output is the sum of the
 * window's in-image cells divided by their count (padding cells are not counted), then the
 * fused activation. Windows come from attrs filter_h/filter_w, stride and SAME/VALID.
 */
#include "core/op_impl.h"
#include "engine/float/float_common.h"

enum qv_status qv_average_pool_2d_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_node *n = c->node;
    enum qv_status st = qv_f32_check_window(c, false, err);
    if (st != QV_OK)
        return st;
    if (n->attrs.filter_h < 1 || n->attrs.filter_w < 1)
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "AVERAGE_POOL_2D '%s': filter %dx%d must be >= 1", n->name,
                            n->attrs.filter_h, n->attrs.filter_w);
    if (c->in[0]->shape.dims[3] != c->out[0]->shape.dims[3])
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "AVERAGE_POOL_2D '%s': %lld input channels, %lld output channels",
                            n->name, (long long)c->in[0]->shape.dims[3],
                            (long long)c->out[0]->shape.dims[3]);
    return QV_OK;
}

void qv_average_pool_2d_f32(const struct qv_kernel_ctx *c)
{
    const struct qv_attrs *a = &c->node->attrs;
    struct qv_f32_window w;
    qv_f32_window_init(&w, c, a->filter_h, a->filter_w, 1, 1);
    const float *in = c->in[0]->data;
    float *out = c->out[0]->data;
    const int64_t ch = w.in_c;
    float lo, hi;
    qv_f32_act_range(a->act, &lo, &hi);

    for (int64_t b = 0; b < w.n; b++) {
        const float *img = in + b * w.in_h * w.in_w * ch;
        for (int64_t oy = 0; oy < w.out_h; oy++) {
            int64_t y0 = oy * w.stride_h - w.pad_h;
            int64_t ky0 = y0 < 0 ? -y0 : 0;
            int64_t ky1 = w.in_h - y0 < w.k_h ? w.in_h - y0 : w.k_h;
            for (int64_t ox = 0; ox < w.out_w; ox++, out += ch) {
                int64_t x0 = ox * w.stride_w - w.pad_w;
                int64_t kx0 = x0 < 0 ? -x0 : 0;
                int64_t kx1 = w.in_w - x0 < w.k_w ? w.in_w - x0 : w.k_w;
                for (int64_t k = 0; k < ch; k++)
                    out[k] = 0.0f;
                int64_t count = 0;
                for (int64_t ky = ky0; ky < ky1; ky++) {
                    for (int64_t kx = kx0; kx < kx1; kx++, count++) {
                        const float *px = img + ((y0 + ky) * w.in_w + x0 + kx) * ch;
                        for (int64_t k = 0; k < ch; k++)
                            out[k] += px[k];
                    }
                }
                /* TFLite divides by the float count; an empty window (impossible for valid
                 * shapes) would give 0/0, so keep 0 instead. */
                for (int64_t k = 0; k < ch; k++)
                    out[k] = qv_f32_clamp(count ? out[k] / (float)count : 0.0f, lo, hi);
            }
        }
    }
}
