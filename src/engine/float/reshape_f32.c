/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RESHAPE, float32: the data is unchanged (row-major), only the shape differs; the output shape
 * comes from shape inference, not from the shape input or new_shape.
 */
#include "engine/kernel.h"
#include "engine/float/float_common.h"

enum qv_status qv_reshape_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    return qv_f32_unary_prepare(c, err);
}

void qv_reshape_f32_eval(const struct qv_kernel_ctx *c)
{
    qv_f32_copy(c);
}
