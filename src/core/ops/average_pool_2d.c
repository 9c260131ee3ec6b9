/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AVERAGE_POOL_2D: attribute checks, shape inference, MACs (docs/int8-arithmetic.md §5 "Padding",
 * §5.6).
 * Input [N, H, W, C]; window filter_h x filter_w, strides, SAME/VALID padding (dilation 1).
 * Output [N, OH, OW, C].
 */
#include "core/op_impl.h"
#include "core/ops/ops_common.h"

enum qv_status qv_average_pool_2d_infer(const struct qv_graph *g, const struct qv_node *n,
                                        const struct qv_shape *const in[], struct qv_shape out[],
                                        struct qv_error *err)
{
    return qv_pool_infer(g, n, in, out, err);
}

/* output elems * KH * KW: the window's adds (padding cells included, a nominal count). */
int64_t qv_average_pool_2d_macs(const struct qv_graph *g, const struct qv_node *n)
{
    const struct qv_attrs *a = &n->attrs;
    if (a->filter_h < 1 || a->filter_w < 1)
        return 0;
    return qv_mul_sat(qv_op_out_elems(g, n), qv_mul_sat(a->filter_h, a->filter_w));
}
