/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ADD: elementwise sum with numpy broadcasting up to rank 8 (docs/int8-arithmetic.md §5.4).
 */
#include "core/op_impl.h"
#include "core/ops/ops_common.h"

enum qv_status qv_add_infer(const struct qv_graph *g, const struct qv_node *n,
                            const struct qv_shape *const in[], struct qv_shape out[],
                            struct qv_error *err)
{
    return qv_infer_broadcast(g, n, in, out, err);
}

/* One per output element. */
int64_t qv_add_macs(const struct qv_graph *g, const struct qv_node *n)
{
    return qv_op_out_elems(g, n);
}
