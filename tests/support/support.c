/* SPDX-License-Identifier: Apache-2.0 */
#define _XOPEN_SOURCE 700
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char bufs[16][4096];
static int next_buf;

static const char *join_env(const char *var, const char *fallback, const char *rel)
{
    const char *root = getenv(var);
    char *b = bufs[next_buf++ % 16];
    snprintf(b, sizeof(bufs[0]), "%s/%s", root ? root : fallback, rel);
    return b;
}

const char *qvt_fixture(const char *rel)
{
    return join_env("QVET_FIXTURES", "tests/fixtures", rel);
}

const char *qvt_source(const char *rel)
{
    return join_env("QVET_SOURCE_ROOT", ".", rel);
}

char *qvt_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *p = qvt_path(base && base[0] ? base : "/tmp", "qvet-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(p));
    return p;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void qvt_rmtree(const char *dir)
{
    if (dir)
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *qvt_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    ck_assert_ptr_nonnull(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

void qvt_write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot create %s: %s", path, strerror(errno));
    ck_assert_uint_eq(fwrite(data, 1, size, f), size);
    ck_assert_int_eq(fclose(f), 0);
}

char *qvt_read_file(const char *path, size_t *ret_size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    ck_assert_ptr_nonnull(buf);
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        cap *= 2;
        buf = realloc(buf, cap + 1);
        ck_assert_ptr_nonnull(buf);
    }
    fclose(f);
    buf[n] = '\0';
    if (ret_size)
        *ret_size = n;
    return buf;
}

struct sink {
    char *data;
    size_t n, cap;
};

static void sink_add(struct sink *s, const char *p, size_t n)
{
    if (s->n + n + 1 > s->cap) {
        s->cap = (s->n + n + 1) * 2;
        s->data = realloc(s->data, s->cap);
        ck_assert_ptr_nonnull(s->data);
    }
    memcpy(s->data + s->n, p, n);
    s->n += n;
    s->data[s->n] = '\0';
}

int qvt_run_cli(const char *const args[], char **ret_out, char **ret_err)
{
    const char *bin = getenv("QVET_BIN");
    ck_assert_msg(bin != NULL, "QVET_BIN is not set (run through meson test)");
    int po[2], pe[2];
    ck_assert_int_eq(pipe(po), 0);
    ck_assert_int_eq(pipe(pe), 0);
    size_t argc = 0;
    while (args[argc])
        argc++;
    char **argv = calloc(argc + 2, sizeof(char *));
    ck_assert_ptr_nonnull(argv);
    argv[0] = (char *)bin;
    for (size_t i = 0; i < argc; i++)
        argv[i + 1] = (char *)args[i];
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        execv(bin, argv);
        _exit(127);
    }
    free(argv);
    close(po[1]);
    close(pe[1]);
    struct sink out = { 0 }, errs = { 0 };
    sink_add(&out, "", 0);
    sink_add(&errs, "", 0);
    struct pollfd fds[2] = { { .fd = po[0], .events = POLLIN }, { .fd = pe[0], .events = POLLIN } };
    int open_fds = 2;
    char chunk[4096];
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = read(fds[i].fd, chunk, sizeof(chunk));
            if (got <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else {
                sink_add(i == 0 ? &out : &errs, chunk, (size_t)got);
            }
        }
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (ret_out)
        *ret_out = out.data;
    else
        free(out.data);
    if (ret_err)
        *ret_err = errs.data;
    else
        free(errs.data);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

void qvt_assert_bytes_equal(const char *what, const void *got, const void *want, size_t n,
                            size_t elem_size)
{
    const unsigned char *a = got, *b = want;
    size_t first = (size_t)-1, count = 0;
    for (size_t i = 0; i < n; i++) {
        if (memcmp(a + i * elem_size, b + i * elem_size, elem_size) != 0) {
            if (first == (size_t)-1)
                first = i;
            count++;
        }
    }
    if (count && elem_size == 1)
        ck_abort_msg("%s: %zu of %zu elements differ; first at index %zu: got %d, expected %d",
                     what, count, n, first, (int)(signed char)a[first], (int)(signed char)b[first]);
    ck_assert_msg(count == 0, "%s: %zu of %zu elements differ; first at index %zu", what, count,
                  n, first);
}

void qvt_assert_f32_close(const char *what, const float *got, const float *want, int64_t n,
                          double rel_tol, double abs_tol)
{
    int64_t worst = -1, bad = 0;
    double worst_excess = 0;
    for (int64_t i = 0; i < n; i++) {
        double g = got[i], w = want[i];
        double tol = fmax(abs_tol, rel_tol * fabs(w));
        double diff = fabs(g - w);
        if (!(diff <= tol) || isnan(g) != isnan(w)) {
            bad++;
            double excess = isnan(diff) ? INFINITY : diff - tol;
            if (worst < 0 || excess > worst_excess) {
                worst = i;
                worst_excess = excess;
            }
        }
    }
    ck_assert_msg(bad == 0, "%s: %lld of %lld elements out of tolerance; worst at %lld: got %.9g, "
                  "expected %.9g", what, (long long)bad, (long long)n, (long long)worst,
                  worst >= 0 ? (double)got[worst] : 0.0, worst >= 0 ? (double)want[worst] : 0.0);
}

void *qvt_load_npy(const char *path, enum qv_dtype dtype, bool allow_nonfinite,
                   int64_t *ret_rows, int64_t *ret_row_elems)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_npy *npy = NULL;
    FILE *probe = fopen(path, "rb");
    if (!probe)
        return NULL;
    fclose(probe);
    if (qv_npy_open(path, &npy, &err) != QV_OK)
        ck_abort_msg("%s: %s", path, err.msg);
    const struct qv_npy_info *info = qv_npy_get_info(npy);
    ck_assert_msg(info->dtype == dtype, "%s holds %s, expected %s", path,
                  qv_dtype_name(info->dtype), qv_dtype_name(dtype));
    int64_t rows = info->shape.dims[0], got = 0;
    void *buf = malloc((size_t)(rows * info->row_elems + 1) * qv_dtype_size(dtype));
    ck_assert_ptr_nonnull(buf);
    if (qv_npy_read_rows(npy, rows, buf, allow_nonfinite, &got, &err) != QV_OK)
        ck_abort_msg("%s: %s", path, err.msg);
    ck_assert_int_eq(got, rows);
    *ret_rows = rows;
    *ret_row_elems = info->row_elems;
    qv_npy_close(npy);
    return buf;
}
