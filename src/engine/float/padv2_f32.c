/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PADV2, float32: PAD with the value of the optional scalar input 2 (float, or quantized and
 * dequantized by the engine); 0.0 when it is omitted. See pad_f32.c.
 */
#include "engine/kernel.h"
#include "engine/float/float_common.h"

static const struct qv_tensor_view *pad_value(const struct qv_kernel_ctx *c)
{
    return c->n_in > 2 ? c->in[2] : NULL;
}

enum qv_status qv_padv2_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_tensor_view *v = pad_value(c);
    if (v && (!qv_f32_is_real(v) || qv_shape_elems(&v->shape) != 1))
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "PADV2 '%s': constant_values '%s' must be one float or quantized "
                            "value",
                            c->node->name, v->t->name);
    return qv_f32_pad_check(c, err);
}

void qv_padv2_f32_eval(const struct qv_kernel_ctx *c)
{
    const struct qv_tensor_view *v = pad_value(c);
    qv_f32_pad_run(c, v ? *(const float *)v->data : 0.0f);
}
