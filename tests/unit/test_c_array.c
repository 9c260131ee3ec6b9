/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C array export: the generated NAME.c/NAME.h compile warning-free (C11 and C99), link, hold
 * exactly the input bytes 16-byte aligned, and the hex text parses back to the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support.h"

static uint8_t *pattern(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 131 + 7);
    return p;
}

/* Parses the 0x.. bytes between the array's braces. */
static uint8_t *parse_hex(const char *src, size_t *ret_n)
{
    const char *p = strstr(src, "[] = {");
    ck_assert_ptr_nonnull(p);
    const char *end = strstr(p, "};");
    ck_assert_ptr_nonnull(end);
    uint8_t *out = malloc((size_t)(end - p) / 5 + 1);
    size_t n = 0;
    for (p = strstr(p, "{"); p && p < end; p = strstr(p + 1, "0x")) {
        if (p[0] == '0' && p[1] == 'x')
            out[n++] = (uint8_t)strtoul(p, NULL, 16);
    }
    *ret_n = n;
    return out;
}

static void check_export(size_t n, const char *name)
{
    struct qv_error err = QV_ERROR_INIT;
    char *dir = qvt_tmpdir();
    uint8_t *data = pattern(n);
    ck_assert_int_eq(qv_c_array_save(data, n, dir, name, &err), QV_OK);
    char file[256];
    snprintf(file, sizeof(file), "%s.h", name);
    char *h_path = qvt_path(dir, file);
    snprintf(file, sizeof(file), "%s.c", name);
    char *c_path = qvt_path(dir, file);
    char *h = qvt_read_file(h_path, NULL), *c = qvt_read_file(c_path, NULL);
    ck_assert(h && c);
    char want[512];
    snprintf(want, sizeof(want), "extern const unsigned char %s[];", name);
    ck_assert_ptr_nonnull(strstr(h, want));
    snprintf(want, sizeof(want), "extern const unsigned int %s_len;", name);
    ck_assert_ptr_nonnull(strstr(h, want));
    snprintf(want, sizeof(want), "const unsigned int %s_len = %zuu;", name, n);
    ck_assert_ptr_nonnull(strstr(c, want));

    /* 12 bytes on every full line. */
    size_t got_n;
    uint8_t *got = parse_hex(c, &got_n);
    ck_assert_uint_eq(got_n, n ? n : 1);
    if (n)
        qvt_assert_bytes_equal("parsed hex", got, data, n, 1);
    if (n > 12) {
        const char *line = strstr(c, "[] = {\n") + 7;
        int count = 0;
        for (const char *q = line; *q != '\n'; q++)
            count += q[0] == '0' && q[1] == 'x';
        ck_assert_int_eq(count, 12);
    }

    /* Compile in C11 and C99, link a program that dumps the array and checks its alignment. */
    char *main_path = qvt_path(dir, "main.c");
    char prog[2048];
    snprintf(prog, sizeof(prog),
             "#include <stdint.h>\n#include <stdio.h>\n#include \"%s.h\"\n"
             "int main(int argc, char **argv) {\n"
             "    FILE *f = fopen(argv[argc - 1], \"wb\");\n"
             "    if (!f || ((uintptr_t)%s %% 16) != 0) return 1;\n"
             "    fwrite(%s, 1, %s_len, f);\n"
             "    return fclose(f) != 0;\n}\n", name, name, name, name);
    qvt_write_file(main_path, prog, strlen(prog));
    static const char *const stds[] = { "c11", "c99" };
    for (int s = 0; s < 2; s++) {
        char cmd[4096];
        snprintf(cmd, sizeof(cmd),
                 "cd '%s' && cc -std=%s -Wall -Wextra -Werror -c %s.c -o arr.o && "
                 "cc -std=%s -Wall -Wextra -Werror main.c arr.o -o dump && ./dump out.bin",
                 dir, stds[s], name, stds[s]);
        ck_assert_msg(system(cmd) == 0, "compiling/running the C array failed: %s", cmd);
        char *bin_path = qvt_path(dir, "out.bin");
        size_t bin_n = 0;
        char *bin = qvt_read_file(bin_path, &bin_n);
        ck_assert_ptr_nonnull(bin);
        ck_assert_uint_eq(bin_n, n);
        if (n)
            qvt_assert_bytes_equal("compiled array", bin, data, n, 1);
        free(bin);
        free(bin_path);
    }
    free(main_path);
    free(got);
    free(h);
    free(c);
    free(h_path);
    free(c_path);
    free(data);
    qvt_rmtree(dir);
    free(dir);
}

START_TEST(sizes_compile_and_match)
{
    static const size_t sizes[] = { 0, 1, 11, 12, 13, 24, 4099 };
    check_export(sizes[_i], _i % 2 ? "g_model" : "model_data");
}
END_TEST

START_TEST(fixture_model_exports)
{
    size_t n = 0;
    uint8_t *model = (uint8_t *)qvt_read_file(qvt_fixture("tflite/tiny/model_int8.tflite"), &n);
    ck_assert_ptr_nonnull(model);
    struct qv_error err = QV_ERROR_INIT;
    char *dir = qvt_tmpdir();
    ck_assert_int_eq(qv_c_array_save(model, n, dir, "tiny_model", &err), QV_OK);
    char *c_path = qvt_path(dir, "tiny_model.c");
    char *c = qvt_read_file(c_path, NULL);
    size_t got_n;
    uint8_t *got = parse_hex(c, &got_n);
    ck_assert_uint_eq(got_n, n);
    qvt_assert_bytes_equal("model bytes", got, model, n, 1);
    free(got);
    free(c);
    free(c_path);
    free(model);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(bad_names_are_refused_and_write_nothing)
{
    static const char *const bad[] = { "", "9lives", "a-b", "model.data", "int", "_Bool",
                                       "caf\xc3\xa9", "a b" };
    char *dir = qvt_tmpdir();
    uint8_t byte = 1;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct qv_error err = QV_ERROR_INIT;
        ck_assert_int_eq(qv_c_array_save(&byte, 1, dir, bad[i], &err), QV_E_USAGE);
        ck_assert(err.msg[0] != '\0');
    }
    char longname[300];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_c_array_save(&byte, 1, dir, longname, &err), QV_E_USAGE);
    ck_assert_int_eq(qv_c_array_save(&byte, 1, dir, NULL, &err), QV_E_USAGE);
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", dir);
    ck_assert_msg(system(cmd) == 0, "files were left in %s", dir);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(missing_directory_is_io_error)
{
    struct qv_error err = QV_ERROR_INIT;
    uint8_t byte = 1;
    ck_assert_int_eq(qv_c_array_save(&byte, 1, "/nonexistent/qvet", "m", &err), QV_E_IO);
}
END_TEST

Suite *c_array_suite(void)
{
    Suite *s = suite_create("c_array");
    TCase *tc = tcase_create("export");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, sizes_compile_and_match, 0, 7);
    tcase_add_test(tc, fixture_model_exports);
    tcase_add_test(tc, bad_names_are_refused_and_write_nothing);
    tcase_add_test(tc, missing_directory_is_io_error);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(c_array)
