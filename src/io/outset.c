/* SPDX-License-Identifier: Apache-2.0 */
/*
 * All outputs of one command, committed together at its end (include/qvet/io.h).
 *
 * Every output is first written under a temporary name in its target's directory,
 * ".<name>.qvet-<pid>-<n>.tmp", so a reader never sees a half-written file and a failed command
 * leaves nothing behind. The pid in the name lets the next command recognise what a killed run
 * left: when an output is added, temporaries of the same target whose process no longer exists
 * are removed (those of a live process, e.g. a concurrent run, are left alone). A file output
 * whose path is a device or FIFO (-o /dev/stdout) waits in a temporary file of $TMPDIR and is
 * copied into the path at commit; a symbolic link to a regular file is followed.
 */
#define _DEFAULT_SOURCE   /* DT_DIR */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qvet/io.h"
#include "io_internal.h"

#define MAX_OUTPUTS 64

struct output {
    char path[1024];
    char tmp[1100];
    bool dir;
    bool stream;   /* a device or FIFO (io_internal.h): copied into at commit, never renamed over */
};

struct qv_outset {
    int32_t n;
    struct output out[MAX_OUTPUTS];
    bool committed;
};

enum qv_status qv_outset_create(struct qv_outset **ret_os, struct qv_error *err)
{
    struct qv_outset *os = calloc(1, sizeof(*os));
    if (!os)
        return qv_fail(err, QV_E_NOMEM, "out of memory");
    *ret_os = os;
    return QV_OK;
}

/* rm -r; best effort (used on temporaries qvet made). */
static void remove_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[2048];
            snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
            remove_tree(sub);
        }
        if (d)
            closedir(d);
        (void)rmdir(path);
    } else {
        (void)unlink(path);
    }
}

static void split(const char *path, char *dir, char *base, size_t size)
{
    char a[1024], b[1024];
    snprintf(a, sizeof(a), "%s", path);
    snprintf(b, sizeof(b), "%s", path);
    snprintf(dir, size, "%s", dirname(a));
    snprintf(base, size, "%s", basename(b));
}

/* Removes ".<base>.qvet-<pid>-<n>.tmp" entries of dir whose process is gone. */
static void remove_stale(const char *dir, const char *base)
{
    char prefix[1100];
    snprintf(prefix, sizeof(prefix), ".%s.qvet-", base);
    size_t pl = strlen(prefix);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        size_t len = strlen(n);
        if (strncmp(n, prefix, pl) != 0 || len < pl + 6 || strcmp(n + len - 4, ".tmp") != 0)
            continue;
        char *end = NULL;
        long pid = strtol(n + pl, &end, 10);
        if (pid <= 0 || !end || *end != '-' || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;   /* alive, or not ours to judge */
        char full[2200];
        snprintf(full, sizeof(full), "%s/%s", dir, n);
        remove_tree(full);
    }
    if (d)
        closedir(d);
}

/* An existing directory may be replaced when it is empty or holds `marker`. */
static enum qv_status check_replaceable(const char *path, const char *marker,
                                        struct qv_error *err)
{
    char probe[1200];
    DIR *d = opendir(path);
    struct dirent *e;
    bool empty = true;
    while (d && (e = readdir(d)) != NULL)
        empty = empty && (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0);
    if (d)
        closedir(d);
    snprintf(probe, sizeof(probe), "%s/%s", path, marker ? marker : "");
    struct stat sb;
    if (empty || !marker || stat(probe, &sb) == 0)
        return QV_OK;
    return qv_fail_at(err, QV_E_IO, path, -1, "refusing to replace directory '%s': it is not "
                      "empty and holds no %s, so qvet did not write it", path, marker);
}

/* An empty file at tmp (in_tmpdir: a new name in $TMPDIR, written to tmp); 0 or -1. */
static int create_empty(char *tmp, size_t size, bool in_tmpdir)
{
    int fd = in_tmpdir ? qv_stream_tmp_create(tmp, size)
                       : open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    return fd < 0 ? -1 : close(fd);
}

static enum qv_status add(struct qv_outset *os, const char *path, bool dir, const char *marker,
                          const char **ret_tmp, struct qv_error *err)
{
    char d[1024], base[1024];
    if (!path || !path[0])
        return qv_fail(err, QV_E_USAGE, "empty output path");
    if (strlen(path) >= sizeof(os->out[0].path) - 64)
        return qv_fail_at(err, QV_E_IO, path, -1, "output path is too long");
    if (os->n == MAX_OUTPUTS)
        return qv_fail(err, QV_E_INTERNAL, "more than %d outputs in one command", MAX_OUTPUTS);
    for (int32_t i = 0; i < os->n; i++)
        if (strcmp(os->out[i].path, path) == 0)
            return qv_fail_at(err, QV_E_USAGE, path, -1, "'%s' is named for two outputs", path);
    split(path, d, base, sizeof(d));
    struct stat sb;
    if (stat(d, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot write '%s': directory '%s' does not "
                          "exist", path, d);
    if (stat(path, &sb) == 0 && (bool)S_ISDIR(sb.st_mode) != dir)
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot write '%s': it exists and is %s",
                          path, dir ? "not a directory" : "a directory");
    enum qv_status st = dir && stat(path, &sb) == 0 ? check_replaceable(path, marker, err)
                                                     : QV_OK;
    if (st != QV_OK)
        return st;
    struct output *o = &os->out[os->n];
    o->dir = dir;
    o->stream = !dir && qv_output_is_stream(path);
    int rc;
    if (o->stream) {
        snprintf(o->path, sizeof(o->path), "%s", path);
        rc = create_empty(o->tmp, sizeof(o->tmp), true);
    } else {
        if (dir) {
            snprintf(o->path, sizeof(o->path), "%s", path);
        } else {
            qv_output_resolve(path, o->path, sizeof(o->path));
            split(o->path, d, base, sizeof(d));
        }
        remove_stale(d, base);
        snprintf(o->tmp, sizeof(o->tmp), "%s/.%s.qvet-%ld-%d.tmp", d, base, (long)getpid(),
                 os->n);
        remove_tree(o->tmp);   /* a pid reused since: never ours now */
        rc = dir ? mkdir(o->tmp, 0755) : create_empty(o->tmp, sizeof(o->tmp), false);
    }
    if (rc != 0)
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot create a temporary %s beside '%s': %s",
                          dir ? "directory" : "file", path, QV_STRERROR(errno));
    os->n++;
    *ret_tmp = o->tmp;
    return QV_OK;
}

enum qv_status qv_outset_add_file(struct qv_outset *os, const char *path, const char **ret_tmp,
                                  struct qv_error *err)
{
    return add(os, path, false, NULL, ret_tmp, err);
}

enum qv_status qv_outset_add_dir(struct qv_outset *os, const char *path, const char *marker,
                                 const char **ret_tmp, struct qv_error *err)
{
    return add(os, path, true, marker, ret_tmp, err);
}

/* fsync a file or directory by path; best effort for directories. */
static int sync_path(const char *path, bool dir)
{
    int fd = open(path, dir ? O_RDONLY : O_WRONLY);
    if (fd < 0)
        return dir ? 0 : -1;
    int rc = fsync(fd);
    close(fd);
    return dir ? 0 : rc;
}

enum qv_status qv_outset_commit(struct qv_outset *os, struct qv_error *err)
{
    for (int32_t i = 0; i < os->n; i++) {
        struct output *o = &os->out[i];
        if (sync_path(o->tmp, o->dir) != 0)
            return qv_fail_at(err, QV_E_IO, o->path, -1, "cannot write '%s': %s", o->path,
                              QV_STRERROR(errno));
    }
    for (int32_t i = 0; i < os->n; i++) {
        struct output *o = &os->out[i];
        char old[1200];
        old[0] = '\0';
        struct stat sb;
        if (o->dir && stat(o->path, &sb) == 0) {
            /* a directory cannot be renamed over a non-empty one: move the old one aside */
            snprintf(old, sizeof(old), "%s.old", o->tmp);
            if (rename(o->path, old) != 0)
                return qv_fail_at(err, QV_E_IO, o->path, -1, "cannot replace '%s': %s", o->path,
                                  QV_STRERROR(errno));
        }
        if (o->stream) {
            enum qv_status st = qv_stream_copy(o->tmp, o->path, err);
            if (st != QV_OK)
                return st;
            remove_tree(o->tmp);
            o->tmp[0] = '\0';
            continue;
        }
        if (rename(o->tmp, o->path) != 0) {
            int e = errno;
            if (old[0])
                (void)rename(old, o->path);
            return qv_fail_at(err, QV_E_IO, o->path, -1, "cannot write '%s' (rename failed): %s",
                              o->path, QV_STRERROR(e));
        }
        o->tmp[0] = '\0';
        if (old[0])
            remove_tree(old);
        char d[1024], base[1024];
        split(o->path, d, base, sizeof(d));
        sync_path(d, true);
    }
    os->committed = true;
    return QV_OK;
}

void qv_outset_free(struct qv_outset *os)
{
    if (!os)
        return;
    for (int32_t i = 0; i < os->n; i++)
        if (os->out[i].tmp[0])
            remove_tree(os->out[i].tmp);
    free(os);
}
