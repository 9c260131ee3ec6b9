/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DEQUANTIZE, float32 engine: identity. The engine already holds every value in real units (a
 * quantized input is dequantized, a QUANTIZE upstream rounds onto the grid and returns real
 * values).
 */
#include "engine/kernel.h"
#include "engine/float/float_common.h"

enum qv_status qv_dequantize_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    return qv_f32_unary_prepare(c, err);
}

void qv_dequantize_f32_eval(const struct qv_kernel_ctx *c)
{
    qv_f32_copy(c);
}
