/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-layer divergence: two engines (or rounding flavours, or models) over the same samples, or
 * one engine against tensors saved earlier. Tensors are paired by name (same graph: by index).
 * Integer tensors with equal quantization are compared in LSB; anything else in real units, with
 * LSB buckets on side b's quantization step when b is quantized.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/run_common.h"
#include "qvet/analysis.h"

struct pair {
    int32_t node_a, node_b, tensor_a, tensor_b;
    enum qv_dtype dtype_a;         /* as held by side a (engine or file) */
    int64_t row_elems;
    void *rows_a;                  /* side a's rows of the current batch */
    struct qv_npy *saved;          /* saved mode: t<idx>.npy */
    int64_t elems, same, off1, more;
    double max_abs, sig, noise;
};

struct cmp {
    const struct qv_graph *ga, *gb;
    struct pair *pairs;
    int32_t n_pairs;
    int32_t *pair_of_a, *pair_of_b;   /* node -> pair index or -1 */
    int64_t batch;
    bool b_float;                  /* side b is the float engine: it holds float32 */
};

static double real_at(const void *data, enum qv_dtype dt, int64_t i, const struct qv_tensor *t,
                      double *ret_raw)
{
    double v;
    switch (dt) {
    case QV_DTYPE_F32: v = ((const float *)data)[i]; *ret_raw = v; return v;
    case QV_DTYPE_I8: v = ((const int8_t *)data)[i]; break;
    case QV_DTYPE_U8: v = ((const uint8_t *)data)[i]; break;
    case QV_DTYPE_I16: v = ((const int16_t *)data)[i]; break;
    default: v = ((const int32_t *)data)[i]; break;
    }
    *ret_raw = v;
    if (!t->quant.count)
        return v;
    return (double)t->quant.scale[0] * (v - t->quant.zero_point[0]);
}

static bool same_quant(const struct qv_tensor *a, const struct qv_tensor *b)
{
    return a->quant.count == 1 && b->quant.count == 1 && a->quant.scale[0] == b->quant.scale[0] &&
           a->quant.zero_point[0] == b->quant.zero_point[0];
}

static void accumulate(struct pair *p, const struct cmp *c, const void *b_data,
                       enum qv_dtype dtype_b, int64_t n)
{
    const struct qv_tensor *ta = &c->ga->tensors[p->tensor_a];
    const struct qv_tensor *tb = &c->gb->tensors[p->tensor_b];
    bool lsb = p->dtype_a != QV_DTYPE_F32 && dtype_b != QV_DTYPE_F32 && same_quant(ta, tb);
    double step = tb->quant.count == 1 && dtype_b != QV_DTYPE_F32 ? tb->quant.scale[0] : 0.0;
    for (int64_t i = 0; i < n * p->row_elems; i++) {
        double raw_a, raw_b;
        double ra = real_at(p->rows_a, p->dtype_a, i, ta, &raw_a);
        double rb = real_at(b_data, dtype_b, i, tb, &raw_b);
        double d = lsb ? fabs(raw_a - raw_b) : fabs(ra - rb);
        double units = lsb ? d : (step > 0 ? d / step : d);
        if (d == 0)
            p->same++;
        else if (units <= 1.0 + 1e-9 && (lsb || step > 0))
            p->off1++;
        else
            p->more++;
        if (d > p->max_abs)
            p->max_abs = d;
        p->sig += ra * ra;
        p->noise += (ra - rb) * (ra - rb);
    }
    p->elems += n * p->row_elems;
}

static bool observe_a(int32_t node, const struct qv_tensor_view *t, bool ask, void *user)
{
    struct cmp *c = user;
    int32_t pi = c->pair_of_a[node];
    if (ask || pi < 0)
        return pi >= 0;
    struct pair *p = &c->pairs[pi];
    size_t bytes = (size_t)(t->shape.dims[0] * p->row_elems) * qv_dtype_size(p->dtype_a);
    memcpy(p->rows_a, t->data, bytes);
    return true;
}

static bool observe_b(int32_t node, const struct qv_tensor_view *t, bool ask, void *user)
{
    struct cmp *c = user;
    int32_t pi = c->pair_of_b[node];
    if (ask || pi < 0)
        return pi >= 0;
    struct pair *p = &c->pairs[pi];
    accumulate(p, c, t->data, c->b_float ? QV_DTYPE_F32 : t->t->dtype, t->shape.dims[0]);
    return true;
}

static int64_t row_elems_of(const struct qv_tensor *t)
{
    int64_t n = 1;
    for (int32_t r = 1; r < t->shape.rank; r++)
        n *= t->shape.dims[r];
    return n;
}

static enum qv_status pair_up(struct cmp *c, enum qv_dtype (*held_a)(const struct qv_tensor *),
                              struct qv_error *err)
{
    const struct qv_graph *ga = c->ga, *gb = c->gb;
    c->pairs = calloc((size_t)gb->n_nodes + 1, sizeof(*c->pairs));
    c->pair_of_a = malloc(((size_t)ga->n_nodes + 1) * sizeof(int32_t));
    c->pair_of_b = malloc(((size_t)gb->n_nodes + 1) * sizeof(int32_t));
    if (!c->pairs || !c->pair_of_a || !c->pair_of_b)
        return qv_fail(err, QV_E_NOMEM, "out of memory pairing tensors");
    for (int32_t i = 0; i < ga->n_nodes; i++)
        c->pair_of_a[i] = -1;
    for (int32_t i = 0; i < gb->n_nodes; i++)
        c->pair_of_b[i] = -1;
    for (int32_t oi = 0; oi < gb->n_nodes; oi++) {
        int32_t nb = gb->order[oi];
        int32_t tb = gb->nodes[nb].outputs[0];
        int32_t ta = ga == gb ? tb : qv_graph_find_tensor(ga, gb->tensors[tb].name);
        if (ta < 0 || ga->tensors[ta].producer < 0 ||
            qv_shape_elems(&ga->tensors[ta].shape) != qv_shape_elems(&gb->tensors[tb].shape))
            continue;
        struct pair *p = &c->pairs[c->n_pairs];
        p->node_a = ga->tensors[ta].producer;
        p->node_b = nb;
        p->tensor_a = ta;
        p->tensor_b = tb;
        p->dtype_a = held_a(&ga->tensors[ta]);
        p->row_elems = row_elems_of(&gb->tensors[tb]);
        p->rows_a = malloc((size_t)(c->batch * p->row_elems) * 4 + 64);
        if (!p->rows_a)
            return qv_fail(err, QV_E_NOMEM, "out of memory for tensor '%s'",
                           gb->tensors[tb].name);
        c->pair_of_a[p->node_a] = c->n_pairs;
        c->pair_of_b[nb] = c->n_pairs;
        c->n_pairs++;
    }
    if (c->n_pairs == 0)
        return qv_fail(err, QV_E_INPUT, "the two models share no tensor names to compare");
    return QV_OK;
}

static enum qv_status finish(struct cmp *c, struct qv_layer_diff **ret_diffs, int32_t *ret_n,
                             struct qv_error *err)
{
    struct qv_layer_diff *d = calloc((size_t)c->n_pairs + 1, sizeof(*d));
    if (!d)
        return qv_fail(err, QV_E_NOMEM, "out of memory");
    for (int32_t i = 0; i < c->n_pairs; i++) {
        const struct pair *p = &c->pairs[i];
        d[i] = (struct qv_layer_diff){
            .node = p->node_b, .tensor = p->tensor_b, .elems = p->elems, .same = p->same,
            .off_by_one = p->off1, .more = p->more, .max_abs = p->max_abs,
            .sqnr_db = p->noise == 0 ? INFINITY
                       : (p->sig == 0 ? -INFINITY : 10.0 * log10(p->sig / p->noise)),
        };
    }
    *ret_diffs = d;
    *ret_n = c->n_pairs;
    return QV_OK;
}

static void release(struct cmp *c)
{
    for (int32_t i = 0; c->pairs && i < c->n_pairs; i++) {
        free(c->pairs[i].rows_a);
        qv_npy_close(c->pairs[i].saved);
    }
    free(c->pairs);
    free(c->pair_of_a);
    free(c->pair_of_b);
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

/*
 * Feeds the dataset through side a (engine ea, or the saved files when ea is NULL) and side b
 * (engine eb) batch by batch; the observers accumulate the differences.
 */
static enum qv_status drive(struct cmp *c, struct qv_run_input *in, struct qv_engine *ea,
                            struct qv_engine *eb, int64_t batch, int64_t max_samples,
                            const char *where, int64_t *ret_total, struct qv_error *err)
{
    enum qv_status st = QV_OK;
    int64_t total = 0;
    for (;;) {
        int64_t want = batch, n = 0;
        if (max_samples > 0 && max_samples - total < want)
            want = max_samples - total;
        if (want <= 0)
            break;
        if ((st = qv_run_input_next(in, eb, want, &n, err)) != QV_OK || n == 0)
            break;
        if (ea) {
            st = qv_run_input_feed(in, ea, err);
            if (st == QV_OK)
                st = qv_engine_run(ea, n, err);
        }
        for (int32_t i = 0; !ea && st == QV_OK && i < c->n_pairs; i++) {
            int64_t got = 0;
            st = qv_npy_read_rows(c->pairs[i].saved, n, c->pairs[i].rows_a, true, &got, err);
            if (st == QV_OK && got != n)
                st = qv_fail_at(err, QV_E_INPUT, where, -1, "t%d.npy holds %lld samples, the "
                                "dataset more", c->pairs[i].tensor_b, (long long)(total + got));
        }
        if (st != QV_OK || (st = qv_engine_run(eb, n, err)) != QV_OK)
            break;
        total += n;
    }
    if (st == QV_OK && total == 0)
        st = qv_fail_at(err, QV_E_INPUT, in->path, -1, "the dataset holds no samples");
    if (st == QV_OK)
        *ret_total = total;
    return st;
}

enum qv_status qv_compare_run(const struct qv_graph *ga, const struct qv_graph *gb,
                              const char *data_path, const struct qv_compare_opts *opts,
                              struct qv_layer_diff **ret_diffs, int32_t *ret_n,
                              int64_t *ret_samples, struct qv_error *err)
{
    struct cmp c = { .ga = ga, .gb = gb, .batch = opts->batch > 0 ? opts->batch : 16 };
    struct qv_engine *ea = NULL, *eb = NULL;
    struct qv_run_input in = { 0 };
    enum qv_status st = pair_up(&c, opts->a.kind == QV_ENGINE_FLOAT ? held_float : held_own, err);
    struct qv_engine_opts oa = opts->a, ob = opts->b;
    int64_t total = 0;
    if (st != QV_OK)
        goto cleanup;
    oa.max_batch = ob.max_batch = c.batch;
    oa.observe = observe_a;
    ob.observe = observe_b;
    oa.observe_user = ob.observe_user = &c;
    if ((st = qv_engine_create(ga, &oa, &ea, err)) != QV_OK ||
        (st = qv_engine_create(gb, &ob, &eb, err)) != QV_OK)
        goto cleanup;
    int64_t batch = qv_engine_max_batch(ea) < qv_engine_max_batch(eb) ? qv_engine_max_batch(ea)
                                                                       : qv_engine_max_batch(eb);
    if (ga->n_inputs != 1 || gb->n_inputs != 1 ||
        qv_shape_elems(&ga->tensors[ga->inputs[0]].shape) !=
            qv_shape_elems(&gb->tensors[gb->inputs[0]].shape)) {
        st = qv_fail(err, QV_E_INPUT, "the two models' inputs differ: compare needs one input "
                     "of the same size in both");
        goto cleanup;
    }
    /* the dataset feeds side b's engine; drive() copies it into side a's */
    st = qv_run_input_open(&in, gb, data_path, &opts->data, opts->has_preprocess,
                           opts->pre_scale, opts->pre_offset, batch, err);
    if (st != QV_OK)
        goto cleanup;
    c.b_float = ob.kind == QV_ENGINE_FLOAT;
    st = drive(&c, &in, ea, eb, batch, opts->max_samples, data_path, &total, err);
    if (st == QV_OK)
        st = finish(&c, ret_diffs, ret_n, err);
    if (st == QV_OK)
        *ret_samples = total;
cleanup:
    qv_run_input_close(&in);
    qv_engine_free(ea);
    qv_engine_free(eb);
    release(&c);
    return st;
}

enum qv_status qv_compare_saved(const struct qv_graph *g, const char *data_path,
                                const char *tensors_dir, const struct qv_compare_opts *opts,
                                struct qv_layer_diff **ret_diffs, int32_t *ret_n,
                                int64_t *ret_samples, struct qv_error *err)
{
    struct cmp c = { .ga = g, .gb = g, .batch = opts->batch > 0 ? opts->batch : 16 };
    struct qv_engine *eb = NULL;
    struct qv_run_input in = { 0 };
    struct qv_engine_opts ob = opts->b;
    int64_t total = 0;
    char path[QV_PATH_MAX + 32];
    enum qv_status st = pair_up(&c, held_own, err);
    if (st != QV_OK)
        goto cleanup;
    /* keep only the tensors that have a saved file; a file must match the tensor's row shape */
    int32_t kept = 0;
    for (int32_t i = 0; i < c.n_pairs; i++) {
        struct pair p = c.pairs[i];
        snprintf(path, sizeof(path), "%s/t%d.npy", tensors_dir, p.tensor_b);
        FILE *probe = fopen(path, "rb");
        if (!probe) {
            free(p.rows_a);
            c.pair_of_b[p.node_b] = -1;
            continue;
        }
        fclose(probe);
        if ((st = qv_npy_open(path, &p.saved, err)) != QV_OK) {
            free(p.rows_a);
            goto cleanup;
        }
        const struct qv_npy_info *info = qv_npy_get_info(p.saved);
        p.dtype_a = info->dtype;
        if (info->row_elems != p.row_elems) {
            st = qv_fail_at(err, QV_E_INPUT, path, -1, "%lld elements per sample, tensor '%s' "
                            "has %lld", (long long)info->row_elems, g->tensors[p.tensor_b].name,
                            (long long)p.row_elems);
            qv_npy_close(p.saved);
            free(p.rows_a);
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
    ob.max_batch = c.batch;
    ob.observe = observe_b;
    ob.observe_user = &c;
    if ((st = qv_engine_create(g, &ob, &eb, err)) != QV_OK)
        goto cleanup;
    int64_t batch = qv_engine_max_batch(eb);
    if ((st = qv_run_input_open(&in, g, data_path, &opts->data, opts->has_preprocess,
                                opts->pre_scale, opts->pre_offset, batch, err)) != QV_OK)
        goto cleanup;
    c.b_float = ob.kind == QV_ENGINE_FLOAT;
    st = drive(&c, &in, NULL, eb, batch, opts->max_samples, tensors_dir, &total, err);
    if (st == QV_OK)
        st = finish(&c, ret_diffs, ret_n, err);
    if (st == QV_OK)
        *ret_samples = total;
cleanup:
    qv_run_input_close(&in);
    qv_engine_free(eb);
    release(&c);
    return st;
}
