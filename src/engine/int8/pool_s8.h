/* SPDX-License-Identifier: Apache-2.0 */
/* AVERAGE_POOL_2D / MAX_POOL_2D glue shared by both ops (pool_s8.c). Private to libqvet. */
#ifndef QV_ENGINE_INT8_POOL_S8_H
#define QV_ENGINE_INT8_POOL_S8_H

#include "engine/kernel.h"

/*
 * PoolingPrepare: int8 in/out with equal zero points and scales within 1e-6, rank 4; fills a
 * struct qv_pool_s8_params as c->params (strides, window, leading padding, activation range,
 * variant).
 */
enum qv_status qv_pool_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err);

#endif
