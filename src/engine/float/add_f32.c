/* SPDX-License-Identifier: Apache-2.0 */
/* ADD: out = act(x + y) with numpy broadcasting (binary_f32.c). */
#include "engine/kernel.h"
#include "engine/float/float_common.h"

enum qv_status qv_add_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    return qv_f32_binary_prepare(c, err);
}

void qv_add_f32_eval(const struct qv_kernel_ctx *c)
{
    qv_f32_binary(c, QV_F32_ADD);
}
