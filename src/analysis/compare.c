/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-layer divergence: two engines (or rounding flavours, or models) over the same samples, or
 * one engine against tensors saved earlier. Tensors are paired by name (same graph: by index).
 * Integer tensors with equal quantization are compared in LSB; anything else in real units, with
 * LSB buckets on side b's quantization step when b is quantized.
 *
 * Both sides run in one pass of the runner (run.h); the comparison happens inside the worker
 * that computes each chunk, and chunk results merge in order. Sums go through per-sample partial
 * sums and exact accumulators, so the figures are identical for any thread count and batch.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/eval_internal.h"
#include "qvet/analysis.h"
#include "qvet/metrics.h"

/* Samples per chunk against saved tensors: each chunk keeps side b's rows of every pair. */
#define SAVED_CHUNK 16

struct stats {
    int64_t elems, same, off1, more;
    double max_abs;
    struct qv_xacc sig, noise;
};

struct pair {
    int32_t node_a, node_b, tensor_a, tensor_b;
    const char *how;
    enum qv_dtype dtype_a, dtype_b;  /* as held by each side (engine or file) */
    int64_t row_elems;
    struct qv_npy *saved;          /* saved mode: t<idx>.npy */
    void *saved_rows;              /* saved mode: a chunk of rows read from it */
    struct stats total;
};

struct cmp {
    const struct qv_graph *ga, *gb;
    struct pair *pairs;
    int32_t n_pairs;
    int32_t *pair_of_a, *pair_of_b;   /* node -> (first) pair index or -1; several pairs may
                                       * read one node of side a: see next_of_a */
    int32_t *next_of_a;               /* [n_pairs]: the next pair reading the same a node, -1 */
    struct qv_pairing *pairing;       /* two graphs: layers.h's pairing */
    bool saved;
    const char *dir;               /* saved mode: the directory, for messages */
};

/* Per chunk: each pair's figures, and side a's rows of the batch in flight (or side b's rows
 * of the whole chunk against saved tensors). */
struct cmp_chunk {
    const struct cmp *c;
    int64_t n;
    struct stats *st;              /* [n_pairs] */
    void **rows;                   /* [n_pairs] */
    int64_t *rows_cap;             /* [n_pairs]: rows allocated */
};

static double to_real(double raw, enum qv_dtype dt, const struct qv_tensor *t)
{
    if (dt == QV_DTYPE_F32 || !t->quant.count)
        return raw;
    return (double)t->quant.scale[0] * (raw - t->quant.zero_point[0]);
}

static bool same_quant(const struct qv_tensor *a, const struct qv_tensor *b)
{
    return a->quant.count == 1 && b->quant.count == 1 && a->quant.scale[0] == b->quant.scale[0] &&
           a->quant.zero_point[0] == b->quant.zero_point[0];
}

/* n rows of side a against side b into s; sums per sample, then exactly across samples. */
static void accumulate(const struct cmp *c, const struct pair *p, struct stats *s,
                       const void *a, const void *b, int64_t n)
{
    const struct qv_tensor *ta = &c->ga->tensors[p->tensor_a];
    const struct qv_tensor *tb = &c->gb->tensors[p->tensor_b];
    bool lsb = p->dtype_a != QV_DTYPE_F32 && p->dtype_b != QV_DTYPE_F32 && same_quant(ta, tb);
    double step = tb->quant.count == 1 && p->dtype_b != QV_DTYPE_F32 ? tb->quant.scale[0] : 0.0;
    double (*load_a)(const void *, int64_t) = qv_dtypes[p->dtype_a].load;
    double (*load_b)(const void *, int64_t) = qv_dtypes[p->dtype_b].load;
    for (int64_t r = 0; r < n; r++) {
        double sig = 0, noise = 0;
        for (int64_t k = r * p->row_elems; k < (r + 1) * p->row_elems; k++) {
            double raw_a = load_a(a, k), raw_b = load_b(b, k);
            double ra = to_real(raw_a, p->dtype_a, ta), rb = to_real(raw_b, p->dtype_b, tb);
            double d = lsb ? fabs(raw_a - raw_b) : fabs(ra - rb);
            double units = lsb ? d : (step > 0 ? d / step : d);
            if (d == 0)
                s->same++;
            else if (units <= 1.0 + 1e-9 && (lsb || step > 0))
                s->off1++;
            else
                s->more++;
            if (d > s->max_abs)
                s->max_abs = d;
            sig += ra * ra;
            noise += (ra - rb) * (ra - rb);
        }
        qv_xacc_add(&s->sig, sig);
        qv_xacc_add(&s->noise, noise);
    }
    s->elems += n * p->row_elems;
}

static void stats_merge(struct stats *to, const struct stats *from)
{
    to->elems += from->elems;
    to->same += from->same;
    to->off1 += from->off1;
    to->more += from->more;
    if (from->max_abs > to->max_abs)
        to->max_abs = from->max_abs;
    qv_xacc_merge(&to->sig, &from->sig);
    qv_xacc_merge(&to->noise, &from->noise);
}

static bool cmp_want(void *user, int32_t side, int32_t node)
{
    const struct cmp *c = user;
    if (c->saved)
        return c->pair_of_b[node] >= 0;
    return (side == 0 ? c->pair_of_a : c->pair_of_b)[node] >= 0;
}

static void chunk_free(struct cmp_chunk *cc)
{
    if (!cc)
        return;
    for (int32_t i = 0; cc->rows && i < cc->c->n_pairs; i++)
        free(cc->rows[i]);
    free(cc->rows);
    free(cc->rows_cap);
    free(cc->st);
    free(cc);
}

static enum qv_status cmp_begin(void *user, int64_t first, int64_t n, void **ret_state,
                                struct qv_error *err)
{
    const struct cmp *c = user;
    (void)first;
    struct cmp_chunk *cc = calloc(1, sizeof(*cc));
    if (cc) {
        cc->c = c;
        cc->n = n;
        cc->st = calloc((size_t)c->n_pairs, sizeof(*cc->st));
        cc->rows = calloc((size_t)c->n_pairs, sizeof(*cc->rows));
        cc->rows_cap = calloc((size_t)c->n_pairs, sizeof(*cc->rows_cap));
    }
    if (!cc || !cc->st || !cc->rows || !cc->rows_cap) {
        chunk_free(cc);
        return qv_fail(err, QV_E_NOMEM, "out of memory comparing tensors");
    }
    *ret_state = cc;
    return QV_OK;
}

/* Room for n rows of pair i in the chunk state. */
static enum qv_status rows_room(struct cmp_chunk *cc, int32_t i, int64_t n, size_t esize,
                                struct qv_error *err)
{
    if (n <= cc->rows_cap[i])
        return QV_OK;
    void *p = realloc(cc->rows[i], (size_t)(n * cc->c->pairs[i].row_elems) * esize + 1);
    if (!p)
        return qv_fail(err, QV_E_NOMEM, "out of memory comparing tensors");
    cc->rows[i] = p;
    cc->rows_cap[i] = n;
    return QV_OK;
}

static enum qv_status cmp_tensors(void *state, int32_t side, int32_t node, int32_t n_views,
                                  const struct qv_tensor_view *views, int64_t row,
                                  struct qv_error *err)
{
    struct cmp_chunk *cc = state;
    const struct cmp *c = cc->c;
    (void)n_views;
    if (node < 0)
        return QV_OK;
    int64_t n = views[0].shape.rank ? views[0].shape.dims[0] : 1;
    if (c->saved) {
        /* keep side b's rows; compared with the saved ones in order, in cmp_end */
        int32_t i = c->pair_of_b[node];
        const struct pair *p = &c->pairs[i];
        size_t es = qv_dtype_size(p->dtype_b);
        enum qv_status st = rows_room(cc, i, cc->n, es, err);
        if (st == QV_OK)
            memcpy((char *)cc->rows[i] + (size_t)(row * p->row_elems) * es, views[0].data,
                   (size_t)(n * p->row_elems) * es);
        return st;
    }
    if (side == 0) {
        for (int32_t i = c->pair_of_a[node]; i >= 0; i = c->next_of_a[i]) {
            const struct pair *p = &c->pairs[i];
            size_t es = qv_dtype_size(p->dtype_a);
            enum qv_status st = rows_room(cc, i, n, es, err);
            if (st != QV_OK)
                return st;
            memcpy(cc->rows[i], views[0].data, (size_t)(n * p->row_elems) * es);
        }
        return QV_OK;
    }
    int32_t i = c->pair_of_b[node];
    accumulate(c, &c->pairs[i], &cc->st[i], cc->rows[i], views[0].data, n);
    return QV_OK;
}

static enum qv_status cmp_end(void *user, void *state, bool merge, struct qv_error *err)
{
    struct cmp *c = user;
    struct cmp_chunk *cc = state;
    enum qv_status st = QV_OK;
    for (int32_t i = 0; merge && st == QV_OK && i < c->n_pairs; i++) {
        struct pair *p = &c->pairs[i];
        if (c->saved) {
            int64_t got = 0;
            size_t es = qv_dtype_size(p->dtype_a);
            void *buf = realloc(p->saved_rows, (size_t)(cc->n * p->row_elems) * es + 1);
            if (!buf) {
                st = qv_fail(err, QV_E_NOMEM, "out of memory comparing tensors");
                break;
            }
            p->saved_rows = buf;
            st = qv_npy_read_rows(p->saved, cc->n, buf, true, &got, err);
            if (st == QV_OK && got != cc->n)
                st = qv_fail_at(err, QV_E_INPUT, c->dir, -1, "t%d.npy holds %lld samples, the "
                                "dataset more", p->tensor_b,
                                (long long)(p->total.elems / (p->row_elems ? p->row_elems : 1) +
                                            got));
            if (st != QV_OK)
                break;
            if (!cc->rows[i]) {
                st = qv_fail(err, QV_E_INTERNAL, "tensor t%d was not observed", p->tensor_b);
                break;
            }
            accumulate(c, p, &cc->st[i], buf, cc->rows[i], cc->n);
        }
        stats_merge(&p->total, &cc->st[i]);
    }
    chunk_free(cc);
    return st;
}

static int64_t row_elems_of(const struct qv_tensor *t)
{
    int64_t n = 1;
    for (int32_t r = 1; r < t->shape.rank; r++)
        n *= t->shape.dims[r];
    return n;
}

static enum qv_status add_pair(struct cmp *c, int32_t ta, int32_t tb, const char *how,
                               enum qv_dtype (*held_a)(const struct qv_tensor *),
                               enum qv_dtype (*held_b)(const struct qv_tensor *))
{
    const struct qv_graph *ga = c->ga, *gb = c->gb;
    int32_t na = ga->tensors[ta].producer, nb = gb->tensors[tb].producer;
    /* the observers see each node's first output: pairs of other tensors are left out */
    if (na < 0 || nb < 0 || ga->nodes[na].outputs[0] != ta || gb->nodes[nb].outputs[0] != tb ||
        qv_shape_elems(&ga->tensors[ta].shape) != qv_shape_elems(&gb->tensors[tb].shape))
        return QV_OK;
    struct pair *p = &c->pairs[c->n_pairs];
    p->node_a = na;
    p->node_b = nb;
    p->tensor_a = ta;
    p->tensor_b = tb;
    p->how = how;
    p->dtype_a = held_a(&ga->tensors[ta]);
    p->dtype_b = held_b(&gb->tensors[tb]);
    p->row_elems = row_elems_of(&gb->tensors[tb]);
    qv_xacc_init(&p->total.sig);
    qv_xacc_init(&p->total.noise);
    c->next_of_a[c->n_pairs] = -1;
    if (c->pair_of_a[na] < 0) {
        c->pair_of_a[na] = c->n_pairs;
    } else {
        int32_t k = c->pair_of_a[na];
        while (c->next_of_a[k] >= 0)
            k = c->next_of_a[k];
        c->next_of_a[k] = c->n_pairs;
    }
    c->pair_of_b[nb] = c->n_pairs;
    c->n_pairs++;
    return QV_OK;
}

static enum qv_status pair_up(struct cmp *c, enum qv_dtype (*held_a)(const struct qv_tensor *),
                              enum qv_dtype (*held_b)(const struct qv_tensor *),
                              struct qv_error *err)
{
    const struct qv_graph *ga = c->ga, *gb = c->gb;
    enum qv_status st;
    c->pairs = calloc((size_t)gb->n_tensors + 1, sizeof(*c->pairs));
    c->next_of_a = calloc((size_t)gb->n_tensors + 1, sizeof(int32_t));
    c->pair_of_a = malloc(((size_t)ga->n_nodes + 1) * sizeof(int32_t));
    c->pair_of_b = malloc(((size_t)gb->n_nodes + 1) * sizeof(int32_t));
    if (!c->pairs || !c->next_of_a || !c->pair_of_a || !c->pair_of_b)
        return qv_fail(err, QV_E_NOMEM, "out of memory pairing tensors");
    for (int32_t i = 0; i < ga->n_nodes; i++)
        c->pair_of_a[i] = -1;
    for (int32_t i = 0; i < gb->n_nodes; i++)
        c->pair_of_b[i] = -1;
    if (ga == gb) {
        for (int32_t oi = 0; oi < gb->n_nodes; oi++) {
            int32_t tb = gb->nodes[gb->order[oi]].outputs[0];
            add_pair(c, tb, tb, "index", held_a, held_b);
        }
    } else {
        /* layers.h: side a is the reference (the float model), side b the tested model */
        if ((st = qv_pairing_build(ga, gb, NULL, &c->pairing, err)) != QV_OK)
            return st;
        for (int32_t i = 0; i < c->pairing->n_pairs; i++) {
            const struct qv_layer_pair *lp = &c->pairing->pairs[i];
            if (lp->how == QV_PAIR_NONE || lp->node_q < 0 || lp->tensor_f < 0)
                continue;
            add_pair(c, lp->tensor_f, lp->tensor_q, qv_pair_how_name(lp->how), held_a, held_b);
        }
    }
    if (c->n_pairs == 0)
        return qv_fail(err, QV_E_INPUT, "no layer of the second model pairs with one of the "
                       "first (neither by name nor by structure)");
    return QV_OK;
}

static enum qv_status finish(const struct cmp *c, struct qv_layer_diff **ret_diffs,
                             int32_t *ret_n, struct qv_error *err)
{
    struct qv_layer_diff *d = calloc((size_t)c->n_pairs + 1, sizeof(*d));
    if (!d)
        return qv_fail(err, QV_E_NOMEM, "out of memory");
    for (int32_t i = 0; i < c->n_pairs; i++) {
        const struct pair *p = &c->pairs[i];
        double sig = qv_xacc_value(&p->total.sig), noise = qv_xacc_value(&p->total.noise);
        d[i] = (struct qv_layer_diff){
            .node = p->node_b, .tensor = p->tensor_b, .tensor_a = p->tensor_a, .pairing = p->how,
            .elems = p->total.elems,
            .same = p->total.same, .off_by_one = p->total.off1, .more = p->total.more,
            .max_abs = p->total.max_abs,
            .sqnr_db = noise == 0 ? INFINITY : (sig == 0 ? -INFINITY : 10.0 * log10(sig / noise)),
        };
    }
    *ret_diffs = d;
    *ret_n = c->n_pairs;
    return QV_OK;
}

static void release(struct cmp *c)
{
    for (int32_t i = 0; c->pairs && i < c->n_pairs; i++) {
        qv_npy_close(c->pairs[i].saved);
        free(c->pairs[i].saved_rows);
    }
    free(c->pairs);
    free(c->pair_of_a);
    free(c->pair_of_b);
    free(c->next_of_a);
    qv_pairing_free(c->pairing);
}

static enum qv_dtype held_float(const struct qv_tensor *t)
{
    (void)t;
    return QV_DTYPE_F32;
}

static enum qv_dtype held_own(const struct qv_tensor *t)
{
    return t->dtype;
}

static enum qv_status run_compare(struct cmp *c, const struct qv_compare_opts *opts,
                                  struct qv_run_opts *ro, int64_t *ret_samples,
                                  struct qv_layer_diff **ret_diffs, int32_t *ret_n,
                                  struct qv_error *err)
{
    struct qv_run_stats stats;
    qv_analysis_run_apply(&opts->run, ro);
    ro->observer = (struct qv_run_observer){ .want = cmp_want, .chunk_begin = cmp_begin,
                                             .tensors = cmp_tensors, .chunk_end = cmp_end,
                                             .user = c };
    enum qv_status st = qv_run(&opts->run.data, ro, &stats, err);
    if (st == QV_OK)
        st = finish(c, ret_diffs, ret_n, err);
    if (st == QV_OK)
        *ret_samples = stats.samples;
    return st;
}

enum qv_status qv_compare_run(const struct qv_graph *ga, const struct qv_graph *gb,
                              const struct qv_compare_opts *opts,
                              struct qv_layer_diff **ret_diffs, int32_t *ret_n,
                              int64_t *ret_samples, struct qv_pairing **ret_pairing,
                              struct qv_error *err)
{
    struct cmp c = { .ga = ga, .gb = gb };
    struct qv_run_opts ro = QV_RUN_OPTS_INIT;
    enum qv_status st = pair_up(&c, opts->a.kind == QV_ENGINE_FLOAT ? held_float : held_own,
                                opts->b.kind == QV_ENGINE_FLOAT ? held_float : held_own, err);
    if (st == QV_OK) {
        ro.n_sides = 2;
        ro.sides[0] = (struct qv_run_side){ .graph = ga, .name = opts->name_a,
                                            .engine = opts->a };
        ro.sides[1] = (struct qv_run_side){ .graph = gb, .name = opts->name_b,
                                            .engine = opts->b };
        st = run_compare(&c, opts, &ro, ret_samples, ret_diffs, ret_n, err);
    }
    if (st == QV_OK && ret_pairing) {
        *ret_pairing = c.pairing;
        c.pairing = NULL;
    }
    release(&c);
    return st;
}

enum qv_status qv_compare_saved(const struct qv_graph *g, const char *tensors_dir,
                                const struct qv_compare_opts *opts,
                                struct qv_layer_diff **ret_diffs, int32_t *ret_n,
                                int64_t *ret_samples, struct qv_error *err)
{
    struct cmp c = { .ga = g, .gb = g, .saved = true, .dir = tensors_dir };
    struct qv_run_opts ro = QV_RUN_OPTS_INIT;
    char path[QV_PATH_MAX + 32];
    enum qv_status st = pair_up(&c, held_own,
                                opts->b.kind == QV_ENGINE_FLOAT ? held_float : held_own, err);
    if (st != QV_OK)
        goto cleanup;
    /* keep only the tensors that have a saved file; a file must match the tensor's row shape */
    int32_t kept = 0;
    for (int32_t i = 0; i < c.n_pairs; i++) {
        struct pair p = c.pairs[i];
        snprintf(path, sizeof(path), "%s/t%d.npy", tensors_dir, p.tensor_b);
        c.pair_of_b[p.node_b] = -1;
        FILE *probe = fopen(path, "rb");
        if (!probe)
            continue;
        fclose(probe);
        if ((st = qv_npy_open(path, &p.saved, err)) != QV_OK)
            goto cleanup;
        const struct qv_npy_info *info = qv_npy_get_info(p.saved);
        p.dtype_a = info->dtype;
        if (info->row_elems != p.row_elems) {
            st = qv_fail_at(err, QV_E_INPUT, path, -1, "%lld elements per sample, tensor '%s' "
                            "has %lld", (long long)info->row_elems, g->tensors[p.tensor_b].name,
                            (long long)p.row_elems);
            qv_npy_close(p.saved);
            goto cleanup;
        }
        c.pair_of_b[p.node_b] = kept;
        c.pairs[kept++] = p;
    }
    c.n_pairs = kept;
    if (kept == 0) {
        st = qv_fail_at(err, QV_E_INPUT, tensors_dir, -1, "no t<index>.npy file matches a tensor "
                        "of the model");
        goto cleanup;
    }
    ro.n_sides = 1;
    ro.sides[0] = (struct qv_run_side){ .graph = g, .name = opts->name_b, .engine = opts->b };
    ro.chunk = SAVED_CHUNK;
    st = run_compare(&c, opts, &ro, ret_samples, ret_diffs, ret_n, err);
cleanup:
    release(&c);
    return st;
}
