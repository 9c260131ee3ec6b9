/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AVERAGE_POOL_2D, float32 (TFLite reference_ops::AveragePool): each output is the sum of the
 * window's in-image cells divided by their count (padding cells are not counted), then the
 * fused activation. Windows come from attrs filter_h/filter_w, stride and SAME/VALID
 * (pool_f32.c).
 */
#include "engine/kernel.h"
#include "engine/float/float_common.h"

enum qv_status qv_average_pool_2d_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    return qv_f32_pool_prepare(c, err);
}

void qv_average_pool_2d_f32_eval(const struct qv_kernel_ctx *c)
{
    qv_f32_pool(c, QV_POOL_AVERAGE);
}
