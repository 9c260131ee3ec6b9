/* SPDX-License-Identifier: Apache-2.0 */
/* A dataset run through one engine: predictions, accuracy, raw outputs and captured tensors. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/eval_internal.h"
#include "qvet/analysis.h"

/* Samples per chunk while capturing every tensor: the chunk's copies stay small. */
#define CAPTURE_CHUNK 16

void qv_eval_result_release(struct qv_eval_result *r)
{
    if (!r)
        return;
    free(r->pred);
    free(r->score);
    free(r->label);
    free(r->outputs);
    memset(r, 0, sizeof(*r));
}

static enum qv_status grow_result(struct qv_eval_result *r, int64_t need, int64_t *cap,
                                  struct qv_error *err)
{
    if (need <= *cap)
        return QV_OK;
    int64_t ncap = *cap ? *cap * 2 : 256;
    while (ncap < need)
        ncap *= 2;
    int32_t *pred = realloc(r->pred, (size_t)ncap * sizeof(*pred));
    if (pred)
        r->pred = pred;
    float *score = realloc(r->score, (size_t)ncap * sizeof(*score));
    if (score)
        r->score = score;
    double *label = realloc(r->label, (size_t)ncap * sizeof(*label));
    if (label)
        r->label = label;
    float *out = realloc(r->outputs, (size_t)ncap * (size_t)(r->out_elems + 1) * sizeof(*out));
    if (out)
        r->outputs = out;
    if (!pred || !score || !label || !out)
        return qv_fail(err, QV_E_NOMEM, "out of memory holding results of %lld samples",
                       (long long)ncap);
    *cap = ncap;
    return QV_OK;
}

enum qv_status qv_collect_rows(struct qv_collector *c, const struct qv_run_rows *rows,
                               struct qv_error *err)
{
    struct qv_eval_result *r = c->r;
    enum qv_status st = grow_result(r, r->n + rows->n, &c->cap, err);
    if (st != QV_OK)
        return st;
    if (r->n == 0)
        r->first = rows->first;
    const float *real = rows->real[c->side][0];
    float *dst = r->outputs + (size_t)r->n * (size_t)r->out_elems;
    memcpy(dst, real, (size_t)(rows->n * r->out_elems) * sizeof(float));
    r->has_labels = rows->labels != NULL;
    for (int64_t s = 0; s < rows->n; s++) {
        const float *o = dst + (size_t)s * (size_t)r->out_elems;
        int32_t best = 0;
        for (int64_t k = 1; k < r->out_elems; k++)
            if (o[k] > o[best])
                best = (int32_t)k;
        r->pred[r->n + s] = best;
        r->score[r->n + s] = r->out_elems ? o[best] : 0.0f;
        if (rows->labels) {
            r->label[r->n + s] = rows->labels[s];
            if (fabs(rows->labels[s] - best) < 0.5)
                r->correct++;
        }
    }
    if (c->outputs && (st = qv_npy_writer_append(c->outputs, rows->raw[c->side][0], rows->n,
                                                 err)) != QV_OK)
        return st;
    r->n += rows->n;
    return QV_OK;
}

void qv_collect_finish(struct qv_collector *c)
{
    struct qv_eval_result *r = c->r;
    r->accuracy = r->has_labels && r->n ? (double)r->correct / (double)r->n : 0.0;
}

/* ---- --save-tensors: every node's first output, in sample order ----------------------------- */

struct capture {
    const struct qv_graph *g;
    size_t *row_bytes;               /* [n_nodes] as the engine holds the output */
    struct qv_npy_writer **writers;  /* [n_nodes] */
};

struct capture_chunk {
    const struct capture *c;
    int64_t n;
    void **rows;                     /* [n_nodes]: n rows each, allocated on first sight */
};

static bool capture_want(void *user, int32_t side, int32_t node)
{
    (void)user;
    (void)node;
    return side == 0;
}

static enum qv_status capture_begin(void *user, int64_t first, int64_t n, void **ret_state,
                                    struct qv_error *err)
{
    const struct capture *c = user;
    (void)first;
    struct capture_chunk *cc = calloc(1, sizeof(*cc));
    if (cc)
        cc->rows = calloc((size_t)c->g->n_nodes + 1, sizeof(void *));
    if (!cc || !cc->rows) {
        free(cc);
        return qv_fail(err, QV_E_NOMEM, "out of memory capturing tensors");
    }
    cc->c = c;
    cc->n = n;
    *ret_state = cc;
    return QV_OK;
}

static enum qv_status capture_tensors(void *state, int32_t side, int32_t node, int32_t n_views,
                                      const struct qv_tensor_view *views, int64_t row,
                                      struct qv_error *err)
{
    struct capture_chunk *cc = state;
    (void)side;
    (void)n_views;
    if (node < 0)
        return QV_OK;
    size_t rb = cc->c->row_bytes[node];
    int64_t n = views[0].shape.rank ? views[0].shape.dims[0] : 1;
    if (!cc->rows[node] && !(cc->rows[node] = malloc((size_t)cc->n * rb + 1)))
        return qv_fail(err, QV_E_NOMEM, "out of memory capturing tensors");
    memcpy((char *)cc->rows[node] + (size_t)row * rb, views[0].data, (size_t)n * rb);
    return QV_OK;
}

static enum qv_status capture_end(void *user, void *state, bool merge, struct qv_error *err)
{
    const struct capture *c = user;
    struct capture_chunk *cc = state;
    enum qv_status st = QV_OK;
    for (int32_t ni = 0; ni < c->g->n_nodes; ni++) {
        if (merge && st == QV_OK && c->writers[ni]) {
            if (!cc->rows[ni])
                st = qv_fail(err, QV_E_INTERNAL, "node %d was not captured", ni);
            else
                st = qv_npy_writer_append(c->writers[ni], cc->rows[ni], cc->n, err);
        }
        free(cc->rows[ni]);
    }
    free(cc->rows);
    free(cc);
    return st;
}

/* index.csv and one writer per node output, inside dir (a temporary the caller commits). */
static enum qv_status capture_open(struct capture *c, const char *dir, enum qv_engine_kind kind,
                                   struct qv_error *err)
{
    const struct qv_graph *g = c->g;
    char path[QV_PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/index.csv", dir);
    FILE *index = fopen(path, "wb");
    if (!index)
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot create '%s'", path);
    fprintf(index, "file,tensor,node,op,dtype,shape\n");
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        int32_t ti = g->nodes[ni].outputs[0];
        const struct qv_tensor *t = &g->tensors[ti];
        enum qv_dtype held = kind == QV_ENGINE_FLOAT ? QV_DTYPE_F32 : t->dtype;
        struct qv_shape row = { .rank = t->shape.rank > 0 ? t->shape.rank - 1 : 0 };
        for (int32_t r = 1; r < t->shape.rank; r++)
            row.dims[r - 1] = t->shape.dims[r];
        c->row_bytes[ni] = (size_t)qv_shape_elems(&row) * qv_dtype_size(held);
        char shape[160];
        qv_shape_format(&t->shape, shape, sizeof(shape));
        snprintf(path, sizeof(path), "%s/t%d.npy", dir, ti);
        enum qv_status st = qv_npy_writer_open_plain(path, held, &row, &c->writers[ni], err);
        if (st != QV_OK) {
            fclose(index);
            return st;
        }
        fprintf(index, "t%d.npy,\"%s\",%d,%s,%s,\"%s\"\n", ti, t->name, ni,
                qv_op_name(g->nodes[ni].op), qv_dtype_name(held), shape);
    }
    bool bad = ferror(index) != 0;
    bad = fclose(index) != 0 || bad;
    if (bad)
        return qv_fail_at(err, QV_E_IO, dir, -1, "cannot write '%s/index.csv'", dir);
    return QV_OK;
}

static enum qv_status eval_deliver(void *user, const struct qv_run_rows *rows,
                                   struct qv_error *err)
{
    return qv_collect_rows(user, rows, err);
}

void qv_analysis_run_apply(const struct qv_analysis_run *a, struct qv_run_opts *o)
{
    o->batch = a->batch;
    o->n_threads = a->n_threads;
    o->max_samples = a->max_samples;
    o->shard = a->shard;
    o->n_shards = a->n_shards;
    o->progress = a->progress;
    o->warn = a->warn;
    o->notify_user = a->user;
}

/* The class count a classification label must stay below: output 0's values. */
int64_t qv_label_classes(const struct qv_graph *g, enum qv_task task)
{
    if (task != QV_TASK_CLASSIFICATION || g->n_outputs < 1)
        return 0;
    return qv_shape_elems(&g->tensors[g->outputs[0]].shape);
}

enum qv_status qv_eval_run(const struct qv_graph *g, const struct qv_eval_opts *opts,
                           struct qv_eval_result *ret_result, struct qv_error *err)
{
    enum qv_status st = QV_OK;
    struct qv_eval_result r = { 0 };
    struct capture cap = { .g = g };
    struct qv_collector col = { .r = &r, .side = 0 };
    struct qv_run_opts ro = QV_RUN_OPTS_INIT;
    struct qv_data_spec spec = opts->run.data;
    struct qv_run_stats stats;
    if (g->n_outputs < 1)
        return qv_fail(err, QV_E_INPUT, "the model has no outputs");
    const struct qv_tensor *out_t = &g->tensors[g->outputs[0]];
    r.out_elems = qv_shape_elems(&out_t->shape);
    spec.label_classes = qv_label_classes(g, opts->task);
    qv_analysis_run_apply(&opts->run, &ro);
    ro.n_sides = 1;
    ro.sides[0].graph = g;
    ro.sides[0].name = opts->model_name;
    ro.sides[0].engine = opts->engine;
    ro.deliver = eval_deliver;
    ro.user = &col;
    if (opts->save_tensors) {
        cap.writers = calloc((size_t)g->n_nodes + 1, sizeof(*cap.writers));
        cap.row_bytes = calloc((size_t)g->n_nodes + 1, sizeof(*cap.row_bytes));
        if (!cap.writers || !cap.row_bytes) {
            st = qv_fail(err, QV_E_NOMEM, "out of memory");
            goto cleanup;
        }
        if ((st = capture_open(&cap, opts->save_tensors, opts->engine.kind, err)) != QV_OK)
            goto cleanup;
        ro.observer = (struct qv_run_observer){ .want = capture_want,
                                                .chunk_begin = capture_begin,
                                                .tensors = capture_tensors,
                                                .chunk_end = capture_end, .user = &cap };
        ro.chunk = CAPTURE_CHUNK;
    }
    if (opts->save_outputs) {
        enum qv_dtype held = opts->engine.kind == QV_ENGINE_FLOAT ? QV_DTYPE_F32 : out_t->dtype;
        struct qv_shape row = { .rank = out_t->shape.rank > 0 ? out_t->shape.rank - 1 : 0 };
        for (int32_t k = 1; k < out_t->shape.rank; k++)
            row.dims[k - 1] = out_t->shape.dims[k];
        st = qv_npy_writer_open_plain(opts->save_outputs, held, &row, &col.outputs, err);
        if (st != QV_OK)
            goto cleanup;
    }
    if ((st = qv_run(&spec, &ro, &stats, err)) != QV_OK)
        goto cleanup;
    qv_collect_finish(&col);
    r.stats = stats;
    if (col.outputs) {
        st = qv_npy_writer_close(col.outputs, err);
        col.outputs = NULL;
        if (st != QV_OK)
            goto cleanup;
    }
    for (int32_t ni = 0; cap.writers && ni < g->n_nodes; ni++) {
        st = qv_npy_writer_close(cap.writers[ni], err);
        cap.writers[ni] = NULL;
        if (st != QV_OK)
            goto cleanup;
    }
    *ret_result = r;
    memset(&r, 0, sizeof(r));
cleanup:
    qv_npy_writer_abort(col.outputs);
    for (int32_t ni = 0; cap.writers && ni < g->n_nodes; ni++)
        qv_npy_writer_abort(cap.writers[ni]);
    free(cap.writers);
    free(cap.row_bytes);
    qv_eval_result_release(&r);
    return st;
}

enum qv_status qv_eval_save_predictions(const struct qv_eval_result *r, const char *path,
                                        struct qv_error *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot create '%s'", path);
    fprintf(f, r->has_labels ? "sample,pred,score,label,correct\n" : "sample,pred,score\n");
    for (int64_t i = 0; i < r->n; i++) {
        fprintf(f, "%lld,%d,%.9g", (long long)(r->first + i), r->pred[i], (double)r->score[i]);
        if (r->has_labels)
            fprintf(f, ",%.9g,%d", r->label[i], fabs(r->label[i] - r->pred[i]) < 0.5);
        fputc('\n', f);
    }
    int e = ferror(f) ? EIO : 0;
    if (fclose(f) != 0 && !e)
        e = errno;
    return e ? qv_fail_at(err, QV_E_IO, path, -1, "cannot write '%s': %s", path, QV_STRERROR(e))
             : QV_OK;
}

double qv_sqnr_db(const float *a, const float *b, int64_t n)
{
    double sig = 0, noise = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = (double)a[i] - (double)b[i];
        sig += (double)a[i] * (double)a[i];
        noise += d * d;
    }
    if (noise == 0)
        return INFINITY;
    if (sig == 0)
        return -INFINITY;
    return 10.0 * log10(sig / noise);
}
