/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LOGISTIC, float32: 1 / (1 + exp(-x)) with TFLite's cutoffs (docs/int8-arithmetic.md §5.9): x >
 * 16.619 gives 1, x < -9 gives exp(x).
 */
#include <math.h>

#include "engine/kernel.h"
#include "engine/float/float_common.h"

enum qv_status qv_logistic_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    return qv_f32_unary_prepare(c, err);
}

void qv_logistic_f32_eval(const struct qv_kernel_ctx *c)
{
    const float *in = c->in[0]->data;
    float *out = c->out[0]->data;
    const int64_t n = qv_shape_elems(&c->out[0]->shape);
    /* reference_ops::Logistic: beyond the cutoffs the float result is already 1 (resp. equals
     * exp(x) to float precision); these are the exact constants TFLite uses. */
    const float upper = 16.619047164916992188f, lower = -9.0f;
    for (int64_t i = 0; i < n; i++) {
        float x = in[i];
        if (x > upper)
            out[i] = 1.0f;
        else if (x < lower)
            out[i] = expf(x);
        else
            out[i] = 1.0f / (1.0f + expf(-x));
    }
}
