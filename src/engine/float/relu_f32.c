/* SPDX-License-Identifier: Apache-2.0 */
/* RELU, float32: out = max(0, x). */
#include "engine/kernel.h"
#include "engine/float/float_common.h"

enum qv_status qv_relu_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    return qv_f32_unary_prepare(c, err);
}

void qv_relu_f32_eval(const struct qv_kernel_ctx *c)
{
    const float *in = c->in[0]->data;
    float *out = c->out[0]->data;
    const int64_t n = qv_shape_elems(&c->out[0]->shape);
    for (int64_t i = 0; i < n; i++)
        out[i] = in[i] > 0.0f ? in[i] : 0.0f;
}
