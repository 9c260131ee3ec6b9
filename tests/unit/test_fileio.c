/* SPDX-License-Identifier: Apache-2.0 */
/* Atomic output, whole-file reads, mkdir -p. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"

/* Entries in dir other than . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

START_TEST(atomic_commit_and_abort)
{
    char *dir = qvt_tmpdir();
    char *p = qvt_path(dir, "out.txt");
    struct qv_error err = QV_ERROR_INIT;
    struct qv_atomic_file f;
    qvt_write_file(p, "old", 3);
    ck_assert_int_eq(qv_atomic_open(&f, p, &err), QV_OK);
    ck_assert(strncmp(f.tmp_path, p, strlen(p)) == 0);
    fputs("new contents", f.fp);
    fflush(f.fp);
    /* Until the commit, readers still see the old file. */
    char *now = qvt_read_file(p, NULL);
    ck_assert_str_eq(now, "old");
    free(now);
    ck_assert_int_eq(count_entries(dir), 2);
    ck_assert_int_eq(qv_atomic_commit(&f, &err), QV_OK);
    now = qvt_read_file(p, NULL);
    ck_assert_str_eq(now, "new contents");
    free(now);
    ck_assert_int_eq(count_entries(dir), 1);
    qv_atomic_abort(&f);   /* after a commit: harmless */
    /* Abort keeps the old file and leaves no temporary. */
    ck_assert_int_eq(qv_atomic_open(&f, p, &err), QV_OK);
    fputs("half", f.fp);
    qv_atomic_abort(&f);
    qv_atomic_abort(&f);
    now = qvt_read_file(p, NULL);
    ck_assert_str_eq(now, "new contents");
    free(now);
    ck_assert_int_eq(count_entries(dir), 1);
    free(p);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(write_atomic_failures_leave_nothing)
{
    char *dir = qvt_tmpdir();
    struct qv_error err = QV_ERROR_INIT;
    /* Missing directory: QV_E_IO naming the path. */
    char *p = qvt_path(dir, "no/such/dir/out.bin");
    ck_assert_int_eq(qv_file_write_atomic(p, "x", 1, &err), QV_E_IO);
    ck_assert_str_eq(err.path, p);
    ck_assert(strstr(err.msg, p) != NULL);
    free(p);
    /* Target is a directory: the rename fails and the temporary is removed. */
    char *sub = qvt_path(dir, "sub");
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    char *inner = qvt_path(sub, "keep");
    qvt_write_file(inner, "k", 1);
    qv_error_clear(&err);
    ck_assert_int_eq(qv_file_write_atomic(sub, "data", 4, &err), QV_E_IO);
    ck_assert_msg(strstr(err.msg, "rename") != NULL, "%s", err.msg);
    ck_assert_int_eq(count_entries(dir), 1);
    /* Empty path. */
    ck_assert_int_eq(qv_file_write_atomic("", "x", 1, &err), QV_E_USAGE);
    free(inner);
    free(sub);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(write_atomic_keeps_mode)
{
    char *dir = qvt_tmpdir();
    char *p = qvt_path(dir, "script.sh");
    struct qv_error err = QV_ERROR_INIT;
    struct stat sb;
    ck_assert_int_eq(qv_file_write_atomic(p, "", 0, &err), QV_OK);
    ck_assert_int_eq(stat(p, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0644);
    ck_assert_int_eq(sb.st_size, 0);
    ck_assert_int_eq(chmod(p, 0750), 0);
    ck_assert_int_eq(qv_file_write_atomic(p, "#!/bin/sh\n", 10, &err), QV_OK);
    ck_assert_int_eq(stat(p, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0750);
    free(p);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(read_all)
{
    char *dir = qvt_tmpdir();
    char *p = qvt_path(dir, "f");
    struct qv_error err = QV_ERROR_INIT;
    uint8_t *data = NULL;
    size_t size = 99;
    /* Empty file: a valid, NUL-terminated, zero-length buffer. */
    qvt_write_file(p, "", 0);
    ck_assert_int_eq(qv_file_read_all(p, 10, &data, &size, &err), QV_OK);
    ck_assert_uint_eq(size, 0);
    ck_assert_int_eq(data[0], 0);
    free(data);
    /* Exactly at the limit, and one byte over. */
    qvt_write_file(p, "0123456789", 10);
    ck_assert_int_eq(qv_file_read_all(p, 10, &data, &size, &err), QV_OK);
    ck_assert_uint_eq(size, 10);
    ck_assert_str_eq((char *)data, "0123456789");
    free(data);
    data = NULL;
    ck_assert_int_eq(qv_file_read_all(p, 9, &data, &size, &err), QV_E_INPUT);
    ck_assert_ptr_null(data);
    ck_assert_str_eq(err.path, p);
    /* A bigger file, read in several steps. */
    size_t big = 300000;
    char *buf = malloc(big);
    for (size_t i = 0; i < big; i++)
        buf[i] = (char)('a' + i % 26);
    qvt_write_file(p, buf, big);
    ck_assert_int_eq(qv_file_read_all(p, big, &data, &size, &err), QV_OK);
    ck_assert_uint_eq(size, big);
    qvt_assert_bytes_equal("big", data, buf, big, 1);
    free(data);
    free(buf);
    /* Missing file and directory. */
    char *m = qvt_path(dir, "missing");
    qv_error_clear(&err);
    ck_assert_int_eq(qv_file_read_all(m, 10, &data, &size, &err), QV_E_IO);
    ck_assert_str_eq(err.path, m);
    ck_assert_int_eq(qv_file_read_all(dir, 10, &data, &size, &err), QV_E_IO);
    /* Not a regular file: /dev/zero never ends, the limit stops it. */
    ck_assert_int_eq(qv_file_read_all("/dev/zero", 100000, &data, &size, &err), QV_E_INPUT);
    free(m);
    free(p);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(mkdir_p)
{
    char *dir = qvt_tmpdir();
    char *deep = qvt_path(dir, "a/b//c/d/");
    struct qv_error err = QV_ERROR_INIT;
    struct stat sb;
    ck_assert_int_eq(qv_mkdir_p(deep, &err), QV_OK);
    ck_assert_int_eq(stat(deep, &sb), 0);
    ck_assert(S_ISDIR(sb.st_mode));
    ck_assert_int_eq(qv_mkdir_p(deep, &err), QV_OK);   /* exists: fine */
    ck_assert_int_eq(qv_mkdir_p(dir, &err), QV_OK);
    /* A file in the way. */
    char *file = qvt_path(dir, "a/file");
    qvt_write_file(file, "x", 1);
    char *under = qvt_path(dir, "a/file/sub");
    ck_assert_int_eq(qv_mkdir_p(under, &err), QV_E_IO);
    ck_assert_str_eq(err.path, under);
    ck_assert_int_eq(qv_mkdir_p(file, &err), QV_E_IO);
    ck_assert_int_eq(qv_mkdir_p("", &err), QV_E_USAGE);
    free(under);
    free(file);
    free(deep);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

Suite *fileio_suite(void)
{
    Suite *s = suite_create("fileio");
    TCase *tc = tcase_create("fileio");
    tcase_add_test(tc, atomic_commit_and_abort);
    tcase_add_test(tc, write_atomic_failures_leave_nothing);
    tcase_add_test(tc, write_atomic_keeps_mode);
    tcase_add_test(tc, read_all);
    tcase_add_test(tc, mkdir_p);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(fileio)
