/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prepare steps shared by ADD, SUB and MUL int8 (kernels_s8.h): the quantization checks of the
 * three tensors and the ADD/SUB parameter block (TFLM add_common.cc / sub_common.cc after the
 * real multipliers, which each op computes in its own float/double precision).
 */
#include "engine/kernel.h"
#include "engine/int8/kernels_s8.h"

enum qv_status qv_s8_need_binary_quant(const struct qv_kernel_ctx *c,
                                       struct qv_s8_binary_quant *ret_q, struct qv_error *err)
{
    struct qv_s8_binary_quant q;
    enum qv_status st;
    if ((st = qv_s8_need_quant(c, false, 0, QV_DTYPE_I8, &q.s1, &q.z1, err)) != QV_OK ||
        (st = qv_s8_need_quant(c, false, 1, QV_DTYPE_I8, &q.s2, &q.z2, err)) != QV_OK ||
        (st = qv_s8_need_quant(c, true, 0, QV_DTYPE_I8, &q.so, &q.zo, err)) != QV_OK)
        return st;
    *ret_q = q;
    return QV_OK;
}

enum qv_status qv_s8_addsub_prepare(struct qv_kernel_ctx *c, const struct qv_s8_binary_quant *q,
                                    double r1, double r2, double ro, struct qv_error *err)
{
    struct qv_addsub_params_s8 *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    if (!(ro > 0 && ro < 1))
        return qv_s8_fail(c, err, "output multiplier 2*max(s1, s2) / (2^20 * s_out) = %g is not "
                          "in (0, 1) (QuantizeMultiplierSmallerThanOneExp)", ro);
    qv_quantize_multiplier(r1, c->rounding, &p->m1, &p->sh1);
    qv_quantize_multiplier(r2, c->rounding, &p->m2, &p->sh2);
    qv_quantize_multiplier(ro, c->rounding, &p->mo, &p->sho);
    p->in1_offset = -q->z1;
    p->in2_offset = -q->z2;
    p->out_offset = q->zo;
    qv_activation_range_s8(c->node->attrs.act, q->so, q->zo, &p->act_min, &p->act_max);
    return QV_OK;
}
