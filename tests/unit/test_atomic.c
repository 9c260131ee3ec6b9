/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Atomic output (qv_atomic_open/commit/abort, qv_file_write_atomic): a reader sees the old file
 * or the whole new one, never a part; failures leave no temporary file; and a failed write is
 * reported with the system's reason (a full disk says "No space left on device", a file size
 * limit "File too large"), not a generic "Input/output error". A device or FIFO named as the
 * output (-o /dev/stdout) is written into, not replaced by a regular file, and a symbolic link to
 * a file keeps being a link.
 */
#define _GNU_SOURCE /* unshare(2) and CLONE_NEW* for the full-disk case */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

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

START_TEST(readers_see_old_or_whole_new)
{
    char *dir = qvt_tmpdir();
    char *p = qvt_path(dir, "report.csv");
    qvt_write_file(p, "old\n", 4);
    struct qv_error err = QV_ERROR_INIT;
    struct qv_atomic_file f;
    ck_assert_int_eq(qv_atomic_open(&f, p, &err), QV_OK);
    for (int i = 0; i < 20000; i++)
        fprintf(f.fp, "row %d\n", i);
    fflush(f.fp);
    /* written and flushed, not committed: the target is still the old file */
    char *text = qvt_read_file(p, NULL);
    ck_assert_str_eq(text, "old\n");
    free(text);
    ck_assert_int_eq(count_entries(dir), 2);
    ck_assert_int_eq(qv_atomic_commit(&f, &err), QV_OK);
    size_t n;
    text = qvt_read_file(p, &n);
    ck_assert(strncmp(text, "row 0\nrow 1\n", 12) == 0);
    ck_assert(strstr(text, "row 19999\n") == text + n - 10);
    free(text);
    ck_assert_int_eq(count_entries(dir), 1);   /* no temporary left */
    /* aborting keeps the old file and removes the temporary; abort twice is harmless */
    ck_assert_int_eq(qv_atomic_open(&f, p, &err), QV_OK);
    fputs("never", f.fp);
    qv_atomic_abort(&f);
    qv_atomic_abort(&f);
    qv_atomic_abort(NULL);
    ck_assert_int_eq(count_entries(dir), 1);
    text = qvt_read_file(p, NULL);
    ck_assert(strncmp(text, "row 0\n", 6) == 0);
    free(text);
    /* a commit after abort is a bug of the caller */
    ck_assert_int_eq(qv_atomic_commit(&f, &err), QV_E_INTERNAL);
    free(p);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(failures_leave_nothing_and_say_why)
{
    char *dir = qvt_tmpdir();
    struct qv_error err = QV_ERROR_INIT;
    /* the target is a directory: rename fails, with the system's reason */
    char *sub = qvt_path(dir, "taken");
    ck_assert_int_eq(qv_mkdir_p(sub, &err), QV_OK);
    char *inside = qvt_path(sub, "x");
    qvt_write_file(inside, "x", 1);
    ck_assert_int_eq(qv_file_write_atomic(sub, "data", 4, &err), QV_E_IO);
    ck_assert_str_eq(err.path, sub);
    ck_assert_msg(strstr(err.msg, "rename failed") && strstr(err.msg, "Is a directory"), "%s",
                  err.msg);
    ck_assert_int_eq(count_entries(dir), 1);
    /* the directory does not exist */
    char *nowhere = qvt_path(dir, "missing/out.txt");
    err = (struct qv_error)QV_ERROR_INIT;
    ck_assert_int_eq(qv_file_write_atomic(nowhere, "data", 4, &err), QV_E_IO);
    ck_assert_str_eq(err.path, nowhere);
    ck_assert_msg(strstr(err.msg, "No such file or directory"), "%s", err.msg);
    /* empty and over-long paths */
    ck_assert_int_eq(qv_file_write_atomic("", "d", 1, &err), QV_E_USAGE);
    char longp[2048];
    memset(longp, 'a', sizeof(longp) - 1);
    longp[sizeof(longp) - 1] = '\0';
    ck_assert_int_eq(qv_file_write_atomic(longp, "d", 1, &err), QV_E_IO);
    ck_assert_msg(strstr(err.msg, "longer than"), "%s", err.msg);
    ck_assert_int_eq(count_entries(dir), 1);
    free(nowhere);
    free(inside);
    free(sub);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/*
 * In a child: writes `bytes` to PATH through the atomic file (buffered fprintf when `stream`,
 * one qv_file_write_atomic otherwise) and sends back the error message; exit 0 when it failed.
 */
static void child_write(int fd, const char *path, size_t bytes, bool stream)
{
    struct qv_error err = QV_ERROR_INIT;
    enum qv_status st;
    if (stream) {
        struct qv_atomic_file f;
        st = qv_atomic_open(&f, path, &err);
        for (size_t i = 0; st == QV_OK && i < bytes / 8; i++)
            fputs("0123456\n", f.fp);
        if (st == QV_OK)
            st = qv_atomic_commit(&f, &err);
    } else {
        char *buf = calloc(1, bytes);
        st = qv_file_write_atomic(path, buf, bytes, &err);
        free(buf);
    }
    char msg[1600];
    qv_error_format(&err, msg, sizeof(msg));
    (void)!write(fd, msg, strlen(msg) + 1);
    _exit(st == QV_E_IO ? 0 : 1);
}

/* Runs fn in a forked child and returns its message (malloc'd) and exit status. */
static char *in_child(void (*setup)(const char *), const char *dir, const char *path,
                      size_t bytes, bool stream, int *ret_status)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        setup(dir);
        child_write(fds[1], path, bytes, stream);
    }
    close(fds[1]);
    char *msg = calloc(1, 4096);
    size_t got = 0;
    ssize_t r;
    while (got < 4095 && (r = read(fds[0], msg + got, 4095 - got)) > 0)
        got += (size_t)r;
    close(fds[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    *ret_status = status;
    return msg;
}

static void limit_file_size(const char *dir)
{
    (void)dir;
    struct rlimit rl = { 4096, 4096 };
    signal(SIGXFSZ, SIG_IGN);   /* the write then fails with EFBIG instead of a signal */
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        _exit(3);
}

START_TEST(write_errors_keep_their_reason)
{
    char *dir = qvt_tmpdir();
    char *p = qvt_path(dir, "big.bin");
    for (int stream = 0; stream < 2; stream++) {
        int status;
        char *msg = in_child(limit_file_size, dir, p, 1 << 20, stream, &status);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d: %s", status,
                      msg);
        ck_assert_msg(strstr(msg, "File too large"), "%s write: %s",
                      stream ? "streamed" : "whole", msg);
        ck_assert_msg(!strstr(msg, "Input/output error"), "%s", msg);
        ck_assert_msg(strncmp(msg, p, strlen(p)) == 0, "the message names the file: %s", msg);
        free(msg);
        ck_assert_int_eq(count_entries(dir), 0);   /* no temporary, no target */
    }
    free(p);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

static bool write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    bool ok = f && fputs(text, f) >= 0;
    if (f)
        ok = fclose(f) == 0 && ok;
    return ok;
}

/* Enters a user namespace mapping our own uid and gid, where mounting is allowed. */
static bool user_namespace(void)
{
    char map[64];
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
        return false;
    snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    if (!write_text("/proc/self/uid_map", map))
        return false;
    (void)write_text("/proc/self/setgroups", "deny");
    snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    return write_text("/proc/self/gid_map", map);
}

/* A 64 KiB tmpfs on dir, in a private mount namespace (as root, or in a user namespace). */
static void full_disk(const char *dir)
{
    if (unshare(CLONE_NEWNS) != 0 && !user_namespace())
        _exit(4);
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("tmpfs", dir, "tmpfs", 0, "size=64k") != 0)
        _exit(4);
}

START_TEST(full_disk_says_no_space)
{
    char *dir = qvt_tmpdir();
    char *p = qvt_path(dir, "model.tflite");
    int ran = 0;
    for (int stream = 0; stream < 2; stream++) {
        int status;
        char *msg = in_child(full_disk, dir, p, 1 << 20, stream, &status);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 4) {
            /* no way to mount a small file system here: write_errors_keep_their_reason covers
             * the same path with EFBIG */
            free(msg);
            continue;
        }
        ran++;
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d: %s", status,
                      msg);
        ck_assert_msg(strstr(msg, "No space left on device"), "%s write: %s",
                      stream ? "streamed" : "whole", msg);
        free(msg);
    }
    if (!ran)
        fprintf(stderr, "test_atomic: cannot mount a tmpfs here; full-disk case not run\n");
    ck_assert_int_eq(count_entries(dir), 0);
    free(p);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* Reads the FIFO at path to its end in a child and writes what came into got; returns its pid. */
static pid_t fifo_reader(const char *path, const char *got)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char buf[4096];
        alarm(30);   /* no writer ever (a regression): do not outlive the test */
        FILE *in = fopen(path, "rb");
        FILE *out = fopen(got, "wb");
        size_t n;
        if (!in || !out)
            _exit(1);
        while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
            if (fwrite(buf, 1, n, out) != n)
                _exit(1);
        _exit(fclose(out) == 0 ? 0 : 1);
    }
    return pid;
}

static void expect_file(const char *path, const char *want)
{
    size_t n;
    char *got = qvt_read_file(path, &n);
    ck_assert_msg(n == strlen(want) && memcmp(got, want, n) == 0, "%s: got '%.*s', want '%s'",
                  path, (int)n, got, want);
    free(got);
}

/* text to path through qv_file_write_atomic (way 0) or an output set (way 1) */
static void write_one_way(const char *path, const char *text, int way)
{
    struct qv_error err;
    if (way == 0) {
        ck_assert_msg(qv_file_write_atomic(path, text, strlen(text), &err) == QV_OK, "%s",
                      err.msg);
        return;
    }
    struct qv_outset *os;
    const char *tmp;
    ck_assert_int_eq(qv_outset_create(&os, &err), QV_OK);
    ck_assert_msg(qv_outset_add_file(os, path, &tmp, &err) == QV_OK, "%s", err.msg);
    qvt_write_file(tmp, text, strlen(text));
    ck_assert_msg(qv_outset_commit(os, &err) == QV_OK, "%s", err.msg);
    qv_outset_free(os);
}

START_TEST(fifos_are_written_into_not_replaced)
{
    char *dir = qvt_tmpdir();
    char *tmpdir = qvt_path(dir, "tmp");
    char *fifo = qvt_path(dir, "pipe");
    char *got = qvt_path(dir, "got");
    ck_assert_int_eq(mkdir(tmpdir, 0755), 0);
    ck_assert_int_eq(setenv("TMPDIR", tmpdir, 1), 0);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    for (int way = 0; way < 2; way++) {
        const char *text = way ? "through an output set\n" : "one atomic file\n";
        pid_t pid = fifo_reader(fifo, got);
        write_one_way(fifo, text, way);
        int status;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        struct stat sb;
        ck_assert_int_eq(lstat(fifo, &sb), 0);
        ck_assert_msg(S_ISFIFO(sb.st_mode), "the FIFO was replaced by another file");
        expect_file(got, text);
        ck_assert_int_eq(count_entries(tmpdir), 0);   /* the waiting copy is gone */
    }
    unsetenv("TMPDIR");
    free(got);
    free(fifo);
    free(tmpdir);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(symlinks_to_files_stay_links)
{
    char *dir = qvt_tmpdir();
    char *real = qvt_path(dir, "real.csv");
    char *link = qvt_path(dir, "link.csv");
    qvt_write_file(real, "old\n", 4);
    ck_assert_int_eq(symlink("real.csv", link), 0);
    for (int way = 0; way < 2; way++) {
        const char *text = way ? "set\n" : "atomic\n";
        write_one_way(link, text, way);
        struct stat sb;
        ck_assert_int_eq(lstat(link, &sb), 0);
        ck_assert_msg(S_ISLNK(sb.st_mode), "the link was replaced by a file");
        expect_file(real, text);
        ck_assert_int_eq(count_entries(dir), 2);
    }
    free(link);
    free(real);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

Suite *atomic_suite(void)
{
    Suite *s = suite_create("atomic");
    TCase *tc = tcase_create("atomic");
    tcase_add_test(tc, readers_see_old_or_whole_new);
    tcase_add_test(tc, failures_leave_nothing_and_say_why);
    tcase_add_test(tc, write_errors_keep_their_reason);
    tcase_add_test(tc, full_disk_says_no_space);
    tcase_add_test(tc, fifos_are_written_into_not_replaced);
    tcase_add_test(tc, symlinks_to_files_stay_links);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(atomic)
