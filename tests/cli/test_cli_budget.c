/* SPDX-License-Identifier: Apache-2.0 */
/* qvet budget, qvet targets and export's resolver header, end to end through $QVET_BIN. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define RUN(out, errs, ...) qvt_run_cli((const char *const[]){ __VA_ARGS__, NULL }, out, errs)

static const char *const json_keys[] = {
    "name", "arena_bytes", "flash_bytes", "sram_bytes", "latency_ms", "energy_uj", "fits",
};

START_TEST(budget_json_has_every_key)
{
    char *out = NULL, *errs = NULL;
    const char *model = qvt_source("datasets/digits");
    ck_assert_int_eq(RUN(&out, &errs, "budget", model, "--json", "-t", "host64", "--target",
                         "stm32f4", "--target", "k210", "--rate", "5/s"), 0);
    cJSON *j = cJSON_Parse(out);
    ck_assert_ptr_nonnull(j);
    cJSON *ts = cJSON_GetObjectItem(j, "targets");
    ck_assert_int_eq(cJSON_GetArraySize(ts), 3);
    for (int i = 0; i < 3; i++) {
        cJSON *t = cJSON_GetArrayItem(ts, i);
        for (size_t k = 0; k < sizeof(json_keys) / sizeof(json_keys[0]); k++)
            ck_assert_msg(cJSON_GetObjectItem(t, json_keys[k]), "target %d lacks %s", i,
                          json_keys[k]);
    }
    cJSON *host = cJSON_GetArrayItem(ts, 0);
    ck_assert_str_eq(cJSON_GetObjectItem(host, "name")->valuestring, "host64");
    /* the tflite-micro interpreter's bisected minimum for datasets/digits/model_int8.tflite */
    ck_assert_int_eq(cJSON_GetObjectItem(host, "arena_bytes")->valueint, 4216);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(host, "fits")));
    cJSON *k210 = cJSON_GetArrayItem(ts, 2);
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(k210, "latency_ms")));
    ck_assert_double_eq(cJSON_GetObjectItem(j, "rate_hz")->valuedouble, 5);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "ops")), 8);
    cJSON_Delete(j);
    free(out);
    free(errs);
}
END_TEST

START_TEST(budget_text_and_csv)
{
    char *out = NULL, *errs = NULL;
    char *dir = qvt_tmpdir(), *csv = qvt_path(dir, "ops.csv");
    ck_assert_int_eq(RUN(&out, &errs, "budget", qvt_source("datasets/digits"), "-t", "stm32l4",
                         "--csv", csv, "--stack", "1024"), 0);
    ck_assert_ptr_nonnull(strstr(out, "stm32l4"));
    ck_assert_ptr_nonnull(strstr(out, "fits"));
    ck_assert_ptr_nonnull(strstr(out, "better plan"));
    char *text = qvt_read_file(csv, NULL);
    ck_assert_ptr_nonnull(text);
    ck_assert(strncmp(text, "target,node,op,name,macs,", 25) == 0);
    ck_assert_ptr_nonnull(strstr(text, "stm32l4,0,CONV_2D,"));
    free(text);
    free(out);
    free(errs);
    qvt_rmtree(dir);
    free(csv);
    free(dir);
}
END_TEST

/* A model too big for an 8-bit AVR with 32 KiB SRAM: verdict "does not fit", exit 1. */
START_TEST(budget_does_not_fit_is_exit_1)
{
    char *out = NULL, *errs = NULL;
    ck_assert_int_eq(RUN(&out, &errs, "budget", qvt_source("bench/peers/mobilenet_int8.tflite"),
                         "-t", "avr-xmega", "-t", "stm32h7"), 1);
    ck_assert_ptr_nonnull(strstr(out, "does not fit: SRAM"));
    ck_assert_ptr_nonnull(strstr(out, "stm32h7"));
    free(out);
    free(errs);
}
END_TEST

START_TEST(budget_unknown_target_lists_known)
{
    char *out = NULL, *errs = NULL;
    ck_assert_int_eq(RUN(&out, &errs, "budget", qvt_source("datasets/digits"), "-t",
                         "stm32f9"), 2);
    ck_assert_ptr_nonnull(strstr(errs, "unknown target 'stm32f9'"));
    ck_assert_ptr_nonnull(strstr(errs, "stm32f4"));
    ck_assert_ptr_nonnull(strstr(errs, "esp32-s3-psram"));
    free(out);
    free(errs);
    ck_assert_int_eq(RUN(&out, &errs, "budget", qvt_source("datasets/digits"), "--rate", "x"),
                     2);
    free(out);
    free(errs);
    ck_assert_int_eq(RUN(&out, &errs, "budget"), 2);
    free(out);
    free(errs);
}
END_TEST

static const struct {
    const char *json;
    const char *want;      /* in stderr after the file name */
} bad_files[] = {
    { "{\"schema\": 1, \"targets\": [{\"name\": \"b\", \"core\": \"cortex-m4\", \"clock_mhz\": 64, "
      "\"flash_kib\": 256, \"sram_kib\": 64, \"active_ma\": 5, \"voltage\": 3, \"sleep_ua\": 1, "
      "\"ram_kib\": 64}]}", "targets[0].ram_kib: unknown key" },
    { "{\"schema\": 1, \"targets\": [{\"name\": \"b\", \"core\": \"cortex-m4\", \"clock_mhz\": 64, "
      "\"flash_kib\": 256, \"active_ma\": 5, \"voltage\": 3, \"sleep_ua\": 1}]}",
      "targets[0].sram_kib: missing" },
    { "{\"schema\": 1, \"targets\": [{\"name\": \"b\", \"core\": \"cortex-m4\", \"clock_mhz\": 64, "
      "\"flash_kib\": \"256\", \"sram_kib\": 64, \"active_ma\": 5, \"voltage\": 3, "
      "\"sleep_ua\": 1}]}", "targets[0].flash_kib: expected a number" },
    { "{\"schema\": 1, \"targets\": [{\"name\": \"b\", ", "invalid JSON" },
};

START_TEST(budget_bad_targets_file_names_file_and_key)
{
    char *dir = qvt_tmpdir(), *path = qvt_path(dir, "boards.json");
    qvt_write_file(path, bad_files[_i].json, strlen(bad_files[_i].json));
    char *out = NULL, *errs = NULL;
    ck_assert_int_eq(RUN(&out, &errs, "budget", qvt_source("datasets/digits"), "--targets",
                         path), 2);
    ck_assert_msg(strstr(errs, "boards.json") && strstr(errs, bad_files[_i].want),
                  "stderr: %s", errs);
    free(out);
    free(errs);
    ck_assert_int_eq(RUN(&out, &errs, "targets", "--targets", path), 2);
    ck_assert_ptr_nonnull(strstr(errs, bad_files[_i].want));
    free(out);
    free(errs);
    qvt_rmtree(dir);
    free(path);
    free(dir);
}
END_TEST

/* A model with an op TFLM has no kernel for (HARD_SWISH on int16): named in the verdict. */
START_TEST(budget_names_op_tflm_lacks)
{
    struct qv_graph *g;
    struct qv_error err = QV_ERROR_INIT;
    struct qv_shape s = { 2, { 1, 16 } };
    int32_t x, y;
    float scale = 0.01f;
    int32_t zp = 0;
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_tensor(g, "x", QV_DTYPE_I16, &s, &x, &err), QV_OK);
    /* TFLite keeps no op names: the node is named after its output */
    ck_assert_int_eq(qv_graph_add_tensor(g, "hswish16", QV_DTYPE_I16, &s, &y, &err), QV_OK);
    ck_assert_int_eq(qv_graph_set_quant(g, x, 1, &scale, 1, &zp, 0, &err), QV_OK);
    ck_assert_int_eq(qv_graph_set_quant(g, y, 1, &scale, 1, &zp, 0, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_HARD_SWISH, NULL, 1, &x, 1, &y, NULL,
                                       NULL, &err), QV_OK);
    ck_assert_int_eq(qv_graph_set_io(g, 1, &x, 1, &y, &err), QV_OK);
    ck_assert_int_eq(qv_graph_finalize(g, &err), QV_OK);
    char *dir = qvt_tmpdir(), *path = qvt_path(dir, "hs16.tflite");
    ck_assert_int_eq(qv_tflite_save(g, path, &err), QV_OK);
    qv_graph_free(g);
    char *out = NULL, *errs = NULL;
    ck_assert_int_eq(RUN(&out, &errs, "budget", path, "-t", "nrf52840"), 1);
    ck_assert_ptr_nonnull(strstr(out, "does not fit: ops"));
    ck_assert_ptr_nonnull(strstr(out, "no TFLM kernel for: HARD_SWISH 'hswish16' (int16)"));
    free(out);
    free(errs);
    qvt_rmtree(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(targets_lists_profiles)
{
    char *out = NULL, *errs = NULL;
    ck_assert_int_eq(RUN(&out, &errs, "targets"), 0);
    static const char *const names[] = { "host64", "stm32f4", "stm32h7", "stm32l4", "esp32-s3",
                                         "esp32-s3-psram", "esp32-c3", "nrf5340", "nrf52840",
                                         "nano33ble", "k210", "avr-xmega" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        ck_assert_msg(strstr(out, names[i]), "no %s", names[i]);
    ck_assert_ptr_nonnull(strstr(out, "[not modelled]"));
    free(out);
    free(errs);
    ck_assert_int_eq(RUN(&out, &errs, "targets", "--json"), 0);
    cJSON *j = cJSON_Parse(out);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_ge(cJSON_GetArraySize(cJSON_GetObjectItem(j, "targets")), 12);
    cJSON_Delete(j);
    free(out);
    free(errs);
}
END_TEST

START_TEST(export_c_writes_resolver_and_arena)
{
    char *dir = qvt_tmpdir();
    char *out = NULL, *errs = NULL;
    ck_assert_int_eq(RUN(&out, &errs, "export", qvt_source("datasets/digits"), "--format", "c",
                         "-o", dir, "--name", "digits", "--target", "host64"), 0);
    free(out);
    free(errs);
    char *h = qvt_path(dir, "digits_resolver.h");
    char *text = qvt_read_file(h, NULL);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(strstr(text, "MicroMutableOpResolver<7>"));
    ck_assert_ptr_nonnull(strstr(text, "#define DIGITS_ARENA_SIZE "));
    /* the size is that of the exported flatbuffer, as qvet budget computes it */
    char *tfl = qvt_path(dir, "digits.tflite");
    ck_assert_int_eq(RUN(&out, &errs, "export", qvt_source("datasets/digits"), "-o", tfl), 0);
    free(out);
    free(errs);
    ck_assert_int_eq(RUN(&out, &errs, "budget", tfl, "--json", "-t", "host64"), 0);
    cJSON *j = cJSON_Parse(out);
    int arena = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "targets"), 0),
                                    "arena_bytes")->valueint;
    char want[64];
    snprintf(want, sizeof(want), "#define DIGITS_ARENA_SIZE %d\n", arena);
    ck_assert_msg(strstr(text, want), "want '%s'", want);
    cJSON_Delete(j);
    free(out);
    free(errs);
    ck_assert_int_eq(RUN(&out, &errs, "export", qvt_source("datasets/digits"), "--format", "c",
                         "-o", dir, "--target", "nope"), 2);
    ck_assert_ptr_nonnull(strstr(errs, "unknown target 'nope'"));
    free(out);
    free(errs);
    free(text);
    free(h);
    free(tfl);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *cli_budget_suite(void)
{
    Suite *s = suite_create("cli_budget");
    TCase *tc = tcase_create("cli_budget");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, budget_json_has_every_key);
    tcase_add_test(tc, budget_text_and_csv);
    tcase_add_test(tc, budget_does_not_fit_is_exit_1);
    tcase_add_test(tc, budget_unknown_target_lists_known);
    tcase_add_loop_test(tc, budget_bad_targets_file_names_file_and_key, 0,
                        sizeof(bad_files) / sizeof(bad_files[0]));
    tcase_add_test(tc, budget_names_op_tflm_lacks);
    tcase_add_test(tc, targets_lists_profiles);
    tcase_add_test(tc, export_c_writes_resolver_and_arena);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(cli_budget)
