/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MUL int8 (spec §5.5, §2.3): TFLM mul_common.cc (CalculateOpDataMul: double product) and
 * reference_integer_ops::MulElementwise / BroadcastMul6DSlow. Broadcasting follows numpy up to
 * rank 8 with the same per-element function (binary_s8.c, qv_s8_binary_map).
 */
#include "engine/kernel.h"
#include "engine/int8/kernels_s8.h"

struct mul_params {
    int32_t in1_offset, in2_offset, out_offset, act_min, act_max, m;
    int shift;
};

enum qv_status qv_mul_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    struct qv_s8_binary_quant q;
    enum qv_status st = qv_s8_need_binary_quant(c, &q, err);
    if (st != QV_OK)
        return st;
    struct mul_params *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    qv_quantize_multiplier((double)q.s1 * (double)q.s2 / (double)q.so, c->rounding, &p->m,
                           &p->shift);
    p->in1_offset = -q.z1;
    p->in2_offset = -q.z2;
    p->out_offset = q.zo;
    qv_activation_range_s8(c->node->attrs.act, q.so, q.zo, &p->act_min, &p->act_max);
    return QV_OK;
}

static inline int8_t mul1(const void *params, enum qv_rounding r, int8_t a, int8_t b)
{
    const struct mul_params *p = params;
    const int32_t prod = (a + p->in1_offset) * (b + p->in2_offset);
    const int32_t v = qv_mbqm(prod, p->m, p->shift, r) + p->out_offset;
    return (int8_t)qv_clamp_i32(v, p->act_min, p->act_max);
}

void qv_mul_s8(const struct qv_kernel_ctx *c)
{
    qv_s8_binary_map(c, mul1);
}
