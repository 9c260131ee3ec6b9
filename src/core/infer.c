/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shape inference over a whole graph: the one walk behind qv_graph_finalize (strict: stored
 * shapes must match), the engines' batch planning (qv_graph_infer_batch) and the budget planner
 * (qv_graph_infer_shapes).
 */
#include <stdlib.h>
#include <string.h>

#include "core/graph_int.h"

static enum qv_status infer_node(const struct qv_graph *g, int32_t ni, bool strict,
                                 struct qv_shape *shapes, struct qv_error *err)
{
    char want[160], got[160];
    const struct qv_node *n = &g->nodes[ni];
    const struct qv_op_def *d = &qv_op_defs[n->op];
    const struct qv_shape *in[QV_MAX_INPUTS] = { 0 };
    struct qv_shape out[QV_MAX_OUTPUTS];
    memset(out, 0, sizeof(out));
    for (int32_t k = 0; k < n->n_inputs; k++)
        in[k] = n->inputs[k] >= 0 ? &shapes[n->inputs[k]] : NULL;
    if (!d->infer)
        return qv_fail_node(err, QV_E_INPUT, ni, "node %d (%s): op has no shape inference", ni,
                            d->name);
    enum qv_status st = d->infer(g, n, in, out, err);
    if (st != QV_OK) {
        if (err)
            err->node = ni;
        /* op messages already start with "OP 'name'" (core/ops/ops_common.h) */
        qv_error_prefix(err, NULL, "node %d", ni);
        return st;
    }
    for (int32_t k = 0; k < n->n_outputs; k++) {
        const struct qv_tensor *t = &g->tensors[n->outputs[k]];
        st = qv_shape_check(&out[k], err);
        if (st != QV_OK) {
            if (err)
                err->node = ni;
            qv_error_prefix(err, NULL, "node %d (%s, '%s'): output '%s'", ni,
                            qv_node_op_name(n), n->name, t->name);
            return st;
        }
        if (strict && t->shape.rank != 0 && !qv_shape_equal(&t->shape, &out[k])) {
            qv_shape_format(&out[k], want, sizeof(want));
            qv_shape_format(&t->shape, got, sizeof(got));
            return qv_fail_node(err, QV_E_INPUT, ni,
                                "node %d (%s, '%s'): output '%s' has shape %s, the op gives %s",
                                ni, qv_node_op_name(n), n->name, t->name, got, want);
        }
        shapes[n->outputs[k]] = out[k];
    }
    return QV_OK;
}

enum qv_status qv_graph_infer_walk(const struct qv_graph *g, const struct qv_shape *in_shapes,
                                   bool strict, struct qv_shape *shapes, struct qv_error *err)
{
    for (int32_t t = 0; t < g->n_tensors; t++)
        shapes[t] = g->tensors[t].shape;
    for (int32_t i = 0; in_shapes && i < g->n_inputs; i++) {
        enum qv_status st = qv_shape_check(&in_shapes[i], err);
        if (st != QV_OK) {
            qv_error_prefix(err, NULL, "graph input %d ('%s')", i,
                            g->tensors[g->inputs[i]].name);
            return st;
        }
        shapes[g->inputs[i]] = in_shapes[i];
    }
    for (int32_t oi = 0; oi < g->n_nodes; oi++) {
        enum qv_status st = infer_node(g, g->order[oi], strict, shapes, err);
        if (st != QV_OK)
            return st;
    }
    return QV_OK;
}

enum qv_status qv_graph_infer_shapes(const struct qv_graph *g, const struct qv_shape *in_shapes,
                                     struct qv_shape *ret_shapes, struct qv_error *err)
{
    if (!g->finalized)
        return qv_fail(err, QV_E_USAGE, "shape inference on a graph that is not finalized");
    enum qv_status st = qv_graph_infer_walk(g, in_shapes, false, ret_shapes, err);
    if (st != QV_OK)
        qv_graph_error_locate(g, err);
    return st;
}

/* Stored shapes, nothing batched. */
static void stored_shapes(const struct qv_graph *g, struct qv_shape *shapes, bool *batched)
{
    for (int32_t t = 0; t < g->n_tensors; t++) {
        shapes[t] = g->tensors[t].shape;
        if (batched)
            batched[t] = false;
    }
}

/* True when every node output carries the batch where its stored shape has 1. */
static bool batch_fits(const struct qv_graph *g, int64_t batch, const struct qv_shape *shapes)
{
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        const struct qv_node *n = &g->nodes[ni];
        for (int32_t k = 0; k < n->n_outputs; k++) {
            const struct qv_shape *stored = &g->tensors[n->outputs[k]].shape;
            const struct qv_shape *s = &shapes[n->outputs[k]];
            if (s->rank != stored->rank || stored->rank < 1 || stored->dims[0] != 1 ||
                s->dims[0] != batch)
                return false;
            for (int32_t r = 1; r < stored->rank; r++)
                if (s->dims[r] != stored->dims[r])
                    return false;
        }
    }
    return true;
}

enum qv_status qv_graph_infer_batch(const struct qv_graph *g, int64_t batch,
                                    struct qv_shape *ret_shapes, bool *ret_batched,
                                    bool *ret_batchable, struct qv_error *err)
{
    if (!g->finalized)
        return qv_fail(err, QV_E_USAGE, "shape inference on a graph that is not finalized");
    stored_shapes(g, ret_shapes, ret_batched);
    *ret_batchable = batch <= 1;
    if (batch <= 1)
        return QV_OK;
    struct qv_shape *in = malloc(((size_t)g->n_inputs + 1) * sizeof(*in));
    if (!in)
        return qv_fail(err, QV_E_NOMEM, "out of memory planning a batch");
    bool ok = true;
    for (int32_t i = 0; i < g->n_inputs && ok; i++) {
        in[i] = g->tensors[g->inputs[i]].shape;
        ok = in[i].rank >= 1 && in[i].dims[0] == 1;
        in[i].dims[0] = batch;
    }
    /* an op refusing the batched shapes only means "not batchable": its message is dropped */
    struct qv_error quiet = QV_ERROR_INIT;
    ok = ok && qv_graph_infer_walk(g, in, false, ret_shapes, &quiet) == QV_OK &&
         batch_fits(g, batch, ret_shapes);
    free(in);
    if (!ok) {
        stored_shapes(g, ret_shapes, ret_batched);
        return QV_OK;
    }
    for (int32_t t = 0; ret_batched && t < g->n_tensors; t++)
        ret_batched[t] = false;
    for (int32_t i = 0; ret_batched && i < g->n_inputs; i++)
        ret_batched[g->inputs[i]] = true;
    for (int32_t ni = 0; ret_batched && ni < g->n_nodes; ni++)
        for (int32_t k = 0; k < g->nodes[ni].n_outputs; k++)
            ret_batched[g->nodes[ni].outputs[k]] = true;
    *ret_batchable = true;
    return QV_OK;
}
