/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MAX_POOL_2D int8 (spec §5.7): TFLM pooling_common.cc (PoolingPrepare) and
 * reference_integer_ops::MaxPool. Max of the in-image cells, starting from -128, then the
 * fused activation clamp (pool_s8.c). No requantization: PoolingPrepare (shared with
 * AVERAGE_POOL_2D) requires equal zero points and scales within 1e-6.
 */
#include "engine/kernel.h"
#include "core/ops/ops_common.h"
#include "engine/int8/kernels_s8.h"

enum qv_status qv_max_pool_2d_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    return qv_pool_s8_prepare(c, err);
}

void qv_max_pool_2d_s8(const struct qv_kernel_ctx *c)
{
    qv_pool_s8(c, QV_POOL_MAX);
}
