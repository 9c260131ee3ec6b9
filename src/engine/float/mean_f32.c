/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MEAN, float32 (TFLite reference_ops::Mean): the axes come from the constant int32 input 1
 * (negative += rank, duplicates ignored); keep_dims only changes the output shape. Each output
 * is the float sum of its reduced inputs, visited in input order as TFLite does, divided by the
 * count.
 */
#include <string.h>

#include "engine/kernel.h"
#include "engine/float/float_common.h"

/* Which input dims are reduced; returns false for an axis outside the rank. */
static bool reduced_dims(const struct qv_kernel_ctx *c, bool reduced[QV_MAX_RANK])
{
    const struct qv_tensor_view *ax = c->in[1];
    const int32_t *axes = ax->data;
    int32_t rank = c->in[0]->shape.rank;
    int64_t n = qv_shape_elems(&ax->shape);
    memset(reduced, 0, QV_MAX_RANK * sizeof(bool));
    for (int64_t i = 0; i < n; i++) {
        int32_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
        if (a < 0 || a >= rank)
            return false;
        reduced[a] = true;
    }
    return true;
}

enum qv_status qv_mean_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_node *n = c->node;
    bool reduced[QV_MAX_RANK];
    if (!qv_f32_is_real(c->in[0]))
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "MEAN '%s': input '%s' is %s without quantization", n->name,
                            c->in[0]->t->name, qv_dtype_name(c->in[0]->t->dtype));
    if (!qv_f32_is_raw_i32(c->in[1]))
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "MEAN '%s': axes '%s' must be a constant int32 tensor", n->name,
                            c->in[1]->t->name);
    if (!reduced_dims(c, reduced))
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "MEAN '%s': an axis in '%s' is outside rank %d", n->name,
                            c->in[1]->t->name, c->in[0]->shape.rank);
    int64_t kept = 1;
    for (int32_t d = 0; d < c->in[0]->shape.rank; d++)
        kept *= reduced[d] ? 1 : c->in[0]->shape.dims[d];
    if (kept != qv_shape_elems(&c->out[0]->shape))
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "MEAN '%s': output has %lld elements, the axes keep %lld", n->name,
                            (long long)qv_shape_elems(&c->out[0]->shape), (long long)kept);
    return QV_OK;
}

void qv_mean_f32_eval(const struct qv_kernel_ctx *c)
{
    const struct qv_shape *is = &c->in[0]->shape;
    const int32_t rank = is->rank;
    bool reduced[QV_MAX_RANK];
    reduced_dims(c, reduced);
    const float *in = c->in[0]->data;
    float *out = c->out[0]->data;
    const int64_t n_out = qv_shape_elems(&c->out[0]->shape), n_in = qv_shape_elems(is);

    /* Output strides over the input's dims: 0 on reduced dims. */
    int64_t ostride[QV_MAX_RANK], idx[QV_MAX_RANK] = { 0 }, s = 1, count = 1;
    for (int32_t d = rank - 1; d >= 0; d--) {
        ostride[d] = reduced[d] ? 0 : s;
        s *= reduced[d] ? 1 : is->dims[d];
        count *= reduced[d] ? is->dims[d] : 1;
    }
    for (int64_t i = 0; i < n_out; i++)
        out[i] = 0.0f;
    if (n_in == 0)
        return;
    int64_t o = 0;
    for (int64_t i = 0; i < n_in; i++) {
        out[o] += in[i];
        for (int32_t d = rank - 1; d >= 0; d--) {
            o += ostride[d];
            if (++idx[d] < is->dims[d])
                break;
            o -= ostride[d] * is->dims[d];
            idx[d] = 0;
        }
    }
    for (int64_t i = 0; i < n_out; i++)
        out[i] /= (float)count;
}
