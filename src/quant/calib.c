/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Calibration statistics: one qv_tensor_stats per float activation, filled by the float engine's
 * observer over a dataset, merged across runs. Everything kept is a function of the multiset of
 * samples (min, max, histogram) or of the samples in order (per-sample extremes, channel sums),
 * never of how they were batched.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/quant_int.h"

/* ---- fingerprint --------------------------------------------------------------------------- */

struct fnv {
    uint64_t h;
};

static void fnv_bytes(struct fnv *f, const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = f->h;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    f->h = h;
}

static void fnv_i64(struct fnv *f, int64_t v)
{
    uint64_t u = (uint64_t)v;
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(u >> (8 * i));
    fnv_bytes(f, b, 8);
}

static void fnv_str(struct fnv *f, const char *s)
{
    s = s ? s : "";
    fnv_i64(f, (int64_t)strlen(s));
    fnv_bytes(f, s, strlen(s));
}

static void fnv_f32(struct fnv *f, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    fnv_i64(f, u);
}

uint64_t qv_graph_fingerprint(const struct qv_graph *g)
{
    struct fnv f = { 0xcbf29ce484222325ULL };
    fnv_i64(&f, g->n_tensors);
    for (int32_t i = 0; i < g->n_tensors; i++) {
        const struct qv_tensor *t = &g->tensors[i];
        fnv_str(&f, t->name);
        fnv_i64(&f, t->dtype);
        fnv_i64(&f, t->shape.rank);
        for (int32_t r = 0; r < t->shape.rank; r++)
            fnv_i64(&f, t->shape.dims[r]);
        fnv_i64(&f, t->data != NULL);
        if (t->data)
            fnv_bytes(&f, t->data, t->nbytes);
        fnv_i64(&f, t->quant.count);
        for (int32_t k = 0; k < t->quant.count; k++) {
            fnv_f32(&f, t->quant.scale[k]);
            fnv_i64(&f, t->quant.zero_point[k]);
        }
    }
    fnv_i64(&f, g->n_nodes);
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        const struct qv_node *n = &g->nodes[ni];
        const struct qv_attrs *a = &n->attrs;
        fnv_i64(&f, n->op);
        for (int32_t k = 0; k < n->n_inputs; k++)
            fnv_i64(&f, n->inputs[k]);
        for (int32_t k = 0; k < n->n_outputs; k++)
            fnv_i64(&f, n->outputs[k]);
        const int64_t ints[] = { a->padding, a->stride_w, a->stride_h, a->dilation_w,
                                 a->dilation_h, a->filter_w, a->filter_h, a->depth_multiplier,
                                 a->act, a->axis, a->keep_dims, a->keep_num_dims,
                                 a->n_squeeze, a->n_new_shape };
        for (size_t k = 0; k < sizeof(ints) / sizeof(ints[0]); k++)
            fnv_i64(&f, ints[k]);
        fnv_f32(&f, a->beta);
        fnv_f32(&f, a->alpha);
    }
    for (int32_t i = 0; i < g->n_inputs; i++)
        fnv_i64(&f, g->inputs[i]);
    for (int32_t i = 0; i < g->n_outputs; i++)
        fnv_i64(&f, g->outputs[i]);
    return f.h;
}

/* ---- creation ------------------------------------------------------------------------------ */

bool qv_is_float_activation(const struct qv_graph *g, int32_t t)
{
    const struct qv_tensor *tt = &g->tensors[t];
    if (tt->data || tt->dtype != QV_DTYPE_F32)
        return false;
    if (tt->producer >= 0)
        return true;
    for (int32_t i = 0; i < g->n_inputs; i++)
        if (g->inputs[i] == t)
            return true;
    return false;
}

/*
 * Tensors feeding input 0 of an affine node keep sums of their values by position within a
 * period (bias correction needs the mean of each input channel): the channel dimension for
 * convolutions, the weights' depth for FULLY_CONNECTED, every element when consumers disagree.
 */
int64_t qv_sum_period(const struct qv_graph *g, int32_t t)
{
    int64_t period = 0;
    const struct qv_tensor *tt = &g->tensors[t];
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        const struct qv_node *n = &g->nodes[ni];
        if (qv_quant_rules[n->op].kind != QV_QK_AFFINE || n->n_inputs < 2 || n->inputs[0] != t)
            continue;
        int64_t p = tt->shape.rank > 0 ? tt->shape.dims[tt->shape.rank - 1] : 1;
        if (n->op == QV_OP_FULLY_CONNECTED && n->inputs[1] >= 0 &&
            g->tensors[n->inputs[1]].shape.rank == 2)
            p = g->tensors[n->inputs[1]].shape.dims[1];
        if (p <= 0 || qv_shape_elems(&tt->shape) % p != 0)
            p = qv_shape_elems(&tt->shape);
        period = period == 0 || period == p ? p : qv_shape_elems(&tt->shape);
    }
    return period;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s ? s : "");
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s ? s : "", n + 1);
    return d;
}

/* Empty statistics container: stats_of sized for n_model_tensors, room for n_stats entries. */
enum qv_status qv_calib_alloc(int32_t n_model_tensors, int32_t n_stats,
                              struct qv_calib **ret_calib, struct qv_error *err)
{
    struct qv_calib *c = calloc(1, sizeof(*c));
    if (!c)
        return qv_fail(err, QV_E_NOMEM, "out of memory creating calibration statistics");
    c->n_model_tensors = n_model_tensors;
    c->stats_of = malloc(((size_t)n_model_tensors + 1) * sizeof(*c->stats_of));
    c->stats = calloc((size_t)n_stats + 1, sizeof(*c->stats));
    if (!c->stats_of || !c->stats) {
        qv_calib_free(c);
        return qv_fail(err, QV_E_NOMEM, "out of memory creating calibration statistics");
    }
    for (int32_t t = 0; t < n_model_tensors; t++)
        c->stats_of[t] = -1;
    *ret_calib = c;
    return QV_OK;
}

/* Entry k of c for tensor `tensor`: name, shape, histogram, sums of `period` positions. */
enum qv_status qv_calib_add_entry(struct qv_calib *c, int32_t tensor, const char *name,
                                  const struct qv_shape *shape, int64_t period,
                                  struct qv_error *err)
{
    struct qv_tensor_stats *s = &c->stats[c->n_stats];
    s->tensor = tensor;
    s->shape = *shape;
    s->elems = qv_shape_elems(shape);
    s->has_hist = true;
    s->name = dup_str(name);
    if (!s->name)
        return qv_fail(err, QV_E_NOMEM, "out of memory creating calibration statistics");
    enum qv_status st = qv_hist_init(&s->hist, err);
    if (st != QV_OK) {
        free(s->name);
        s->name = NULL;
        return st;
    }
    c->stats_of[tensor] = c->n_stats++;
    if (period > 0) {
        s->period = period;
        s->elem_sum = calloc((size_t)period + 1, sizeof(double));
        if (!s->elem_sum)
            return qv_fail(err, QV_E_NOMEM, "out of memory creating calibration statistics");
    }
    return QV_OK;
}

enum qv_status qv_calib_create(const struct qv_graph *g, struct qv_calib **ret_calib,
                               struct qv_error *err)
{
    enum qv_status st;
    struct qv_calib *c = NULL;
    if (!g->finalized)
        return qv_fail(err, QV_E_INTERNAL, "calibration of a graph that is not finalized");
    if ((st = qv_calib_alloc(g->n_tensors, g->n_tensors, &c, err)) != QV_OK)
        return st;
    c->g = g;
    c->fingerprint = qv_graph_fingerprint(g);
    c->model_name = dup_str(g->name);
    if (!c->model_name) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory creating calibration statistics");
        goto fail;
    }
    for (int32_t t = 0; t < g->n_tensors; t++) {
        if (!qv_is_float_activation(g, t))
            continue;
        const struct qv_tensor *tt = &g->tensors[t];
        if ((st = qv_calib_add_entry(c, t, tt->name, &tt->shape, qv_sum_period(g, t), err)) !=
            QV_OK)
            goto fail;
    }
    *ret_calib = c;
    return QV_OK;
fail:
    qv_calib_free(c);
    return st;
}

void qv_calib_free(struct qv_calib *c)
{
    if (!c)
        return;
    for (int32_t i = 0; c->stats && i < c->n_stats; i++) {
        struct qv_tensor_stats *s = &c->stats[i];
        qv_hist_release(&s->hist);
        free(s->name);
        free(s->sample_min);
        free(s->sample_max);
        free(s->elem_sum);
    }
    free(c->stats);
    free(c->stats_of);
    free(c->model_name);
    free(c->dead_json);
    qv_sqnr_set_free(c->kept);
    free(c);
}

/* ---- observing ----------------------------------------------------------------------------- */

static enum qv_status grow_samples(struct qv_tensor_stats *s, int64_t need, struct qv_error *err)
{
    if (need <= s->sample_cap)
        return QV_OK;
    int64_t cap = s->sample_cap ? s->sample_cap * 2 : 256;
    while (cap < need)
        cap *= 2;
    float *mn = realloc(s->sample_min, (size_t)cap * sizeof(float));
    if (mn)
        s->sample_min = mn;
    float *mx = realloc(s->sample_max, (size_t)cap * sizeof(float));
    if (mx)
        s->sample_max = mx;
    if (!mn || !mx)
        return qv_fail(err, QV_E_NOMEM, "out of memory for per-sample statistics");
    s->sample_cap = cap;
    return QV_OK;
}

/*
 * Min and max of a row; true when it holds a NaN or an infinity. Eight independent lanes (the
 * compiler vectorizes them); the result does not depend on the lane split except for the sign
 * of a zero extreme, which is the same for a given row whatever the batch.
 */
#define LANES 8
static bool row_extremes(const float *row, int64_t n, float *ret_min, float *ret_max)
{
    float mn[LANES], mx[LANES];
    uint32_t bad[LANES];
    for (int j = 0; j < LANES; j++) {
        mn[j] = INFINITY;
        mx[j] = -INFINITY;
        bad[j] = 0;
    }
    int64_t e = 0;
    for (; e + LANES <= n; e += LANES) {
        for (int j = 0; j < LANES; j++) {
            float v = row[e + j];
            uint32_t bits;
            memcpy(&bits, &v, 4);
            mn[j] = v < mn[j] ? v : mn[j];
            mx[j] = v > mx[j] ? v : mx[j];
            bad[j] |= (bits & 0x7f800000u) == 0x7f800000u;
        }
    }
    for (; e < n; e++) {
        float v = row[e];
        mn[0] = v < mn[0] ? v : mn[0];
        mx[0] = v > mx[0] ? v : mx[0];
        bad[0] |= !isfinite(v);
    }
    float a = mn[0], b = mx[0];
    uint32_t any = bad[0];
    for (int j = 1; j < LANES; j++) {
        a = mn[j] < a ? mn[j] : a;
        b = mx[j] > b ? mx[j] : b;
        any |= bad[j];
    }
    if (n == 0)
        a = b = 0.0f;
    *ret_min = a;
    *ret_max = b;
    return any != 0;
}

enum qv_status qv_calib_observe(struct qv_calib *c, int32_t tensor, const float *x, int64_t n,
                                int64_t first_sample, struct qv_error *err)
{
    if (tensor < 0 || tensor >= c->n_model_tensors || c->stats_of[tensor] < 0)
        return qv_fail(err, QV_E_INTERNAL, "tensor %d is not a calibrated activation", tensor);
    struct qv_tensor_stats *s = &c->stats[c->stats_of[tensor]];
    const int64_t elems = s->elems;
    if (n <= 0)
        return QV_OK;
    enum qv_status st = grow_samples(s, s->n_samples + n, err);
    if (st != QV_OK)
        return st;
    float lo = s->count ? s->min : INFINITY, hi = s->count ? s->max : -INFINITY;
    for (int64_t k = 0; k < n; k++) {
        const float *row = x + k * elems;
        float mn, mx;
        if (row_extremes(row, elems, &mn, &mx)) {
            for (int64_t e = 0; e < elems; e++)
                if (!isfinite(row[e]))
                    return qv_fail(err, QV_E_INPUT, "calibration sample %lld: tensor '%s' "
                                   "element %lld is %s (the float model overflows on this "
                                   "sample)", (long long)(first_sample + k), s->name,
                                   (long long)e, row[e] != row[e] ? "NaN" : "infinite");
        }
        s->sample_min[s->n_samples + k] = mn;
        s->sample_max[s->n_samples + k] = mx;
        lo = mn < lo ? mn : lo;
        hi = mx > hi ? mx : hi;
    }
    if (elems > 0) {
        qv_hist_add(&s->hist, lo, hi, x, n * elems);
        s->min = lo;
        s->max = hi;
        s->count += n * elems;
    }
    if (s->elem_sum) {
        /* position j of every period-long run, in sample order (deterministic for any batch) */
        double *restrict sum = s->elem_sum;
        for (int64_t off = 0; off + s->period <= n * elems; off += s->period) {
            const float *restrict row = x + off;
            int64_t j = 0;
            for (; j + 4 <= s->period; j += 4)      /* blocks of 4: vectorized */
                for (int q = 0; q < 4; q++)
                    sum[j + q] += (double)row[j + q];
            for (; j < s->period; j++)
                sum[j] += (double)row[j];
        }
    }
    s->n_samples += n;
    return QV_OK;
}

void qv_calib_add_samples(struct qv_calib *c, int64_t n)
{
    c->n_samples += n;
}

/* ---- a dataset through the float engine (the runner) ------------------------------------ */

struct runner_user {
    struct qv_calib *c;                /* the statistics being built */
    int64_t keep;                      /* samples whose inputs and outputs are kept */
};

struct chunk_state {
    struct qv_calib *part;             /* this chunk's statistics */
    int64_t first;                     /* dataset index of the chunk's first sample */
    int64_t keep_n;                    /* rows of the chunk inside the kept samples */
    float *keep_x;                     /* [keep_n][input elems] */
};

static bool run_want(void *user, int32_t side, int32_t node)
{
    const struct runner_user *u = user;
    (void)side;
    const struct qv_node *n = &u->c->g->nodes[node];
    for (int32_t k = 0; k < n->n_outputs; k++)
        if (n->outputs[k] >= 0 && u->c->stats_of[n->outputs[k]] >= 0)
            return true;
    return false;
}

static enum qv_status run_begin(void *user, int64_t first, int64_t n, void **ret_state,
                                struct qv_error *err)
{
    const struct runner_user *u = user;
    struct chunk_state *cs = calloc(1, sizeof(*cs));
    if (!cs)
        return qv_fail(err, QV_E_NOMEM, "out of memory for calibration statistics");
    cs->first = first;
    enum qv_status st = qv_calib_create(u->c->g, &cs->part, err);
    if (st == QV_OK && first < u->keep) {
        cs->keep_n = u->keep - first < n ? u->keep - first : n;
        int64_t elems = qv_shape_elems(&u->c->g->tensors[u->c->g->inputs[0]].shape);
        cs->keep_x = malloc((size_t)(cs->keep_n * elems + 1) * sizeof(float));
        if (!cs->keep_x)
            st = qv_fail(err, QV_E_NOMEM, "out of memory keeping samples");
    }
    if (st != QV_OK) {
        qv_calib_free(cs->part);
        free(cs);
        return st;
    }
    *ret_state = cs;
    return QV_OK;
}

static enum qv_status run_tensors(void *state, int32_t side, int32_t node, int32_t n_views,
                                  const struct qv_tensor_view *views, int64_t row,
                                  struct qv_error *err)
{
    struct chunk_state *cs = state;
    struct qv_calib *part = cs->part;
    const struct qv_graph *g = part->g;
    (void)side;
    for (int32_t k = 0; k < n_views; k++) {
        int32_t t = (int32_t)(views[k].t - g->tensors);
        int64_t n = views[k].shape.rank > 0 ? views[k].shape.dims[0] : 1;
        if (node == -1 && k == 0 && row < cs->keep_n) {
            int64_t m = cs->keep_n - row < n ? cs->keep_n - row : n;
            int64_t elems = qv_shape_elems(&views[k].t->shape);
            memcpy(cs->keep_x + row * elems, views[k].data, (size_t)(m * elems) * sizeof(float));
        }
        if (part->stats_of[t] < 0)
            continue;
        enum qv_status st = qv_calib_observe(part, t, views[k].data, n, cs->first + row, err);
        if (st != QV_OK)
            return st;
    }
    return QV_OK;
}

static enum qv_status run_end(void *user, void *state, bool merge, struct qv_error *err)
{
    struct runner_user *u = user;
    struct chunk_state *cs = state;
    enum qv_status st = QV_OK;
    if (merge) {
        /* every tensor saw the chunk's samples: that is the chunk's sample count */
        int64_t n = 0;
        for (int32_t i = 0; i < cs->part->n_stats; i++)
            n = cs->part->stats[i].n_samples > n ? cs->part->stats[i].n_samples : n;
        qv_calib_add_samples(cs->part, n);
        st = qv_calib_merge(u->c, cs->part, err);
        if (st == QV_OK && cs->keep_x && u->c->kept)
            qv_sqnr_set_add_inputs(u->c->kept, cs->keep_x, cs->keep_n);
    }
    qv_calib_free(cs->part);
    free(cs->keep_x);
    free(cs);
    return st;
}

static enum qv_status run_deliver(void *user, const struct qv_run_rows *rows,
                                  struct qv_error *err)
{
    struct runner_user *u = user;
    (void)err;
    if (u->c->kept) {
        qv_sqnr_set_add_outputs(u->c->kept, rows->real[0], rows->n);
        qv_sqnr_set_add_labels(u->c->kept, rows->labels, rows->n);
    }
    return QV_OK;
}

enum qv_status qv_calib_run(const struct qv_graph *g, const struct qv_data_spec *data,
                            const struct qv_calib_opts *opts, struct qv_calib **ret_calib,
                            struct qv_error *err)
{
    enum qv_status st;
    struct qv_calib *c = NULL;
    struct runner_user u = { 0 };
    if ((st = qv_graph_check_runnable(g, err)) != QV_OK)
        return st;
    if ((st = qv_calib_create(g, &c, err)) != QV_OK)
        return st;
    u.c = c;
    if (opts->keep_samples > 0 && g->n_inputs == 1) {
        if ((st = qv_sqnr_set_create(g, opts->keep_samples, &c->kept, err)) != QV_OK)
            goto fail;
        u.keep = opts->keep_samples;
    }
    struct qv_run_opts ro = QV_RUN_OPTS_INIT;
    ro.n_sides = 1;
    ro.sides[0].graph = g;
    ro.sides[0].engine.kind = QV_ENGINE_FLOAT;
    /* a hybrid model calibrates on its ideal float computation (dequantized weights) */
    ro.sides[0].engine.hybrid = QV_HYBRID_DEQUANTIZE;
    ro.sides[0].engine.plain_loops = opts->plain_loops;
    ro.batch = opts->batch;
    ro.n_threads = opts->n_threads;
    ro.max_samples = opts->max_samples;
    ro.deliver = run_deliver;
    ro.user = &u;
    ro.observer = (struct qv_run_observer){ .want = run_want, .chunk_begin = run_begin,
                                            .tensors = run_tensors, .chunk_end = run_end,
                                            .user = &u };
    ro.progress = opts->progress;
    ro.warn = opts->warn;
    ro.notify_user = opts->notify_user;
    struct qv_run_stats stats;
    if ((st = qv_run(data, &ro, &stats, err)) != QV_OK)
        goto fail;
    *ret_calib = c;
    return QV_OK;
fail:
    qv_graph_error_locate(g, err);
    qv_calib_free(c);
    return st;
}

/* ---- merging --------------------------------------------------------------------------------- */

enum qv_status qv_calib_merge(struct qv_calib *dst, const struct qv_calib *src,
                              struct qv_error *err)
{
    if (dst->fingerprint != src->fingerprint)
        return qv_fail(err, QV_E_INPUT, "the statistics are for different models (fingerprints "
                       "%016llx and %016llx)", (unsigned long long)dst->fingerprint,
                       (unsigned long long)src->fingerprint);
    if (dst->n_stats != src->n_stats)
        return qv_fail(err, QV_E_INPUT, "the statistics cover %d and %d tensors", dst->n_stats,
                       src->n_stats);
    for (int32_t i = 0; i < dst->n_stats; i++) {
        struct qv_tensor_stats *d = &dst->stats[i];
        const struct qv_tensor_stats *s = &src->stats[i];
        if (d->tensor != s->tensor || strcmp(d->name, s->name) != 0 ||
            !qv_shape_equal(&d->shape, &s->shape) || d->period != s->period)
            return qv_fail(err, QV_E_INPUT, "statistics entry %d: tensor %d '%s' and tensor %d "
                           "'%s' differ", i, d->tensor, d->name, s->tensor, s->name);
        /* per-sample extremes survive when both sides have them for all their samples (an
         * empty side has none to lose) */
        bool have_d = d->n_samples == 0 || d->sample_min, have_s = s->n_samples == 0 ||
                                                                   s->sample_min;
        bool samples = have_d && have_s && d->n_samples == dst->n_samples &&
                       s->n_samples == src->n_samples;
        if (samples) {
            enum qv_status st = grow_samples(d, d->n_samples + s->n_samples, err);
            if (st != QV_OK)
                return st;
            memcpy(d->sample_min + d->n_samples, s->sample_min,
                   (size_t)s->n_samples * sizeof(float));
            memcpy(d->sample_max + d->n_samples, s->sample_max,
                   (size_t)s->n_samples * sizeof(float));
        } else {
            free(d->sample_min);
            free(d->sample_max);
            d->sample_min = d->sample_max = NULL;
            d->sample_cap = 0;
        }
        if (s->count > 0) {
            float lo = d->count ? fminf(d->min, s->min) : s->min;
            float hi = d->count ? fmaxf(d->max, s->max) : s->max;
            if (d->has_hist && s->has_hist)
                qv_hist_merge(&d->hist, &s->hist, lo, hi);
            d->min = lo;
            d->max = hi;
        }
        d->has_hist = d->has_hist && s->has_hist;
        if (d->elem_sum && s->elem_sum) {
            for (int64_t k = 0; k < d->period; k++)
                d->elem_sum[k] += s->elem_sum[k];
        } else {
            free(d->elem_sum);
            d->elem_sum = NULL;
        }
        d->count += s->count;
        d->n_samples += s->n_samples;
    }
    dst->n_samples += src->n_samples;
    for (int32_t w = 0; w < src->n_warnings && dst->n_warnings < 8; w++)
        memcpy(dst->warnings[dst->n_warnings++], src->warnings[w], sizeof(src->warnings[w]));
    return QV_OK;
}

/* ---- checks on the calibration set ----------------------------------------------------------- */

static void warn(struct qv_calib *c, const char *fmt, ...) QV_PRINTF(2, 3);

static void warn(struct qv_calib *c, const char *fmt, ...)
{
    if (c->n_warnings >= 8)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->warnings[c->n_warnings++], sizeof(c->warnings[0]), fmt, ap);
    va_end(ap);
}

enum qv_status qv_calib_check_set(struct qv_calib *c, int64_t min_samples,
                                  const struct qv_data_spec *golden, struct qv_error *err)
{
    const struct qv_graph *g = c->g;
    if (!g)
        return qv_fail(err, QV_E_USAGE, "checking a calibration set needs its model");
    if (c->n_samples < min_samples)
        warn(c, "the calibration set holds %lld samples (fewer than %lld): ranges may miss "
             "values the model meets in use", (long long)c->n_samples, (long long)min_samples);
    /* a constant calibration input (all zeros, one sample repeated...) leaves no range at all:
     * the int8 model then maps every real input onto one code */
    for (int32_t i = 0; i < g->n_inputs; i++) {
        int32_t k = c->stats_of[g->inputs[i]];
        if (k >= 0 && c->stats[k].count > 0 && c->stats[k].min == c->stats[k].max)
            warn(c, "input '%s': every calibration value is %g: a constant calibration set "
                 "gives the int8 model no range for real inputs (its SQNR on these samples "
                 "means nothing)", g->tensors[g->inputs[i]].name, (double)c->stats[k].min);
    }
    int32_t n_const = 0, n_act = 0;
    for (int32_t k = 0; k < c->n_stats; k++) {
        bool input = false;
        for (int32_t i = 0; i < g->n_inputs; i++)
            input |= c->stats[k].tensor == g->inputs[i];
        n_act += !input && c->stats[k].count > 0;
        n_const += !input && c->stats[k].count > 0 && c->stats[k].min == c->stats[k].max;
    }
    if (n_const > 0)
        warn(c, "%d of %d calibrated activation tensors held one constant value over the "
             "whole calibration set: their ranges are degenerate", (int)n_const, (int)n_act);
    int32_t in_t = g->inputs[0];
    int32_t si = c->stats_of[in_t];
    if (!golden || golden->n_files < 1 || si < 0)
        return QV_OK;
    /* golden array 0, read (not run) with its preprocessing: range, mean and spread */
    struct qv_dataset_opts dopts = { .allow_nonfinite = golden->allow_nonfinite };
    struct qv_dataset *ds = NULL;
    enum qv_status st = qv_dataset_open_files(golden->n_files, golden->files, &dopts, &ds, err);
    if (st != QV_OK)
        return st;
    int32_t n_arrays = qv_dataset_n_arrays(ds);
    float *x[QV_DATASET_MAX_ARRAYS] = { 0 };
    for (int32_t a = 0; a < n_arrays && st == QV_OK; a++) {
        x[a] = malloc((size_t)(256 * qv_shape_elems(qv_dataset_array_shape(ds, a)) + 1) *
                      sizeof(float));
        if (!x[a])
            st = qv_fail(err, QV_E_NOMEM, "out of memory reading the golden set");
    }
    int64_t elems = qv_shape_elems(qv_dataset_array_shape(ds, 0));
    double sum = 0, sum2 = 0;
    float lo = INFINITY, hi = -INFINITY;
    int64_t count = 0;
    while (st == QV_OK) {
        int64_t n = 0;
        if ((st = qv_dataset_read_arrays(ds, 256, x, NULL, &n, err)) != QV_OK || n == 0)
            break;
        for (int64_t k = 0; k < n * elems; k++) {
            float v = golden->has_preprocess ? x[0][k] * golden->pre_scale + golden->pre_offset
                                             : x[0][k];
            sum += v;
            sum2 += (double)v * v;
            lo = fminf(lo, v);
            hi = fmaxf(hi, v);
        }
        count += n * elems;
    }
    for (int32_t a = 0; a < n_arrays; a++)
        free(x[a]);
    qv_dataset_close(ds);
    if (st != QV_OK)
        return st;
    const struct qv_tensor_stats *s = &c->stats[si];
    if (count == 0 || s->count == 0)
        return QV_OK;
    double gmean = sum / (double)count;
    double gsd = sqrt(fmax(sum2 / (double)count - gmean * gmean, 0.0));
    /* the calibration mean from its histogram (bin centres) */
    double csum = 0;
    for (int32_t i = 0; s->has_hist && i < s->hist.n; i++)
        csum += (double)s->hist.counts[i] * (qv_hist_edge(&s->hist, i) +
                                             0.5 * qv_hist_width(&s->hist));
    double cmean = s->has_hist ? csum / (double)s->count : gmean;
    double grange = (double)hi - lo, crange = (double)s->max - s->min;
    const char *name = g->tensors[in_t].name;
    if (fabs(cmean - gmean) > 0.5 * gsd + 1e-12)
        warn(c, "input '%s': calibration mean %.4g is far from the golden set's %.4g (golden "
             "standard deviation %.4g): the calibration set may not represent the golden data",
             name, cmean, gmean, gsd);
    if (grange > 0 && (crange < 0.5 * grange || crange > 2.0 * grange))
        warn(c, "input '%s': calibration range [%.4g, %.4g] and golden range [%.4g, %.4g] are "
             "far apart", name, (double)s->min, (double)s->max, (double)lo, (double)hi);
    return QV_OK;
}
