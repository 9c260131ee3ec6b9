/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qvet run and qvet merge (include/qvet/report.h): the output directory as one unit. Every file
 * goes into a temporary directory beside --out (struct qv_outset) that is renamed into place only
 * when all are written; an exclusive lock beside it keeps two runs from interleaving.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qvet/report.h"
#include "report/report.h"

struct out {
    int lock;
    char lock_path[QV_PATH_MAX + 64];  /* removed when the lock is released */
    struct qv_outset *os;
    const char *tmp;                 /* fill this directory; the commit renames it */
};

/*
 * An exclusive lock on ".<name>.qvet-lock" beside the output directory, held while fd is open;
 * the holder removes the file before it lets go, so a run that took the lock on a file already
 * removed (it opened it before the removal) tries again on the path's current file.
 */
static enum qv_status lock_out(const char *out, int *ret_fd, char *path, size_t path_size,
                               struct qv_error *err)
{
    char dir[QV_PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", out);
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        dir[--len] = '\0';
    const char *slash = strrchr(dir, '/');
    if (slash)
        snprintf(path, path_size, "%.*s/.%s.qvet-lock", (int)(slash - dir), dir, slash + 1);
    else
        snprintf(path, path_size, ".%s.qvet-lock", dir);
    for (int attempt = 0; attempt < 100; attempt++) {
        int fd = open(path, O_RDWR | O_CREAT, 0644);
        if (fd < 0)
            return qv_fail_at(err, QV_E_IO, out, -1, "cannot create the lock '%s': %s", path,
                              QV_STRERROR(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            close(fd);
            return qv_fail_at(err, QV_E_IO, out, -1, "another qvet run is writing '%s' (lock "
                              "%s): %s", out, path, e == EWOULDBLOCK ? "wait for it to finish"
                              : QV_STRERROR(e));
        }
        struct stat held, now;
        if (fstat(fd, &held) == 0 && stat(path, &now) == 0 && held.st_dev == now.st_dev &&
            held.st_ino == now.st_ino) {
            *ret_fd = fd;
            return QV_OK;
        }
        close(fd);                   /* the previous holder removed it: the path's file now */
    }
    return qv_fail_at(err, QV_E_IO, out, -1, "cannot take the lock '%s': it keeps being "
                      "replaced", path);
}

static void close_out(struct out *o)
{
    qv_outset_free(o->os);
    o->os = NULL;
    if (o->lock >= 0) {
        unlink(o->lock_path);
        close(o->lock);
    }
    o->lock = -1;
}

/* out's parent made, the lock taken, the temporary directory created. marker: the file that
 * shows an existing out was written by qvet. */
static enum qv_status open_out(const char *out, const char *marker, struct out *o,
                               struct qv_error *err)
{
    char parent[QV_PATH_MAX];
    enum qv_status st;
    snprintf(parent, sizeof(parent), "%s", out);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        if ((st = qv_mkdir_p(parent, err)) != QV_OK)
            return st;
    }
    if ((st = lock_out(out, &o->lock, o->lock_path, sizeof(o->lock_path), err)) != QV_OK ||
        (st = qv_outset_create(&o->os, err)) != QV_OK ||
        (st = qv_outset_add_dir(o->os, out, marker, &o->tmp, err)) != QV_OK) {
        close_out(o);
        return st;
    }
    return QV_OK;
}

enum qv_status qv_job_run(const char *dir, const struct qv_job_opts *opts,
                          struct qv_job_result *ret_result, struct qv_error *err)
{
    struct qv_job_result *r = calloc(1, sizeof(*r));
    struct out o = { .lock = -1 };
    char out_dir[QV_PATH_MAX], pred[QV_PATH_MAX + 64];
    struct qv_manifest *m = NULL;
    enum qv_status st;
    if (!r)
        return qv_fail(err, QV_E_NOMEM, "out of memory");
    /* the directory's manifest first: bad input fails before anything is created */
    m = malloc(sizeof(*m));
    if (!m) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory");
        goto fail;
    }
    if ((st = qv_manifest_load(dir, m, err)) != QV_OK)
        goto fail;
    if (opts->out_dir)
        snprintf(out_dir, sizeof(out_dir), "%s", opts->out_dir);
    else
        snprintf(out_dir, sizeof(out_dir), "%s/qvet-out", dir);
    if ((st = open_out(out_dir, opts->partial ? "partial.json" : "summary.json", &o, err)))
        goto fail;
    snprintf(pred, sizeof(pred), "%s/%s", o.tmp,
             opts->partial ? "predictions.part.csv" : "predictions.csv");
    if ((st = qv_job_evaluate(dir, opts, pred, r, err)) != QV_OK)
        goto fail;
    double t = qv_run_now();
    if (opts->partial)
        st = qv_job_partial_save(r, o.tmp, err);
    else
        st = qv_report_write_all(r, o.tmp, err);
    if (st != QV_OK || (st = qv_outset_commit(o.os, err)) != QV_OK)
        goto fail;
    r->stage_s[QV_STAGE_REPORTS] = qv_run_now() - t;
    close_out(&o);
    free(m);
    *ret_result = *r;
    free(r);
    return QV_OK;
fail:
    close_out(&o);
    free(m);
    qv_job_result_release(r);
    free(r);
    return st;
}

enum qv_status qv_job_merge(const char *out, int32_t n_parts, const char *const *parts,
                            const char *baseline, struct qv_job_result *ret_result,
                            struct qv_error *err)
{
    struct qv_job_result *r = calloc(1, sizeof(*r));
    struct out o = { .lock = -1 };
    char pred[QV_PATH_MAX + 64];
    enum qv_status st;
    if (!r)
        return qv_fail(err, QV_E_NOMEM, "out of memory");
    if ((st = open_out(out, "summary.json", &o, err)) != QV_OK)
        goto fail;
    snprintf(pred, sizeof(pred), "%s/predictions.csv", o.tmp);
    if ((st = qv_job_parts_merge(n_parts, parts, pred, baseline, r, err)) != QV_OK)
        goto fail;
    snprintf(r->out_dir, sizeof(r->out_dir), "%s", out);
    double t = qv_run_now();
    if ((st = qv_report_write_all(r, o.tmp, err)) != QV_OK ||
        (st = qv_outset_commit(o.os, err)) != QV_OK)
        goto fail;
    r->stage_s[QV_STAGE_REPORTS] = qv_run_now() - t;
    close_out(&o);
    *ret_result = *r;
    free(r);
    return QV_OK;
fail:
    close_out(&o);
    qv_job_result_release(r);
    free(r);
    return st;
}
