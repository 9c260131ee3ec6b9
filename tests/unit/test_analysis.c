/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Analysis and the report writers, checked by content: eval's predictions and accuracy, the
 * per-layer comparison's counts, SQNR, and what qvet run writes into summary.json, summary.md,
 * metrics.csv, predictions.csv and junit.xml.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qvet/report.h"
#include "report/report.h"
#include "support.h"

#define CK(call) ck_assert_msg((call) == QV_OK, "%s", err.msg)

/*
 * y = softmax(W x + b), x [1,4], W [3,4] picking x[0..2], b = {0, 0.5, -0.5}: the prediction is
 * argmax(x[0..2] + b). bias_shift is added to b[1] (a second model that differs in one unit).
 */
/* x [1, 4] -> FC -> (with hard_swish: HARD_SWISH ->) SOFTMAX -> probs [1, 3] */
static struct qv_graph *tiny_hs(float bias_shift, bool hard_swish)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    int32_t x, w, b, h, y, hs = -1;
    static const float W[12] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0 };
    float B[3] = { 0.0f, 0.5f + bias_shift, -0.5f };
    CK(qv_graph_create(&g, &err));
    CK(qv_graph_add_tensor(g, "x", QV_DTYPE_F32, &(struct qv_shape){ 2, { 1, 4 } }, &x, &err));
    CK(qv_graph_add_tensor(g, "w", QV_DTYPE_F32, &(struct qv_shape){ 2, { 3, 4 } }, &w, &err));
    CK(qv_graph_add_tensor(g, "b", QV_DTYPE_F32, &(struct qv_shape){ 1, { 3 } }, &b, &err));
    CK(qv_graph_add_tensor(g, "logits", QV_DTYPE_F32, &(struct qv_shape){ 2, { 1, 3 } }, &h,
                           &err));
    CK(qv_graph_add_tensor(g, "probs", QV_DTYPE_F32, &(struct qv_shape){ 2, { 1, 3 } }, &y,
                           &err));
    CK(qv_graph_set_data(g, w, W, sizeof(W), &err));
    CK(qv_graph_set_data(g, b, B, sizeof(B), &err));
    CK(qv_graph_add_node(g, QV_OP_FULLY_CONNECTED, "fc", 3, (int32_t[]){ x, w, b }, 1, &h, NULL,
                         NULL, &err));
    if (hard_swish) {
        CK(qv_graph_add_tensor(g, "hs", QV_DTYPE_F32, &(struct qv_shape){ 2, { 1, 3 } }, &hs,
                               &err));
        CK(qv_graph_add_node(g, QV_OP_HARD_SWISH, "hard_swish", 1, &h, 1, &hs, NULL, NULL,
                             &err));
        h = hs;
    }
    CK(qv_graph_add_node(g, QV_OP_SOFTMAX, "softmax", 1, &h, 1, &y, NULL, NULL, &err));
    CK(qv_graph_set_io(g, 1, &x, 1, &y, &err));
    CK(qv_graph_finalize(g, &err));
    return g;
}

static struct qv_graph *tiny(float bias_shift)
{
    return tiny_hs(bias_shift, false);
}

static const float X[6][4] = {
    { 3, 1, 1, 9 }, { 0, 2, 1, 9 }, { 0, 0, 2, 9 }, { 1, 1.2f, 0, 0 }, { 0, 0, 1.4f, 0 },
    { 5, 5, 5, 5 },
};
static const int LABELS[6] = { 0, 1, 2, 1, 0, 1 };   /* sample 4 predicts 2: 5 of 6 correct */

static void write_data(const char *dir)
{
    struct qv_error err = QV_ERROR_INIT;
    char *p = qvt_path(dir, "x.npy"), *l = qvt_path(dir, "labels.csv");
    CK(qv_npy_save(p, QV_DTYPE_F32, &(struct qv_shape){ 2, { 6, 4 } }, X, &err));
    qvt_write_file(l, "label\n0\n1\n2\n1\n0\n1\n", 18);
    free(p);
    free(l);
}

START_TEST(eval_predictions_and_accuracy)
{
    struct qv_error err = QV_ERROR_INIT;
    char *dir = qvt_tmpdir();
    write_data(dir);
    struct qv_graph *g = tiny(0);
    char *x = qvt_path(dir, "x.npy"), *l = qvt_path(dir, "labels.csv");
    char *pred = qvt_path(dir, "pred.csv");
    struct qv_eval_opts o = QV_EVAL_OPTS_INIT;
    o.run.data.n_files = 1;
    o.run.data.files[0] = x;
    o.run.data.labels = l;
    o.run.n_threads = 2;
    o.run.batch = 4;
    struct qv_eval_result r;
    CK(qv_eval_run(g, &o, &r, &err));
    ck_assert_int_eq(r.n, 6);
    ck_assert_int_eq(r.correct, 5);
    ck_assert_double_eq(r.accuracy, 5.0 / 6.0);
    static const int want_pred[6] = { 0, 1, 2, 1, 2, 1 };
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(r.pred[i], want_pred[i]);
        ck_assert(r.label[i] == LABELS[i]);
        /* score: the softmax probability of the predicted class */
        double z[3], mx = -INFINITY, sum = 0;
        for (int u = 0; u < 3; u++) {
            z[u] = X[i][u] + (u == 1 ? 0.5 : (u == 2 ? -0.5 : 0.0));
            mx = fmax(mx, z[u]);
        }
        for (int u = 0; u < 3; u++)
            sum += exp(z[u] - mx);
        ck_assert_double_eq_tol(r.score[i], exp(z[want_pred[i]] - mx) / sum, 1e-6);
    }
    CK(qv_eval_save_predictions(&r, pred, &err));
    char *csv = qvt_read_file(pred, NULL);
    char want[512];
    size_t k = (size_t)snprintf(want, sizeof(want), "sample,pred,score,label,correct\n");
    for (int i = 0; i < 6; i++)
        k += (size_t)snprintf(want + k, sizeof(want) - k, "%d,%d,%.9g,%d,%d\n", i, want_pred[i],
                              (double)r.score[i], LABELS[i], want_pred[i] == LABELS[i]);
    ck_assert_str_eq(csv, want);
    free(csv);
    /* a label that is not a class of this 3-class model: the file and line */
    qvt_write_file(l, "label\n0\n1\n2\n3\n0\n1\n", 18);
    ck_assert_int_eq(qv_eval_run(g, &o, &r, &err), QV_E_INPUT);
    ck_assert_str_eq(err.path, l);
    ck_assert_int_eq(err.line, 5);
    qv_eval_result_release(&r);
    qv_graph_free(g);
    free(x);
    free(l);
    free(pred);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(sqnr)
{
    const float a[4] = { 1, 2, 3, 4 }, b[4] = { 1, 2, 3, 5 }, z[4] = { 0, 0, 0, 0 };
    ck_assert(isinf(qv_sqnr_db(a, a, 4)) && qv_sqnr_db(a, a, 4) > 0);
    ck_assert_double_eq_tol(qv_sqnr_db(a, b, 4), 10.0 * log10(30.0 / 1.0), 1e-12);
    ck_assert(isinf(qv_sqnr_db(z, a, 4)) && qv_sqnr_db(z, a, 4) < 0);
}
END_TEST

/* Two models that differ in one bias: per layer, exactly the affected values differ. */
START_TEST(compare_counts)
{
    struct qv_error err = QV_ERROR_INIT;
    char *dir = qvt_tmpdir();
    write_data(dir);
    struct qv_graph *ga = tiny(0), *gb = tiny(0.25f);
    char *x = qvt_path(dir, "x.npy");
    struct qv_compare_opts o = QV_COMPARE_OPTS_INIT;
    o.run.data.n_files = 1;
    o.run.data.files[0] = x;
    o.run.n_threads = 2;
    struct qv_layer_diff *d = NULL;
    int32_t n = 0;
    int64_t samples = 0;
    CK(qv_compare_run(ga, gb, &o, &d, &n, &samples, NULL, &err));
    ck_assert_int_eq(samples, 6);
    ck_assert_int_eq(n, 2);
    /* logits: unit 1 of every sample is 0.25 higher, the rest identical */
    ck_assert_str_eq(gb->tensors[d[0].tensor].name, "logits");
    ck_assert_int_eq(d[0].elems, 18);
    ck_assert_int_eq(d[0].same, 12);
    ck_assert_int_eq(d[0].off_by_one, 0);
    ck_assert_int_eq(d[0].more, 6);
    ck_assert_double_eq_tol(d[0].max_abs, 0.25, 1e-6);
    double sig = 0, noise = 6 * 0.0625;
    for (int i = 0; i < 6; i++)
        for (int u = 0; u < 3; u++) {
            double z = X[i][u] + (u == 1 ? 0.5 : (u == 2 ? -0.5 : 0.0));
            sig += z * z;
        }
    ck_assert_double_eq_tol(d[0].sqnr_db, 10.0 * log10(sig / noise), 1e-4);
    /* probabilities: all change */
    ck_assert_str_eq(gb->tensors[d[1].tensor].name, "probs");
    ck_assert_int_eq(d[1].same + d[1].more, 18);
    ck_assert_int_gt(d[1].more, 12);
    free(d);
    /* one model against itself (a rounding flavour of a float model changes nothing) */
    CK(qv_compare_run(ga, ga, &o, &d, &n, &samples, NULL, &err));
    for (int32_t i = 0; i < n; i++) {
        ck_assert_int_eq(d[i].same, d[i].elems);
        ck_assert(isinf(d[i].sqnr_db));
    }
    free(d);
    qv_graph_free(ga);
    qv_graph_free(gb);
    free(x);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- report writers ------------------------------------------------------------------------ */

/* A result with both models, labels and one gate of each state: 4 samples, 3 classes, the int8
 * model flips sample 2. */
static void filled_result(struct qv_job_result *r)
{
    static const int32_t fp[4] = { 0, 1, 2, 1 }, qp[4] = { 0, 1, 1, 1 };
    static const float fs[4] = { 0.5f, 0.75f, 0.625f, 1.0f }, qs[4] = { 0.5f, 0.75f, 0.5f, 1.0f };
    static const double lab[4] = { 0, 1, 2, 0 };
    float fo[12], qo[12];
    for (int i = 0; i < 4; i++)
        for (int c = 0; c < 3; c++) {
            fo[i * 3 + c] = c == fp[i] ? fs[i] : 0.0f;
            qo[i * 3 + c] = c == qp[i] ? qs[i] : 0.0f;
        }
    struct qv_error err = QV_ERROR_INIT;
    memset(r, 0, sizeof(*r));
    r->spec = (struct qv_task_spec){ .task = QV_TASK_CLASSIFICATION, .n_outputs = 1,
                                     .out_elems = { 3 }, .n_classes = 3, .label_elems = 1,
                                     .max_flips = 100, .auc_max_bins = 1024 };
    CK(qv_metrics_create(&r->spec, &r->metrics, &err));
    const float *fouts[1] = { fo }, *qouts[1] = { qo };
    struct qv_metrics_rows rows = { .first = 0, .n = 4, .labels = lab, .out = { fouts, qouts } };
    CK(qv_metrics_add(r->metrics, &rows, &err));
    qv_metrics_summarize(r->metrics, &r->summary);
    snprintf(r->manifest.name, sizeof(r->manifest.name), "unit \"q\" <run>");
    r->manifest.task = QV_TASK_CLASSIFICATION;
    r->manifest.golden.n_files = 1;
    snprintf(r->manifest.golden.files[0], QV_PATH_MAX, "d/golden/x.npy");
    snprintf(r->data_sha256[0], 65, "%064d", 7);
    r->rounding = QV_ROUNDING_DOUBLE;
    r->models[0] = (struct qv_job_model){ .present = true, .label = "float32",
                                          .path = "d/model.tflite", .file_bytes = 5000,
                                          .macs = 1000, .params = 1000, .weight_bytes = 4000 };
    r->models[1] = (struct qv_job_model){ .present = true, .label = "int8",
                                          .path = "d/model_int8.tflite", .file_bytes = 2000,
                                          .macs = 1000, .params = 1000, .weight_bytes = 1000 };
    r->samples = 4;
    r->dataset_samples = 4;
    r->has_labels = true;
    r->passed = false;
    r->n_gates = 3;
    r->gates[0] = (struct qv_gate_result){ .name = "max_accuracy_drop", .state = QV_GATE_FAIL,
                                           .origin = QV_GATE_FROM_MANIFEST, .value = 0.25,
                                           .threshold = 0.02, .detail = "drop 0.25 & more" };
    r->gates[1] = (struct qv_gate_result){ .name = "min_agreement", .state = QV_GATE_PASS,
                                           .origin = QV_GATE_FROM_CLI, .value = 0.75,
                                           .threshold = 0.5, .detail = "ok" };
    r->gates[2] = (struct qv_gate_result){ .name = "sram_headroom", .state = QV_GATE_SKIPPED,
                                           .origin = QV_GATE_FROM_DEFAULT, .value = NAN,
                                           .threshold = 0.2, .detail = "not <computed>" };
}

static char *report_file(const char *dir, const char *name)
{
    char *p = qvt_path(dir, name);
    char *text = qvt_read_file(p, NULL);
    ck_assert_msg(text != NULL, "%s was not written", p);
    free(p);
    return text;
}

static void has_line(const char *text, const char *line)
{
    ck_assert_msg(strstr(text, line) != NULL, "missing '%s' in:\n%s", line, text);
}

START_TEST(report_contents)
{
    struct qv_error err = QV_ERROR_INIT;
    static struct qv_job_result r;
    filled_result(&r);
    char *dir = qvt_tmpdir();
    CK(qv_report_write_all(&r, dir, &err));
    char *metrics = report_file(dir, "metrics.csv");
    ck_assert_msg(strncmp(metrics, "metric,model,value\nsamples,all,4\n"
                                   "macs,float,1000\nparams,float,1000\nweight_bytes,float,4000\n"
                                   "file_bytes,float,5000\nmacs,int8,1000\n", 128) == 0, "%s",
                  metrics);
    has_line(metrics, "\ntop1,float,0.75\ntop1,int8,0.5\n");
    has_line(metrics, "\nnonfinite_samples,float,0\nnonfinite_samples,int8,0\n");
    has_line(metrics, "\nagreement,int8_vs_float,0.75\nflips,int8_vs_float,1\n");
    char want[256];
    snprintf(want, sizeof(want), "\noutput_sqnr_db,int8_vs_float,%.9g\n",
             r.summary.output.sqnr_db);
    has_line(metrics, want);
    free(metrics);
    char *md = report_file(dir, "summary.md");
    ck_assert_msg(strncmp(md, "## qvet: unit \"q\" <run> — ❌ a gate failed\n\n", 45) == 0, "%s",
                  md);
    has_line(md, "classification, 4 samples with labels; int8 emulated bit-exactly (double "
                 "rounding).\n");
    has_line(md, "| top-1 accuracy | 0.7500 | 0.5000 |\n");
    has_line(md, "| top-1 agreement | | 0.7500 |\n");
    has_line(md, "| flipped samples | | 1 |\n");
    snprintf(want, sizeof(want), "| output SQNR (dB) | | %.2f |\n", r.summary.output.sqnr_db);
    has_line(md, want);
    has_line(md, "| max_accuracy_drop | fail | qvet.json | drop 0.25 & more |\n");
    has_line(md, "| min_agreement | pass | command line | ok |\n");
    has_line(md, "| sram_headroom | skipped | default | not <computed> |\n");
    has_line(md, "1 of 3 gates failed.\n");
    free(md);
    char *junit = report_file(dir, "junit.xml");
    has_line(junit, "<testsuite name=\"qvet.unit &quot;q&quot; &lt;run&gt;\" tests=\"3\" "
                    "failures=\"1\" errors=\"0\" skipped=\"1\">");
    has_line(junit, "name=\"max_accuracy_drop\"><failure message=\"drop 0.25 &amp; more\"/>"
                    "</testcase>");
    has_line(junit, "name=\"min_agreement\"></testcase>");
    has_line(junit, "name=\"sram_headroom\"><skipped message=\"not &lt;computed&gt;\"/>"
                    "</testcase>");
    free(junit);
    char *json = report_file(dir, "summary.json");
    cJSON *j = cJSON_Parse(json);
    ck_assert_msg(j != NULL, "summary.json is not JSON: %s", json);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "schema")->valueint, 1);
    ck_assert_str_eq(cJSON_GetObjectItem(j, "name")->valuestring, "unit \"q\" <run>");
    ck_assert_str_eq(cJSON_GetObjectItem(j, "task")->valuestring, "classification");
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "passed")));
    ck_assert_int_eq(cJSON_GetObjectItem(j, "samples")->valueint, 4);
    const cJSON *met = cJSON_GetObjectItem(j, "metrics");
    ck_assert_double_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(met, "top1"), "int8")
                            ->valuedouble, 0.5);
    ck_assert_double_eq(cJSON_GetObjectItem(met, "agreement")->valuedouble, 0.75);
    const cJSON *models = cJSON_GetObjectItem(j, "models");
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(models, "int8"), "path")
                         ->valuestring, "d/model_int8.tflite");
    const cJSON *in0 = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"),
                                                              "inputs"), 0);
    ck_assert_str_eq(cJSON_GetObjectItem(in0, "sha256")->valuestring,
                     "0000000000000000000000000000000000000000000000000000000000000007");
    const cJSON *gates = cJSON_GetObjectItem(j, "gates");
    ck_assert_int_eq(cJSON_GetArraySize(gates), 3);
    const cJSON *g2 = cJSON_GetArrayItem(gates, 2);
    ck_assert_str_eq(cJSON_GetObjectItem(g2, "state")->valuestring, "skipped");
    ck_assert_str_eq(cJSON_GetObjectItem(g2, "origin")->valuestring, "default");
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(g2, "value")));
    cJSON_Delete(j);
    free(json);
    qv_job_result_release(&r);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* qvet run on a directory: the reports appear together, with the run's figures. */
/* dir/model.json from g (freed) and dir/qvet.json holding manifest */
static void write_model_dir(const char *dir, struct qv_graph *g, const char *manifest)
{
    struct qv_error err = QV_ERROR_INIT;
    char *model = qvt_path(dir, "model.json"), *path = qvt_path(dir, "qvet.json");
    CK(qv_model_json_save(g, model, &err));
    qv_graph_free(g);
    qvt_write_file(path, manifest, strlen(manifest));
    free(path);
    free(model);
}

START_TEST(job_on_a_directory)
{
    struct qv_error err = QV_ERROR_INIT;
    char *dir = qvt_tmpdir();
    write_data(dir);
    write_model_dir(dir, tiny(0), "{\"name\": \"tiny\", \"golden\": {\"inputs\": \"x.npy\", "
                    "\"labels\": \"labels.csv\"}, \"gates\": {\"min_agreement\": 0.9}}");
    struct qv_job_opts o = QV_JOB_OPTS_INIT;
    struct qv_job_result r;
    CK(qv_job_run(dir, &o, &r, &err));
    /* no int8 model: qvet quantized the float model itself */
    ck_assert(r.models[0].present && r.models[1].present && r.has_labels);
    ck_assert_str_eq(r.models[1].label, "int8 (qvet PTQ)");
    ck_assert_double_eq(r.summary.top1[0], 5.0 / 6.0);
    ck_assert(!r.default_gates);
    /* min_agreement (qvet.json) and the always-on non-finite gate */
    ck_assert_int_eq(r.n_gates, 2);
    ck_assert_str_eq(r.gates[0].name, "min_agreement");
    ck_assert_int_ne(r.gates[0].state, QV_GATE_SKIPPED);
    ck_assert_str_eq(r.gates[1].name, "max_nonfinite_outputs");
    ck_assert_int_eq(r.gates[1].state, QV_GATE_PASS);
    char *out = qvt_path(dir, "qvet-out");
    char *metrics = report_file(out, "metrics.csv");
    has_line(metrics, "metric,model,value\nsamples,all,6\nmacs,float,15\nparams,float,15\n"
                      "weight_bytes,float,60\n");
    has_line(metrics, "\ntop1,float,0.833333333\n");
    free(metrics);
    char *md = report_file(out, "summary.md");
    has_line(md, "## qvet: tiny — ✅ all gates pass\n");
    has_line(md, "| top-1 accuracy | 0.8333 | ");
    has_line(md, "qvet quantized ");
    has_line(md, "| min_agreement | ");
    free(md);
    char *pred = report_file(out, "predictions.csv");
    ck_assert_msg(strncmp(pred, "sample,label,float_pred,float_score,int8_pred,int8_score,agree\n"
                                "0,0,0,", 67) == 0, "%s", pred);
    has_line(pred, "\n4,0,2,");
    free(pred);
    qv_job_result_release(&r);
    /* no gates in qvet.json: the defaults, and the report says so */
    const char *text = "{\"name\": \"tiny\", \"golden\": {\"inputs\": \"x.npy\", \"labels\": "
                       "\"labels.csv\"}}";
    char *manifest = qvt_path(dir, "qvet.json");
    qvt_write_file(manifest, text, strlen(text));
    free(manifest);
    CK(qv_job_run(dir, &o, &r, &err));
    ck_assert(r.default_gates);
    md = report_file(out, "summary.md");
    has_line(md, "Gates: **qvet's defaults** (qvet.json sets none).");
    free(md);
    qv_job_result_release(&r);
    free(out);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/*
 * Non-finite outputs from finite inputs (issue 11: they used to become class 0 and pass): the
 * golden set's sample 5 has x0 = 1e38, finite; the float model's HARD_SWISH computes
 * x * 6 / 6 in TFLite's order, so that logit overflows to Inf and the softmax gives NaN (qvet's
 * PTQ calibrates on the ordinary samples). The run counts that sample, the default
 * max_nonfinite_outputs gate fails with the count, and the reports say so.
 */
START_TEST(nonfinite_outputs_fail_default_gate)
{
    struct qv_error err = QV_ERROR_INIT;
    char *dir = qvt_tmpdir();
    write_data(dir);
    float big[6][4];
    memcpy(big, X, sizeof(big));
    big[5][0] = 1e38f;
    char *bp = qvt_path(dir, "big.npy");
    CK(qv_npy_save(bp, QV_DTYPE_F32, &(struct qv_shape){ 2, { 6, 4 } }, big, &err));
    free(bp);
    write_model_dir(dir, tiny_hs(0, true), "{\"name\": \"overflow\", \"golden\": {\"inputs\": "
                    "\"big.npy\", \"labels\": \"labels.csv\"}, \"calibration\": {\"data\": "
                    "\"x.npy\"}}");
    struct qv_job_opts o = QV_JOB_OPTS_INIT;
    struct qv_job_result r;
    CK(qv_job_run(dir, &o, &r, &err));
    ck_assert(r.default_gates && !r.passed);
    const struct qv_gate_result *nf = NULL;
    for (int32_t i = 0; i < r.n_gates; i++)
        if (strcmp(r.gates[i].name, "max_nonfinite_outputs") == 0)
            nf = &r.gates[i];
    ck_assert_ptr_nonnull(nf);
    ck_assert_msg(nf->state == QV_GATE_FAIL && strstr(nf->detail, "float 1,"), "%s",
                  nf->detail);
    char *out = qvt_path(dir, "qvet-out");
    char *metrics = report_file(out, "metrics.csv");
    has_line(metrics, "\nnonfinite_samples,float,1\n");
    free(metrics);
    char *pred = report_file(out, "predictions.csv");
    ck_assert_msg(!strstr(pred, "-nan"), "%s", pred);
    has_line(pred, "\n5,1,-1,nan,");   /* no class (docs/run.md), never "-nan" */
    free(pred);
    char *junit = report_file(out, "junit.xml");
    has_line(junit, "name=\"max_nonfinite_outputs\"><failure ");
    free(junit);
    qv_job_result_release(&r);
    free(out);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

Suite *analysis_suite(void)
{
    Suite *s = suite_create("analysis");
    TCase *tc = tcase_create("analysis");
    tcase_add_test(tc, eval_predictions_and_accuracy);
    tcase_add_test(tc, sqnr);
    tcase_add_test(tc, compare_counts);
    tcase_add_test(tc, report_contents);
    tcase_add_test(tc, job_on_a_directory);
    tcase_add_test(tc, nonfinite_outputs_fail_default_gate);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(analysis)
