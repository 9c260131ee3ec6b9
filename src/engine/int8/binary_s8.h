/* SPDX-License-Identifier: Apache-2.0 */
/* ADD / SUB / MUL glue shared by the three ops (binary_s8.c). Private to libqvet. */
#ifndef QV_ENGINE_INT8_BINARY_S8_H
#define QV_ENGINE_INT8_BINARY_S8_H

#include "engine/int8/node_s8.h"

/*
 * Allocates c->params as a struct qv_addsub_s8_params from the real multipliers the op
 * computed in its own precision (r1, r2: inputs; ro: output), quantized with c->rounding.
 * Fails unless ro is in (0, 1) (QuantizeMultiplierSmallerThanOneExp).
 */
enum qv_status qv_s8_addsub_prepare(struct qv_kernel_ctx *c, const struct qv_s8_binary_quant *q,
                                    double r1, double r2, double ro, struct qv_error *err);

#endif
