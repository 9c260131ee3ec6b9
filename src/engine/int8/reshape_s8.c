/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RESHAPE int8 (docs/int8-arithmetic.md §5.13): TFLM reshape.cc. A byte copy of the input (none
 * when the buffers are the same); the shape comes from the output tensor. TFLM checks the element
 * counts only (the engine's shape inference already did). Shared with SQUEEZE (node_s8.c).
 */
#include "engine/int8/node_s8.h"

enum qv_status qv_reshape_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    return qv_s8_copy_prepare(c, err);
}

void qv_reshape_s8_eval(const struct qv_kernel_ctx *c)
{
    qv_s8_copy_eval(c);
}
