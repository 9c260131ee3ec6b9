/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output SQNR of an int8 graph against its float graph on a cached set of samples: over all
 * outputs together, and the mean over samples of each sample's SQNR (which `auto` maximizes:
 * one sample with an extreme input cannot outweigh the rest, as it does in the pooled figure).
 * The samples are kept by calibration, or read here through the runner.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/quant_int.h"

struct qv_sqnr_set {
    const struct qv_graph *g;
    int64_t cap, elems;      /* room (samples), input elements per sample */
    int64_t n_x, n_ref;      /* inputs and reference outputs kept so far */
    float *x;                /* [cap][elems] real input values */
    int64_t out_elems;       /* all graph outputs of one sample, concatenated */
    float *ref;              /* [cap][out_elems] float outputs */
    double *labels;          /* [cap] labels, or NULL */
    int64_t n_lab;
    float *got;              /* [batch][out_elems] scratch */
    int64_t batch;
};

void qv_sqnr_set_free(struct qv_sqnr_set *s)
{
    if (!s)
        return;
    free(s->x);
    free(s->ref);
    free(s->got);
    free(s->labels);
    free(s);
}

enum qv_status qv_sqnr_set_create(const struct qv_graph *g, int64_t max_samples,
                                  struct qv_sqnr_set **ret, struct qv_error *err)
{
    if (g->n_inputs != 1)
        return qv_fail(err, QV_E_USAGE, "the output SQNR is measured on one-input models; the "
                       "model has %d inputs", g->n_inputs);
    struct qv_sqnr_set *s = calloc(1, sizeof(*s));
    if (!s)
        return qv_fail(err, QV_E_NOMEM, "out of memory");
    s->g = g;
    s->cap = max_samples > 0 ? max_samples : 1;
    s->elems = qv_shape_elems(&g->tensors[g->inputs[0]].shape);
    for (int32_t o = 0; o < g->n_outputs; o++)
        s->out_elems += qv_shape_elems(&g->tensors[g->outputs[o]].shape);
    s->batch = s->cap < QV_DEFAULT_BATCH ? s->cap : QV_DEFAULT_BATCH;
    s->x = malloc((size_t)(s->cap * s->elems + 1) * sizeof(float));
    s->ref = malloc((size_t)(s->cap * s->out_elems + 1) * sizeof(float));
    s->got = malloc((size_t)(s->batch * s->out_elems + 1) * sizeof(float));
    if (!s->x || !s->ref || !s->got) {
        qv_sqnr_set_free(s);
        return qv_fail(err, QV_E_NOMEM, "out of memory keeping %lld samples",
                       (long long)max_samples);
    }
    *ret = s;
    return QV_OK;
}

int64_t qv_sqnr_set_room_inputs(const struct qv_sqnr_set *s)
{
    return s->cap - s->n_x;
}

void qv_sqnr_set_add_inputs(struct qv_sqnr_set *s, const float *x, int64_t n)
{
    n = n < s->cap - s->n_x ? n : s->cap - s->n_x;
    if (n <= 0)
        return;
    memcpy(s->x + s->n_x * s->elems, x, (size_t)(n * s->elems) * sizeof(float));
    s->n_x += n;
}

void qv_sqnr_set_add_outputs(struct qv_sqnr_set *s, const float *const *real, int64_t n)
{
    n = n < s->cap - s->n_ref ? n : s->cap - s->n_ref;
    int64_t off = 0;
    for (int32_t o = 0; n > 0 && o < s->g->n_outputs; o++) {
        int64_t oe = qv_shape_elems(&s->g->tensors[s->g->outputs[o]].shape);
        for (int64_t k = 0; k < n; k++)
            memcpy(s->ref + (s->n_ref + k) * s->out_elems + off, real[o] + k * oe,
                   (size_t)oe * sizeof(float));
        off += oe;
    }
    if (n > 0)
        s->n_ref += n;
}

void qv_sqnr_set_add_labels(struct qv_sqnr_set *s, const double *labels, int64_t n)
{
    if (!labels)
        return;
    if (!s->labels && !(s->labels = malloc((size_t)s->cap * sizeof(double))))
        return;   /* out of memory: the set simply has no labels */
    n = n < s->cap - s->n_lab ? n : s->cap - s->n_lab;
    if (n > 0) {
        memcpy(s->labels + s->n_lab, labels, (size_t)n * sizeof(double));
        s->n_lab += n;
    }
}

int64_t qv_sqnr_set_samples(const struct qv_sqnr_set *s)
{
    return s->n_x < s->n_ref ? s->n_x : s->n_ref;
}

const double *qv_sqnr_set_labels(const struct qv_sqnr_set *s)
{
    return s->labels && s->n_lab >= qv_sqnr_set_samples(s) ? s->labels : NULL;
}

const float *qv_sqnr_set_reference(const struct qv_sqnr_set *s, int64_t *ret_out_elems)
{
    *ret_out_elems = s->out_elems;
    return s->ref;
}

/* ---- reading a set through the runner ------------------------------------------------------ */

struct reader {
    struct qv_sqnr_set *s;
};

struct chunk {
    int64_t first, n, have;
    float *x;                /* the chunk's rows that fall inside the set */
};

static enum qv_status rd_begin(void *user, int64_t first, int64_t n, void **ret_state,
                               struct qv_error *err)
{
    const struct reader *r = user;
    struct chunk *c = calloc(1, sizeof(*c));
    if (!c)
        return qv_fail(err, QV_E_NOMEM, "out of memory");
    c->first = first;
    c->n = n;
    c->x = malloc((size_t)(n * r->s->elems + 1) * sizeof(float));
    if (!c->x) {
        free(c);
        return qv_fail(err, QV_E_NOMEM, "out of memory");
    }
    *ret_state = c;
    return QV_OK;
}

static enum qv_status rd_tensors(void *state, int32_t side, int32_t node, int32_t n_views,
                                 const struct qv_tensor_view *views, int64_t row,
                                 struct qv_error *err)
{
    struct chunk *c = state;
    (void)side;
    (void)err;
    if (node != -1 || n_views < 1)
        return QV_OK;
    int64_t n = views[0].shape.dims[0];
    int64_t elems = qv_shape_elems(&views[0].t->shape);
    memcpy(c->x + row * elems, views[0].data, (size_t)(n * elems) * sizeof(float));
    c->have = row + n > c->have ? row + n : c->have;
    return QV_OK;
}

static enum qv_status rd_end(void *user, void *state, bool merge, struct qv_error *err)
{
    struct reader *r = user;
    struct chunk *c = state;
    (void)err;
    if (merge)
        qv_sqnr_set_add_inputs(r->s, c->x, c->have);
    free(c->x);
    free(c);
    return QV_OK;
}

static bool rd_want(void *user, int32_t side, int32_t node)
{
    (void)user;
    (void)side;
    (void)node;
    return false;
}

static enum qv_status rd_deliver(void *user, const struct qv_run_rows *rows,
                                 struct qv_error *err)
{
    struct reader *r = user;
    (void)err;
    qv_sqnr_set_add_outputs(r->s, rows->real[0], rows->n);
    qv_sqnr_set_add_labels(r->s, rows->labels, rows->n);
    return QV_OK;
}

enum qv_status qv_sqnr_set_open(const struct qv_graph *g, const struct qv_data_spec *data,
                                const struct qv_calib_opts *opts, int64_t max_samples,
                                struct qv_sqnr_set **ret, struct qv_error *err)
{
    struct qv_calib_opts defaults = QV_CALIB_OPTS_INIT;
    struct reader r = { 0 };
    if (!opts)
        opts = &defaults;
    if (max_samples < 1)
        max_samples = 128;
    enum qv_status st = qv_sqnr_set_create(g, max_samples, &r.s, err);
    if (st != QV_OK)
        return st;
    struct qv_run_opts ro = QV_RUN_OPTS_INIT;
    ro.n_sides = 1;
    ro.sides[0].graph = g;
    ro.sides[0].engine.kind = QV_ENGINE_FLOAT;
    ro.sides[0].engine.hybrid = QV_HYBRID_DEQUANTIZE;   /* as calibration (calib.c) */
    ro.sides[0].engine.plain_loops = opts->plain_loops;
    ro.batch = opts->batch;
    ro.n_threads = opts->n_threads;
    ro.max_samples = max_samples;
    ro.deliver = rd_deliver;
    ro.user = &r;
    ro.observer = (struct qv_run_observer){ .want = rd_want, .chunk_begin = rd_begin,
                                            .tensors = rd_tensors, .chunk_end = rd_end,
                                            .user = &r };
    ro.warn = opts->warn;
    ro.notify_user = opts->notify_user;
    struct qv_run_stats stats;
    st = qv_run(data, &ro, &stats, err);
    if (st != QV_OK) {
        qv_sqnr_set_free(r.s);
        return st;
    }
    *ret = r.s;
    return QV_OK;
}

/* ---- evaluation --------------------------------------------------------------------------- */

static enum qv_status run_int8(struct qv_sqnr_set *s, const struct qv_graph *q, int64_t n_all,
                               float *dst, struct qv_error *err);

enum qv_status qv_sqnr_set_run(struct qv_sqnr_set *s, const struct qv_graph *q, float *dst,
                               struct qv_error *err)
{
    return run_int8(s, q, qv_sqnr_set_samples(s), dst, err);
}

/* Runs q (int8 engine) over the cached inputs; outputs into dst [n][out_elems]. */
static enum qv_status run_int8(struct qv_sqnr_set *s, const struct qv_graph *q, int64_t n_all,
                               float *dst, struct qv_error *err)
{
    struct qv_engine_opts eo = QV_ENGINE_OPTS_INIT;
    struct qv_engine *e = NULL;
    eo.kind = QV_ENGINE_INT8;
    eo.max_batch = s->batch;
    enum qv_status st = qv_engine_create(q, &eo, &e, err);
    if (st != QV_OK)
        return st;
    int64_t b = qv_engine_max_batch(e);
    for (int64_t row = 0; row < n_all && st == QV_OK; row += b) {
        int64_t n = n_all - row < b ? n_all - row : b;
        st = qv_engine_load_input(e, 0, 0, n, s->x + row * s->elems, QV_DTYPE_F32, err);
        if (st == QV_OK)
            st = qv_engine_run(e, n, err);
        if (st != QV_OK)
            break;
        int64_t off = 0;
        for (int32_t o = 0; o < q->n_outputs; o++) {
            int64_t oe = qv_shape_elems(&q->tensors[q->outputs[o]].shape);
            qv_engine_output_real(e, o, n, s->got);
            for (int64_t k = 0; k < n; k++)
                memcpy(dst + (row + k) * s->out_elems + off, s->got + k * oe,
                       (size_t)oe * sizeof(float));
            off += oe;
        }
    }
    qv_engine_free(e);
    return st;
}

/* SQNR in dB of got against ref, capped to [-100, 100] (identical outputs give 100). */
double qv_quant_sqnr_db(const float *ref, const float *got, int64_t n)
{
    double sig = 0, noise = 0;
    for (int64_t k = 0; k < n; k++) {
        double d = (double)ref[k] - got[k];
        sig += (double)ref[k] * ref[k];
        noise += d * d;
    }
    if (noise == 0)
        return 100.0;
    if (sig == 0)
        return -100.0;
    double db = 10.0 * log10(sig / noise);
    return db > 100.0 ? 100.0 : (db < -100.0 ? -100.0 : db);
}

enum qv_status qv_sqnr_set_eval(struct qv_sqnr_set *s, const struct qv_graph *q,
                                double *ret_sqnr_db, double *ret_mean_sample_db,
                                struct qv_error *err)
{
    int64_t n = s->n_x < s->n_ref ? s->n_x : s->n_ref;
    if (n < 1)
        return qv_fail(err, QV_E_INTERNAL, "no samples to measure the output SQNR on");
    float *out = malloc((size_t)(n * s->out_elems + 1) * sizeof(float));
    if (!out)
        return qv_fail(err, QV_E_NOMEM, "out of memory");
    enum qv_status st = run_int8(s, q, n, out, err);
    if (st == QV_OK) {
        double sum = 0;
        for (int64_t k = 0; k < n; k++)
            sum += qv_quant_sqnr_db(s->ref + k * s->out_elems, out + k * s->out_elems, s->out_elems);
        if (ret_sqnr_db)
            *ret_sqnr_db = qv_quant_sqnr_db(s->ref, out, n * s->out_elems);
        if (ret_mean_sample_db)
            *ret_mean_sample_db = sum / (double)n;
    }
    free(out);
    return st;
}
