/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LEAKY_RELU int8 (docs/int8-arithmetic.md §5.18): TFLM leaky_relu_common.cc
 * (CalculateOpDataLeakyRelu: float products/divides widened afterwards) and
 * reference_ops::QuantizeLeakyRelu. A negative alpha gives a negative alpha multiplier, used as is
 * by MultiplyByQuantizedMultiplier (TFLM does not negate; docs/int8-arithmetic.md §5.18's "±MBQM(v,
 * |Ma|)" can differ from it on rounding ties).
 */
#include "engine/int8/node_s8.h"

void qv_leaky_relu_s8(const struct qv_leaky_relu_s8_params *p, int64_t n, const int8_t *in,
                      int8_t *out)
{
    if (p->lut) {   /* a fast variant: this loop's results on all 256 codes */
        qv_lut1_s8(p->lut, n, in, out);
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        const int32_t v = in[i] + p->input_offset;
        const int32_t r = v >= 0 ? qv_mbqm(v, p->m_identity, p->s_identity, p->rounding)
                                 : qv_mbqm(v, p->m_alpha, p->s_alpha, p->rounding);
        out[i] = (int8_t)qv_clamp_i32(qv_wrap_add(p->output_offset, r), -128, 127);
    }
}

enum qv_status qv_leaky_relu_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st = qv_s8_need_unary_quant(c, &s_in, &z_in, &s_out, &z_out, err);
    if (st != QV_OK)
        return st;
    /* the fast variants' table of the op (lut_s8.h) after the struct */
    const bool table = qv_s8_node_variant(c) != QV_S8_PLAIN;
    const size_t head = qv_s8_align64(sizeof(struct qv_leaky_relu_s8_params));
    struct qv_leaky_relu_s8_params *p = qv_s8_params_alloc(c, head + (table ? 256 : 0), err);
    if (!p)
        return QV_E_NOMEM;
    const float alpha = c->node->attrs.alpha;
    if ((st = qv_s8_multiplier(c, 0, (double)(s_in * alpha / s_out), "alpha", &p->m_alpha,
                               &p->s_alpha, err)) != QV_OK ||
        (st = qv_s8_multiplier(c, 0, (double)(s_in / s_out), "identity", &p->m_identity,
                               &p->s_identity, err)) != QV_OK)
        return st;
    p->input_offset = -z_in;
    p->output_offset = z_out;
    p->rounding = c->rounding;
    if (table) {
        int8_t codes[256];
        qv_lut1_s8_codes(codes);
        qv_leaky_relu_s8(p, 256, codes, (int8_t *)p + head);   /* p->lut is still NULL: the loop */
        p->lut = (int8_t *)p + head;
    }
    return QV_OK;
}

void qv_leaky_relu_s8_eval(const struct qv_kernel_ctx *c)
{
    qv_leaky_relu_s8(c->params, qv_s8_elems(c->in[0]), c->in[0]->data, c->out[0]->data);
}
