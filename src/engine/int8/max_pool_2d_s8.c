/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MAX_POOL_2D int8 (docs/int8-arithmetic.md §5.7): TFLM pooling_common.cc (PoolingPrepare) and
 * reference_integer_ops::MaxPool. Max of the in-image cells, starting from -128, then the
 * fused activation clamp (pool_s8.c). No requantization: PoolingPrepare (shared with
 * AVERAGE_POOL_2D) requires equal zero points and scales within 1e-6.
 */
#include "engine/int8/node_s8.h"
#include "engine/int8/pool_s8.h"

enum qv_status qv_max_pool_2d_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    return qv_pool_s8_prepare(c, err);
}

void qv_max_pool_2d_s8_eval(const struct qv_kernel_ctx *c)
{
    const struct qv_dims xd = qv_s8_dims(c->in[0]), od = qv_s8_dims(c->out[0]);
    qv_max_pool_2d_s8(c->params, &xd, c->in[0]->data, &od, c->out[0]->data);
}
