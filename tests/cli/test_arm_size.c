/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The flash figure of the model data, checked with the real toolchain: `qvet export --format c`
 * compiled for Cortex-M4 by arm-none-eabi-gcc, whose arm-none-eabi-size must report for the
 * array's section exactly the model bytes qvet budget predicts. Skipped (exit 77, meson's SKIP)
 * when arm-none-eabi-gcc is not installed (Debian: gcc-arm-none-eabi; scripts/setup.sh --test
 * installs it).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define RUN(out, errs, ...) qvt_run_cli((const char *const[]){ __VA_ARGS__, NULL }, out, errs)

static bool have_toolchain(void)
{
    return system("arm-none-eabi-gcc --version >/dev/null 2>&1 && "
                  "arm-none-eabi-size --version >/dev/null 2>&1") == 0;
}

/* Size of section `name` in `arm-none-eabi-size -A obj`, or -1. */
static long section_size(const char *obj, const char *name)
{
    char cmd[2048], line[512];
    snprintf(cmd, sizeof(cmd), "arm-none-eabi-size -A '%s'", obj);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    long size = -1;
    while (fgets(line, sizeof(line), p)) {
        char sec[256];
        long sz;
        if (sscanf(line, "%255s %ld", sec, &sz) == 2 && strcmp(sec, name) == 0)
            size = sz;
    }
    pclose(p);
    return size;
}

static const char *const models[] = {
    "datasets/digits", "tests/fixtures/tflite/branchy/model_int8.tflite",
    "bench/peers/mobilenet_int8.tflite",
};

START_TEST(model_data_flash_matches_arm_size)
{
    char *dir = qvt_tmpdir(), *tfl = qvt_path(dir, "m.tflite"), *csrc = qvt_path(dir, "qv_m.c");
    char *obj = qvt_path(dir, "qv_m.o");
    char *out = NULL, *errs = NULL;
    const char *model = qvt_source(models[_i]);
    ck_assert_int_eq(RUN(&out, &errs, "export", model, "--format", "c", "-o", dir, "--name",
                         "qv_m", "--target", "stm32f4"), 0);
    free(out);
    free(errs);
    ck_assert_int_eq(RUN(&out, &errs, "export", model, "-o", tfl), 0);
    free(out);
    free(errs);
    ck_assert_int_eq(RUN(&out, &errs, "budget", tfl, "--json", "-t", "stm32f4"), 0);
    cJSON *j = cJSON_Parse(out);
    ck_assert_ptr_nonnull(j);
    long predicted = (long)cJSON_GetObjectItem(j, "model_bytes")->valuedouble;
    cJSON_Delete(j);
    free(out);
    free(errs);
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os -fdata-sections "
             "-c '%s' -o '%s'", csrc, obj);
    ck_assert_int_eq(system(cmd), 0);
    long measured = section_size(obj, ".rodata.qv_m");
    ck_assert_msg(measured == predicted, "%s: arm-none-eabi-size reports %ld bytes, qvet "
                  "predicted %ld", models[_i], measured, predicted);
    ck_assert_int_eq(section_size(obj, ".rodata.qv_m_len"), 4);
    fprintf(stderr, "%s: model data %ld bytes (qvet) = %ld bytes (arm-none-eabi-size)\n",
            models[_i], predicted, measured);
    qvt_rmtree(dir);
    free(tfl);
    free(csrc);
    free(obj);
    free(dir);
}
END_TEST

static Suite *arm_size_suite(void)
{
    Suite *s = suite_create("arm_size");
    TCase *tc = tcase_create("arm_size");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, model_data_flash_matches_arm_size, 0,
                        sizeof(models) / sizeof(models[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (!have_toolchain()) {
        printf("SKIP: arm-none-eabi-gcc/arm-none-eabi-size not installed "
               "(Debian package gcc-arm-none-eabi)\n");
        return 77;
    }
    SRunner *sr = srunner_create(arm_size_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
