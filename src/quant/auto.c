/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output SQNR of an int8 graph against its float graph on a cached set of samples: over all
 * outputs together, and the mean over samples of each sample's SQNR (which `auto` maximizes:
 * one sample with an extreme input cannot outweigh the rest, as it does in the pooled figure).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/quant_int.h"

struct qv_sqnr_set {
    const struct qv_graph *g;
    int64_t n, cap, elems;   /* samples cached, room, input elements per sample */
    float *x;                /* [n][elems] real input values */
    int64_t out_elems;       /* all graph outputs of one sample, concatenated */
    float *ref;              /* [n][out_elems] float outputs */
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
    free(s);
}

/* Runs g over the cached samples with engine kind `kind`, outputs into dst [n][out_elems]. */
static enum qv_status run_all(struct qv_sqnr_set *s, const struct qv_graph *g,
                              enum qv_engine_kind kind, float *dst, struct qv_error *err)
{
    struct qv_engine_opts eo = QV_ENGINE_OPTS_INIT;
    struct qv_engine *e = NULL;
    eo.kind = kind;
    eo.max_batch = s->batch;
    enum qv_status st = qv_engine_create(g, &eo, &e, err);
    if (st != QV_OK)
        return st;
    int64_t b = qv_engine_max_batch(e);
    for (int64_t row = 0; row < s->n && st == QV_OK; row += b) {
        int64_t n = s->n - row < b ? s->n - row : b;
        st = qv_engine_load_input(e, 0, 0, n, s->x + row * s->elems, QV_DTYPE_F32, err);
        if (st == QV_OK)
            st = qv_engine_run(e, n, err);
        if (st != QV_OK)
            break;
        /* outputs of each sample concatenated in graph output order */
        int64_t off = 0;
        for (int32_t o = 0; o < g->n_outputs; o++) {
            int64_t oe = qv_shape_elems(&g->tensors[g->outputs[o]].shape);
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

enum qv_status qv_sqnr_set_create(const struct qv_graph *g, int64_t max_samples,
                                  struct qv_sqnr_set **ret, struct qv_error *err)
{
    struct qv_sqnr_set *s = calloc(1, sizeof(*s));
    if (!s)
        return qv_fail(err, QV_E_NOMEM, "out of memory");
    s->g = g;
    s->cap = max_samples;
    s->elems = qv_shape_elems(&g->tensors[g->inputs[0]].shape);
    for (int32_t o = 0; o < g->n_outputs; o++)
        s->out_elems += qv_shape_elems(&g->tensors[g->outputs[o]].shape);
    s->batch = max_samples < 64 ? max_samples : 64;
    s->x = malloc((size_t)(max_samples * s->elems + 1) * sizeof(float));
    s->ref = malloc((size_t)(max_samples * s->out_elems + 1) * sizeof(float));
    s->got = malloc((size_t)(s->batch * s->out_elems + 1) * sizeof(float));
    if (!s->x || !s->ref || !s->got) {
        qv_sqnr_set_free(s);
        return qv_fail(err, QV_E_NOMEM, "out of memory keeping %lld samples",
                       (long long)max_samples);
    }
    *ret = s;
    return QV_OK;
}

int64_t qv_sqnr_set_room(const struct qv_sqnr_set *s)
{
    return s->cap - s->n;
}

void qv_sqnr_set_append(struct qv_sqnr_set *s, const float *x, const struct qv_engine *e,
                        int64_t n)
{
    if (n > s->cap - s->n)
        n = s->cap - s->n;
    if (n <= 0)
        return;
    memcpy(s->x + s->n * s->elems, x, (size_t)(n * s->elems) * sizeof(float));
    int64_t off = 0;
    for (int32_t o = 0; o < s->g->n_outputs; o++) {
        int64_t oe = qv_shape_elems(&s->g->tensors[s->g->outputs[o]].shape);
        qv_engine_output_real(e, o, n, s->got);
        for (int64_t k = 0; k < n; k++)
            memcpy(s->ref + (s->n + k) * s->out_elems + off, s->got + k * oe,
                   (size_t)oe * sizeof(float));
        off += oe;
    }
    s->n += n;
}

enum qv_status qv_sqnr_set_open(const struct qv_graph *g, const char *path,
                                const struct qv_calib_opts *opts, int64_t max_samples,
                                struct qv_sqnr_set **ret, struct qv_error *err)
{
    struct qv_calib_opts defaults = QV_CALIB_OPTS_INIT;
    struct qv_feed feed;
    struct qv_sqnr_set *s = calloc(1, sizeof(*s));
    if (!s)
        return qv_fail(err, QV_E_NOMEM, "out of memory");
    s->g = g;
    if (max_samples < 1)
        max_samples = 128;
    enum qv_status st = qv_feed_open(&feed, g, path, opts ? opts : &defaults, max_samples, err);
    if (st != QV_OK) {
        free(s);
        return st;
    }
    s->elems = feed.sample_elems;
    int64_t n = 0;
    st = qv_feed_read(&feed, max_samples, &n, err);
    if (st == QV_OK && n == 0)
        st = qv_fail_at(err, QV_E_INPUT, path, -1, "the dataset holds no samples");
    if (st == QV_OK) {
        s->n = s->cap = n;
        s->x = malloc((size_t)(n * s->elems + 1) * sizeof(float));
        if (!s->x)
            st = qv_fail(err, QV_E_NOMEM, "out of memory caching %lld samples", (long long)n);
    }
    if (st == QV_OK) {
        for (int64_t k = 0; k < n * s->elems; k++)
            s->x[k] = feed.has_preprocess ? feed.x[k] * feed.pre_scale + feed.pre_offset
                                          : feed.x[k];
        for (int32_t o = 0; o < g->n_outputs; o++)
            s->out_elems += qv_shape_elems(&g->tensors[g->outputs[o]].shape);
        s->batch = n < 64 ? n : 64;
        s->ref = malloc((size_t)(n * s->out_elems + 1) * sizeof(float));
        s->got = malloc((size_t)(s->batch * s->out_elems + 1) * sizeof(float));
        if (!s->ref || !s->got)
            st = qv_fail(err, QV_E_NOMEM, "out of memory caching outputs");
    }
    qv_feed_close(&feed);
    if (st == QV_OK)
        st = run_all(s, g, QV_ENGINE_FLOAT, s->ref, err);
    if (st != QV_OK) {
        qv_sqnr_set_free(s);
        return st;
    }
    *ret = s;
    return QV_OK;
}

/* SQNR in dB of got against ref, capped to [-100, 100] (identical outputs give 100). */
static double sqnr_db(const float *ref, const float *got, int64_t n)
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
    float *out = malloc((size_t)(s->n * s->out_elems + 1) * sizeof(float));
    if (!out)
        return qv_fail(err, QV_E_NOMEM, "out of memory");
    enum qv_status st = run_all(s, q, QV_ENGINE_INT8, out, err);
    if (st == QV_OK) {
        double sum = 0;
        for (int64_t k = 0; k < s->n; k++)
            sum += sqnr_db(s->ref + k * s->out_elems, out + k * s->out_elems, s->out_elems);
        if (ret_sqnr_db)
            *ret_sqnr_db = sqnr_db(s->ref, out, s->n * s->out_elems);
        if (ret_mean_sample_db)
            *ret_mean_sample_db = sum / (double)s->n;
    }
    free(out);
    return st;
}
