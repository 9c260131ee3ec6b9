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
#include <float.h>
#include <stdarg.h>
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
    FILE *fp;                      /* a plain file; NULL for a member of an .npz */
    struct qv_npz_stream *zs;      /* the member's stream, or NULL */
    char path[1024];               /* the file (the .npz for a member) */
    char member[256];              /* "" or the member's name inside the .npz */
    struct qv_npy_info info;
    int64_t size;                  /* bytes of the array (a member's uncompressed size); -1 when
                                    * not a regular file */
    int64_t pos;                   /* bytes of the array consumed so far */
    int64_t rows_read;
    size_t row_bytes;              /* of one row as stored */
    int64_t shape_offset;          /* of the shape tuple in the header */
    int elem;                      /* enum elem as stored */
    void *raw;                     /* rows as stored, before conversion */
    size_t raw_cap;
};

struct qv_npy_writer {
    struct qv_atomic_file f;       /* plain: f.fp and f.path only, no temporary or rename */
    bool plain;
    enum qv_dtype dtype;
    struct qv_shape shape;         /* dims[0] = rows appended so far */
    size_t row_bytes;
    size_t header_len;
};

/* ---- header parsing ------------------------------------------------------------------------ */

/*
 * Element types read from .npy files. qvet's own dtypes are delivered as they are (a bool byte
 * must be 0 or 1); float64 is converted to float32 while reading, a value beyond float32's range
 * being refused (docs/data.md).
 */
enum elem { E_F32, E_I8, E_U8, E_I16, E_I32, E_F64, E_I64, E_BOOL };

static const struct {
    const char *descr;
    enum elem elem;
    enum qv_dtype dtype;           /* as delivered */
    size_t size;                   /* bytes in the file */
} descrs[] = {
    { "<f4", E_F32, QV_DTYPE_F32, 4 },  { "|i1", E_I8, QV_DTYPE_I8, 1 },
    { "<i1", E_I8, QV_DTYPE_I8, 1 },    { ">i1", E_I8, QV_DTYPE_I8, 1 },
    { "|u1", E_U8, QV_DTYPE_U8, 1 },    { "<u1", E_U8, QV_DTYPE_U8, 1 },
    { ">u1", E_U8, QV_DTYPE_U8, 1 },    { "<i2", E_I16, QV_DTYPE_I16, 2 },
    { "<i4", E_I32, QV_DTYPE_I32, 4 },  { "<i8", E_I64, QV_DTYPE_I64, 8 },
    { "|b1", E_BOOL, QV_DTYPE_BOOL, 1 }, { "<b1", E_BOOL, QV_DTYPE_BOOL, 1 },
    { "<f8", E_F64, QV_DTYPE_F32, 8 },
};

/* numpy's name of a type string qvet does not read, for messages (" (complex64)") or "". */
static const char *numpy_name(const char *d, size_t len)
{
    static const struct {
        const char *descr, *name;
    } names[] = {
        { "<c8", " (complex64)" }, { "<c16", " (complex128)" }, { "<f2", " (float16)" },
        { "<u2", " (uint16)" },    { "<u4", " (uint32)" },      { "<u8", " (uint64)" },
        { "|O", " (object: a pickled array)" },
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i].descr) == len && memcmp(names[i].descr, d, len) == 0)
            return names[i].name;
    if (len >= 2 && (d[1] == 'U' || d[1] == 'S'))
        return " (text)";
    return "";
}

/* What np.save writes for each dtype (the first match in descrs[] above). */
static const char *descr_of(enum qv_dtype dtype)
{
    for (size_t i = 0; i < sizeof(descrs) / sizeof(descrs[0]); i++)
        if (descrs[i].dtype == dtype && descrs[i].size == qv_dtype_size(dtype))
            return descrs[i].descr;
    return NULL;
}

/*
 * A failure at byte pos of the array. A plain file names the byte; a member of an .npz names
 * the member, and the byte in the archive when the member is stored (not compressed), else the
 * byte of the inflated member.
 */
static enum qv_status nfail(const struct qv_npy *npy, struct qv_error *err, enum qv_status st,
                            int64_t pos, const char *fmt, ...) QV_PRINTF(5, 6);

static enum qv_status nfail(const struct qv_npy *npy, struct qv_error *err, enum qv_status st,
                            int64_t pos, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!npy->zs)
        return qv_fail_at(err, st, npy->path, pos, "%s", msg);
    int64_t at = pos >= 0 ? qv_npz_stream_file_offset(npy->zs, pos) : -1;
    if (at >= 0 || pos < 0)
        return qv_fail_at(err, st, npy->path, at, "member '%s': %s", npy->member, msg);
    return qv_fail_at(err, st, npy->path, -1, "member '%s', byte %lld after inflating: %s",
                      npy->member, (long long)pos, msg);
}

struct hparser {
    const char *s;                 /* header text (not NUL-terminated) */
    size_t n, i;
    int64_t base;                  /* array offset of s[0] */
    const struct qv_npy *npy;
    struct qv_error *err;
};

static enum qv_status hfail(struct hparser *p, size_t at, const char *what)
{
    return nfail(p->npy, p->err, QV_E_INPUT, p->base + (int64_t)at, "npy header: %s", what);
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

static enum qv_status parse_dict(struct hparser *p, struct qv_npy_info *info, size_t *ret_shape_at,
                                 int *ret_elem)
{
    static const char *const keys[KEY_COUNT] = { "descr", "fortran_order", "shape" };
    enum qv_status st;
    bool seen[KEY_COUNT] = { false };
    size_t descr_at = 0, descr_len = 0, shape_at = 0;
    char msg[320];

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
            info->stored_elem_size = descrs[i].size;
            snprintf(info->descr, sizeof(info->descr), "%s", descrs[i].descr);
            *ret_elem = descrs[i].elem;
            found = true;
        }
    }
    if (!found) {
        int dl = (int)(descr_len > 40 ? 40 : descr_len);
        if (descr_len == 3 && d[0] == '>')
            snprintf(msg, sizeof(msg), "big-endian dtype '%.*s' is not supported "
                     "(save with arr.astype(arr.dtype.newbyteorder('<')))", dl, d);
        else
            snprintf(msg, sizeof(msg), "unsupported dtype '%.*s'%s (qvet reads float32 '<f4', "
                     "float64 '<f8', int8 '|i1', uint8 '|u1', int16 '<i2', int32 '<i4', "
                     "int64 '<i8', bool '|b1')", dl, d, numpy_name(d, descr_len));
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

/* ---- reading ------------------------------------------------------------------------------- */

/* Up to n bytes of the array; *ret_got < n only at its end. */
static enum qv_status src_read(struct qv_npy *npy, void *buf, size_t n, size_t *ret_got,
                               struct qv_error *err)
{
    size_t got = 0;
    if (npy->zs) {
        enum qv_status st = qv_npz_stream_read(npy->zs, buf, n, &got, err);
        if (st != QV_OK)
            return st;
    } else {
        got = n ? fread(buf, 1, n, npy->fp) : 0;
        if (got < n && ferror(npy->fp))
            return nfail(npy, err, QV_E_IO, npy->pos + (int64_t)got, "cannot read '%s': %s",
                         npy->path, QV_STRERROR(errno));
    }
    npy->pos += (int64_t)got;
    *ret_got = got;
    return QV_OK;
}

static enum qv_status src_skip(struct qv_npy *npy, int64_t n, struct qv_error *err)
{
    if (!npy->zs && npy->size >= 0) {
        if (fseeko(npy->fp, (off_t)n, SEEK_CUR) != 0)
            return nfail(npy, err, QV_E_IO, npy->pos, "cannot seek in '%s': %s", npy->path,
                         QV_STRERROR(errno));
        npy->pos += n;
        return QV_OK;
    }
    char buf[4096];
    while (n > 0) {
        size_t want = n < (int64_t)sizeof(buf) ? (size_t)n : sizeof(buf), got = 0;
        enum qv_status st = src_read(npy, buf, want, &got, err);
        if (st != QV_OK)
            return st;
        if (got < want)
            return nfail(npy, err, QV_E_INPUT, npy->pos, "truncated .npy file: the data ends "
                         "inside sample %lld", (long long)(npy->pos - npy->info.data_offset) /
                         (long long)(npy->row_bytes ? npy->row_bytes : 1));
        n -= (int64_t)got;
    }
    return QV_OK;
}

static uint32_t le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static enum qv_status read_header(struct qv_npy *npy, struct qv_error *err)
{
    uint8_t pre[12];
    size_t got = 0;
    enum qv_status st = src_read(npy, pre, sizeof(pre), &got, err);
    if (st != QV_OK)
        return st;
    size_t magic_cmp = got < MAGIC_LEN ? got : MAGIC_LEN;
    if (got == 0 || memcmp(pre, MAGIC, magic_cmp) != 0)
        return nfail(npy, err, QV_E_INPUT, 0, "not an .npy file (bad magic)");
    if (got < 8)
        return nfail(npy, err, QV_E_INPUT, (int64_t)got, "truncated .npy file: it ends inside "
                     "the %s", got < MAGIC_LEN ? "magic string" : "format version");
    if (pre[6] < 1 || pre[6] > 3)
        return nfail(npy, err, QV_E_INPUT, 6, "unsupported .npy format version %u.%u", pre[6],
                     pre[7]);
    if (pre[7] != 0)
        return nfail(npy, err, QV_E_INPUT, 7, "unsupported .npy format version %u.%u", pre[6],
                     pre[7]);
    size_t prelude = pre[6] == 1 ? 10 : 12;
    if (got < prelude)
        return nfail(npy, err, QV_E_INPUT, (int64_t)got,
                     "truncated .npy file: it ends inside the header length");
    size_t hlen = pre[6] == 1 ? (size_t)(pre[8] | pre[9] << 8) : le32(pre + 8);
    if (hlen > MAX_HEADER_LEN)
        return nfail(npy, err, QV_E_INPUT, 8, "npy header length %zu is more than %d bytes", hlen,
                     MAX_HEADER_LEN);
    if (npy->size >= 0 && (int64_t)(prelude + hlen) > npy->size)
        return nfail(npy, err, QV_E_INPUT, 8, "npy header length %zu runs past the end of the "
                     "%s (%lld bytes)", hlen, npy->zs ? "member" : "file", (long long)npy->size);
    char *h = malloc(hlen ? hlen : 1);
    if (!h)
        return qv_fail(err, QV_E_NOMEM, "out of memory reading the header of '%s'", npy->path);
    /* The prelude read may already hold the start of the header (or, for a tiny header, more). */
    size_t have = got - prelude < hlen ? got - prelude : hlen;
    memcpy(h, pre + prelude, have);
    size_t extra = got - prelude - have;   /* data bytes read with a tiny header */
    if (have < hlen) {
        size_t more = 0;
        st = src_read(npy, h + have, hlen - have, &more, err);
        have += more;
    }
    if (st == QV_OK && have < hlen) {
        st = nfail(npy, err, QV_E_INPUT, (int64_t)(prelude + have),
                   "truncated .npy file: it ends inside the header");
    } else if (st == QV_OK) {
        struct hparser p = { .s = h, .n = hlen, .base = (int64_t)prelude, .npy = npy,
                             .err = err };
        size_t shape_at = 0;
        st = parse_dict(&p, &npy->info, &shape_at, &npy->elem);
        npy->shape_offset = (int64_t)(prelude + shape_at);
    }
    free(h);
    if (st != QV_OK)
        return st;
    npy->info.data_offset = (int64_t)(prelude + hlen);
    if (extra) {
        /* A header shorter than 12 bytes: go back to the data (plain files only can). */
        if (npy->zs || fseeko(npy->fp, (off_t)npy->info.data_offset, SEEK_SET) != 0)
            return nfail(npy, err, QV_E_INPUT, npy->info.data_offset, "npy header too short");
        npy->pos = npy->info.data_offset;
    }
    return QV_OK;
}

/* Header, sizes and the data's extent; npy->fp or npy->zs and npy->size are set. */
static enum qv_status open_common(struct qv_npy *npy, struct qv_error *err)
{
    char shape[160];
    enum qv_status st = read_header(npy, err);
    if (st != QV_OK)
        return st;
    struct qv_npy_info *info = &npy->info;
    info->row_elems = 1;
    for (int32_t i = 1; i < info->shape.rank; i++)
        info->row_elems *= info->shape.dims[i];
    npy->row_bytes = (size_t)info->row_elems * info->stored_elem_size;
    int64_t end = info->data_offset + qv_shape_elems(&info->shape) *
                  (int64_t)info->stored_elem_size;
    if (npy->size >= 0 && npy->size < end) {
        qv_shape_format(&info->shape, shape, sizeof(shape));
        return nfail(npy, err, QV_E_INPUT, npy->size, "truncated .npy file: the data ends at "
                     "byte %lld, shape %s %s needs %lld", (long long)npy->size, shape,
                     info->descr, (long long)end);
    }
    if (npy->size > end) {
        qv_shape_format(&info->shape, shape, sizeof(shape));
        return nfail(npy, err, QV_E_INPUT, end, "%lld bytes of unexpected data after the array "
                     "(shape %s %s ends here)", (long long)(npy->size - end), shape, info->descr);
    }
    return QV_OK;
}

enum qv_status qv_npy_open(const char *path, struct qv_npy **ret_npy, struct qv_error *err)
{
    enum qv_status st;
    struct stat sb;
    if (strlen(path) >= sizeof(((struct qv_npy *)0)->path))
        return qv_fail_at(err, QV_E_IO, path, -1, "path is too long");
    struct qv_npy *npy = calloc(1, sizeof(*npy));
    if (!npy)
        return qv_fail(err, QV_E_NOMEM, "out of memory opening '%s'", path);
    snprintf(npy->path, sizeof(npy->path), "%s", path);
    npy->fp = fopen(path, "rb");
    if (!npy->fp) {
        st = qv_fail_at(err, QV_E_IO, path, -1, "cannot open '%s': %s", path, QV_STRERROR(errno));
        goto fail;
    }
    if (fstat(fileno(npy->fp), &sb) != 0) {
        st = qv_fail_at(err, QV_E_IO, path, -1, "cannot stat '%s': %s", path, QV_STRERROR(errno));
        goto fail;
    }
    if (S_ISDIR(sb.st_mode)) {
        st = qv_fail_at(err, QV_E_IO, path, -1, "'%s' is a directory", path);
        goto fail;
    }
    npy->size = S_ISREG(sb.st_mode) ? (int64_t)sb.st_size : -1;
    st = open_common(npy, err);
    if (st != QV_OK)
        goto fail;
    *ret_npy = npy;
    return QV_OK;
fail:
    qv_npy_close(npy);
    return st;
}

enum qv_status qv_npy_open_stream(const char *path, const char *member,
                                  struct qv_npz_stream *zs, int64_t size,
                                  struct qv_npy **ret_npy, struct qv_error *err)
{
    struct qv_npy *npy = calloc(1, sizeof(*npy));
    if (!npy) {
        qv_npz_stream_close(zs);
        return qv_fail(err, QV_E_NOMEM, "out of memory opening '%s'", path);
    }
    snprintf(npy->path, sizeof(npy->path), "%s", path);
    snprintf(npy->member, sizeof(npy->member), "%s", member);
    npy->zs = zs;
    npy->size = size;
    enum qv_status st = open_common(npy, err);
    if (st != QV_OK) {
        qv_npy_close(npy);
        return st;
    }
    *ret_npy = npy;
    return QV_OK;
}

int64_t qv_npy_shape_offset(const struct qv_npy *npy)
{
    return npy->zs ? qv_npz_stream_file_offset(npy->zs, npy->shape_offset) : npy->shape_offset;
}

const char *qv_npy_path(const struct qv_npy *npy)
{
    return npy->path;
}

const char *qv_npy_member(const struct qv_npy *npy)
{
    return npy->member;
}

const struct qv_npy_info *qv_npy_get_info(const struct qv_npy *npy)
{
    return &npy->info;
}

/* Converts (and checks) n elements as stored in src into the delivered dtype in dst. */
static enum qv_status convert(struct qv_npy *npy, const void *src, int64_t n, void *dst,
                              bool allow_nonfinite, int64_t pos, struct qv_error *err)
{
    const int64_t row = npy->info.row_elems ? npy->info.row_elems : 1;
    const size_t es = npy->info.stored_elem_size;
    int64_t i = 0;
    if (npy->elem == E_F32) {
        /* Finite float32 data (the common case) is checked without a branch or a division per
         * value (vectorizable); the loop below then names the first non-finite one. */
        const uint32_t *bits = src;
        for (; i + 16 <= n; i += 16) {
            uint32_t bad = 0;
            for (int j = 0; j < 16; j++)
                bad |= (uint32_t)((bits[i + j] & 0x7F800000u) == 0x7F800000u);
            if (bad)
                break;
        }
    }
    for (; i < n; i++) {
        int64_t sample = npy->rows_read + i / row, elem = i % row;
        int64_t at = pos + i * (int64_t)es;
        switch (npy->elem) {
        case E_F64: {
            double v;
            memcpy(&v, (const char *)src + i * 8, 8);
            if (!isfinite(v) && !allow_nonfinite)
                return nfail(npy, err, QV_E_INPUT, at, "sample %lld, element %lld is %s "
                             "(non-finite values are rejected unless allowed)",
                             (long long)sample, (long long)elem, isnan(v) ? "NaN" : "Inf");
            if (isfinite(v) && fabs(v) > FLT_MAX)
                return nfail(npy, err, QV_E_INPUT, at, "sample %lld, element %lld: float64 "
                             "value %g is outside the float32 range", (long long)sample,
                             (long long)elem, v);
            ((float *)dst)[i] = (float)v;
            break;
        }
        case E_BOOL: {
            uint8_t v = ((const uint8_t *)src)[i];
            if (v > 1)
                return nfail(npy, err, QV_E_INPUT, at, "sample %lld, element %lld: bool byte "
                             "%u is neither 0 nor 1", (long long)sample, (long long)elem, v);
            break;
        }
        case E_F32:
            if (!allow_nonfinite && !isfinite(((const float *)src)[i]))
                return nfail(npy, err, QV_E_INPUT, at, "sample %lld, element %lld is %s "
                             "(non-finite values are rejected unless allowed)",
                             (long long)sample, (long long)elem,
                             isnan(((const float *)src)[i]) ? "NaN" : "Inf");
            break;
        default:
            return QV_OK;   /* integers as stored: nothing to check */
        }
    }
    return QV_OK;
}

enum qv_status qv_npy_read_rows(struct qv_npy *npy, int64_t max_rows, void *buf,
                                bool allow_nonfinite, int64_t *ret_rows, struct qv_error *err)
{
    const struct qv_npy_info *info = &npy->info;
    if (max_rows < 1)
        return qv_fail(err, QV_E_USAGE, "qv_npy_read_rows: max_rows %lld < 1",
                       (long long)max_rows);
    if (info->shape.rank < 1)
        return nfail(npy, err, QV_E_INPUT, npy->shape_offset,
                     "a rank-0 array has no rows (shape ()): samples need shape [N, ...]");
    int64_t left = info->shape.dims[0] - npy->rows_read;
    int64_t n = left < max_rows ? left : max_rows;
    size_t bytes = (size_t)n * npy->row_bytes;
    int64_t pos = npy->pos;
    bool as_is = info->stored_elem_size == qv_dtype_size(info->dtype);
    void *dst = buf;
    if (!as_is) {
        if (bytes > npy->raw_cap) {
            void *p = realloc(npy->raw, bytes);
            if (!p)
                return qv_fail(err, QV_E_NOMEM, "out of memory reading '%s'", npy->path);
            npy->raw = p;
            npy->raw_cap = bytes;
        }
        dst = npy->raw;
    }
    if (bytes) {
        size_t got = 0;
        enum qv_status st = src_read(npy, dst, bytes, &got, err);
        if (st != QV_OK)
            return st;
        if (got < bytes)
            return nfail(npy, err, QV_E_INPUT, pos + (int64_t)got, "truncated .npy file: the "
                         "data ends inside sample %lld", (long long)(npy->rows_read +
                         (int64_t)got / (int64_t)npy->row_bytes));
    }
    if (npy->elem != E_F32 || !allow_nonfinite) {
        enum qv_status st = convert(npy, dst, n * info->row_elems, buf, allow_nonfinite, pos,
                                    err);
        if (st != QV_OK)
            return st;
    }
    npy->rows_read += n;
    *ret_rows = n;
    return QV_OK;
}

enum qv_status qv_npy_skip_rows(struct qv_npy *npy, int64_t max_rows, int64_t *ret_rows,
                                struct qv_error *err)
{
    const struct qv_npy_info *info = &npy->info;
    if (info->shape.rank < 1)
        return nfail(npy, err, QV_E_INPUT, npy->shape_offset,
                     "a rank-0 array has no rows (shape ()): samples need shape [N, ...]");
    int64_t left = info->shape.dims[0] - npy->rows_read;
    int64_t n = left < max_rows ? left : max_rows;
    if (n > 0) {
        enum qv_status st = src_skip(npy, n * (int64_t)npy->row_bytes, err);
        if (st != QV_OK)
            return st;
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
    qv_npz_stream_close(npy->zs);
    free(npy->raw);
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
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot write '%s': %s", path, QV_STRERROR(e));
    }
    return qv_atomic_commit(&f, err);
}

static enum qv_status writer_open(const char *path, enum qv_dtype dtype,
                                  const struct qv_shape *row_shape, bool plain,
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
    w->plain = plain;
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
    if (plain) {
        snprintf(w->f.path, sizeof(w->f.path), "%s", path);
        w->f.fp = fopen(path, "wb");
        st = w->f.fp ? QV_OK : qv_fail_at(err, QV_E_IO, path, -1, "cannot create '%s': %s", path,
                                          QV_STRERROR(errno));
    } else {
        st = qv_atomic_open(&w->f, path, err);
    }
    if (st != QV_OK) {
        free(w);
        return st;
    }
    if (fwrite(header, 1, w->header_len, w->f.fp) != w->header_len) {
        int e = errno;
        qv_npy_writer_abort(w);
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot write '%s': %s", path, QV_STRERROR(e));
    }
    *ret_writer = w;
    return QV_OK;
}

enum qv_status qv_npy_writer_open(const char *path, enum qv_dtype dtype,
                                  const struct qv_shape *row_shape,
                                  struct qv_npy_writer **ret_writer, struct qv_error *err)
{
    return writer_open(path, dtype, row_shape, false, ret_writer, err);
}

enum qv_status qv_npy_writer_open_plain(const char *path, enum qv_dtype dtype,
                                        const struct qv_shape *row_shape,
                                        struct qv_npy_writer **ret_writer, struct qv_error *err)
{
    return writer_open(path, dtype, row_shape, true, ret_writer, err);
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
                          QV_STRERROR(errno));
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
                        QV_STRERROR(errno));
    } else if (w->plain) {
        bool bad = ferror(w->f.fp) || fflush(w->f.fp) != 0;
        int e = errno;
        bad = fclose(w->f.fp) != 0 || bad;
        w->f.fp = NULL;
        st = bad ? qv_fail_at(err, QV_E_IO, w->f.path, -1, "cannot write '%s': %s", w->f.path,
                              QV_STRERROR(e ? e : EIO)) : QV_OK;
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
