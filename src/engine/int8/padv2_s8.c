/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PADV2 int8 (docs/int8-arithmetic.md §5.16): TFLM pad.cc. With a constant_values input, its int8
 * value fills the padding and Prepare requires it to have the output's zero point and scale;
 * without it, the output zero point (as PAD). The arithmetic is qv_pad_s8 (pad_s8.c).
 */
#include "engine/int8/node_s8.h"
#include "engine/int8/pad_s8.h"

enum qv_status qv_padv2_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    enum qv_status st = qv_pad_s8_prepare_common(c, err);
    if (st != QV_OK)
        return st;
    if (c->n_in > 2 && c->in[2]) {
        struct qv_pad_s8_params *p = c->params;
        float s, s_out = c->out[0]->t->quant.scale[0];
        int32_t z, z_out = c->out[0]->t->quant.zero_point[0];
        if ((st = qv_s8_need_quant(c, false, 2, QV_DTYPE_I8, &s, &z, err)) != QV_OK)
            return st;
        if (z != z_out || (double)s != (double)s_out)
            return qv_s8_fail(c, err, "constant_values '%s' (scale %.9g, zero point %d) must have "
                              "the output's scale %.9g and zero point %d", qv_s8_in_name(c, 2),
                              (double)s, (int)z, (double)s_out, (int)z_out);
        if (!c->in[2]->t->data)
            return qv_s8_fail(c, err, "constant_values '%s' must be a constant",
                              qv_s8_in_name(c, 2));
        p->value = *(const int8_t *)c->in[2]->t->data;
    }
    return QV_OK;
}

void qv_padv2_s8_eval(const struct qv_kernel_ctx *c)
{
    qv_pad_s8_eval_common(c);
}
