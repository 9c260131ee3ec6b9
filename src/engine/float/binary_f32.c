/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ADD / SUB / MUL with numpy broadcasting up to rank 8 and a fused activation (TFLite
 * BroadcastBinaryFunction semantics: out = act(a op b)). Same-shape and scalar operands take flat
 * loops; anything else walks the output with a rank-8 index whose innermost dimension is a
 * strided loop (stride 0 on a broadcast operand).
 */
#include <string.h>

#include "engine/float/float_common.h"

enum qv_status qv_f32_binary_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_node *n = c->node;
    const struct qv_shape *os = &c->out[0]->shape;
    for (int k = 0; k < 2; k++) {
        const struct qv_tensor_view *v = c->in[k];
        if (!qv_f32_is_real(v))
            return qv_fail_node(err, QV_E_INPUT, c->node_index,
                                "%s '%s': input '%s' is %s without quantization",
                                qv_op_name(n->op), n->name, v->t->name,
                                qv_dtype_name(v->t->dtype));
        if (v->shape.rank > os->rank)
            return qv_fail_node(err, QV_E_INPUT, c->node_index,
                                "%s '%s': input '%s' has rank %d above the output's %d",
                                qv_op_name(n->op), n->name, v->t->name, v->shape.rank, os->rank);
        for (int32_t d = 0; d < v->shape.rank; d++) {
            int64_t id = v->shape.dims[d], od = os->dims[os->rank - v->shape.rank + d];
            if (id != od && id != 1)
                return qv_fail_node(err, QV_E_INPUT, c->node_index,
                                    "%s '%s': input '%s' dim %d is %lld, cannot broadcast to %lld",
                                    qv_op_name(n->op), n->name, v->t->name, d, (long long)id,
                                    (long long)od);
        }
    }
    return QV_OK;
}

/* One loop per op so the operation is resolved outside the element loop. */
#define BINARY_LOOPS(NAME, EXPR)                                                                 \
    static void NAME##_strided(int64_t len, const float *a, int64_t sa, const float *b,         \
                               int64_t sb, float *out, float lo, float hi)                      \
    {                                                                                            \
        for (int64_t i = 0; i < len; i++) {                                                      \
            float x = a[i * sa], y = b[i * sb];                                                  \
            out[i] = qv_f32_clamp(EXPR, lo, hi);                                                 \
        }                                                                                        \
    }                                                                                            \
    static void NAME##_flat(int64_t len, const float *a, const float *b, float *out, float lo,  \
                            float hi)                                                            \
    {                                                                                            \
        for (int64_t i = 0; i < len; i++) {                                                      \
            float x = a[i], y = b[i];                                                            \
            out[i] = qv_f32_clamp(EXPR, lo, hi);                                                 \
        }                                                                                        \
    }

BINARY_LOOPS(add, x + y)
BINARY_LOOPS(sub, x - y)
BINARY_LOOPS(mul, x * y)

typedef void (*strided_fn)(int64_t, const float *, int64_t, const float *, int64_t, float *,
                           float, float);
typedef void (*flat_fn)(int64_t, const float *, const float *, float *, float, float);

/* Element strides of v aligned to the output's rank; 0 where v broadcasts. */
static void broadcast_strides(const struct qv_shape *v, const struct qv_shape *os,
                              int64_t strides[QV_MAX_RANK])
{
    int64_t s = 1;
    for (int32_t d = os->rank - 1; d >= 0; d--) {
        int32_t vd = d - (os->rank - v->rank);
        int64_t dim = vd >= 0 ? v->dims[vd] : 1;
        strides[d] = dim == 1 ? 0 : s;
        s *= dim;
    }
}

void qv_f32_binary(const struct qv_kernel_ctx *c, enum qv_f32_binop op)
{
    static const strided_fn strided[] = { add_strided, sub_strided, mul_strided };
    static const flat_fn flat[] = { add_flat, sub_flat, mul_flat };
    const struct qv_shape *as = &c->in[0]->shape, *bs = &c->in[1]->shape;
    const struct qv_shape *os = &c->out[0]->shape;
    const float *a = c->in[0]->data, *b = c->in[1]->data;
    float *out = c->out[0]->data;
    float lo, hi;
    qv_f32_act_range(c->node->attrs.act, &lo, &hi);

    int64_t total = qv_shape_elems(os);
    if (total == 0)
        return;
    int64_t na = qv_shape_elems(as), nb = qv_shape_elems(bs);
    if (na == total && nb == total) {          /* same shape (or only leading 1s differ) */
        flat[op](total, a, b, out, lo, hi);
        return;
    }
    if (nb == 1) {
        strided[op](total, a, 1, b, 0, out, lo, hi);
        return;
    }
    if (na == 1) {
        strided[op](total, a, 0, b, 1, out, lo, hi);
        return;
    }

    /* General walk: rank >= 2 here (a rank-1 output would have hit a fast path). */
    int64_t sa[QV_MAX_RANK], sb[QV_MAX_RANK], idx[QV_MAX_RANK] = { 0 };
    broadcast_strides(as, os, sa);
    broadcast_strides(bs, os, sb);
    int32_t r = os->rank;
    int64_t inner = os->dims[r - 1], rows = total / inner;
    int64_t oa = 0, ob = 0;
    for (int64_t row = 0; row < rows; row++) {
        strided[op](inner, a + oa, sa[r - 1], b + ob, sb[r - 1], out + row * inner, lo, hi);
        /* Advance the index over dims 0..r-2, keeping the operand offsets in step. */
        for (int32_t d = r - 2; d >= 0; d--) {
            idx[d]++;
            oa += sa[d];
            ob += sb[d];
            if (idx[d] < os->dims[d])
                break;
            oa -= sa[d] * os->dims[d];
            ob -= sb[d] * os->dims[d];
            idx[d] = 0;
        }
    }
}
