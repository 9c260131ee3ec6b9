/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pairing the layers of an int8 model with those of its float model (docs/metrics.md §7).
 * Converter-made pairs name their tensors differently ("Identity" vs "Identity_int8") and the
 * int8 model may hold QUANTIZE/DEQUANTIZE nodes the float one has not, so names are a hint and
 * structure decides: a node pairs only with a float node of the same op, attributes, constant
 * input shapes (weights, bias) and output shapes, whose inputs are the float counterparts of its
 * own. Conversions are followed through. Whatever cannot be paired safely is left unpaired with
 * its reason.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/layers_int.h"

const struct qv_pair_rule qv_pair_rules[QV_OP_COUNT] = {
    [QV_OP_ADD] = { .listed = true, .commutative = true },
    [QV_OP_AVERAGE_POOL_2D] = { .listed = true },
    [QV_OP_CONCATENATION] = { .listed = true },
    [QV_OP_CONV_2D] = { .listed = true },
    [QV_OP_DEPTHWISE_CONV_2D] = { .listed = true },
    [QV_OP_DEQUANTIZE] = { .listed = true, .conversion = true },
    [QV_OP_FULLY_CONNECTED] = { .listed = true },
    [QV_OP_LOGISTIC] = { .listed = true },
    [QV_OP_MAX_POOL_2D] = { .listed = true },
    [QV_OP_MUL] = { .listed = true, .commutative = true },
    [QV_OP_RELU] = { .listed = true },
    [QV_OP_RELU6] = { .listed = true },
    [QV_OP_RESHAPE] = { .listed = true },
    [QV_OP_SOFTMAX] = { .listed = true },
    [QV_OP_TANH] = { .listed = true },
    [QV_OP_PAD] = { .listed = true },
    [QV_OP_MEAN] = { .listed = true },
    [QV_OP_SUB] = { .listed = true },
    [QV_OP_SQUEEZE] = { .listed = true },
    [QV_OP_PADV2] = { .listed = true },
    [QV_OP_LEAKY_RELU] = { .listed = true },
    [QV_OP_QUANTIZE] = { .listed = true, .conversion = true },
    [QV_OP_HARD_SWISH] = { .listed = true },
};

static const char *const how_names[QV_PAIR_HOW_COUNT] = {
    "unpaired", "input", "name", "structure", "conversion",
};

const char *qv_pair_how_name(enum qv_pair_how how)
{
    return (unsigned)how < QV_PAIR_HOW_COUNT ? how_names[how] : "?";
}

struct pairer {
    const struct qv_graph *gf, *gq;
    bool ignore_names;
    int32_t *root_f, *root_q;      /* tensor -> tensor after following conversions back */
    int32_t *fmap;                 /* gq root tensor -> gf root tensor, or -1 */
    int32_t *q_pair;               /* gq node -> gf node, or -1 */
    int32_t *f_pair;               /* gf node -> gq node, or -1 */
    char (*why)[192];              /* gq node -> reason it is unpaired */
};

static bool is_conversion(const struct qv_node *n)
{
    return n->op != QV_OP_UNSUPPORTED && qv_pair_rules[n->op].conversion;
}

static bool is_const(const struct qv_graph *g, int32_t t)
{
    return t >= 0 && g->tensors[t].data != NULL;
}

/* Index of the weights of node n when it is weighted (constant weights), else -1. */
static int32_t weights_of(const struct qv_graph *g, const struct qv_node *n)
{
    int32_t w = n->op == QV_OP_UNSUPPORTED ? 0 : qv_op_hybrid_weight(n->op);
    return w > 0 && w < n->n_inputs && is_const(g, n->inputs[w]) ? n->inputs[w] : -1;
}

static void compute_roots(const struct qv_graph *g, int32_t *root)
{
    for (int32_t t = 0; t < g->n_tensors; t++) {
        int32_t r = t, steps = 0;
        while (steps++ <= g->n_nodes) {
            int32_t p = g->tensors[r].producer;
            if (p < 0 || !is_conversion(&g->nodes[p]) || g->nodes[p].inputs[0] < 0)
                break;
            r = g->nodes[p].inputs[0];
        }
        root[t] = r;
    }
}

/* Attributes that must agree (the fused activation may not: ranges can absorb it). */
static bool same_attrs(const struct qv_attrs *a, const struct qv_attrs *b)
{
    if (a->padding != b->padding || a->stride_w != b->stride_w || a->stride_h != b->stride_h ||
        a->dilation_w != b->dilation_w || a->dilation_h != b->dilation_h ||
        a->filter_w != b->filter_w || a->filter_h != b->filter_h ||
        a->depth_multiplier != b->depth_multiplier || a->axis != b->axis ||
        a->keep_dims != b->keep_dims || a->keep_num_dims != b->keep_num_dims ||
        a->n_squeeze != b->n_squeeze || a->beta != b->beta || a->alpha != b->alpha)
        return false;
    for (int32_t i = 0; i < a->n_squeeze && i < QV_MAX_RANK; i++)
        if (a->squeeze_dims[i] != b->squeeze_dims[i])
            return false;
    return true;
}

/*
 * Input i of q-node nq against input j of f-node nf: both omitted; constants of equal shape (or
 * one an omitted optional input); activations whose paired roots agree (strict: they must be
 * paired).
 */
static bool same_input(const struct pairer *p, const struct qv_node *nq, int32_t i,
                       const struct qv_node *nf, int32_t j, bool strict)
{
    int32_t tq = nq->inputs[i], tf = nf->inputs[j];
    bool cq = is_const(p->gq, tq), cf = is_const(p->gf, tf);
    if (tq < 0 || tf < 0)
        return (tq < 0 || cq) && (tf < 0 || cf);
    if (cq || cf)
        return cq && cf && qv_shape_equal(&p->gq->tensors[tq].shape, &p->gf->tensors[tf].shape);
    int32_t m = p->fmap[p->root_q[tq]];
    if (m < 0)
        return !strict;
    return m == p->root_f[tf];
}

static bool agree(const struct pairer *p, int32_t node_q, int32_t node_f, bool strict)
{
    const struct qv_node *nq = &p->gq->nodes[node_q], *nf = &p->gf->nodes[node_f];
    if (nq->op != nf->op || nq->n_inputs != nf->n_inputs || nq->n_outputs != nf->n_outputs ||
        is_conversion(nf))
        return false;
    if (nq->op == QV_OP_UNSUPPORTED &&
        (nq->source_code != nf->source_code || strcmp(nq->source_name, nf->source_name) != 0))
        return false;
    if (!same_attrs(&nq->attrs, &nf->attrs))
        return false;
    for (int32_t k = 0; k < nq->n_outputs; k++)
        if (!qv_shape_equal(&p->gq->tensors[nq->outputs[k]].shape,
                            &p->gf->tensors[nf->outputs[k]].shape))
            return false;
    bool straight = true;
    for (int32_t i = 0; i < nq->n_inputs && straight; i++)
        straight = same_input(p, nq, i, nf, i, strict);
    if (straight)
        return true;
    if (nq->op == QV_OP_UNSUPPORTED || !qv_pair_rules[nq->op].commutative || nq->n_inputs != 2)
        return false;
    return same_input(p, nq, 0, nf, 1, strict) && same_input(p, nq, 1, nf, 0, strict);
}

/* Relative RMS distance of the dequantized int8 weights from the float weights. */
static double weight_distance(const struct pairer *p, int32_t wq, int32_t wf)
{
    const struct qv_tensor *tq = &p->gq->tensors[wq], *tf = &p->gf->tensors[wf];
    const struct qv_dtype_traits *dq = qv_dtype_get(tq->dtype), *df = qv_dtype_get(tf->dtype);
    int64_t n = qv_shape_elems(&tq->shape);
    if (!dq || !df || n != qv_shape_elems(&tf->shape) || n == 0)
        return INFINITY;
    int64_t inner = 1;
    if (tq->quant.count > 1)
        for (int32_t r = tq->quant.axis + 1; r < tq->shape.rank; r++)
            inner *= tq->shape.dims[r];
    double num = 0, den = 0;
    for (int64_t i = 0; i < n; i++) {
        double a = dq->load(tq->data, i), b = df->load(tf->data, i);
        if (tq->quant.count > 0) {
            int32_t c = tq->quant.count > 1 ? (int32_t)((i / inner) % tq->quant.count) : 0;
            a = (double)tq->quant.scale[c] * (a - tq->quant.zero_point[c]);
        }
        if (tf->quant.count == 1)
            b = (double)tf->quant.scale[0] * (b - tf->quant.zero_point[0]);
        num += (a - b) * (a - b);
        den += b * b;
    }
    return den > 0 ? sqrt(num / den) : (num > 0 ? INFINITY : 0);
}

static void set_pair(struct pairer *p, int32_t node_q, int32_t node_f)
{
    const struct qv_node *nq = &p->gq->nodes[node_q], *nf = &p->gf->nodes[node_f];
    p->q_pair[node_q] = node_f;
    p->f_pair[node_f] = node_q;
    for (int32_t k = 0; k < nq->n_outputs; k++)
        p->fmap[nq->outputs[k]] = nf->outputs[k];
    p->why[node_q][0] = 0;
}

/* The float node producing a tensor named like node_q's first output, when it agrees. */
static int32_t by_name(const struct pairer *p, int32_t node_q)
{
    const struct qv_node *nq = &p->gq->nodes[node_q];
    int32_t tf = qv_graph_find_tensor(p->gf, p->gq->tensors[nq->outputs[0]].name);
    if (tf < 0)
        return -1;
    int32_t nf = p->gf->tensors[tf].producer;
    if (nf < 0 || p->f_pair[nf] >= 0 || p->gf->nodes[nf].outputs[0] != tf ||
        !agree(p, node_q, nf, false))
        return -1;
    /* a weighted layer whose weights are clearly those of another agreeing float node: the
     * names lie (swapped), let the structure and the weights decide */
    int32_t wq = weights_of(p->gq, nq), wf = weights_of(p->gf, &p->gf->nodes[nf]);
    if (wq >= 0 && wf >= 0) {
        double d = weight_distance(p, wq, wf);
        for (int32_t other = 0; other < p->gf->n_nodes; other++) {
            int32_t wo = weights_of(p->gf, &p->gf->nodes[other]);
            if (other != nf && wo >= 0 && p->f_pair[other] < 0 && agree(p, node_q, other, false) &&
                weight_distance(p, wq, wo) * 4 < d)
                return -1;
        }
    }
    return nf;
}

static bool inputs_paired(const struct pairer *p, int32_t node_q)
{
    const struct qv_node *nq = &p->gq->nodes[node_q];
    for (int32_t i = 0; i < nq->n_inputs; i++) {
        int32_t t = nq->inputs[i];
        if (t >= 0 && !is_const(p->gq, t) && p->fmap[p->root_q[t]] < 0)
            return false;
    }
    return true;
}

/* Pairs node_q by structure; returns true when paired. */
static bool by_structure(struct pairer *p, int32_t node_q)
{
    const struct qv_graph *gf = p->gf;
    int32_t best = -1, n_cand = 0;
    double best_d = INFINITY, second_d = INFINITY;
    int32_t wq = weights_of(p->gq, &p->gq->nodes[node_q]);
    for (int32_t oi = 0; oi < gf->n_nodes; oi++) {
        int32_t nf = gf->order[oi];
        if (p->f_pair[nf] >= 0 || !agree(p, node_q, nf, true))
            continue;
        n_cand++;
        int32_t wf = weights_of(gf, &gf->nodes[nf]);
        double d = wq >= 0 && wf >= 0 ? weight_distance(p, wq, wf) : INFINITY;
        if (best < 0 || d < best_d) {
            second_d = best_d;
            best_d = d;
            best = nf;
        } else if (d < second_d) {
            second_d = d;
        }
    }
    const char *op = qv_node_op_name(&p->gq->nodes[node_q]);
    if (n_cand == 1) {
        set_pair(p, node_q, best);
        return true;
    }
    /* several equal candidates: only dequantized weights clearly closer to one of them decide */
    if (n_cand > 1 && best_d < 0.25 && best_d * 4 < second_d) {
        set_pair(p, node_q, best);
        return true;
    }
    if (n_cand > 1)
        snprintf(p->why[node_q], sizeof(p->why[node_q]), "ambiguous: %d float %s nodes read the "
                 "same inputs with the same attributes and shapes", n_cand, op);
    else
        snprintf(p->why[node_q], sizeof(p->why[node_q]), "no unpaired float %s node with the "
                 "same attributes, weight and output shapes reads the float counterparts of its "
                 "inputs", op);
    return false;
}

/* Same op, attributes, weights and output shapes: the signature of a weighted layer. */
static bool same_signature(const struct pairer *p, const struct qv_graph *ga, int32_t na,
                           const struct qv_graph *gb, int32_t nb)
{
    const struct qv_node *a = &ga->nodes[na], *b = &gb->nodes[nb];
    int32_t wa = weights_of(ga, a), wb = weights_of(gb, b);
    (void)p;
    return a->op == b->op && wa >= 0 && wb >= 0 && a->n_outputs == b->n_outputs &&
           same_attrs(&a->attrs, &b->attrs) &&
           qv_shape_equal(&ga->tensors[wa].shape, &gb->tensors[wb].shape) &&
           qv_shape_equal(&ga->tensors[a->outputs[0]].shape, &gb->tensors[b->outputs[0]].shape);
}

/*
 * A weighted int8 node left unpaired (its inputs unpaired, or fed differently, e.g. by a layer
 * only the float model has): pair it when exactly one unpaired float node and exactly one
 * unpaired int8 node have its signature.
 */
static bool by_signature(struct pairer *p, int32_t node_q)
{
    const struct qv_graph *gf = p->gf, *gq = p->gq;
    if (weights_of(gq, &gq->nodes[node_q]) < 0)
        return false;
    int32_t match = -1, n = 0;
    for (int32_t nf = 0; nf < gf->n_nodes && n < 2; nf++)
        if (p->f_pair[nf] < 0 && same_signature(p, gq, node_q, gf, nf)) {
            match = nf;
            n++;
        }
    if (n != 1)
        return false;
    for (int32_t other = 0; other < gq->n_nodes; other++)
        if (other != node_q && p->q_pair[other] < 0 && !is_conversion(&gq->nodes[other]) &&
            same_signature(p, gq, node_q, gq, other))
            return false;
    set_pair(p, node_q, match);
    return true;
}

/* Graph inputs: by name, else by position; element counts must agree. */
static void pair_inputs(struct pairer *p)
{
    const struct qv_graph *gf = p->gf, *gq = p->gq;
    for (int32_t i = 0; i < gq->n_inputs; i++) {
        int32_t tq = gq->inputs[i], tf = -1;
        int64_t eq = qv_shape_elems(&gq->tensors[tq].shape);
        for (int32_t j = 0; j < gf->n_inputs && !p->ignore_names && tf < 0; j++)
            if (!strcmp(gf->tensors[gf->inputs[j]].name, gq->tensors[tq].name) &&
                qv_shape_elems(&gf->tensors[gf->inputs[j]].shape) == eq)
                tf = gf->inputs[j];
        if (tf < 0 && gf->n_inputs == gq->n_inputs &&
            qv_shape_elems(&gf->tensors[gf->inputs[i]].shape) == eq)
            tf = gf->inputs[i];
        if (tf >= 0)
            p->fmap[tq] = tf;
    }
}

static void pairer_release(struct pairer *p)
{
    free(p->root_f);
    free(p->root_q);
    free(p->fmap);
    free(p->q_pair);
    free(p->f_pair);
    free(p->why);
}

void qv_pairing_free(struct qv_pairing *pg)
{
    if (!pg)
        return;
    free(pg->pairs);
    free(pg->pair_of);
    free(pg->float_of);
    free(pg->float_unpaired);
    free(pg);
}

/* Is tensor t of gq a layer of the listing (see struct qv_pairing)? */
static bool listed(const struct qv_graph *g, int32_t t)
{
    const struct qv_tensor *x = &g->tensors[t];
    if (x->dtype != QV_DTYPE_F32)
        return true;
    return x->producer >= 0 && !is_conversion(&g->nodes[x->producer]);
}

static void fill_pair(const struct pairer *p, struct qv_layer_pair *lp, int32_t t, int32_t node)
{
    const struct qv_graph *gq = p->gq;
    const struct qv_dtype_traits *tr = qv_dtype_get(gq->tensors[t].dtype);
    memset(lp, 0, sizeof(*lp));
    lp->tensor_q = t;
    lp->node_q = node;
    lp->tensor_f = lp->node_f = -1;
    lp->quantized = tr && !tr->is_float;
    lp->weighted = node >= 0 && weights_of(gq, &gq->nodes[node]) >= 0;
    int32_t tf = p->fmap[p->root_q[t]];
    if (node < 0) {
        lp->how = tf >= 0 ? QV_PAIR_INPUT : QV_PAIR_NONE;
        if (tf < 0)
            snprintf(lp->why, sizeof(lp->why), "no float model input of %lld elements",
                     (long long)qv_shape_elems(&gq->tensors[t].shape));
    } else if (is_conversion(&gq->nodes[node])) {
        lp->how = tf >= 0 ? QV_PAIR_CONVERSION : QV_PAIR_NONE;
        if (tf < 0)
            snprintf(lp->why, sizeof(lp->why), "converts a tensor that is unpaired");
    } else if (p->q_pair[node] >= 0) {
        const struct qv_node *nq = &gq->nodes[node];
        lp->how = QV_PAIR_STRUCTURE;
        if (!p->ignore_names &&
            !strcmp(gq->tensors[nq->outputs[0]].name,
                    p->gf->tensors[p->gf->nodes[p->q_pair[node]].outputs[0]].name))
            lp->how = QV_PAIR_NAME;
    } else {
        lp->how = QV_PAIR_NONE;
        snprintf(lp->why, sizeof(lp->why), "%s", p->why[node][0] ? p->why[node]
                 : "its inputs are unpaired");
        tf = -1;
    }
    if (lp->how != QV_PAIR_NONE) {
        lp->tensor_f = tf;
        lp->node_f = p->gf->tensors[tf].producer;
    }
}

static enum qv_status build_listing(struct pairer *p, struct qv_pairing *pg, struct qv_error *err)
{
    const struct qv_graph *gq = p->gq, *gf = p->gf;
    int32_t cap = gq->n_inputs + gq->n_tensors;
    pg->pairs = calloc((size_t)cap + 1, sizeof(*pg->pairs));
    pg->pair_of = malloc(((size_t)gq->n_tensors + 1) * sizeof(int32_t));
    pg->float_of = malloc(((size_t)gq->n_tensors + 1) * sizeof(int32_t));
    pg->float_unpaired = malloc(((size_t)gf->n_nodes + 1) * sizeof(int32_t));
    if (!pg->pairs || !pg->pair_of || !pg->float_of || !pg->float_unpaired)
        return qv_fail(err, QV_E_NOMEM, "out of memory pairing layers");
    for (int32_t t = 0; t < gq->n_tensors; t++) {
        pg->pair_of[t] = -1;
        pg->float_of[t] = p->fmap[p->root_q[t]];
    }
    for (int32_t i = 0; i < gq->n_inputs; i++) {
        int32_t t = gq->inputs[i];
        if (!listed(gq, t) || pg->pair_of[t] >= 0)
            continue;
        fill_pair(p, &pg->pairs[pg->n_pairs], t, -1);
        pg->pair_of[t] = pg->n_pairs++;
    }
    for (int32_t oi = 0; oi < gq->n_nodes; oi++) {
        int32_t node = gq->order[oi];
        const struct qv_node *n = &gq->nodes[node];
        for (int32_t k = 0; k < n->n_outputs; k++) {
            int32_t t = n->outputs[k];
            if (!listed(gq, t) || pg->pair_of[t] >= 0)
                continue;
            fill_pair(p, &pg->pairs[pg->n_pairs], t, node);
            pg->pair_of[t] = pg->n_pairs++;
        }
    }
    for (int32_t i = 0; i < pg->n_pairs; i++) {
        if (pg->pairs[i].how == QV_PAIR_NONE) {
            pg->n_unpaired++;
            pg->n_unpaired_weighted += pg->pairs[i].weighted;
        }
    }
    for (int32_t oi = 0; oi < gf->n_nodes; oi++) {
        int32_t nf = gf->order[oi];
        if (p->f_pair[nf] < 0 && !is_conversion(&gf->nodes[nf]))
            pg->float_unpaired[pg->n_float_unpaired++] = nf;
    }
    return QV_OK;
}

enum qv_status qv_pairing_build(const struct qv_graph *gf, const struct qv_graph *gq,
                                const struct qv_pairing_opts *opts, struct qv_pairing **ret,
                                struct qv_error *err)
{
    if (!gf || !gq || !gf->finalized || !gq->finalized)
        return qv_fail(err, QV_E_USAGE, "qv_pairing_build: two finalized graphs are needed");
    struct pairer p = { .gf = gf, .gq = gq, .ignore_names = opts && opts->ignore_names };
    struct qv_pairing *pg = calloc(1, sizeof(*pg));
    p.root_f = malloc(((size_t)gf->n_tensors + 1) * sizeof(int32_t));
    p.root_q = malloc(((size_t)gq->n_tensors + 1) * sizeof(int32_t));
    p.fmap = malloc(((size_t)gq->n_tensors + 1) * sizeof(int32_t));
    p.q_pair = malloc(((size_t)gq->n_nodes + 1) * sizeof(int32_t));
    p.f_pair = malloc(((size_t)gf->n_nodes + 1) * sizeof(int32_t));
    p.why = calloc((size_t)gq->n_nodes + 1, sizeof(*p.why));
    enum qv_status st = QV_OK;
    if (!pg || !p.root_f || !p.root_q || !p.fmap || !p.q_pair || !p.f_pair || !p.why) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory pairing layers");
        goto fail;
    }
    pg->gf = gf;
    pg->gq = gq;
    compute_roots(gf, p.root_f);
    compute_roots(gq, p.root_q);
    for (int32_t t = 0; t < gq->n_tensors; t++)
        p.fmap[t] = -1;
    for (int32_t n = 0; n < gq->n_nodes; n++)
        p.q_pair[n] = -1;
    for (int32_t n = 0; n < gf->n_nodes; n++)
        p.f_pair[n] = -1;
    pair_inputs(&p);
    /* rounds in execution order until nothing changes: names and structure first, then the
     * signature of weighted layers whose inputs stayed unpaired */
    for (bool progress = true; progress;) {
        progress = false;
        for (int32_t oi = 0; oi < gq->n_nodes; oi++) {
            int32_t n = gq->order[oi];
            if (p.q_pair[n] >= 0 || is_conversion(&gq->nodes[n]))
                continue;
            int32_t nf = p.ignore_names ? -1 : by_name(&p, n);
            if (nf >= 0) {
                set_pair(&p, n, nf);
                progress = true;
            } else if (inputs_paired(&p, n)) {
                progress |= by_structure(&p, n);
            }
        }
        for (int32_t oi = 0; oi < gq->n_nodes && !progress; oi++) {
            int32_t n = gq->order[oi];
            if (p.q_pair[n] < 0 && !is_conversion(&gq->nodes[n]))
                progress = by_signature(&p, n);
        }
    }
    if ((st = build_listing(&p, pg, err)) != QV_OK)
        goto fail;
    pairer_release(&p);
    *ret = pg;
    return QV_OK;
fail:
    pairer_release(&p);
    qv_pairing_free(pg);
    return st;
}
