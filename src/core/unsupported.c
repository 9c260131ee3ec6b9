/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Operators and tensors qvet reads but cannot compute (see "Unsupported operators and
 * variables" in include/qvet/graph.h): adding them, naming them, and refusing graphs that hold
 * them before anything computes with them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph_int.h"

enum qv_status qv_unsupported_infer(const struct qv_graph *g, const struct qv_node *n,
                                    const struct qv_shape *const in[], struct qv_shape out[],
                                    struct qv_error *err)
{
    (void)in;
    (void)err;
    /* qvet does not know the op: its outputs have the shapes the model stores */
    for (int32_t k = 0; k < n->n_outputs; k++)
        out[k] = g->tensors[n->outputs[k]].shape;
    return QV_OK;
}

int64_t qv_unsupported_macs(const struct qv_graph *g, const struct qv_node *n)
{
    (void)g;
    (void)n;
    return 0;
}

enum qv_status qv_graph_add_unsupported_node(struct qv_graph *g, int32_t source_code,
                                             const char *source_name, int32_t n_inputs,
                                             const int32_t *inputs, int32_t n_outputs,
                                             const int32_t *outputs, int32_t *ret_index,
                                             struct qv_error *err)
{
    int32_t idx = g->n_nodes;
    if (!source_name || !source_name[0])
        return qv_fail_node(err, QV_E_INPUT, idx, "node %d: an unsupported operator needs a "
                            "name", idx);
    if (n_inputs < 0 || n_inputs > QV_MAX_INPUTS || n_outputs < 0 || n_outputs > QV_MAX_OUTPUTS)
        return qv_fail_node(err, QV_E_INPUT, idx, "node %d (%s): %d inputs and %d outputs, at "
                            "most %d and %d are supported", idx, source_name, n_inputs,
                            n_outputs, QV_MAX_INPUTS, QV_MAX_OUTPUTS);
    struct qv_node n;
    memset(&n, 0, sizeof(n));
    n.op = QV_OP_UNSUPPORTED;
    n.n_inputs = n_inputs;
    n.n_outputs = n_outputs;
    if (n_inputs)
        memcpy(n.inputs, inputs, (size_t)n_inputs * sizeof(int32_t));
    if (n_outputs)
        memcpy(n.outputs, outputs, (size_t)n_outputs * sizeof(int32_t));
    qv_attrs_init(&n.attrs);
    n.name = "";
    n.source_code = source_code;
    enum qv_status st = qv_graph_strdup(g, source_name, &n.source_name, err);
    if (st != QV_OK)
        return st;
    return qv_graph_append_node(g, &n, ret_index, err);
}

enum qv_status qv_graph_set_variable(struct qv_graph *g, int32_t t, struct qv_error *err)
{
    if (t < 0 || t >= g->n_tensors)
        return qv_fail(err, QV_E_INPUT, "tensor index %d is out of range (graph has %d tensors)",
                       t, g->n_tensors);
    if (g->tensors[t].data)
        return qv_fail(err, QV_E_INPUT, "tensor '%s': a constant cannot be a variable",
                       g->tensors[t].name);
    g->tensors[t].is_variable = true;
    g->finalized = false;
    return QV_OK;
}

const char *qv_node_op_name(const struct qv_node *n)
{
    if (n->op == QV_OP_UNSUPPORTED && n->source_name)
        return n->source_name;
    return qv_op_name(n->op);
}

/* Same operator: same source code and name. */
static int same_op(const struct qv_node *a, const struct qv_node *b)
{
    if (a->source_code != b->source_code)
        return a->source_code < b->source_code ? -1 : 1;
    return strcmp(qv_node_op_name(a), qv_node_op_name(b));
}

/* qsort context: no global state, so the graph travels with each index. */
struct ref {
    const struct qv_node *n;
    int32_t index;
};

static int cmp_ref(const void *pa, const void *pb)
{
    const struct ref *a = pa, *b = pb;
    int c = same_op(a->n, b->n);
    if (c)
        return c;
    return a->index < b->index ? -1 : a->index > b->index;
}

static int cmp_tally(const void *pa, const void *pb)
{
    const struct qv_op_tally *a = pa, *b = pb;
    return a->first_node < b->first_node ? -1 : a->first_node > b->first_node;
}

/* O(n log n) in the number of nodes: a hostile file may hold millions of operators. */
int32_t qv_graph_unsupported_ops(const struct qv_graph *g, struct qv_op_tally *ret, int32_t cap)
{
    int32_t n = 0, kinds = 0;
    for (int32_t ni = 0; ni < g->n_nodes; ni++)
        n += g->nodes[ni].op == QV_OP_UNSUPPORTED;
    if (n == 0)
        return 0;
    struct ref *refs = malloc((size_t)n * sizeof(*refs));
    struct qv_op_tally *all = malloc((size_t)n * sizeof(*all));
    if (!refs || !all) {
        free(refs);
        free(all);
        return -1;
    }
    for (int32_t ni = 0, k = 0; ni < g->n_nodes; ni++)
        if (g->nodes[ni].op == QV_OP_UNSUPPORTED)
            refs[k++] = (struct ref){ &g->nodes[ni], ni };
    qsort(refs, (size_t)n, sizeof(*refs), cmp_ref);
    for (int32_t k = 0; k < n; k++) {
        if (k > 0 && same_op(refs[k - 1].n, refs[k].n) == 0) {
            all[kinds - 1].count++;
            continue;
        }
        all[kinds++] = (struct qv_op_tally){ qv_node_op_name(refs[k].n), refs[k].n->source_code,
                                             1, refs[k].index };
    }
    qsort(all, (size_t)kinds, sizeof(*all), cmp_tally);
    for (int32_t k = 0; k < kinds && k < cap; k++)
        ret[k] = all[k];
    free(refs);
    free(all);
    return kinds;
}

/* Appends to buf (size bytes) without overflowing; keeps it NUL-terminated. */
static void append(char *buf, size_t size, const char *fmt, ...) QV_PRINTF(3, 4);

static void append(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

/* Operators named in the message at most, and the room their list may take. */
enum { MAX_LISTED = 24, LIST_ROOM = 260 };

enum qv_status qv_graph_check_runnable(const struct qv_graph *g, struct qv_error *err)
{
    char msg[480] = "", item[160];
    struct qv_op_tally ops[MAX_LISTED];
    int32_t n_kinds = qv_graph_unsupported_ops(g, ops, MAX_LISTED), n_nodes = 0;
    if (n_kinds < 0)
        return qv_fail(err, QV_E_NOMEM, "out of memory listing the unsupported operators");
    for (int32_t ni = 0; ni < g->n_nodes; ni++)
        n_nodes += g->nodes[ni].op == QV_OP_UNSUPPORTED;
    if (n_kinds > 0) {
        append(msg, sizeof(msg), "%d operator%s qvet cannot run: ", n_nodes,
               n_nodes == 1 ? "" : "s");
        int32_t listed = 0;
        for (; listed < n_kinds && listed < MAX_LISTED; listed++) {
            snprintf(item, sizeof(item), "%s%s%.80s (x%d)", listed ? ", " : "",
                     ops[listed].code == 32 ? "custom " : "", ops[listed].name,
                     ops[listed].count);
            if (listed > 0 && strlen(msg) + strlen(item) > LIST_ROOM)
                break;
            append(msg, sizeof(msg), "%s", item);
        }
        if (listed < n_kinds)
            append(msg, sizeof(msg), ", ... (%d more kinds; qvet inspect lists them all)",
                   n_kinds - listed);
    }
    int32_t n_var = 0, n_odd = 0, first_var = -1, first_odd = -1;
    for (int32_t t = 0; t < g->n_tensors; t++) {
        const struct qv_tensor *ts = &g->tensors[t];
        if (ts->is_variable && n_var++ == 0)
            first_var = t;
        if ((ts->dtype == QV_DTYPE_I64 || ts->dtype == QV_DTYPE_BOOL) && n_odd++ == 0)
            first_odd = t;
    }
    if (n_var > 0)
        append(msg, sizeof(msg), "%s%d variable tensor%s (state kept across runs, e.g. '%s'), "
               "which qvet does not run", msg[0] ? "; " : "", n_var, n_var == 1 ? "" : "s",
               g->tensors[first_var].name);
    if (n_odd > 0)
        append(msg, sizeof(msg), "%s%d tensor%s of a type the engines do not compute (e.g. '%s', "
               "%s)", msg[0] ? "; " : "", n_odd, n_odd == 1 ? "" : "s", g->tensors[first_odd].name,
               qv_dtype_name(g->tensors[first_odd].dtype));
    if (!msg[0])
        return QV_OK;
    enum qv_status st = qv_fail(err, QV_E_INPUT, "%s", msg);
    qv_graph_error_locate(g, err);
    return st;
}
