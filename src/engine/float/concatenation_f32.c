/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CONCATENATION, float32: inputs joined along `axis` (negative counts from the end), then the
 * fused activation (NONE copies). For each outer index (dims before axis) every input in order
 * contributes dims[axis] * inner contiguous values.
 */
#include <string.h>

#include "engine/kernel.h"
#include "engine/float/float_common.h"

static int32_t concat_axis(const struct qv_kernel_ctx *c)
{
    int32_t axis = c->node->attrs.axis, rank = c->out[0]->shape.rank;
    return axis < 0 ? axis + rank : axis;
}

enum qv_status qv_concatenation_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_node *n = c->node;
    const struct qv_shape *os = &c->out[0]->shape;
    int32_t axis = concat_axis(c);
    if (axis < 0 || axis >= os->rank)
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "CONCATENATION '%s': axis %d is outside rank %d", n->name,
                            n->attrs.axis, os->rank);
    int64_t sum = 0;
    for (int32_t k = 0; k < c->n_in; k++) {
        const struct qv_tensor_view *v = c->in[k];
        if (!v || !qv_f32_is_real(v) || v->shape.rank != os->rank)
            return qv_fail_node(err, QV_E_INPUT, c->node_index,
                                "CONCATENATION '%s': input %d must be a float or quantized "
                                "rank-%d tensor",
                                n->name, k, os->rank);
        for (int32_t d = 0; d < os->rank; d++)
            if (d != axis && v->shape.dims[d] != os->dims[d])
                return qv_fail_node(err, QV_E_INPUT, c->node_index,
                                    "CONCATENATION '%s': input '%s' dim %d is %lld, expected "
                                    "%lld",
                                    n->name, v->t->name, d, (long long)v->shape.dims[d],
                                    (long long)os->dims[d]);
        sum += v->shape.dims[axis];
    }
    if (sum != os->dims[axis])
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "CONCATENATION '%s': inputs give %lld along axis %d, output has %lld",
                            n->name, (long long)sum, axis, (long long)os->dims[axis]);
    return QV_OK;
}

void qv_concatenation_f32_eval(const struct qv_kernel_ctx *c)
{
    const struct qv_shape *os = &c->out[0]->shape;
    const int32_t axis = concat_axis(c);
    int64_t outer = 1, inner = 1;
    for (int32_t d = 0; d < axis; d++)
        outer *= os->dims[d];
    for (int32_t d = axis + 1; d < os->rank; d++)
        inner *= os->dims[d];
    float *out = c->out[0]->data;
    float lo, hi;
    qv_f32_act_range(c->node->attrs.act, &lo, &hi);
    const bool act = c->node->attrs.act != QV_ACT_NONE;

    for (int64_t o = 0; o < outer; o++) {
        for (int32_t k = 0; k < c->n_in; k++) {
            int64_t len = c->in[k]->shape.dims[axis] * inner;
            const float *src = (const float *)c->in[k]->data + o * len;
            if (act) {
                for (int64_t i = 0; i < len; i++)
                    out[i] = qv_f32_clamp(src[i], lo, hi);
            } else {
                memcpy(out, src, (size_t)len * sizeof(float));
            }
            out += len;
        }
    }
}
