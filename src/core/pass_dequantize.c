/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hybrid nodes (integer weights under float activations, TFLite's dynamic-range quantization)
 * and the pass that turns a hybrid model into a pure float one with dequantized weights.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph_int.h"

bool qv_node_is_hybrid(const struct qv_graph *g, int32_t node)
{
    if (node < 0 || node >= g->n_nodes)
        return false;
    const struct qv_node *n = &g->nodes[node];
    int32_t w = qv_op_hybrid_weight(n->op);
    if (w <= 0 || n->n_inputs <= w || n->inputs[0] < 0 || n->inputs[w] < 0 ||
        n->inputs[0] >= g->n_tensors || n->inputs[w] >= g->n_tensors)
        return false;
    const struct qv_tensor *x = &g->tensors[n->inputs[0]], *wt = &g->tensors[n->inputs[w]];
    return x->dtype == QV_DTYPE_F32 && (wt->dtype == QV_DTYPE_I8 || wt->dtype == QV_DTYPE_U8) &&
           wt->data && wt->quant.count > 0;
}

int32_t qv_graph_count_hybrid(const struct qv_graph *g)
{
    int32_t n = 0;
    for (int32_t ni = 0; ni < g->n_nodes; ni++)
        n += qv_node_is_hybrid(g, ni);
    return n;
}

/* real = (float)((double)scale[c] * (q - zp[c])), c the index along the quantized axis. */
static void dequantize(const struct qv_tensor *t, float *dst)
{
    const struct qv_quant *q = &t->quant;
    const struct qv_dtype_traits *d = qv_dtype_get(t->dtype);
    int64_t n = qv_shape_elems(&t->shape), inner = 1, axis_len = 1;
    if (q->count > 1) {
        axis_len = t->shape.dims[q->axis];
        for (int32_t r = q->axis + 1; r < t->shape.rank; r++)
            inner *= t->shape.dims[r];
    }
    for (int64_t i = 0; i < n; i++) {
        int64_t c = q->count > 1 ? (i / inner) % axis_len : 0;
        dst[i] = (float)((double)q->scale[c] * (d->load(t->data, i) - (double)q->zero_point[c]));
    }
}

/* Makes tensor t of c (a copy of the original) float32 with the dequantized values of src_t. */
static enum qv_status to_float(struct qv_graph *c, int32_t t, const struct qv_tensor *src_t,
                               struct qv_error *err)
{
    struct qv_tensor *ts = &c->tensors[t];
    size_t nbytes = (size_t)qv_shape_elems(&src_t->shape) * sizeof(float);
    float *p = qv_graph_arena_alloc(c, nbytes, err);
    if (!p)
        return QV_E_NOMEM;
    dequantize(src_t, p);
    ts->dtype = QV_DTYPE_F32;
    ts->data = p;
    ts->nbytes = nbytes;
    memset(&ts->quant, 0, sizeof(ts->quant));
    return QV_OK;
}

/* The hybrid weights' tensors of g: 1 = read only by hybrid nodes, 2 = also by others. */
static enum qv_status classify(const struct qv_graph *g, uint8_t *kind, struct qv_error *err)
{
    struct qv_consumers cons;
    enum qv_status st = qv_consumers_build(g, &cons, err);
    if (st != QV_OK)
        return st;
    for (int32_t ni = 0; ni < g->n_nodes; ni++)
        if (qv_node_is_hybrid(g, ni))
            kind[g->nodes[ni].inputs[qv_op_hybrid_weight(g->nodes[ni].op)]] = 1;
    for (int32_t t = 0; t < g->n_tensors; t++) {
        if (!kind[t])
            continue;
        const int32_t *r = qv_consumers_of(&cons, t);
        for (int32_t k = 0; k < qv_consumers_count(&cons, t); k++) {
            const struct qv_node *n = &g->nodes[r[k]];
            int32_t w = qv_op_hybrid_weight(n->op);
            bool as_weight = qv_node_is_hybrid(g, r[k]);
            /* a hybrid node reading t elsewhere than as its weights counts as another reader */
            for (int32_t j = 0; j < n->n_inputs; j++)
                if (n->inputs[j] == t && (!as_weight || j != w))
                    kind[t] = 2;
        }
        for (int32_t i = 0; i < g->n_outputs; i++)
            if (g->outputs[i] == t)
                kind[t] = 2;
    }
    qv_consumers_release(&cons);
    return QV_OK;
}

enum qv_status qv_pass_dequantize_weights(const struct qv_graph *g, struct qv_graph **ret_graph,
                                          struct qv_error *err)
{
    if (!g->finalized)
        return qv_fail(err, QV_E_USAGE, "dequantize-weights pass on a graph that is not "
                       "finalized");
    struct qv_graph *c = NULL;
    uint8_t *kind = calloc((size_t)g->n_tensors + 1, 1);
    int32_t *copy_of = malloc(((size_t)g->n_tensors + 1) * sizeof(int32_t));
    enum qv_status st = kind && copy_of ? classify(g, kind, err)
                                        : qv_fail(err, QV_E_NOMEM, "out of memory in a pass");
    if (st == QV_OK)
        st = qv_graph_clone(g, &c, err);
    for (int32_t t = 0; st == QV_OK && t < g->n_tensors; t++) {
        copy_of[t] = t;
        if (kind[t] == 1) {
            st = to_float(c, t, &g->tensors[t], err);
        } else if (kind[t] == 2) {
            char name[512];
            struct qv_shape shape = g->tensors[t].shape;
            snprintf(name, sizeof(name), "%s_dequantized", g->tensors[t].name);
            st = qv_graph_add_tensor(c, name, QV_DTYPE_F32, &shape, &copy_of[t], err);
            if (st == QV_OK)
                st = to_float(c, copy_of[t], &g->tensors[t], err);
        }
    }
    for (int32_t ni = 0; st == QV_OK && ni < g->n_nodes; ni++) {
        if (!qv_node_is_hybrid(g, ni))
            continue;
        struct qv_node *n = &c->nodes[ni];
        int32_t w = qv_op_hybrid_weight(n->op);
        n->inputs[w] = copy_of[n->inputs[w]];
    }
    if (st == QV_OK)
        st = qv_graph_finalize(c, err);
    free(kind);
    free(copy_of);
    if (st != QV_OK) {
        qv_graph_free(c);
        qv_graph_error_locate(g, err);
        return st;
    }
    *ret_graph = c;
    return QV_OK;
}
