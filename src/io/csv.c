/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streamed CSV records through libcsv's incremental (push) parser, turned into a pull API for
 * the dataset reader: qv_csv_reader_next() parses more of the file only when its queue of
 * complete records is empty.
 *
 * libcsv reports neither line numbers nor blank lines by default. With CSV_REPALL_NL every line
 * end reaches the row callback, so we count lines ourselves: a CR immediately followed by an LF
 * with no field between them is one CRLF line end; line breaks inside quoted fields are counted
 * from the field text.
 */
#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/io_internal.h"

#define CHUNK_SIZE 65536
#define MAX_FIELD (16u << 20)      /* bytes of one field: a number is a few dozen */
#define MAX_RECORD (256u << 20)    /* bytes of one record, all fields */

struct qv_csv_reader {
    FILE *fp;
    char path[1024];
    struct csv_parser parser;
    bool parser_ready, eof, started, prev_cr;
    enum qv_status cb_status;      /* failure noticed inside a callback */
    int64_t line;                  /* line where the record being parsed starts */
    int64_t extra_lines;           /* line breaks inside quoted fields of that record */
    /* the record being parsed: per field a uint32 length, the bytes, a NUL */
    char *cur;
    size_t cur_len, cur_cap;
    int32_t cur_n;
    /* complete records: int64 line, int32 field count, then the fields as above */
    char *q;
    size_t q_len, q_cap, q_head;
    /* the record handed out */
    const char **fields;
    size_t *lens;
    int32_t fields_cap;
    unsigned char chunk[CHUNK_SIZE];
};

/* libcsv grows its field buffer through this: refusing past MAX_FIELD bounds memory. */
static void *bounded_realloc(void *p, size_t size)
{
    return size > MAX_FIELD + 64 ? NULL : realloc(p, size);
}

static bool reserve(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap : 256;
    while (ncap < need)
        ncap *= 2;
    char *p = realloc(*buf, ncap);
    if (!p)
        return false;
    *buf = p;
    *cap = ncap;
    return true;
}

static void on_field(void *s, size_t len, void *data)
{
    struct qv_csv_reader *r = data;
    const char *f = s ? s : "";
    if (r->cb_status != QV_OK)
        return;
    if (r->cur_len + len + 5 > MAX_RECORD || r->cur_n == INT32_MAX) {
        r->cb_status = QV_E_INPUT;
        return;
    }
    if (!reserve(&r->cur, &r->cur_cap, r->cur_len + len + 5)) {
        r->cb_status = QV_E_NOMEM;
        return;
    }
    uint32_t l = (uint32_t)len;
    memcpy(r->cur + r->cur_len, &l, 4);
    if (len)
        memcpy(r->cur + r->cur_len + 4, f, len);
    r->cur[r->cur_len + 4 + len] = '\0';
    r->cur_len += len + 5;
    r->cur_n++;
    for (size_t i = 0; i < len; i++)
        if (f[i] == '\n' || (f[i] == '\r' && (i + 1 == len || f[i + 1] != '\n')))
            r->extra_lines++;
}

static void on_row(int c, void *data)
{
    struct qv_csv_reader *r = data;
    if (r->cb_status != QV_OK)
        return;
    if (c == '\n' && r->prev_cr && r->cur_n == 0) {
        r->prev_cr = false;   /* the LF of a CRLF */
        return;
    }
    if (r->cur_n > 0) {
        size_t need = r->q_len + 12 + r->cur_len;
        if (!reserve(&r->q, &r->q_cap, need)) {
            r->cb_status = QV_E_NOMEM;
            return;
        }
        memcpy(r->q + r->q_len, &r->line, 8);
        memcpy(r->q + r->q_len + 8, &r->cur_n, 4);
        memcpy(r->q + r->q_len + 12, r->cur, r->cur_len);
        r->q_len = need;
    }
    r->line += r->extra_lines + (c >= 0 ? 1 : 0);
    r->extra_lines = 0;
    r->cur_len = 0;
    r->cur_n = 0;
    r->prev_cr = c == '\r';
}

enum qv_status qv_csv_reader_open(const char *path, struct qv_csv_reader **ret_reader,
                                  struct qv_error *err)
{
    enum qv_status st;
    if (strlen(path) >= sizeof(((struct qv_csv_reader *)0)->path))
        return qv_fail_at(err, QV_E_IO, path, -1, "path is too long");
    struct qv_csv_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return qv_fail(err, QV_E_NOMEM, "out of memory opening '%s'", path);
    snprintf(r->path, sizeof(r->path), "%s", path);
    r->line = 1;
    r->fp = fopen(path, "rb");
    if (!r->fp) {
        st = qv_fail_at(err, QV_E_IO, path, -1, "cannot open '%s': %s", path, QV_STRERROR(errno));
        goto fail;
    }
    if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL | CSV_APPEND_NULL)) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory opening '%s'", path);
        goto fail;
    }
    r->parser_ready = true;
    csv_set_realloc_func(&r->parser, bounded_realloc);
    *ret_reader = r;
    return QV_OK;
fail:
    qv_csv_reader_close(r);
    return st;
}

const char *qv_csv_reader_path(const struct qv_csv_reader *r)
{
    return r->path;
}

static int32_t line32(int64_t line)
{
    return line > INT32_MAX ? INT32_MAX : (int32_t)line;
}

static enum qv_status parse_failure(struct qv_csv_reader *r, int code, struct qv_error *err)
{
    int32_t line = line32(r->line + r->extra_lines), col = r->cur_n + 1;
    if (r->cb_status == QV_E_NOMEM)
        return qv_fail(err, QV_E_NOMEM, "out of memory reading '%s'", r->path);
    if (r->cb_status != QV_OK)
        return qv_fail_line(err, QV_E_INPUT, r->path, line32(r->line), 0,
                            "record is longer than %u MiB", MAX_RECORD >> 20);
    if (code == CSV_ENOMEM || code == CSV_ETOOBIG)
        return qv_fail_line(err, QV_E_INPUT, r->path, line, col,
                            "field is longer than %u MiB (or out of memory)", MAX_FIELD >> 20);
    return qv_fail_line(err, QV_E_INPUT, r->path, line, col,
                        "malformed CSV: a quote inside an unquoted field, text after a closing "
                        "quote, or an unterminated quoted field");
}

/* Parses the next chunk of the file (or finishes at the end) into the queue. */
static enum qv_status fill(struct qv_csv_reader *r, struct qv_error *err)
{
    size_t got = fread(r->chunk, 1, sizeof(r->chunk), r->fp);
    if (got == 0) {
        if (ferror(r->fp))
            return qv_fail_at(err, QV_E_IO, r->path, -1, "cannot read '%s': %s", r->path,
                              QV_STRERROR(errno));
        r->eof = true;
        if (csv_fini(&r->parser, on_field, on_row, r) != 0 || r->cb_status != QV_OK)
            return parse_failure(r, csv_error(&r->parser), err);
        return QV_OK;
    }
    const unsigned char *p = r->chunk;
    if (!r->started) {
        r->started = true;
        /* A UTF-8 byte order mark (Excel writes one). A file shorter than 3 bytes has none. */
        if (got >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
            p += 3;
            got -= 3;
        }
    }
    if (csv_parse(&r->parser, p, got, on_field, on_row, r) != got || r->cb_status != QV_OK)
        return parse_failure(r, csv_error(&r->parser), err);
    return QV_OK;
}

enum qv_status qv_csv_reader_next(struct qv_csv_reader *r, const char *const **ret_fields,
                                  const size_t **ret_lens, int32_t *ret_n, int32_t *ret_line,
                                  struct qv_error *err)
{
    if (r->q_head == r->q_len) {
        r->q_head = r->q_len = 0;
        while (r->q_len == 0 && !r->eof) {
            enum qv_status st = fill(r, err);
            if (st != QV_OK)
                return st;
        }
    }
    if (r->q_head == r->q_len) {
        *ret_n = 0;
        *ret_line = line32(r->line);
        return QV_OK;
    }
    int64_t line;
    int32_t n;
    const char *p = r->q + r->q_head;
    memcpy(&line, p, 8);
    memcpy(&n, p + 8, 4);
    p += 12;
    if (n > r->fields_cap) {
        const char **f = realloc(r->fields, (size_t)n * sizeof(*f));
        if (f)
            r->fields = f;
        size_t *l = f ? realloc(r->lens, (size_t)n * sizeof(*l)) : NULL;
        if (!l)
            return qv_fail(err, QV_E_NOMEM, "out of memory reading '%s'", r->path);
        r->lens = l;
        r->fields_cap = n;
    }
    for (int32_t i = 0; i < n; i++) {
        uint32_t len;
        memcpy(&len, p, 4);
        r->fields[i] = p + 4;
        r->lens[i] = len;
        p += 4 + (size_t)len + 1;
    }
    r->q_head = (size_t)(p - r->q);
    *ret_fields = r->fields;
    *ret_lens = r->lens;
    *ret_n = n;
    *ret_line = line32(line);
    return QV_OK;
}

void qv_csv_reader_close(struct qv_csv_reader *r)
{
    if (!r)
        return;
    if (r->parser_ready)
        csv_free(&r->parser);
    if (r->fp)
        fclose(r->fp);
    free(r->cur);
    free(r->q);
    free(r->fields);
    free(r->lens);
    free(r);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

enum qv_num_status qv_parse_number(const char *s, size_t len, double *ret_value)
{
    char buf[128];
    size_t a = 0, b = len;
    while (a < b && is_space(s[a]))
        a++;
    while (b > a && is_space(s[b - 1]))
        b--;
    if (a == b)
        return QV_NUM_EMPTY;
    if (b - a >= sizeof(buf) || memchr(s + a, '\0', b - a))
        return QV_NUM_INVALID;
    memcpy(buf, s + a, b - a);
    buf[b - a] = '\0';
    /* strtod also takes "0x1p3", "nan(123)", "infinity"; all are numbers of some kind. */
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end == buf || *end != '\0')
        return QV_NUM_INVALID;
    if (!isfinite(v))
        return QV_NUM_NONFINITE;
    if (fabs(v) > (double)3.4028234663852886e38)
        return QV_NUM_RANGE;
    *ret_value = v;
    return QV_NUM_OK;
}
