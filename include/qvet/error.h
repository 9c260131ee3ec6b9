/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qvet error record.
 *
 * Every fallible function in libqvet returns an `enum qv_status` (QV_OK == 0, failures
 * negative) and takes a caller-owned `struct qv_error *err` as its last argument (NULL allowed).
 * On failure the record holds one human-readable message plus the position of the fault: the
 * file, a byte offset or a line/column, and the graph node. The message is stored inline (never
 * allocated) so the out-of-memory path can still report.
 *
 *     struct qv_error err = QV_ERROR_INIT;
 *     if (qv_npy_open(path, &npy, &err) != QV_OK)
 *         fprintf(stderr, "%s\n", err.msg);
 */
#ifndef QVET_ERROR_H
#define QVET_ERROR_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define QV_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define QV_PRINTF(fmt, args)
#endif

enum qv_status {
    QV_OK = 0,
    QV_E_USAGE = -1,    /* bad arguments or options           -> exit 2 */
    QV_E_INPUT = -2,    /* malformed or unsupported content   -> exit 2 */
    QV_E_IO = -3,       /* open/read/write/rename failed      -> exit 2 */
    QV_E_NOMEM = -4,    /*                                    -> exit 3 */
    QV_E_INTERNAL = -5, /* a qvet bug; the message says where -> exit 3 */
};

struct qv_error {
    enum qv_status status;
    int64_t offset;          /* byte offset into path, or -1 */
    int32_t line, col;       /* 1-based text position, or 0 */
    int32_t node;            /* graph node index, or -1 */
    char path[1024];         /* the file at fault, or "" */
    char msg[512];           /* truncated, never allocated */
};

#define QV_ERROR_INIT { .status = QV_OK, .offset = -1, .line = 0, .col = 0, .node = -1 }

/* Resets err (may be NULL) to QV_ERROR_INIT. */
void qv_error_clear(struct qv_error *err);

/*
 * Records a failure with no position in err (may be NULL) and returns status, so that callers write
 * `return qv_fail(err, QV_E_INPUT, "...")`. A position recorded earlier is kept.
 */
enum qv_status qv_fail(struct qv_error *err, enum qv_status status, const char *fmt, ...)
    QV_PRINTF(3, 4);

/* As qv_fail, recording the file and a byte offset (-1 when unknown). */
enum qv_status qv_fail_at(struct qv_error *err, enum qv_status status, const char *path,
                          int64_t offset, const char *fmt, ...) QV_PRINTF(5, 6);

/* As qv_fail, recording the file and a 1-based line and column (col 0 = whole line). */
enum qv_status qv_fail_line(struct qv_error *err, enum qv_status status, const char *path,
                            int32_t line, int32_t col, const char *fmt, ...) QV_PRINTF(6, 7);

/* As qv_fail, recording the graph node index. */
enum qv_status qv_fail_node(struct qv_error *err, enum qv_status status, int32_t node,
                            const char *fmt, ...) QV_PRINTF(4, 5);

/*
 * Prepends "prefix: " to an already recorded message (at module boundaries, e.g. the model path)
 * and sets err->path when it is empty and path is not NULL. err may be NULL. The caller returns
 * the failure's status itself: `qv_error_prefix(err, path, "..."); return st;`.
 */
void qv_error_prefix(struct qv_error *err, const char *path, const char *fmt, ...)
    QV_PRINTF(3, 4);

/* Formats the error as "PATH:LINE:COL: msg", "PATH: byte N: msg" or "msg" into buf. */
void qv_error_format(const struct qv_error *err, char *buf, size_t size);

/* Room for a qv_strerror message. */
#define QV_STRERROR_MAX 128

/*
 * The system's message for errno value errnum ("No space left on device") into buf, through the
 * thread-safe strerror_r (engines and the runner work in threads); returns buf. Unknown values
 * give "error N".
 */
const char *qv_strerror(int errnum, char *buf, size_t size);
/* qv_strerror into a buffer that lives until the end of the enclosing block, for messages:
 * qv_fail_at(err, QV_E_IO, path, -1, "cannot open '%s': %s", path, QV_STRERROR(errno)). */
#define QV_STRERROR(errnum) qv_strerror((errnum), (char[QV_STRERROR_MAX]){ 0 }, QV_STRERROR_MAX)

/* "ok", "usage", "input", "io", "nomem", "internal". */
const char *qv_status_name(enum qv_status status);

#endif
