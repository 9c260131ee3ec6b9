/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DEQUANTIZE: elementwise dtype conversion, output shape = input shape (docs/int8-arithmetic.md
 * §5.12).
 */
#include "core/op_impl.h"
#include "core/ops/ops_common.h"

enum qv_status qv_dequantize_infer(const struct qv_graph *g, const struct qv_node *n,
                                   const struct qv_shape *const in[], struct qv_shape out[],
                                   struct qv_error *err)
{
    return qv_infer_same_shape(g, n, in, out, err);
}

/* 0: a dtype conversion (see the MAC convention in ops_common.h). */
int64_t qv_dequantize_macs(const struct qv_graph *g, const struct qv_node *n)
{
    (void)g;
    (void)n;
    return 0;
}
