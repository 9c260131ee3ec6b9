/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RELU int8 standalone (docs/int8-arithmetic.md §5.19): TFLM activations_common.cc
 * (CalculateReluOpData, ReluQuantized). Requantizes: out = clamp(z_out + MBQM(q - z_in, M, s),
 * max(-128, z_out), 127). The multiplier follows current TFLM: (double)s_in / (double)s_out;
 * docs/int8-arithmetic.md §2.3 (TFLM @90b983c2) has a float divide widened afterwards.
 */
#include <math.h>

#include "engine/int8/node_s8.h"

void qv_relu_s8(const struct qv_relu_s8_params *p, int64_t n, const int8_t *in, int8_t *out)
{
    if (p->lut) {   /* a fast variant: this loop's results on all 256 codes */
        qv_lut1_s8(p->lut, n, in, out);
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        const int32_t v = qv_wrap_add(
            p->output_offset,
            qv_mbqm(in[i] + p->input_offset, p->multiplier, p->shift, p->rounding));
        out[i] = (int8_t)qv_clamp_i32(v, p->act_min, p->act_max);
    }
}

enum qv_status qv_relu_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st = qv_s8_need_unary_quant(c, &s_in, &z_in, &s_out, &z_out, err);
    if (st != QV_OK)
        return st;
    /* the fast variants' table of the op (lut_s8.h) after the struct */
    const bool table = qv_s8_node_variant(c) != QV_S8_PLAIN;
    const size_t head = qv_s8_align64(sizeof(struct qv_relu_s8_params));
    struct qv_relu_s8_params *p = qv_s8_params_alloc(c, head + (table ? 256 : 0), err);
    if (!p)
        return QV_E_NOMEM;
    if ((st = qv_s8_multiplier(c, 0, (double)s_in / (double)s_out, "requantization",
                               &p->multiplier, &p->shift, err)) != QV_OK)
        return st;
    const int32_t lo = z_out + (int32_t)roundf(0.0f / s_out);
    p->act_min = lo > -128 ? lo : -128;
    p->act_max = 127;
    p->input_offset = -z_in;
    p->output_offset = z_out;
    p->rounding = c->rounding;
    if (table) {
        int8_t codes[256];
        qv_lut1_s8_codes(codes);
        qv_relu_s8(p, 256, codes, (int8_t *)p + head);   /* p->lut is still NULL: the loop */
        p->lut = (int8_t *)p + head;
    }
    return QV_OK;
}

void qv_relu_s8_eval(const struct qv_kernel_ctx *c)
{
    qv_relu_s8(c->params, qv_s8_elems(c->in[0]), c->in[0]->data, c->out[0]->data);
}
