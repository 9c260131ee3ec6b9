/* SPDX-License-Identifier: Apache-2.0 */
/* `qvet calibrate` and `qvet quantize` end to end: outputs, merging, and bad input (exit 2). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support.h"

#define RUN(out, errs, ...) qvt_run_cli((const char *const[]){ __VA_ARGS__, NULL }, out, errs)

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static bool same_file(const char *a, const char *b)
{
    size_t na, nb;
    char *x = qvt_read_file(a, &na), *y = qvt_read_file(b, &nb);
    bool same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

/* Accuracy printed by `qvet eval`: "... accuracy 0.9833 (354/360)". */
static double eval_accuracy(const char *model, const char *data, const char *labels,
                            const char *dir)
{
    char *out = NULL, *pred = qvt_path(dir, "pred.csv");
    ck_assert_int_eq(RUN(&out, NULL, "eval", model, data, "--labels", labels, "-o", pred), 0);
    const char *a = strstr(out, "accuracy ");
    ck_assert_ptr_nonnull(a);
    double acc = atof(a + 9);
    free(out);
    free(pred);
    return acc;
}

START_TEST(calibrate_then_quantize_digits)
{
    char *dir = qvt_tmpdir();
    char *stats = qvt_path(dir, "stats.json"), *model = qvt_path(dir, "int8.tflite");
    char *out = NULL, *errs = NULL;
    ck_assert_int_eq(RUN(&out, &errs, "calibrate", qvt_source("datasets/digits"), "-o", stats),
                     0);
    ck_assert_msg(strstr(out, "200 calibration samples") != NULL, "%s", out);
    free(out);
    free(errs);
    ck_assert_int_eq(RUN(&out, NULL, "quantize", qvt_source("datasets/digits"), "--stats", stats,
                         "-o", model), 0);
    ck_assert_msg(strstr(out, "int8 model:") != NULL, "%s", out);
    free(out);
    double acc = eval_accuracy(model, qvt_source("datasets/digits/golden/inputs.npy"),
                               qvt_source("datasets/digits/golden/labels.csv"), dir);
    ck_assert_msg(acc >= 0.97, "accuracy %.4f", acc);
    /* calibrating inside quantize gives the same model */
    char *model2 = qvt_path(dir, "int8b.tflite");
    ck_assert_int_eq(RUN(NULL, NULL, "quantize", qvt_source("datasets/digits"), "-o", model2,
                         "-q"), 0);
    ck_assert(same_file(model, model2));
    /* JSON decisions */
    ck_assert_int_eq(RUN(&out, NULL, "quantize", qvt_source("datasets/digits"), "-o", model2,
                         "--json", "--method", "percentile"), 0);
    cJSON *j = cJSON_Parse(out);
    ck_assert_ptr_nonnull(j);
    const cJSON *t = cJSON_GetObjectItem(j, "tensors");
    ck_assert(cJSON_IsArray(t) && cJSON_GetArraySize(t) == 9);
    ck_assert_str_eq(cJSON_GetObjectItem(j, "method")->valuestring, "percentile");
    cJSON_Delete(j);
    free(out);
    free(stats);
    free(model);
    free(model2);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* Writes the digits calibration set split in two .npy files. */
static void split_set(const char *dir, char **ret_a, char **ret_b)
{
    int64_t rows, elems;
    float *x = qvt_load_npy(qvt_source("datasets/digits/calib/inputs.npy"), QV_DTYPE_F32, false,
                            &rows, &elems);
    struct qv_error err = QV_ERROR_INIT;
    *ret_a = qvt_path(dir, "a.npy");
    *ret_b = qvt_path(dir, "b.npy");
    ck_assert_int_eq(qv_npy_save(*ret_a, QV_DTYPE_F32, &(struct qv_shape){ 4, { 120, 8, 8, 1 } },
                                 x, &err), QV_OK);
    ck_assert_int_eq(qv_npy_save(*ret_b, QV_DTYPE_F32,
                                 &(struct qv_shape){ 4, { rows - 120, 8, 8, 1 } },
                                 x + 120 * elems, &err), QV_OK);
    free(x);
}

START_TEST(merged_statistics_equal_one_pass)
{
    char *dir = qvt_tmpdir();
    char *a, *b;
    split_set(dir, &a, &b);
    const char *m = qvt_source("datasets/digits/model.tflite");
    char *sa = qvt_path(dir, "a.json"), *sb = qvt_path(dir, "b.json");
    char *sm = qvt_path(dir, "merged.json"), *so = qvt_path(dir, "one.json");
    /* different batch sizes on purpose: the statistics do not depend on them */
    ck_assert_int_eq(RUN(NULL, NULL, "calibrate", m, a, "-o", sa, "-q", "--batch", "7"), 0);
    ck_assert_int_eq(RUN(NULL, NULL, "calibrate", m, b, "-o", sb, "-q", "--batch", "1"), 0);
    ck_assert_int_eq(RUN(NULL, NULL, "calibrate", m,
                         qvt_source("datasets/digits/calib/inputs.npy"), "-o", so, "-q", "-j",
                         "1"), 0);
    char *s1 = qvt_path(dir, "one_b1.json");
    ck_assert_int_eq(RUN(NULL, NULL, "calibrate", m,
                         qvt_source("datasets/digits/calib/inputs.npy"), "-o", s1, "-q",
                         "--batch", "1"), 0);
    ck_assert_msg(same_file(so, s1), "statistics differ between --batch 1 and 64");
    ck_assert_int_eq(RUN(NULL, NULL, "calibrate", m,
                         qvt_source("datasets/digits/calib/inputs.npy"), "-o", s1, "-q",
                         "-j", "2", "--batch", "5"), 0);
    ck_assert_msg(same_file(so, s1), "statistics differ between -j 1 and -j 2");
    free(s1);
    char *out = NULL;
    ck_assert_int_eq(RUN(&out, NULL, "calibrate", "--merge", sa, sb, "-o", sm), 0);
    ck_assert_msg(strstr(out, "200 samples") != NULL, "%s", out);
    free(out);
    static const char *const methods[] = { "minmax", "ema", "percentile", "kl", "mse" };
    for (int i = 0; i < 5; i++) {
        char *qm = qvt_path(dir, "m.tflite"), *qo = qvt_path(dir, "o.tflite");
        ck_assert_int_eq(RUN(NULL, NULL, "quantize", m, "--stats", sm, "-o", qm, "-q",
                             "--method", methods[i]), 0);
        ck_assert_int_eq(RUN(NULL, NULL, "quantize", m, "--stats", so, "-o", qo, "-q",
                             "--method", methods[i]), 0);
        ck_assert_msg(same_file(qm, qo), "%s: merged and one-pass statistics differ", methods[i]);
        free(qm);
        free(qo);
    }
    /* merging statistics of different models fails naming them */
    char *other = qvt_path(dir, "other.json"), *errs = NULL;
    ck_assert_int_eq(RUN(NULL, NULL, "calibrate", qvt_fixture("tflite/tiny/model_f32.tflite"),
                         qvt_fixture("tflite/tiny/input_f32.npy"), "-o", other, "-q"), 0);
    ck_assert_int_eq(RUN(NULL, &errs, "calibrate", "--merge", sa, other, "-o", sm), 2);
    ck_assert_msg(strstr(errs, "different models") && strstr(errs, other), "%s", errs);
    free(errs);
    free(other);
    free(a);
    free(b);
    free(sa);
    free(sb);
    free(sm);
    free(so);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(usage_errors)
{
    char *errs = NULL;
    const char *m = qvt_source("datasets/digits/model.tflite");
    const char *d = qvt_source("datasets/digits/calib/inputs.npy");
    ck_assert_int_eq(RUN(NULL, &errs, "calibrate", m, d), 2);
    ck_assert_msg(strstr(errs, "-o STATS.json is required") != NULL, "%s", errs);
    free(errs);
    ck_assert_int_eq(RUN(NULL, &errs, "quantize", m, d, "-o", "x.tflite", "--method", "best"), 2);
    ck_assert_msg(strstr(errs, "minmax, ema, percentile, kl, mse or auto") != NULL, "%s", errs);
    free(errs);
    ck_assert_int_eq(RUN(NULL, &errs, "quantize", m, "--stats", "s.json", "--method", "auto",
                         "-o", "x.tflite"), 2);
    ck_assert_msg(strstr(errs, "auto needs DATA") != NULL, "%s", errs);
    free(errs);
    ck_assert_int_eq(RUN(NULL, &errs, "quantize", m, d, "-o", "x.tflite", "--io", "int4"), 2);
    free(errs);
    ck_assert_int_eq(RUN(NULL, &errs, "quantize", m, "-o", "x.tflite"), 2);
    ck_assert_msg(strstr(errs, "DATA or --stats") != NULL, "%s", errs);
    free(errs);
    ck_assert_int_eq(RUN(NULL, &errs, "quantize", m, d, "-o", "x.onnx"), 2);
    free(errs);
    ck_assert_int_eq(RUN(NULL, &errs, "calibrate", "--merge", "-o", "x.json"), 2);
    free(errs);
    ck_assert_int_eq(RUN(NULL, &errs, "quantize", m, d, "-o", "x.tflite", "--percentile", "20"),
                     2);
    free(errs);
}
END_TEST

/* A float model whose first op is a QUANTIZE (a fake-quantized graph). */
static char *quantize_op_model(const char *dir)
{
    char *p = qvt_path(dir, "fq.json");
    const char *json =
        "{\"format\": \"qvet-model\", \"version\": 1, \"name\": \"fq\", \"weights\": \"fq.bin\","
        " \"tensors\": ["
        "  {\"name\": \"x\", \"dtype\": \"float32\", \"shape\": [1, 4]},"
        "  {\"name\": \"q\", \"dtype\": \"int8\", \"shape\": [1, 4],"
        "   \"quant\": {\"scale\": [0.1], \"zero_point\": [0]}},"
        "  {\"name\": \"y\", \"dtype\": \"float32\", \"shape\": [1, 4]}],"
        " \"nodes\": ["
        "  {\"op\": \"QUANTIZE\", \"name\": \"fake_quant\", \"inputs\": [0], \"outputs\": [1]},"
        "  {\"op\": \"DEQUANTIZE\", \"name\": \"deq\", \"inputs\": [1], \"outputs\": [2]}],"
        " \"inputs\": [0], \"outputs\": [2]}\n";
    qvt_write_file(p, json, strlen(json));
    char *w = qvt_path(dir, "fq.bin");
    qvt_write_file(w, "", 0);
    free(w);
    return p;
}

START_TEST(bad_input_exit_2)
{
    char *dir = qvt_tmpdir();
    const char *m = qvt_source("datasets/digits/model.tflite");
    char *out_model = qvt_path(dir, "out.tflite"), *errs = NULL;
    struct qv_error err = QV_ERROR_INIT;
    /* data of the wrong shape */
    char *wrong = qvt_path(dir, "wrong.npy");
    float z[40] = { 0 };
    ck_assert_int_eq(qv_npy_save(wrong, QV_DTYPE_F32, &(struct qv_shape){ 2, { 4, 10 } }, z,
                                 &err), QV_OK);
    ck_assert_int_eq(RUN(NULL, &errs, "quantize", m, wrong, "-o", out_model), 2);
    ck_assert_msg(strstr(errs, wrong) && strstr(errs, "do not fit"), "%s", errs);
    free(errs);
    /* an empty set */
    char *empty = qvt_path(dir, "empty.npy");
    ck_assert_int_eq(qv_npy_save(empty, QV_DTYPE_F32, &(struct qv_shape){ 4, { 0, 8, 8, 1 } },
                                 z, &err), QV_OK);
    ck_assert_int_eq(RUN(NULL, &errs, "calibrate", m, empty, "-o", "s.json"), 2);
    ck_assert_msg(strstr(errs, empty) && strstr(errs, "no samples"), "%s", errs);
    free(errs);
    /* NaN in a sample */
    char *nan = qvt_path(dir, "nan.npy");
    float y[2 * 64];
    for (int i = 0; i < 128; i++)
        y[i] = 0.25f;
    y[64 + 5] = INFINITY;
    ck_assert_int_eq(qv_npy_save(nan, QV_DTYPE_F32, &(struct qv_shape){ 4, { 2, 8, 8, 1 } }, y,
                                 &err), QV_OK);
    ck_assert_int_eq(RUN(NULL, &errs, "quantize", m, nan, "-o", out_model), 2);
    ck_assert_msg(strstr(errs, nan) && strstr(errs, "sample 1"), "%s", errs);
    free(errs);
    /* a corrupted statistics file names the file and the position */
    char *bad = qvt_path(dir, "bad.json");
    qvt_write_file(bad, "{\"format\": \"qvet-calibration\", \"version\": 1,\n \"samples\": [", 59);
    ck_assert_int_eq(RUN(NULL, &errs, "quantize", m, "--stats", bad, "-o", out_model), 2);
    ck_assert_msg(strstr(errs, bad) && strstr(errs, ":2:"), "%s", errs);
    free(errs);
    /* statistics of another model name the tensor */
    char *other = qvt_path(dir, "other.json");
    ck_assert_int_eq(RUN(NULL, NULL, "calibrate", qvt_fixture("tflite/tiny/model_f32.tflite"),
                         qvt_fixture("tflite/tiny/input_f32.npy"), "-o", other, "-q"), 0);
    ck_assert_int_eq(RUN(NULL, &errs, "quantize", m, "--stats", other, "-o", out_model), 2);
    ck_assert_msg(strstr(errs, other) && strstr(errs, "another model"), "%s", errs);
    free(errs);
    /* an op qvet cannot quantize */
    char *fq = quantize_op_model(dir);
    char *fqd = qvt_path(dir, "fq.npy");
    float v[8] = { 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f };
    ck_assert_int_eq(qv_npy_save(fqd, QV_DTYPE_F32, &(struct qv_shape){ 2, { 2, 4 } }, v, &err),
                     QV_OK);
    ck_assert_int_eq(RUN(NULL, &errs, "quantize", fq, fqd, "-o", out_model), 2);
    ck_assert_msg(strstr(errs, "cannot quantize QUANTIZE") && strstr(errs, "fake_quant"), "%s",
                  errs);
    free(errs);
    /* nothing was written by the failed runs */
    ck_assert(!exists(out_model));
    free(fq);
    free(fqd);
    free(other);
    free(bad);
    free(nan);
    free(empty);
    free(wrong);
    free(out_model);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(float_io_model_runs_on_float_data)
{
    char *dir = qvt_tmpdir();
    char *model = qvt_path(dir, "fio.tflite");
    ck_assert_int_eq(RUN(NULL, NULL, "quantize", qvt_source("datasets/digits"), "-o", model,
                         "--io", "float", "-q"), 0);
    double acc = eval_accuracy(model, qvt_source("datasets/digits/golden/inputs.npy"),
                               qvt_source("datasets/digits/golden/labels.csv"), dir);
    ck_assert_msg(acc >= 0.97, "accuracy %.4f", acc);
    char *out = NULL;
    ck_assert_int_eq(RUN(&out, NULL, "inspect", model), 0);
    ck_assert_msg(strstr(out, "QUANTIZE") && strstr(out, "DEQUANTIZE"), "%s", out);
    free(out);
    /* a mixed model: every node float but the second conv (node 3) */
    ck_assert_int_eq(RUN(&out, NULL, "quantize", qvt_source("datasets/digits"), "-o", model,
                         "--keep-float", "0,1,2,4,5,6,7"), 0);
    ck_assert_msg(strstr(out, "mixed model") != NULL, "%s", out);
    free(out);
    ck_assert_int_eq(RUN(&out, NULL, "inspect", model), 0);
    ck_assert_msg(strstr(out, "int8                0          0") != NULL, "%s", out);
    free(out);
    char *errs = NULL;
    ck_assert_int_eq(RUN(NULL, &errs, "quantize", qvt_source("datasets/digits"), "-o", model,
                         "--keep-float", "nosuchnode"), 2);
    ck_assert_msg(strstr(errs, "no node 'nosuchnode'") != NULL, "%s", errs);
    free(errs);
    free(model);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(calibration_set_warnings)
{
    char *dir = qvt_tmpdir();
    int64_t rows, elems;
    float *x = qvt_load_npy(qvt_source("datasets/digits/calib/inputs.npy"), QV_DTYPE_F32, false,
                            &rows, &elems);
    for (int64_t i = 0; i < 40 * elems; i++)
        x[i] = x[i] * 0.3f + 0.6f;          /* brighter and flatter than the golden images */
    struct qv_error err = QV_ERROR_INIT;
    char *data = qvt_path(dir, "odd.npy"), *stats = qvt_path(dir, "s.json"), *errs = NULL;
    ck_assert_int_eq(qv_npy_save(data, QV_DTYPE_F32, &(struct qv_shape){ 4, { 40, 8, 8, 1 } }, x,
                                 &err), QV_OK);
    ck_assert_int_eq(RUN(NULL, &errs, "calibrate", qvt_source("datasets/digits/model.tflite"),
                         data, "-o", stats, "-q", "--golden",
                         qvt_source("datasets/digits/golden/inputs.npy")), 0);
    ck_assert_msg(strstr(errs, "40 samples (fewer than 100)") != NULL, "%s", errs);
    ck_assert_msg(strstr(errs, "far from the golden set") != NULL, "%s", errs);
    free(errs);
    /* the warnings are in the statistics file too */
    char *text = qvt_read_file(stats, NULL);
    ck_assert_ptr_nonnull(strstr(text, "far from the golden set"));
    free(text);
    /* and quantize reports them */
    char *model = qvt_path(dir, "q.tflite");
    ck_assert_int_eq(RUN(NULL, &errs, "quantize", qvt_source("datasets/digits/model.tflite"),
                         "--stats", stats, "-o", model, "-q"), 0);
    ck_assert_msg(strstr(errs, "far from the golden set") != NULL, "%s", errs);
    free(errs);
    /* a constant calibration set (all zeros): said, not passed off by its SQNR */
    for (int64_t i = 0; i < 40 * elems; i++)
        x[i] = 0.0f;
    ck_assert_int_eq(qv_npy_save(data, QV_DTYPE_F32, &(struct qv_shape){ 4, { 40, 8, 8, 1 } }, x,
                                 &err), QV_OK);
    ck_assert_int_eq(RUN(NULL, &errs, "quantize", qvt_source("datasets/digits/model.tflite"),
                         data, "-o", model, "-q"), 0);
    ck_assert_msg(strstr(errs, "every calibration value is 0: a constant calibration set") !=
                  NULL, "%s", errs);
    free(errs);
    free(x);
    free(model);
    free(data);
    free(stats);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* --sensitivity: the ranked table and the culprit, JSON, and its usage errors. */
START_TEST(sensitivity_names_the_culprit)
{
    char *dir = qvt_tmpdir();
    char *model = qvt_path(dir, "s.tflite"), *out = NULL, *errs = NULL;
    const char *m = qvt_source("datasets/digits/model.tflite");
    const char *d = qvt_source("datasets/digits/calib/inputs.npy");
    const char *gd = qvt_source("datasets/digits/golden/inputs.npy");
    const char *gl = qvt_source("datasets/digits/golden/labels.csv");
    /* a model directory: its golden set and task */
    ck_assert_int_eq(RUN(&out, NULL, "quantize", qvt_source("datasets/digits"), "-o", model,
                         "--sensitivity"), 0);
    ck_assert_msg(strstr(out, "sensitivity on 360 samples") && strstr(out, "accuracy 0.9833")
                  && strstr(out, "culprit: node 6 (FULLY_CONNECTED"), "%s", out);
    free(out);
    /* JSON: every node, culprit first, with the metric */
    ck_assert_int_eq(RUN(&out, NULL, "quantize", m, d, "-o", model, "--json",
                         "--sensitivity-data", gd, "--labels", gl, "--task", "classification"),
                     0);
    cJSON *j = cJSON_Parse(out);
    ck_assert_ptr_nonnull(j);
    const cJSON *s = cJSON_GetObjectItem(j, "sensitivity");
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(cJSON_GetObjectItem(s, "metric")->valuestring, "accuracy");
    ck_assert_int_eq(cJSON_GetObjectItem(s, "samples")->valueint, 360);
    const cJSON *layers = cJSON_GetObjectItem(s, "layers");
    ck_assert_int_eq(cJSON_GetArraySize(layers), 8);
    const cJSON *first = cJSON_GetArrayItem(layers, 0);
    ck_assert_int_eq(cJSON_GetObjectItem(first, "node")->valueint, 6);
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(first, "metric_alone_float"));
    cJSON_Delete(j);
    free(out);
    /* DATA without labels: the calibration samples, SQNR only */
    ck_assert_int_eq(RUN(&out, NULL, "quantize", m, d, "-o", model, "--sensitivity"), 0);
    ck_assert_msg(strstr(out, "culprit: node") && !strstr(out, "accuracy"), "%s", out);
    free(out);
    /* usage errors */
    ck_assert_int_eq(RUN(NULL, &errs, "quantize", m, d, "-o", model, "--sensitivity-data", gd,
                         "--labels", gl), 2);
    ck_assert_msg(strstr(errs, "together") != NULL, "%s", errs);
    free(errs);
    ck_assert_int_eq(RUN(NULL, &errs, "quantize", m, d, "-o", model, "--labels", gl), 2);
    ck_assert_msg(strstr(errs, "go with --sensitivity") != NULL, "%s", errs);
    free(errs);
    ck_assert_int_eq(RUN(NULL, &errs, "quantize", m, d, "-o", model, "--sensitivity-data", gd,
                         "--labels", gl, "--task", "ranking"), 2);
    ck_assert_msg(strstr(errs, "'ranking'") != NULL, "%s", errs);
    free(errs);
    /* labels that do not fit the samples name the file */
    char *shortl = qvt_path(dir, "short.csv");
    qvt_write_file(shortl, "0\n1\n2\n", 6);
    ck_assert_int_eq(RUN(NULL, &errs, "quantize", m, d, "-o", model, "--sensitivity-data", gd,
                         "--labels", shortl, "--task", "classification"), 2);
    ck_assert_msg(strstr(errs, shortl) != NULL, "%s", errs);
    free(errs);
    free(shortl);
    free(model);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *cli_quant_suite(void)
{
    Suite *s = suite_create("cli_quant");
    TCase *tc = tcase_create("cli_quant");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, calibrate_then_quantize_digits);
    tcase_add_test(tc, merged_statistics_equal_one_pass);
    tcase_add_test(tc, usage_errors);
    tcase_add_test(tc, bad_input_exit_2);
    tcase_add_test(tc, float_io_model_runs_on_float_data);
    tcase_add_test(tc, calibration_set_warnings);
    tcase_add_test(tc, sensitivity_names_the_culprit);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(cli_quant)
