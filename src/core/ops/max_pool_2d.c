/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MAX_POOL_2D: attribute checks, shape inference, MACs (spec §5 "Padding", §5.7).
 * Input [N, H, W, C]; window filter_h x filter_w, strides, SAME/VALID padding (dilation 1).
 * Output [N, OH, OW, C].
 */
#include "core/op_impl.h"
#include "core/ops/ops_common.h"

enum qv_status qv_max_pool_2d_infer(const struct qv_graph *g, const struct qv_node *n,
                                    const struct qv_shape *const in[], struct qv_shape out[],
                                    struct qv_error *err)
{
    const struct qv_attrs *a = &n->attrs;
    enum qv_status st;
    if ((st = qv_op_need_rank(g, n, in, 0, 4, err)) != QV_OK ||
        (st = qv_op_check_act(g, n, err)) != QV_OK)
        return st;
    const struct qv_shape *x = in[0];
    int64_t oh, ow;
    if ((st = qv_window_infer(g, n, "height", x->dims[1], a->filter_h, a->stride_h, 1, &oh,
                              err)) != QV_OK ||
        (st = qv_window_infer(g, n, "width", x->dims[2], a->filter_w, a->stride_w, 1, &ow,
                              err)) != QV_OK)
        return st;
    if (x->dims[3] < 1)
        return qv_op_fail(g, n, err, "input '%s' has no channels", qv_op_in_name(g, n, 0));
    out[0] = (struct qv_shape){ 4, { x->dims[0], oh, ow, x->dims[3] } };
    return QV_OK;
}

/* 0: a max pool only compares (see the MAC convention in ops_common.h). */
int64_t qv_max_pool_2d_macs(const struct qv_graph *g, const struct qv_node *n)
{
    (void)g;
    (void)n;
    return 0;
}
