/* SPDX-License-Identifier: Apache-2.0 */
/* .npy reader and writers: round trips, numpy-exact headers, streaming, hostile headers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

/* ---- helpers ------------------------------------------------------------------------------- */

/* Writes an .npy file with the given version and raw header text (no padding added). */
static void write_npy_raw(const char *path, int version, const char *header, const void *data,
                          size_t n)
{
    size_t hl = strlen(header), pre = version == 1 ? 10 : 12;
    unsigned char *buf = malloc(pre + hl + n + 1);
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)version;
    buf[7] = 0;
    for (size_t i = 0; i < pre - 8; i++)
        buf[8 + i] = (unsigned char)(hl >> (8 * i));
    memcpy(buf + pre, header, hl);
    if (n)
        memcpy(buf + pre + hl, data, n);
    qvt_write_file(path, buf, pre + hl + n);
    free(buf);
}

/* Opens path expecting QV_E_INPUT at offset with msg containing needle. */
static void expect_open_fails(const char *path, int64_t offset, const char *needle)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_npy *npy = NULL;
    ck_assert_int_eq(qv_npy_open(path, &npy, &err), QV_E_INPUT);
    ck_assert_ptr_null(npy);
    ck_assert_msg(err.offset == offset, "%s: offset %lld, expected %lld (%s)", path,
                  (long long)err.offset, (long long)offset, err.msg);
    ck_assert_str_eq(err.path, path);
    if (needle)
        ck_assert_msg(strstr(err.msg, needle) != NULL, "message '%s' lacks '%s'", err.msg, needle);
}

static struct qv_npy *open_ok(const char *path)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_npy *npy = NULL;
    enum qv_status st = qv_npy_open(path, &npy, &err);
    ck_assert_msg(st == QV_OK, "open %s: %s", path, err.msg);
    return npy;
}

static void fill_pattern(enum qv_dtype dt, void *buf, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        switch (dt) {
        case QV_DTYPE_F32: ((float *)buf)[i] = (float)i * 0.25f - 3.0f; break;
        case QV_DTYPE_I8: ((int8_t *)buf)[i] = (int8_t)(i * 37 - 128); break;
        case QV_DTYPE_U8: ((uint8_t *)buf)[i] = (uint8_t)(i * 53); break;
        case QV_DTYPE_I16: ((int16_t *)buf)[i] = (int16_t)(i * 1009 - 30000); break;
        case QV_DTYPE_I32: ((int32_t *)buf)[i] = (int32_t)(i * 100003 - 2000000000); break;
        case QV_DTYPE_I64: ((int64_t *)buf)[i] = i * 1000000007LL - 4000000000000LL; break;
        case QV_DTYPE_BOOL: ((uint8_t *)buf)[i] = (uint8_t)(i % 3 == 1); break;
        default: break;
        }
    }
}

/* ---- round trips --------------------------------------------------------------------------- */

static const struct qv_shape rt_shapes[] = {
    { 1, { 7 } }, { 2, { 3, 5 } }, { 4, { 2, 3, 4, 5 } }, { 2, { 0, 4 } }, { 3, { 2, 0, 3 } },
    { 8, { 1, 2, 1, 2, 1, 2, 1, 3 } },
};

START_TEST(roundtrip_every_dtype)
{
    char *dir = qvt_tmpdir();
    char *path = qvt_path(dir, "a.npy");
    for (int dt = 0; dt < QV_DTYPE_COUNT; dt++) {
        for (size_t s = 0; s < sizeof(rt_shapes) / sizeof(rt_shapes[0]); s++) {
            const struct qv_shape *sh = &rt_shapes[s];
            int64_t n = qv_shape_elems(sh);
            size_t bytes = (size_t)n * qv_dtype_size(dt);
            void *src = malloc(bytes + 1), *dst = malloc(bytes + 1);
            fill_pattern(dt, src, n);
            struct qv_error err = QV_ERROR_INIT;
            ck_assert_int_eq(qv_npy_save(path, dt, sh, src, &err), QV_OK);
            struct qv_npy *npy = open_ok(path);
            const struct qv_npy_info *info = qv_npy_get_info(npy);
            ck_assert_int_eq(info->dtype, dt);
            ck_assert(qv_shape_equal(&info->shape, sh));
            ck_assert_int_eq(info->data_offset % 64, 0);
            int64_t rows;
            if (sh->dims[0] > 0) {
                ck_assert_int_eq(qv_npy_read_rows(npy, 1000, dst, false, &rows, &err), QV_OK);
                ck_assert_int_eq(rows, sh->dims[0]);
                qvt_assert_bytes_equal("roundtrip", dst, src, bytes, 1);
            }
            ck_assert_int_eq(qv_npy_read_rows(npy, 1000, dst, false, &rows, &err), QV_OK);
            ck_assert_int_eq(rows, 0);
            qv_npy_close(npy);
            free(src);
            free(dst);
        }
    }
    free(path);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* What numpy 2.4 np.save() writes (captured with the project's .venv): header bytes exactly. */
START_TEST(header_matches_numpy_bytes)
{
    static const struct {
        enum qv_dtype dt;
        struct qv_shape shape;
        const char *dict;
    } cases[] = {
        { QV_DTYPE_F32, { 2, { 2, 3 } }, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" },
        { QV_DTYPE_I8, { 1, { 5 } }, "{'descr': '|i1', 'fortran_order': False, 'shape': (5,), }" },
        { QV_DTYPE_U8, { 0, { 0 } }, "{'descr': '|u1', 'fortran_order': False, 'shape': (), }" },
        { QV_DTYPE_I16, { 2, { 0, 4 } }, "{'descr': '<i2', 'fortran_order': False, 'shape': (0, 4), }" },
        { QV_DTYPE_I32, { 3, { 10, 1, 2 } }, "{'descr': '<i4', 'fortran_order': False, 'shape': (10, 1, 2), }" },
    };
    char *dir = qvt_tmpdir();
    char *path = qvt_path(dir, "h.npy");
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct qv_error err = QV_ERROR_INIT;
        int64_t n = qv_shape_elems(&cases[c].shape);
        void *data = calloc((size_t)n + 1, 4);
        ck_assert_int_eq(qv_npy_save(path, cases[c].dt, &cases[c].shape, data, &err), QV_OK);
        size_t size;
        char *got = qvt_read_file(path, &size);
        /* numpy: dict, spare spaces for 21 digits of shape[0], pad to 64 with spaces, '\n'. */
        char want[256];
        size_t dl = strlen(cases[c].dict);
        memcpy(want, "\x93NUMPY\x01\x00\x76\x00", 10);
        memcpy(want + 10, cases[c].dict, dl);
        memset(want + 10 + dl, ' ', 128 - 10 - dl - 1);
        want[127] = '\n';
        ck_assert_uint_eq(size, 128 + (size_t)n * qv_dtype_size(cases[c].dt));
        qvt_assert_bytes_equal(cases[c].dict, got, want, 128, 1);
        free(got);
        free(data);
    }
    free(path);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* Versions 2.0 and 3.0 (4-byte header length; 3.0 allows UTF-8) and dict spellings numpy
 * and other writers produce. */
START_TEST(reads_v2_v3_and_dict_variants)
{
    static const struct {
        int version;
        const char *header;
    } cases[] = {
        { 2, "{'descr': '<i2', 'fortran_order': False, 'shape': (3, 2), }\n" },
        { 3, "{'descr': '<i2', 'fortran_order': False, 'shape': (3, 2), }   \n" },
        { 1, "{'shape': (3, 2), 'fortran_order': False, 'descr': '<i2'}" },
        { 1, "{ \"descr\" : \"<i2\" ,\"fortran_order\":False,'shape':(3,2)}\n" },
        { 1, "{'descr': '<i2', 'fortran_order': False, 'shape': (3L, 2L), }" },
        { 1, "  {'fortran_order': False, 'shape': ( 3 , 2 , ), 'descr': '<i2', }  \n" },
    };
    int16_t data[6] = { 1, -2, 3, -4, 5, -32768 }, got[6];
    char *dir = qvt_tmpdir();
    char *path = qvt_path(dir, "v.npy");
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct qv_error err = QV_ERROR_INIT;
        write_npy_raw(path, cases[c].version, cases[c].header, data, sizeof(data));
        struct qv_npy *npy = open_ok(path);
        const struct qv_npy_info *info = qv_npy_get_info(npy);
        ck_assert_int_eq(info->dtype, QV_DTYPE_I16);
        ck_assert_int_eq(info->shape.rank, 2);
        ck_assert_int_eq(info->shape.dims[0], 3);
        ck_assert_int_eq(info->row_elems, 2);
        int64_t rows;
        ck_assert_int_eq(qv_npy_read_rows(npy, 5, got, false, &rows, &err), QV_OK);
        ck_assert_int_eq(rows, 3);
        qvt_assert_bytes_equal("data", got, data, 6, 2);
        qv_npy_close(npy);
    }
    /* 1-tuples, and '<i1' / '|i1' / '|u1' spellings. */
    write_npy_raw(path, 1, "{'descr': '<i1', 'fortran_order': False, 'shape': (5,)}", "abcde", 5);
    struct qv_npy *npy = open_ok(path);
    ck_assert_int_eq(qv_npy_get_info(npy)->dtype, QV_DTYPE_I8);
    ck_assert_int_eq(qv_npy_get_info(npy)->shape.rank, 1);
    ck_assert_int_eq(qv_npy_get_info(npy)->row_elems, 1);
    qv_npy_close(npy);
    free(path);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* Reading in batches of 1..7 rows gives the same bytes as one read. */
START_TEST(streamed_batches_equal_whole_read)
{
    char *dir = qvt_tmpdir();
    char *path = qvt_path(dir, "s.npy");
    struct qv_shape sh = { 3, { 23, 3, 2 } };
    float data[23 * 6], got[23 * 6];
    fill_pattern(QV_DTYPE_F32, data, 23 * 6);
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_npy_save(path, QV_DTYPE_F32, &sh, data, &err), QV_OK);
    for (int64_t batch = 1; batch <= 7; batch++) {
        struct qv_npy *npy = open_ok(path);
        int64_t total = 0, rows;
        memset(got, 0, sizeof(got));
        do {
            ck_assert_int_eq(qv_npy_read_rows(npy, batch, got + total * 6, false, &rows, &err),
                             QV_OK);
            ck_assert_int_le(rows, batch);
            total += rows;
        } while (rows > 0);
        ck_assert_int_eq(total, 23);
        qvt_assert_bytes_equal("batched", got, data, sizeof(data), 1);
        qv_npy_close(npy);
    }
    free(path);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* The streaming writer's output is byte-identical to qv_npy_save of the whole array. */
START_TEST(writer_matches_save)
{
    char *dir = qvt_tmpdir();
    char *a = qvt_path(dir, "a.npy"), *b = qvt_path(dir, "b.npy");
    static const struct qv_shape rows[] = { { 0, { 0 } }, { 1, { 3 } }, { 2, { 2, 2 } } };
    for (int dt = 0; dt < QV_DTYPE_COUNT; dt++) {
        for (size_t r = 0; r < 3; r++) {
            for (int64_t n = 0; n <= 1234; n += 617) {
                struct qv_error err = QV_ERROR_INIT;
                int64_t re = qv_shape_elems(&rows[r]);
                size_t rb = (size_t)re * qv_dtype_size(dt);
                unsigned char *data = malloc((size_t)n * rb + 1);
                fill_pattern(dt, data, n * re);
                struct qv_npy_writer *w = NULL;
                remove(b);
                ck_assert_int_eq(qv_npy_writer_open(b, dt, &rows[r], &w, &err), QV_OK);
                /* While writing, nothing exists at the target. */
                ck_assert_int_ne(access(b, F_OK), 0);
                for (int64_t i = 0; i < n;) {
                    int64_t k = (i % 5) + 1 < n - i ? (i % 5) + 1 : n - i;
                    ck_assert_int_eq(qv_npy_writer_append(w, data + (size_t)i * rb, k, &err), QV_OK);
                    i += k;
                }
                ck_assert_int_eq(qv_npy_writer_close(w, &err), QV_OK);
                struct qv_shape full = { rows[r].rank + 1, { n } };
                memcpy(full.dims + 1, rows[r].dims, (size_t)rows[r].rank * sizeof(int64_t));
                ck_assert_int_eq(qv_npy_save(a, dt, &full, data, &err), QV_OK);
                size_t sa, sb;
                char *fa = qvt_read_file(a, &sa), *fb = qvt_read_file(b, &sb);
                ck_assert_uint_eq(sa, sb);
                qvt_assert_bytes_equal("writer vs save", fb, fa, sa, 1);
                free(fa);
                free(fb);
                free(data);
            }
        }
    }
    free(a);
    free(b);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(writer_abort_leaves_nothing)
{
    char *dir = qvt_tmpdir();
    char *p = qvt_path(dir, "x.npy");
    struct qv_error err = QV_ERROR_INIT;
    struct qv_npy_writer *w = NULL;
    float row[2] = { 1, 2 };
    ck_assert_int_eq(qv_npy_writer_open(p, QV_DTYPE_F32, &(struct qv_shape){ 1, { 2 } }, &w, &err),
                     QV_OK);
    ck_assert_int_eq(qv_npy_writer_append(w, row, 1, &err), QV_OK);
    qv_npy_writer_abort(w);
    qv_npy_writer_abort(NULL);
    ck_assert_int_ne(access(p, F_OK), 0);
    /* The directory is empty again: no temporary left behind. */
    char *probe = qvt_path(dir, "*");
    ck_assert_int_eq(rmdir(dir), 0);
    free(probe);
    free(p);
    free(dir);
}
END_TEST

/* ---- hostile input --------------------------------------------------------------------------- */

/* Every proper prefix of a valid file fails cleanly with the offset where it ends. */
START_TEST(every_prefix_fails_with_offset)
{
    char *dir = qvt_tmpdir();
    char *full = qvt_path(dir, "full.npy"), *cut = qvt_path(dir, "cut.npy");
    float data[6] = { 1, 2, 3, 4, 5, 6 };
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_npy_save(full, QV_DTYPE_F32, &(struct qv_shape){ 2, { 3, 2 } }, data,
                                 &err), QV_OK);
    size_t size;
    char *bytes = qvt_read_file(full, &size);
    ck_assert_uint_eq(size, 128 + 24);
    for (size_t len = 0; len < size; len++) {
        qvt_write_file(cut, bytes, len);
        int64_t want = len >= 10 && len < 128 ? 8 : (int64_t)len;
        expect_open_fails(cut, want, NULL);
    }
    /* Plus trailing garbage after the data. */
    char *longer = malloc(size + 3);
    memcpy(longer, bytes, size);
    memcpy(longer + size, "xyz", 3);
    qvt_write_file(cut, longer, size + 3);
    expect_open_fails(cut, (int64_t)size, "unexpected data after the array");
    free(longer);
    free(bytes);
    free(full);
    free(cut);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* Header dicts that must be rejected: offset is relative to the header start (byte 10). */
static const struct {
    const char *header;
    int64_t offset;
    const char *needle;
} bad_dicts[] = {
    { "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 44, "fortran_order is True" },
    { "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 20, "big-endian" },
    { "{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }", 20, "big-endian" },
    { "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 20, "unsupported dtype '<c8'" },
    { "{'descr': '<u4', 'fortran_order': False, 'shape': (2,), }", 20, "unsupported dtype '<u4'" },
    { "{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }", 20, "unsupported dtype" },
    { "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 20, "structured" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 61, "negative dimension" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }", 64, "negative dimension" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 61,
      "more than 2^40" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576, 2), }", 60,
      "more than 2^40" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 1048576, 1048576, 2), }", 60,
      "more than 2^40" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (5), }", 60, "not a tuple" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': [5], }", 60, "not a tuple" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 77,
      "more than 8" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (2,,), }", 63, "expected an integer" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (2 3), }", 63, "expected ','" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", 64, "expected ',' or '}'" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (2,", 63, "expected an integer" },
    { "{'descr': '<f4', 'fortran_order': False}", 49, "missing key 'shape'" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", 66, "unknown key" },
    { "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", 27,
      "duplicate key" },
    { "{'descr': '<f4', 'fortran_order': Nope, 'shape': (2,)}", 44, "True or False" },
    { "{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2,)}", 44, "True or False" },
    { "{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}", 27, "expected ',' or '}'" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk", 66, "unexpected text" },
    { "['descr', '<f4']", 10, "expected '{'" },
    { "", 10, "expected '{'" },
    { "{'descr': 'a\\'b', 'fortran_order': False, 'shape': (2,)}", 22, "escapes" },
    { "{descr: '<f4', 'fortran_order': False, 'shape': (2,)}", 11, "expected a quoted string" },
};

START_TEST(malformed_header_dicts)
{
    char *dir = qvt_tmpdir();
    char *path = qvt_path(dir, "bad.npy");
    float data[2] = { 1, 2 };
    write_npy_raw(path, 1, bad_dicts[_i].header, data, sizeof(data));
    expect_open_fails(path, bad_dicts[_i].offset, bad_dicts[_i].needle);
    free(path);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(bad_prelude)
{
    char *dir = qvt_tmpdir();
    char *path = qvt_path(dir, "bad.npy");
    const char *ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }";
    qvt_write_file(path, "PK\x03\x04 this is a zip", 19);
    expect_open_fails(path, 0, "bad magic");
    qvt_write_file(path, "\x93NUMPX\x01\x00\x10\x00", 10);
    expect_open_fails(path, 0, "bad magic");
    write_npy_raw(path, 4, ok, NULL, 0);
    expect_open_fails(path, 6, "version 4.0");
    write_npy_raw(path, 1, ok, NULL, 0);
    /* minor version 1 */
    size_t size;
    char *b = qvt_read_file(path, &size);
    b[7] = 1;
    qvt_write_file(path, b, size);
    expect_open_fails(path, 7, "version 1.1");
    /* header length past the end */
    b[7] = 0;
    b[8] = (char)0xff;
    qvt_write_file(path, b, size);
    expect_open_fails(path, 8, "past the end");
    free(b);
    /* v2 header length above the limit */
    qvt_write_file(path, "\x93NUMPY\x02\x00\xff\xff\xff\x7f{}", 14);
    expect_open_fails(path, 8, "more than");
    free(path);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(nonfinite_named_by_sample_and_element)
{
    char *dir = qvt_tmpdir();
    char *path = qvt_path(dir, "nan.npy");
    float data[4 * 3] = { 0 };
    data[2 * 3 + 1] = NAN;
    data[3 * 3 + 2] = -INFINITY;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_npy_save(path, QV_DTYPE_F32, &(struct qv_shape){ 2, { 4, 3 } }, data, &err),
                     QV_OK);
    float got[12];
    int64_t rows;
    /* Read rows 0..1 fine, then the batch holding sample 2 fails. */
    struct qv_npy *npy = open_ok(path);
    ck_assert_int_eq(qv_npy_read_rows(npy, 2, got, false, &rows, &err), QV_OK);
    ck_assert_int_eq(rows, 2);
    ck_assert_int_eq(qv_npy_read_rows(npy, 2, got, false, &rows, &err), QV_E_INPUT);
    ck_assert_int_eq(err.offset, 128 + (2 * 3 + 1) * 4);
    ck_assert_msg(strstr(err.msg, "sample 2, element 1 is NaN") != NULL, "%s", err.msg);
    qv_npy_close(npy);
    /* Inf is reported the same way. */
    data[2 * 3 + 1] = 0;
    ck_assert_int_eq(qv_npy_save(path, QV_DTYPE_F32, &(struct qv_shape){ 2, { 4, 3 } }, data, &err),
                     QV_OK);
    npy = open_ok(path);
    qv_error_clear(&err);
    ck_assert_int_eq(qv_npy_read_rows(npy, 10, got, false, &rows, &err), QV_E_INPUT);
    ck_assert_int_eq(err.offset, 128 + (3 * 3 + 2) * 4);
    ck_assert_msg(strstr(err.msg, "sample 3, element 2 is Inf") != NULL, "%s", err.msg);
    qv_npy_close(npy);
    /* allow_nonfinite lets both through. */
    data[2 * 3 + 1] = NAN;
    ck_assert_int_eq(qv_npy_save(path, QV_DTYPE_F32, &(struct qv_shape){ 2, { 4, 3 } }, data, &err),
                     QV_OK);
    npy = open_ok(path);
    ck_assert_int_eq(qv_npy_read_rows(npy, 10, got, true, &rows, &err), QV_OK);
    ck_assert_int_eq(rows, 4);
    ck_assert(isnan(got[7]));
    qv_npy_close(npy);
    /* Past the first blocks of 16 values (the finite scan's): sample 30, element 1. */
    float big[40 * 3] = { 0 }, big_got[40 * 3];
    big[30 * 3 + 1] = INFINITY;
    ck_assert_int_eq(qv_npy_save(path, QV_DTYPE_F32, &(struct qv_shape){ 2, { 40, 3 } }, big,
                                 &err), QV_OK);
    npy = open_ok(path);
    qv_error_clear(&err);
    ck_assert_int_eq(qv_npy_read_rows(npy, 40, big_got, false, &rows, &err), QV_E_INPUT);
    ck_assert_int_eq(err.offset, 128 + (30 * 3 + 1) * 4);
    ck_assert_msg(strstr(err.msg, "sample 30, element 1 is Inf") != NULL, "%s", err.msg);
    qv_npy_close(npy);
    free(path);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(rank0_and_misc)
{
    char *dir = qvt_tmpdir();
    char *path = qvt_path(dir, "r0.npy");
    struct qv_error err = QV_ERROR_INIT;
    float v = 3.5f, got;
    int64_t rows;
    ck_assert_int_eq(qv_npy_save(path, QV_DTYPE_F32, &(struct qv_shape){ 0, { 0 } }, &v, &err),
                     QV_OK);
    struct qv_npy *npy = open_ok(path);
    ck_assert_int_eq(qv_npy_get_info(npy)->shape.rank, 0);
    ck_assert_int_eq(qv_npy_read_rows(npy, 1, &got, false, &rows, &err), QV_E_INPUT);
    ck_assert_int_eq(err.offset, 60);   /* the '(' of "'shape': ()" */
    ck_assert_int_eq(qv_npy_read_rows(npy, 0, &got, false, &rows, &err), QV_E_USAGE);
    qv_npy_close(npy);
    qv_npy_close(NULL);
    /* Missing file: QV_E_IO naming the path. */
    char *missing = qvt_path(dir, "missing.npy");
    qv_error_clear(&err);
    ck_assert_int_eq(qv_npy_open(missing, &npy, &err), QV_E_IO);
    ck_assert_str_eq(err.path, missing);
    ck_assert_msg(strstr(err.msg, missing) != NULL, "%s", err.msg);
    /* A directory is not an .npy file. */
    ck_assert_int_eq(qv_npy_open(dir, &npy, &err), QV_E_IO);
    /* Saving a bad shape fails before touching the disk. */
    char *bad = qvt_path(dir, "bad.npy");
    ck_assert_int_eq(qv_npy_save(bad, QV_DTYPE_F32, &(struct qv_shape){ 1, { -1 } }, &v, &err),
                     QV_E_INPUT);
    ck_assert_int_ne(access(bad, F_OK), 0);
    free(bad);
    free(missing);
    free(path);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* Committed hostile files (tests/fixtures/hostile/npy_*) fail with their documented offsets. */
START_TEST(committed_hostile_files)
{
    static const struct {
        const char *name;
        int64_t offset;
    } files[] = {
        { "hostile/npy_bad_magic.npy", 0 },
        { "hostile/npy_fortran.npy", 44 },
        { "hostile/npy_big_endian.npy", 20 },
        { "hostile/npy_negative_dim.npy", 64 },
        { "hostile/npy_truncated_data.npy", 136 },
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        expect_open_fails(qvt_fixture(files[i].name), files[i].offset, NULL);
}
END_TEST

/* float64 arrays are read as float32 (values must fit); bool bytes must be 0 or 1. */
START_TEST(converted_dtypes)
{
    char *dir = qvt_tmpdir();
    char *path = qvt_path(dir, "c.npy");
    struct qv_error err = QV_ERROR_INIT;
    int64_t got = 0;
    /* float64: rounded to nearest float32, exactly as numpy's astype(float32) */
    const double f8[4] = { 0.1, -2.5, 1e-40, 3.4028234663852886e38 };
    write_npy_raw(path, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", f8,
                  sizeof(f8));
    struct qv_npy *npy = open_ok(path);
    const struct qv_npy_info *info = qv_npy_get_info(npy);
    ck_assert_int_eq(info->dtype, QV_DTYPE_F32);
    ck_assert_str_eq(info->descr, "<f8");
    ck_assert_uint_eq(info->stored_elem_size, 8);
    float f[4];
    ck_assert_int_eq(qv_npy_read_rows(npy, 2, f, false, &got, &err), QV_OK);
    ck_assert_int_eq(got, 2);
    for (int i = 0; i < 4; i++)
        ck_assert(f[i] == (float)f8[i]);
    qv_npy_close(npy);
    /* a float64 beyond float32's range: named by sample, element and byte */
    const double big[4] = { 1, 2, 3, -1e39 };
    write_npy_raw(path, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", big,
                  sizeof(big));
    npy = open_ok(path);
    int64_t data = qv_npy_get_info(npy)->data_offset;
    ck_assert_int_eq(qv_npy_read_rows(npy, 2, f, false, &got, &err), QV_E_INPUT);
    ck_assert_int_eq(err.offset, data + 24);
    ck_assert_msg(strstr(err.msg, "sample 1, element 1") && strstr(err.msg, "float32 range"),
                  "%s", err.msg);
    qv_npy_close(npy);
    /* bool: 0/1; any other byte is not a bool */
    const uint8_t b1[3] = { 1, 0, 1 };
    write_npy_raw(path, 1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", b1, 3);
    npy = open_ok(path);
    ck_assert_int_eq(qv_npy_get_info(npy)->dtype, QV_DTYPE_BOOL);
    uint8_t u[3];
    ck_assert_int_eq(qv_npy_read_rows(npy, 3, u, false, &got, &err), QV_OK);
    ck_assert(u[0] == 1 && u[1] == 0 && u[2] == 1);
    qv_npy_close(npy);
    const uint8_t b2[3] = { 1, 2, 1 };
    write_npy_raw(path, 1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", b2, 3);
    npy = open_ok(path);
    data = qv_npy_get_info(npy)->data_offset;
    ck_assert_int_eq(qv_npy_read_rows(npy, 3, u, false, &got, &err), QV_E_INPUT);
    ck_assert_int_eq(err.offset, data + 1);
    qv_npy_close(npy);
    free(path);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

Suite *npy_suite(void)
{
    Suite *s = suite_create("npy");
    TCase *tc = tcase_create("roundtrip");
    tcase_add_test(tc, roundtrip_every_dtype);
    tcase_add_test(tc, header_matches_numpy_bytes);
    tcase_add_test(tc, reads_v2_v3_and_dict_variants);
    tcase_add_test(tc, streamed_batches_equal_whole_read);
    tcase_add_test(tc, writer_matches_save);
    tcase_add_test(tc, writer_abort_leaves_nothing);
    tcase_add_test(tc, converted_dtypes);
    suite_add_tcase(s, tc);
    tc = tcase_create("hostile");
    tcase_add_test(tc, every_prefix_fails_with_offset);
    tcase_add_loop_test(tc, malformed_header_dicts, 0, sizeof(bad_dicts) / sizeof(bad_dicts[0]));
    tcase_add_test(tc, bad_prelude);
    tcase_add_test(tc, nonfinite_named_by_sample_and_element);
    tcase_add_test(tc, rank0_and_misc);
    tcase_add_test(tc, committed_hostile_files);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(npy)
