/* SPDX-License-Identifier: Apache-2.0 */
/* CSV datasets: headers, label columns, line ends, quoting, streaming, hostile rows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/io_internal.h"
#include "support.h"

struct csv_result {
    enum qv_status st;
    struct qv_error err;
    int64_t n;
    int32_t features;
    bool has_labels;
    float x[64];
    double labels[16];
};

/* Writes text to DIR/name and reads the whole dataset in batches of `batch`. */
static void run_csv(const char *text, const struct qv_dataset_opts *opts, int64_t batch,
                    struct csv_result *r)
{
    char *dir = qvt_tmpdir();
    char *path = qvt_path(dir, "data.csv");
    qvt_write_file(path, text, strlen(text));
    struct qv_dataset *ds = NULL;
    memset(r, 0, sizeof(*r));
    qv_error_clear(&r->err);
    r->st = qv_dataset_open(path, opts, &ds, &r->err);
    if (r->st == QV_OK) {
        r->features = (int32_t)qv_dataset_sample_shape(ds)->dims[0];
        ck_assert_int_eq(qv_dataset_sample_shape(ds)->rank, 1);
        ck_assert_int_eq(qv_dataset_dtype(ds), QV_DTYPE_F32);
        r->has_labels = qv_dataset_has_labels(ds);
        for (;;) {
            int64_t got = 0;
            ck_assert_int_le((r->n + batch) * r->features, 64);
            r->st = qv_dataset_read(ds, batch, r->x + r->n * r->features, r->labels + r->n, &got,
                                    &r->err);
            if (r->st != QV_OK || got == 0)
                break;
            r->n += got;
        }
    }
    qv_dataset_close(ds);
    if (r->st != QV_OK)
        ck_assert_str_eq(r->err.path, path);
    free(path);
    qvt_rmtree(dir);
    free(dir);
}

static void expect_fail(const char *text, const struct qv_dataset_opts *opts, int32_t line,
                        int32_t col, const char *needle)
{
    struct csv_result r;
    run_csv(text, opts, 2, &r);
    ck_assert_msg(r.st == QV_E_INPUT, "expected an input error for '%s', got %d (%s)", text,
                  r.st, r.err.msg);
    ck_assert_msg(r.err.line == line && r.err.col == col,
                  "'%s': error at %d:%d, expected %d:%d (%s)", text, r.err.line, r.err.col, line,
                  col, r.err.msg);
    if (needle)
        ck_assert_msg(strstr(r.err.msg, needle) != NULL, "message '%s' lacks '%s'", r.err.msg,
                      needle);
}

START_TEST(header_with_label_column)
{
    struct csv_result r;
    run_csv("a,label,b\n1,0,2\n3,1,4.5\n-1e2,2,0x10\n", NULL, 2, &r);
    ck_assert_int_eq(r.st, QV_OK);
    ck_assert_int_eq(r.n, 3);
    ck_assert_int_eq(r.features, 2);
    ck_assert(r.has_labels);
    const float want[] = { 1, 2, 3, 4.5f, -100, 16 };
    qvt_assert_f32_close("x", r.x, want, 6, 0, 0);
    ck_assert(r.labels[0] == 0 && r.labels[1] == 1 && r.labels[2] == 2);
}
END_TEST

START_TEST(no_header_no_labels)
{
    struct csv_result r;
    run_csv("1,2,3\n4,5,6", NULL, 1, &r);
    ck_assert_int_eq(r.st, QV_OK);
    ck_assert_int_eq(r.n, 2);
    ck_assert_int_eq(r.features, 3);
    ck_assert(!r.has_labels);
    const float want[] = { 1, 2, 3, 4, 5, 6 };
    qvt_assert_f32_close("x", r.x, want, 6, 0, 0);
}
END_TEST

START_TEST(header_without_label_column)
{
    struct csv_result r;
    run_csv("f0,f1\n1,2\n", NULL, 4, &r);
    ck_assert_int_eq(r.st, QV_OK);
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(r.features, 2);
    ck_assert(!r.has_labels);
}
END_TEST

START_TEST(explicit_label_column)
{
    struct csv_result r;
    struct qv_dataset_opts o = { .label_column = "y" };
    run_csv("y,x0,x1,label\n7,1,2,3\n8,4,5,6\n", &o, 5, &r);
    ck_assert_int_eq(r.st, QV_OK);
    ck_assert_int_eq(r.features, 3);   /* "label" is an ordinary column here */
    ck_assert(r.labels[0] == 7 && r.labels[1] == 8);
    const float want[] = { 1, 2, 3, 4, 5, 6 };
    qvt_assert_f32_close("x", r.x, want, 6, 0, 0);
    o.label_column = "nope";
    expect_fail("y,x\n1,2\n", &o, 1, 0, "no column named 'nope'");
    expect_fail("1,2\n", &o, 1, 0, "no header");
}
END_TEST

/* CRLF, CR, BOM, quotes, spaces, blank lines, no final newline all read the same. */
START_TEST(line_ends_quotes_bom)
{
    static const char *const texts[] = {
        "a,b,label\n1,2,0\n3,4,1\n",
        "a,b,label\r\n1,2,0\r\n3,4,1\r\n",
        "a,b,label\r1,2,0\r3,4,1",
        "\xEF\xBB\xBF" "a,b,label\n1,2,0\n3,4,1",
        "\"a\",\"b\",\"label\"\n\"1\",\" 2 \",0\n\n\n3 , 4,\t1\n\n",
        "a,b,label\r\n\r\n1,2,0\r\n3,4,1",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct csv_result r;
        run_csv(texts[i], NULL, 1, &r);
        ck_assert_msg(r.st == QV_OK, "text %zu: %s", i, r.err.msg);
        ck_assert_int_eq(r.n, 2);
        ck_assert_int_eq(r.features, 2);
        const float want[] = { 1, 2, 3, 4 };
        qvt_assert_f32_close("x", r.x, want, 4, 0, 0);
        ck_assert(r.labels[0] == 0 && r.labels[1] == 1);
    }
}
END_TEST

/* Batches of any size read the same samples as one big read, across parser chunk borders. */
START_TEST(streamed_batches)
{
    char *dir = qvt_tmpdir();
    char *path = qvt_path(dir, "big.csv");
    FILE *f = fopen(path, "w");
    fprintf(f, "x0,x1,label\n");
    const int n = 30000;   /* ~500 KB: several 64 KiB parser chunks */
    for (int i = 0; i < n; i++)
        fprintf(f, "%d.5,%d,%d\r\n", i, -i, i % 10);
    fclose(f);
    float *x = malloc((size_t)n * 2 * sizeof(float));
    double *l = malloc((size_t)n * sizeof(double));
    const int64_t batches[] = { 1, 7, 4096, 100000 };
    for (size_t b = 0; b < 4; b++) {
        struct qv_error err = QV_ERROR_INIT;
        struct qv_dataset *ds;
        ck_assert_int_eq(qv_dataset_open(path, NULL, &ds, &err), QV_OK);
        int64_t total = 0, got;
        do {
            int64_t want = batches[b] < n - total ? batches[b] : n - total;
            if (want == 0)
                want = 1;
            ck_assert_int_eq(qv_dataset_read(ds, want, x + total * 2, l + total, &got, &err),
                             QV_OK);
            total += got;
        } while (got > 0);
        ck_assert_int_eq(total, n);
        for (int i = 0; i < n; i++) {
            ck_assert(x[2 * i] == (float)i + 0.5f && x[2 * i + 1] == (float)-i);
            ck_assert(l[i] == i % 10);
        }
        qv_dataset_close(ds);
    }
    free(x);
    free(l);
    free(path);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- hostile -------------------------------------------------------------------------------- */

START_TEST(ragged_rows)
{
    expect_fail("a,b\n1,2\n3,4,5\n", NULL, 3, 3, "3 fields, expected 2");
    expect_fail("a,b\n1,2\n3\n", NULL, 3, 2, "1 fields, expected 2");
    expect_fail("1,2\n\n\n3\n", NULL, 4, 2, "(as in line 1)");
    expect_fail("1,2\r\n3,4\r\n5,6,\r\n", NULL, 3, 3, NULL);
}
END_TEST

START_TEST(non_numeric_and_empty_fields)
{
    expect_fail("a,b\n1,2\n3,abc\n", NULL, 3, 2, "column 2: 'abc' is not a number");
    expect_fail("1,2\n3,12abc\n", NULL, 2, 2, "'12abc'");
    expect_fail("a,b\n1,\n", NULL, 2, 2, "column 2 is empty");
    expect_fail("a,b\n,1\n", NULL, 2, 1, "column 1 is empty");
    expect_fail("a,b\n1,\"\"\n", NULL, 2, 2, "empty");
    expect_fail("1,2\n1,1e39\n", NULL, 2, 2, "float32 range");
    /* A quoted field spanning lines moves the line count of what follows. */
    expect_fail("\"a\nb\",c\n1,2\n3,x\n", NULL, 4, 2, "'x'");
    /* The label column is checked too. */
    expect_fail("a,label\n1,cat\n", NULL, 2, 2, "'cat'");
}
END_TEST

START_TEST(nonfinite_values)
{
    expect_fail("a,b\n1,nan\n", NULL, 2, 2, "not finite");
    expect_fail("a,b\n1,2\n-inf,2\n", NULL, 3, 1, "'-inf'");
    expect_fail("1,Infinity\n", NULL, 1, 2, "not finite");
    struct csv_result r;
    struct qv_dataset_opts o = { .allow_nonfinite = true };
    run_csv("a,b\n1,nan\n-inf,2\n", &o, 2, &r);
    ck_assert_int_eq(r.st, QV_OK);
    ck_assert(isnan(r.x[1]) && isinf(r.x[2]) && r.x[2] < 0);
}
END_TEST

START_TEST(empty_and_header_only)
{
    expect_fail("", NULL, 1, 0, "empty");
    expect_fail("\n\r\n\n", NULL, 1, 0, "empty");
    expect_fail("a,b,label\n", NULL, 1, 0, "no samples");
    expect_fail("\n\na,b,label\n\n", NULL, 3, 0, "no samples");
    expect_fail("label\n1\n", NULL, 2, 0, "no feature columns");
}
END_TEST

START_TEST(malformed_quotes)
{
    expect_fail("a,b\n1,2\n3,4\"x\n", NULL, 3, 2, "malformed CSV");
    expect_fail("a,b\n1,\"2\"x\n", NULL, 2, 2, "malformed CSV");
    expect_fail("a,b\n1,2\n\"3,4\n", NULL, 3, 1, "malformed CSV");
    expect_fail("a,b\n1,2\n3,\"4\n5,6\n", NULL, 3, 2, "malformed CSV");
}
END_TEST

START_TEST(labels_file)
{
    char *dir = qvt_tmpdir();
    char *data = qvt_path(dir, "x.csv"), *lab = qvt_path(dir, "y.csv");
    qvt_write_file(data, "a,b\n1,2\n3,4\n5,6\n", 16);
    struct qv_dataset_opts o = { .labels_path = lab };
    float x[6];
    double l[3];
    int64_t got;
    struct qv_error err = QV_ERROR_INIT;
    struct qv_dataset *ds;
    /* With a header line, CRLF. */
    qvt_write_file(lab, "class\r\n2\r\n0\r\n1\r\n", 16);
    ck_assert_int_eq(qv_dataset_open(data, &o, &ds, &err), QV_OK);
    ck_assert(qv_dataset_has_labels(ds));
    ck_assert_int_eq(qv_dataset_read(ds, 10, x, l, &got, &err), QV_OK);
    ck_assert_int_eq(got, 3);
    ck_assert(l[0] == 2 && l[1] == 0 && l[2] == 1);
    ck_assert_int_eq(qv_dataset_read(ds, 10, x, l, &got, &err), QV_OK);
    ck_assert_int_eq(got, 0);
    qv_dataset_close(ds);
    /* Fewer labels than samples: an error naming both files. */
    qvt_write_file(lab, "2\n0\n", 4);
    ck_assert_int_eq(qv_dataset_open(data, &o, &ds, &err), QV_OK);
    ck_assert_int_eq(qv_dataset_read(ds, 10, x, l, &got, &err), QV_E_INPUT);
    ck_assert_str_eq(err.path, lab);
    ck_assert(strstr(err.msg, lab) && strstr(err.msg, data));
    ck_assert_msg(strstr(err.msg, "has 2 labels") != NULL, "%s", err.msg);
    qv_dataset_close(ds);
    /* More labels than samples: noticed at the end. */
    qvt_write_file(lab, "2\n0\n1\n1\n", 8);
    qv_error_clear(&err);
    ck_assert_int_eq(qv_dataset_open(data, &o, &ds, &err), QV_OK);
    ck_assert_int_eq(qv_dataset_read(ds, 2, x, l, &got, &err), QV_OK);
    ck_assert_int_eq(qv_dataset_read(ds, 2, x, l, &got, &err), QV_OK);
    ck_assert_int_eq(qv_dataset_read(ds, 2, x, l, &got, &err), QV_E_INPUT);
    ck_assert(strstr(err.msg, lab) && strstr(err.msg, data) && strstr(err.msg, "more labels"));
    qv_dataset_close(ds);
    /* A bad label names the labels file, line and column. */
    qvt_write_file(lab, "2\nx\n1\n", 6);
    qv_error_clear(&err);
    ck_assert_int_eq(qv_dataset_open(data, &o, &ds, &err), QV_OK);
    ck_assert_int_eq(qv_dataset_read(ds, 3, x, l, &got, &err), QV_E_INPUT);
    ck_assert_str_eq(err.path, lab);
    ck_assert_int_eq(err.line, 2);
    ck_assert_int_eq(err.col, 1);
    qv_dataset_close(ds);
    /* Two fields in a labels record. */
    qvt_write_file(lab, "2\n0,1\n1\n", 8);
    qv_error_clear(&err);
    ck_assert_int_eq(qv_dataset_open(data, &o, &ds, &err), QV_OK);
    ck_assert_int_eq(qv_dataset_read(ds, 3, x, l, &got, &err), QV_E_INPUT);
    ck_assert_int_eq(err.line, 2);
    qv_dataset_close(ds);
    /* Labels file and a label column at once is a usage error. */
    o.label_column = "label";
    ck_assert_int_eq(qv_dataset_open(data, &o, &ds, &err), QV_E_USAGE);
    /* A missing labels file is an I/O error naming it. */
    o.label_column = NULL;
    char *missing = qvt_path(dir, "nope.csv");
    o.labels_path = missing;
    qv_error_clear(&err);
    ck_assert_int_eq(qv_dataset_open(data, &o, &ds, &err), QV_E_IO);
    ck_assert_str_eq(err.path, missing);
    free(missing);
    free(data);
    free(lab);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(committed_hostile_files)
{
    static const struct {
        const char *name;
        int32_t line, col;
    } files[] = {
        { "hostile/csv_ragged.csv", 4, 4 },
        { "hostile/csv_non_numeric.csv", 3, 2 },
        { "hostile/csv_empty.csv", 1, 0 },
        { "hostile/csv_header_only.csv", 1, 0 },
        { "hostile/csv_nan.csv", 2, 3 },
        { "hostile/csv_bad_quote.csv", 2, 1 },
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct qv_error err = QV_ERROR_INIT;
        struct qv_dataset *ds = NULL;
        const char *path = qvt_fixture(files[i].name);
        enum qv_status st = qv_dataset_open(path, NULL, &ds, &err);
        float x[64];
        int64_t got;
        while (st == QV_OK) {
            st = qv_dataset_read(ds, 4, x, NULL, &got, &err);
            if (st == QV_OK && got == 0)
                break;
        }
        qv_dataset_close(ds);
        ck_assert_msg(st == QV_E_INPUT, "%s: %d", files[i].name, st);
        ck_assert_msg(err.line == files[i].line && err.col == files[i].col, "%s: %d:%d (%s)",
                      files[i].name, err.line, err.col, err.msg);
    }
}
END_TEST

START_TEST(parse_number_rules)
{
    double v;
    ck_assert_int_eq(qv_parse_number(" 1.5 ", 5, &v), QV_NUM_OK);
    ck_assert(v == 1.5);
    ck_assert_int_eq(qv_parse_number("", 0, &v), QV_NUM_EMPTY);
    ck_assert_int_eq(qv_parse_number("  ", 2, &v), QV_NUM_EMPTY);
    ck_assert_int_eq(qv_parse_number("1 2", 3, &v), QV_NUM_INVALID);
    ck_assert_int_eq(qv_parse_number("1\0002", 3, &v), QV_NUM_INVALID);
    ck_assert_int_eq(qv_parse_number("NaN", 3, &v), QV_NUM_NONFINITE);
    ck_assert_int_eq(qv_parse_number("-1e400", 6, &v), QV_NUM_NONFINITE);
    ck_assert_int_eq(qv_parse_number("3.5e38", 6, &v), QV_NUM_RANGE);
    ck_assert_int_eq(qv_parse_number("1e-50", 5, &v), QV_NUM_OK);
}
END_TEST

Suite *csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("read");
    tcase_add_test(tc, header_with_label_column);
    tcase_add_test(tc, no_header_no_labels);
    tcase_add_test(tc, header_without_label_column);
    tcase_add_test(tc, explicit_label_column);
    tcase_add_test(tc, line_ends_quotes_bom);
    tcase_add_test(tc, streamed_batches);
    tcase_add_test(tc, labels_file);
    tcase_add_test(tc, parse_number_rules);
    suite_add_tcase(s, tc);
    tc = tcase_create("hostile");
    tcase_add_test(tc, ragged_rows);
    tcase_add_test(tc, non_numeric_and_empty_fields);
    tcase_add_test(tc, nonfinite_values);
    tcase_add_test(tc, empty_and_header_only);
    tcase_add_test(tc, malformed_quotes);
    tcase_add_test(tc, committed_hostile_files);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(csv)
