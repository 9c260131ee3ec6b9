/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Quantization: histograms that merge exactly, observers, statistics files (round trip, merge,
 * hostile contents), the quantization pass against the TFLite converter's own int8 models
 * (tests/fixtures/quant/parity, made by reference/quant_parity.py --freeze: every weight, bias,
 * scale and zero point identical), hybrid models, constant tensors, unsupported ops, float I/O.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/quant_int.h"
#include "support.h"

/* ---- helpers ------------------------------------------------------------------------------ */

/* A one-file data spec (the path is borrowed). */
static struct qv_data_spec spec_of(const char *path)
{
    struct qv_data_spec d = QV_DATA_SPEC_INIT;
    d.n_files = 1;
    d.files[0] = path;
    return d;
}

static struct qv_graph *load_model(const char *path)
{
    struct qv_graph *g = NULL;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_msg(qv_model_load(path, &g, &err) == QV_OK, "%s: %s", path, err.msg);
    return g;
}

/* A deterministic pseudo-random stream (xorshift), uniform in [0, 1). */
static double urand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static void assert_hist_equal(const struct qv_tensor_stats *a, const struct qv_tensor_stats *b)
{
    ck_assert_int_eq(a->count, b->count);
    ck_assert(a->min == b->min && a->max == b->max);
    ck_assert_int_eq(a->hist.exp, b->hist.exp);
    ck_assert_int_eq(a->hist.first, b->hist.first);
    ck_assert_int_eq(a->hist.n, b->hist.n);
    for (int32_t i = 0; i < a->hist.n; i++)
        ck_assert_msg(a->hist.counts[i] == b->hist.counts[i], "bin %d: %lld vs %lld", i,
                      (long long)a->hist.counts[i], (long long)b->hist.counts[i]);
}

/* The digits model and statistics of its input fed directly (no engine). */
static struct qv_graph *digits(void)
{
    return load_model(qvt_source("datasets/digits/model.tflite"));
}

/* ---- rules -------------------------------------------------------------------------------- */

START_TEST(rules_cover_every_op)
{
    for (int op = 0; op < QV_OP_COUNT; op++) {
        const struct qv_quant_rule *r = &qv_quant_rules[op];
        ck_assert_msg(r->kind != QV_QK_NONE || r->why != NULL,
                      "%s has no quantization rule and no reason", qv_op_name(op));
        if (r->kind == QV_QK_AFFINE)
            ck_assert(r->weight_input > 0 && r->bias_input > r->weight_input);
        if (r->kind == QV_QK_FIXED)
            ck_assert(r->fixed_scale > 0);
    }
    const char *why = NULL;
    ck_assert(!qv_quant_op_supported(QV_OP_QUANTIZE, &why));
    ck_assert_ptr_nonnull(why);
    ck_assert(qv_quant_op_supported(QV_OP_CONV_2D, NULL));
}
END_TEST

/* ---- histograms --------------------------------------------------------------------------- */

static float *random_values(int64_t n, uint64_t seed)
{
    float *x = malloc((size_t)n * sizeof(float));
    ck_assert_ptr_nonnull(x);
    for (int64_t i = 0; i < n; i++) {
        double u = urand(&seed), v = urand(&seed);
        double g = sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
        x[i] = (float)(g * 0.7 - 0.1);
        if (i % 997 == 3)
            x[i] = (float)(50.0 * (u - 0.3));          /* outliers */
        if (i % 1511 == 5)
            x[i] = 1e-42f;                              /* denormal */
        if (i % 89 == 0)
            x[i] = 0.0f;
    }
    return x;
}

/* Statistics of x fed to tensor 0 of the digits model in chunks of `chunk` samples. */
static struct qv_calib *stats_in_chunks(const struct qv_graph *g, const float *x, int64_t n,
                                        int64_t chunk)
{
    struct qv_calib *c = NULL;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_calib_create(g, &c, &err), QV_OK);
    int32_t t = g->inputs[0];
    int64_t elems = qv_shape_elems(&g->tensors[t].shape);
    for (int64_t s = 0; s < n; s += chunk) {
        int64_t k = n - s < chunk ? n - s : chunk;
        ck_assert_int_eq(qv_calib_observe(c, t, x + s * elems, k, s, &err), QV_OK);
        qv_calib_add_samples(c, k);
    }
    return c;
}

START_TEST(hist_independent_of_batching)
{
    struct qv_graph *g = digits();
    const int64_t n = 300, elems = 64;
    float *x = random_values(n * elems, 12345);
    struct qv_calib *a = stats_in_chunks(g, x, n, 1);
    struct qv_calib *b = stats_in_chunks(g, x, n, 7);
    struct qv_calib *c = stats_in_chunks(g, x, n, n);
    int32_t si = a->stats_of[g->inputs[0]];
    assert_hist_equal(&a->stats[si], &b->stats[si]);
    assert_hist_equal(&a->stats[si], &c->stats[si]);
    /* the layout is the canonical one for [min, max], and the bins hold every value */
    const struct qv_tensor_stats *s = &a->stats[si];
    ck_assert_int_eq(s->hist.exp, qv_hist_exp_for(s->min, s->max));
    int64_t total = 0;
    for (int32_t i = 0; i < s->hist.n; i++)
        total += s->hist.counts[i];
    ck_assert_int_eq(total, n * elems);
    ck_assert_int_le(s->hist.n, QV_HIST_BINS);
    qv_calib_free(a);
    qv_calib_free(b);
    qv_calib_free(c);
    free(x);
    qv_graph_free(g);
}
END_TEST

START_TEST(hist_merge_equals_one_pass)
{
    struct qv_graph *g = digits();
    const int64_t n = 240, elems = 64;
    struct qv_error err = QV_ERROR_INIT;
    float *x = random_values(n * elems, 777);
    /* the second part has a far wider range: merging re-bins the first */
    for (int64_t i = 100 * elems; i < n * elems; i++)
        x[i] *= 37.0f;
    struct qv_calib *all = stats_in_chunks(g, x, n, 16);
    struct qv_calib *p1 = stats_in_chunks(g, x, 100, 16);
    struct qv_calib *p2 = stats_in_chunks(g, x + 100 * elems, n - 100, 16);
    ck_assert_int_eq(qv_calib_merge(p1, p2, &err), QV_OK);
    int32_t si = all->stats_of[g->inputs[0]];
    assert_hist_equal(&all->stats[si], &p1->stats[si]);
    ck_assert_int_eq(p1->stats[si].n_samples, n);
    for (int64_t k = 0; k < n; k++)
        ck_assert(p1->stats[si].sample_min[k] == all->stats[si].sample_min[k] &&
                  p1->stats[si].sample_max[k] == all->stats[si].sample_max[k]);
    /* the other order gives the same histogram */
    struct qv_calib *q1 = stats_in_chunks(g, x, 100, 16);
    struct qv_calib *q2 = stats_in_chunks(g, x + 100 * elems, n - 100, 16);
    ck_assert_int_eq(qv_calib_merge(q2, q1, &err), QV_OK);
    assert_hist_equal(&all->stats[si], &q2->stats[si]);
    qv_calib_free(all);
    qv_calib_free(p1);
    qv_calib_free(p2);
    qv_calib_free(q1);
    qv_calib_free(q2);
    free(x);
    qv_graph_free(g);
}
END_TEST

/* ---- observers ---------------------------------------------------------------------------- */

START_TEST(observers_on_outliers)
{
    struct qv_graph *g = digits();
    struct qv_error err = QV_ERROR_INIT;
    const int64_t n = 400, elems = 64;
    float *x = random_values(n * elems, 4242);
    for (int64_t i = 0; i < n * elems; i++)
        x[i] = fabsf(x[i]) > 10 ? 0.5f : x[i];
    x[17 * elems + 3] = 900.0f;                  /* one outlier in one sample */
    struct qv_calib *c = stats_in_chunks(g, x, n, 32);
    int32_t t = g->inputs[0];
    float lo[QV_RANGE_METHOD_COUNT], hi[QV_RANGE_METHOD_COUNT];
    for (int m = 0; m < QV_RANGE_METHOD_COUNT; m++) {
        ck_assert_msg(qv_calib_range(c, t, m, NULL, &lo[m], &hi[m], &err) == QV_OK, "%s",
                      err.msg);
        ck_assert_msg(lo[m] >= c->stats[0].min && hi[m] <= 900.0f && lo[m] <= hi[m],
                      "%s: [%g, %g]", qv_range_method_name(m), (double)lo[m], (double)hi[m]);
    }
    ck_assert(hi[QV_RANGE_MINMAX] == 900.0f);
    ck_assert_msg(hi[QV_RANGE_PERCENTILE] < 10.0f, "%g", (double)hi[QV_RANGE_PERCENTILE]);
    ck_assert_msg(hi[QV_RANGE_KL] < 100.0f, "%g", (double)hi[QV_RANGE_KL]);
    ck_assert_msg(hi[QV_RANGE_EMA] < 900.0f, "%g", (double)hi[QV_RANGE_EMA]);
    /* the diagnostics see the wasted levels and the clipped outlier */
    float s;
    int32_t zp;
    struct qv_range_diag d;
    qv_quant_act_params(lo[QV_RANGE_MINMAX], hi[QV_RANGE_MINMAX], &s, &zp);
    qv_calib_diagnose(&c->stats[0], s, zp, &d);
    ck_assert(d.clipped == 0.0 && d.levels < 20);
    qv_quant_act_params(lo[QV_RANGE_PERCENTILE], hi[QV_RANGE_PERCENTILE], &s, &zp);
    qv_calib_diagnose(&c->stats[0], s, zp, &d);
    ck_assert_msg(d.clipped > 0.0 && d.clipped < 0.001 && d.levels > 150, "%g %d", d.clipped,
                  d.levels);
    qv_calib_free(c);
    free(x);
    qv_graph_free(g);
}
END_TEST

/* Converter outputs for known ranges (from the TFLite converter's int8 digits model). */
START_TEST(act_params_match_converter)
{
    float s;
    int32_t zp;
    qv_quant_act_params(0.0, 1.0, &s, &zp);
    ck_assert(s == 0.003921568859368563f && zp == -128);
    qv_quant_act_params(-61.221565, 25.654991, &s, &zp);
    ck_assert_msg(s == 0.3406923711299896f && zp == 52, "%.9g %d", (double)s, zp);
    /* a zero range: widened by 1e-6, finite scale, zero point in range */
    qv_quant_act_params(0.0, 0.0, &s, &zp);
    ck_assert(isfinite(s) && s > 0 && zp >= -128 && zp <= 127);
    /* a positive-only range is made to contain 0 */
    qv_quant_act_params(2.0, 3.0, &s, &zp);
    ck_assert(s == 3.0f / 255.0f && zp == -128);
}
END_TEST

/* ---- parity with the converter ------------------------------------------------------------ */

static char parity_cases[64][64];
static int n_parity;

/* cases.txt, one name a line (no ck_assert: runs before the tests). */
static void find_parity_cases(void)
{
    FILE *f = fopen(qvt_fixture("quant/parity/cases.txt"), "r");
    char line[128];
    while (f && n_parity < 64 && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            snprintf(parity_cases[n_parity++], sizeof(parity_cases[0]), "%s", line);
    }
    if (f)
        fclose(f);
}

static void assert_same_quant(const struct qv_tensor *a, const struct qv_tensor *b,
                              const char *where)
{
    ck_assert_msg(a->dtype == b->dtype, "%s '%s': %s vs the converter's %s", where, a->name,
                  qv_dtype_name(a->dtype), qv_dtype_name(b->dtype));
    ck_assert_msg(a->quant.count == b->quant.count, "%s '%s': %d scales vs %d", where, a->name,
                  a->quant.count, b->quant.count);
    for (int32_t k = 0; k < a->quant.count; k++) {
        ck_assert_msg(memcmp(&a->quant.scale[k], &b->quant.scale[k], 4) == 0,
                      "%s '%s' scale[%d]: %.9g vs the converter's %.9g", where, a->name, k,
                      (double)a->quant.scale[k], (double)b->quant.scale[k]);
        ck_assert_msg(a->quant.zero_point[k] == b->quant.zero_point[k],
                      "%s '%s' zero point[%d]: %d vs %d", where, a->name, k,
                      a->quant.zero_point[k], b->quant.zero_point[k]);
    }
    if (a->quant.count > 1)
        ck_assert_int_eq(a->quant.axis, b->quant.axis);
    ck_assert_msg((a->data != NULL) == (b->data != NULL), "%s '%s': constness", where, a->name);
    if (a->data) {
        ck_assert_uint_eq(a->nbytes, b->nbytes);
        qvt_assert_bytes_equal(a->name, a->data, b->data, a->nbytes / qv_dtype_size(a->dtype),
                               qv_dtype_size(a->dtype));
    }
}

START_TEST(parity_with_converter)
{
    const char *name = parity_cases[_i];
    char rel[256], model_path[512];
    snprintf(rel, sizeof(rel), "quant/parity/%s/model_path.txt", name);
    char *mp = qvt_read_file(qvt_fixture(rel), NULL);
    ck_assert_ptr_nonnull(mp);
    mp[strcspn(mp, "\n")] = '\0';
    snprintf(model_path, sizeof(model_path), "%s", qvt_source(mp));
    free(mp);
    struct qv_graph *g = load_model(model_path);
    snprintf(rel, sizeof(rel), "quant/parity/%s/converter_int8.tflite", name);
    struct qv_graph *conv = load_model(qvt_fixture(rel));
    struct qv_error err = QV_ERROR_INIT;
    struct qv_calib *c = NULL;
    snprintf(rel, sizeof(rel), "quant/parity/%s/conv_stats.json", name);
    ck_assert_msg(qv_calib_load(g, qvt_fixture(rel), &c, &err) == QV_OK, "%s", err.msg);
    struct qv_quant_opts o = QV_QUANT_OPTS_INIT;
    struct qv_quant_result r;
    ck_assert_msg(qv_quantize(g, c, &o, &r, &err) == QV_OK, "%s: %s", name, err.msg);
    const struct qv_graph *q = r.graph;
    /* same operators in the same order; every tensor they touch identical */
    ck_assert_int_eq(q->n_nodes, conv->n_nodes);
    ck_assert_int_eq(q->n_inputs, conv->n_inputs);
    for (int32_t i = 0; i < q->n_inputs; i++)
        assert_same_quant(&q->tensors[q->inputs[i]], &conv->tensors[conv->inputs[i]], "input");
    for (int32_t oi = 0; oi < q->n_nodes; oi++) {
        const struct qv_node *a = &q->nodes[q->order[oi]];
        const struct qv_node *b = &conv->nodes[conv->order[oi]];
        char where[96];
        snprintf(where, sizeof(where), "%s op %d (%s)", name, oi, qv_op_name(a->op));
        ck_assert_msg(a->op == b->op, "%s: the converter has %s", where, qv_op_name(b->op));
        /* the converter writes an omitted bias as a -1 input, qvet leaves it out */
        for (int32_t k = a->n_inputs; k < b->n_inputs; k++)
            ck_assert_msg(b->inputs[k] < 0, "%s: the converter has %d inputs", where,
                          b->n_inputs);
        ck_assert_int_le(a->n_inputs, b->n_inputs);
        for (int32_t k = 0; k < a->n_inputs; k++) {
            if (a->inputs[k] < 0 || b->inputs[k] < 0) {
                ck_assert_int_eq(a->inputs[k], b->inputs[k]);
                continue;
            }
            assert_same_quant(&q->tensors[a->inputs[k]], &conv->tensors[b->inputs[k]], where);
        }
        assert_same_quant(&q->tensors[a->outputs[0]], &conv->tensors[b->outputs[0]], where);
    }
    qv_quant_result_release(&r);
    qv_calib_free(c);
    qv_graph_free(conv);
    qv_graph_free(g);
}
END_TEST

/*
 * End to end on the same samples (calib.npy of the smaller models): qvet's own calibration with
 * the converter's in-place artefact reproduced (--converter-ranges) gives the converter's int8
 * weights and zero points exactly, and scales within float-kernel rounding (a few ulps).
 */
static int32_t ulps(float a, float b)
{
    int32_t x, y;
    memcpy(&x, &a, 4);
    memcpy(&y, &b, 4);
    return x > y ? x - y : y - x;
}

START_TEST(end_to_end_with_converter_ranges)
{
    const char *name = parity_cases[_i];
    char rel[256], model_path[512], calib[512];
    snprintf(rel, sizeof(rel), "quant/parity/%s/calib.npy", name);
    snprintf(calib, sizeof(calib), "%s", qvt_fixture(rel));
    FILE *f = fopen(calib, "rb");
    if (!f)
        return;   /* large calibration sets are not committed */
    fclose(f);
    snprintf(rel, sizeof(rel), "quant/parity/%s/model_path.txt", name);
    char *mp = qvt_read_file(qvt_fixture(rel), NULL);
    mp[strcspn(mp, "\n")] = '\0';
    snprintf(model_path, sizeof(model_path), "%s", qvt_source(mp));
    free(mp);
    struct qv_graph *g = load_model(model_path);
    snprintf(rel, sizeof(rel), "quant/parity/%s/converter_int8.tflite", name);
    struct qv_graph *conv = load_model(qvt_fixture(rel));
    struct qv_calib_opts co = QV_CALIB_OPTS_INIT;
    struct qv_calib *c = NULL;
    struct qv_error err = QV_ERROR_INIT;
    struct qv_data_spec cd = spec_of(calib);
    ck_assert_msg(qv_calib_run(g, &cd, &co, &c, &err) == QV_OK, "%s", err.msg);
    struct qv_quant_opts o = QV_QUANT_OPTS_INIT;
    o.converter_ranges = true;
    struct qv_quant_result r;
    ck_assert_msg(qv_quantize(g, c, &o, &r, &err) == QV_OK, "%s: %s", name, err.msg);
    const struct qv_graph *q = r.graph;
    ck_assert_int_eq(q->n_nodes, conv->n_nodes);
    for (int32_t oi = 0; oi < q->n_nodes; oi++) {
        const struct qv_node *a = &q->nodes[q->order[oi]];
        const struct qv_node *b = &conv->nodes[conv->order[oi]];
        ck_assert_int_eq(a->op, b->op);
        for (int32_t k = 0; k <= a->n_inputs; k++) {
            int32_t ta = k < a->n_inputs ? a->inputs[k] : a->outputs[0];
            int32_t tb = k < a->n_inputs ? b->inputs[k] : b->outputs[0];
            if (ta < 0 || tb < 0)
                continue;
            const struct qv_tensor *x = &q->tensors[ta], *y = &conv->tensors[tb];
            ck_assert_int_eq(x->quant.count, y->quant.count);
            for (int32_t j = 0; j < x->quant.count; j++) {
                ck_assert_msg(x->quant.zero_point[j] == y->quant.zero_point[j],
                              "%s '%s': zero point %d vs the converter's %d", name, x->name,
                              x->quant.zero_point[j], y->quant.zero_point[j]);
                /* a bias scale is s_in * s_w: it inherits the input scale's ulps, doubled at
                 * worst by the product's rounding */
                int32_t u = ulps(x->quant.scale[j], y->quant.scale[j]);
                int32_t limit = x->dtype == QV_DTYPE_I32 ? 128 : 64;
                ck_assert_msg(u <= limit, "%s '%s': scale %.9g vs %.9g (%d ulps)", name,
                              x->name, (double)x->quant.scale[j], (double)y->quant.scale[j], u);
            }
            if (x->data && x->dtype == QV_DTYPE_I8)   /* weights do not depend on data */
                qvt_assert_bytes_equal(x->name, x->data, y->data, x->nbytes, 1);
        }
    }
    qv_quant_result_release(&r);
    qv_calib_free(c);
    qv_graph_free(conv);
    qv_graph_free(g);
}
END_TEST

/* ---- calibration runs, files, merging ------------------------------------------------------ */

/* Statistics of the digits calibration set through the float engine (whose outputs do not
 * depend on the batch). */
static struct qv_calib *digits_calib_threads(const struct qv_graph *g, const char *data,
                                             int64_t batch, int32_t threads);

static struct qv_calib *digits_calib(const struct qv_graph *g, const char *data, int64_t batch)
{
    return digits_calib_threads(g, data, batch, 1);
}

static struct qv_calib *digits_calib_threads(const struct qv_graph *g, const char *data,
                                             int64_t batch, int32_t threads)
{
    struct qv_calib_opts co = QV_CALIB_OPTS_INIT;
    struct qv_calib *c = NULL;
    struct qv_error err = QV_ERROR_INIT;
    co.batch = batch;
    co.n_threads = threads;
    struct qv_data_spec d = spec_of(data);
    ck_assert_msg(qv_calib_run(g, &d, &co, &c, &err) == QV_OK, "%s", err.msg);
    return c;
}

START_TEST(stats_identical_for_any_batch_and_threads)
{
    struct qv_graph *g = digits();
    char *dir = qvt_tmpdir();
    struct qv_error err = QV_ERROR_INIT;
    char *files[3] = { qvt_path(dir, "b1.json"), qvt_path(dir, "b7.json"),
                       qvt_path(dir, "b64.json") };
    const int64_t batches[3] = { 1, 7, 64 };
    const int32_t threads[3] = { 1, 2, 3 };
    for (int i = 0; i < 3; i++) {
        struct qv_calib *c = digits_calib_threads(g,
                                                  qvt_source("datasets/digits/calib/inputs.npy"),
                                                  batches[i], threads[i]);
        ck_assert_int_eq(qv_calib_save(c, files[i], QV_RANGE_PERCENTILE, NULL, &err), QV_OK);
        qv_calib_free(c);
    }
    size_t n0, n1, n2;
    char *a = qvt_read_file(files[0], &n0), *b = qvt_read_file(files[1], &n1),
         *c = qvt_read_file(files[2], &n2);
    ck_assert(n0 == n1 && n0 == n2 && memcmp(a, b, n0) == 0 && memcmp(a, c, n0) == 0);
    free(a);
    free(b);
    free(c);
    for (int i = 0; i < 3; i++)
        free(files[i]);
    qvt_rmtree(dir);
    free(dir);
    qv_graph_free(g);
}
END_TEST

/* Splits the digits calibration set into two .npy files (first k samples, the rest). */
static void split_calib(const char *dir, int64_t k, char **ret_a, char **ret_b)
{
    int64_t rows, row_elems;
    float *x = qvt_load_npy(qvt_source("datasets/digits/calib/inputs.npy"), QV_DTYPE_F32, false,
                            &rows, &row_elems);
    ck_assert_ptr_nonnull(x);
    struct qv_error err = QV_ERROR_INIT;
    struct qv_shape sa = { 4, { k, 8, 8, 1 } }, sb = { 4, { rows - k, 8, 8, 1 } };
    *ret_a = qvt_path(dir, "a.npy");
    *ret_b = qvt_path(dir, "b.npy");
    ck_assert_int_eq(qv_npy_save(*ret_a, QV_DTYPE_F32, &sa, x, &err), QV_OK);
    ck_assert_int_eq(qv_npy_save(*ret_b, QV_DTYPE_F32, &sb, x + k * row_elems, &err), QV_OK);
    free(x);
}

START_TEST(stats_save_load_merge)
{
    struct qv_graph *g = digits();
    char *dir = qvt_tmpdir();
    struct qv_error err = QV_ERROR_INIT;
    char *pa, *pb;
    split_calib(dir, 77, &pa, &pb);
    struct qv_calib *all = digits_calib(g, qvt_source("datasets/digits/calib/inputs.npy"), 16);
    struct qv_calib *ca = digits_calib(g, pa, 16), *cb = digits_calib(g, pb, 16);
    char *fa = qvt_path(dir, "a.json"), *fb = qvt_path(dir, "b.json");
    ck_assert_int_eq(qv_calib_save(ca, fa, QV_RANGE_MINMAX, NULL, &err), QV_OK);
    ck_assert_int_eq(qv_calib_save(cb, fb, QV_RANGE_MINMAX, NULL, &err), QV_OK);
    /* model-less load and merge, as `qvet calibrate --merge` does */
    struct qv_calib *la = NULL, *lb = NULL, *lg = NULL;
    ck_assert_msg(qv_calib_load(NULL, fa, &la, &err) == QV_OK, "%s", err.msg);
    ck_assert_msg(qv_calib_load(NULL, fb, &lb, &err) == QV_OK, "%s", err.msg);
    ck_assert_msg(qv_calib_merge(la, lb, &err) == QV_OK, "%s", err.msg);
    char *fm = qvt_path(dir, "merged.json");
    ck_assert_int_eq(qv_calib_save(la, fm, QV_RANGE_MINMAX, NULL, &err), QV_OK);
    ck_assert_msg(qv_calib_load(g, fm, &lg, &err) == QV_OK, "%s", err.msg);
    ck_assert_int_eq(lg->n_samples, all->n_samples);
    ck_assert_int_eq(lg->n_stats, all->n_stats);
    for (int32_t i = 0; i < all->n_stats; i++) {
        const struct qv_tensor_stats *x = &all->stats[i], *y = &lg->stats[i];
        assert_hist_equal(x, y);
        ck_assert_int_eq(x->n_samples, y->n_samples);
        for (int64_t k = 0; k < x->n_samples; k++)
            ck_assert(x->sample_min[k] == y->sample_min[k] &&
                      x->sample_max[k] == y->sample_max[k]);
        ck_assert((x->elem_sum == NULL) == (y->elem_sum == NULL));
        for (int64_t k = 0; x->elem_sum && k < x->period; k++)
            ck_assert(fabs(x->elem_sum[k] - y->elem_sum[k]) <=
                      1e-12 * fmax(1.0, fabs(x->elem_sum[k])));
        /* every observer gives the same range from both */
        for (int m = 0; m < QV_RANGE_METHOD_COUNT; m++) {
            float l1, h1, l2, h2;
            ck_assert_int_eq(qv_calib_range(all, x->tensor, m, NULL, &l1, &h1, &err), QV_OK);
            ck_assert_int_eq(qv_calib_range(lg, y->tensor, m, NULL, &l2, &h2, &err), QV_OK);
            ck_assert_msg(l1 == l2 && h1 == h2, "%s %s", x->name, qv_range_method_name(m));
        }
    }
    qv_calib_free(all);
    qv_calib_free(ca);
    qv_calib_free(cb);
    qv_calib_free(la);
    qv_calib_free(lb);
    qv_calib_free(lg);
    free(pa);
    free(pb);
    free(fa);
    free(fb);
    free(fm);
    qvt_rmtree(dir);
    free(dir);
    qv_graph_free(g);
}
END_TEST

/* Hostile statistics files: each edit of a valid file must fail naming the problem. */
struct hostile {
    const char *find, *replace, *expect;
};

static const struct hostile hostile_stats[] = {
    { "\"format\": \"qvet-calibration\"", "\"format\": \"other\"", "not a qvet statistics" },
    { "\"version\": 1", "\"version\": 7", "not supported" },
    { "\"fingerprint\": \"", "\"fingerprint\": \"0", "another model" },
    { "\"name\": \"input_0\"", "\"name\": \"renamed\"", "statistics of another model" },
    { "\"shape\": [1, 8, 8, 1]", "\"shape\": [1, 8, 8, 2]", "shape" },
    { "\"count\": 12800", "\"count\": 12801", "add up" },
    { "\"count\": 12800", "\"count\": -5", "whole number" },
    { "\"min\": 0,", "\"min\": 5,", "above max" },
    { "\"min\": 0,", "\"min\": \"zero\",", "finite float32" },
    { "\"first\": ", "\"first\": 1", "cover" },
    { "\"samples\": 200,\n", "", "samples" },
    { "\"tensors\": [\n", "\"tensors\": [\n{\"index\": 99999},\n", "whole number" },
    { "]\n}\n", "", "invalid JSON" },
};

START_TEST(stats_hostile)
{
    const struct hostile *h = &hostile_stats[_i];
    struct qv_graph *g = digits();
    char *dir = qvt_tmpdir();
    struct qv_error err = QV_ERROR_INIT;
    char *good = qvt_path(dir, "good.json"), *bad = qvt_path(dir, "bad.json");
    struct qv_calib *c = digits_calib(g, qvt_source("datasets/digits/calib/inputs.npy"), 64);
    ck_assert_int_eq(qv_calib_save(c, good, QV_RANGE_MINMAX, NULL, &err), QV_OK);
    qv_calib_free(c);
    size_t n;
    char *text = qvt_read_file(good, &n);
    char *at = strstr(text, h->find);
    ck_assert_msg(at != NULL, "'%s' not in the statistics file", h->find);
    size_t lf = strlen(h->find), lr = strlen(h->replace);
    char *edited = malloc(n + lr + 1);
    memcpy(edited, text, (size_t)(at - text));
    memcpy(edited + (at - text), h->replace, lr);
    memcpy(edited + (at - text) + lr, at + lf, n - (size_t)(at - text) - lf);
    qvt_write_file(bad, edited, n - lf + lr);
    struct qv_calib *b = NULL;
    err = (struct qv_error)QV_ERROR_INIT;
    ck_assert_int_eq(qv_calib_load(g, bad, &b, &err), QV_E_INPUT);
    ck_assert_ptr_null(b);
    ck_assert_msg(strstr(err.msg, h->expect) != NULL, "case %d: '%s' lacks '%s'", _i, err.msg,
                  h->expect);
    ck_assert_str_eq(err.path, bad);
    free(text);
    free(edited);
    free(good);
    free(bad);
    qvt_rmtree(dir);
    free(dir);
    qv_graph_free(g);
}
END_TEST

/* Every single-byte corruption of a statistics file loads or fails cleanly (ASan/UBSan build). */
START_TEST(stats_bit_flips)
{
    struct qv_graph *g = digits();
    char *dir = qvt_tmpdir();
    struct qv_error err = QV_ERROR_INIT;
    char *good = qvt_path(dir, "good.json"), *bad = qvt_path(dir, "bad.json");
    struct qv_calib *c = digits_calib(g, qvt_source("datasets/digits/calib/inputs.npy"), 64);
    ck_assert_int_eq(qv_calib_save(c, good, QV_RANGE_MINMAX, NULL, &err), QV_OK);
    qv_calib_free(c);
    size_t n;
    char *text = qvt_read_file(good, &n);
    uint64_t seed = 99;
    static const char subst[] = "0123456789-.e\"[]{},:x \n";
    for (int i = 0; i < 120; i++) {
        size_t at = (size_t)(urand(&seed) * (double)n);
        char saved = text[at];
        text[at] = subst[(size_t)(urand(&seed) * (sizeof(subst) - 1))];
        qvt_write_file(bad, text, n);
        for (int m = 0; m < 2; m++) {   /* with and without the model */
            struct qv_calib *b = NULL;
            err = (struct qv_error)QV_ERROR_INIT;
            enum qv_status st = qv_calib_load(m ? g : NULL, bad, &b, &err);
            ck_assert_msg(st == QV_OK || st == QV_E_INPUT, "flip at %zu: status %d (%s)", at,
                          (int)st, err.msg);
            ck_assert((st == QV_OK) == (b != NULL));
            /* what loads must stay usable: every observer on every tensor (on some of the
             * flips: KL and MSE are slow under the sanitizers) */
            for (int32_t k = 0; b && m == 1 && i % 6 == 0 && k < b->n_stats; k++)
                for (int r = 0; r < QV_RANGE_METHOD_COUNT; r++) {
                    float lo, hi;
                    if (qv_calib_range(b, b->stats[k].tensor, r, NULL, &lo, &hi, &err) == QV_OK)
                        ck_assert(isfinite(lo) && isfinite(hi) && lo <= hi);
                }
            qv_calib_free(b);
        }
        text[at] = saved;
    }
    free(text);
    free(good);
    free(bad);
    qvt_rmtree(dir);
    free(dir);
    qv_graph_free(g);
}
END_TEST

START_TEST(stats_of_another_model)
{
    struct qv_graph *g = digits();
    struct qv_graph *other = load_model(qvt_fixture("tflite/cnn_small/model_f32.tflite"));
    char *dir = qvt_tmpdir();
    char *f = qvt_path(dir, "s.json");
    struct qv_error err = QV_ERROR_INIT;
    struct qv_calib *c = digits_calib(g, qvt_source("datasets/digits/calib/inputs.npy"), 64);
    ck_assert_int_eq(qv_calib_save(c, f, QV_RANGE_MINMAX, NULL, &err), QV_OK);
    struct qv_calib *b = NULL;
    ck_assert_int_eq(qv_calib_load(other, f, &b, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "another model") != NULL, "%s", err.msg);
    /* merging with statistics of another model fails too */
    struct qv_calib *o = NULL;
    ck_assert_int_eq(qv_calib_create(other, &o, &err), QV_OK);
    ck_assert_int_eq(qv_calib_merge(c, o, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "different models") != NULL, "%s", err.msg);
    qv_calib_free(o);
    qv_calib_free(c);
    free(f);
    qvt_rmtree(dir);
    free(dir);
    qv_graph_free(other);
    qv_graph_free(g);
}
END_TEST

/* ---- bad calibration data ------------------------------------------------------------------ */

START_TEST(calib_bad_data)
{
    struct qv_graph *g = digits();
    char *dir = qvt_tmpdir();
    struct qv_error err = QV_ERROR_INIT;
    struct qv_calib_opts co = QV_CALIB_OPTS_INIT;
    struct qv_calib *c = NULL;
    /* empty set */
    char *empty = qvt_path(dir, "empty.npy");
    struct qv_shape s0 = { 4, { 0, 8, 8, 1 } };
    float dummy = 0;
    ck_assert_int_eq(qv_npy_save(empty, QV_DTYPE_F32, &s0, &dummy, &err), QV_OK);
    struct qv_data_spec de = spec_of(empty);
    ck_assert_int_eq(qv_calib_run(g, &de, &co, &c, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "no samples") != NULL, "%s", err.msg);
    ck_assert_str_eq(err.path, empty);
    /* wrong shape */
    char *wrong = qvt_path(dir, "wrong.npy");
    float x[2 * 10] = { 0 };
    struct qv_shape s1 = { 2, { 2, 10 } };
    ck_assert_int_eq(qv_npy_save(wrong, QV_DTYPE_F32, &s1, x, &err), QV_OK);
    struct qv_data_spec dw = spec_of(wrong);
    ck_assert_int_eq(qv_calib_run(g, &dw, &co, &c, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "do not fit") != NULL, "%s", err.msg);
    /* NaN in the data: the dataset reader names sample and element */
    char *nan = qvt_path(dir, "nan.npy");
    float y[3 * 64];
    for (int i = 0; i < 3 * 64; i++)
        y[i] = 0.5f;
    y[64 + 9] = NAN;
    struct qv_shape s2 = { 4, { 3, 8, 8, 1 } };
    ck_assert_int_eq(qv_npy_save(nan, QV_DTYPE_F32, &s2, y, &err), QV_OK);
    struct qv_data_spec dn = spec_of(nan);
    ck_assert_int_eq(qv_calib_run(g, &dn, &co, &c, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "sample 1") != NULL, "%s", err.msg);
    /* NaN reaching an activation (allowed in the data): named with tensor and sample */
    dn.allow_nonfinite = true;
    ck_assert_int_eq(qv_calib_run(g, &dn, &co, &c, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "sample 1") && strstr(err.msg, "input_0") &&
                  strstr(err.msg, "NaN"), "%s", err.msg);
    ck_assert_ptr_null(c);
    free(empty);
    free(wrong);
    free(nan);
    qvt_rmtree(dir);
    free(dir);
    qv_graph_free(g);
}
END_TEST

/* ---- the pass ----------------------------------------------------------------------------- */

static struct qv_calib *calib_of(const struct qv_graph *g, const char *data)
{
    struct qv_calib_opts co = QV_CALIB_OPTS_INIT;
    struct qv_calib *c = NULL;
    struct qv_error err = QV_ERROR_INIT;
    struct qv_data_spec d = spec_of(data);
    ck_assert_msg(qv_calib_run(g, &d, &co, &c, &err) == QV_OK, "%s", err.msg);
    return c;
}

START_TEST(hybrid_quantizes_like_its_float_model)
{
    struct qv_graph *h = load_model(qvt_fixture("quant/hybrid/model_hybrid.tflite"));
    struct qv_graph *f = load_model(qvt_fixture("quant/hybrid/model_f32.tflite"));
    const char *data = qvt_fixture("quant/hybrid/calib.npy");
    struct qv_calib *ch = calib_of(h, data), *cf = calib_of(f, data);
    struct qv_quant_opts o = QV_QUANT_OPTS_INIT;
    struct qv_quant_result rh, rf;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_msg(qv_quantize(h, ch, &o, &rh, &err) == QV_OK, "%s", err.msg);
    ck_assert_msg(qv_quantize(f, cf, &o, &rf, &err) == QV_OK, "%s", err.msg);
    uint8_t *bh, *bf;
    size_t nh, nf;
    ck_assert_int_eq(qv_tflite_write(rh.graph, &bh, &nh, &err), QV_OK);
    ck_assert_int_eq(qv_tflite_write(rf.graph, &bf, &nf, &err), QV_OK);
    ck_assert(nh == nf && memcmp(bh, bf, nh) == 0);
    free(bh);
    free(bf);
    qv_quant_result_release(&rh);
    qv_quant_result_release(&rf);
    qv_calib_free(ch);
    qv_calib_free(cf);
    qv_graph_free(h);
    qv_graph_free(f);
}
END_TEST

START_TEST(constant_tensor_gets_a_usable_scale)
{
    struct qv_graph *g = load_model(qvt_fixture("quant/constant/model_f32.tflite"));
    struct qv_calib *c = calib_of(g, qvt_fixture("quant/constant/calib.npy"));
    struct qv_quant_opts o = QV_QUANT_OPTS_INIT;
    struct qv_quant_result r;
    struct qv_error err = QV_ERROR_INIT;
    /* 'Relu;sub' is 0 on every sample: without care its SUB fails TFLM's checks */
    ck_assert_msg(qv_quantize(g, c, &o, &r, &err) == QV_OK, "%s", err.msg);
    bool warned = false;
    for (int32_t i = 0; i < r.n_warnings; i++)
        warned |= strstr(r.warnings[i], "'Relu;sub' is constant") != NULL;
    ck_assert_msg(warned, "%d warnings: %s", r.n_warnings, r.n_warnings ? r.warnings[0] : "");
    for (int32_t i = 0; i < r.n_tensors; i++)
        ck_assert(isfinite(r.tensors[i].scale) && r.tensors[i].scale > 1e-6f);
    qv_quant_result_release(&r);
    qv_calib_free(c);
    qv_graph_free(g);
}
END_TEST

START_TEST(unsupported_op_is_named)
{
    struct qv_graph *g = NULL;
    struct qv_error err = QV_ERROR_INIT;
    int32_t x, y, z;
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    struct qv_shape s = { 2, { 1, 4 } };
    ck_assert_int_eq(qv_graph_add_tensor(g, "x", QV_DTYPE_F32, &s, &x, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_tensor(g, "q", QV_DTYPE_I8, &s, &y, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_tensor(g, "y", QV_DTYPE_F32, &s, &z, &err), QV_OK);
    float sc = 0.1f;
    int32_t zp = 0;
    ck_assert_int_eq(qv_graph_set_quant(g, y, 1, &sc, 1, &zp, 0, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_QUANTIZE, "fakeq", 1, &x, 1, &y, NULL, NULL,
                                       &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_DEQUANTIZE, "deq", 1, &y, 1, &z, NULL, NULL,
                                       &err), QV_OK);
    ck_assert_int_eq(qv_graph_set_io(g, 1, &x, 1, &z, &err), QV_OK);
    ck_assert_int_eq(qv_graph_finalize(g, &err), QV_OK);
    struct qv_calib *c = NULL;
    ck_assert_int_eq(qv_calib_create(g, &c, &err), QV_OK);
    struct qv_quant_opts o = QV_QUANT_OPTS_INIT;
    struct qv_quant_result r;
    ck_assert_int_eq(qv_quantize(g, c, &o, &r, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "cannot quantize QUANTIZE") && strstr(err.msg, "fakeq"), "%s",
                  err.msg);
    ck_assert_int_eq(err.node, 0);
    qv_calib_free(c);
    qv_graph_free(g);
}
END_TEST

START_TEST(float_io_and_per_tensor)
{
    struct qv_graph *g = digits();
    struct qv_calib *c = calib_of(g, qvt_source("datasets/digits/calib/inputs.npy"));
    struct qv_quant_opts o = QV_QUANT_OPTS_INIT;
    struct qv_quant_result r;
    struct qv_error err = QV_ERROR_INIT;
    o.io = QV_QUANT_IO_FLOAT;
    o.per_tensor = true;
    struct qv_data_spec gd = spec_of(qvt_source("datasets/digits/golden/inputs.npy"));
    o.data = &gd;
    ck_assert_msg(qv_quantize(g, c, &o, &r, &err) == QV_OK, "%s", err.msg);
    const struct qv_graph *q = r.graph;
    ck_assert_int_eq(q->tensors[q->inputs[0]].dtype, QV_DTYPE_F32);
    ck_assert_int_eq(q->tensors[q->outputs[0]].dtype, QV_DTYPE_F32);
    ck_assert_int_eq(q->nodes[q->order[0]].op, QV_OP_QUANTIZE);
    ck_assert_int_eq(q->nodes[q->order[q->n_nodes - 1]].op, QV_OP_DEQUANTIZE);
    for (int32_t t = 0; t < q->n_tensors; t++)
        if (q->tensors[t].data && q->tensors[t].dtype == QV_DTYPE_I8)
            ck_assert_int_eq(q->tensors[t].quant.count, 1);
    ck_assert(r.has_sqnr && r.output_sqnr_db > 25.0);
    qv_quant_result_release(&r);
    qv_calib_free(c);
    qv_graph_free(g);
}
END_TEST

START_TEST(bias_correction_changes_biases)
{
    struct qv_graph *g = load_model(qvt_fixture("quant/outliers/model_f32.tflite"));
    struct qv_calib *c = calib_of(g, qvt_fixture("quant/outliers/calib.npy"));
    struct qv_quant_opts o = QV_QUANT_OPTS_INIT;
    struct qv_quant_result a, b;
    struct qv_error err = QV_ERROR_INIT;
    o.method = QV_RANGE_PERCENTILE;
    ck_assert_int_eq(qv_quantize(g, c, &o, &a, &err), QV_OK);
    o.bias_correction = true;
    ck_assert_msg(qv_quantize(g, c, &o, &b, &err) == QV_OK, "%s", err.msg);
    ck_assert_int_gt(b.n_bias_corrected, 0);
    int32_t changed = 0;
    for (int32_t t = 0; t < a.graph->n_tensors; t++)
        if (a.graph->tensors[t].dtype == QV_DTYPE_I32 && a.graph->tensors[t].data)
            changed += memcmp(a.graph->tensors[t].data, b.graph->tensors[t].data,
                              a.graph->tensors[t].nbytes) != 0;
    ck_assert_int_gt(changed, 0);
    qv_quant_result_release(&a);
    qv_quant_result_release(&b);
    qv_calib_free(c);
    qv_graph_free(g);
}
END_TEST

START_TEST(auto_picks_better_ranges_on_outliers)
{
    struct qv_graph *g = load_model(qvt_fixture("quant/outliers/model_f32.tflite"));
    const char *data = qvt_fixture("quant/outliers/calib.npy");
    struct qv_calib *c = calib_of(g, data);
    struct qv_quant_opts o = QV_QUANT_OPTS_INIT;
    struct qv_quant_result mm, au;
    struct qv_error err = QV_ERROR_INIT;
    struct qv_data_spec dd = spec_of(data);
    o.data = &dd;
    ck_assert_int_eq(qv_quantize(g, c, &o, &mm, &err), QV_OK);
    o.auto_method = true;
    ck_assert_msg(qv_quantize(g, c, &o, &au, &err) == QV_OK, "%s", err.msg);
    ck_assert_msg(au.mean_sample_sqnr_db > mm.mean_sample_sqnr_db + 3.0, "%g vs %g",
                  au.mean_sample_sqnr_db, mm.mean_sample_sqnr_db);
    ck_assert_int_ne(au.tensors[0].method, QV_RANGE_MINMAX);   /* the glitchy input */
    qv_quant_result_release(&mm);
    qv_quant_result_release(&au);
    qv_calib_free(c);
    qv_graph_free(g);
}
END_TEST

/* Mixed graphs: none float = the float-I/O int8 model; one int8 node among float ones. */
START_TEST(mixed_graphs)
{
    struct qv_graph *g = digits();
    struct qv_calib *c = calib_of(g, qvt_source("datasets/digits/calib/inputs.npy"));
    struct qv_quant_opts o = QV_QUANT_OPTS_INIT;
    struct qv_quant_result r;
    struct qv_error err = QV_ERROR_INIT;
    o.io = QV_QUANT_IO_FLOAT;
    ck_assert_int_eq(qv_quantize(g, c, &o, &r, &err), QV_OK);
    bool *nf = calloc((size_t)g->n_nodes, sizeof(bool));
    struct qv_graph *m = NULL;
    ck_assert_msg(qv_quantize_mixed(g, c, &o, nf, &m, &err) == QV_OK, "%s", err.msg);
    uint8_t *a, *b;
    size_t na, nb;
    ck_assert_int_eq(qv_tflite_write(r.graph, &a, &na, &err), QV_OK);
    ck_assert_int_eq(qv_tflite_write(m, &b, &nb, &err), QV_OK);
    ck_assert_msg(na == nb && memcmp(a, b, na) == 0, "all-int8 mixed graph differs");
    free(a);
    free(b);
    qv_graph_free(m);
    /* only the second conv in int8: QUANTIZE before it, DEQUANTIZE after, the rest float */
    int32_t quant = 0, deq = 0, i8 = 0, target = g->order[3];
    for (int32_t n = 0; n < g->n_nodes; n++)
        nf[n] = n != target;
    ck_assert_int_eq(qv_quantize_mixed(g, c, &o, nf, &m, &err), QV_OK);
    for (int32_t n = 0; n < m->n_nodes; n++) {
        const struct qv_node *x = &m->nodes[n];
        quant += x->op == QV_OP_QUANTIZE;
        deq += x->op == QV_OP_DEQUANTIZE;
        i8 += x->op == g->nodes[target].op && m->tensors[x->outputs[0]].dtype == QV_DTYPE_I8;
    }
    ck_assert_int_eq(quant, 1);
    ck_assert_int_eq(deq, 1);
    ck_assert_int_eq(i8, 1);
    ck_assert_int_eq(m->n_nodes, g->n_nodes + 2);
    ck_assert_int_eq(m->tensors[m->inputs[0]].dtype, QV_DTYPE_F32);
    /* it survives the TFLite writer and reader */
    ck_assert_int_eq(qv_tflite_write(m, &a, &na, &err), QV_OK);
    struct qv_graph *back = NULL;
    ck_assert_msg(qv_tflite_read(a, na, "mixed.tflite", &back, &err) == QV_OK, "%s", err.msg);
    ck_assert_int_eq(back->n_nodes, m->n_nodes);
    free(a);
    qv_graph_free(back);
    qv_graph_free(m);
    free(nf);
    qv_quant_result_release(&r);
    qv_calib_free(c);
    qv_graph_free(g);
}
END_TEST

/* Sensitivity: every non-folded node ranked, the culprit first; a node that shares its input's
 * parameters (RESHAPE) kept float among int8 neighbours changes nothing. */
START_TEST(sensitivity_ranks_layers)
{
    struct qv_graph *g = digits();
    const char *calib = qvt_source("datasets/digits/calib/inputs.npy");
    struct qv_calib *c = calib_of(g, calib);
    struct qv_quant_opts o = QV_QUANT_OPTS_INIT;
    struct qv_quant_result r;
    struct qv_error err = QV_ERROR_INIT;
    struct qv_data_spec gd = spec_of(qvt_source("datasets/digits/golden/inputs.npy"));
    gd.labels = qvt_source("datasets/digits/golden/labels.csv");
    o.sensitivity = true;
    o.sens_data = &gd;
    o.sens_metric = QV_SENS_ACCURACY;
    ck_assert_msg(qv_quantize(g, c, &o, &r, &err) == QV_OK, "%s", err.msg);
    ck_assert(r.has_sensitivity);
    const struct qv_sensitivity *s = &r.sens;
    ck_assert_int_eq(s->n_layers, g->n_nodes);
    ck_assert_int_eq(s->samples, 360);
    ck_assert_int_eq(s->metric, QV_SENS_ACCURACY);
    ck_assert_msg(s->metric_float > 0.95 && s->metric_int8 > 0.95, "%g %g", s->metric_float,
                  s->metric_int8);
    ck_assert(isfinite(s->sqnr_int8_db) && s->sqnr_int8_db > 30.0);
    bool seen[64] = { false };
    int32_t reshapes = 0;
    for (int32_t i = 0; i < s->n_layers; i++) {
        const struct qv_sens_layer *l = &s->layers[i];
        ck_assert(l->node >= 0 && l->node < g->n_nodes && !seen[l->node]);
        seen[l->node] = true;
        ck_assert(isfinite(l->sqnr_alone_int8_db) && isfinite(l->sqnr_alone_float_db));
        ck_assert(l->metric_alone_int8 > 0.9 && l->metric_alone_float > 0.9);
        if (i > 0)
            ck_assert(s->layers[i - 1].sqnr_alone_int8_db <= l->sqnr_alone_int8_db);
        if (g->nodes[l->node].op == QV_OP_RESHAPE) {
            ck_assert_msg(fabs(l->sqnr_alone_float_db - s->sqnr_int8_db) < 1e-9, "%.9f vs %.9f",
                          l->sqnr_alone_float_db, s->sqnr_int8_db);
            reshapes++;
        }
    }
    ck_assert_int_eq(reshapes, 1);
    ck_assert_int_eq(g->nodes[s->layers[0].node].op, QV_OP_FULLY_CONNECTED);
    qv_quant_result_release(&r);
    /* without labelled data: the calibration samples, SQNR only */
    struct qv_data_spec cd = spec_of(calib);
    o.sens_data = NULL;
    o.data = &cd;
    ck_assert_msg(qv_quantize(g, c, &o, &r, &err) == QV_OK, "%s", err.msg);
    ck_assert(r.has_sensitivity);
    ck_assert_int_eq(r.sens.metric, QV_SENS_NONE);
    ck_assert_int_eq(r.sens.n_layers, g->n_nodes);
    ck_assert_int_gt(r.sens.samples, 0);
    qv_quant_result_release(&r);
    /* no data at all: a usage error, not a crash */
    o.data = NULL;
    ck_assert_int_eq(qv_quantize(g, c, &o, &r, &err), QV_E_USAGE);
    qv_calib_free(c);
    qv_graph_free(g);
}
END_TEST

Suite *quant_suite(void)
{
    Suite *s = suite_create("quant");
    TCase *tc = tcase_create("quant");
    find_parity_cases();
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, rules_cover_every_op);
    tcase_add_test(tc, hist_independent_of_batching);
    tcase_add_test(tc, hist_merge_equals_one_pass);
    tcase_add_test(tc, observers_on_outliers);
    tcase_add_test(tc, act_params_match_converter);
    tcase_add_loop_test(tc, parity_with_converter, 0, n_parity);
    tcase_add_loop_test(tc, end_to_end_with_converter_ranges, 0, n_parity);
    tcase_add_test(tc, stats_identical_for_any_batch_and_threads);
    tcase_add_test(tc, stats_save_load_merge);
    tcase_add_loop_test(tc, stats_hostile, 0,
                        (int)(sizeof(hostile_stats) / sizeof(hostile_stats[0])));
    tcase_add_test(tc, stats_bit_flips);
    tcase_add_test(tc, stats_of_another_model);
    tcase_add_test(tc, calib_bad_data);
    tcase_add_test(tc, hybrid_quantizes_like_its_float_model);
    tcase_add_test(tc, constant_tensor_gets_a_usable_scale);
    tcase_add_test(tc, unsupported_op_is_named);
    tcase_add_test(tc, float_io_and_per_tensor);
    tcase_add_test(tc, bias_correction_changes_biases);
    tcase_add_test(tc, auto_picks_better_ranges_on_outliers);
    tcase_add_test(tc, mixed_graphs);
    tcase_add_test(tc, sensitivity_ranks_layers);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(quant)
