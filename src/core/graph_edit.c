/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Graph editing for passes: clone, tensor and node copies between graphs through an index map,
 * the consumer index, node removal and replacement, rewiring a tensor's uses.
 */
#include <stdlib.h>
#include <string.h>

#include "core/graph_int.h"

static enum qv_status check_tensor(const struct qv_graph *g, int32_t t, const char *what,
                                   struct qv_error *err)
{
    if (t < 0 || t >= g->n_tensors)
        return qv_fail(err, QV_E_INPUT, "%s: tensor index %d is out of range (graph has %d "
                       "tensors)", what, t, g->n_tensors);
    return QV_OK;
}

static enum qv_status check_node(const struct qv_graph *g, int32_t node, struct qv_error *err)
{
    if (node < 0 || node >= g->n_nodes)
        return qv_fail(err, QV_E_INPUT, "node index %d is out of range (graph has %d nodes)",
                       node, g->n_nodes);
    return QV_OK;
}

enum qv_status qv_graph_copy_tensor(struct qv_graph *dst, const struct qv_graph *src, int32_t t,
                                    int32_t *ret_index, struct qv_error *err)
{
    enum qv_status st = check_tensor(src, t, "copy", err);
    if (st != QV_OK)
        return st;
    const struct qv_tensor *s = &src->tensors[t];
    int32_t idx;
    st = qv_graph_add_tensor(dst, s->name, s->dtype, &s->shape, &idx, err);
    if (st == QV_OK && s->data)
        st = qv_graph_set_data(dst, idx, s->data, s->nbytes, err);
    if (st == QV_OK && s->quant.count > 0)
        st = qv_graph_set_quant(dst, idx, s->quant.count, s->quant.scale, s->quant.count,
                                s->quant.zero_point, s->quant.axis, err);
    if (st == QV_OK && s->is_variable)
        dst->tensors[idx].is_variable = true;
    if (st != QV_OK)
        return st;
    dst->tensors[idx].producer = -1;
    *ret_index = idx;
    return QV_OK;
}

enum qv_status qv_graph_copy_tensors(struct qv_graph *dst, const struct qv_graph *src,
                                     const bool *which, int32_t *map, struct qv_error *err)
{
    for (int32_t t = 0; t < src->n_tensors; t++)
        map[t] = -1;
    for (int32_t t = 0; t < src->n_tensors; t++) {
        if (which && !which[t])
            continue;
        enum qv_status st = qv_graph_copy_tensor(dst, src, t, &map[t], err);
        if (st != QV_OK)
            return st;
    }
    return QV_OK;
}

/* Maps one tensor reference of a node being copied; -1 (omitted input) stays -1. */
static enum qv_status map_ref(const struct qv_graph *src, const struct qv_node *n, int32_t node,
                              int32_t t, const int32_t *map, int32_t *ret, struct qv_error *err)
{
    if (t == -1) {
        *ret = -1;
        return QV_OK;
    }
    if (t < 0 || t >= src->n_tensors)
        return qv_fail_node(err, QV_E_INPUT, node, "node %d (%s): tensor index %d is out of "
                            "range", node, qv_node_op_name(n), t);
    if (map[t] < 0)
        return qv_fail_node(err, QV_E_INPUT, node, "node %d (%s, '%s'): tensor '%s' has no copy "
                            "in the new graph", node, qv_node_op_name(n), n->name,
                            src->tensors[t].name);
    *ret = map[t];
    return QV_OK;
}

enum qv_status qv_graph_copy_node(struct qv_graph *dst, const struct qv_graph *src, int32_t node,
                                  const int32_t *map, int32_t *ret_index, struct qv_error *err)
{
    enum qv_status st = check_node(src, node, err);
    if (st != QV_OK)
        return st;
    const struct qv_node *n = &src->nodes[node];
    int32_t in[QV_MAX_INPUTS], out[QV_MAX_OUTPUTS];
    for (int32_t k = 0; st == QV_OK && k < n->n_inputs; k++)
        st = map_ref(src, n, node, n->inputs[k], map, &in[k], err);
    for (int32_t k = 0; st == QV_OK && k < n->n_outputs; k++)
        st = map_ref(src, n, node, n->outputs[k], map, &out[k], err);
    if (st != QV_OK)
        return st;
    if (n->op == QV_OP_UNSUPPORTED)
        return qv_graph_add_unsupported_node(dst, n->source_code, n->source_name, n->n_inputs,
                                             in, n->n_outputs, out, ret_index, err);
    return qv_graph_add_node(dst, n->op, n->name, n->n_inputs, in, n->n_outputs, out,
                             &n->attrs, ret_index, err);
}

enum qv_status qv_graph_clone(const struct qv_graph *g, struct qv_graph **ret_graph,
                              struct qv_error *err)
{
    struct qv_graph *c = NULL;
    int32_t *map = malloc(((size_t)g->n_tensors + 1) * sizeof(int32_t));
    enum qv_status st = map ? qv_graph_create(&c, err)
                            : qv_fail(err, QV_E_NOMEM, "out of memory cloning a graph");
    if (st == QV_OK)
        st = qv_graph_strdup(c, g->name ? g->name : "", &c->name, err);
    if (st == QV_OK)
        st = qv_graph_set_path(c, g->path, err);
    if (st == QV_OK)
        st = qv_graph_copy_tensors(c, g, NULL, map, err);
    for (int32_t ni = 0; st == QV_OK && ni < g->n_nodes; ni++)
        st = qv_graph_copy_node(c, g, ni, map, NULL, err);
    if (st == QV_OK && g->n_inputs > 0 && g->n_outputs > 0)
        st = qv_graph_set_io(c, g->n_inputs, g->inputs, g->n_outputs, g->outputs, err);
    if (st == QV_OK && g->finalized) {
        /* same tensors and nodes: the copy keeps the order and producers without a re-check */
        c->order = malloc(((size_t)g->n_nodes + 1) * sizeof(int32_t));
        if (!c->order) {
            st = qv_fail(err, QV_E_NOMEM, "out of memory cloning a graph");
        } else {
            memcpy(c->order, g->order, (size_t)g->n_nodes * sizeof(int32_t));
            for (int32_t t = 0; t < g->n_tensors; t++)
                c->tensors[t].producer = g->tensors[t].producer;
            c->finalized = true;
        }
    }
    free(map);
    if (st != QV_OK) {
        qv_graph_free(c);
        qv_graph_error_locate(g, err);
        return st;
    }
    *ret_graph = c;
    return QV_OK;
}

/* ---- consumers ------------------------------------------------------------------------------- */

/* Whether node n already listed tensor t among its inputs before position k. */
static bool seen_before(const struct qv_node *n, int32_t k, int32_t t)
{
    for (int32_t j = 0; j < k; j++)
        if (n->inputs[j] == t)
            return true;
    return false;
}

enum qv_status qv_consumers_build(const struct qv_graph *g, struct qv_consumers *ret_consumers,
                                  struct qv_error *err)
{
    int32_t nt = g->n_tensors;
    int64_t edges = 0;
    for (int32_t ni = 0; ni < g->n_nodes; ni++)
        edges += g->nodes[ni].n_inputs;
    int32_t *start = calloc((size_t)nt + 2, sizeof(int32_t));
    int32_t *nodes = malloc(((size_t)edges + 1) * sizeof(int32_t));
    int32_t *fill = calloc((size_t)nt + 1, sizeof(int32_t));
    if (!start || !nodes || !fill) {
        free(start);
        free(nodes);
        free(fill);
        return qv_fail(err, QV_E_NOMEM, "out of memory indexing the readers of %d tensors", nt);
    }
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        const struct qv_node *n = &g->nodes[ni];
        for (int32_t k = 0; k < n->n_inputs; k++) {
            int32_t t = n->inputs[k];
            if (t >= 0 && t < nt && !seen_before(n, k, t))
                start[t + 1]++;
        }
    }
    for (int32_t t = 0; t < nt; t++)
        start[t + 1] += start[t];
    /* nodes visited in index order: each row comes out ascending */
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        const struct qv_node *n = &g->nodes[ni];
        for (int32_t k = 0; k < n->n_inputs; k++) {
            int32_t t = n->inputs[k];
            if (t >= 0 && t < nt && !seen_before(n, k, t))
                nodes[start[t] + fill[t]++] = ni;
        }
    }
    free(fill);
    *ret_consumers = (struct qv_consumers){ .n_tensors = nt, .start = start, .nodes = nodes };
    return QV_OK;
}

void qv_consumers_release(struct qv_consumers *c)
{
    if (!c)
        return;
    free(c->start);
    free(c->nodes);
    memset(c, 0, sizeof(*c));
}

int32_t qv_consumers_count(const struct qv_consumers *c, int32_t t)
{
    if (!c->start || t < 0 || t >= c->n_tensors)
        return 0;
    return c->start[t + 1] - c->start[t];
}

const int32_t *qv_consumers_of(const struct qv_consumers *c, int32_t t)
{
    return qv_consumers_count(c, t) > 0 ? &c->nodes[c->start[t]] : NULL;
}

/* ---- removing, replacing, rewiring ----------------------------------------------------------- */

enum qv_status qv_graph_remove_node(struct qv_graph *g, int32_t node, struct qv_error *err)
{
    enum qv_status st = check_node(g, node, err);
    if (st != QV_OK)
        return st;
    const struct qv_node *n = &g->nodes[node];
    for (int32_t k = 0; k < n->n_outputs; k++) {
        int32_t t = n->outputs[k];
        if (t < 0 || t >= g->n_tensors)
            continue;
        for (int32_t i = 0; i < g->n_outputs; i++)
            if (g->outputs[i] == t)
                return qv_fail_node(err, QV_E_INPUT, node, "cannot remove node %d (%s, '%s'): "
                                    "its output '%s' is graph output %d", node,
                                    qv_node_op_name(n), n->name, g->tensors[t].name, i);
        for (int32_t ni = 0; ni < g->n_nodes; ni++) {
            const struct qv_node *r = &g->nodes[ni];
            for (int32_t j = 0; ni != node && j < r->n_inputs; j++)
                if (r->inputs[j] == t)
                    return qv_fail_node(err, QV_E_INPUT, node, "cannot remove node %d (%s, '%s'):"
                                        " its output '%s' is read by node %d (%s, '%s')", node,
                                        qv_node_op_name(n), n->name, g->tensors[t].name, ni,
                                        qv_node_op_name(r), r->name);
        }
    }
    for (int32_t k = 0; k < n->n_outputs; k++)
        if (n->outputs[k] >= 0 && n->outputs[k] < g->n_tensors)
            g->tensors[n->outputs[k]].producer = -1;
    memmove(&g->nodes[node], &g->nodes[node + 1],
            (size_t)(g->n_nodes - node - 1) * sizeof(*g->nodes));
    g->n_nodes--;
    g->finalized = false;
    return QV_OK;
}

enum qv_status qv_graph_replace_node(struct qv_graph *g, int32_t node, enum qv_op op,
                                     const char *name, int32_t n_inputs, const int32_t *inputs,
                                     int32_t n_outputs, const int32_t *outputs,
                                     const struct qv_attrs *attrs, struct qv_error *err)
{
    struct qv_node n;
    enum qv_status st = check_node(g, node, err);
    if (st == QV_OK)
        st = qv_graph_build_node(g, node, op, name, n_inputs, inputs, n_outputs, outputs, attrs,
                                 &n, err);
    if (st != QV_OK)
        return st;
    g->nodes[node] = n;
    g->finalized = false;
    return QV_OK;
}

enum qv_status qv_graph_replace_uses(struct qv_graph *g, int32_t from, int32_t to,
                                     int32_t *ret_count, struct qv_error *err)
{
    enum qv_status st = check_tensor(g, from, "replace uses", err);
    if (st == QV_OK)
        st = check_tensor(g, to, "replace uses", err);
    if (st != QV_OK)
        return st;
    int32_t count = 0;
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        struct qv_node *n = &g->nodes[ni];
        for (int32_t k = 0; k < n->n_inputs; k++)
            if (n->inputs[k] == from) {
                n->inputs[k] = to;
                count++;
            }
    }
    for (int32_t i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == from) {
            g->outputs[i] = to;
            count++;
        }
    if (count)
        g->finalized = false;
    if (ret_count)
        *ret_count = count;
    return QV_OK;
}
