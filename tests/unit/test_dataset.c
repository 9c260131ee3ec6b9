/* SPDX-License-Identifier: Apache-2.0 */
/* Datasets from .npy: dtype conversion, shapes, labels files (.npy and .csv), count checks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static void save(const char *path, enum qv_dtype dt, struct qv_shape shape, const void *data)
{
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_msg(qv_npy_save(path, dt, &shape, data, &err) == QV_OK, "%s", err.msg);
}

static struct qv_dataset *open_ok(const char *path, const struct qv_dataset_opts *o)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_dataset *ds = NULL;
    ck_assert_msg(qv_dataset_open(path, o, &ds, &err) == QV_OK, "%s", err.msg);
    return ds;
}

START_TEST(every_dtype_converts_to_float)
{
    char *dir = qvt_tmpdir();
    char *p = qvt_path(dir, "x.npy");
    const int8_t i8[6] = { -128, -1, 0, 1, 2, 127 };
    const uint8_t u8[6] = { 0, 1, 2, 128, 254, 255 };
    const int16_t i16[6] = { -32768, -5, 0, 5, 300, 32767 };
    const int32_t i32[6] = { -16777216, -7, 0, 7, 1000000, 16777216 };
    const float f32[6] = { -1.5f, 0, 0.25f, 1e-30f, 3e38f, 7 };
    const int64_t i64[6] = { -16777216, -7, 0, 7, 1000000, 16777216 };
    const uint8_t b[6] = { 0, 1, 1, 0, 0, 1 };
    const void *src[QV_DTYPE_COUNT] = { f32, i8, u8, i16, i32, i64, b };
    for (int dt = 0; dt < QV_DTYPE_COUNT; dt++) {
        save(p, dt, (struct qv_shape){ 3, { 3, 2, 1 } }, src[dt]);
        struct qv_dataset *ds = open_ok(p, NULL);
        ck_assert_int_eq(qv_dataset_dtype(ds), dt);
        const struct qv_shape *ss = qv_dataset_sample_shape(ds);
        ck_assert_int_eq(ss->rank, 2);
        ck_assert(ss->dims[0] == 2 && ss->dims[1] == 1);
        ck_assert(!qv_dataset_has_labels(ds));
        float x[6], want[6];
        int64_t got, total = 0;
        struct qv_error err = QV_ERROR_INIT;
        do {
            ck_assert_int_eq(qv_dataset_read(ds, 2, x + total * 2, NULL, &got, &err), QV_OK);
            total += got;
        } while (got > 0);
        ck_assert_int_eq(total, 3);
        for (int i = 0; i < 6; i++) {
            switch (dt) {
            case QV_DTYPE_F32: want[i] = f32[i]; break;
            case QV_DTYPE_I8: want[i] = i8[i]; break;
            case QV_DTYPE_U8: want[i] = u8[i]; break;
            case QV_DTYPE_I16: want[i] = i16[i]; break;
            case QV_DTYPE_I64: want[i] = (float)i64[i]; break;
            case QV_DTYPE_BOOL: want[i] = b[i]; break;
            default: want[i] = (float)i32[i]; break;
            }
        }
        qvt_assert_f32_close(qv_dtype_name(dt), x, want, 6, 0, 0);
        qv_dataset_close(ds);
    }
    free(p);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/*
 * qv_dataset_read_arrays_raw delivers the bytes of the file in each array's dtype (the runner
 * copies int8 codes into an int8 input as they are), and qv_data_to_f32 of them equals what
 * qv_dataset_read delivers; rows of 37 int8 elements cover the 16-wide conversion and its tail.
 */
START_TEST(raw_rows_as_read)
{
    char *dir = qvt_tmpdir();
    char *p = qvt_path(dir, "x.npy");
    int8_t i8[5 * 37];
    for (int i = 0; i < 5 * 37; i++)
        i8[i] = (int8_t)(i * 71 % 256 - 128);
    const int16_t i16[4] = { -32768, -5, 300, 32767 };
    const float f32[4] = { -1.5f, 0, 0.25f, 3e38f };
    const struct { enum qv_dtype dt; const void *data; int64_t rows, elems; } cases[] = {
        { QV_DTYPE_I8, i8, 5, 37 }, { QV_DTYPE_I16, i16, 2, 2 }, { QV_DTYPE_F32, f32, 4, 1 },
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        const int64_t rows = cases[c].rows, elems = cases[c].elems;
        const size_t es = qv_dtype_size(cases[c].dt), bytes = (size_t)(rows * elems) * es;
        save(p, cases[c].dt, (struct qv_shape){ 2, { rows, elems } }, cases[c].data);
        struct qv_dataset *ds = open_ok(p, NULL), *ds2 = open_ok(p, NULL);
        ck_assert_int_eq(qv_dataset_array_dtype(ds, 0), cases[c].dt);
        char raw[5 * 37 * 4];
        float x[5 * 37], y[5 * 37];
        int64_t got, total = 0;
        struct qv_error err = QV_ERROR_INIT;
        do {   /* 2 rows at a time: each read lands at its row's byte offset */
            void *dst = raw + (size_t)(total * elems) * es;
            ck_assert_int_eq(qv_dataset_read_arrays_raw(ds, 2, &dst, NULL, &got, &err), QV_OK);
            total += got;
        } while (got > 0);
        ck_assert_int_eq(total, rows);
        ck_assert_msg(memcmp(raw, cases[c].data, bytes) == 0, "%s: raw rows differ",
                      qv_dtype_name(cases[c].dt));
        ck_assert_int_eq(qv_dataset_read(ds2, rows, x, NULL, &got, &err), QV_OK);
        ck_assert_int_eq(got, rows);
        qv_data_to_f32(cases[c].dt, raw, rows * elems, y);
        qvt_assert_f32_close(qv_dtype_name(cases[c].dt), y, x, rows * elems, 0, 0);
        qv_dataset_close(ds);
        qv_dataset_close(ds2);
    }
    free(p);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(shapes)
{
    char *dir = qvt_tmpdir();
    char *p = qvt_path(dir, "x.npy");
    float v[4] = { 1, 2, 3, 4 };
    struct qv_error err = QV_ERROR_INIT;
    struct qv_dataset *ds = NULL;
    /* [N]: scalar samples. */
    save(p, QV_DTYPE_F32, (struct qv_shape){ 1, { 4 } }, v);
    ds = open_ok(p, NULL);
    ck_assert_int_eq(qv_dataset_sample_shape(ds)->rank, 0);
    float x[4];
    int64_t got;
    ck_assert_int_eq(qv_dataset_read(ds, 10, x, NULL, &got, &err), QV_OK);
    ck_assert_int_eq(got, 4);
    qv_dataset_close(ds);
    /* N = 0 is a valid, empty dataset. */
    save(p, QV_DTYPE_F32, (struct qv_shape){ 2, { 0, 3 } }, v);
    ds = open_ok(p, NULL);
    ck_assert_int_eq(qv_dataset_read(ds, 10, x, NULL, &got, &err), QV_OK);
    ck_assert_int_eq(got, 0);
    ck_assert_int_eq(qv_dataset_read(ds, 0, x, NULL, &got, &err), QV_E_USAGE);
    qv_dataset_close(ds);
    /* Rank 0 has no N: rejected at the shape tuple. */
    save(p, QV_DTYPE_F32, (struct qv_shape){ 0, { 0 } }, v);
    ck_assert_int_eq(qv_dataset_open(p, NULL, &ds, &err), QV_E_INPUT);
    ck_assert_int_eq(err.offset, 60);
    ck_assert_str_eq(err.path, p);
    free(p);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(nonfinite_in_npy_dataset)
{
    char *dir = qvt_tmpdir();
    char *p = qvt_path(dir, "x.npy");
    float v[6] = { 1, 2, 3, 4, INFINITY, 6 };
    save(p, QV_DTYPE_F32, (struct qv_shape){ 2, { 3, 2 } }, v);
    struct qv_error err = QV_ERROR_INIT;
    struct qv_dataset *ds = open_ok(p, NULL);
    float x[6];
    int64_t got;
    ck_assert_int_eq(qv_dataset_read(ds, 3, x, NULL, &got, &err), QV_E_INPUT);
    ck_assert_int_eq(err.offset, 128 + 16);
    ck_assert_msg(strstr(err.msg, "sample 2, element 0") != NULL, "%s", err.msg);
    qv_dataset_close(ds);
    struct qv_dataset_opts o = { .allow_nonfinite = true };
    ds = open_ok(p, &o);
    ck_assert_int_eq(qv_dataset_read(ds, 3, x, NULL, &got, &err), QV_OK);
    ck_assert(isinf(x[4]));
    qv_dataset_close(ds);
    free(p);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(npy_labels)
{
    char *dir = qvt_tmpdir();
    char *p = qvt_path(dir, "x.npy"), *lp = qvt_path(dir, "y.npy");
    uint8_t v[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    save(p, QV_DTYPE_U8, (struct qv_shape){ 2, { 4, 2 } }, v);
    struct qv_dataset_opts o = { .labels_path = lp };
    struct qv_error err = QV_ERROR_INIT;
    float x[8];
    double l[4];
    int64_t got;
    /* [N] int32 labels and [N, 1] int8 labels. */
    const int32_t l32[4] = { 3, 1, 4, 1 };
    const int8_t l8[4] = { -1, 0, 1, 2 };
    save(lp, QV_DTYPE_I32, (struct qv_shape){ 1, { 4 } }, l32);
    struct qv_dataset *ds = open_ok(p, &o);
    ck_assert(qv_dataset_has_labels(ds));
    ck_assert_int_eq(qv_dataset_read(ds, 3, x, l, &got, &err), QV_OK);
    ck_assert_int_eq(got, 3);
    ck_assert_int_eq(qv_dataset_read(ds, 3, x + 6, l + 3, &got, &err), QV_OK);
    ck_assert_int_eq(got, 1);
    ck_assert(l[0] == 3 && l[1] == 1 && l[2] == 4 && l[3] == 1);
    ck_assert_int_eq(qv_dataset_read(ds, 3, x, l, &got, &err), QV_OK);
    ck_assert_int_eq(got, 0);
    qv_dataset_close(ds);
    save(lp, QV_DTYPE_I8, (struct qv_shape){ 2, { 4, 1 } }, l8);
    ds = open_ok(p, &o);
    ck_assert_int_eq(qv_dataset_read(ds, 4, x, l, &got, &err), QV_OK);
    ck_assert(l[0] == -1 && l[3] == 2);
    qv_dataset_close(ds);
    /* Count mismatch: found at open, naming both files. */
    save(lp, QV_DTYPE_I32, (struct qv_shape){ 1, { 3 } }, l32);
    ck_assert_int_eq(qv_dataset_open(p, &o, &ds, &err), QV_E_INPUT);
    ck_assert(strstr(err.msg, p) && strstr(err.msg, lp));
    ck_assert_msg(strstr(err.msg, "3 labels") && strstr(err.msg, "4 samples"), "%s", err.msg);
    /* [N, 2] labels are not labels. */
    save(lp, QV_DTYPE_I8, (struct qv_shape){ 2, { 4, 2 } }, v);
    qv_error_clear(&err);
    ck_assert_int_eq(qv_dataset_open(p, &o, &ds, &err), QV_E_INPUT);
    ck_assert_str_eq(err.path, lp);
    ck_assert_int_eq(err.offset, 60);
    free(p);
    free(lp);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(npy_data_csv_labels)
{
    char *dir = qvt_tmpdir();
    char *p = qvt_path(dir, "x.npy"), *lp = qvt_path(dir, "labels.csv");
    int16_t v[3] = { 1, 2, 3 };
    save(p, QV_DTYPE_I16, (struct qv_shape){ 2, { 3, 1 } }, v);
    struct qv_dataset_opts o = { .labels_path = lp };
    struct qv_error err = QV_ERROR_INIT;
    float x[3];
    double l[3];
    int64_t got;
    qvt_write_file(lp, "label\n0\n1\n0", 11);
    struct qv_dataset *ds = open_ok(p, &o);
    ck_assert_int_eq(qv_dataset_read(ds, 3, x, l, &got, &err), QV_OK);
    ck_assert_int_eq(got, 3);
    ck_assert(l[0] == 0 && l[1] == 1 && l[2] == 0);
    ck_assert_int_eq(qv_dataset_read(ds, 3, x, l, &got, &err), QV_OK);
    ck_assert_int_eq(got, 0);
    qv_dataset_close(ds);
    /* One label too many: reported when the samples run out. */
    qvt_write_file(lp, "0\n1\n0\n1\n", 8);
    ds = open_ok(p, &o);
    ck_assert_int_eq(qv_dataset_read(ds, 3, x, l, &got, &err), QV_OK);
    ck_assert_int_eq(qv_dataset_read(ds, 3, x, l, &got, &err), QV_E_INPUT);
    ck_assert(strstr(err.msg, p) && strstr(err.msg, lp));
    qv_dataset_close(ds);
    /* Labels may be NULL: they are still counted. */
    qvt_write_file(lp, "0\n1\n", 4);
    ds = open_ok(p, &o);
    ck_assert_int_eq(qv_dataset_read(ds, 3, x, NULL, &got, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "has 2 labels") != NULL, "%s", err.msg);
    qv_dataset_close(ds);
    free(p);
    free(lp);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(kind_detection_and_missing)
{
    char *dir = qvt_tmpdir();
    char *p = qvt_path(dir, "data.bin"), *c = qvt_path(dir, "data.csv");
    char *m = qvt_path(dir, "missing.npy");
    float v[2] = { 1, 2 };
    struct qv_error err = QV_ERROR_INIT;
    struct qv_dataset *ds = NULL;
    /* Unknown extension: content decides. */
    save(p, QV_DTYPE_F32, (struct qv_shape){ 2, { 1, 2 } }, v);
    ds = open_ok(p, NULL);
    ck_assert_int_eq(qv_dataset_sample_shape(ds)->dims[0], 2);
    qv_dataset_close(ds);
    qvt_write_file(p, "1,2\n", 4);
    ds = open_ok(p, NULL);
    ck_assert_int_eq(qv_dataset_sample_shape(ds)->dims[0], 2);
    qv_dataset_close(ds);
    /* .csv holding an array. */
    save(c, QV_DTYPE_F32, (struct qv_shape){ 2, { 1, 2 } }, v);
    ck_assert_int_eq(qv_dataset_open(c, NULL, &ds, &err), QV_E_INPUT);
    ck_assert_int_eq(err.offset, 0);
    /* Missing files: QV_E_IO naming the path. */
    qv_error_clear(&err);
    ck_assert_int_eq(qv_dataset_open(m, NULL, &ds, &err), QV_E_IO);
    ck_assert_str_eq(err.path, m);
    free(p);
    free(c);
    free(m);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

Suite *dataset_suite(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("npy");
    tcase_add_test(tc, every_dtype_converts_to_float);
    tcase_add_test(tc, shapes);
    tcase_add_test(tc, nonfinite_in_npy_dataset);
    tcase_add_test(tc, raw_rows_as_read);
    tcase_add_test(tc, npy_labels);
    tcase_add_test(tc, npy_data_csv_labels);
    tcase_add_test(tc, kind_detection_and_missing);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(dataset)
