/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The quantization plan: the parameters of every float activation.
 *
 * Ranges come from the observers (calibration sees outputs after fused activations). Then, as
 * the converter does (its RemoveRedundantStatsOps and QuantizationDriver, docs/quant.md):
 *  - the output of a fixed-output op (SOFTMAX, LOGISTIC, TANH) takes the fixed parameters;
 *  - forward: the output of a shared-parameter op with at most one float operand (pooling,
 *    RESHAPE, PAD...) drops its own range and takes its input's;
 *  - backward: the inputs of a shared-parameter op whose output keeps its range (e.g. a
 *    CONCATENATION) drop theirs and take the output's, transitively through other such ops;
 *  - tensors joined by shared-parameter ops form a component that gets the parameters of the
 *    one range left in it. When two survive (rare), each keeps its own and the build inserts
 *    requantizing QUANTIZE ops where a shared-parameter op's inputs disagree with its output.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/quant_int.h"

void qv_qplan_release(struct qv_qplan *p)
{
    free(p->cls);
    free(p->fold_src);
    qv_consumers_release(&p->cons);
    free(p->method);
    free(p->lo);
    free(p->hi);
    free(p->inherit);
    free(p->redundant);
    free(p->fixed);
    free(p->comp);
    free(p->scale);
    free(p->zp);
    free(p->from);
    memset(p, 0, sizeof(*p));
}

float *qv_qplan_const_float(const struct qv_qplan *p, int32_t t)
{
    if (p->cls[t] == QV_TC_FOLDED)
        t = p->fold_src[t];
    return qv_const_to_float(&p->g->tensors[t]);
}

static bool is_float_const(const struct qv_qplan *p, int32_t t)
{
    return t >= 0 && (p->cls[t] == QV_TC_FOLDED ||
                      (p->cls[t] == QV_TC_CONST && p->g->tensors[t].dtype == QV_DTYPE_F32));
}

/* Node ni's failure with its op and name. */
static enum qv_status node_fail(const struct qv_graph *g, int32_t ni, struct qv_error *err,
                                const char *what)
{
    const struct qv_node *n = &g->nodes[ni];
    return qv_fail_node(err, QV_E_INPUT, ni, "node %d (%s, '%s'): %s", ni, qv_node_op_name(n),
                        n->name, what);
}

/* Every op must have a rule; affine weights must be constant; DEQUANTIZE must fold. */
static enum qv_status check_nodes(struct qv_qplan *p, struct qv_error *err)
{
    const struct qv_graph *g = p->g;
    char msg[400];
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        const struct qv_node *n = &g->nodes[ni];
        const struct qv_quant_rule *r = &qv_quant_rules[n->op];
        const char *why = NULL;
        if (!qv_quant_op_supported(n->op, &why)) {
            snprintf(msg, sizeof(msg), "qvet cannot quantize %s: %s", qv_op_name(n->op), why);
            return node_fail(g, ni, err, msg);
        }
        if (r->kind == QV_QK_AFFINE) {
            int32_t w = n->inputs[r->weight_input];
            int32_t b = n->n_inputs > r->bias_input ? n->inputs[r->bias_input] : -1;
            if (w < 0 || (p->cls[w] != QV_TC_CONST && p->cls[w] != QV_TC_FOLDED))
                return node_fail(g, ni, err, "qvet cannot quantize a layer whose weights are "
                                 "not constant");
            if (b >= 0 && p->cls[b] != QV_TC_CONST && p->cls[b] != QV_TC_FOLDED)
                return node_fail(g, ni, err, "qvet cannot quantize a layer whose bias is not "
                                 "constant");
        }
        for (int32_t k = 0; k < n->n_inputs; k++) {
            int32_t t = n->inputs[k];
            if (t < 0 || p->cls[t] == QV_TC_ACT || p->cls[t] == QV_TC_FOLDED ||
                p->cls[t] == QV_TC_CONST)
                continue;
            snprintf(msg, sizeof(msg), "input %d ('%s') is a %s activation; qvet quantizes "
                     "float models", k, g->tensors[t].name, qv_dtype_name(g->tensors[t].dtype));
            return node_fail(g, ni, err, msg);
        }
    }
    for (int32_t i = 0; i < g->n_inputs; i++)
        if (p->cls[g->inputs[i]] != QV_TC_ACT)
            return qv_fail(err, QV_E_INPUT, "model input '%s' is %s, not float32: qvet "
                           "quantizes float models", g->tensors[g->inputs[i]].name,
                           qv_dtype_name(g->tensors[g->inputs[i]].dtype));
    return QV_OK;
}

static enum qv_status classify(struct qv_qplan *p, struct qv_error *err)
{
    const struct qv_graph *g = p->g;
    for (int32_t t = 0; t < p->nt; t++) {
        const struct qv_tensor *tt = &g->tensors[t];
        p->fold_src[t] = -1;
        if (tt->data)
            p->cls[t] = QV_TC_CONST;
        else if (qv_is_float_activation(g, t))
            p->cls[t] = QV_TC_ACT;
        else
            p->cls[t] = QV_TC_OTHER;
    }
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        const char *why = NULL;
        char msg[400];
        if (!qv_quant_op_supported(g->nodes[ni].op, &why)) {
            snprintf(msg, sizeof(msg), "qvet cannot quantize %s: %s",
                     qv_node_op_name(&g->nodes[ni]), why);
            return node_fail(g, ni, err, msg);
        }
    }
    /* DEQUANTIZE of a constant (hybrid or weight-only models): a float constant */
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        const struct qv_node *n = &g->nodes[ni];
        if (qv_quant_rules[n->op].kind != QV_QK_FOLD)
            continue;
        int32_t in = n->inputs[0], out = n->outputs[0];
        if (in < 0 || p->cls[in] != QV_TC_CONST)
            return node_fail(g, ni, err, "qvet cannot quantize a DEQUANTIZE of an activation "
                             "(the float model is partly quantized)");
        p->cls[out] = QV_TC_FOLDED;
        p->fold_src[out] = in;
    }
    enum qv_status st = qv_consumers_build(g, &p->cons, err);
    if (st != QV_OK)
        return st;
    return check_nodes(p, err);
}

static void inherit_one(struct qv_qplan *p, int32_t t);

enum qv_status qv_qplan_set_method(struct qv_qplan *p, int32_t t, enum qv_range_method m,
                                   const struct qv_range_opts *ro, struct qv_error *err)
{
    float lo, hi;
    enum qv_status st = qv_calib_range(p->c, t, m, ro, &lo, &hi, err);
    if (st != QV_OK)
        return st;
    /* fused activations need no clamp: calibration observes the activation's output, so every
     * observer's range already lies inside it */
    p->method[t] = m;
    p->lo[t] = lo;
    p->hi[t] = hi;
    p->inherit[t] = -1;
    inherit_one(p, t);
    return QV_OK;
}

/*
 * TFLite's arena planner (ArenaPlanner::IdentifyInPlaceTensors) on the float graph: the input of
 * an ADD/SUB/MUL whose buffer the output reuses, or -1. Such an input is shareable when it has
 * the output's byte size (more than one float), no other reader, is neither a graph input nor
 * constant, and the output is not a graph output; RESHAPE and SQUEEZE share without changing
 * data (they only extend chains). The first shareable input wins.
 */
static void inplace_inputs(const struct qv_qplan *p, int32_t *ret_shared_of_node)
{
    const struct qv_graph *g = p->g;
    int32_t *refs = calloc((size_t)p->nt + 1, sizeof(int32_t));
    int32_t *root = malloc(((size_t)p->nt + 1) * sizeof(int32_t));
    for (int32_t ni = 0; ni < g->n_nodes; ni++)
        ret_shared_of_node[ni] = -1;
    if (!refs || !root) {
        free(refs);
        free(root);
        return;
    }
    for (int32_t t = 0; t < p->nt; t++)
        root[t] = t;
    for (int32_t i = 0; i < g->n_outputs; i++)
        refs[g->outputs[i]]++;
    for (int32_t i = 0; i < g->n_inputs; i++)
        refs[g->inputs[i]]++;
    for (int32_t ni = 0; ni < g->n_nodes; ni++)
        for (int32_t k = 0; k < g->nodes[ni].n_inputs; k++)
            if (g->nodes[ni].inputs[k] >= 0)
                refs[g->nodes[ni].inputs[k]]++;
    for (int32_t oi = 0; oi < g->n_nodes; oi++) {
        int32_t ni = g->order[oi];
        const struct qv_node *n = &g->nodes[ni];
        bool changes = n->op == QV_OP_ADD || n->op == QV_OP_SUB || n->op == QV_OP_MUL;
        bool keeps = n->op == QV_OP_RESHAPE || n->op == QV_OP_SQUEEZE;
        if (!changes && !keeps)
            continue;
        int32_t out = n->outputs[0], shared = -1;
        bool out_is_output = false;
        for (int32_t i = 0; i < g->n_outputs; i++)
            out_is_output |= g->outputs[i] == out;
        for (int32_t k = 0; k < n->n_inputs && k < (changes ? 2 : 1) && !out_is_output; k++) {
            int32_t in = n->inputs[k];
            if (in < 0 || p->cls[in] != QV_TC_ACT)
                continue;
            bool is_input = false;
            for (int32_t i = 0; i < g->n_inputs; i++)
                is_input |= g->inputs[i] == in;
            if (is_input)
                continue;
            if (changes && (g->tensors[in].nbytes != g->tensors[out].nbytes ||
                            qv_shape_elems(&g->tensors[in].shape) !=
                            qv_shape_elems(&g->tensors[out].shape) ||
                            qv_shape_elems(&g->tensors[in].shape) <= 1 || refs[in] > 1))
                continue;
            shared = in;
            break;
        }
        if (shared < 0)
            continue;
        int32_t r = root[shared];
        if (changes && refs[r] > 1)
            continue;
        root[out] = r;
        if (changes)
            ret_shared_of_node[ni] = shared;
    }
    free(refs);
    free(root);
}

/* The converter's recorded ranges: an in-place input's range takes in the op's output range. */
static void apply_converter_ranges(struct qv_qplan *p)
{
    const struct qv_graph *g = p->g;
    int32_t *shared = malloc(((size_t)g->n_nodes + 1) * sizeof(int32_t));
    float *lo = malloc(((size_t)p->nt + 1) * sizeof(float));
    float *hi = malloc(((size_t)p->nt + 1) * sizeof(float));
    if (shared && lo && hi) {
        inplace_inputs(p, shared);
        memcpy(lo, p->lo, (size_t)p->nt * sizeof(float));
        memcpy(hi, p->hi, (size_t)p->nt * sizeof(float));
        for (int32_t ni = 0; ni < g->n_nodes; ni++) {
            int32_t t = shared[ni], out = g->nodes[ni].outputs[0];
            if (t < 0)
                continue;
            p->lo[t] = fminf(p->lo[t], lo[out]);
            p->hi[t] = fmaxf(p->hi[t], hi[out]);
        }
    }
    free(shared);
    free(lo);
    free(hi);
}

/*
 * A tensor that was constant on the calibration set (its range, with 0, narrower than 1e-6)
 * would get the converter's widened range of +-1e-6 and a scale near 7.8e-9: TFLM then refuses
 * ADD/SUB/HARD_SWISH with it, and any value it meets in use saturates. qvet gives it the range
 * of its producer's first activation input instead (in execution order, so that input is
 * already settled); qv_quantize reports each case.
 */
static void inherit_one(struct qv_qplan *p, int32_t t)
{
    const struct qv_graph *g = p->g;
    int32_t ni = g->tensors[t].producer;
    if (ni < 0 || fmax(p->hi[t], 0.0) - fmin(p->lo[t], 0.0) >= 1e-6)
        return;
    const struct qv_node *n = &g->nodes[ni];
    for (int32_t k = 0; k < n->n_inputs; k++) {
        int32_t in = n->inputs[k];
        if (in >= 0 && p->cls[in] == QV_TC_ACT) {
            p->lo[t] = p->lo[in];
            p->hi[t] = p->hi[in];
            p->inherit[t] = in;
            return;
        }
    }
}

static void inherit_degenerate(struct qv_qplan *p)
{
    const struct qv_graph *g = p->g;
    for (int32_t oi = 0; oi < g->n_nodes; oi++) {
        int32_t t = g->nodes[g->order[oi]].outputs[0];
        if (p->cls[t] == QV_TC_ACT)
            inherit_one(p, t);
    }
}

enum qv_status qv_qplan_init(struct qv_qplan *p, const struct qv_graph *g,
                             const struct qv_calib *c, const struct qv_quant_opts *o,
                             struct qv_error *err)
{
    enum qv_status st;
    memset(p, 0, sizeof(*p));
    p->g = g;
    p->c = c;
    p->nt = g->n_tensors;
    size_t nt = (size_t)g->n_tensors + 1;
    p->cls = calloc(nt, sizeof(*p->cls));
    p->fold_src = calloc(nt, sizeof(*p->fold_src));
    p->method = calloc(nt, sizeof(*p->method));
    p->lo = calloc(nt, sizeof(*p->lo));
    p->hi = calloc(nt, sizeof(*p->hi));
    p->inherit = malloc(nt * sizeof(*p->inherit));
    p->redundant = calloc(nt, sizeof(*p->redundant));
    p->fixed = calloc(nt, sizeof(*p->fixed));
    p->comp = calloc(nt, sizeof(*p->comp));
    p->scale = calloc(nt, sizeof(*p->scale));
    p->zp = calloc(nt, sizeof(*p->zp));
    p->from = calloc(nt, sizeof(*p->from));
    if (!p->cls || !p->fold_src || !p->method || !p->lo || !p->hi || !p->inherit ||
        !p->redundant || !p->fixed || !p->comp || !p->scale || !p->zp || !p->from) {
        qv_qplan_release(p);
        return qv_fail(err, QV_E_NOMEM, "out of memory planning quantization");
    }
    for (size_t t = 0; t < nt; t++)
        p->inherit[t] = -1;
    if ((st = classify(p, err)) != QV_OK)
        goto fail;
    if (c->g != g && c->fingerprint != qv_graph_fingerprint(g)) {
        st = qv_fail(err, QV_E_INPUT, "the statistics are for another model");
        goto fail;
    }
    for (int32_t t = 0; t < p->nt; t++) {
        if (p->cls[t] != QV_TC_ACT)
            continue;
        if (c->stats_of[t] < 0) {
            st = qv_fail(err, QV_E_INPUT, "tensor '%s' has no calibration statistics",
                         g->tensors[t].name);
            goto fail;
        }
        if ((st = qv_qplan_set_method(p, t, o->method, &o->range, err)) != QV_OK)
            goto fail;
    }
    if (o->converter_ranges)
        apply_converter_ranges(p);
    inherit_degenerate(p);
    return QV_OK;
fail:
    qv_qplan_release(p);
    return st;
}

/* ---- solving --------------------------------------------------------------------------------- */

static int32_t float_operands(const struct qv_qplan *p, const struct qv_node *n)
{
    int32_t k = 0;
    for (int32_t i = 0; i < n->n_inputs; i++) {
        int32_t t = n->inputs[i];
        if (t >= 0 && (p->cls[t] == QV_TC_ACT || is_float_const(p, t)))
            k++;
    }
    return k;
}

static enum qv_quant_kind kind_of_producer(const struct qv_qplan *p, int32_t t)
{
    int32_t ni = p->g->tensors[t].producer;
    return ni < 0 ? QV_QK_NONE : qv_quant_rules[p->g->nodes[ni].op].kind;
}

/* RemoveRedundantStatsOps: which activations lose their own range. */
static void mark_redundant(struct qv_qplan *p, int32_t *stack, bool *visited)
{
    const struct qv_graph *g = p->g;
    int32_t top = 0;
    for (int32_t t = 0; t < p->nt; t++) {
        p->redundant[t] = false;
        p->fixed[t] = p->cls[t] == QV_TC_ACT && kind_of_producer(p, t) == QV_QK_FIXED;
        if (p->cls[t] == QV_TC_ACT)
            stack[top++] = t;
    }
    /* forward */
    while (top > 0) {
        int32_t t = stack[--top];
        if (p->fixed[t])
            p->redundant[t] = true;
        const int32_t *readers = qv_consumers_of(&p->cons, t);
        for (int32_t k = 0; k < qv_consumers_count(&p->cons, t); k++) {
            const struct qv_node *u = &g->nodes[readers[k]];
            if (qv_quant_rules[u->op].kind != QV_QK_SAME || float_operands(p, u) > 1)
                continue;
            int32_t r = u->outputs[0];
            if (p->cls[r] == QV_TC_ACT && !p->redundant[r]) {
                p->redundant[r] = true;
                stack[top++] = r;
            }
        }
    }
    /* backward, from the ranges that survived; an input marked again (already redundant
     * from the forward pass) is walked through too, as the converter's worklist does */
    for (int32_t t = 0; t < p->nt; t++) {
        visited[t] = false;
        if (p->cls[t] == QV_TC_ACT && !p->redundant[t]) {
            stack[top++] = t;
            visited[t] = true;
        }
    }
    while (top > 0) {
        int32_t t = stack[--top];
        if (kind_of_producer(p, t) != QV_QK_SAME)
            continue;
        const struct qv_node *d = &g->nodes[g->tensors[t].producer];
        for (int32_t k = 0; k < d->n_inputs; k++) {
            int32_t in = d->inputs[k];
            if (in < 0 || p->cls[in] != QV_TC_ACT)
                continue;
            p->redundant[in] = true;
            if (!visited[in]) {
                visited[in] = true;
                stack[top++] = in;
            }
        }
    }
}

static int32_t uf_find(int32_t *parent, int32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static void uf_union(int32_t *parent, int32_t a, int32_t b)
{
    a = uf_find(parent, a);
    b = uf_find(parent, b);
    if (a != b)
        parent[a > b ? a : b] = a < b ? a : b;
}

static void own_params(struct qv_qplan *p, int32_t t)
{
    if (p->fixed[t]) {
        const struct qv_quant_rule *r = &qv_quant_rules[p->g->nodes[p->g->tensors[t].producer].op];
        p->scale[t] = r->fixed_scale;
        p->zp[t] = r->fixed_zero_point;
        p->from[t] = "fixed";
    } else {
        qv_quant_act_params(p->lo[t], p->hi[t], &p->scale[t], &p->zp[t]);
        p->from[t] = "range";
    }
}

enum qv_status qv_qplan_solve(struct qv_qplan *p, struct qv_error *err)
{
    const struct qv_graph *g = p->g;
    int32_t *stack = malloc(((size_t)p->nt + 1) * 4 * sizeof(int32_t));
    int32_t *parent = malloc(((size_t)p->nt + 1) * sizeof(int32_t));
    bool *done = calloc((size_t)p->nt + 1, sizeof(bool));
    if (!stack || !parent || !done) {
        free(stack);
        free(parent);
        free(done);
        return qv_fail(err, QV_E_NOMEM, "out of memory planning quantization");
    }
    mark_redundant(p, stack, done);
    memset(done, 0, ((size_t)p->nt + 1) * sizeof(bool));
    for (int32_t t = 0; t < p->nt; t++)
        parent[t] = t;
    /* components joined by shared-parameter ops */
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        const struct qv_node *n = &g->nodes[ni];
        if (qv_quant_rules[n->op].kind != QV_QK_SAME || p->cls[n->outputs[0]] != QV_TC_ACT)
            continue;
        for (int32_t k = 0; k < n->n_inputs; k++)
            if (n->inputs[k] >= 0 && p->cls[n->inputs[k]] == QV_TC_ACT)
                uf_union(parent, n->outputs[0], n->inputs[k]);
    }
    for (int32_t t = 0; t < p->nt; t++)
        p->comp[t] = p->cls[t] == QV_TC_ACT ? uf_find(parent, t) : -1;
    /* sources: ranges that survived, and fixed outputs */
    for (int32_t t = 0; t < p->nt; t++) {
        if (p->cls[t] != QV_TC_ACT || (p->redundant[t] && !p->fixed[t]))
            continue;
        own_params(p, t);
        float s = p->scale[t];
        if (!isfinite(s) || !(s > 0)) {
            free(stack);
            free(parent);
            free(done);
            return qv_fail(err, QV_E_INPUT, "tensor '%s': the range [%g, %g] cannot be "
                           "quantized (scale %g)", g->tensors[t].name, (double)p->lo[t],
                           (double)p->hi[t], (double)s);
        }
        done[t] = true;
    }
    /* spread the sources' parameters through their components (breadth first, in tensor order
     * of the sources, over shared-parameter ops in both directions) */
    int32_t head = 0, tail = 0;
    for (int32_t t = 0; t < p->nt; t++)
        if (done[t] && p->comp[t] >= 0)
            stack[tail++] = t;
    while (head < tail) {
        int32_t t = stack[head++];
        int32_t nb[QV_MAX_INPUTS];
        int32_t nn = 0;
        int32_t prod = g->tensors[t].producer;
        if (prod >= 0 && qv_quant_rules[g->nodes[prod].op].kind == QV_QK_SAME)
            for (int32_t k = 0; k < g->nodes[prod].n_inputs && nn < QV_MAX_INPUTS; k++)
                nb[nn++] = g->nodes[prod].inputs[k];
        const int32_t *readers = qv_consumers_of(&p->cons, t);
        for (int32_t k = 0; k < qv_consumers_count(&p->cons, t); k++) {
            const struct qv_node *u = &g->nodes[readers[k]];
            if (qv_quant_rules[u->op].kind != QV_QK_SAME)
                continue;
            for (int32_t q = 0; q < u->n_inputs + 1; q++) {
                int32_t v = q < u->n_inputs ? u->inputs[q] : u->outputs[0];
                if (v < 0 || p->cls[v] != QV_TC_ACT || done[v])
                    continue;
                p->scale[v] = p->scale[t];
                p->zp[v] = p->zp[t];
                p->from[v] = "shared";
                done[v] = true;
                if (tail < 4 * p->nt)
                    stack[tail++] = v;
            }
        }
        for (int32_t k = 0; k < nn; k++) {
            int32_t v = nb[k];
            if (v < 0 || p->cls[v] != QV_TC_ACT || done[v])
                continue;
            p->scale[v] = p->scale[t];
            p->zp[v] = p->zp[t];
            p->from[v] = "shared";
            done[v] = true;
            if (tail < 4 * p->nt)
                stack[tail++] = v;
        }
    }
    /* anything unreached (no source in its component): its own range */
    for (int32_t t = 0; t < p->nt; t++)
        if (p->cls[t] == QV_TC_ACT && !done[t])
            own_params(p, t);
    free(stack);
    free(parent);
    free(done);
    return QV_OK;
}
