/* SPDX-License-Identifier: Apache-2.0 */
/* Graph construction, validation and topological order (shape inference: infer.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/graph_int.h"

enum qv_status qv_graph_create(struct qv_graph **ret_graph, struct qv_error *err)
{
    struct qv_graph *g = calloc(1, sizeof(*g));
    if (!g)
        return qv_fail(err, QV_E_NOMEM, "out of memory creating a graph");
    g->arena = qv_arena_create();
    if (!g->arena) {
        free(g);
        return qv_fail(err, QV_E_NOMEM, "out of memory creating a graph");
    }
    g->name = "";
    g->path = "";
    *ret_graph = g;
    return QV_OK;
}

void qv_graph_free(struct qv_graph *g)
{
    if (!g)
        return;
    free(g->tensors);
    free(g->nodes);
    free(g->order);
    qv_arena_free(g->arena);
    free(g);
}

void *qv_graph_arena_alloc(struct qv_graph *g, size_t size, struct qv_error *err)
{
    void *p = qv_arena_alloc(g->arena, size, 16);
    if (!p)
        qv_fail(err, QV_E_NOMEM, "out of memory (%zu bytes for the graph)", size);
    return p;
}

enum qv_status qv_graph_strdup(struct qv_graph *g, const char *s, const char **ret_str,
                               struct qv_error *err)
{
    size_t n = strlen(s);
    char *p = qv_graph_arena_alloc(g, n + 1, err);
    if (!p)
        return QV_E_NOMEM;
    memcpy(p, s, n + 1);
    *ret_str = p;
    return QV_OK;
}

static enum qv_status grow(void **items, int32_t *cap, int32_t need, size_t item_size,
                           struct qv_error *err)
{
    if (need <= *cap)
        return QV_OK;
    int32_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > INT32_MAX / 2)
            return qv_fail(err, QV_E_INPUT, "too many graph items (%d)", need);
        ncap *= 2;
    }
    void *p = realloc(*items, (size_t)ncap * item_size);
    if (!p)
        return qv_fail(err, QV_E_NOMEM, "out of memory growing the graph to %d items", ncap);
    *items = p;
    *cap = ncap;
    return QV_OK;
}

enum qv_status qv_graph_add_tensor(struct qv_graph *g, const char *name, enum qv_dtype dtype,
                                   const struct qv_shape *shape, int32_t *ret_index,
                                   struct qv_error *err)
{
    enum qv_status st;
    if ((unsigned)dtype >= QV_DTYPE_COUNT)
        return qv_fail(err, QV_E_INPUT, "tensor '%s': unknown dtype %d", name, (int)dtype);
    st = qv_shape_check(shape, err);
    if (st != QV_OK) {
        qv_error_prefix(err, NULL, "tensor '%s'", name);
        return st;
    }
    st = grow((void **)&g->tensors, &g->cap_tensors, g->n_tensors + 1, sizeof(*g->tensors), err);
    if (st != QV_OK)
        return st;
    struct qv_tensor *t = &g->tensors[g->n_tensors];
    memset(t, 0, sizeof(*t));
    st = qv_graph_strdup(g, name ? name : "", &t->name, err);
    if (st != QV_OK)
        return st;
    t->dtype = dtype;
    t->shape = *shape;
    t->nbytes = (size_t)qv_shape_elems(shape) * qv_dtype_size(dtype);
    t->producer = -1;
    *ret_index = g->n_tensors++;
    return QV_OK;
}

static enum qv_status check_tensor_index(const struct qv_graph *g, int32_t t, struct qv_error *err)
{
    if (t < 0 || t >= g->n_tensors)
        return qv_fail(err, QV_E_INPUT, "tensor index %d is out of range (graph has %d tensors)",
                       t, g->n_tensors);
    return QV_OK;
}

enum qv_status qv_graph_alloc_data(struct qv_graph *g, int32_t t, void **ret_data,
                                   struct qv_error *err)
{
    enum qv_status st = check_tensor_index(g, t, err);
    if (st != QV_OK)
        return st;
    struct qv_tensor *ts = &g->tensors[t];
    if (!ts->data) {
        void *p = qv_graph_arena_alloc(g, ts->nbytes, err);
        if (!p)
            return QV_E_NOMEM;
        ts->data = p;
    }
    *ret_data = (void *)ts->data;
    return QV_OK;
}

enum qv_status qv_graph_set_data(struct qv_graph *g, int32_t t, const void *data, size_t nbytes,
                                 struct qv_error *err)
{
    enum qv_status st = check_tensor_index(g, t, err);
    if (st != QV_OK)
        return st;
    if (nbytes != g->tensors[t].nbytes)
        return qv_fail(err, QV_E_INPUT, "tensor '%s': %zu bytes of data for a %zu-byte tensor",
                       g->tensors[t].name, nbytes, g->tensors[t].nbytes);
    void *p;
    st = qv_graph_alloc_data(g, t, &p, err);
    if (st != QV_OK)
        return st;
    if (nbytes)
        memcpy(p, data, nbytes);
    return QV_OK;
}

enum qv_status qv_graph_set_quant(struct qv_graph *g, int32_t t, int32_t count,
                                  const float *scale, int32_t n_zp, const int32_t *zero_point,
                                  int32_t axis, struct qv_error *err)
{
    enum qv_status st = check_tensor_index(g, t, err);
    if (st != QV_OK)
        return st;
    struct qv_tensor *ts = &g->tensors[t];
    if (count == 0) {
        memset(&ts->quant, 0, sizeof(ts->quant));
        return QV_OK;
    }
    if (count < 0 || (n_zp != 1 && n_zp != count))
        return qv_fail(err, QV_E_INPUT, "tensor '%s': %d scales with %d zero points", ts->name,
                       count, n_zp);
    if (count > 1) {
        if (axis < 0 || axis >= ts->shape.rank)
            return qv_fail(err, QV_E_INPUT, "tensor '%s': quantized dimension %d outside rank %d",
                           ts->name, axis, ts->shape.rank);
        if (ts->shape.dims[axis] != count)
            return qv_fail(err, QV_E_INPUT,
                           "tensor '%s': %d scales for quantized dimension %d of size %lld",
                           ts->name, count, axis, (long long)ts->shape.dims[axis]);
    }
    char why[160];
    for (int32_t i = 0; i < count; i++) {
        const char *p = qv_quant_scale_problem(ts->dtype, scale[i], why, sizeof(why));
        if (p)
            return qv_fail(err, QV_E_INPUT, "tensor '%s': scale[%d] = %g %s", ts->name, i,
                           (double)scale[i], p);
    }
    for (int32_t i = 0; i < n_zp; i++) {
        const char *p = qv_quant_zero_point_problem(ts->dtype, zero_point[i], why, sizeof(why));
        if (p)
            return qv_fail(err, QV_E_INPUT, "tensor '%s': zero_point[%d] = %d %s", ts->name, i,
                           zero_point[i], p);
    }
    float *s = qv_graph_arena_alloc(g, (size_t)count * sizeof(float), err);
    int32_t *z = s ? qv_graph_arena_alloc(g, (size_t)count * sizeof(int32_t), err) : NULL;
    if (!z)
        return QV_E_NOMEM;
    for (int32_t i = 0; i < count; i++) {
        s[i] = scale[i];
        z[i] = zero_point[n_zp == 1 ? 0 : i];
    }
    ts->quant = (struct qv_quant){ .count = count, .scale = s, .zero_point = z,
                                   .axis = count > 1 ? axis : 0 };
    return QV_OK;
}

void qv_attrs_init(struct qv_attrs *a)
{
    memset(a, 0, sizeof(*a));
    a->padding = QV_PADDING_SAME;
    a->stride_w = a->stride_h = 1;
    a->dilation_w = a->dilation_h = 1;
    a->filter_w = a->filter_h = 1;
    a->depth_multiplier = 1;
    a->act = QV_ACT_NONE;
    a->beta = 1.0f;
    a->alpha = 0.2f;
}

enum qv_status qv_graph_build_node(struct qv_graph *g, int32_t idx, enum qv_op op,
                                   const char *name, int32_t n_inputs, const int32_t *inputs,
                                   int32_t n_outputs, const int32_t *outputs,
                                   const struct qv_attrs *attrs, struct qv_node *n,
                                   struct qv_error *err)
{
    if ((unsigned)op >= QV_OP_COUNT)
        return qv_fail_node(err, QV_E_INPUT, idx, "node %d: unknown op %d", idx, (int)op);
    const struct qv_op_def *d = &qv_op_defs[op];
    if (op == QV_OP_UNSUPPORTED)
        return qv_fail_node(err, QV_E_INPUT, idx, "node %d: an unsupported operator needs its "
                            "source name (qv_graph_add_unsupported_node)", idx);
    if (n_inputs < d->min_inputs || n_inputs > d->max_inputs)
        return qv_fail_node(err, QV_E_INPUT, idx, "node %d (%s): %d inputs, expected %d..%d", idx,
                            d->name, n_inputs, d->min_inputs, d->max_inputs);
    if (n_outputs < d->min_outputs || n_outputs > d->max_outputs) {
        if (d->min_outputs == d->max_outputs)
            return qv_fail_node(err, QV_E_INPUT, idx, "node %d (%s): %d outputs, expected %d",
                                idx, d->name, n_outputs, d->min_outputs);
        return qv_fail_node(err, QV_E_INPUT, idx, "node %d (%s): %d outputs, expected %d..%d",
                            idx, d->name, n_outputs, d->min_outputs, d->max_outputs);
    }
    memset(n, 0, sizeof(*n));
    n->op = op;
    n->n_inputs = n_inputs;
    n->n_outputs = n_outputs;
    if (n_inputs)
        memcpy(n->inputs, inputs, (size_t)n_inputs * sizeof(int32_t));
    if (n_outputs)
        memcpy(n->outputs, outputs, (size_t)n_outputs * sizeof(int32_t));
    if (attrs)
        n->attrs = *attrs;
    else
        qv_attrs_init(&n->attrs);
    n->name = "";
    n->source_code = -1;
    n->source_name = NULL;
    if (name)
        return qv_graph_strdup(g, name, &n->name, err);
    return QV_OK;
}

enum qv_status qv_graph_add_node(struct qv_graph *g, enum qv_op op, const char *name,
                                 int32_t n_inputs, const int32_t *inputs, int32_t n_outputs,
                                 const int32_t *outputs, const struct qv_attrs *attrs,
                                 int32_t *ret_index, struct qv_error *err)
{
    struct qv_node n;
    enum qv_status st = qv_graph_build_node(g, g->n_nodes, op, name, n_inputs, inputs,
                                            n_outputs, outputs, attrs, &n, err);
    if (st != QV_OK)
        return st;
    return qv_graph_append_node(g, &n, ret_index, err);
}

enum qv_status qv_graph_append_node(struct qv_graph *g, const struct qv_node *n,
                                    int32_t *ret_index, struct qv_error *err)
{
    int32_t idx = g->n_nodes;
    enum qv_status st = grow((void **)&g->nodes, &g->cap_nodes, idx + 1, sizeof(*g->nodes), err);
    if (st != QV_OK)
        return st;
    g->nodes[idx] = *n;
    g->n_nodes++;
    g->finalized = false;
    if (ret_index)
        *ret_index = idx;
    return QV_OK;
}

enum qv_status qv_graph_set_io(struct qv_graph *g, int32_t n_inputs, const int32_t *inputs,
                               int32_t n_outputs, const int32_t *outputs, struct qv_error *err)
{
    if (n_inputs < 1 || n_outputs < 1)
        return qv_fail(err, QV_E_INPUT, "a graph needs at least one input and one output");
    int32_t *in = qv_graph_arena_alloc(g, (size_t)n_inputs * sizeof(int32_t), err);
    int32_t *out = in ? qv_graph_arena_alloc(g, (size_t)n_outputs * sizeof(int32_t), err) : NULL;
    if (!out)
        return QV_E_NOMEM;
    memcpy(in, inputs, (size_t)n_inputs * sizeof(int32_t));
    memcpy(out, outputs, (size_t)n_outputs * sizeof(int32_t));
    g->inputs = in;
    g->outputs = out;
    g->n_inputs = n_inputs;
    g->n_outputs = n_outputs;
    g->finalized = false;
    return QV_OK;
}

enum qv_status qv_graph_set_path(struct qv_graph *g, const char *path, struct qv_error *err)
{
    return qv_graph_strdup(g, path ? path : "", &g->path, err);
}

void qv_graph_error_locate(const struct qv_graph *g, struct qv_error *err)
{
    if (err && !err->path[0] && g && g->path && g->path[0])
        snprintf(err->path, sizeof(err->path), "%s", g->path);
}

int32_t qv_graph_find_tensor(const struct qv_graph *g, const char *name)
{
    for (int32_t i = 0; i < g->n_tensors; i++)
        if (strcmp(g->tensors[i].name, name) == 0)
            return i;
    return -1;
}

/* Index checks and producers: every tensor read must be a constant, a graph input or produced. */
static enum qv_status link_tensors(struct qv_graph *g, struct qv_error *err)
{
    for (int32_t i = 0; i < g->n_tensors; i++)
        g->tensors[i].producer = -1;
    for (int32_t i = 0; i < g->n_inputs; i++) {
        if (check_tensor_index(g, g->inputs[i], err) != QV_OK) {
            qv_error_prefix(err, NULL, "graph input %d", i);
            return QV_E_INPUT;
        }
        if (g->tensors[g->inputs[i]].data)
            return qv_fail(err, QV_E_INPUT, "graph input %d ('%s') is a constant", i,
                           g->tensors[g->inputs[i]].name);
        if (g->tensors[g->inputs[i]].is_variable)
            return qv_fail(err, QV_E_INPUT, "graph input %d ('%s') is a variable", i,
                           g->tensors[g->inputs[i]].name);
    }
    for (int32_t i = 0; i < g->n_outputs; i++)
        if (check_tensor_index(g, g->outputs[i], err) != QV_OK) {
            qv_error_prefix(err, NULL, "graph output %d", i);
            return QV_E_INPUT;
        }
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        struct qv_node *n = &g->nodes[ni];
        const char *opn = qv_node_op_name(n);
        if ((unsigned)n->op >= QV_OP_COUNT)
            return qv_fail_node(err, QV_E_INPUT, ni, "node %d: unknown op %d", ni, (int)n->op);
        for (int32_t k = 0; k < n->n_inputs; k++) {
            int32_t t = n->inputs[k];
            if (t == -1 && k >= qv_op_defs[n->op].min_inputs)
                continue;
            if (t < 0 || t >= g->n_tensors)
                return qv_fail_node(err, QV_E_INPUT, ni,
                                    "node %d (%s): input %d names tensor %d, graph has %d tensors",
                                    ni, opn, k, t, g->n_tensors);
        }
        for (int32_t k = 0; k < n->n_outputs; k++) {
            int32_t t = n->outputs[k];
            if (t < 0 || t >= g->n_tensors)
                return qv_fail_node(err, QV_E_INPUT, ni,
                                    "node %d (%s): output %d names tensor %d, graph has %d tensors",
                                    ni, opn, k, t, g->n_tensors);
            struct qv_tensor *ts = &g->tensors[t];
            if (ts->data)
                return qv_fail_node(err, QV_E_INPUT, ni,
                                    "node %d (%s): output tensor '%s' is a constant", ni, opn,
                                    ts->name);
            if (ts->is_variable)
                return qv_fail_node(err, QV_E_INPUT, ni,
                                    "node %d (%s): output tensor '%s' is a variable", ni, opn,
                                    ts->name);
            if (ts->producer >= 0)
                return qv_fail_node(err, QV_E_INPUT, ni,
                                    "node %d (%s): tensor '%s' is already produced by node %d", ni,
                                    opn, ts->name, ts->producer);
            for (int32_t i = 0; i < g->n_inputs; i++)
                if (g->inputs[i] == t)
                    return qv_fail_node(err, QV_E_INPUT, ni,
                                        "node %d (%s): output tensor '%s' is a graph input", ni,
                                        opn, ts->name);
            ts->producer = ni;
        }
        if (!n->name[0] && n->n_outputs > 0)
            n->name = g->tensors[n->outputs[0]].name;
    }
    return QV_OK;
}

static bool is_graph_input(const struct qv_graph *g, int32_t t)
{
    for (int32_t i = 0; i < g->n_inputs; i++)
        if (g->inputs[i] == t)
            return true;
    return false;
}

/* Min-heap of node indices (the ready set of topo_sort). */
static void heap_push(int32_t *h, int32_t *n, int32_t v)
{
    int32_t i = (*n)++;
    while (i > 0 && h[(i - 1) / 2] > v) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = v;
}

static int32_t heap_pop(int32_t *h, int32_t *n)
{
    int32_t top = h[0], last = h[--(*n)], i = 0;
    for (;;) {
        int32_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && h[c + 1] < h[c])
            c++;
        if (h[c] >= last)
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = last;
    return top;
}

/*
 * Kahn's algorithm with a min-heap of ready nodes: among ready nodes the lowest index runs first,
 * so a graph already in order keeps it. O((nodes + edges) log nodes): hostile files with many
 * operators stay fast.
 */
static enum qv_status topo_sort(struct qv_graph *g, struct qv_error *err)
{
    enum qv_status st = QV_OK;
    int32_t n = g->n_nodes, nt = g->n_tensors, edges = 0;
    for (int32_t ni = 0; ni < n; ni++)
        edges += g->nodes[ni].n_inputs;
    int32_t *pending = calloc((size_t)n + 1, sizeof(int32_t));
    int32_t *heap = malloc(((size_t)n + 1) * sizeof(int32_t));
    int32_t *cons_start = calloc((size_t)nt + 2, sizeof(int32_t));
    int32_t *cons = malloc(((size_t)edges + 1) * sizeof(int32_t));
    free(g->order);
    g->order = malloc(((size_t)n + 1) * sizeof(int32_t));
    if (!pending || !heap || !cons_start || !cons || !g->order) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory ordering %d nodes", n);
        goto cleanup;
    }
    /* consumers of each produced tensor, as compressed rows */
    for (int32_t ni = 0; ni < n; ni++) {
        const struct qv_node *nd = &g->nodes[ni];
        for (int32_t k = 0; k < nd->n_inputs; k++) {
            int32_t t = nd->inputs[k];
            if (t < 0)
                continue;
            const struct qv_tensor *ts = &g->tensors[t];
            if (ts->producer >= 0) {
                pending[ni]++;
                cons_start[t + 1]++;
            } else if (!ts->data && !ts->is_variable && !is_graph_input(g, t)) {
                st = qv_fail_node(err, QV_E_INPUT, ni,
                                  "node %d (%s): input tensor '%s' (%d) is never produced", ni,
                                  qv_node_op_name(nd), ts->name, t);
                goto cleanup;
            }
        }
    }
    for (int32_t t = 0; t < nt; t++)
        cons_start[t + 1] += cons_start[t];
    /* place each consumer at the next free slot of its tensor's row */
    int32_t *fill = calloc((size_t)nt + 1, sizeof(int32_t));
    if (!fill) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory ordering %d nodes", n);
        goto cleanup;
    }
    for (int32_t ni = 0; ni < n; ni++) {
        const struct qv_node *nd = &g->nodes[ni];
        for (int32_t k = 0; k < nd->n_inputs; k++) {
            int32_t t = nd->inputs[k];
            if (t >= 0 && g->tensors[t].producer >= 0)
                cons[cons_start[t] + fill[t]++] = ni;
        }
    }
    free(fill);
    int32_t ready = 0, placed = 0;
    for (int32_t ni = 0; ni < n; ni++)
        if (pending[ni] == 0)
            heap_push(heap, &ready, ni);
    while (ready > 0) {
        int32_t pick = heap_pop(heap, &ready);
        g->order[placed++] = pick;
        const struct qv_node *pn = &g->nodes[pick];
        for (int32_t o = 0; o < pn->n_outputs; o++) {
            int32_t t = pn->outputs[o];
            for (int32_t c = cons_start[t]; c < cons_start[t + 1]; c++)
                if (--pending[cons[c]] == 0)
                    heap_push(heap, &ready, cons[c]);
        }
    }
    if (placed < n) {
        /* every unplaced node waits on an unplaced producer: walking producers n times from
         * any of them ends on a node of the cycle, which the message names */
        int32_t cur = 0;
        while (pending[cur] == 0)
            cur++;
        for (int32_t step = 0; step < n; step++) {
            const struct qv_node *nd = &g->nodes[cur];
            for (int32_t k = 0; k < nd->n_inputs; k++) {
                int32_t t = nd->inputs[k];
                if (t >= 0 && g->tensors[t].producer >= 0 && pending[g->tensors[t].producer] > 0) {
                    cur = g->tensors[t].producer;
                    break;
                }
            }
        }
        st = qv_fail_node(err, QV_E_INPUT, cur, "node %d (%s, '%s') is part of a cycle", cur,
                          qv_node_op_name(&g->nodes[cur]), g->nodes[cur].name);
    }
cleanup:
    free(pending);
    free(heap);
    free(cons_start);
    free(cons);
    return st;
}

/* The walk in strict mode, then empty stored shapes take the inferred ones. */
static enum qv_status infer_all(struct qv_graph *g, struct qv_error *err)
{
    struct qv_shape *shapes = malloc(((size_t)g->n_tensors + 1) * sizeof(*shapes));
    if (!shapes)
        return qv_fail(err, QV_E_NOMEM, "out of memory inferring %d shapes", g->n_tensors);
    enum qv_status st = qv_graph_infer_walk(g, NULL, true, shapes, err);
    for (int32_t t = 0; st == QV_OK && t < g->n_tensors; t++) {
        struct qv_tensor *ts = &g->tensors[t];
        if (ts->producer >= 0 && ts->shape.rank == 0 && shapes[t].rank != 0) {
            ts->shape = shapes[t];
            ts->nbytes = (size_t)qv_shape_elems(&shapes[t]) * qv_dtype_size(ts->dtype);
        }
    }
    free(shapes);
    return st;
}

enum qv_status qv_graph_finalize(struct qv_graph *g, struct qv_error *err)
{
    enum qv_status st;
    g->finalized = false;
    if (g->n_inputs < 1 || g->n_outputs < 1) {
        st = qv_fail(err, QV_E_INPUT, "the graph declares no inputs or no outputs");
        qv_graph_error_locate(g, err);
        return st;
    }
    st = link_tensors(g, err);
    if (st == QV_OK)
        st = topo_sort(g, err);
    if (st == QV_OK)
        st = infer_all(g, err);
    for (int32_t i = 0; st == QV_OK && i < g->n_outputs; i++) {
        const struct qv_tensor *t = &g->tensors[g->outputs[i]];
        if (t->producer < 0 && !is_graph_input(g, g->outputs[i]))
            st = qv_fail(err, QV_E_INPUT, "graph output '%s' is never produced", t->name);
    }
    if (st != QV_OK) {
        qv_graph_error_locate(g, err);
        return st;
    }
    g->finalized = true;
    return QV_OK;
}

int64_t qv_graph_node_macs(const struct qv_graph *g, int32_t node)
{
    const struct qv_node *n = &g->nodes[node];
    const struct qv_op_def *d = &qv_op_defs[n->op];
    return d->macs ? d->macs(g, n) : 0;
}

int64_t qv_graph_total_macs(const struct qv_graph *g)
{
    int64_t total = 0;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        int64_t m = qv_graph_node_macs(g, i);   /* per-op counts saturate at INT64_MAX */
        total = m > INT64_MAX - total ? INT64_MAX : total + m;
    }
    return total;
}

int64_t qv_graph_param_count(const struct qv_graph *g)
{
    int64_t n = 0;
    for (int32_t i = 0; i < g->n_tensors; i++)
        if (g->tensors[i].data)
            n += qv_shape_elems(&g->tensors[i].shape);
    return n;
}

size_t qv_graph_weight_bytes(const struct qv_graph *g)
{
    size_t n = 0;
    for (int32_t i = 0; i < g->n_tensors; i++)
        if (g->tensors[i].data)
            n += g->tensors[i].nbytes;
    return n;
}
