/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TANH: elementwise tanh, output shape = input shape (docs/int8-arithmetic.md §5.10).
 */
#include "core/op_impl.h"
#include "core/ops/ops_common.h"

enum qv_status qv_tanh_infer(const struct qv_graph *g, const struct qv_node *n,
                             const struct qv_shape *const in[], struct qv_shape out[],
                             struct qv_error *err)
{
    return qv_infer_same_shape(g, n, in, out, err);
}

/* One per output element (nominal). */
int64_t qv_tanh_macs(const struct qv_graph *g, const struct qv_node *n)
{
    return qv_op_out_elems(g, n);
}
