/* SPDX-License-Identifier: Apache-2.0 */
/*
 * .npy arrays: a streamed reader and two writers (whole array, and row by row).
 *
 * Layout (numpy's NEP 1): "\x93NUMPY", major, minor, a little-endian header length (uint16 for
 * version 1.0, uint32 for 2.0 and 3.0), then that many bytes of a Python dict literal such as
 *     {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 * padded with spaces and a final '\n', then the raw elements in C order. Version 3.0 only differs
 * in allowing UTF-8 in the header. The reader accepts exactly the dtypes qvet computes with and
 * reports every fault with the byte offset where it is found.
 *
 * The writers produce byte for byte what np.save() of numpy >= 1.23 writes, including the spare
 * spaces numpy leaves so that shape[0] can grow in place (21 digits): the streaming writer relies
 * on them to patch the sample count at close without moving the data.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/io_internal.h"
#include "qvet/io.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "qvet reads and writes little-endian data in place: port npy.c for big-endian hosts"
#endif

#define MAGIC "\x93NUMPY"
#define MAGIC_LEN 6
#define MAX_HEADER_LEN (1 << 20)  /* numpy writes < 200 bytes; anything this big is corrupt */
#define ARRAY_ALIGN 64            /* numpy.lib.format.ARRAY_ALIGN */
#define GROWTH_DIGITS 21          /* numpy.lib.format.GROWTH_AXIS_MAX_DIGITS */

struct qv_npy {
    FILE *fp;
    char path[1024];
    struct qv_npy_info info;
    int64_t file_size;             /* -1 when not a regular file */
    int64_t rows_read;
    size_t row_bytes;
    int64_t shape_offset;          /* of the shape tuple in the header */
};

struct qv_npy_writer {
    struct qv_atomic_file f;
    enum qv_dtype dtype;
    struct qv_shape shape;         /* dims[0] = rows appended so far */
    size_t row_bytes;
    size_t header_len;
};

/* ---- header parsing ------------------------------------------------------------------------ */

static const struct {
    const char *descr;
    enum qv_dtype dtype;
} descrs[] = {
    { "<f4", QV_DTYPE_F32 }, { "|i1", QV_DTYPE_I8 },  { "<i1", QV_DTYPE_I8 },
    { ">i1", QV_DTYPE_I8 },  { "|u1", QV_DTYPE_U8 },  { "<u1", QV_DTYPE_U8 },
    { ">u1", QV_DTYPE_U8 },  { "<i2", QV_DTYPE_I16 }, { "<i4", QV_DTYPE_I32 },
    { "<i8", QV_DTYPE_I64 }, { "|b1", QV_DTYPE_BOOL }, { "<b1", QV_DTYPE_BOOL },
};

/* What np.save writes for each dtype (the first match in descrs[] above). */
static const char *descr_of(enum qv_dtype dtype)
{
    for (size_t i = 0; i < sizeof(descrs) / sizeof(descrs[0]); i++)
        if (descrs[i].dtype == dtype)
            return descrs[i].descr;
    return NULL;
}

struct hparser {
    const char *s;                 /* header text (not NUL-terminated) */
    size_t n, i;
    int64_t base;                  /* file offset of s[0] */
    const char *path;
    struct qv_error *err;
};

static enum qv_status hfail(struct hparser *p, size_t at, const char *what)
{
    return qv_fail_at(p->err, QV_E_INPUT, p->path, p->base + (int64_t)at, "npy header: %s", what);
}

static void hskip_ws(struct hparser *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
                           p->s[p->i] == '\r'))
        p->i++;
}

static bool hpeek(struct hparser *p, char c)
{
    return p->i < p->n && p->s[p->i] == c;
}

static enum qv_status hexpect(struct hparser *p, char c, const char *what)
{
    if (!hpeek(p, c))
        return hfail(p, p->i, what);
    p->i++;
    return QV_OK;
}

/* A Python string literal in single or double quotes, without escapes. */
static enum qv_status hstring(struct hparser *p, size_t *ret_start, size_t *ret_len)
{
    if (p->i >= p->n || (p->s[p->i] != '\'' && p->s[p->i] != '"'))
        return hfail(p, p->i, "expected a quoted string");
    char q = p->s[p->i];
    size_t start = ++p->i;
    while (p->i < p->n && p->s[p->i] != q) {
        if (p->s[p->i] == '\\')
            return hfail(p, p->i, "escapes in strings are not supported");
        if (p->s[p->i] == '\n')
            break;
        p->i++;
    }
    if (p->i >= p->n || p->s[p->i] != q)
        return hfail(p, start - 1, "unterminated string");
    *ret_start = start;
    *ret_len = p->i - start;
    p->i++;
    return QV_OK;
}

static bool hword(struct hparser *p, const char *w)
{
    size_t n = strlen(w);
    if (p->n - p->i < n || memcmp(p->s + p->i, w, n) != 0)
        return false;
    /* "Truex" is not True. */
    if (p->i + n < p->n) {
        const char c = p->s[p->i + n];
        if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            return false;
    }
    p->i += n;
    return true;
}

static enum qv_status hdim(struct hparser *p, int64_t *ret)
{
    size_t start = p->i;
    if (hpeek(p, '-'))
        return hfail(p, start, "negative dimension in shape");
    if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9')
        return hfail(p, start, "expected an integer dimension in shape");
    int64_t v = 0;
    while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
        v = v * 10 + (p->s[p->i++] - '0');
        if (v > QV_MAX_ELEMS)
            return hfail(p, start, "dimension in shape is more than 2^40");
    }
    if (hpeek(p, 'L') || hpeek(p, 'l'))   /* Python 2 long literal: (10L, 3L) */
        p->i++;
    *ret = v;
    return QV_OK;
}

static enum qv_status hshape(struct hparser *p, struct qv_shape *shape)
{
    enum qv_status st;
    size_t open = p->i;
    bool comma = false;
    if (!hpeek(p, '('))
        return hfail(p, p->i, "shape is not a tuple");
    p->i++;
    shape->rank = 0;
    hskip_ws(p);
    while (!hpeek(p, ')')) {
        if (shape->rank == QV_MAX_RANK)
            return hfail(p, p->i, "shape has more than 8 dimensions");
        st = hdim(p, &shape->dims[shape->rank++]);
        if (st != QV_OK)
            return st;
        hskip_ws(p);
        comma = hpeek(p, ',');
        if (comma) {
            p->i++;
            hskip_ws(p);
        } else if (!hpeek(p, ')')) {
            return hfail(p, p->i, "expected ',' or ')' in shape");
        }
    }
    if (shape->rank == 1 && !comma)
        return hfail(p, open, "shape '(N)' is not a tuple (write '(N,)')");
    p->i++;
    return QV_OK;
}

enum { KEY_DESCR, KEY_FORTRAN, KEY_SHAPE, KEY_COUNT };

static enum qv_status parse_dict(struct hparser *p, struct qv_npy_info *info, size_t *ret_shape_at)
{
    static const char *const keys[KEY_COUNT] = { "descr", "fortran_order", "shape" };
    enum qv_status st;
    bool seen[KEY_COUNT] = { false };
    size_t descr_at = 0, descr_len = 0, shape_at = 0;
    char msg[160];

    hskip_ws(p);
    st = hexpect(p, '{', "expected '{' at the start of the header dict");
    if (st != QV_OK)
        return st;
    for (;;) {
        hskip_ws(p);
        if (hpeek(p, '}'))
            break;
        size_t key_at = p->i, ks, kl;
        st = hstring(p, &ks, &kl);
        if (st != QV_OK)
            return st;
        int key = -1;
        for (int k = 0; k < KEY_COUNT; k++)
            if (strlen(keys[k]) == kl && memcmp(p->s + ks, keys[k], kl) == 0)
                key = k;
        if (key < 0) {
            snprintf(msg, sizeof(msg), "unknown key '%.*s'", (int)(kl > 40 ? 40 : kl), p->s + ks);
            return hfail(p, key_at, msg);
        }
        if (seen[key]) {
            snprintf(msg, sizeof(msg), "duplicate key '%s'", keys[key]);
            return hfail(p, key_at, msg);
        }
        seen[key] = true;
        hskip_ws(p);
        st = hexpect(p, ':', "expected ':' after a key");
        if (st != QV_OK)
            return st;
        hskip_ws(p);
        size_t val_at = p->i;
        if (key == KEY_DESCR) {
            if (hpeek(p, '['))
                return hfail(p, val_at, "structured dtypes are not supported");
            st = hstring(p, &descr_at, &descr_len);
            descr_at--;   /* report the opening quote */
        } else if (key == KEY_FORTRAN) {
            if (hword(p, "True"))
                return hfail(p, val_at, "fortran_order is True: only C-order arrays are "
                                        "supported (save with np.ascontiguousarray)");
            if (!hword(p, "False"))
                return hfail(p, val_at, "fortran_order must be True or False");
        } else {
            shape_at = val_at;
            st = hshape(p, &info->shape);
        }
        if (st != QV_OK)
            return st;
        hskip_ws(p);
        if (hpeek(p, ',')) {
            p->i++;
            continue;
        }
        if (!hpeek(p, '}'))
            return hfail(p, p->i, "expected ',' or '}' in the header dict");
    }
    size_t close_at = p->i++;
    for (int k = 0; k < KEY_COUNT; k++) {
        if (!seen[k]) {
            snprintf(msg, sizeof(msg), "missing key '%s'", keys[k]);
            return hfail(p, close_at, msg);
        }
    }
    hskip_ws(p);
    if (p->i < p->n)
        return hfail(p, p->i, "unexpected text after the header dict");

    /* dtype */
    const char *d = p->s + descr_at + 1;
    bool found = false;
    for (size_t i = 0; i < sizeof(descrs) / sizeof(descrs[0]) && !found; i++) {
        if (strlen(descrs[i].descr) == descr_len && memcmp(descrs[i].descr, d, descr_len) == 0) {
            info->dtype = descrs[i].dtype;
            found = true;
        }
    }
    if (!found) {
        int dl = (int)(descr_len > 40 ? 40 : descr_len);
        if (descr_len == 3 && d[0] == '>')
            snprintf(msg, sizeof(msg), "big-endian dtype '%.*s' is not supported "
                     "(save with arr.astype(arr.dtype.newbyteorder('<')))", dl, d);
        else
            snprintf(msg, sizeof(msg), "unsupported dtype '%.*s' (qvet reads float32 '<f4', "
                     "int8 '|i1', uint8 '|u1', int16 '<i2', int32 '<i4', int64 '<i8', bool "
                     "'|b1')", dl, d);
        return hfail(p, descr_at, msg);
    }

    /* shape */
    *ret_shape_at = shape_at;
    struct qv_error sub = QV_ERROR_INIT;
    if (qv_shape_check(&info->shape, &sub) != QV_OK)
        return hfail(p, shape_at, sub.msg);
    /* With N = 0 the check above passes whatever the other dims: bound one sample too. */
    struct qv_shape row = { .rank = info->shape.rank > 0 ? info->shape.rank - 1 : 0 };
    memcpy(row.dims, info->shape.dims + 1, (size_t)row.rank * sizeof(int64_t));
    if (qv_shape_check(&row, &sub) != QV_OK)
        return hfail(p, shape_at, sub.msg);
    return QV_OK;
}

static uint32_t le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static enum qv_status read_header(struct qv_npy *npy, struct qv_error *err)
{
    const char *path = npy->path;
    uint8_t pre[12];
    size_t got = fread(pre, 1, sizeof(pre), npy->fp);
    size_t magic_cmp = got < MAGIC_LEN ? got : MAGIC_LEN;
    if (memcmp(pre, MAGIC, magic_cmp) != 0 || got == 0)
        return qv_fail_at(err, QV_E_INPUT, path, 0, "not an .npy file (bad magic)");
    if (got < 8)
        return qv_fail_at(err, QV_E_INPUT, path, (int64_t)got,
                          "truncated .npy file: it ends inside the %s", got < MAGIC_LEN ?
                          "magic string" : "format version");
    if (pre[6] < 1 || pre[6] > 3)
        return qv_fail_at(err, QV_E_INPUT, path, 6, "unsupported .npy format version %u.%u",
                          pre[6], pre[7]);
    if (pre[7] != 0)
        return qv_fail_at(err, QV_E_INPUT, path, 7, "unsupported .npy format version %u.%u",
                          pre[6], pre[7]);
    size_t prelude = pre[6] == 1 ? 10 : 12;
    if (got < prelude)
        return qv_fail_at(err, QV_E_INPUT, path, (int64_t)got,
                          "truncated .npy file: it ends inside the header length");
    size_t hlen = pre[6] == 1 ? (size_t)(pre[8] | pre[9] << 8) : le32(pre + 8);
    if (hlen > MAX_HEADER_LEN)
        return qv_fail_at(err, QV_E_INPUT, path, 8, "npy header length %zu is more than %d bytes",
                          hlen, MAX_HEADER_LEN);
    if (npy->file_size >= 0 && (int64_t)(prelude + hlen) > npy->file_size)
        return qv_fail_at(err, QV_E_INPUT, path, 8,
                          "npy header length %zu runs past the end of the file (%lld bytes)", hlen,
                          (long long)npy->file_size);
    char *h = malloc(hlen ? hlen : 1);
    if (!h)
        return qv_fail(err, QV_E_NOMEM, "out of memory reading the header of '%s'", path);
    /* The prelude read may already hold the start of the header (or, for a tiny header, more). */
    size_t have = got - prelude < hlen ? got - prelude : hlen;
    memcpy(h, pre + prelude, have);
    if (have < hlen)
        have += fread(h + have, 1, hlen - have, npy->fp);
    enum qv_status st;
    if (have < hlen) {
        st = qv_fail_at(err, QV_E_INPUT, path, (int64_t)(prelude + have),
                        "truncated .npy file: it ends inside the header");
    } else {
        struct hparser p = { .s = h, .n = hlen, .base = (int64_t)prelude, .path = path,
                             .err = err };
        size_t shape_at = 0;
        st = parse_dict(&p, &npy->info, &shape_at);
        npy->shape_offset = (int64_t)(prelude + shape_at);
    }
    free(h);
    if (st != QV_OK)
        return st;
    /* got may hold the first data bytes when the header is short: go back to the data. */
    npy->info.data_offset = (int64_t)(prelude + hlen);
    if (fseeko(npy->fp, (off_t)npy->info.data_offset, SEEK_SET) != 0 && npy->file_size >= 0)
        return qv_fail_at(err, QV_E_IO, path, npy->info.data_offset, "cannot seek in '%s': %s",
                          path, strerror(errno));
    return QV_OK;
}

enum qv_status qv_npy_open(const char *path, struct qv_npy **ret_npy, struct qv_error *err)
{
    enum qv_status st;
    struct stat sb;
    char shape[160];
    if (strlen(path) >= sizeof(((struct qv_npy *)0)->path))
        return qv_fail_at(err, QV_E_IO, path, -1, "path is too long");
    struct qv_npy *npy = calloc(1, sizeof(*npy));
    if (!npy)
        return qv_fail(err, QV_E_NOMEM, "out of memory opening '%s'", path);
    snprintf(npy->path, sizeof(npy->path), "%s", path);
    npy->fp = fopen(path, "rb");
    if (!npy->fp) {
        st = qv_fail_at(err, QV_E_IO, path, -1, "cannot open '%s': %s", path, strerror(errno));
        goto fail;
    }
    if (fstat(fileno(npy->fp), &sb) != 0) {
        st = qv_fail_at(err, QV_E_IO, path, -1, "cannot stat '%s': %s", path, strerror(errno));
        goto fail;
    }
    if (S_ISDIR(sb.st_mode)) {
        st = qv_fail_at(err, QV_E_IO, path, -1, "'%s' is a directory", path);
        goto fail;
    }
    npy->file_size = S_ISREG(sb.st_mode) ? (int64_t)sb.st_size : -1;
    st = read_header(npy, err);
    if (st != QV_OK)
        goto fail;

    struct qv_npy_info *info = &npy->info;
    size_t esize = qv_dtype_size(info->dtype);
    info->row_elems = 1;
    for (int32_t i = 1; i < info->shape.rank; i++)
        info->row_elems *= info->shape.dims[i];
    npy->row_bytes = (size_t)info->row_elems * esize;
    int64_t end = info->data_offset + qv_shape_elems(&info->shape) * (int64_t)esize;
    if (npy->file_size >= 0 && npy->file_size < end) {
        qv_shape_format(&info->shape, shape, sizeof(shape));
        st = qv_fail_at(err, QV_E_INPUT, path, npy->file_size,
                        "truncated .npy file: the data ends at byte %lld, shape %s %s needs %lld",
                        (long long)npy->file_size, shape, qv_dtype_name(info->dtype),
                        (long long)end);
        goto fail;
    }
    if (npy->file_size > end) {
        qv_shape_format(&info->shape, shape, sizeof(shape));
        st = qv_fail_at(err, QV_E_INPUT, path, end,
                        "%lld bytes of unexpected data after the array (shape %s %s ends here)",
                        (long long)(npy->file_size - end), shape, qv_dtype_name(info->dtype));
        goto fail;
    }
    *ret_npy = npy;
    return QV_OK;
fail:
    qv_npy_close(npy);
    return st;
}

int64_t qv_npy_shape_offset(const struct qv_npy *npy)
{
    return npy->shape_offset;
}

const struct qv_npy_info *qv_npy_get_info(const struct qv_npy *npy)
{
    return &npy->info;
}

enum qv_status qv_npy_read_rows(struct qv_npy *npy, int64_t max_rows, void *buf,
                                bool allow_nonfinite, int64_t *ret_rows, struct qv_error *err)
{
    const struct qv_npy_info *info = &npy->info;
    if (max_rows < 1)
        return qv_fail(err, QV_E_USAGE, "qv_npy_read_rows: max_rows %lld < 1",
                       (long long)max_rows);
    if (info->shape.rank < 1)
        return qv_fail_at(err, QV_E_INPUT, npy->path, npy->shape_offset,
                          "a rank-0 array has no rows (shape ()): samples need shape [N, ...]");
    int64_t left = info->shape.dims[0] - npy->rows_read;
    int64_t n = left < max_rows ? left : max_rows;
    size_t bytes = (size_t)n * npy->row_bytes;
    int64_t pos = info->data_offset + npy->rows_read * (int64_t)npy->row_bytes;
    if (bytes) {
        size_t got = fread(buf, 1, bytes, npy->fp);
        if (got < bytes) {
            if (ferror(npy->fp))
                return qv_fail_at(err, QV_E_IO, npy->path, pos + (int64_t)got,
                                  "cannot read '%s': %s", npy->path, strerror(errno));
            return qv_fail_at(err, QV_E_INPUT, npy->path, pos + (int64_t)got,
                              "truncated .npy file: the data ends inside sample %lld",
                              (long long)(npy->rows_read + (int64_t)got / (int64_t)npy->row_bytes));
        }
    }
    if (info->dtype == QV_DTYPE_F32 && !allow_nonfinite) {
        const float *f = buf;
        int64_t total = n * info->row_elems;
        for (int64_t i = 0; i < total; i++) {
            if (!isfinite(f[i])) {
                int64_t sample = npy->rows_read + i / info->row_elems;
                return qv_fail_at(err, QV_E_INPUT, npy->path, pos + i * 4,
                                  "sample %lld, element %lld is %s (non-finite values are "
                                  "rejected unless allowed)", (long long)sample,
                                  (long long)(i % info->row_elems), isnan(f[i]) ? "NaN" : "Inf");
            }
        }
    }
    npy->rows_read += n;
    *ret_rows = n;
    return QV_OK;
}

void qv_npy_close(struct qv_npy *npy)
{
    if (!npy)
        return;
    if (npy->fp)
        fclose(npy->fp);
    free(npy);
}

/* ---- writing ------------------------------------------------------------------------------- */

/* numpy's header for dtype/shape into buf (NUL-terminated); returns its length or 0. */
static size_t format_header(enum qv_dtype dtype, const struct qv_shape *shape, char *buf,
                            size_t size)
{
    char dict[512], dims[256];
    size_t dl = 0;
    dims[0] = '\0';
    for (int32_t i = 0; i < shape->rank; i++)
        dl += (size_t)snprintf(dims + dl, sizeof(dims) - dl, "%s%lld", i ? ", " : "",
                               (long long)shape->dims[i]);
    int n = snprintf(dict, sizeof(dict),
                     "{'descr': '%s', 'fortran_order': False, 'shape': (%s%s), }",
                     descr_of(dtype), dims, shape->rank == 1 ? "," : "");
    if (n < 0 || (size_t)n >= sizeof(dict))
        return 0;
    size_t len = (size_t)n;
    if (shape->rank > 0) {
        int d0 = snprintf(NULL, 0, "%lld", (long long)shape->dims[0]);
        for (int k = d0; k < GROWTH_DIGITS; k++)
            dict[len++] = ' ';
    }
    size_t hlen = len + 1;   /* with the final '\n' */
    size_t prelude = 10;
    size_t pad = ARRAY_ALIGN - (prelude + hlen) % ARRAY_ALIGN;
    if (hlen + pad > 65535) {
        prelude = 12;
        pad = ARRAY_ALIGN - (prelude + hlen) % ARRAY_ALIGN;
    }
    size_t total = prelude + hlen + pad;
    if (total + 1 > size)
        return 0;
    uint32_t body = (uint32_t)(hlen + pad);
    memcpy(buf, MAGIC, MAGIC_LEN);
    buf[6] = prelude == 10 ? 1 : 2;
    buf[7] = 0;
    for (size_t i = 0; i < prelude - 8; i++)
        buf[8 + i] = (char)(body >> (8 * i) & 0xff);
    memcpy(buf + prelude, dict, len);
    memset(buf + prelude + len, ' ', pad);
    buf[total - 1] = '\n';
    buf[total] = '\0';
    return total;
}

static enum qv_status check_dtype(const char *path, enum qv_dtype dtype, struct qv_error *err)
{
    if ((unsigned)dtype >= QV_DTYPE_COUNT)
        return qv_fail_at(err, QV_E_USAGE, path, -1, "cannot write dtype %d to .npy", (int)dtype);
    return QV_OK;
}

enum qv_status qv_npy_save(const char *path, enum qv_dtype dtype, const struct qv_shape *shape,
                           const void *data, struct qv_error *err)
{
    char header[1024];
    struct qv_atomic_file f;
    enum qv_status st = check_dtype(path, dtype, err);
    if (st != QV_OK)
        return st;
    st = qv_shape_check(shape, err);
    if (st != QV_OK) {
        qv_error_prefix(err, path, "cannot write '%s'", path);
        return st;
    }
    size_t hl = format_header(dtype, shape, header, sizeof(header));
    if (!hl)
        return qv_fail_at(err, QV_E_INTERNAL, path, -1, "npy header does not fit");
    size_t bytes = (size_t)qv_shape_elems(shape) * qv_dtype_size(dtype);
    st = qv_atomic_open(&f, path, err);
    if (st != QV_OK)
        return st;
    if (fwrite(header, 1, hl, f.fp) != hl || (bytes && fwrite(data, 1, bytes, f.fp) != bytes)) {
        int e = errno;
        qv_atomic_abort(&f);
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot write '%s': %s", path, strerror(e));
    }
    return qv_atomic_commit(&f, err);
}

enum qv_status qv_npy_writer_open(const char *path, enum qv_dtype dtype,
                                  const struct qv_shape *row_shape,
                                  struct qv_npy_writer **ret_writer, struct qv_error *err)
{
    char header[1024];
    enum qv_status st = check_dtype(path, dtype, err);
    if (st != QV_OK)
        return st;
    if (row_shape->rank < 0 || row_shape->rank >= QV_MAX_RANK)
        return qv_fail_at(err, QV_E_USAGE, path, -1, "row rank %d is outside 0..%d",
                          row_shape->rank, QV_MAX_RANK - 1);
    struct qv_npy_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return qv_fail(err, QV_E_NOMEM, "out of memory opening '%s'", path);
    w->dtype = dtype;
    w->shape.rank = row_shape->rank + 1;
    w->shape.dims[0] = 0;
    memcpy(w->shape.dims + 1, row_shape->dims, (size_t)row_shape->rank * sizeof(int64_t));
    st = qv_shape_check(row_shape, err);
    if (st != QV_OK) {
        free(w);
        qv_error_prefix(err, path, "cannot write '%s'", path);
        return st;
    }
    w->row_bytes = (size_t)qv_shape_elems(row_shape) * qv_dtype_size(dtype);
    w->header_len = format_header(dtype, &w->shape, header, sizeof(header));
    st = qv_atomic_open(&w->f, path, err);
    if (st != QV_OK) {
        free(w);
        return st;
    }
    if (fwrite(header, 1, w->header_len, w->f.fp) != w->header_len) {
        int e = errno;
        qv_npy_writer_abort(w);
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot write '%s': %s", path, strerror(e));
    }
    *ret_writer = w;
    return QV_OK;
}

enum qv_status qv_npy_writer_append(struct qv_npy_writer *w, const void *rows, int64_t n_rows,
                                    struct qv_error *err)
{
    if (n_rows < 0)
        return qv_fail(err, QV_E_USAGE, "qv_npy_writer_append: %lld rows", (long long)n_rows);
    struct qv_shape grown = w->shape;
    grown.dims[0] += n_rows;
    if (qv_shape_check(&grown, err) != QV_OK) {
        qv_error_prefix(err, w->f.path, "cannot append to '%s'", w->f.path);
        return QV_E_INPUT;
    }
    size_t bytes = (size_t)n_rows * w->row_bytes;
    if (bytes && fwrite(rows, 1, bytes, w->f.fp) != bytes)
        return qv_fail_at(err, QV_E_IO, w->f.path, -1, "cannot write '%s': %s", w->f.path,
                          strerror(errno));
    w->shape = grown;
    return QV_OK;
}

enum qv_status qv_npy_writer_close(struct qv_npy_writer *w, struct qv_error *err)
{
    char header[1024];
    enum qv_status st;
    if (!w)
        return QV_OK;
    size_t hl = format_header(w->dtype, &w->shape, header, sizeof(header));
    if (hl != w->header_len) {
        st = qv_fail_at(err, QV_E_INTERNAL, w->f.path, 0, "npy header changed size at close");
    } else if (fseeko(w->f.fp, 0, SEEK_SET) != 0 || fwrite(header, 1, hl, w->f.fp) != hl) {
        st = qv_fail_at(err, QV_E_IO, w->f.path, -1, "cannot write '%s': %s", w->f.path,
                        strerror(errno));
    } else {
        st = qv_atomic_commit(&w->f, err);
    }
    qv_npy_writer_abort(w);   /* after a commit only frees w */
    return st;
}

void qv_npy_writer_abort(struct qv_npy_writer *w)
{
    if (!w)
        return;
    qv_atomic_abort(&w->f);
    free(w);
}
