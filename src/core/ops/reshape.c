/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RESHAPE: shape inference (docs/int8-arithmetic.md §5.13). The target shape comes from, in order:
 *   1. attrs.new_shape when n_new_shape > 0 (the ReshapeOptions table);
 *   2. input 1, the shape tensor: constant int32, scalar or 1-D;
 *   3. the output tensor's stored shape (what TFLM uses).
 * One entry may be -1: it is resolved from the element count, which must match the input's.
 * A target of [0] for a one-element input means a scalar (legacy TFLite files).
 * Batch: when input 0 carries a batch B the stored tensor does not (stored dims[0] == 1,
 * in[0] dims[0] == B != 1) and the target's dims[0] is 1, the output's dims[0] becomes B
 * (a dims[0] of -1 resolves to B by itself), so batched engines keep the batch in dims[0].
 */
#include "core/op_impl.h"
#include "core/ops/ops_common.h"

static enum qv_status target_shape(const struct qv_graph *g, const struct qv_node *n,
                                   int64_t elems, int32_t *ret_rank, int64_t t[QV_MAX_RANK],
                                   struct qv_error *err)
{
    const struct qv_attrs *a = &n->attrs;
    if (a->n_new_shape < 0 || a->n_new_shape > QV_MAX_RANK)
        return qv_op_fail(g, n, err, "new_shape has %d entries, expected 0..%d", a->n_new_shape,
                          QV_MAX_RANK);
    if (a->n_new_shape > 0) {
        for (int32_t i = 0; i < a->n_new_shape; i++)
            t[i] = a->new_shape[i];
        *ret_rank = a->n_new_shape;
        return QV_OK;
    }
    if (n->n_inputs >= 2 && n->inputs[1] >= 0) {
        const int32_t *s;
        int64_t count;
        enum qv_status st = qv_op_const_i32(g, n, 1, "shape", &s, &count, err);
        if (st != QV_OK)
            return st;
        const struct qv_tensor *st_t = &g->tensors[n->inputs[1]];
        if (st_t->shape.rank > 1 || count > QV_MAX_RANK)
            return qv_op_fail(g, n, err, "shape '%s' must be 1-D with at most %d entries",
                              st_t->name, QV_MAX_RANK);
        for (int64_t i = 0; i < count; i++)
            t[i] = s[i];
        *ret_rank = (int32_t)count;
        return QV_OK;
    }
    const struct qv_tensor *o = &g->tensors[n->outputs[0]];
    if (o->shape.rank == 0 && elems != 1)
        return qv_op_fail(g, n, err, "no new_shape, no shape input and output '%s' has no "
                          "stored shape", o->name);
    for (int32_t i = 0; i < o->shape.rank; i++)
        t[i] = o->shape.dims[i];
    *ret_rank = o->shape.rank;
    return QV_OK;
}

enum qv_status qv_reshape_infer(const struct qv_graph *g, const struct qv_node *n,
                                const struct qv_shape *const in[], struct qv_shape out[],
                                struct qv_error *err)
{
    char b1[160];
    int64_t t[QV_MAX_RANK];
    int32_t rank = 0;
    if (n->n_inputs < 1 || !in[0])
        return qv_op_fail(g, n, err, "input 0 is missing");
    const struct qv_shape *x = in[0];
    const struct qv_shape *stored = &g->tensors[n->inputs[0]].shape;
    int64_t elems = qv_shape_elems(x);
    enum qv_status st = target_shape(g, n, elems, &rank, t, err);
    if (st != QV_OK)
        return st;
    if (rank == 1 && t[0] == 0 && elems == 1)
        rank = 0;
    if (rank >= 1 && t[0] == 1 && x->rank >= 1 && stored->rank >= 1 && stored->dims[0] == 1 &&
        x->dims[0] != 1)
        t[0] = x->dims[0];
    int32_t unknown = -1;
    int64_t known = 1;
    for (int32_t i = 0; i < rank; i++) {
        if (t[i] == -1) {
            if (unknown >= 0)
                return qv_op_fail(g, n, err, "target shape has more than one -1");
            unknown = i;
        } else if (t[i] < 0) {
            return qv_op_fail(g, n, err, "target shape has negative dim %lld", (long long)t[i]);
        } else if (t[i] > 0 && known > QV_MAX_ELEMS / t[i]) {
            return qv_op_fail(g, n, err, "target shape has more than 2^40 elements");
        } else {
            known *= t[i];
        }
    }
    if (unknown >= 0) {
        if (known == 0 || elems % known != 0)
            return qv_op_fail(g, n, err, "cannot resolve -1: '%s' %s has %lld elements, the "
                              "other target dims hold %lld", qv_op_in_name(g, n, 0),
                              qv_shape_str(x, b1, sizeof(b1)), (long long)elems,
                              (long long)known);
        t[unknown] = elems / known;
        known = elems;
    }
    struct qv_shape o = { .rank = rank };
    for (int32_t i = 0; i < rank; i++)
        o.dims[i] = t[i];
    if (known != elems) {
        char b2[160];
        return qv_op_fail(g, n, err, "'%s' %s has %lld elements, target shape %s has %lld",
                          qv_op_in_name(g, n, 0), qv_shape_str(x, b1, sizeof(b1)),
                          (long long)elems, qv_shape_str(&o, b2, sizeof(b2)), (long long)known);
    }
    out[0] = o;
    return QV_OK;
}

/* 0: a copy. */
int64_t qv_reshape_macs(const struct qv_graph *g, const struct qv_node *n)
{
    (void)g;
    (void)n;
    return 0;
}
