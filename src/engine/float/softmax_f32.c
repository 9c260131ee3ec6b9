/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SOFTMAX, float32 (TFLite reference_ops::Softmax) over the last dimension:
 * out = exp((x - max) * beta) / sum(exp((x - max) * beta)), in float.
 */
#include <math.h>

#include "engine/kernel.h"
#include "engine/float/float_common.h"

enum qv_status qv_softmax_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_node *n = c->node;
    enum qv_status st = qv_f32_unary_prepare(c, err);
    if (st != QV_OK)
        return st;
    if (c->in[0]->shape.rank < 1)
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "SOFTMAX '%s': input '%s' is a scalar", n->name, c->in[0]->t->name);
    return QV_OK;
}

void qv_softmax_f32_eval(const struct qv_kernel_ctx *c)
{
    const struct qv_shape *s = &c->in[0]->shape;
    const int64_t depth = s->dims[s->rank - 1];
    if (depth == 0)
        return;
    const int64_t rows = qv_shape_elems(s) / depth;
    const float beta = c->node->attrs.beta;
    const float *in = c->in[0]->data;
    float *out = c->out[0]->data;

    for (int64_t r = 0; r < rows; r++, in += depth, out += depth) {
        float max = in[0];
        for (int64_t i = 1; i < depth; i++)
            max = in[i] > max ? in[i] : max;
        float sum = 0.0f;
        for (int64_t i = 0; i < depth; i++) {
            out[i] = expf((in[i] - max) * beta);
            sum += out[i];
        }
        for (int64_t i = 0; i < depth; i++)
            out[i] /= sum;
    }
}
