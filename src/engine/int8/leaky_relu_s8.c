/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LEAKY_RELU int8 (spec §5.18): TFLM leaky_relu_common.cc (CalculateOpDataLeakyRelu: float
 * products/divides widened afterwards) and reference_ops::QuantizeLeakyRelu. A negative alpha
 * gives a negative alpha multiplier, used as is by MultiplyByQuantizedMultiplier (TFLM does not
 * negate; the spec's "±MBQM(v, |Ma|)" can differ from it on rounding ties).
 */
#include "engine/kernel.h"
#include "engine/int8/kernels_s8.h"

struct leaky_params {
    int32_t z_in, z_out, m_alpha, m_id;
    int s_alpha, s_id;
};

enum qv_status qv_leaky_relu_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st = qv_s8_need_unary_quant(c, &s_in, &z_in, &s_out, &z_out, err);
    if (st != QV_OK)
        return st;
    struct leaky_params *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    const float alpha = c->node->attrs.alpha;
    qv_quantize_multiplier((double)(s_in * alpha / s_out), c->rounding, &p->m_alpha, &p->s_alpha);
    qv_quantize_multiplier((double)(s_in / s_out), c->rounding, &p->m_id, &p->s_id);
    p->z_in = z_in;
    p->z_out = z_out;
    return QV_OK;
}

void qv_leaky_relu_s8(const struct qv_kernel_ctx *c)
{
    const struct leaky_params *p = c->params;
    const int8_t *x = c->in[0]->data;
    int8_t *out = c->out[0]->data;
    const int64_t n = qv_shape_elems(&c->in[0]->shape);
    for (int64_t i = 0; i < n; i++) {
        const int32_t v = x[i] - p->z_in;
        const int32_t r = v >= 0 ? qv_mbqm(v, p->m_id, p->s_id, c->rounding)
                                 : qv_mbqm(v, p->m_alpha, p->s_alpha, c->rounding);
        out[i] = (int8_t)qv_clamp_i32(p->z_out + r, -128, 127);
    }
}
