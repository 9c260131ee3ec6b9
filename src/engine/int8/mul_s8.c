/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MUL int8 (spec §5.5, §2.3): TFLM mul_common.cc (CalculateOpDataMul: double product) and
 * reference_integer_ops::MulElementwise / BroadcastMul6DSlow. Broadcasting follows numpy up to
 * rank 8 with the same per-element function.
 */
#include "core/op_impl.h"
#include "engine/int8/kernels_s8.h"

struct mul_params {
    int32_t in1_offset, in2_offset, out_offset, act_min, act_max, m;
    int shift;
};

enum qv_status qv_mul_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    float s1, s2, so;
    int32_t z1, z2, zo;
    enum qv_status st;
    if ((st = qv_s8_need_quant(c, false, 0, QV_DTYPE_I8, &s1, &z1, err)) != QV_OK ||
        (st = qv_s8_need_quant(c, false, 1, QV_DTYPE_I8, &s2, &z2, err)) != QV_OK ||
        (st = qv_s8_need_quant(c, true, 0, QV_DTYPE_I8, &so, &zo, err)) != QV_OK)
        return st;
    struct mul_params *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    qv_quantize_multiplier((double)s1 * (double)s2 / (double)so, c->rounding, &p->m, &p->shift);
    p->in1_offset = -z1;
    p->in2_offset = -z2;
    p->out_offset = zo;
    qv_activation_range_s8(c->node->attrs.act, so, zo, &p->act_min, &p->act_max);
    return QV_OK;
}

void qv_mul_s8(const struct qv_kernel_ctx *c)
{
    const struct mul_params *p = c->params;
    const int8_t *a = c->in[0]->data, *b = c->in[1]->data;
    int8_t *out = c->out[0]->data;
    struct qv_bcast bc;
    qv_bcast_init(&bc, &c->in[0]->shape, &c->in[1]->shape, &c->out[0]->shape);
    const int64_t rows = qv_bcast_rows(&bc), len = bc.dims[bc.rank - 1];
    const int64_t sa = bc.sa[bc.rank - 1], sb = bc.sb[bc.rank - 1];
    for (int64_t r = 0; r < rows; r++) {
        int64_t oa, ob;
        qv_bcast_row_offsets(&bc, r, &oa, &ob);
        for (int64_t i = 0; i < len; i++) {
            const int32_t prod =
                (a[oa + i * sa] + p->in1_offset) * (b[ob + i * sb] + p->in2_offset);
            const int32_t v = qv_mbqm(prod, p->m, p->shift, c->rounding) + p->out_offset;
            out[r * len + i] = (int8_t)qv_clamp_i32(v, p->act_min, p->act_max);
        }
    }
}
