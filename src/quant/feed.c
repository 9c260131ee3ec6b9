/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A dataset fed batch by batch into input 0 of an engine: calibration, auto and sensitivity
 * runs. (The shared runner, include/qvet/run.h, will replace this when it lands.)
 */
#include <stdlib.h>
#include <string.h>

#include "quant/quant_int.h"

enum qv_status qv_feed_open(struct qv_feed *f, const struct qv_graph *g, const char *path,
                            const struct qv_calib_opts *opts, int64_t batch,
                            struct qv_error *err)
{
    char want[160], got[160];
    memset(f, 0, sizeof(*f));
    f->path = path;
    if (g->n_inputs != 1)
        return qv_fail(err, QV_E_INPUT, "the model has %d inputs; a dataset feeds one-input "
                       "models", g->n_inputs);
    struct qv_dataset_opts dopts = opts->data;
    dopts.labels_path = NULL;   /* calibration ignores labels */
    enum qv_status st = qv_dataset_open(path, &dopts, &f->ds, err);
    if (st != QV_OK)
        return st;
    const struct qv_tensor *t = &g->tensors[g->inputs[0]];
    const struct qv_shape *ss = qv_dataset_sample_shape(f->ds);
    f->sample_elems = qv_shape_elems(ss);
    if (f->sample_elems != qv_shape_elems(&t->shape)) {
        qv_shape_format(&t->shape, want, sizeof(want));
        qv_shape_format(ss, got, sizeof(got));
        qv_feed_close(f);
        return qv_fail_at(err, QV_E_INPUT, path, -1, "samples of shape %s do not fit model input "
                          "'%s' of shape %s", got, t->name, want);
    }
    f->has_preprocess = opts->has_preprocess;
    f->pre_scale = opts->pre_scale;
    f->pre_offset = opts->pre_offset;
    size_t elems = (size_t)batch * (size_t)(f->sample_elems ? f->sample_elems : 1);
    f->x = malloc(elems * sizeof(float));
    f->xr = malloc(elems * sizeof(float));
    if (!f->x || !f->xr) {
        qv_feed_close(f);
        return qv_fail(err, QV_E_NOMEM, "out of memory for a batch of %lld samples",
                       (long long)batch);
    }
    return QV_OK;
}

enum qv_status qv_feed_read(struct qv_feed *f, int64_t want, int64_t *ret_n,
                            struct qv_error *err)
{
    int64_t n = 0;
    f->done += f->n;
    f->n = 0;
    enum qv_status st = qv_dataset_read(f->ds, want, f->x, NULL, &n, err);
    if (st != QV_OK)
        return st;
    f->n = n;
    *ret_n = n;
    return QV_OK;
}

enum qv_status qv_feed_load(struct qv_feed *f, struct qv_engine *e, struct qv_error *err)
{
    enum qv_dtype dt = qv_dataset_dtype(f->ds);
    const float *x = f->x;
    bool prequantized = dt != QV_DTYPE_F32 && dt == qv_engine_input_tensor(e, 0)->dtype;
    if (f->has_preprocess && !prequantized) {
        for (int64_t k = 0; k < f->n * f->sample_elems; k++)
            f->xr[k] = f->x[k] * f->pre_scale + f->pre_offset;
        x = f->xr;
        dt = QV_DTYPE_F32;
    }
    enum qv_status st = qv_engine_load_input(e, 0, 0, f->n, x, dt, err);
    if (st != QV_OK)
        qv_error_prefix(err, f->path, "%s: batch starting at sample %lld", f->path,
                        (long long)f->done);
    return st;
}

void qv_feed_close(struct qv_feed *f)
{
    qv_dataset_close(f->ds);
    free(f->x);
    free(f->xr);
    memset(f, 0, sizeof(*f));
}
