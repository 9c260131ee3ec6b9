/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CONCATENATION int8 (docs/int8-arithmetic.md §5.14): TFLM concatenation.cc (Prepare) and
 * reference_ops::Concatenation: a plain copy. Prepare requires a NONE activation and, per the
 * spec, every input's scale and zero point equal to the output's (no requantization happens,
 * so mismatched inputs would silently change meaning; older TFLM did not check this).
 */
#include <string.h>

#include "engine/int8/node_s8.h"

enum qv_status qv_concatenation_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    float s_out;
    int32_t z_out;
    enum qv_status st;
    if ((st = qv_s8_need_quant(c, true, 0, QV_DTYPE_I8, &s_out, &z_out, err)) != QV_OK)
        return st;
    if (c->node->attrs.act != QV_ACT_NONE)
        return qv_s8_fail(c, err, "fused activation must be NONE");
    for (int32_t k = 0; k < c->n_in; k++) {
        float s;
        int32_t z;
        if ((st = qv_s8_need_quant(c, false, k, QV_DTYPE_I8, &s, &z, err)) != QV_OK)
            return st;
        if ((double)s != (double)s_out || z != z_out)
            return qv_s8_fail(c, err, "input '%s' (scale %.9g, zero point %d) must have the "
                              "output's scale %.9g and zero point %d", qv_s8_in_name(c, k),
                              (double)s, (int)z, (double)s_out, (int)z_out);
    }
    const int32_t rank = c->out[0]->shape.rank;
    int32_t axis = c->node->attrs.axis;
    if (axis < 0)
        axis += rank;
    if (axis < 0 || axis >= rank)
        return qv_s8_fail(c, err, "axis %d is outside the output rank %d", c->node->attrs.axis,
                          (int)rank);
    struct qv_concatenation_s8_params *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    p->axis = axis;
    return QV_OK;
}

void qv_concatenation_s8(const struct qv_concatenation_s8_params *p, int32_t n_in,
                         const struct qv_shape *const *in_shapes, const int8_t *const *in,
                         const struct qv_shape *out_shape, int8_t *out)
{
    int64_t outer = 1, inner = 1;
    for (int32_t i = 0; i < p->axis; i++)
        outer *= out_shape->dims[i];
    for (int32_t i = p->axis + 1; i < out_shape->rank; i++)
        inner *= out_shape->dims[i];
    for (int64_t o = 0; o < outer; o++)
        for (int32_t k = 0; k < n_in; k++) {
            const int64_t len = in_shapes[k]->dims[p->axis] * inner;
            memcpy(out, in[k] + o * len, (size_t)len);
            out += len;
        }
}

void qv_concatenation_s8_eval(const struct qv_kernel_ctx *c)
{
    const struct qv_shape *shapes[QV_MAX_INPUTS];
    const int8_t *data[QV_MAX_INPUTS];
    for (int32_t k = 0; k < c->n_in; k++) {
        shapes[k] = &c->in[k]->shape;
        data[k] = c->in[k]->data;
    }
    qv_concatenation_s8(c->params, c->n_in, shapes, data, &c->out[0]->shape, c->out[0]->data);
}
