/* SPDX-License-Identifier: Apache-2.0 */
#include "qvet/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void qv_error_clear(struct qv_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof(*err));
    err->status = QV_OK;
    err->offset = -1;
    err->node = -1;
}

static enum qv_status record(struct qv_error *err, enum qv_status status, const char *fmt,
                             va_list ap)
{
    if (!err)
        return status;
    err->status = status;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    return status;
}

static void set_path(struct qv_error *err, const char *path)
{
    if (err && path)
        snprintf(err->path, sizeof(err->path), "%s", path);
}

enum qv_status qv_fail(struct qv_error *err, enum qv_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(err, status, fmt, ap);
    va_end(ap);
    return status;
}

enum qv_status qv_fail_at(struct qv_error *err, enum qv_status status, const char *path,
                          int64_t offset, const char *fmt, ...)
{
    va_list ap;
    set_path(err, path);
    if (err)
        err->offset = offset;
    va_start(ap, fmt);
    record(err, status, fmt, ap);
    va_end(ap);
    return status;
}

enum qv_status qv_fail_line(struct qv_error *err, enum qv_status status, const char *path,
                            int32_t line, int32_t col, const char *fmt, ...)
{
    va_list ap;
    set_path(err, path);
    if (err) {
        err->line = line;
        err->col = col;
    }
    va_start(ap, fmt);
    record(err, status, fmt, ap);
    va_end(ap);
    return status;
}

enum qv_status qv_fail_node(struct qv_error *err, enum qv_status status, int32_t node,
                            const char *fmt, ...)
{
    va_list ap;
    if (err)
        err->node = node;
    va_start(ap, fmt);
    record(err, status, fmt, ap);
    va_end(ap);
    return status;
}

void qv_error_prefix(struct qv_error *err, const char *path, const char *fmt, ...)
{
    char prefix[512], old[sizeof(err->msg)];
    va_list ap;
    if (!err)
        return;
    if (path && !err->path[0])
        set_path(err, path);
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
}

void qv_error_format(const struct qv_error *err, char *buf, size_t size)
{
    if (!err->path[0])
        snprintf(buf, size, "%s", err->msg);
    else if (err->line > 0 && err->col > 0)
        snprintf(buf, size, "%s:%d:%d: %s", err->path, err->line, err->col, err->msg);
    else if (err->line > 0)
        snprintf(buf, size, "%s:%d: %s", err->path, err->line, err->msg);
    else if (err->offset >= 0)
        snprintf(buf, size, "%s: byte %lld: %s", err->path, (long long)err->offset, err->msg);
    else
        snprintf(buf, size, "%s: %s", err->path, err->msg);
}

const char *qv_strerror(int errnum, char *buf, size_t size)
{
    /* the XSI strerror_r (_POSIX_C_SOURCE): returns 0 or an error number */
    if (!buf || size == 0)
        return "";
    if (strerror_r(errnum, buf, size) != 0 || !buf[0])
        snprintf(buf, size, "error %d", errnum);
    return buf;
}

const char *qv_status_name(enum qv_status status)
{
    switch (status) {
    case QV_OK: return "ok";
    case QV_E_USAGE: return "usage";
    case QV_E_INPUT: return "input";
    case QV_E_IO: return "io";
    case QV_E_NOMEM: return "nomem";
    case QV_E_INTERNAL: return "internal";
    }
    return "unknown";
}
