/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MAX_POOL_2D: attribute checks, shape inference, MACs (docs/int8-arithmetic.md §5 "Padding",
 * §5.7).
 * Input [N, H, W, C]; window filter_h x filter_w, strides, SAME/VALID padding (dilation 1).
 * Output [N, OH, OW, C].
 */
#include "core/op_impl.h"
#include "core/ops/ops_common.h"

enum qv_status qv_max_pool_2d_infer(const struct qv_graph *g, const struct qv_node *n,
                                    const struct qv_shape *const in[], struct qv_shape out[],
                                    struct qv_error *err)
{
    return qv_pool_infer(g, n, in, out, err);
}

/* 0: a max pool only compares (see the MAC convention in ops_common.h). */
int64_t qv_max_pool_2d_macs(const struct qv_graph *g, const struct qv_node *n)
{
    (void)g;
    (void)n;
    return 0;
}
