/* SPDX-License-Identifier: Apache-2.0 */
/* SQUEEZE, float32: drops size-1 dims; the data is unchanged. */
#include "engine/kernel.h"
#include "engine/float/float_common.h"

enum qv_status qv_squeeze_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    return qv_f32_unary_prepare(c, err);
}

void qv_squeeze_f32_eval(const struct qv_kernel_ctx *c)
{
    qv_f32_copy(c);
}
