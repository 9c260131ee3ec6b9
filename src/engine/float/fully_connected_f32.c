/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FULLY_CONNECTED, float32 (TFLite semantics): weights [U, D], optional bias [U]; the input is
 * read as rows of D values (every sample of the batch, and every leading row when keep_num_dims
 * keeps them), out[r][u] = act(sum_d in[r][d] * w[u][d] + bias[u]). keep_num_dims only changes
 * the output shape (shape inference).
 *
 * Fast path (constant weights and bias): the weights are packed once at prepare for the float
 * GEMM's wide order (gemm_f32.h: each sum in double, rounded once to float), whose per-element
 * order does not depend on the number of rows, so a sample's outputs are the same in any batch.
 * Plain path: TFLite's loop (total += in * w in order, + bias, clamp).
 */
#include <string.h>

#include "engine/kernel.h"
#include "engine/float/float_common.h"
#include "engine/float/gemm_f32.h"
#include "engine/float/hybrid_f32.h"

/* Set by prepare; absent for the plain loops (non-constant weights or bias). */
struct fc_params {
    const struct qv_sgemm_kernel *kv;
    float *packed;   /* weights packed for kv */
    float *bias;     /* [units], zeros when the op has none */
};

enum qv_status qv_fully_connected_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_node *n = c->node;
    const struct qv_tensor_view *x = c->in[0], *w = c->in[1];
    const struct qv_tensor_view *b = c->n_in > 2 ? c->in[2] : NULL;
    if (!qv_f32_is_real(x))
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "FULLY_CONNECTED '%s': input '%s' is %s without quantization",
                            n->name, x->t->name, qv_dtype_name(x->t->dtype));
    if (w->shape.rank != 2 || !qv_f32_is_real(w) || w->shape.dims[1] < 1)
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "FULLY_CONNECTED '%s': weights '%s' must be a 2-D float or quantized "
                            "tensor",
                            n->name, w->t->name);
    int64_t units = w->shape.dims[0], depth = w->shape.dims[1];
    int64_t in_elems = qv_shape_elems(&x->shape), out_elems = qv_shape_elems(&c->out[0]->shape);
    if (in_elems % depth != 0 || out_elems != in_elems / depth * units)
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "FULLY_CONNECTED '%s': %lld input values are not rows of %lld giving "
                            "%lld outputs of %lld units",
                            n->name, (long long)in_elems, (long long)depth,
                            (long long)out_elems, (long long)units);
    if (b && (!qv_f32_is_real(b) || qv_shape_elems(&b->shape) != units))
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "FULLY_CONNECTED '%s': bias '%s' must hold %lld float or quantized "
                            "values",
                            n->name, b->t->name, (long long)units);
    if (c->hybrid)
        return qv_hybrid_prepare(c, err);
    const bool constant = w->t->data != NULL && (!b || b->t->data != NULL);
    if (c->plain_loops || !constant)
        return QV_OK;
    /* The wide order (sums in double, gemm_f32.h): FULLY_CONNECTED's long sums (K = 640 in
     * the MLPerf Tiny autoencoder) within float32 rounding of the exact result. */
    const struct qv_sgemm_kernel *kv = qv_sgemm_select_wide(units);
    const size_t off_bias = qv_f32_align64(sizeof(struct fc_params));
    const size_t off_pack = off_bias + qv_f32_align64((size_t)units * sizeof(float));
    struct fc_params *p =
        qv_f32_params_alloc(c, off_pack + qv_sgemm_packed_size(kv, units, depth), err);
    if (!p)
        return QV_E_NOMEM;
    p->kv = kv;
    p->bias = (float *)((char *)p + off_bias);
    p->packed = (float *)((char *)p + off_pack);
    qv_sgemm_pack(kv, w->data, units, depth, depth, p->packed);
    if (b)
        memcpy(p->bias, b->data, (size_t)units * sizeof(float));
    return QV_OK;
}

void qv_fully_connected_f32_eval(const struct qv_kernel_ctx *c)
{
    const struct qv_shape *ws = &c->in[1]->shape;
    const int64_t units = ws->dims[0], depth = ws->dims[1];
    const int64_t rows = qv_shape_elems(&c->in[0]->shape) / depth;
    if (c->hybrid) {
        qv_fully_connected_hybrid(c->params, c->scratch, rows, units, depth, c->in[0]->data,
                                  c->in[1]->t->data,
                                  c->n_in > 2 && c->in[2] ? c->in[2]->data : NULL,
                                  c->out[0]->data);
        return;
    }
    const float *in = c->in[0]->data, *w = c->in[1]->data;
    const float *bias = c->n_in > 2 && c->in[2] ? c->in[2]->data : NULL;
    float *out = c->out[0]->data;
    float lo, hi;
    qv_f32_act_range(c->node->attrs.act, &lo, &hi);

    const struct fc_params *p = c->params;
    if (!p) {
        for (int64_t r = 0; r < rows; r++) {
            for (int64_t u = 0; u < units; u++) {
                float total = 0.0f;
                for (int64_t d = 0; d < depth; d++)
                    total += in[r * depth + d] * w[u * depth + d];
                out[r * units + u] = qv_f32_clamp(total + (bias ? bias[u] : 0.0f), lo, hi);
            }
        }
        return;
    }
    const struct qv_sgemm_epilogue ep = { p->bias, lo, hi };
    qv_sgemm_run(p->kv, rows, units, depth, in, depth, p->packed, &ep, out, units);
}
