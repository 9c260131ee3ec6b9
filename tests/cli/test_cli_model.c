/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The qvet binary on models it can read but not (fully) run, and on model-side errors: inspect
 * lists unsupported operators (with TFLM's support), variables and hybrid operators; eval, run
 * and compare refuse such models with that list; engine prepare errors name the model file;
 * export creates its output directory. Exact messages. Drives $QVET_BIN.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "quant_cases.h"
#include "support.h"

#define RUN(out, errs, ...) qvt_run_cli((const char *const[]){ __VA_ARGS__, NULL }, out, errs)

static const char *fixture(const char *name)
{
    static char buf[4][4096];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof(buf[k]), "%s", qvt_fixture(name));
    return buf[k];
}

/* Asserts that text contains needle, printing both otherwise. */
#define HAS(text, needle)                                                                        \
    ck_assert_msg(strstr((text), (needle)) != NULL, "lacks \"%s\" in:\n%s", (needle), (text))

/* A float32 .npy of `rows` samples shaped like the model input [1, d1, d2]. */
static char *write_data(const char *dir, int64_t rows, int64_t d1, int64_t d2)
{
    char *p = qvt_path(dir, "data.npy");
    float *x = calloc((size_t)(rows * d1 * d2), sizeof(float));
    for (int64_t i = 0; i < rows * d1 * d2; i++)
        x[i] = (float)(i % 7) * 0.25f - 0.5f;
    struct qv_error err = QV_ERROR_INIT;
    struct qv_shape s = { 3, { rows, d1, d2 } };
    if (d2 == 0)
        s.rank = 2;
    ck_assert_int_eq(qv_npy_save(p, QV_DTYPE_F32, &s, x, &err), QV_OK);
    free(x);
    return p;
}

START_TEST(inspect_lists_unsupported_ops_and_variables)
{
    const char *lstm = fixture("inspect/lstm.tflite");
    char *out = NULL, *errs = NULL;
    ck_assert_int_eq(RUN(&out, &errs, "inspect", lstm), 0);
    /* the whole graph, the LSTM among the nodes */
    HAS(out, "   0  UNIDIRECTIONAL_SEQUENCE_LSTM seq ");
    HAS(out, "   1  FULLY_CONNECTED              y ");
    HAS(out, "total    80 MACs (unsupported operators not counted), 402 parameters");
    HAS(out, "\nunsupported  1 operator qvet cannot run (eval, run and compare refuse this "
             "model):\n  UNIDIRECTIONAL_SEQUENCE_LSTM     x1    TFLM: yes\n");
    HAS(out, "\nvariables    2 variable tensors (state kept across runs; qvet does not run them):"
             "\n  h_state                  float32  [1, 8]");
    HAS(out, "\n  c_state                  float32  [1, 8]");
    ck_assert_ptr_null(strstr(out, "hybrid"));
    ck_assert_str_eq(errs, "");
    free(out);
    free(errs);

    ck_assert_int_eq(RUN(&out, NULL, "inspect", fixture("inspect/transpose.tflite")), 0);
    HAS(out, "  TRANSPOSE                        x1    TFLM: yes\n");
    free(out);
    ck_assert_int_eq(RUN(&out, NULL, "inspect", fixture("hostile/tflite_custom_op.tflite")), 0);
    HAS(out, "   0  MyOp (custom)      y ");
    HAS(out, "  MyOp (custom)                    x1    TFLM: no\n");
    free(out);
    /* control flow: the converter's LSTM as a WHILE loop */
    ck_assert_int_eq(RUN(&out, NULL, "inspect", fixture("inspect/lstm_while.tflite")), 0);
    HAS(out, "unsupported  2 operators qvet cannot run");
    HAS(out, "  WHILE                            x1    TFLM: yes\n"
             "  STRIDED_SLICE                    x1    TFLM: yes\n");
    free(out);

    ck_assert_int_eq(RUN(&out, NULL, "inspect", "--json", lstm), 0);
    cJSON *j = cJSON_Parse(out);
    ck_assert_msg(j != NULL, "not JSON: %s", out);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "runnable")));
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "hybrid")));
    cJSON *ops = cJSON_GetObjectItem(j, "unsupported_ops");
    ck_assert_int_eq(cJSON_GetArraySize(ops), 1);
    cJSON *op = cJSON_GetArrayItem(ops, 0);
    ck_assert_str_eq(cJSON_GetObjectItem(op, "op")->valuestring, "UNIDIRECTIONAL_SEQUENCE_LSTM");
    ck_assert_int_eq(cJSON_GetObjectItem(op, "tflite_code")->valueint, 44);
    ck_assert_int_eq(cJSON_GetObjectItem(op, "count")->valueint, 1);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(op, "tflm")));
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(op, "custom")));
    cJSON *vars = cJSON_GetObjectItem(j, "variables");
    ck_assert_int_eq(cJSON_GetArraySize(vars), 2);
    ck_assert_str_eq(cJSON_GetArrayItem(vars, 0)->valuestring, "h_state");
    cJSON *n0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "nodes"), 0);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(n0, "supported")));
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(n0, "inputs")), 24);
    cJSON_Delete(j);
    free(out);
}
END_TEST

START_TEST(inspect_names_hybrid_models)
{
    const char *hybrid = fixture("inspect/hybrid.tflite");
    char *out = NULL;
    ck_assert_int_eq(RUN(&out, NULL, "inspect", hybrid), 0);
    HAS(out, "   0  FULLY_CONNECTED    ...tial_1_1/dense_1_1/MatMul [1, 32]              float32"
             "          2048       2048  hybrid\n");
    HAS(out, "\nhybrid       a hybrid model: 1 operator with int8 weights under float activations"
             "\n             (TFLite quantizes their input on the fly; qvet's float engine "
             "computes them in float):\n     0  FULLY_CONNECTED    sequential_1_1/dense_1_1/"
             "MatMul;sequential_1_1/dense_1_1/Relu\n");
    ck_assert_ptr_null(strstr(out, "unsupported"));
    free(out);
    ck_assert_int_eq(RUN(&out, NULL, "inspect", "--json", hybrid), 0);
    cJSON *j = cJSON_Parse(out);
    ck_assert_ptr_nonnull(j);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "hybrid")));
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "runnable")));
    cJSON *hn = cJSON_GetObjectItem(j, "hybrid_nodes");
    ck_assert_int_eq(cJSON_GetArraySize(hn), 1);
    ck_assert_int_eq(cJSON_GetArrayItem(hn, 0)->valueint, 0);
    cJSON *nodes = cJSON_GetObjectItem(j, "nodes");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(nodes, 0), "hybrid")));
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(nodes, 1), "hybrid")));
    cJSON_Delete(j);
    free(out);
    /* a full-integer model is not hybrid */
    ck_assert_int_eq(RUN(&out, NULL, "inspect",
                         fixture("tflite/cnn_small/model_int8.tflite")), 0);
    ck_assert_ptr_null(strstr(out, "hybrid"));
    free(out);
}
END_TEST

/* eval says which arithmetic the hybrid layers ran, and --hybrid picks it (engine's test). */
START_TEST(eval_hybrid_modes)
{
    char *out = NULL, *errs = NULL;
    const char *m = fixture("hybrid/ds_cnn_128/model.tflite");
    const char *x = fixture("hybrid/ds_cnn_128/input.npy");
    ck_assert_int_eq(RUN(&out, &errs, "eval", m, x), 0);
    HAS(out, "hybrid layers: 10, TFLite's hybrid arithmetic");
    free(out);
    free(errs);
    ck_assert_int_eq(RUN(&out, &errs, "eval", "--hybrid", "dequantize", "--json", m, x), 0);
    HAS(out, "\"hybrid_nodes\": 10, \"hybrid\": \"dequantize\"");
    free(out);
    free(errs);
    ck_assert_int_eq(RUN(&out, &errs, "eval", "--hybrid", "ideal", m, x), 2);
    HAS(errs, "--hybrid expects tflite or dequantize, got 'ideal'");
    free(out);
    free(errs);
    /* a model without hybrid layers says nothing about them */
    ck_assert_int_eq(RUN(&out, &errs, "eval", fixture("mixed/float_dw/model.tflite"),
                         fixture("mixed/float_dw/input.npy")), 0);
    ck_assert_ptr_null(strstr(out, "hybrid"));
    free(out);
    free(errs);
}
END_TEST

START_TEST(eval_run_compare_refuse_with_the_list)
{
    char *dir = qvt_tmpdir();
    char *data = write_data(dir, 3, 5, 3);
    const char *lstm = fixture("inspect/lstm.tflite");
    char want[8192];
    snprintf(want, sizeof(want), "qvet: error: %s: 1 operator qvet cannot run: "
             "UNIDIRECTIONAL_SEQUENCE_LSTM (x1); 2 variable tensors (state kept across runs, "
             "e.g. 'h_state'), which qvet does not run\n", lstm);
    char *out = NULL, *errs = NULL;
    ck_assert_int_eq(RUN(&out, &errs, "eval", lstm, data), 2);
    ck_assert_str_eq(errs, want);
    free(out);
    free(errs);
    ck_assert_int_eq(RUN(&out, &errs, "eval", "--engine", "int8", lstm, data), 2);
    ck_assert_str_eq(errs, want);
    free(out);
    free(errs);
    ck_assert_int_eq(RUN(&out, &errs, "compare", lstm, data), 2);
    ck_assert_str_eq(errs, want);
    free(out);
    free(errs);

    /* qvet run on a model directory whose model has TRANSPOSE */
    char *tr = qvt_path(dir, "model.tflite");
    size_t n;
    char *bytes = qvt_read_file(fixture("inspect/transpose.tflite"), &n);
    qvt_write_file(tr, bytes, n);
    free(bytes);
    free(data);
    data = write_data(dir, 2, 4, 6);
    char *manifest = qvt_path(dir, "qvet.json");
    const char *text = "{\"model\": \"model.tflite\", \"task\": \"raw\", "
                       "\"golden\": {\"inputs\": \"data.npy\"}}";
    qvt_write_file(manifest, text, strlen(text));
    char *rep = qvt_path(dir, "report");
    snprintf(want, sizeof(want), "qvet: error: %s: 1 operator qvet cannot run: TRANSPOSE (x1)\n",
             tr);
    ck_assert_int_eq(RUN(&out, &errs, "run", "-o", rep, dir), 2);
    HAS(errs, want);
    free(out);
    free(errs);
    free(rep);
    free(manifest);
    free(tr);
    free(data);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* An engine's prepare error names the model file (issue 8 item 5): here a pool with no
 * quantization parameters on its int8 input. */
START_TEST(engine_errors_name_the_model)
{
    char *dir = qvt_tmpdir();
    char *model = qvt_path(dir, "pool.json");
    const char *json =
        "{\"format\": \"qvet-model\", \"version\": 1,\n"
        " \"tensors\": [\n"
        "  {\"name\": \"x0\", \"dtype\": \"int8\", \"shape\": [1, 4, 4, 1]},\n"
        "  {\"name\": \"y\", \"dtype\": \"int8\", \"shape\": [1, 2, 2, 1],\n"
        "   \"quant\": {\"scale\": [0.5], \"zero_point\": [0]}}],\n"
        " \"nodes\": [{\"op\": \"MAX_POOL_2D\", \"name\": \"pool\", \"inputs\": [0], "
        "\"outputs\": [1],\n"
        "   \"attrs\": {\"filter_h\": 2, \"filter_w\": 2, \"stride_h\": 2, \"stride_w\": 2}}],\n"
        " \"inputs\": [0], \"outputs\": [1]}\n";
    qvt_write_file(model, json, strlen(json));
    char *data = qvt_path(dir, "x.npy");
    int8_t x[32] = { 0 };
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_npy_save(data, QV_DTYPE_I8, &(struct qv_shape){ 4, { 2, 4, 4, 1 } }, x,
                                 &err), QV_OK);
    char *errs = NULL, want[8192];
    ck_assert_int_eq(RUN(NULL, &errs, "eval", "--engine", "int8", model, data), 2);
    snprintf(want, sizeof(want), "qvet: error: %s: node 0 (MAX_POOL_2D, 'pool'): input 'x0' has "
             "no quantization parameters", model);
    ck_assert_msg(strncmp(errs, want, strlen(want)) == 0, "stderr: %s\nwant: %s", errs, want);
    free(errs);
    free(data);
    free(model);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(export_c_creates_the_directory)
{
    char *dir = qvt_tmpdir();
    char *deep = qvt_path(dir, "firmware/src/model");
    char *out = NULL, *errs = NULL;
    const char *model = fixture("tflite/mlp/model_int8.tflite");
    ck_assert_int_eq(RUN(&out, &errs, "export", "--format", "c", "-o", deep, model), 0);
    char want[8192];
    snprintf(want, sizeof(want), "wrote %s/model_data.h, %s/model_data.c and "
             "%s/model_data_resolver.h\n", deep, deep, deep);
    ck_assert_str_eq(out, want);
    free(out);
    free(errs);
    char *h = qvt_path(deep, "model_data.h"), *c = qvt_path(deep, "model_data.c");
    struct stat sb;
    ck_assert(stat(h, &sb) == 0 && stat(c, &sb) == 0);
    /* a path through a regular file cannot be created: the message names it */
    char *blocker = qvt_path(dir, "file");
    qvt_write_file(blocker, "x", 1);
    char *bad = qvt_path(blocker, "sub");
    ck_assert_int_eq(RUN(&out, &errs, "export", "--format", "c", "-o", bad, model), 2);
    snprintf(want, sizeof(want), "qvet: error: %s: cannot create directory '%s': '%s' exists and "
             "is not a directory\n", bad, bad, blocker);
    ck_assert_str_eq(errs, want);
    free(out);
    free(errs);
    /* an unsupported model is not exported */
    ck_assert_int_eq(RUN(&out, &errs, "export", "--format", "c", "-o", deep,
                         fixture("inspect/transpose.tflite")), 2);
    HAS(errs, "transpose.tflite: cannot write it as TFLite: 1 operator qvet cannot run: "
              "TRANSPOSE (x1)\n");
    free(out);
    free(errs);
    free(bad);
    free(blocker);
    free(h);
    free(c);
    free(deep);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/*
 * tests/fixtures/hostile/quant/cases.txt through the binary: every load-time case exits 2 with
 * one error line naming the file, the tensor, the field and the value. The prepare-time cases
 * (valid scales whose multipliers no kernel can represent) are refused by the engines' prepare,
 * with the node after the file instead of a byte offset.
 */
START_TEST(hostile_quant_cases)
{
    int n, ran = 0;
    struct qvt_quant_case *cases = qvt_quant_cases(&n);
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", qvt_fixture("hostile/quant"));
    for (int i = 0; i < n; i++) {
        const struct qvt_quant_case *c = &cases[i];
        char args[1024], resolved[16][4096];
        const char *argv[17] = { 0 };
        int argc = 0;
        snprintf(args, sizeof(args), "%s", c->args);
        for (char *save = NULL, *tok = strtok_r(args, " ", &save); tok && argc < 16;
             tok = strtok_r(NULL, " ", &save)) {
            if (strchr(tok, '.') && tok[0] != '-') {
                snprintf(resolved[argc], sizeof(resolved[0]), "%s/%s", dir, tok);
                argv[argc] = resolved[argc];
            } else {
                argv[argc] = tok;
            }
            argc++;
        }
        char *errs = NULL, want[4400];
        int rc = qvt_run_cli(argv, NULL, &errs);
        snprintf(want, sizeof(want), "qvet: error: %s/%s: %s", dir, c->file,
                 c->prepare_time ? "node " : "byte ");
        ck_assert_msg(rc == c->exit_code, "%s: exit %d, expected %d: %s", c->file, rc,
                      c->exit_code, errs);
        ck_assert_msg(strncmp(errs, want, strlen(want)) == 0 &&
                      strchr(errs, '\n') == errs + strlen(errs) - 1,
                      "%s: not one error line naming the file: %s", c->file, errs);
        ck_assert_msg(qvt_quant_message_ok(c, errs), "%s: '%s' does not name tensor %d '%s', %s "
                      "and %g", c->file, errs, c->tensor, c->name, c->field, c->value);
        free(errs);
        ran++;
    }
    ck_assert_int_ge(ran, 300);
    free(cases);
}
END_TEST

Suite *cli_model_suite(void)
{
    Suite *s = suite_create("cli_model");
    TCase *tc = tcase_create("cli_model");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, inspect_lists_unsupported_ops_and_variables);
    tcase_add_test(tc, inspect_names_hybrid_models);
    tcase_add_test(tc, eval_run_compare_refuse_with_the_list);
    tcase_add_test(tc, eval_hybrid_modes);
    tcase_add_test(tc, engine_errors_name_the_model);
    tcase_add_test(tc, export_c_creates_the_directory);
    tcase_add_test(tc, hostile_quant_cases);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(cli_model)
