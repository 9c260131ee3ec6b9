/* SPDX-License-Identifier: Apache-2.0 */
#include "analysis/run_common.h"

#include <stdlib.h>
#include <string.h>

enum qv_status qv_run_input_open(struct qv_run_input *in, const struct qv_graph *g,
                                 const char *path, const struct qv_dataset_opts *data,
                                 bool has_preprocess, float pre_scale, float pre_offset,
                                 int64_t batch, struct qv_error *err)
{
    char want[160], got[160];
    memset(in, 0, sizeof(*in));
    in->path = path;
    if (g->n_inputs != 1)
        return qv_fail(err, QV_E_INPUT, "the model has %d inputs; datasets feed one-input models",
                       g->n_inputs);
    enum qv_status st = qv_dataset_open(path, data, &in->ds, err);
    if (st != QV_OK)
        return st;
    const struct qv_tensor *t = &g->tensors[g->inputs[0]];
    const struct qv_shape *ss = qv_dataset_sample_shape(in->ds);
    in->sample_elems = qv_shape_elems(ss);
    if (in->sample_elems != qv_shape_elems(&t->shape)) {
        qv_shape_format(&t->shape, want, sizeof(want));
        qv_shape_format(ss, got, sizeof(got));
        qv_run_input_close(in);
        return qv_fail_at(err, QV_E_INPUT, path, -1, "samples of shape %s do not fit model input "
                          "'%s' of shape %s", got, t->name, want);
    }
    in->has_preprocess = has_preprocess;
    in->pre_scale = pre_scale;
    in->pre_offset = pre_offset;
    in->x = malloc((size_t)batch * (size_t)(in->sample_elems ? in->sample_elems : 1) *
                   sizeof(float));
    in->labels = malloc((size_t)batch * sizeof(double));
    if (has_preprocess)
        in->xr = malloc((size_t)batch * (size_t)(in->sample_elems ? in->sample_elems : 1) *
                        sizeof(float));
    if (!in->x || !in->labels || (has_preprocess && !in->xr)) {
        qv_run_input_close(in);
        return qv_fail(err, QV_E_NOMEM, "out of memory for a batch of %lld samples",
                       (long long)batch);
    }
    return QV_OK;
}

enum qv_status qv_run_input_next(struct qv_run_input *in, struct qv_engine *e, int64_t want,
                                 int64_t *ret_n, struct qv_error *err)
{
    int64_t n = 0;
    enum qv_status st = qv_dataset_read(in->ds, want, in->x,
                                        qv_dataset_has_labels(in->ds) ? in->labels : NULL, &n,
                                        err);
    if (st != QV_OK)
        return st;
    in->n = n;
    if (n > 0 && (st = qv_run_input_feed(in, e, err)) != QV_OK)
        return st;
    in->done += n;
    *ret_n = n;
    return QV_OK;
}

enum qv_status qv_run_input_feed(struct qv_run_input *in, struct qv_engine *e,
                                 struct qv_error *err)
{
    enum qv_dtype dt = qv_dataset_dtype(in->ds);
    const float *x = in->x;
    if (in->has_preprocess && !(dt != QV_DTYPE_F32 && dt == qv_engine_input_tensor(e, 0)->dtype)) {
        for (int64_t k = 0; k < in->n * in->sample_elems; k++)
            in->xr[k] = in->x[k] * in->pre_scale + in->pre_offset;
        x = in->xr;
        dt = QV_DTYPE_F32;
    }
    enum qv_status st = qv_engine_load_input(e, 0, 0, in->n, x, dt, err);
    if (st != QV_OK)
        qv_error_prefix(err, in->path, "%s: batch starting at sample %lld", in->path,
                        (long long)in->done);
    return st;
}

void qv_run_input_close(struct qv_run_input *in)
{
    qv_dataset_close(in->ds);
    free(in->x);
    free(in->xr);
    free(in->labels);
    memset(in, 0, sizeof(*in));
}
