/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AVERAGE_POOL_2D int8 (spec §5.6): TFLM pooling_common.cc (PoolingPrepare: in/out zero points
 * equal, scales within 1e-6) and reference_integer_ops::AveragePool. Averages raw q values over
 * the in-image cells only, rounding half away from zero with the sign-split formula (pool_s8.c).
 */
#include "engine/kernel.h"
#include "core/ops/ops_common.h"
#include "engine/int8/kernels_s8.h"

enum qv_status qv_average_pool_2d_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    return qv_pool_s8_prepare(c, err);
}

void qv_average_pool_2d_s8(const struct qv_kernel_ctx *c)
{
    qv_pool_s8(c, QV_POOL_AVERAGE);
}
