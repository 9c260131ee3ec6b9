/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PADV2 int8 (spec §5.16): TFLM pad.cc. With a constant_values input, its int8 value fills the
 * padding and Prepare requires it to have the output's zero point and scale; without it, the
 * output zero point (as PAD).
 */
#include "engine/kernel.h"
#include "engine/int8/kernels_s8.h"
#include "engine/int8/pad_s8.h"

struct padv2_params {
    int32_t z_out;
    bool has_value;
};

enum qv_status qv_padv2_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    int32_t z_out;
    enum qv_status st = qv_pad_s8_check(c, &z_out, err);
    if (st != QV_OK)
        return st;
    const bool has_value = c->n_in > 2 && c->in[2];
    if (has_value) {
        float s, s_out = c->out[0]->t->quant.scale[0];
        int32_t z;
        if ((st = qv_s8_need_quant(c, false, 2, QV_DTYPE_I8, &s, &z, err)) != QV_OK)
            return st;
        if (z != z_out || (double)s != (double)s_out)
            return qv_s8_fail(c, err, "constant_values '%s' (scale %.9g, zero point %d) must have "
                              "the output's scale %.9g and zero point %d", qv_s8_in_name(c, 2),
                              (double)s, (int)z, (double)s_out, (int)z_out);
    }
    struct padv2_params *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    p->z_out = z_out;
    p->has_value = has_value;
    return QV_OK;
}

void qv_padv2_s8(const struct qv_kernel_ctx *c)
{
    const struct padv2_params *p = c->params;
    qv_pad_s8_run(c, p->has_value ? *(const int8_t *)c->in[2]->data : (int8_t)p->z_out);
}
