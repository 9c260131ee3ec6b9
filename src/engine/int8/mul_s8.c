/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MUL int8 (docs/int8-arithmetic.md §5.5, §2.3): TFLM mul_common.cc (CalculateOpDataMul: double
 * product) and reference_integer_ops::MulElementwise / BroadcastMul6DSlow. Broadcasting follows
 * numpy up to rank 8 with the same per-element function (qv_s8_binary_map).
 */
#include "engine/int8/binary_s8.h"

static inline int8_t mul1(const void *params, int8_t a, int8_t b)
{
    const struct qv_mul_s8_params *p = params;
    const int32_t prod = (a + p->input1_offset) * (b + p->input2_offset);
    const int32_t v =
        qv_wrap_add(qv_mbqm(prod, p->multiplier, p->shift, p->rounding), p->output_offset);
    return (int8_t)qv_clamp_i32(v, p->act_min, p->act_max);
}

void qv_mul_s8_lut_init(const struct qv_mul_s8_params *p, int8_t *lut)
{
    for (int a = -128; a < 128; a++)
        for (int b = -128; b < 128; b++)
            lut[qv_lut2_s8_index((int8_t)a, (int8_t)b)] = mul1(p, (int8_t)a, (int8_t)b);
}

void qv_mul_s8(const struct qv_mul_s8_params *p, const struct qv_shape *a_shape,
               const int8_t *a, const struct qv_shape *b_shape, const int8_t *b,
               const struct qv_shape *out_shape, int8_t *out)
{
    if (p->variant != QV_S8_PLAIN && p->lut)   /* the table of mul1 (lut_s8.h) */
        qv_lut2_s8(qv_s8_variant_lut(p->variant), p->lut, a_shape, a, b_shape, b, out_shape,
                   out);
    else
        qv_s8_binary_map(p, mul1, a_shape, a, b_shape, b, out_shape, out);
}

enum qv_status qv_mul_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    struct qv_s8_binary_quant q;
    enum qv_status st = qv_s8_need_binary_quant(c, &q, err);
    if (st != QV_OK)
        return st;
    /* The fast variants' table of mul1 after the struct (lut_s8.h). */
    const enum qv_s8_variant v = qv_s8_node_variant(c);
    const size_t head = qv_s8_align64(sizeof(struct qv_mul_s8_params));
    struct qv_mul_s8_params *p =
        qv_s8_params_alloc(c, head + (v != QV_S8_PLAIN ? QV_LUT2_S8_BYTES : 0), err);
    if (!p)
        return QV_E_NOMEM;
    if ((st = qv_s8_multiplier(c, 0, (double)q.s1 * (double)q.s2 / (double)q.so,
                               "requantization", &p->multiplier, &p->shift, err)) != QV_OK)
        return st;
    p->input1_offset = -q.z1;
    p->input2_offset = -q.z2;
    p->output_offset = q.zo;
    p->rounding = c->rounding;
    qv_activation_range_s8(c->node->attrs.act, q.so, q.zo, &p->act_min, &p->act_max);
    p->variant = v;
    if (v != QV_S8_PLAIN) {
        int8_t *lut = (int8_t *)p + head;
        qv_mul_s8_lut_init(p, lut);
        p->lut = lut;
    }
    return QV_OK;
}

void qv_mul_s8_eval(const struct qv_kernel_ctx *c)
{
    qv_mul_s8(c->params, &c->in[0]->shape, c->in[0]->data, &c->in[1]->shape, c->in[1]->data,
              &c->out[0]->shape, c->out[0]->data);
}
