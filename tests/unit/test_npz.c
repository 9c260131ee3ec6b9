/* SPDX-License-Identifier: Apache-2.0 */
/*
 * .npz archives (tests/fixtures/npz, made by reference/make_npz_fixtures.py): stored, deflated
 * and zip64 members read as the .npy files they hold; hostile archives refused with the file,
 * member and byte; every truncation and every single-byte change handled without a crash.
 */
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* All rows of member i of an archive. */
static void *read_member(const char *path, int32_t i, size_t *ret_bytes, struct qv_error *err,
                         enum qv_status *ret_st)
{
    struct qv_npz *z = NULL;
    struct qv_npy *npy = NULL;
    void *buf = NULL;
    *ret_bytes = 0;
    enum qv_status st = qv_npz_open(path, &z, err);
    if (st == QV_OK && i >= qv_npz_count(z))
        st = QV_E_USAGE;
    if (st == QV_OK)
        st = qv_npz_open_array(z, i, &npy, err);
    qv_npz_close(z);
    if (st == QV_OK) {
        const struct qv_npy_info *info = qv_npy_get_info(npy);
        int64_t rows = info->shape.dims[0], got = 0;
        size_t bytes = (size_t)(rows * info->row_elems) * qv_dtype_size(info->dtype);
        buf = malloc(bytes + 1);
        if (rows > 0)
            st = qv_npy_read_rows(npy, rows, buf, true, &got, err);
        /* one more read: the member's end, where size and CRC are checked */
        if (st == QV_OK && rows > 0)
            st = qv_npy_read_rows(npy, 1, buf, true, &got, err);
        *ret_bytes = bytes;
    }
    qv_npy_close(npy);
    *ret_st = st;
    if (st != QV_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

START_TEST(good_archives_hold_the_arrays)
{
    static const char *const files[] = { "npz/named.npz", "npz/named_deflated.npz",
                                         "npz/positional.npz", "npz/zip64_eocd.npz",
                                         "npz/named_reversed.npz" };
    int64_t rows, elems;
    int8_t *x0 = qvt_load_npy(qvt_fixture("int8_ops/add_000/input_0.npy"), QV_DTYPE_I8, false,
                              &rows, &elems);
    int8_t *x1 = qvt_load_npy(qvt_fixture("int8_ops/add_000/input_1.npy"), QV_DTYPE_I8, false,
                              &rows, &elems);
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        struct qv_error err = QV_ERROR_INIT;
        char path[4096];
        snprintf(path, sizeof(path), "%s", qvt_fixture(files[f]));
        struct qv_npz *z = NULL;
        ck_assert_msg(qv_npz_open(path, &z, &err) == QV_OK, "%s: %s", path, err.msg);
        ck_assert_int_eq(qv_npz_count(z), 2);
        bool reversed = strstr(path, "reversed") != NULL;
        const char *n0 = qv_npz_name(z, 0);
        if (strstr(path, "positional"))
            ck_assert_str_eq(n0, "arr_0.npy");
        else
            ck_assert_str_eq(n0, reversed ? "x1.npy" : "x0.npy");
        qv_npz_close(z);
        for (int32_t i = 0; i < 2; i++) {
            size_t bytes;
            enum qv_status st;
            int8_t *got = read_member(path, i, &bytes, &err, &st);
            ck_assert_msg(st == QV_OK, "%s member %d: %s", path, i, err.msg);
            ck_assert_uint_eq(bytes, (size_t)(rows * elems));
            const int8_t *want = (i == 0) != reversed ? x0 : x1;
            qvt_assert_bytes_equal(path, got, want, bytes, 1);
            free(got);
        }
    }
    free(x0);
    free(x1);
}
END_TEST

/* Hostile archives: the error, its byte and a word of its message. */
static const struct {
    const char *file;
    int32_t member;                /* read this member (after a successful open) */
    int64_t offset;                /* -1: not checked */
    const char *needle;
} hostile[] = {
    { "npz/not_a_zip.npz", 0, 176, "not an .npz (zip) archive" },
    { "npz/truncated.npz", 0, 391, "truncated .npz" },
    { "npz/truncated_tail.npz", 0, 772, "truncated .npz" },
    { "npz/bad_crc.npz", 1, 328, "CRC-32" },
    { "npz/bad_deflate.npz", 1, 279, "corrupt deflate data" },
    { "npz/huge_size.npz", 0, 279, "more than deflate can give" },
    { "npz/stored_sizes_differ.npz", 0, 328, "sizes differ" },
    { "npz/zip64_no_extra.npz", 0, 360, "no zip64 extra field" },
    { "npz/offset_past_end.npz", 0, 350, "local header offset" },
    { "npz/encrypted.npz", 0, 316, "encrypted" },
    { "npz/not_npy_member.npz", 0, 452, "'readme.txt' is not an .npy array" },
    { "npz/duplicate.npz", 0, 308, "appears twice" },
    { "npz/not_npy_content.npz", 0, 36, "member 'x0.npy': not an .npy file" },
    { "npz/empty.npz", 0, 0, "holds no arrays" },
    { "npz/zip64_bad_locator.npz", 0, 424, "zip64 end record offset" },
    { "npz/wrong_dtype.npz", 1, 404, "unsupported dtype '<c8'" },
};

START_TEST(hostile_archives)
{
    struct qv_error err = QV_ERROR_INIT;
    char path[4096];
    snprintf(path, sizeof(path), "%s", qvt_fixture(hostile[_i].file));
    size_t bytes;
    enum qv_status st;
    void *got = read_member(path, hostile[_i].member, &bytes, &err, &st);
    ck_assert_ptr_null(got);
    ck_assert_msg(st == QV_E_INPUT, "%s: status %d (%s)", path, st, err.msg);
    ck_assert_str_eq(err.path, path);
    ck_assert_msg(strstr(err.msg, hostile[_i].needle) != NULL, "%s: '%s' lacks '%s'", path,
                  err.msg, hostile[_i].needle);
    if (hostile[_i].offset >= 0)
        ck_assert_msg(err.offset == hostile[_i].offset, "%s: offset %lld, expected %lld (%s)",
                      path, (long long)err.offset, (long long)hostile[_i].offset, err.msg);
}
END_TEST

/* Every prefix and every single-byte change of a stored and a deflated archive: an error or the
 * right data, never a crash (the sanitizer build checks the reads). */
START_TEST(every_truncation_and_byte_change)
{
    static const char *const files[] = { "npz/named.npz", "npz/named_deflated.npz" };
    char *dir = qvt_tmpdir();
    char *p = qvt_path(dir, "t.npz");
    for (size_t f = 0; f < 2; f++) {
        size_t size;
        char *orig = qvt_read_file(qvt_fixture(files[f]), &size);
        ck_assert_ptr_nonnull(orig);
        size_t ref_bytes[2];
        void *ref[2];
        for (int32_t i = 0; i < 2; i++) {
            struct qv_error err = QV_ERROR_INIT;
            enum qv_status st;
            ref[i] = read_member(qvt_fixture(files[f]), i, &ref_bytes[i], &err, &st);
            ck_assert_ptr_nonnull(ref[i]);
        }
        for (size_t cut = 0; cut < size; cut++) {
            qvt_write_file(p, orig, cut);
            for (int32_t i = 0; i < 2; i++) {
                struct qv_error err = QV_ERROR_INIT;
                size_t bytes;
                enum qv_status st;
                void *got = read_member(p, i, &bytes, &err, &st);
                ck_assert_msg(got == NULL && st != QV_OK, "%s cut at %zu read fine", files[f],
                              cut);
            }
        }
        for (size_t at = 0; at < size; at++) {
            orig[at] ^= 0x5a;
            qvt_write_file(p, orig, size);
            orig[at] ^= 0x5a;
            for (int32_t i = 0; i < 2; i++) {
                struct qv_error err = QV_ERROR_INIT;
                size_t bytes;
                enum qv_status st;
                void *got = read_member(p, i, &bytes, &err, &st);
                /* a change the format cannot see (a timestamp, padding) still reads the data */
                if (got && !(bytes == ref_bytes[i] && memcmp(got, ref[i], bytes) == 0)) {
                    /* the only undetectable data changes are in header padding spaces */
                    ck_assert_msg(false, "%s byte %zu changed: member %d read different data "
                                  "without an error", files[f], at, i);
                }
                free(got);
            }
        }
        free(ref[0]);
        free(ref[1]);
        free(orig);
    }
    free(p);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

Suite *npz_suite(void)
{
    Suite *s = suite_create("npz");
    TCase *tc = tcase_create("npz");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, good_archives_hold_the_arrays);
    tcase_add_loop_test(tc, hostile_archives, 0, sizeof(hostile) / sizeof(hostile[0]));
    tcase_add_test(tc, every_truncation_and_byte_change);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(npz)
