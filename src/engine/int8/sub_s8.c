/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SUB int8 (docs/int8-arithmetic.md §5.4, §2.3): TFLM sub_common.cc (CalculateOpDataSub) and
 * reference_ops::SubElementwise / BroadcastQuantSubSlow. Broadcasting follows numpy up to
 * rank 8 with the same per-element function (qv_s8_binary_map).
 */
#include "engine/int8/binary_s8.h"

static inline int8_t sub1(const void *params, int8_t a, int8_t b)
{
    const struct qv_addsub_s8_params *p = params;
    const enum qv_rounding r = p->rounding;
    const int32_t sa = qv_wrap_mul(a + p->input1_offset, 1 << 20);
    const int32_t sb = qv_wrap_mul(b + p->input2_offset, 1 << 20);
    const int32_t ra = qv_mbqm(sa, p->m1, p->sh1, r), rb = qv_mbqm(sb, p->m2, p->sh2, r);
    const int32_t v = qv_wrap_add(qv_mbqm(qv_wrap_sub(ra, rb), p->mo, p->sho, r), p->output_offset);
    return (int8_t)qv_clamp_i32(v, p->act_min, p->act_max);
}

void qv_sub_s8_lut_init(const struct qv_addsub_s8_params *p, int8_t *lut)
{
    for (int a = -128; a < 128; a++)
        for (int b = -128; b < 128; b++)
            lut[qv_lut2_s8_index((int8_t)a, (int8_t)b)] = sub1(p, (int8_t)a, (int8_t)b);
}

void qv_sub_s8(const struct qv_addsub_s8_params *p, const struct qv_shape *a_shape,
               const int8_t *a, const struct qv_shape *b_shape, const int8_t *b,
               const struct qv_shape *out_shape, int8_t *out)
{
    if (p->variant != QV_S8_PLAIN && p->lut)   /* the table of sub1 (lut_s8.h) */
        qv_lut2_s8(qv_s8_variant_lut(p->variant), p->lut, a_shape, a, b_shape, b, out_shape,
                   out);
    else
        qv_s8_binary_map(p, sub1, a_shape, a, b_shape, b, out_shape, out);
}

enum qv_status qv_sub_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    struct qv_s8_binary_quant q;
    enum qv_status st = qv_s8_need_binary_quant(c, &q, err);
    if (st != QV_OK)
        return st;
    /*
     * Current TFLM sub_common.cc: float tm = 2 * max (exact), then double divides.
     * docs/int8-arithmetic.md §2.3 (TFLM @90b983c2) has float divides: (double)(s1 / tm) ...
     * Older TFLM differs.
     */
    const float tm = 2.0f * (q.s1 > q.s2 ? q.s1 : q.s2);
    const double r1 = (double)q.s1 / (double)tm, r2 = (double)q.s2 / (double)tm;
    const double ro = (double)tm / ((double)(1 << 20) * (double)q.so);
    if ((st = qv_s8_addsub_prepare(c, &q, r1, r2, ro, err)) != QV_OK)
        return st;
    const struct qv_addsub_s8_params *p = c->params;
    if (p->lut)
        qv_sub_s8_lut_init(p, (int8_t *)(uintptr_t)p->lut);
    return QV_OK;
}

void qv_sub_s8_eval(const struct qv_kernel_ctx *c)
{
    qv_sub_s8(c->params, &c->in[0]->shape, c->in[0]->data, &c->in[1]->shape, c->in[1]->data,
              &c->out[0]->shape, c->out[0]->data);
}
