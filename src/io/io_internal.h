/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/io: the streamed CSV record reader and a few helpers shared by the readers. */
#ifndef QV_IO_INTERNAL_H
#define QV_IO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qvet/io.h"

/*
 * Pull-style CSV records over libcsv's push parser. The file is parsed in 64 KiB chunks; complete
 * records wait in a queue until asked for, so memory stays bounded by a chunk's worth of records
 * whatever the file size. Handles quoted fields, CRLF / LF / CR line ends, a UTF-8 byte order
 * mark, a missing final newline. Blank lines are skipped. Unquoted fields are trimmed of spaces
 * and tabs (libcsv's default).
 */
struct qv_csv_reader;

enum qv_status qv_csv_reader_open(const char *path, struct qv_csv_reader **ret_reader,
                                  struct qv_error *err);
/*
 * Next non-blank record: fields[i] is NUL-terminated with length lens[i] (a field may hold an
 * embedded NUL, then strlen(fields[i]) < lens[i]); both arrays are borrowed until the next call.
 * *ret_line is the 1-based line where the record starts. *ret_n = 0 at the end of the file.
 * Malformed quoting fails with QV_E_INPUT and the line and field (column) where it is found.
 */
enum qv_status qv_csv_reader_next(struct qv_csv_reader *r, const char *const **ret_fields,
                                  const size_t **ret_lens, int32_t *ret_n, int32_t *ret_line,
                                  struct qv_error *err);
const char *qv_csv_reader_path(const struct qv_csv_reader *r);
void qv_csv_reader_close(struct qv_csv_reader *r);

/* Outcome of parsing one text field as a number. */
enum qv_num_status {
    QV_NUM_OK,
    QV_NUM_EMPTY,          /* "" or only spaces */
    QV_NUM_INVALID,        /* not a decimal/hex floating-point literal */
    QV_NUM_NONFINITE,      /* nan, inf, infinity (any case, any sign) */
    QV_NUM_RANGE,          /* finite, but outside the float32 range */
};
/* Parses a whole field (surrounding spaces allowed) as a number that fits float32. */
enum qv_num_status qv_parse_number(const char *s, size_t len, double *ret_value);

/* Byte offset in the file of the shape tuple of an open .npy header (for dataset errors). */
int64_t qv_npy_shape_offset(const struct qv_npy *npy);
/* The file an array is read from (the .npz for a member), and the member's name or "". */
const char *qv_npy_path(const struct qv_npy *npy);
const char *qv_npy_member(const struct qv_npy *npy);

/*
 * The bytes of one .npz member (npz.c), stored or inflated, with its size and CRC-32 checked
 * against the zip directory when its last byte has been read.
 */
struct qv_npz_stream;
/* Up to n bytes; *ret_got < n only at the member's end. */
enum qv_status qv_npz_stream_read(struct qv_npz_stream *zs, void *buf, size_t n, size_t *ret_got,
                                  struct qv_error *err);
/* Offset in the archive of byte pos of a stored member; -1 for a deflated member. */
int64_t qv_npz_stream_file_offset(const struct qv_npz_stream *zs, int64_t pos);
void qv_npz_stream_close(struct qv_npz_stream *zs);
/*
 * An .npy reader over a member stream of `size` bytes (path: the .npz, member: its name). Takes
 * the stream over, also on failure.
 */
enum qv_status qv_npy_open_stream(const char *path, const char *member,
                                  struct qv_npz_stream *zs, int64_t size,
                                  struct qv_npy **ret_npy, struct qv_error *err);

/*
 * Output paths that rename(2) must not replace. An existing path naming neither a regular file
 * nor a directory (a character device such as /dev/null, a FIFO, a socket), or any existing
 * non-directory under /dev/ or /proc/ (/dev/stdout redirected to a file), is a stream:
 * its output is written to a temporary file in $TMPDIR (default /tmp) and copied into the path
 * when the command commits, so a failed command still writes nothing there. A symbolic link to
 * a regular file is resolved, so that the file is replaced and the link kept.
 */
bool qv_output_is_stream(const char *path);
/* path itself, or the regular file it links to; out has room for size bytes. */
void qv_output_resolve(const char *path, char *out, size_t size);
/* Creates an empty temporary file for a stream output; its name goes to tmp. -1 on failure. */
int qv_stream_tmp_create(char *tmp, size_t size);
/* Appends the temporary file to the stream path (opened for writing, not created). */
enum qv_status qv_stream_copy(const char *tmp, const char *path, struct qv_error *err);

#endif
