/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AVERAGE_POOL_2D int8 (docs/int8-arithmetic.md §5.6): TFLM pooling_common.cc (PoolingPrepare:
 * in/out zero points equal, scales within 1e-6) and reference_integer_ops::AveragePool. Averages
 * raw q values over the in-image cells only, rounding half away from zero with the sign-split
 * formula (pool_s8.c).
 */
#include "engine/int8/node_s8.h"
#include "engine/int8/pool_s8.h"

enum qv_status qv_average_pool_2d_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    return qv_pool_s8_prepare(c, err);
}

void qv_average_pool_2d_s8_eval(const struct qv_kernel_ctx *c)
{
    const struct qv_dims xd = qv_s8_dims(c->in[0]), od = qv_s8_dims(c->out[0]);
    qv_average_pool_2d_s8(c->params, &xd, c->in[0]->data, &od, c->out[0]->data);
}
