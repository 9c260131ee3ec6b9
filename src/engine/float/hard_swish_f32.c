/* SPDX-License-Identifier: Apache-2.0 */
/* HARD_SWISH, float32: out = x * min(6, max(0, x + 3)) / 6, in TFLite's evaluation order. */
#include "engine/kernel.h"
#include "engine/float/float_common.h"

enum qv_status qv_hard_swish_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    return qv_f32_unary_prepare(c, err);
}

void qv_hard_swish_f32_eval(const struct qv_kernel_ctx *c)
{
    const float *in = c->in[0]->data;
    float *out = c->out[0]->data;
    const int64_t n = qv_shape_elems(&c->out[0]->shape);
    for (int64_t i = 0; i < n; i++) {
        float x = in[i];
        out[i] = x * qv_f32_clamp(x + 3.0f, 0.0f, 6.0f) / 6.0f;
    }
}
