/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RESHAPE int8 (spec §5.13): TFLM reshape.cc. A byte copy of the input (no-op when the engine
 * aliases the buffers); the shape comes from the output tensor. TFLM checks the element counts
 * only (the engine's shape inference already did). Shared with SQUEEZE (common_s8.c).
 */
#include "engine/kernel.h"
#include "engine/int8/kernels_s8.h"

enum qv_status qv_reshape_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    return qv_s8_copy_prepare(c, err);
}

void qv_reshape_s8(const struct qv_kernel_ctx *c)
{
    qv_s8_copy(c);
}
