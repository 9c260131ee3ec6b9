/* SPDX-License-Identifier: Apache-2.0 */
/* The qvet binary end to end: exit codes, messages, outputs. Drives $QVET_BIN. */
#include <cjson/cJSON.h>
#include <math.h>
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

/*
 * A tiny float model: y = softmax(W x + b), x [1,4], W [3,4]. Written in the native JSON format
 * with its weights file, plus 6 samples and labels. Row r of W picks input r; so the prediction
 * is argmax(x[0..2] + b).
 */
static const float W[12] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0 };
static const float B[3] = { 0.0f, 0.5f, -0.5f };
static const float X[6][4] = {
    { 3, 1, 1, 9 }, { 0, 2, 1, 9 }, { 0, 0, 2, 9 }, { 1, 1.2f, 0, 0 }, { 0, 0, 1.4f, 0 },
    { 5, 5, 5, 5 },
};
static const int LABELS[6] = { 0, 1, 2, 1, 0, 1 };  /* sample 4 predicts 2: 5 of 6 correct */

static char *make_model_dir(void)
{
    char *dir = qvt_tmpdir();
    char *p = qvt_path(dir, "model.json");
    const char *json =
        "{\"format\": \"qvet-model\", \"version\": 1, \"name\": \"tiny\", \"weights\": "
        "\"model.bin\",\n"
        " \"tensors\": [\n"
        "  {\"name\": \"x\", \"dtype\": \"float32\", \"shape\": [1, 4]},\n"
        "  {\"name\": \"w\", \"dtype\": \"float32\", \"shape\": [3, 4], \"data\": {\"offset\": 0, "
        "\"size\": 48}},\n"
        "  {\"name\": \"b\", \"dtype\": \"float32\", \"shape\": [3], \"data\": {\"offset\": 48, "
        "\"size\": 12}},\n"
        "  {\"name\": \"logits\", \"dtype\": \"float32\", \"shape\": [1, 3]},\n"
        "  {\"name\": \"probs\", \"dtype\": \"float32\", \"shape\": [1, 3]}\n"
        " ],\n"
        " \"nodes\": [\n"
        "  {\"op\": \"FULLY_CONNECTED\", \"name\": \"fc\", \"inputs\": [0, 1, 2], \"outputs\": [3]},\n"
        "  {\"op\": \"SOFTMAX\", \"name\": \"softmax\", \"inputs\": [3], \"outputs\": [4], "
        "\"attrs\": {\"beta\": 1.0}}\n"
        " ],\n"
        " \"inputs\": [0], \"outputs\": [4]}\n";
    qvt_write_file(p, json, strlen(json));
    free(p);
    float wb[15];
    memcpy(wb, W, sizeof(W));
    memcpy(wb + 12, B, sizeof(B));
    p = qvt_path(dir, "model.bin");
    qvt_write_file(p, wb, sizeof(wb));
    free(p);
    p = qvt_path(dir, "inputs.npy");
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_npy_save(p, QV_DTYPE_F32, &(struct qv_shape){ 2, { 6, 4 } }, X, &err),
                     QV_OK);
    free(p);
    char labels[64] = "label\n";
    for (int i = 0; i < 6; i++)
        snprintf(labels + strlen(labels), sizeof(labels) - strlen(labels), "%d\n", LABELS[i]);
    p = qvt_path(dir, "labels.csv");
    qvt_write_file(p, labels, strlen(labels));
    free(p);
    return dir;
}

START_TEST(version_and_help)
{
    char *out = NULL;
    ck_assert_int_eq(RUN(&out, NULL, "--version"), 0);
    ck_assert_msg(strncmp(out, "qvet ", 5) == 0, "version output: %s", out);
    free(out);
    ck_assert_int_eq(RUN(&out, NULL, "--help"), 0);
    ck_assert_ptr_nonnull(strstr(out, "inspect"));
    free(out);
    static const char *const cmds[] = { "run", "inspect", "eval", "compare", "export" };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        char want[64];
        snprintf(want, sizeof(want), "usage: qvet %s", cmds[i]);
        ck_assert_int_eq(RUN(&out, NULL, cmds[i], "--help"), 0);
        ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s --help: %s", cmds[i], out);
        free(out);
    }
}
END_TEST

START_TEST(bad_usage_is_exit_2)
{
    char *errs = NULL;
    ck_assert_int_eq(RUN(NULL, &errs, "frobnicate"), 2);
    ck_assert_ptr_nonnull(strstr(errs, "unknown command 'frobnicate'"));
    free(errs);
    ck_assert_int_eq(RUN(NULL, &errs, "inspect"), 2);
    free(errs);
    ck_assert_int_eq(RUN(NULL, &errs, "inspect", "--bogus", "x"), 2);
    free(errs);
    ck_assert_int_eq(RUN(NULL, &errs, "eval", "--engine", "fp16", "a", "b"), 2);
    ck_assert_ptr_nonnull(strstr(errs, "float or int8"));
    free(errs);
    ck_assert_int_eq(RUN(NULL, &errs, "eval", "--batch", "0", "a", "b"), 2);
    free(errs);
    ck_assert_int_eq(RUN(NULL, &errs, "export", "--format", "onnx", "a"), 2);
    free(errs);
}
END_TEST

START_TEST(missing_files_name_the_path)
{
    char *errs = NULL;
    ck_assert_int_eq(RUN(NULL, &errs, "inspect", "/nonexistent/model.tflite"), 2);
    ck_assert_msg(strstr(errs, "/nonexistent/model.tflite") != NULL, "stderr: %s", errs);
    free(errs);
    char *dir = make_model_dir();
    char *model = qvt_path(dir, "model.json");
    ck_assert_int_eq(RUN(NULL, &errs, "eval", model, "/nonexistent/data.npy"), 2);
    ck_assert_msg(strstr(errs, "/nonexistent/data.npy") != NULL, "stderr: %s", errs);
    free(errs);
    free(model);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(inspect_text_and_json)
{
    char *dir = make_model_dir();
    char *model = qvt_path(dir, "model.json");
    char *out = NULL;
    ck_assert_int_eq(RUN(&out, NULL, "inspect", model), 0);
    ck_assert_ptr_nonnull(strstr(out, "FULLY_CONNECTED"));
    ck_assert_ptr_nonnull(strstr(out, "SOFTMAX"));
    ck_assert_msg(strstr(out, "15 MACs") != NULL, "inspect: %s", out);  /* FC 12 + softmax 3 */
    free(out);
    ck_assert_int_eq(RUN(&out, NULL, "inspect", "--json", model), 0);
    cJSON *j = cJSON_Parse(out);
    ck_assert_msg(j != NULL, "inspect --json is not JSON: %s", out);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "total_macs")->valueint, 15);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "params")->valueint, 15);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "weight_bytes")->valueint, 60);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "nodes")), 2);
    cJSON_Delete(j);
    free(out);
    /* converter names share a long beginning: the table keeps their distinguishing end */
    const char *vww = qvt_source("bench/mlperf_tiny/vww_mobilenet_int8.tflite");
    ck_assert_int_eq(RUN(&out, NULL, "inspect", vww), 0);
    ck_assert_msg(strstr(out, "activation_10_1/Relu ") && strstr(out, "activation_11_1/Relu "),
                  "inspect: %s", out);
    free(out);
    ck_assert_int_eq(RUN(&out, NULL, "budget", "-t", "stm32f4", vww), 0);
    ck_assert_msg(strstr(out, "activation_10_1/Relu ") && strstr(out, "activation_11_1/Relu "),
                  "budget: %s", out);
    free(out);
    free(model);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(eval_float_predictions_and_tensors)
{
    char *dir = make_model_dir();
    char *model = qvt_path(dir, "model.json");
    char *data = qvt_path(dir, "inputs.npy");
    char *labels = qvt_path(dir, "labels.csv");
    char *pred = qvt_path(dir, "pred.csv");
    char *outs = qvt_path(dir, "outputs.npy");
    char *tens = qvt_path(dir, "tensors");
    char *out = NULL, *errs = NULL;
    int rc = RUN(&out, &errs, "eval", "--engine", "float", "--labels", labels, "-o", pred,
                 "--save-outputs", outs, "--save-tensors", tens, "--batch", "4", model, data);
    ck_assert_msg(rc == 0, "eval exit %d: %s", rc, errs);
    ck_assert_msg(strstr(out, "accuracy 0.8333 (5/6)") != NULL, "eval: %s", out);
    char *csv = qvt_read_file(pred, NULL);
    ck_assert_ptr_nonnull(csv);
    ck_assert_msg(strncmp(csv, "sample,pred,score,label,correct\n0,0,", 36) == 0, "csv: %s", csv);
    ck_assert_ptr_nonnull(strstr(csv, "\n4,2,"));
    free(csv);
    /* raw outputs: softmax probabilities, checked against the closed form */
    struct qv_error err = QV_ERROR_INIT;
    struct qv_npy *npy = NULL;
    ck_assert_int_eq(qv_npy_open(outs, &npy, &err), QV_OK);
    ck_assert_int_eq(qv_npy_get_info(npy)->shape.dims[0], 6);
    ck_assert_int_eq(qv_npy_get_info(npy)->row_elems, 3);
    float got[18], want[18];
    int64_t rows = 0;
    ck_assert_int_eq(qv_npy_read_rows(npy, 6, got, false, &rows, &err), QV_OK);
    ck_assert_int_eq(rows, 6);
    qv_npy_close(npy);
    for (int s = 0; s < 6; s++) {
        double z[3], mx = -INFINITY, sum = 0;
        for (int u = 0; u < 3; u++) {
            z[u] = X[s][u] + B[u];
            mx = fmax(mx, z[u]);
        }
        for (int u = 0; u < 3; u++)
            sum += exp(z[u] - mx);
        for (int u = 0; u < 3; u++)
            want[s * 3 + u] = (float)(exp(z[u] - mx) / sum);
    }
    qvt_assert_f32_close("softmax outputs", got, want, 18, 1e-5, 1e-6);
    /* captured tensors: logits (tensor 3) and probs (tensor 4), one file each + index */
    char *t3 = qvt_path(tens, "t3.npy"), *t4 = qvt_path(tens, "t4.npy");
    char *idx = qvt_path(tens, "index.csv");
    ck_assert(exists(t3) && exists(t4) && exists(idx));
    ck_assert_int_eq(qv_npy_open(t3, &npy, &err), QV_OK);
    ck_assert_int_eq(qv_npy_read_rows(npy, 6, got, false, &rows, &err), QV_OK);
    qv_npy_close(npy);
    ck_assert_float_eq_tol(got[3 * 3 + 1], 1.2f + 0.5f, 1e-6);  /* sample 3, unit 1 */
    free(t3);
    free(t4);
    free(idx);
    free(out);
    free(errs);
    free(model);
    free(data);
    free(labels);
    free(pred);
    free(outs);
    free(tens);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* -o /dev/stdout writes into the command's stdout (a pipe or a file here), never replaces the
 * device entry: outputs are atomic by rename only where renaming is what the user means. */
START_TEST(eval_writes_into_dev_stdout)
{
    char *dir = make_model_dir();
    char *model = qvt_path(dir, "model.json");
    char *data = qvt_path(dir, "inputs.npy");
    char *out = NULL, *errs = NULL;
    struct stat before, after;
    ck_assert_int_eq(lstat("/dev/stdout", &before), 0);
    int rc = RUN(&out, &errs, "eval", "--engine", "float", "-o", "/dev/stdout", model, data);
    ck_assert_msg(rc == 0, "eval exit %d: %s", rc, errs);
    ck_assert_msg(strstr(out, "sample,pred,score\n0,0,") != NULL, "stdout: %s", out);
    ck_assert_int_eq(lstat("/dev/stdout", &after), 0);
    ck_assert(before.st_mode == after.st_mode && before.st_ino == after.st_ino);
    free(out);
    free(errs);
    /* a device that refuses the bytes: exit 2 with the system's reason, the device kept */
    if (stat("/dev/full", &before) == 0 && S_ISCHR(before.st_mode)) {
        rc = RUN(&out, &errs, "eval", "--engine", "float", "-o", "/dev/full", model, data);
        ck_assert_msg(rc == 2, "eval -o /dev/full exit %d: %s", rc, errs);
        ck_assert_msg(strstr(errs, "/dev/full") && strstr(errs, "No space left on device"),
                      "stderr: %s", errs);
        ck_assert_int_eq(lstat("/dev/full", &after), 0);
        ck_assert(S_ISCHR(after.st_mode));
        free(out);
        free(errs);
    }
    free(model);
    free(data);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* Hostile inputs through the binary: exit 2, one message naming the file and position. */
START_TEST(hostile_inputs_exit_2)
{
    char *dir = make_model_dir();
    char *model = qvt_path(dir, "model.json");
    char *errs = NULL;
    /* NaN in data */
    float bad[4] = { 1, NAN, 0, 0 };
    char *nan = qvt_path(dir, "nan.npy");
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_npy_save(nan, QV_DTYPE_F32, &(struct qv_shape){ 2, { 1, 4 } }, bad, &err),
                     QV_OK);
    ck_assert_int_eq(RUN(NULL, &errs, "eval", model, nan), 2);
    ck_assert_msg(strstr(errs, "nan.npy") != NULL, "stderr: %s", errs);
    free(errs);
    /* truncated npy */
    size_t size = 0;
    char *raw = qvt_read_file(nan, &size);
    char *trunc = qvt_path(dir, "trunc.npy");
    qvt_write_file(trunc, raw, size - 3);
    free(raw);
    ck_assert_int_eq(RUN(NULL, &errs, "eval", model, trunc), 2);
    ck_assert_msg(strstr(errs, "trunc.npy") != NULL && strstr(errs, "byte") != NULL,
                  "stderr: %s", errs);
    free(errs);
    /* ragged CSV: line 3 has 3 fields */
    char *csv = qvt_path(dir, "ragged.csv");
    const char *text = "1,2,3,4\n5,6,7,8\n1,2,3\n";
    qvt_write_file(csv, text, strlen(text));
    ck_assert_int_eq(RUN(NULL, &errs, "eval", model, csv), 2);
    ck_assert_msg(strstr(errs, "ragged.csv:3") != NULL, "stderr: %s", errs);
    free(errs);
    /* wrong sample size */
    char *wide = qvt_path(dir, "wide.csv");
    text = "1,2,3,4,5\n";
    qvt_write_file(wide, text, strlen(text));
    ck_assert_int_eq(RUN(NULL, &errs, "eval", model, wide), 2);
    ck_assert_msg(strstr(errs, "wide.csv") != NULL, "stderr: %s", errs);
    free(errs);
    /* a model whose node reads a tensor index that does not exist */
    char *dangling = qvt_path(dir, "dangling.json");
    text = "{\"format\": \"qvet-model\", \"version\": 1, \"weights\": \"model.bin\", \"tensors\": "
           "[{\"name\": \"x\", \"dtype\": \"float32\", \"shape\": [1, 4]}, {\"name\": \"y\", "
           "\"dtype\": \"float32\", \"shape\": [1, 4]}], \"nodes\": [{\"op\": \"RELU\", "
           "\"inputs\": [7], \"outputs\": [1]}], \"inputs\": [0], \"outputs\": [1]}";
    qvt_write_file(dangling, text, strlen(text));
    ck_assert_int_eq(RUN(NULL, &errs, "inspect", dangling), 2);
    ck_assert_msg(strstr(errs, "dangling.json") != NULL && strstr(errs, "node") != NULL,
                  "stderr: %s", errs);
    free(errs);
    /* broken JSON syntax names line and column */
    char *broken = qvt_path(dir, "broken.json");
    text = "{\"format\": \"qvet-model\",\n \"version\": 1,,\n}";
    qvt_write_file(broken, text, strlen(text));
    ck_assert_int_eq(RUN(NULL, &errs, "inspect", broken), 2);
    ck_assert_msg(strstr(errs, "broken.json:2:") != NULL, "stderr: %s", errs);
    free(errs);
    free(nan);
    free(trunc);
    free(csv);
    free(wide);
    free(dangling);
    free(broken);
    free(model);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

static char *copy_digits(void)
{
    const char *src = qvt_source("datasets/digits");
    if (!exists(src))
        return NULL;
    char *dir = qvt_tmpdir();
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "cp -r '%s'/. '%s'/", src, dir);
    ck_assert_int_eq(system(cmd), 0);
    return dir;
}

START_TEST(run_shipped_example_passes_and_reports)
{
    char *dir = copy_digits();
    ck_assert_msg(dir != NULL, "datasets/digits is missing");
    char *out = NULL, *errs = NULL;
    int rc = RUN(&out, &errs, "run", dir);
    ck_assert_msg(rc == 0, "run exit %d\n%s\n%s", rc, out, errs);
    static const char *const files[] = { "summary.json", "summary.md", "metrics.csv",
                                         "predictions.csv", "junit.xml", "report.html" };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char rel[64];
        snprintf(rel, sizeof(rel), "qvet-out/%s", files[i]);
        char *p = qvt_path(dir, rel);
        ck_assert_msg(exists(p), "%s was not written", p);
        free(p);
    }
    char *sp = qvt_path(dir, "qvet-out/summary.json");
    char *text = qvt_read_file(sp, NULL);
    cJSON *j = cJSON_Parse(text);
    ck_assert_msg(j != NULL, "summary.json is not JSON: %s", text);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "passed")));
    const cJSON *top1 = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metrics"), "top1");
    ck_assert_ptr_nonnull(top1);
    double acc = cJSON_GetObjectItem(top1, "int8")->valuedouble;
    ck_assert_msg(acc > 0.9, "int8 accuracy %f", acc);
    cJSON_Delete(j);
    free(text);
    free(sp);
    free(out);
    free(errs);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(run_failed_gate_is_exit_1)
{
    char *dir = copy_digits();
    ck_assert_msg(dir != NULL, "datasets/digits is missing");
    char *manifest = qvt_path(dir, "qvet.json");
    const char *text = "{\"model\": \"model.tflite\", \"int8_model\": \"model_int8.tflite\", "
                       "\"gates\": {\"min_output_sqnr_db\": 500, \"min_agreement\": 0.5}}";
    qvt_write_file(manifest, text, strlen(text));
    char *out = NULL, *errs = NULL;
    ck_assert_int_eq(RUN(&out, &errs, "run", dir), 1);
    char *junit = qvt_path(dir, "qvet-out/junit.xml");
    char *xml = qvt_read_file(junit, NULL);
    ck_assert_ptr_nonnull(xml);
    ck_assert_ptr_nonnull(strstr(xml, "name=\"min_output_sqnr_db\"><failure"));
    ck_assert_ptr_nonnull(strstr(xml, "name=\"min_agreement\"></testcase>"));
    free(xml);
    free(junit);
    free(out);
    free(errs);
    /* an unknown key in qvet.json is bad input naming the key */
    text = "{\"model\": \"model.tflite\", \"gatez\": {}}";
    qvt_write_file(manifest, text, strlen(text));
    ck_assert_int_eq(RUN(NULL, &errs, "run", dir), 2);
    ck_assert_msg(strstr(errs, "qvet.json") && strstr(errs, "gatez: unknown key"), "%s", errs);
    free(errs);
    free(manifest);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* The shipped example's int8 model through the emulator equals TFLM's outputs byte for byte. */
START_TEST(eval_int8_matches_tflm_on_shipped_example)
{
    char *dir = qvt_tmpdir();
    char *outs = qvt_path(dir, "out.npy"), *pred = qvt_path(dir, "pred.csv");
    char model[4096], data[4096], want_path[4096];
    snprintf(model, sizeof(model), "%s", qvt_source("datasets/digits/model_int8.tflite"));
    snprintf(data, sizeof(data), "%s", qvt_source("datasets/digits/golden/inputs.npy"));
    snprintf(want_path, sizeof(want_path), "%s",
             qvt_source("datasets/digits/expected/output_int8_tflm.npy"));
    char *errs = NULL;
    int rc = RUN(NULL, &errs, "eval", "--engine", "int8", "-o", pred, "--save-outputs", outs,
                 model, data);
    ck_assert_msg(rc == 0, "eval exit %d: %s", rc, errs);
    free(errs);
    int64_t rows_a, rows_b, elems_a, elems_b;
    int8_t *ga = qvt_load_npy(outs, QV_DTYPE_I8, false, &rows_a, &elems_a);
    int8_t *gb = qvt_load_npy(want_path, QV_DTYPE_I8, false, &rows_b, &elems_b);
    ck_assert(ga && gb && rows_a == rows_b && elems_a == elems_b);
    qvt_assert_bytes_equal("digits int8 outputs vs TFLM", ga, gb, (size_t)(rows_a * elems_a), 1);
    free(ga);
    free(gb);
    free(outs);
    free(pred);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(compare_roundings_and_saved_tensors)
{
    char *dir = qvt_tmpdir();
    char *tens = qvt_path(dir, "tensors"), *pred = qvt_path(dir, "pred.csv");
    char model[4096], data[4096];
    snprintf(model, sizeof(model), "%s", qvt_source("datasets/digits/model_int8.tflite"));
    snprintf(data, sizeof(data), "%s", qvt_source("datasets/digits/golden/inputs.npy"));
    char *out = NULL, *errs = NULL;
    /* double vs single rounding: a per-layer table over all 360 samples */
    int rc = RUN(&out, &errs, "compare", "--json", model, data);
    ck_assert_msg(rc == 0, "compare exit %d: %s", rc, errs);
    cJSON *j = cJSON_Parse(out);
    ck_assert_msg(j != NULL, "compare --json: %s", out);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "samples")->valueint, 360);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "layers")), 8);
    double total = cJSON_GetObjectItem(j, "elements")->valuedouble;
    double parts = cJSON_GetObjectItem(j, "same")->valuedouble +
                   cJSON_GetObjectItem(j, "off_by_one")->valuedouble +
                   cJSON_GetObjectItem(j, "more")->valuedouble;
    ck_assert_double_eq(total, parts);
    cJSON_Delete(j);
    free(out);
    free(errs);
    /* saved tensors of the same engine compare identical, element for element */
    rc = RUN(NULL, &errs, "eval", "--engine", "int8", "-o", pred, "--save-tensors", tens, model,
             data);
    ck_assert_msg(rc == 0, "eval exit %d: %s", rc, errs);
    free(errs);
    rc = RUN(&out, &errs, "compare", "--fail-on-diff", "--against", tens, model, data);
    ck_assert_msg(rc == 0, "compare --against exit %d: %s %s", rc, out, errs);
    ck_assert_msg(strstr(out, "0 off by 1 LSB, 0 by more") != NULL, "%s", out);
    free(out);
    free(errs);
    /* double-rounded tensors against a single-rounding run: the ±1 LSB differences engineers
     * see between builds (counts measured once and frozen: a change means the arithmetic moved) */
    rc = RUN(&out, &errs, "compare", "--fail-on-diff", "--vs-rounding", "single", "--against",
             tens, model, data);
    ck_assert_msg(rc == 1, "compare exit %d: %s", rc, errs);
    ck_assert_msg(strstr(out, "787783 identical, 2773 off by 1 LSB, 4 by more") != NULL, "%s",
                  out);
    free(out);
    free(errs);
    free(tens);
    free(pred);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* tests/fixtures/hostile/cases.txt: every hostile file through the binary. */
START_TEST(hostile_cases)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s", qvt_fixture("hostile/cases.txt"));
    char *text = qvt_read_file(path, NULL);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    int cases = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || !line[0])
            continue;
        char *bar1 = strchr(line, '|'), *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
        ck_assert_msg(bar2 != NULL, "cases.txt: malformed line '%s'", line);
        *bar1 = *bar2 = '\0';
        int want = atoi(line);
        char *expect = bar1 + 1, *args = bar2 + 1;
        while (*expect == ' ')
            expect++;
        for (char *e = expect + strlen(expect); e > expect && e[-1] == ' '; e--)
            e[-1] = '\0';
        const char *argv[16] = { 0 };
        char resolved[16][4096];
        int argc = 0;
        for (char *save = NULL, *tok = strtok_r(args, " ", &save); tok && argc < 15;
             tok = strtok_r(NULL, " ", &save)) {
            if (strchr(tok, '.') && tok[0] != '-') {
                snprintf(resolved[argc], sizeof(resolved[0]), "%s/%s",
                         qvt_fixture("hostile"), tok);
                argv[argc] = resolved[argc];
            } else {
                argv[argc] = tok;
            }
            argc++;
        }
        char *errs = NULL;
        int rc = qvt_run_cli(argv, NULL, &errs);
        ck_assert_msg(rc == want, "case '%s %s': exit %d, expected %d; stderr: %s", argv[0],
                      argv[1], rc, want, errs);
        ck_assert_msg(strstr(errs, expect) != NULL, "case '%s %s': stderr lacks '%s': %s",
                      argv[0], argv[1], expect, errs);
        ck_assert_msg(strncmp(errs, "qvet: error: ", 13) == 0 && strchr(errs, '\n') ==
                      errs + strlen(errs) - 1, "case '%s %s': not one error line: %s", argv[0],
                      argv[1], errs);
        free(errs);
        cases++;
    }
    ck_assert_int_ge(cases, 20);
    free(text);
}
END_TEST

/* export → eval gives the same int8 outputs as the source model, in every form. */
START_TEST(export_round_trips)
{
    char *dir = qvt_tmpdir();
    char model[4096], data[4096];
    snprintf(model, sizeof(model), "%s", qvt_source("datasets/digits/model_int8.tflite"));
    snprintf(data, sizeof(data), "%s", qvt_source("datasets/digits/golden/inputs.npy"));
    char *tfl = qvt_path(dir, "rt.tflite"), *json = qvt_path(dir, "rt.json");
    char *pred = qvt_path(dir, "p.csv");
    char *o_src = qvt_path(dir, "src.npy"), *o_tfl = qvt_path(dir, "tfl.npy");
    char *o_json = qvt_path(dir, "json.npy");
    char *errs = NULL;
    ck_assert_int_eq(RUN(NULL, &errs, "export", "--format", "tflite", "-o", tfl, model), 0);
    free(errs);
    ck_assert_int_eq(RUN(NULL, &errs, "export", "--format", "json", "-o", json, model), 0);
    free(errs);
    ck_assert_int_eq(RUN(NULL, &errs, "export", "--format", "c", "--name", "digits_model", "-o",
                         dir, model), 0);
    free(errs);
    const char *pairs[3][2] = { { model, o_src }, { tfl, o_tfl }, { json, o_json } };
    for (int i = 0; i < 3; i++) {
        int rc = RUN(NULL, &errs, "eval", "--engine", "int8", "-o", pred, "--save-outputs",
                     pairs[i][1], pairs[i][0], data);
        ck_assert_msg(rc == 0, "eval %s: exit %d: %s", pairs[i][0], rc, errs);
        free(errs);
    }
    size_t n0, n1, n2;
    char *a = qvt_read_file(o_src, &n0), *b = qvt_read_file(o_tfl, &n1);
    char *c = qvt_read_file(o_json, &n2);
    ck_assert(a && b && c && n0 == n1 && n0 == n2);
    qvt_assert_bytes_equal("exported .tflite outputs", b, a, n0, 1);
    qvt_assert_bytes_equal("exported .json outputs", c, a, n0, 1);
    free(a);
    free(b);
    free(c);
    char *h = qvt_path(dir, "digits_model.h"), *cc = qvt_path(dir, "digits_model.c");
    char *htext = qvt_read_file(h, NULL), *ctext = qvt_read_file(cc, NULL);
    ck_assert(htext && ctext);
    ck_assert_ptr_nonnull(strstr(htext, "digits_model_len"));
    ck_assert_ptr_nonnull(strstr(ctext, "digits_model[]"));
    free(htext);
    free(ctext);
    free(h);
    free(cc);
    free(tfl);
    free(json);
    free(pred);
    free(o_src);
    free(o_tfl);
    free(o_json);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/*
 * Against tensors saved by the real interpreters (tests/fixtures/tflite, made by reference/):
 * every node output equals TFLM's; TFLite's own reference kernels differ by one LSB in one
 * element of the per-tensor FULLY_CONNECTED output — the ±1 engineers see between Python and
 * the board, located by layer.
 */
START_TEST(compare_against_interpreter_tensors)
{
    char model[4096], data[4096], tflm[4096], litert[4096];
    snprintf(model, sizeof(model), "%s", qvt_fixture("tflite/branchy/model_int8.tflite"));
    snprintf(data, sizeof(data), "%s", qvt_fixture("tflite/branchy/input_int8.npy"));
    snprintf(tflm, sizeof(tflm), "%s", qvt_fixture("tflite/branchy/expected/int8_tflm/tensors"));
    snprintf(litert, sizeof(litert), "%s",
             qvt_fixture("tflite/branchy/expected/int8_litert_ref/tensors"));
    char *out = NULL, *errs = NULL;
    int rc = RUN(&out, &errs, "compare", "--fail-on-diff", "--against", tflm, model, data);
    ck_assert_msg(rc == 0, "vs TFLM: exit %d\n%s%s", rc, out, errs);
    ck_assert_msg(strstr(out, "32752 identical, 0 off by 1 LSB, 0 by more"), "%s", out);
    free(out);
    free(errs);
    rc = RUN(&out, &errs, "compare", "--json", "--fail-on-diff", "--against", litert, model, data);
    ck_assert_msg(rc == 1, "vs litert-ref: exit %d\n%s%s", rc, out, errs);
    cJSON *j = cJSON_Parse(out);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "off_by_one")->valueint, 1);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "more")->valueint, 0);
    const cJSON *layer;
    int differing = 0;
    cJSON_ArrayForEach(layer, cJSON_GetObjectItem(j, "layers"))
    {
        if (cJSON_GetObjectItem(layer, "off_by_one")->valueint == 0)
            continue;
        differing++;
        ck_assert_str_eq(cJSON_GetObjectItem(layer, "op")->valuestring, "FULLY_CONNECTED");
    }
    ck_assert_int_eq(differing, 1);
    cJSON_Delete(j);
    free(out);
    free(errs);
}
END_TEST

/*
 * Raw uint8 data with "preprocess" in qvet.json: the digits pixels (0..16) as uint8 and a scale
 * of 1/16 give exactly the golden float inputs, so both engines must predict exactly as with the
 * float data; int8 data already quantized for the int8 model's input is fed as it is.
 */
START_TEST(run_preprocesses_raw_integer_data)
{
    char *dir = copy_digits();
    ck_assert_msg(dir != NULL, "datasets/digits is missing");
    char *golden = qvt_path(dir, "golden/inputs.npy");
    int64_t rows, elems;
    float *x = qvt_load_npy(golden, QV_DTYPE_F32, false, &rows, &elems);
    ck_assert_ptr_nonnull(x);
    uint8_t *raw = malloc((size_t)(rows * elems));
    for (int64_t i = 0; i < rows * elems; i++) {
        ck_assert_float_eq(x[i] * 16.0f, (float)(int)(x[i] * 16.0f));
        raw[i] = (uint8_t)(x[i] * 16.0f);
    }
    char *out = NULL, *errs = NULL;
    char *ref_dir = qvt_path(dir, "ref"), *raw_dir = qvt_path(dir, "raw");
    /* (qvet's own PTQ beside the int8 model calibrates on other data in each run: left out) */
    ck_assert_int_eq(RUN(&out, &errs, "run", "--no-own-ptq", "-o", ref_dir, dir), 0);
    free(out);
    free(errs);
    struct qv_error err = QV_ERROR_INIT;
    char *raw_path = qvt_path(dir, "golden/raw.npy");
    ck_assert_int_eq(qv_npy_save(raw_path, QV_DTYPE_U8,
                                 &(struct qv_shape){ 4, { rows, 8, 8, 1 } }, raw, &err), QV_OK);
    char *manifest = qvt_path(dir, "qvet.json");
    const char *text = "{\"model\": \"model.tflite\", \"int8_model\": \"model_int8.tflite\", "
                       "\"golden\": {\"inputs\": \"golden/raw.npy\", \"labels\": "
                       "\"golden/labels.csv\"}, \"preprocess\": {\"scale\": 0.0625}, "
                       "\"gates\": {\"min_agreement\": 0.97}}";
    qvt_write_file(manifest, text, strlen(text));
    int rc = RUN(&out, &errs, "run", "--no-own-ptq", "-o", raw_dir, dir);
    ck_assert_msg(rc == 0, "run exit %d: %s %s", rc, out, errs);
    char *p_ref = qvt_path(ref_dir, "predictions.csv");
    char *p_raw = qvt_path(raw_dir, "predictions.csv");
    char *a = qvt_read_file(p_ref, NULL), *b = qvt_read_file(p_raw, NULL);
    ck_assert(a && b);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    free(out);
    free(errs);
    /* int8 data in the int8 model's own input quantization: taken as already quantized */
    int8_t *q = malloc((size_t)(rows * elems));
    for (int64_t i = 0; i < rows * elems; i++) {
        /* input scale 1/255, zero point -128: q = round(x * 255) - 128 */
        float r = x[i] / 0.00392156886f;
        q[i] = (int8_t)((int)(r + 0.5f) - 128);
    }
    char *qpath = qvt_path(dir, "golden/q.npy");
    ck_assert_int_eq(qv_npy_save(qpath, QV_DTYPE_I8, &(struct qv_shape){ 4, { rows, 8, 8, 1 } },
                                 q, &err), QV_OK);
    char model[4096];
    snprintf(model, sizeof(model), "%s/model_int8.tflite", dir);
    char *o1 = qvt_path(dir, "o1.npy"), *o2 = qvt_path(dir, "o2.npy");
    char *pc = qvt_path(dir, "p.csv");
    ck_assert_int_eq(RUN(NULL, NULL, "eval", "-o", pc, "--save-outputs", o1, model, golden), 0);
    ck_assert_int_eq(RUN(NULL, NULL, "eval", "-o", pc, "--save-outputs", o2, model, qpath), 0);
    size_t n1, n2;
    char *b1 = qvt_read_file(o1, &n1), *b2 = qvt_read_file(o2, &n2);
    ck_assert(b1 && b2 && n1 == n2);
    qvt_assert_bytes_equal("int8 outputs from float vs pre-quantized data", b1, b2, n1, 1);
    free(b1);
    free(b2);
    free(q);
    free(qpath);
    free(o1);
    free(o2);
    free(pc);
    free(p_ref);
    free(p_raw);
    free(ref_dir);
    free(raw_dir);
    free(manifest);
    free(raw_path);
    free(raw);
    free(x);
    free(golden);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, version_and_help);
    tcase_add_test(tc, bad_usage_is_exit_2);
    tcase_add_test(tc, missing_files_name_the_path);
    tcase_add_test(tc, inspect_text_and_json);
    tcase_add_test(tc, eval_float_predictions_and_tensors);
    tcase_add_test(tc, eval_writes_into_dev_stdout);
    tcase_add_test(tc, hostile_inputs_exit_2);
    tcase_add_test(tc, hostile_cases);
    tcase_add_test(tc, run_shipped_example_passes_and_reports);
    tcase_add_test(tc, run_failed_gate_is_exit_1);
    tcase_add_test(tc, run_preprocesses_raw_integer_data);
    tcase_add_test(tc, eval_int8_matches_tflm_on_shipped_example);
    tcase_add_test(tc, compare_roundings_and_saved_tensors);
    tcase_add_test(tc, export_round_trips);
    tcase_add_test(tc, compare_against_interpreter_tensors);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(cli)
