/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers of the per-op files: padding, broadcasting, error messages, constant inputs. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "core/ops/ops_common.h"

void qv_compute_padding(int64_t in, int32_t k, int32_t stride, int32_t dilation,
                        enum qv_padding pad, int64_t *ret_out, int64_t *ret_pad_before)
{
    /* k, dilation <= 2^31 - 1, so eff < 2^62 and every sum below stays inside int64. */
    int64_t eff = ((int64_t)k - 1) * dilation + 1;
    int64_t out = pad == QV_PADDING_SAME ? (in + stride - 1) / stride
                                          : (in + stride - eff) / stride;
    if (pad != QV_PADDING_SAME && in + stride - eff < 0)
        out = (in + stride - eff - (stride - 1)) / stride;   /* floor, not truncation */
    int64_t pad_before = 0;
    if (out > 0) {
        /* (out - 1) * stride <= in (SAME) or <= in - eff (VALID): no overflow. */
        int64_t total = (out - 1) * stride + eff - in;
        pad_before = total > 0 ? total / 2 : 0;
    }
    if (ret_out)
        *ret_out = out;
    if (ret_pad_before)
        *ret_pad_before = pad_before;
}

bool qv_broadcast_shape(const struct qv_shape *a, const struct qv_shape *b,
                        struct qv_shape *ret_out)
{
    struct qv_shape o = { 0 };
    o.rank = a->rank > b->rank ? a->rank : b->rank;
    if (o.rank > QV_MAX_RANK || a->rank < 0 || b->rank < 0)
        return false;
    for (int32_t i = 0; i < o.rank; i++) {
        /* right-aligned: dim i of the output is dim i - (o.rank - x.rank) of x */
        int32_t ia = i - (o.rank - a->rank), ib = i - (o.rank - b->rank);
        int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        if (da == db || db == 1)
            o.dims[i] = da;
        else if (da == 1)
            o.dims[i] = db;
        else
            return false;
    }
    *ret_out = o;
    return true;
}

int64_t qv_mul_sat(int64_t a, int64_t b)
{
    if (a <= 0 || b <= 0)
        return 0;
    if (a > INT64_MAX / b)
        return INT64_MAX;
    return a * b;
}

enum qv_status qv_op_fail(const struct qv_graph *g, const struct qv_node *n, struct qv_error *err,
                          const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    int32_t idx = -1;
    /* Engines may pass a copy of the node; only name an index for nodes of g itself. */
    uintptr_t p = (uintptr_t)n, lo = (uintptr_t)g->nodes;
    if (g->nodes && p >= lo && p < lo + (uintptr_t)g->n_nodes * sizeof(*g->nodes))
        idx = (int32_t)((p - lo) / sizeof(*g->nodes));
    return qv_fail_node(err, QV_E_INPUT, idx, "%s '%s': %s", qv_node_op_name(n),
                        n->name ? n->name : "", msg);
}

const char *qv_op_in_name(const struct qv_graph *g, const struct qv_node *n, int32_t k)
{
    if (k < 0 || k >= n->n_inputs || n->inputs[k] < 0 || n->inputs[k] >= g->n_tensors)
        return "(omitted)";
    return g->tensors[n->inputs[k]].name;
}

const char *qv_shape_str(const struct qv_shape *s, char *buf, size_t size)
{
    qv_shape_format(s, buf, size);
    return buf;
}

enum qv_status qv_op_need_rank(const struct qv_graph *g, const struct qv_node *n,
                               const struct qv_shape *const in[], int32_t k, int32_t rank,
                               struct qv_error *err)
{
    char buf[160];
    if (k >= n->n_inputs || !in[k])
        return qv_op_fail(g, n, err, "input %d is missing", k);
    if (in[k]->rank != rank)
        return qv_op_fail(g, n, err, "'%s' must have rank %d, has shape %s",
                          qv_op_in_name(g, n, k), rank, qv_shape_str(in[k], buf, sizeof(buf)));
    return QV_OK;
}

enum qv_status qv_op_check_act(const struct qv_graph *g, const struct qv_node *n,
                               struct qv_error *err)
{
    if ((unsigned)n->attrs.act >= QV_ACT_COUNT)
        return qv_op_fail(g, n, err, "unknown fused activation %d", (int)n->attrs.act);
    return QV_OK;
}

enum qv_status qv_window_infer(const struct qv_graph *g, const struct qv_node *n, const char *what,
                               int64_t in, int32_t k, int32_t stride, int32_t dilation,
                               int64_t *ret_out, struct qv_error *err)
{
    const struct qv_attrs *a = &n->attrs;
    if (a->padding != QV_PADDING_SAME && a->padding != QV_PADDING_VALID)
        return qv_op_fail(g, n, err, "unknown padding %d", (int)a->padding);
    if (k < 1)
        return qv_op_fail(g, n, err, "window %s %d must be >= 1", what, k);
    if (stride < 1)
        return qv_op_fail(g, n, err, "stride %s %d must be >= 1", what, stride);
    if (dilation < 1)
        return qv_op_fail(g, n, err, "dilation %s %d must be >= 1", what, dilation);
    if (in < 1)
        return qv_op_fail(g, n, err, "input '%s' has %s %lld, must be >= 1",
                          qv_op_in_name(g, n, 0), what, (long long)in);
    int64_t out;
    qv_compute_padding(in, k, stride, dilation, a->padding, &out, NULL);
    if (out < 1)
        return qv_op_fail(g, n, err,
                          "VALID window of %s %lld (k %d, dilation %d) does not fit input '%s' "
                          "%s %lld",
                          what, ((long long)k - 1) * dilation + 1, k, dilation,
                          qv_op_in_name(g, n, 0), what, (long long)in);
    *ret_out = out;
    return QV_OK;
}

enum qv_status qv_window2d_infer(const struct qv_graph *g, const struct qv_node *n,
                                 const struct qv_shape *x, int32_t kh, int32_t kw, int32_t dil_h,
                                 int32_t dil_w, int64_t *ret_oh, int64_t *ret_ow,
                                 struct qv_error *err)
{
    const struct qv_attrs *a = &n->attrs;
    int64_t oh, ow;
    enum qv_status st;
    if ((st = qv_window_infer(g, n, "height", x->dims[1], kh, a->stride_h, dil_h, &oh, err)) !=
            QV_OK ||
        (st = qv_window_infer(g, n, "width", x->dims[2], kw, a->stride_w, dil_w, &ow, err)) !=
            QV_OK)
        return st;
    *ret_oh = oh;
    *ret_ow = ow;
    return QV_OK;
}

enum qv_status qv_pool_infer(const struct qv_graph *g, const struct qv_node *n,
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
    if ((st = qv_window2d_infer(g, n, x, a->filter_h, a->filter_w, 1, 1, &oh, &ow, err)) != QV_OK)
        return st;
    if (x->dims[3] < 1)
        return qv_op_fail(g, n, err, "input '%s' has no channels", qv_op_in_name(g, n, 0));
    out[0] = (struct qv_shape){ 4, { x->dims[0], oh, ow, x->dims[3] } };
    return QV_OK;
}

enum qv_status qv_op_const_i32(const struct qv_graph *g, const struct qv_node *n, int32_t k,
                               const char *what, const int32_t **ret_data, int64_t *ret_count,
                               struct qv_error *err)
{
    if (k >= n->n_inputs || n->inputs[k] < 0 || n->inputs[k] >= g->n_tensors)
        return qv_op_fail(g, n, err, "%s input %d is missing", what, k);
    const struct qv_tensor *t = &g->tensors[n->inputs[k]];
    if (!t->data)
        return qv_op_fail(g, n, err, "%s '%s' must be a constant tensor", what, t->name);
    if (t->dtype != QV_DTYPE_I32)
        return qv_op_fail(g, n, err, "%s '%s' must be int32, is %s", what, t->name,
                          qv_dtype_name(t->dtype));
    *ret_data = t->data;
    *ret_count = qv_shape_elems(&t->shape);
    return QV_OK;
}

enum qv_status qv_infer_same_shape(const struct qv_graph *g, const struct qv_node *n,
                                   const struct qv_shape *const in[], struct qv_shape out[],
                                   struct qv_error *err)
{
    if (n->n_inputs < 1 || !in[0])
        return qv_op_fail(g, n, err, "input 0 is missing");
    out[0] = *in[0];
    return QV_OK;
}

enum qv_status qv_infer_broadcast(const struct qv_graph *g, const struct qv_node *n,
                                  const struct qv_shape *const in[], struct qv_shape out[],
                                  struct qv_error *err)
{
    char b1[160], b2[160];
    enum qv_status st = qv_op_check_act(g, n, err);
    if (st != QV_OK)
        return st;
    if (n->n_inputs < 2 || !in[0] || !in[1])
        return qv_op_fail(g, n, err, "needs two inputs");
    if (!qv_broadcast_shape(in[0], in[1], &out[0]))
        return qv_op_fail(g, n, err, "'%s' %s and '%s' %s do not broadcast",
                          qv_op_in_name(g, n, 0), qv_shape_str(in[0], b1, sizeof(b1)),
                          qv_op_in_name(g, n, 1), qv_shape_str(in[1], b2, sizeof(b2)));
    return QV_OK;
}

int64_t qv_op_out_elems(const struct qv_graph *g, const struct qv_node *n)
{
    if (n->n_outputs < 1 || n->outputs[0] < 0 || n->outputs[0] >= g->n_tensors)
        return 0;
    return qv_shape_elems(&g->tensors[n->outputs[0]].shape);
}
