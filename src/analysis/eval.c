/* SPDX-License-Identifier: Apache-2.0 */
/* A dataset run through one engine: predictions, accuracy, raw outputs and captured tensors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/run_common.h"
#include "qvet/analysis.h"

/* Observer state for --save-tensors: one streaming .npy writer per node output. */
struct capture {
    const struct qv_graph *g;
    const char *dir;
    struct qv_npy_writer **writers;  /* [n_nodes] */
    struct qv_error err;
    bool failed;
};

static bool capture_observe(int32_t node, const struct qv_tensor_view *t, bool ask, void *user)
{
    struct capture *c = user;
    if (c->failed)
        return false;
    if (ask)
        return true;   /* every node is kept; writers open once the engine exists */
    struct qv_npy_writer *w = c->writers[node];
    if (w && qv_npy_writer_append(w, t->data, t->shape.dims[0], &c->err) != QV_OK) {
        c->failed = true;
        return false;
    }
    return true;
}

static enum qv_status open_writers(struct capture *c, const struct qv_engine_opts *eo,
                                   struct qv_error *err)
{
    const struct qv_graph *g = c->g;
    char path[QV_PATH_MAX + 32];
    struct qv_atomic_file index;
    enum qv_status st = qv_mkdir_p(c->dir, err);
    if (st != QV_OK)
        return st;
    snprintf(path, sizeof(path), "%s/index.csv", c->dir);
    if ((st = qv_atomic_open(&index, path, err)) != QV_OK)
        return st;
    fprintf(index.fp, "file,tensor,node,op,dtype,shape\n");
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        int32_t ti = g->nodes[ni].outputs[0];
        const struct qv_tensor *t = &g->tensors[ti];
        enum qv_dtype held = eo->kind == QV_ENGINE_FLOAT ? QV_DTYPE_F32 : t->dtype;
        struct qv_shape row = { .rank = t->shape.rank > 0 ? t->shape.rank - 1 : 0 };
        for (int32_t r = 1; r < t->shape.rank; r++)
            row.dims[r - 1] = t->shape.dims[r];
        char shape[160];
        qv_shape_format(&t->shape, shape, sizeof(shape));
        snprintf(path, sizeof(path), "%s/t%d.npy", c->dir, ti);
        st = qv_npy_writer_open(path, held, &row, &c->writers[ni], err);
        if (st != QV_OK) {
            qv_atomic_abort(&index);
            return st;
        }
        fprintf(index.fp, "t%d.npy,\"%s\",%d,%s,%s,\"%s\"\n", ti, t->name, ni,
                qv_op_name(g->nodes[ni].op), qv_dtype_name(held), shape);
    }
    return qv_atomic_commit(&index, err);
}

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
    float *out = realloc(r->outputs, (size_t)ncap * (size_t)r->out_elems * sizeof(*out));
    if (out)
        r->outputs = out;
    if (!pred || !score || !label || !out)
        return qv_fail(err, QV_E_NOMEM, "out of memory holding results of %lld samples",
                       (long long)ncap);
    *cap = ncap;
    return QV_OK;
}

enum qv_status qv_eval_run(const struct qv_graph *g, const char *data_path,
                           const struct qv_eval_opts *opts, struct qv_eval_result *ret_result,
                           struct qv_error *err)
{
    enum qv_status st;
    struct qv_eval_result r = { 0 };
    struct capture cap = { .g = g, .dir = opts->save_tensors, .err = QV_ERROR_INIT };
    struct qv_run_input in = { 0 };
    struct qv_engine *e = NULL;
    struct qv_npy_writer *outw = NULL;
    int64_t capacity = 0;
    struct qv_engine_opts eo = opts->engine;
    eo.max_batch = opts->batch > 0 ? opts->batch : 64;
    if (opts->save_tensors) {
        cap.writers = calloc((size_t)g->n_nodes + 1, sizeof(*cap.writers));
        if (!cap.writers)
            return qv_fail(err, QV_E_NOMEM, "out of memory");
        eo.observe = capture_observe;
        eo.observe_user = &cap;
    }
    st = qv_engine_create(g, &eo, &e, err);
    if (st != QV_OK)
        goto cleanup;
    st = qv_run_input_open(&in, g, data_path, &opts->data, opts->has_preprocess,
                           opts->pre_scale, opts->pre_offset, qv_engine_max_batch(e), err);
    if (st != QV_OK)
        goto cleanup;
    if (opts->save_tensors && (st = open_writers(&cap, &eo, err)) != QV_OK)
        goto cleanup;
    const struct qv_tensor *out_t = qv_engine_output_tensor(e, 0);
    r.out_elems = qv_shape_elems(&out_t->shape);
    r.has_labels = qv_dataset_has_labels(in.ds);
    if (opts->save_outputs) {
        struct qv_shape row = { .rank = out_t->shape.rank > 0 ? out_t->shape.rank - 1 : 0 };
        for (int32_t k = 1; k < out_t->shape.rank; k++)
            row.dims[k - 1] = out_t->shape.dims[k];
        st = qv_npy_writer_open(opts->save_outputs, qv_engine_output_dtype(e, 0), &row, &outw,
                                err);
        if (st != QV_OK)
            goto cleanup;
    }
    for (;;) {
        int64_t want = qv_engine_max_batch(e), n = 0;
        if (opts->max_samples > 0 && opts->max_samples - r.n < want)
            want = opts->max_samples - r.n;
        if (want <= 0)
            break;
        st = qv_run_input_next(&in, e, want, &n, err);
        if (st != QV_OK || n == 0)
            break;
        st = qv_engine_run(e, n, err);
        if (st != QV_OK) {
            if (cap.failed)
                *err = cap.err;
            break;
        }
        if (outw && (st = qv_npy_writer_append(outw, qv_engine_output(e, 0), n, err)) != QV_OK)
            break;
        if ((st = grow_result(&r, r.n + n, &capacity, err)) != QV_OK)
            break;
        float *dst = r.outputs + (size_t)r.n * (size_t)r.out_elems;
        qv_engine_output_real(e, 0, n, dst);
        for (int64_t s = 0; s < n; s++) {
            const float *o = dst + (size_t)s * (size_t)r.out_elems;
            int32_t best = 0;
            for (int64_t k = 1; k < r.out_elems; k++)
                if (o[k] > o[best])
                    best = (int32_t)k;
            r.pred[r.n + s] = best;
            r.score[r.n + s] = r.out_elems ? o[best] : 0.0f;
            if (r.has_labels) {
                r.label[r.n + s] = in.labels[s];
                if (fabs(in.labels[s] - best) < 0.5)
                    r.correct++;
            }
        }
        r.n += n;
    }
    if (st != QV_OK)
        goto cleanup;
    if (r.n == 0) {
        st = qv_fail_at(err, QV_E_INPUT, data_path, -1, "the dataset holds no samples");
        goto cleanup;
    }
    r.accuracy = r.has_labels ? (double)r.correct / (double)r.n : 0.0;
    if (outw) {
        st = qv_npy_writer_close(outw, err);
        outw = NULL;
        if (st != QV_OK)
            goto cleanup;
    }
    for (int32_t ni = 0; cap.writers && ni < g->n_nodes; ni++) {
        if (!cap.writers[ni])
            continue;
        st = qv_npy_writer_close(cap.writers[ni], err);
        cap.writers[ni] = NULL;
        if (st != QV_OK)
            goto cleanup;
    }
    *ret_result = r;
    memset(&r, 0, sizeof(r));
cleanup:
    qv_npy_writer_abort(outw);
    for (int32_t ni = 0; cap.writers && ni < g->n_nodes; ni++)
        qv_npy_writer_abort(cap.writers[ni]);
    free(cap.writers);
    qv_run_input_close(&in);
    qv_engine_free(e);
    qv_eval_result_release(&r);
    return st;
}

enum qv_status qv_eval_save_predictions(const struct qv_eval_result *r, const char *path,
                                        struct qv_error *err)
{
    struct qv_atomic_file f;
    enum qv_status st = qv_atomic_open(&f, path, err);
    if (st != QV_OK)
        return st;
    fprintf(f.fp, r->has_labels ? "sample,pred,score,label,correct\n" : "sample,pred,score\n");
    for (int64_t i = 0; i < r->n; i++) {
        fprintf(f.fp, "%lld,%d,%.9g", (long long)i, r->pred[i], (double)r->score[i]);
        if (r->has_labels)
            fprintf(f.fp, ",%.9g,%d", r->label[i], fabs(r->label[i] - r->pred[i]) < 0.5);
        fputc('\n', f.fp);
    }
    return qv_atomic_commit(&f, err);
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
