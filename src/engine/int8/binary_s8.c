/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ADD/SUB parameter block shared by both glues (TFLM add_common.cc / sub_common.cc after
 * the real multipliers, which each op computes in its own float/double precision).
 */
#include "engine/int8/binary_s8.h"

enum qv_status qv_s8_addsub_prepare(struct qv_kernel_ctx *c, const struct qv_s8_binary_quant *q,
                                    double r1, double r2, double ro, struct qv_error *err)
{
    /* The fast variants' table (filled by the op: qv_<op>_s8_lut_init) after the struct. */
    const enum qv_s8_variant v = qv_s8_node_variant(c);
    const size_t head = qv_s8_align64(sizeof(struct qv_addsub_s8_params));
    struct qv_addsub_s8_params *p =
        qv_s8_params_alloc(c, head + (v != QV_S8_PLAIN ? QV_LUT2_S8_BYTES : 0), err);
    if (!p)
        return QV_E_NOMEM;
    p->variant = v;
    p->lut = v != QV_S8_PLAIN ? (const int8_t *)p + head : NULL;
    if (!(ro > 0 && ro < 1))
        return qv_s8_fail(c, err, "tensor %d ('%s'): scale = %.9g makes the output multiplier "
                          "2*max(s1, s2) / (2^20 * s_out) = %g, not in (0, 1) "
                          "(QuantizeMultiplierSmallerThanOneExp)", (int)c->node->outputs[0],
                          qv_s8_out_name(c, 0), (double)q->so, ro);
    enum qv_status st;
    if ((st = qv_s8_multiplier(c, 0, r1, "input 1", &p->m1, &p->sh1, err)) != QV_OK ||
        (st = qv_s8_multiplier(c, 0, r2, "input 2", &p->m2, &p->sh2, err)) != QV_OK ||
        (st = qv_s8_multiplier(c, 0, ro, "output", &p->mo, &p->sho, err)) != QV_OK)
        return st;
    p->input1_offset = -q->z1;
    p->input2_offset = -q->z2;
    p->output_offset = q->zo;
    p->rounding = c->rounding;
    qv_activation_range_s8(c->node->attrs.act, q->so, q->zo, &p->act_min, &p->act_max);
    return QV_OK;
}
