/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Atomic output (temporary file beside the target, fsync, rename), whole-file reads and mkdir -p.
 *
 * A reader of PATH sees either the old file or the complete new one, never a partial write: the
 * data goes to "PATH.tmp.XXXXXX" in the same directory (so rename(2) stays within one file
 * system), is fsync'ed, then renamed over PATH. Any failure removes the temporary file.
 * A PATH that rename(2) must not replace (a device, a FIFO: -o /dev/stdout) is a stream: the data
 * waits in a temporary file of $TMPDIR and is copied into PATH at commit.
 */
#define _DEFAULT_SOURCE   /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qvet/io.h"
#include "io_internal.h"

/* New files get rw-r--r--: reading the umask would mean changing it, which is process-global. */
#define NEW_FILE_MODE 0644

enum qv_status qv_atomic_open(struct qv_atomic_file *f, const char *path, struct qv_error *err)
{
    struct stat sb;
    memset(f, 0, sizeof(*f));
    if (!path || !path[0])
        return qv_fail(err, QV_E_USAGE, "empty output path");
    if (strlen(path) >= sizeof(f->path))
        return qv_fail_at(err, QV_E_IO, path, -1, "output path is longer than %zu bytes",
                          sizeof(f->path) - 1);
    f->stream = qv_output_is_stream(path);
    int fd;
    if (f->stream) {
        snprintf(f->path, sizeof(f->path), "%s", path);
        fd = qv_stream_tmp_create(f->tmp_path, sizeof(f->tmp_path));
    } else {
        qv_output_resolve(path, f->path, sizeof(f->path));
        snprintf(f->tmp_path, sizeof(f->tmp_path), "%s.tmp.XXXXXX", f->path);
        fd = mkstemp(f->tmp_path);
    }
    if (fd < 0) {
        int e = errno;
        f->tmp_path[0] = '\0';
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot create a temporary file beside '%s': %s",
                          path, QV_STRERROR(e));
    }
    /* Keep the mode of a file we replace; otherwise the usual mode of a new file. */
    mode_t mode = !f->stream && stat(path, &sb) == 0 ? (sb.st_mode & 07777) : NEW_FILE_MODE;
    (void)fchmod(fd, mode);
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        int e = errno;
        close(fd);
        qv_atomic_abort(f);
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot open a temporary file for '%s': %s",
                          path, QV_STRERROR(e));
    }
    /* a write that fails later leaves its errno for qv_atomic_commit to report (stdio keeps only
     * the error flag): start from none, so a stale value (the stat above) is not blamed */
    errno = 0;
    return QV_OK;
}

/* Makes the rename itself durable. Best effort: some file systems refuse fsync on directories. */
static void sync_parent_dir(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", path);
    int fd = open(dirname(buf), O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

enum qv_status qv_atomic_commit(struct qv_atomic_file *f, struct qv_error *err)
{
    /* what the failed write left, if one failed: ENOSPC on a full disk, EFBIG, EDQUOT... */
    const int write_errno = errno;
    const char *what = NULL;
    int e = 0;
    if (!f->fp)
        return qv_fail_at(err, QV_E_INTERNAL, f->path, -1, "commit of a file that is not open");
    if (ferror(f->fp)) {
        what = "write";
        e = write_errno ? write_errno : EIO;
    } else if (fflush(f->fp) != 0) {
        what = "write";
        e = errno;
    } else if (fsync(fileno(f->fp)) != 0) {
        what = "fsync";
        e = errno;
    }
    int rc = fclose(f->fp);
    f->fp = NULL;
    if (!what && rc != 0) {
        what = "close";
        e = errno;
    }
    if (!what && f->stream) {
        enum qv_status st = qv_stream_copy(f->tmp_path, f->path, err);
        qv_atomic_abort(f);
        return st;
    }
    if (!what && rename(f->tmp_path, f->path) != 0) {
        what = "rename";
        e = errno;
    }
    if (what) {
        qv_atomic_abort(f);
        return qv_fail_at(err, QV_E_IO, f->path, -1, "cannot write '%s' (%s failed): %s", f->path,
                          what, QV_STRERROR(e));
    }
    f->tmp_path[0] = '\0';
    sync_parent_dir(f->path);
    return QV_OK;
}

void qv_atomic_abort(struct qv_atomic_file *f)
{
    if (!f)
        return;
    if (f->fp) {
        fclose(f->fp);
        f->fp = NULL;
    }
    if (f->tmp_path[0]) {
        (void)remove(f->tmp_path);
        f->tmp_path[0] = '\0';
    }
}

enum qv_status qv_file_write_atomic(const char *path, const void *data, size_t size,
                                    struct qv_error *err)
{
    struct qv_atomic_file f;
    enum qv_status st = qv_atomic_open(&f, path, err);
    if (st != QV_OK)
        return st;
    if (size && fwrite(data, 1, size, f.fp) != size) {
        int e = errno;
        qv_atomic_abort(&f);
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot write '%s': %s", path,
                          QV_STRERROR(e));
    }
    return qv_atomic_commit(&f, err);
}

bool qv_output_is_stream(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || S_ISDIR(sb.st_mode))
        return false;
    /* /dev/stdout of `qvet ... -o /dev/stdout > file` is a regular file too: written into */
    return !S_ISREG(sb.st_mode) || strncmp(path, "/dev/", 5) == 0 ||
           strncmp(path, "/proc/", 6) == 0;
}

void qv_output_resolve(const char *path, char *out, size_t size)
{
    struct stat lsb, sb;
    char *real = NULL;
    if (lstat(path, &lsb) == 0 && S_ISLNK(lsb.st_mode) && stat(path, &sb) == 0 &&
        S_ISREG(sb.st_mode))
        real = realpath(path, NULL);
    snprintf(out, size, "%s", real && strlen(real) < size ? real : path);
    free(real);
}

int qv_stream_tmp_create(char *tmp, size_t size)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !dir[0])
        dir = "/tmp";
    if ((size_t)snprintf(tmp, size, "%s/qvet-out.XXXXXX", dir) >= size) {
        tmp[0] = '\0';
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0)
        tmp[0] = '\0';
    return fd;
}

/* write(2) all of buf, through partial writes and signals; 0 or an errno */
static int write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/*
 * The descriptor a path names, for /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N;
 * -1 otherwise. Written through it, the output shares the offset of what the process itself
 * prints there (opening the path anew would start a second offset at 0 on a redirected file).
 */
static int named_fd(const char *path)
{
    static const char *const prefixes[] = { "/dev/fd/", "/proc/self/fd/" };
    if (strcmp(path, "/dev/stdout") == 0)
        return STDOUT_FILENO;
    if (strcmp(path, "/dev/stderr") == 0)
        return STDERR_FILENO;
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        size_t n = strlen(prefixes[i]);
        char *end;
        if (strncmp(path, prefixes[i], n) != 0 || path[n] < '0' || path[n] > '9')
            continue;
        long fd = strtol(path + n, &end, 10);
        if (*end == '\0' && fd <= INT_MAX)
            return (int)fd;
    }
    return -1;
}

enum qv_status qv_stream_copy(const char *tmp, const char *path, struct qv_error *err)
{
    char buf[65536];
    int in = open(tmp, O_RDONLY);
    if (in < 0)
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot read back the output for '%s': %s",
                          path, QV_STRERROR(errno));
    const int own = named_fd(path);
    int out = own >= 0 ? own : open(path, O_WRONLY | O_APPEND);
    if (out < 0) {
        int e = errno;
        close(in);
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot open '%s' for writing: %s", path,
                          QV_STRERROR(e));
    }
    int e = 0;
    for (;;) {
        ssize_t r = read(in, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            e = r < 0 ? errno : 0;
            break;
        }
        if ((e = write_all(out, buf, (size_t)r)) != 0)
            break;
    }
    close(in);
    if (own < 0 && close(out) != 0 && !e)
        e = errno;
    if (e)
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot write '%s': %s", path,
                          QV_STRERROR(e));
    return QV_OK;
}

enum qv_status qv_file_read_all(const char *path, size_t max_size, uint8_t **ret_data,
                                size_t *ret_size, struct qv_error *err)
{
    enum qv_status st = QV_OK;
    struct stat sb;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    if (max_size > SIZE_MAX / 2)
        max_size = SIZE_MAX / 2;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot open '%s': %s", path,
                          QV_STRERROR(errno));
    if (fstat(fileno(fp), &sb) != 0) {
        st = qv_fail_at(err, QV_E_IO, path, -1, "cannot stat '%s': %s", path,
                        QV_STRERROR(errno));
        goto cleanup;
    }
    if (S_ISDIR(sb.st_mode)) {
        st = qv_fail_at(err, QV_E_IO, path, -1, "'%s' is a directory", path);
        goto cleanup;
    }
    if (S_ISREG(sb.st_mode) && (uint64_t)sb.st_size > (uint64_t)max_size) {
        st = qv_fail_at(err, QV_E_INPUT, path, -1, "'%s' is %lld bytes, more than the %zu allowed",
                        path, (long long)sb.st_size, max_size);
        goto cleanup;
    }
    /* Size from fstat is a hint only: pipes report 0 and files may change while we read. */
    cap = S_ISREG(sb.st_mode) ? (size_t)sb.st_size + 1 : 65536;
    if (cap > max_size + 1)
        cap = max_size + 1;
    buf = malloc(cap + 1);
    for (;;) {
        if (!buf) {
            st = qv_fail(err, QV_E_NOMEM, "out of memory reading '%s' (%zu bytes)", path, cap);
            goto cleanup;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (len > max_size) {
            st = qv_fail_at(err, QV_E_INPUT, path, (int64_t)max_size,
                            "'%s' is more than the %zu bytes allowed", path, max_size);
            goto cleanup;
        }
        if (len < cap) {
            if (ferror(fp)) {
                st = qv_fail_at(err, QV_E_IO, path, (int64_t)len, "cannot read '%s': %s", path,
                                QV_STRERROR(errno));
                goto cleanup;
            }
            if (feof(fp))
                break;
            continue;
        }
        size_t ncap = cap > (max_size + 1) / 2 ? max_size + 1 : cap * 2;
        uint8_t *p = realloc(buf, ncap + 1);
        if (!p)
            free(buf);
        buf = p;
        cap = ncap;
    }
    buf[len] = '\0';
    *ret_data = buf;
    *ret_size = len;
    buf = NULL;
cleanup:
    free(buf);
    fclose(fp);
    return st;
}

static enum qv_status mkdir_one(const char *dir, const char *full, struct qv_error *err)
{
    struct stat sb;
    if (mkdir(dir, 0777) == 0)
        return QV_OK;
    int e = errno;
    if (e == EEXIST && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
        return QV_OK;
    if (e == EEXIST)
        return qv_fail_at(err, QV_E_IO, full, -1, "cannot create directory '%s': '%s' exists and "
                          "is not a directory", full, dir);
    return qv_fail_at(err, QV_E_IO, full, -1, "cannot create directory '%s': %s", dir,
                      QV_STRERROR(e));
}

enum qv_status qv_mkdir_p(const char *path, struct qv_error *err)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0)
        return qv_fail(err, QV_E_USAGE, "empty directory path");
    if (n >= sizeof(buf))
        return qv_fail_at(err, QV_E_IO, path, -1, "directory path is longer than %zu bytes",
                          sizeof(buf) - 1);
    memcpy(buf, path, n + 1);
    while (n > 1 && buf[n - 1] == '/')
        buf[--n] = '\0';
    for (size_t i = 1; i < n; i++) {
        if (buf[i] != '/' || buf[i - 1] == '/')
            continue;
        buf[i] = '\0';
        enum qv_status st = mkdir_one(buf, path, err);
        buf[i] = '/';
        if (st != QV_OK)
            return st;
    }
    return mkdir_one(buf, path, err);
}

void qv_json_fputs(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}
