/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-layer divergence (docs/metrics.md §8): for every paired layer, the int8 model's tensor
 * against the float tensor (propagated error), and the layer alone — a one-node copy of the int8
 * node run by an engine on the float model's own inputs to it, quantized with the node's input
 * parameters — against the same float tensor (local error). Accumulators are those of metrics.h,
 * so any grouping of the samples gives the same state.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/layers_int.h"
#include "qvet/quant.h"   /* qv_graph_fingerprint */

/* Rows of one local engine run (the engine is planned for this batch). */
#define LOCAL_BATCH 64

/* The one-node graph of a layer's local run: shared, read-only, by every stats object made from
 * the same root. */
struct local_graph {
    struct qv_graph *g;                  /* NULL: no local run for this layer */
    int32_t n_in;
    int32_t src_f[QV_MAX_INPUTS];        /* float tensor feeding graph input i */
    int32_t out;                         /* graph output index holding the layer's tensor */
    enum qv_engine_kind kind;
};

struct local_plan {
    int32_t n;
    struct local_graph *lg;              /* [n_pairs] */
};

struct qv_layer_stats_int {
    struct local_plan *plan;
    bool own_plan;
    struct qv_engine **eng;              /* [n_pairs], created on first use */
    /* observer capture: rows of the current batch per needed tensor, per side */
    bool *need[QV_SIDES];                /* [n_tensors of that side's graph] */
    void **cap[QV_SIDES];                /* [n_tensors] buffers */
    size_t *cap_bytes[QV_SIDES];         /* [n_tensors] capacity */
    int64_t rows[QV_SIDES];              /* rows captured for the current batch, -1: none */
    int32_t last[QV_SIDES];              /* last needed node in execution order (-1: inputs) */
    bool done[QV_SIDES];
    /* qv_layer_observer: runner side numbers of the two models */
    int32_t run_side[QV_SIDES];
    /* qv_layer_observer: rows of the chunk, and rows flushed so far; once the chunk is computed
     * its captures and local engines go (the chunk may wait for delivery a while) */
    int64_t chunk_rows, flushed_rows;
};

static const struct qv_graph *graph_of(const struct qv_pairing *p, enum qv_side s)
{
    return s == QV_SIDE_FLOAT ? p->gf : p->gq;
}

/* ---- what is needed -------------------------------------------------------------------------- */

/* Marks the tensors of each side the analysis reads. */
static void mark_needed(const struct qv_pairing *p, bool local, bool *need_f, bool *need_q)
{
    const struct qv_graph *gq = p->gq;
    for (int32_t i = 0; i < p->n_pairs; i++) {
        const struct qv_layer_pair *lp = &p->pairs[i];
        if (lp->how == QV_PAIR_NONE)
            continue;
        need_q[lp->tensor_q] = true;
        need_f[lp->tensor_f] = true;
        if (!local || lp->node_q < 0)
            continue;
        const struct qv_node *n = &gq->nodes[lp->node_q];
        for (int32_t k = 0; k < n->n_inputs; k++) {
            int32_t t = n->inputs[k];
            if (t >= 0 && !gq->tensors[t].data && p->float_of[t] >= 0)
                need_f[p->float_of[t]] = true;
        }
    }
}

static bool node_needed(const struct qv_graph *g, const bool *need, int32_t node)
{
    if (node < 0)
        return true;
    const struct qv_node *n = &g->nodes[node];
    for (int32_t k = 0; k < n->n_outputs; k++)
        if (need[n->outputs[k]])
            return true;
    return false;
}

bool qv_layer_stats_wants(const struct qv_pairing *p, enum qv_side side, int32_t node)
{
    if (node < 0)
        return true;
    const struct qv_graph *g = graph_of(p, side);
    if (node >= g->n_nodes)
        return false;
    bool *need_f = calloc((size_t)p->gf->n_tensors + 1, 1);
    bool *need_q = calloc((size_t)p->gq->n_tensors + 1, 1);
    bool want = true;   /* out of memory: ask for everything */
    if (need_f && need_q) {
        mark_needed(p, true, need_f, need_q);
        want = node_needed(g, side == QV_SIDE_FLOAT ? need_f : need_q, node);
    }
    free(need_f);
    free(need_q);
    return want;
}

/* ---- local graphs -------------------------------------------------------------------------- */

/* A finalized copy of node `node` of gq alone: its activation inputs become graph inputs. */
static enum qv_status build_local(const struct qv_pairing *p, int32_t node, int32_t tensor_q,
                                  struct local_graph *lg, struct qv_error *err)
{
    const struct qv_graph *gq = p->gq;
    const struct qv_node *n = &gq->nodes[node];
    struct qv_graph *g = NULL;
    bool *which = calloc((size_t)gq->n_tensors + 1, 1);
    int32_t *map = malloc(((size_t)gq->n_tensors + 1) * sizeof(int32_t));
    int32_t ins[QV_MAX_INPUTS], outs[QV_MAX_OUTPUTS], idx;
    enum qv_status st = QV_OK;
    if (!which || !map) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory for a local graph");
        goto done;
    }
    for (int32_t k = 0; k < n->n_inputs; k++)
        if (n->inputs[k] >= 0)
            which[n->inputs[k]] = true;
    for (int32_t k = 0; k < n->n_outputs; k++)
        which[n->outputs[k]] = true;
    if ((st = qv_graph_create(&g, err)) != QV_OK ||
        (st = qv_graph_copy_tensors(g, gq, which, map, err)) != QV_OK ||
        (st = qv_graph_copy_node(g, gq, node, map, &idx, err)) != QV_OK)
        goto done;
    lg->n_in = 0;
    for (int32_t k = 0; k < n->n_inputs; k++) {
        int32_t t = n->inputs[k];
        if (t < 0 || gq->tensors[t].data)
            continue;
        bool dup = false;
        for (int32_t j = 0; j < lg->n_in; j++)
            dup = dup || ins[j] == map[t];
        if (dup)
            continue;
        ins[lg->n_in] = map[t];
        lg->src_f[lg->n_in++] = p->float_of[t];
    }
    for (int32_t k = 0; k < n->n_outputs; k++) {
        outs[k] = map[n->outputs[k]];
        if (n->outputs[k] == tensor_q)
            lg->out = k;
    }
    if ((st = qv_graph_set_io(g, lg->n_in, ins, n->n_outputs, outs, err)) != QV_OK ||
        (st = qv_graph_finalize(g, err)) != QV_OK)
        goto done;
    lg->kind = gq->tensors[tensor_q].dtype == QV_DTYPE_F32 ? QV_ENGINE_FLOAT : QV_ENGINE_INT8;
    lg->g = g;
    g = NULL;
done:
    if (st != QV_OK)
        qv_error_prefix(err, NULL, "local graph of node %d ('%s')", node,
                        gq->tensors[tensor_q].name);
    qv_graph_free(g);
    free(which);
    free(map);
    return st;
}

static void plan_free(struct local_plan *pl)
{
    if (!pl)
        return;
    for (int32_t i = 0; pl->lg && i < pl->n; i++)
        qv_graph_free(pl->lg[i].g);
    free(pl->lg);
    free(pl);
}

/* One-node graphs of every paired node layer whose activation inputs are all paired. */
static enum qv_status plan_create(const struct qv_pairing *p, struct local_plan **ret,
                                  struct qv_error *err)
{
    struct local_plan *pl = calloc(1, sizeof(*pl));
    if (!pl || !(pl->lg = calloc((size_t)p->n_pairs + 1, sizeof(*pl->lg)))) {
        free(pl);
        return qv_fail(err, QV_E_NOMEM, "out of memory for the local graphs");
    }
    pl->n = p->n_pairs;
    for (int32_t i = 0; i < p->n_pairs; i++) {
        const struct qv_layer_pair *lp = &p->pairs[i];
        if (lp->how == QV_PAIR_NONE || lp->node_q < 0)
            continue;
        const struct qv_node *n = &p->gq->nodes[lp->node_q];
        bool ok = true;
        for (int32_t k = 0; k < n->n_inputs; k++) {
            int32_t t = n->inputs[k];
            ok = ok && (t < 0 || p->gq->tensors[t].data || p->float_of[t] >= 0);
        }
        if (!ok)
            continue;
        enum qv_status st = build_local(p, lp->node_q, lp->tensor_q, &pl->lg[i], err);
        if (st != QV_OK) {
            plan_free(pl);
            return st;
        }
    }
    *ret = pl;
    return QV_OK;
}

/* ---- create, free ------------------------------------------------------------------------------ */

/* Frees the capture buffers and the local engines (made again on the next use). */
static void release_work(struct qv_layer_stats *s)
{
    struct qv_layer_stats_int *in = s->in;
    for (int32_t i = 0; in->eng && i < s->pairing->n_pairs; i++) {
        qv_engine_free(in->eng[i]);
        in->eng[i] = NULL;
    }
    for (int side = 0; side < QV_SIDES; side++) {
        const struct qv_graph *g = graph_of(s->pairing, (enum qv_side)side);
        for (int32_t t = 0; in->cap[side] && t < g->n_tensors; t++) {
            free(in->cap[side][t]);
            in->cap[side][t] = NULL;
            in->cap_bytes[side][t] = 0;
        }
    }
}

void qv_layer_stats_free(struct qv_layer_stats *s)
{
    if (!s)
        return;
    struct qv_layer_stats_int *in = s->in;
    if (in) {
        release_work(s);
        free(in->eng);
        for (int side = 0; side < QV_SIDES; side++) {
            free(in->cap[side]);
            free(in->cap_bytes[side]);
            free(in->need[side]);
        }
        if (in->own_plan)
            plan_free(in->plan);
        free(in);
    }
    free(s->stat);
    free(s);
}

static enum qv_status stats_create(const struct qv_pairing *p, const struct qv_layer_opts *opts,
                                   struct local_plan *plan, struct qv_layer_stats **ret,
                                   struct qv_error *err)
{
    struct qv_layer_opts o = QV_LAYER_OPTS_INIT;
    if (opts)
        o = *opts;
    if ((unsigned)o.rounding >= QV_ROUNDING_COUNT)
        return qv_fail(err, QV_E_USAGE, "qv_layer_stats_create: rounding %d", (int)o.rounding);
    struct qv_layer_stats *s = calloc(1, sizeof(*s));
    if (!s)
        return qv_fail(err, QV_E_NOMEM, "out of memory for the layer statistics");
    s->pairing = p;
    s->opts = o;
    enum qv_status st = QV_E_NOMEM;
    if (!(s->stat = calloc((size_t)p->n_pairs + 1, sizeof(*s->stat))) ||
        !(s->in = calloc(1, sizeof(*s->in))) ||
        !(s->in->eng = calloc((size_t)p->n_pairs + 1, sizeof(*s->in->eng))))
        goto fail;
    for (int32_t i = 0; i < p->n_pairs; i++) {
        qv_div_init(&s->stat[i].prop);
        qv_div_init(&s->stat[i].local);
        qv_levels_init(&s->stat[i].levels);
    }
    struct qv_layer_stats_int *in = s->in;
    for (int side = 0; side < QV_SIDES; side++) {
        const struct qv_graph *g = graph_of(p, (enum qv_side)side);
        if (!(in->need[side] = calloc((size_t)g->n_tensors + 1, 1)) ||
            !(in->cap[side] = calloc((size_t)g->n_tensors + 1, sizeof(void *))) ||
            !(in->cap_bytes[side] = calloc((size_t)g->n_tensors + 1, sizeof(size_t))))
            goto fail;
        in->rows[side] = -1;
        in->run_side[side] = side;
    }
    mark_needed(p, o.local, in->need[QV_SIDE_FLOAT], in->need[QV_SIDE_INT8]);
    for (int side = 0; side < QV_SIDES; side++) {
        const struct qv_graph *g = graph_of(p, (enum qv_side)side);
        in->last[side] = -1;
        for (int32_t oi = 0; oi < g->n_nodes; oi++)
            if (node_needed(g, in->need[side], g->order[oi]))
                in->last[side] = g->order[oi];
    }
    if (o.local) {
        if (plan) {
            in->plan = plan;
        } else {
            if ((st = plan_create(p, &in->plan, err)) != QV_OK)
                goto fail_st;
            in->own_plan = true;
        }
    }
    *ret = s;
    return QV_OK;
fail:
    st = qv_fail(err, QV_E_NOMEM, "out of memory for the layer statistics");
fail_st:
    qv_layer_stats_free(s);
    return st;
}

enum qv_status qv_layer_stats_create(const struct qv_pairing *p, const struct qv_layer_opts *opts,
                                     struct qv_layer_stats **ret, struct qv_error *err)
{
    if (!p)
        return qv_fail(err, QV_E_USAGE, "qv_layer_stats_create: no pairing");
    return stats_create(p, opts, NULL, ret, err);
}

/* ---- update -------------------------------------------------------------------------------- */

static int64_t elems_of(const struct qv_graph *g, int32_t t)
{
    return qv_shape_elems(&g->tensors[t].shape);
}

/* The local run of layer i over rows [0, n): engine input k from float tensor src_f[k]. */
static enum qv_status local_update(struct qv_layer_stats *s, int32_t i,
                                   const struct qv_layer_batch *b, struct qv_error *err)
{
    const struct qv_pairing *p = s->pairing;
    const struct qv_layer_pair *lp = &p->pairs[i];
    const struct local_graph *lg = &s->in->plan->lg[i];
    struct qv_engine **e = &s->in->eng[i];
    enum qv_status st;
    if (!*e) {
        struct qv_engine_opts eo = QV_ENGINE_OPTS_INIT;
        eo.kind = lg->kind;
        eo.rounding = s->opts.rounding;
        eo.plain_loops = s->opts.plain_loops;
        eo.max_batch = LOCAL_BATCH;
        if ((st = qv_engine_create(lg->g, &eo, e, err)) != QV_OK) {
            qv_error_prefix(err, NULL, "local run of '%s'", p->gq->tensors[lp->tensor_q].name);
            return st;
        }
    }
    const struct qv_tensor *tq = &p->gq->tensors[lp->tensor_q];
    int64_t elems = elems_of(p->gq, lp->tensor_q);
    int64_t batch = qv_engine_max_batch(*e);
    enum qv_dtype held = qv_engine_output_dtype(*e, lg->out);
    for (int64_t r0 = 0; r0 < b->n; r0 += batch) {
        int64_t m = b->n - r0 < batch ? b->n - r0 : batch;
        for (int32_t k = 0; k < lg->n_in; k++) {
            int64_t ek = elems_of(p->gf, lg->src_f[k]);
            st = qv_engine_load_input(*e, k, 0, m, b->f[lg->src_f[k]] + r0 * ek, QV_DTYPE_F32,
                                      err);
            if (st != QV_OK)
                return st;
        }
        if ((st = qv_engine_run(*e, m, err)) != QV_OK)
            return st;
        qv_div_add_rows_stored(&s->stat[i].local, b->f[lp->tensor_f] + r0 * elems,
                               qv_engine_output(*e, lg->out), held,
                               held == QV_DTYPE_F32 ? NULL : &tq->quant, &tq->shape, m, elems);
    }
    return QV_OK;
}

/* Float values beyond the range the int8 tensor represents (half a step of slack). */
static void count_saturation(struct qv_layer_stat *st, const float *f, const struct qv_tensor *t,
                             int64_t n)
{
    const struct qv_dtype_traits *tr = qv_dtype_get(t->dtype);
    if (!tr || t->quant.count <= 0)
        return;
    int64_t inner = 1;
    for (int32_t r = t->quant.axis + 1; t->quant.count > 1 && r < t->shape.rank; r++)
        inner *= t->shape.dims[r];
    int64_t row = qv_shape_elems(&t->shape), low = 0, high = 0;
    if (t->quant.count == 1) {
        double s = t->quant.scale[0], zp = t->quant.zero_point[0];
        double lo = s * ((double)tr->min - zp - 0.5), hi = s * ((double)tr->max - zp + 0.5);
        for (int64_t i = 0; i < n; i++) {
            low += f[i] < lo;
            high += f[i] > hi;
        }
    } else {
        for (int64_t i = 0; i < n; i++) {
            int32_t c = (int32_t)((i % row) / inner % t->quant.count);
            double s = t->quant.scale[c], zp = t->quant.zero_point[c];
            low += f[i] < s * ((double)tr->min - zp - 0.5);
            high += f[i] > s * ((double)tr->max - zp + 0.5);
        }
    }
    st->sat_low += low;
    st->sat_high += high;
}

enum qv_status qv_layer_stats_update(struct qv_layer_stats *s, const struct qv_layer_batch *b,
                                     struct qv_error *err)
{
    const struct qv_pairing *p = s->pairing;
    if (b->n < 0 || !b->f || !b->q)
        return qv_fail(err, QV_E_USAGE, "qv_layer_stats_update: bad batch");
    /* every tensor needed must be there before anything is added */
    for (int side = 0; side < QV_SIDES; side++) {
        const struct qv_graph *g = graph_of(p, (enum qv_side)side);
        for (int32_t t = 0; t < g->n_tensors; t++) {
            const void *rows = side == QV_SIDE_FLOAT ? (const void *)b->f[t] : b->q[t];
            if (s->in->need[side][t] && !rows)
                return qv_fail(err, QV_E_USAGE, "qv_layer_stats_update: %s tensor '%s' was not "
                               "captured", side == QV_SIDE_FLOAT ? "float" : "int8",
                               g->tensors[t].name);
        }
    }
    for (int32_t i = 0; i < p->n_pairs; i++) {
        const struct qv_layer_pair *lp = &p->pairs[i];
        if (lp->how == QV_PAIR_NONE)
            continue;
        const struct qv_tensor *tq = &p->gq->tensors[lp->tensor_q];
        int64_t elems = elems_of(p->gq, lp->tensor_q);
        struct qv_layer_stat *st = &s->stat[i];
        qv_div_add_rows_stored(&st->prop, b->f[lp->tensor_f], b->q[lp->tensor_q], tq->dtype,
                               &tq->quant, &tq->shape, b->n, elems);
        qv_levels_add(&st->levels, b->q[lp->tensor_q], tq->dtype, b->n * elems);
        if (lp->quantized)
            count_saturation(st, b->f[lp->tensor_f], tq, b->n * elems);
        if (!s->opts.local)
            continue;
        if (lp->node_q < 0) {
            /* a graph input: alone, the layer is its own quantization */
            qv_div_add_rows_stored(&st->local, b->f[lp->tensor_f], b->q[lp->tensor_q],
                                   tq->dtype, &tq->quant, &tq->shape, b->n, elems);
        } else if (s->in->plan->lg[i].g) {
            enum qv_status e = local_update(s, i, b, err);
            if (e != QV_OK)
                return e;
        }
    }
    s->samples += b->n;
    return QV_OK;
}

/* ---- observer -------------------------------------------------------------------------------- */

/* Element size of tensor t as side's engine holds it. */
static size_t held_size(const struct qv_graph *g, enum qv_side side, int32_t t)
{
    return side == QV_SIDE_FLOAT ? sizeof(float) : qv_dtype_size(g->tensors[t].dtype);
}

static enum qv_status flush(struct qv_layer_stats *s, struct qv_error *err)
{
    struct qv_layer_stats_int *in = s->in;
    if (in->rows[0] < 0 && in->rows[1] < 0) {   /* nothing paired: nothing to add */
        in->done[0] = in->done[1] = false;
        return QV_OK;
    }
    if (in->rows[0] != in->rows[1])
        return qv_fail(err, QV_E_INTERNAL, "layer observer: %lld float rows, %lld int8 rows",
                       (long long)in->rows[0], (long long)in->rows[1]);
    struct qv_layer_batch b = { .n = in->rows[0], .f = (const float *const *)in->cap[0],
                                .q = (const void *const *)in->cap[1] };
    enum qv_status st = qv_layer_stats_update(s, &b, err);
    for (int side = 0; side < QV_SIDES; side++) {
        in->rows[side] = -1;
        in->done[side] = false;
    }
    in->flushed_rows += b.n;
    if (in->chunk_rows > 0 && in->flushed_rows >= in->chunk_rows)
        release_work(s);   /* the chunk is computed: only its statistics wait for delivery */
    return st;
}

enum qv_status qv_layer_stats_observe(struct qv_layer_stats *s, enum qv_side side, int32_t node,
                                      int32_t n_views, const struct qv_tensor_view *views,
                                      struct qv_error *err)
{
    struct qv_layer_stats_int *in = s->in;
    if ((unsigned)side >= QV_SIDES)
        return qv_fail(err, QV_E_USAGE, "qv_layer_stats_observe: side %d", (int)side);
    const struct qv_graph *g = graph_of(s->pairing, side);
    if (in->done[side])
        return qv_fail(err, QV_E_INTERNAL, "layer observer: the %s model delivered a new batch "
                       "before the other model delivered the current one",
                       side == QV_SIDE_FLOAT ? "float" : "int8");
    for (int32_t v = 0; v < n_views; v++) {
        const struct qv_tensor *tt = views[v].t;
        if (!tt || tt < g->tensors || tt >= g->tensors + g->n_tensors)
            continue;
        int32_t t = (int32_t)(tt - g->tensors);
        if (!in->need[side][t])
            continue;
        int64_t stored = elems_of(g, t), got = qv_shape_elems(&views[v].shape);
        if (stored <= 0 || got % stored)
            return qv_fail(err, QV_E_INTERNAL, "layer observer: tensor '%s' holds %lld elements, "
                           "not whole samples of %lld", tt->name, (long long)got,
                           (long long)stored);
        int64_t rows = got / stored;
        if (in->rows[side] >= 0 && in->rows[side] != rows)
            return qv_fail(err, QV_E_INTERNAL, "layer observer: %lld rows after %lld",
                           (long long)rows, (long long)in->rows[side]);
        in->rows[side] = rows;
        size_t bytes = (size_t)got * held_size(g, side, t);
        if (in->cap_bytes[side][t] < bytes) {
            void *nb = realloc(in->cap[side][t], bytes);
            if (!nb)
                return qv_fail(err, QV_E_NOMEM, "out of memory capturing '%s'", tt->name);
            in->cap[side][t] = nb;
            in->cap_bytes[side][t] = bytes;
        }
        memcpy(in->cap[side][t], views[v].data, bytes);
    }
    if (node == in->last[side])
        in->done[side] = true;
    if (in->done[0] && in->done[1])
        return flush(s, err);
    return QV_OK;
}

static bool obs_want(void *user, int32_t side, int32_t node)
{
    struct qv_layer_stats *total = user;
    for (int k = 0; k < QV_SIDES; k++)
        if (total->in->run_side[k] == side)
            return qv_layer_stats_wants(total->pairing, (enum qv_side)k, node);
    return false;
}

static enum qv_status obs_begin(void *user, int64_t first, int64_t n, void **ret_state,
                                struct qv_error *err)
{
    const struct qv_layer_stats *total = user;
    struct qv_layer_stats *s;
    (void)first;
    enum qv_status st = stats_create(total->pairing, &total->opts, total->in->plan, &s, err);
    if (st != QV_OK)
        return st;
    s->in->run_side[0] = total->in->run_side[0];
    s->in->run_side[1] = total->in->run_side[1];
    s->in->chunk_rows = n;
    *ret_state = s;
    return QV_OK;
}

static enum qv_status obs_tensors(void *state, int32_t side, int32_t node, int32_t n_views,
                                  const struct qv_tensor_view *views, int64_t row,
                                  struct qv_error *err)
{
    struct qv_layer_stats *s = state;
    (void)row;
    for (int k = 0; k < QV_SIDES; k++)
        if (s->in->run_side[k] == side)
            return qv_layer_stats_observe(s, (enum qv_side)k, node, n_views, views, err);
    return QV_OK;
}

static enum qv_status obs_end(void *user, void *state, bool merge, struct qv_error *err)
{
    struct qv_layer_stats *total = user, *s = state;
    enum qv_status st = QV_OK;
    if (merge && (s->in->rows[0] >= 0 || s->in->rows[1] >= 0))
        st = qv_fail(err, QV_E_INTERNAL, "layer observer: a chunk ended in the middle of a batch");
    if (merge && st == QV_OK)
        st = qv_layer_stats_merge(total, s, err);
    qv_layer_stats_free(s);
    return st;
}

void qv_layer_observer(struct qv_layer_stats *total, int32_t float_side, int32_t int8_side,
                       struct qv_run_observer *ret)
{
    total->in->run_side[QV_SIDE_FLOAT] = float_side;
    total->in->run_side[QV_SIDE_INT8] = int8_side;
    *ret = (struct qv_run_observer){ .want = obs_want, .chunk_begin = obs_begin,
                                     .tensors = obs_tensors, .chunk_end = obs_end,
                                     .user = total };
}

/* ---- merge and figures ----------------------------------------------------------------------- */

bool qv_layer_pairings_equal(const struct qv_pairing *a, const struct qv_pairing *b)
{
    if (a == b)
        return true;
    if (a->n_pairs != b->n_pairs || qv_graph_fingerprint(a->gf) != qv_graph_fingerprint(b->gf) ||
        qv_graph_fingerprint(a->gq) != qv_graph_fingerprint(b->gq))
        return false;
    for (int32_t i = 0; i < a->n_pairs; i++)
        if (a->pairs[i].tensor_q != b->pairs[i].tensor_q ||
            a->pairs[i].tensor_f != b->pairs[i].tensor_f || a->pairs[i].how != b->pairs[i].how)
            return false;
    return true;
}

enum qv_status qv_layer_stats_merge(struct qv_layer_stats *s, const struct qv_layer_stats *src,
                                    struct qv_error *err)
{
    if (!qv_layer_pairings_equal(s->pairing, src->pairing))
        return qv_fail(err, QV_E_INPUT, "the layer statistics to merge are for different models "
                       "or pairings");
    if (s->opts.local != src->opts.local || s->opts.rounding != src->opts.rounding)
        return qv_fail(err, QV_E_INPUT, "the layer statistics to merge were made with different "
                       "options (local errors %s/%s, rounding %s/%s)",
                       s->opts.local ? "on" : "off", src->opts.local ? "on" : "off",
                       s->opts.rounding == QV_ROUNDING_SINGLE ? "single" : "double",
                       src->opts.rounding == QV_ROUNDING_SINGLE ? "single" : "double");
    for (int32_t i = 0; i < s->pairing->n_pairs; i++) {
        qv_div_merge(&s->stat[i].prop, &src->stat[i].prop);
        qv_div_merge(&s->stat[i].local, &src->stat[i].local);
        qv_levels_merge(&s->stat[i].levels, &src->stat[i].levels);
        s->stat[i].sat_low += src->stat[i].sat_low;
        s->stat[i].sat_high += src->stat[i].sat_high;
    }
    s->samples += src->samples;
    return QV_OK;
}

void qv_layer_stats_figures(const struct qv_layer_stats *s, int32_t i,
                            struct qv_layer_figures *ret)
{
    const struct qv_layer_stat *st = &s->stat[i];
    const struct qv_layer_pair *lp = &s->pairing->pairs[i];
    struct qv_layer_figures f;
    qv_div_figures(&st->prop, &f.prop);
    qv_div_figures(&st->local, &f.local);
    bool counted = lp->quantized && st->levels.n > 0;
    f.clip_low = counted ? (double)st->levels.at_min / (double)st->levels.n : NAN;
    f.clip_high = counted ? (double)st->levels.at_max / (double)st->levels.n : NAN;
    f.levels_used = qv_levels_used(&st->levels);
    double nf = (double)(st->prop.n + st->prop.nonfinite);
    f.sat_low = lp->quantized && nf > 0 ? (double)st->sat_low / nf : NAN;
    f.sat_high = lp->quantized && nf > 0 ? (double)st->sat_high / nf : NAN;
    *ret = f;
}

static int32_t first_below(const struct qv_layer_stats *s, double thr, bool local)
{
    for (int32_t i = 0; i < s->pairing->n_pairs; i++) {
        const struct qv_div *d = local ? &s->stat[i].local : &s->stat[i].prop;
        if (!s->pairing->pairs[i].quantized || d->n == 0)
            continue;
        struct qv_div_figures f;
        qv_div_figures(d, &f);
        if (f.sqnr_db < thr)
            return i;
    }
    return -1;
}

int32_t qv_layer_culprit(const struct qv_layer_stats *s, double min_sqnr_db)
{
    return first_below(s, min_sqnr_db, true);
}

int32_t qv_layer_first_propagated_break(const struct qv_layer_stats *s, double min_sqnr_db)
{
    return first_below(s, min_sqnr_db, false);
}
