/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MAX_POOL_2D, float32 (TFLite reference_ops::MaxPool): the maximum over the window's in-image
 * cells (padding never wins), then the fused activation (pool_f32.c).
 */
#include "engine/kernel.h"
#include "engine/float/float_common.h"

enum qv_status qv_max_pool_2d_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    return qv_f32_pool_prepare(c, err);
}

void qv_max_pool_2d_f32_eval(const struct qv_kernel_ctx *c)
{
    qv_f32_pool(c, QV_POOL_MAX);
}
