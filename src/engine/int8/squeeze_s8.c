/* SPDX-License-Identifier: Apache-2.0 */
/* SQUEEZE int8: TFLM squeeze.cc. A byte copy, like RESHAPE (docs/int8-arithmetic.md §5.13). */
#include "engine/int8/node_s8.h"

enum qv_status qv_squeeze_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    return qv_s8_copy_prepare(c, err);
}

void qv_squeeze_s8_eval(const struct qv_kernel_ctx *c)
{
    qv_s8_copy_eval(c);
}
