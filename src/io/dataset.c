/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Datasets: samples from an .npy array ([N, ...sample]) or a CSV file (one flattened sample per
 * record), with labels from a CSV column or a separate labels file (.csv, one per line, or .npy
 * [N] / [N, 1]). Everything is streamed: qv_dataset_read parses only what it returns, so a
 * dataset larger than memory works.
 *
 * CSV rules (DESIGN §2): the first record is a header when one of its fields is not a number.
 * The label column is opts->label_column, else a header column named "label", else none. Every
 * record has the header's (or the first record's) field count. Empty fields, text and (unless
 * allow_nonfinite) NaN/Inf are errors naming the line and the column (1-based field number).
 */
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/io_internal.h"

enum source { SRC_NONE, SRC_NPY, SRC_CSV };

/* One array of samples: an .npy file or a member of an .npz. */
struct array {
    char name[256];                /* the .npz member's name without ".npy", or "" */
    struct qv_npy *npy;
    struct qv_shape shape;         /* of one sample */
    int64_t elems;
    enum qv_dtype dtype;
    void *raw;
    size_t raw_cap;
};

struct qv_dataset {
    char path[1024];               /* the first file (messages) */
    enum source kind;
    bool allow_nonfinite;
    int64_t label_classes;
    int32_t n_arrays;
    struct array arrays[QV_DATASET_MAX_ARRAYS];
    int64_t n_samples;             /* -1 when unknown before reading (CSV) */
    int64_t n_read;                /* samples handed out */
    bool done;
    /* CSV samples (one array) */
    struct qv_csv_reader *csv;
    int32_t n_fields;              /* per record, label column included */
    int32_t label_col;             /* -1: none */
    int32_t ref_line;              /* the record that fixed n_fields (header or first) */
    bool have_pending;             /* the first data record, parsed at open */
    float *pending_x;
    double pending_label;
    int32_t pending_line;
    /* labels */
    enum source lkind;             /* SRC_NONE with label_col >= 0: labels come from the CSV */
    char labels_path[1024];
    struct qv_npy *lnpy;
    struct qv_csv_reader *lcsv;
    bool lcsv_started;
    int32_t last_label_line;       /* line of the last label read from a CSV labels file */
    int64_t n_labels;              /* known count (npy), or -1 */
    void *lraw;
    size_t lraw_cap;
};

static bool has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), e = strlen(ext);
    if (n < e)
        return false;
    for (size_t i = 0; i < e; i++)
        if (tolower((unsigned char)path[n - e + i]) != ext[i])
            return false;
    return true;
}

static bool starts_with_npy_magic(const char *path)
{
    unsigned char b[6];
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t got = fread(b, 1, sizeof(b), f);
    fclose(f);
    return got == 6 && memcmp(b, "\x93NUMPY", 6) == 0;
}

static const char *short_text(const char *s, size_t len, char *buf, size_t size)
{
    size_t n = len < size - 4 ? len : size - 4;
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        buf[j++] = (s[i] == '\n' || s[i] == '\r' || s[i] == '\0') ? ' ' : s[i];
    if (n < len) {
        memcpy(buf + j, "...", 3);
        j += 3;
    }
    buf[j] = '\0';
    return buf;
}

/* One CSV field as a number; errors name line, column and text. */
static enum qv_status field_value(const char *path, const char *f, size_t len, int32_t line,
                                  int32_t col, bool allow_nonfinite, double *ret,
                                  struct qv_error *err)
{
    char text[48];
    switch (qv_parse_number(f, len, ret)) {
    case QV_NUM_OK:
        return QV_OK;
    case QV_NUM_EMPTY:
        return qv_fail_line(err, QV_E_INPUT, path, line, col, "column %d is empty", col);
    case QV_NUM_INVALID:
        return qv_fail_line(err, QV_E_INPUT, path, line, col, "column %d: '%s' is not a number",
                            col, short_text(f, len, text, sizeof(text)));
    case QV_NUM_NONFINITE:
        if (allow_nonfinite) {
            *ret = strtod(f, NULL);
            return QV_OK;
        }
        return qv_fail_line(err, QV_E_INPUT, path, line, col,
                            "column %d: '%s' is not finite (non-finite values are rejected "
                            "unless allowed)", col, short_text(f, len, text, sizeof(text)));
    case QV_NUM_RANGE:
        return qv_fail_line(err, QV_E_INPUT, path, line, col,
                            "column %d: '%s' is outside the float32 range", col,
                            short_text(f, len, text, sizeof(text)));
    }
    return qv_fail(err, QV_E_INTERNAL, "field_value: bad status");
}

static bool field_is_number(const char *f, size_t len)
{
    double v;
    enum qv_num_status st = qv_parse_number(f, len, &v);
    return st == QV_NUM_OK || st == QV_NUM_NONFINITE || st == QV_NUM_RANGE;
}

/*
 * A classification label must be an integer class index below label_classes. where: a CSV line
 * (line > 0, col) or an .npy byte offset.
 */
static enum qv_status check_label(const struct qv_dataset *ds, const char *path, double v,
                                  int64_t index, int32_t line, int32_t col, int64_t offset,
                                  struct qv_error *err)
{
    char why[160];
    if (ds->label_classes <= 0)
        return QV_OK;
    if (!isfinite(v) || v != floor(v))
        snprintf(why, sizeof(why), "label %.9g of sample %lld is not a class index (a "
                 "classification task needs integer labels)", v, (long long)index);
    else if (v < 0 || v >= (double)ds->label_classes)
        snprintf(why, sizeof(why), "label %.9g of sample %lld is outside the model's %lld "
                 "classes (0..%lld)", v, (long long)index, (long long)ds->label_classes,
                 (long long)ds->label_classes - 1);
    else
        return QV_OK;
    if (line > 0)
        return qv_fail_line(err, QV_E_INPUT, path, line, col, "%s", why);
    return qv_fail_at(err, QV_E_INPUT, path, offset, "%s", why);
}

/* Parses one CSV data record into x (sample_elems floats) and *label. */
static enum qv_status parse_record(struct qv_dataset *ds, const char *const *fields,
                                   const size_t *lens, int32_t n, int32_t line, float *x,
                                   double *label, struct qv_error *err)
{
    if (n != ds->n_fields)
        return qv_fail_line(err, QV_E_INPUT, ds->path, line, n < ds->n_fields ? n + 1 :
                            ds->n_fields + 1, "record has %d fields, expected %d (as in line %d)",
                            n, ds->n_fields, ds->ref_line);
    int64_t e = 0;
    for (int32_t i = 0; i < n; i++) {
        double v;
        enum qv_status st = field_value(ds->path, fields[i], lens[i], line, i + 1,
                                        ds->allow_nonfinite, &v, err);
        if (st != QV_OK)
            return st;
        if (i == ds->label_col)
            *label = v;
        else
            x[e++] = (float)v;
    }
    return QV_OK;
}

static enum qv_status open_csv(struct qv_dataset *ds, const struct qv_dataset_opts *opts,
                               struct qv_error *err)
{
    const char *const *fields;
    const size_t *lens;
    int32_t n, line;
    enum qv_status st = qv_csv_reader_open(ds->path, &ds->csv, err);
    if (st != QV_OK)
        return st;
    st = qv_csv_reader_next(ds->csv, &fields, &lens, &n, &line, err);
    if (st != QV_OK)
        return st;
    if (n == 0)
        return qv_fail_line(err, QV_E_INPUT, ds->path, 1, 0, "CSV dataset is empty");
    bool header = false;
    for (int32_t i = 0; i < n && !header; i++)
        header = lens[i] > 0 && !field_is_number(fields[i], lens[i]);
    const char *want = opts && opts->label_column ? opts->label_column : NULL;
    ds->label_col = -1;
    ds->n_fields = n;
    ds->ref_line = line;
    if (header) {
        int32_t header_line = line;
        const char *look = want ? want : (ds->lkind == SRC_NONE ? "label" : NULL);
        for (int32_t i = 0; look && i < n; i++) {
            if (strlen(fields[i]) == lens[i] && strcmp(fields[i], look) == 0) {
                if (ds->label_col >= 0)
                    return qv_fail_line(err, QV_E_INPUT, ds->path, line, i + 1,
                                        "two columns are named '%s'", look);
                ds->label_col = i;
            }
        }
        if (want && ds->label_col < 0)
            return qv_fail_line(err, QV_E_INPUT, ds->path, line, 0,
                                "the header has no column named '%s'", want);
        st = qv_csv_reader_next(ds->csv, &fields, &lens, &n, &line, err);
        if (st != QV_OK)
            return st;
        if (n == 0)
            return qv_fail_line(err, QV_E_INPUT, ds->path, header_line, 0,
                                "CSV dataset has a header but no samples");
    } else if (want) {
        return qv_fail_line(err, QV_E_INPUT, ds->path, line, 0,
                            "label column '%s' was asked for, but the file has no header row "
                            "(its first record is all numbers)", want);
    }
    int32_t features = ds->n_fields - (ds->label_col >= 0 ? 1 : 0);
    if (features < 1)
        return qv_fail_line(err, QV_E_INPUT, ds->path, line, 0, "no feature columns");
    struct array *a = &ds->arrays[0];
    ds->n_arrays = 1;
    a->shape = (struct qv_shape){ .rank = 1, .dims = { features } };
    a->elems = features;
    a->dtype = QV_DTYPE_F32;
    ds->n_samples = -1;
    ds->pending_x = malloc((size_t)features * sizeof(float));
    if (!ds->pending_x)
        return qv_fail(err, QV_E_NOMEM, "out of memory opening '%s'", ds->path);
    st = parse_record(ds, fields, lens, n, line, ds->pending_x, &ds->pending_label, err);
    if (st != QV_OK)
        return st;
    ds->pending_line = line;
    ds->have_pending = true;
    return QV_OK;
}

/* Adds an opened .npy reader as the next array; takes npy over. */
static enum qv_status add_array(struct qv_dataset *ds, struct qv_npy *npy, const char *name,
                                struct qv_error *err)
{
    char shape[160];
    const struct qv_npy_info *info = qv_npy_get_info(npy);
    const char *file = qv_npy_path(npy), *member = qv_npy_member(npy);
    if (ds->n_arrays == QV_DATASET_MAX_ARRAYS) {
        enum qv_status st = qv_fail_at(err, QV_E_INPUT, file, -1, "more than %d arrays in one "
                                       "dataset", QV_DATASET_MAX_ARRAYS);
        qv_npy_close(npy);
        return st;
    }
    if (info->shape.rank < 1) {
        qv_shape_format(&info->shape, shape, sizeof(shape));
        enum qv_status st = qv_fail_at(err, QV_E_INPUT, file, qv_npy_shape_offset(npy),
                                       "%s%s%sa dataset needs shape [N, ...]; this array has "
                                       "shape %s", member[0] ? "member '" : "", member,
                                       member[0] ? "': " : "", shape);
        qv_npy_close(npy);
        return st;
    }
    struct array *a = &ds->arrays[ds->n_arrays++];
    a->npy = npy;
    snprintf(a->name, sizeof(a->name), "%s", name);
    a->shape.rank = info->shape.rank - 1;
    memcpy(a->shape.dims, info->shape.dims + 1, (size_t)a->shape.rank * sizeof(int64_t));
    a->elems = info->row_elems;
    a->dtype = info->dtype;
    int64_t n = info->shape.dims[0];
    if (ds->n_arrays == 1) {
        ds->n_samples = n;
    } else if (n != ds->n_samples) {
        const struct array *a0 = &ds->arrays[0];
        return qv_fail_at(err, QV_E_INPUT, file, qv_npy_shape_offset(npy), "%s%s%s (position "
                          "%d) holds %lld samples, %s%s%s (position 0) holds %lld: every input "
                          "array needs the same count", member[0] ? "member '" : "'",
                          member[0] ? member : file, "'", ds->n_arrays - 1, (long long)n,
                          a0->name[0] ? "member '" : "'",
                          a0->name[0] ? qv_npy_member(a0->npy) : qv_npy_path(a0->npy), "'",
                          (long long)ds->n_samples);
    }
    return QV_OK;
}

static bool starts_with_zip_magic(const char *path)
{
    unsigned char b[4];
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t got = fread(b, 1, sizeof(b), f);
    fclose(f);
    return got == 4 && memcmp(b, "PK\x03\x04", 4) == 0;
}

static enum qv_status open_npz(struct qv_dataset *ds, const char *path, struct qv_error *err)
{
    struct qv_npz *z = NULL;
    enum qv_status st = qv_npz_open(path, &z, err);
    for (int32_t i = 0; st == QV_OK && i < qv_npz_count(z); i++) {
        char name[256];
        snprintf(name, sizeof(name), "%s", qv_npz_name(z, i));
        name[strlen(name) - 4] = '\0';   /* ".npy": the archive checked every name */
        struct qv_npy *npy = NULL;
        st = qv_npz_open_array(z, i, &npy, err);
        if (st == QV_OK)
            st = add_array(ds, npy, name, err);
    }
    qv_npz_close(z);
    return st;
}

static enum qv_status open_labels(struct qv_dataset *ds, struct qv_error *err)
{
    char shape[160];
    const char *lp = ds->labels_path;
    enum qv_status st;
    if (has_ext(lp, ".npy") || starts_with_npy_magic(lp)) {
        ds->lkind = SRC_NPY;
        st = qv_npy_open(lp, &ds->lnpy, err);
        if (st != QV_OK)
            return st;
        const struct qv_npy_info *info = qv_npy_get_info(ds->lnpy);
        if (info->shape.rank != 1 && !(info->shape.rank == 2 && info->shape.dims[1] == 1)) {
            qv_shape_format(&info->shape, shape, sizeof(shape));
            return qv_fail_at(err, QV_E_INPUT, lp, qv_npy_shape_offset(ds->lnpy),
                              "labels need shape [N] or [N, 1]; this array has shape %s", shape);
        }
        if (ds->label_classes > 0 && info->descr[1] == 'f')
            return qv_fail_at(err, QV_E_INPUT, lp, qv_npy_shape_offset(ds->lnpy) - 1,
                              "labels are %s floats: a classification task needs integer "
                              "class labels (int or bool)", info->descr);
        ds->n_labels = info->shape.dims[0];
        return QV_OK;
    }
    ds->lkind = SRC_CSV;
    return qv_csv_reader_open(lp, &ds->lcsv, err);
}

enum qv_status qv_dataset_open_files(int32_t n_files, const char *const files[],
                                     const struct qv_dataset_opts *opts,
                                     struct qv_dataset **ret_ds, struct qv_error *err)
{
    enum qv_status st;
    if (n_files < 1)
        return qv_fail(err, QV_E_USAGE, "a dataset needs at least one file");
    for (int32_t i = 0; i < n_files; i++)
        if (strlen(files[i]) >= sizeof(((struct qv_dataset *)0)->path))
            return qv_fail_at(err, QV_E_IO, files[i], -1, "path is too long");
    if (opts && opts->labels_path && strlen(opts->labels_path) >= 1024)
        return qv_fail_at(err, QV_E_IO, opts->labels_path, -1, "path is too long");
    if (opts && opts->labels_path && opts->label_column)
        return qv_fail(err, QV_E_USAGE, "give either a label column or a labels file, not both");
    struct qv_dataset *ds = calloc(1, sizeof(*ds));
    if (!ds)
        return qv_fail(err, QV_E_NOMEM, "out of memory opening '%s'", files[0]);
    snprintf(ds->path, sizeof(ds->path), "%s", files[0]);
    ds->allow_nonfinite = opts && opts->allow_nonfinite;
    ds->label_classes = opts ? opts->label_classes : 0;
    ds->label_col = -1;
    ds->n_labels = -1;
    if (opts && opts->labels_path) {
        snprintf(ds->labels_path, sizeof(ds->labels_path), "%s", opts->labels_path);
        st = open_labels(ds, err);
        if (st != QV_OK)
            goto fail;
    }
    for (int32_t i = 0; i < n_files; i++) {
        const char *path = files[i];
        bool npz = has_ext(path, ".npz") || (!has_ext(path, ".npy") && !has_ext(path, ".csv") &&
                                             starts_with_zip_magic(path));
        bool npy = !npz && (has_ext(path, ".npy") || (!has_ext(path, ".csv") &&
                                                      starts_with_npy_magic(path)));
        if (!npy && !npz && starts_with_npy_magic(path)) {
            st = qv_fail_at(err, QV_E_INPUT, path, 0, "'%s' is named .csv but holds an .npy "
                            "array", path);
            goto fail;
        }
        if (!npy && !npz) {
            if (n_files > 1) {
                st = qv_fail_at(err, QV_E_USAGE, path, -1, "a CSV dataset feeds one-input "
                                "models alone; give several inputs as .npy files or one .npz");
                goto fail;
            }
            ds->kind = SRC_CSV;
            st = open_csv(ds, opts, err);
        } else if (npz) {
            ds->kind = SRC_NPY;
            st = open_npz(ds, path, err);
        } else {
            struct qv_npy *a = NULL;
            ds->kind = SRC_NPY;
            st = qv_npy_open(path, &a, err);
            if (st == QV_OK)
                st = add_array(ds, a, "", err);
        }
        if (st != QV_OK)
            goto fail;
    }
    if (ds->kind == SRC_NPY && ds->lkind == SRC_NPY && ds->n_labels != ds->n_samples) {
        st = qv_fail_at(err, QV_E_INPUT, ds->labels_path, qv_npy_shape_offset(ds->lnpy),
                        "labels file '%s' has %lld labels, dataset '%s' has %lld samples",
                        ds->labels_path, (long long)ds->n_labels, files[0],
                        (long long)ds->n_samples);
        goto fail;
    }
    *ret_ds = ds;
    return QV_OK;
fail:
    qv_dataset_close(ds);
    return st;
}

enum qv_status qv_dataset_open(const char *path, const struct qv_dataset_opts *opts,
                               struct qv_dataset **ret_ds, struct qv_error *err)
{
    return qv_dataset_open_files(1, &path, opts, ret_ds, err);
}

int32_t qv_dataset_n_arrays(const struct qv_dataset *ds)
{
    return ds->n_arrays;
}

const char *qv_dataset_array_name(const struct qv_dataset *ds, int32_t i)
{
    return ds->arrays[i].name;
}

const char *qv_dataset_array_file(const struct qv_dataset *ds, int32_t i)
{
    return ds->arrays[i].npy ? qv_npy_path(ds->arrays[i].npy) : ds->path;
}

const struct qv_shape *qv_dataset_array_shape(const struct qv_dataset *ds, int32_t i)
{
    return &ds->arrays[i].shape;
}

enum qv_dtype qv_dataset_array_dtype(const struct qv_dataset *ds, int32_t i)
{
    return ds->arrays[i].dtype;
}

const struct qv_shape *qv_dataset_sample_shape(const struct qv_dataset *ds)
{
    return &ds->arrays[0].shape;
}

enum qv_dtype qv_dataset_dtype(const struct qv_dataset *ds)
{
    return ds->arrays[0].dtype;
}

int64_t qv_dataset_samples(const struct qv_dataset *ds)
{
    return ds->n_samples;
}

bool qv_dataset_has_labels(const struct qv_dataset *ds)
{
    return ds->lkind != SRC_NONE || ds->label_col >= 0;
}

const char *qv_dataset_labels_path(const struct qv_dataset *ds)
{
    return ds->lkind != SRC_NONE ? ds->labels_path : (ds->label_col >= 0 ? ds->path : "");
}

static bool grow_buf(void **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    void *p = realloc(*buf, need);
    if (!p)
        return false;
    *buf = p;
    *cap = need;
    return true;
}

void qv_data_to_f32(enum qv_dtype dtype, const void *src, int64_t n, float *dst)
{
    if (dtype == QV_DTYPE_F32) {
        memmove(dst, src, (size_t)n * sizeof(float));
        return;
    }
    if (dtype == QV_DTYPE_I8) {   /* int8 codes (quantized datasets): a plain converting copy */
        const int8_t *s = src;
        int64_t i = 0;
#ifdef __SSE2__
        for (; i + 16 <= n; i += 16) {   /* SSE2 (the x86-64 baseline): sign-extend, convert */
            const __m128i b = _mm_loadu_si128((const __m128i *)(s + i));
            const __m128i lo = _mm_srai_epi16(_mm_unpacklo_epi8(b, b), 8);
            const __m128i hi = _mm_srai_epi16(_mm_unpackhi_epi8(b, b), 8);
            _mm_storeu_ps(dst + i, _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpacklo_epi16(lo, lo), 16)));
            _mm_storeu_ps(dst + i + 4,
                          _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpackhi_epi16(lo, lo), 16)));
            _mm_storeu_ps(dst + i + 8,
                          _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpacklo_epi16(hi, hi), 16)));
            _mm_storeu_ps(dst + i + 12,
                          _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpackhi_epi16(hi, hi), 16)));
        }
#endif
        for (; i < n; i++)
            dst[i] = (float)s[i];
        return;
    }
    const struct qv_dtype_traits *d = qv_dtype_get(dtype);
    for (int64_t i = 0; i < n; i++)
        dst[i] = (float)d->load(src, i);
}

static double elem_f64(enum qv_dtype dtype, const void *src, int64_t i)
{
    return qv_dtype_get(dtype)->load(src, i);
}

/* Labels and samples disagree in number. more: a label is left over (at line, for a CSV). */
static enum qv_status labels_mismatch(struct qv_dataset *ds, bool more, int32_t line,
                                      struct qv_error *err)
{
    if (more && line > 0)
        return qv_fail_line(err, QV_E_INPUT, ds->labels_path, line, 0, "labels file '%s' has "
                            "more labels than dataset '%s' has samples (%lld)", ds->labels_path,
                            ds->path, (long long)ds->n_read);
    if (more)
        return qv_fail_at(err, QV_E_INPUT, ds->labels_path, -1, "labels file '%s' has more "
                          "labels than dataset '%s' has samples (%lld)", ds->labels_path,
                          ds->path, (long long)ds->n_read);
    if (ds->n_read == 0)
        return qv_fail_at(err, QV_E_INPUT, ds->labels_path, -1, "labels file '%s' holds no "
                          "labels, dataset '%s' has samples", ds->labels_path, ds->path);
    if (ds->lkind == SRC_CSV)
        return qv_fail_line(err, QV_E_INPUT, ds->labels_path, ds->last_label_line, 0,
                            "labels file '%s' has %lld labels (the last on this line), dataset "
                            "'%s' has more samples", ds->labels_path, (long long)ds->n_read,
                            ds->path);
    return qv_fail_at(err, QV_E_INPUT, ds->labels_path, -1, "labels file '%s' has %lld labels, "
                      "dataset '%s' has more samples", ds->labels_path, (long long)ds->n_read,
                      ds->path);
}

/*
 * Up to max labels from the labels file into out (may be NULL); *ret_n < max at its end.
 * *ret_line: the line of a CSV record read past the end when max asked for more (or 0).
 */
static enum qv_status read_labels(struct qv_dataset *ds, int64_t max, double *out,
                                  int64_t *ret_n, int32_t *ret_line, struct qv_error *err)
{
    enum qv_status st;
    int64_t n = 0;
    *ret_line = 0;
    if (ds->lkind == SRC_NPY) {
        const struct qv_npy_info *info = qv_npy_get_info(ds->lnpy);
        enum qv_dtype dt = info->dtype;
        if (!grow_buf(&ds->lraw, &ds->lraw_cap, (size_t)max * qv_dtype_size(dt)))
            return qv_fail(err, QV_E_NOMEM, "out of memory reading '%s'", ds->labels_path);
        st = qv_npy_read_rows(ds->lnpy, max, ds->lraw, ds->allow_nonfinite, &n, err);
        if (st != QV_OK)
            return st;
        for (int64_t i = 0; i < n; i++) {
            double v = elem_f64(dt, ds->lraw, i);
            int64_t index = ds->n_read + i;
            st = check_label(ds, ds->labels_path, v, index, 0, 0, info->data_offset + index *
                             (int64_t)info->stored_elem_size, err);
            if (st != QV_OK)
                return st;
            if (out)
                out[i] = v;
        }
        *ret_n = n;
        return QV_OK;
    }
    while (n < max) {
        const char *const *fields;
        const size_t *lens;
        int32_t nf, line;
        st = qv_csv_reader_next(ds->lcsv, &fields, &lens, &nf, &line, err);
        if (st != QV_OK)
            return st;
        if (nf == 0)
            break;
        bool first = !ds->lcsv_started;
        ds->lcsv_started = true;
        if (nf != 1)
            return qv_fail_line(err, QV_E_INPUT, ds->labels_path, line, 2,
                                "labels file has %d fields in a record, expected 1 label per line",
                                nf);
        if (first && lens[0] > 0 && !field_is_number(fields[0], lens[0]))
            continue;   /* header line */
        double v;
        st = field_value(ds->labels_path, fields[0], lens[0], line, 1, ds->allow_nonfinite, &v,
                         err);
        if (st == QV_OK)
            st = check_label(ds, ds->labels_path, v, ds->n_read + n, line, 1, -1, err);
        if (st != QV_OK)
            return st;
        if (out)
            out[n] = v;
        ds->last_label_line = line;
        *ret_line = line;
        n++;
    }
    *ret_n = n;
    return QV_OK;
}

/*
 * Up to max rows of array a into x: float32 values, or with raw the elements as read (a->dtype,
 * x then holds [n][elems] elements of that type).
 */
static enum qv_status read_npy_samples(struct qv_dataset *ds, struct array *a, int64_t max,
                                       void *x, bool raw, int64_t *ret_n, struct qv_error *err)
{
    size_t esize = qv_dtype_size(a->dtype);
    /* Bound the raw buffer: read in slices when the caller asks for many rows at once. */
    int64_t slice = max;
    if (a->elems > 0 && (int64_t)(64u << 20) / (a->elems * (int64_t)esize) < slice)
        slice = (int64_t)(64u << 20) / (a->elems * (int64_t)esize);
    if (slice < 1)
        slice = 1;
    int64_t n = 0;
    while (n < max) {
        int64_t want = max - n < slice ? max - n : slice, got;
        void *dst = x && (raw || a->dtype == QV_DTYPE_F32)
                        ? (void *)((char *)x + (size_t)(n * a->elems) * esize) : NULL;
        if (!dst) {
            if (!grow_buf(&a->raw, &a->raw_cap, (size_t)(want * a->elems) * esize + 1))
                return qv_fail(err, QV_E_NOMEM, "out of memory reading '%s'", ds->path);
            dst = a->raw;
        }
        enum qv_status st = qv_npy_read_rows(a->npy, want, dst, ds->allow_nonfinite, &got, err);
        if (st != QV_OK)
            return st;
        if (dst == a->raw && x)
            qv_data_to_f32(a->dtype, a->raw, got * a->elems, (float *)x + n * a->elems);
        n += got;
        if (got < want)
            break;
    }
    *ret_n = n;
    return QV_OK;
}

/* CSV records into x (may be NULL: skipped) and labels (when the CSV has a label column). */
static enum qv_status read_csv_samples(struct qv_dataset *ds, int64_t max, float *x,
                                       double *labels, int64_t *ret_n, struct qv_error *err)
{
    int64_t n = 0;
    bool col = ds->label_col >= 0;
    struct array *a = &ds->arrays[0];
    float *tmp = x ? NULL : ds->pending_x;   /* skipping: parse into a scratch row */
    if (ds->have_pending && max > 0) {
        if (x)
            memcpy(x, ds->pending_x, (size_t)a->elems * sizeof(float));
        if (col) {
            enum qv_status st = check_label(ds, ds->path, ds->pending_label, ds->n_read,
                                            ds->pending_line, ds->label_col + 1, -1, err);
            if (st != QV_OK)
                return st;
            if (labels)
                labels[0] = ds->pending_label;
        }
        ds->have_pending = false;
        n = 1;
    }
    while (n < max) {
        const char *const *fields;
        const size_t *lens;
        int32_t nf, line;
        double label = 0;
        enum qv_status st = qv_csv_reader_next(ds->csv, &fields, &lens, &nf, &line, err);
        if (st != QV_OK)
            return st;
        if (nf == 0)
            break;
        st = parse_record(ds, fields, lens, nf, line, x ? x + n * a->elems : tmp, &label, err);
        if (st == QV_OK && col)
            st = check_label(ds, ds->path, label, ds->n_read + n, line, ds->label_col + 1, -1,
                             err);
        if (st != QV_OK)
            return st;
        if (col && labels)
            labels[n] = label;
        n++;
    }
    *ret_n = n;
    return QV_OK;
}

/* Reads (x non-NULL) or skips (x NULL) up to max samples. */
static enum qv_status read_or_skip(struct qv_dataset *ds, int64_t max, void *const x[], bool raw,
                                   double *labels, int64_t *ret_n, struct qv_error *err)
{
    enum qv_status st = QV_OK;
    int64_t n = 0;
    if (ds->done) {
        *ret_n = 0;
        return QV_OK;
    }
    if (ds->kind == SRC_CSV) {
        st = read_csv_samples(ds, max, x ? (float *)x[0] : NULL, labels, &n, err);   /* f32 */
    } else {
        for (int32_t i = 0; st == QV_OK && i < ds->n_arrays; i++) {
            int64_t got = 0;
            struct array *a = &ds->arrays[i];
            st = x ? read_npy_samples(ds, a, max, x[i], raw, &got, err)
                   : qv_npy_skip_rows(a->npy, max, &got, err);
            if (st == QV_OK && i > 0 && got != n)
                st = qv_fail(err, QV_E_INTERNAL, "arrays of one dataset out of step");
            n = got;
        }
    }
    if (st != QV_OK)
        return st;
    if (ds->lkind != SRC_NONE && n > 0) {
        int64_t nl = 0;
        int32_t line;
        st = read_labels(ds, n, labels, &nl, &line, err);
        if (st != QV_OK)
            return st;
        if (nl < n) {
            ds->n_read += nl;
            return labels_mismatch(ds, false, 0, err);
        }
    }
    ds->n_read += n;
    if (n == 0) {
        if (ds->lkind != SRC_NONE) {
            int64_t extra = 0;
            int32_t line = 0;
            double dummy;
            int64_t saved = ds->label_classes;
            ds->label_classes = 0;   /* a left-over label is reported as left over */
            st = read_labels(ds, 1, &dummy, &extra, &line, err);
            ds->label_classes = saved;
            if (st != QV_OK)
                return st;
            if (extra)
                return labels_mismatch(ds, true, line, err);
        }
        ds->done = true;
    }
    *ret_n = n;
    return QV_OK;
}

enum qv_status qv_dataset_read_arrays(struct qv_dataset *ds, int64_t max, float *const x[],
                                      double *labels, int64_t *ret_n, struct qv_error *err)
{
    if (max < 1)
        return qv_fail(err, QV_E_USAGE, "qv_dataset_read: max %lld < 1", (long long)max);
    return read_or_skip(ds, max, (void *const *)x, false, labels, ret_n, err);
}

enum qv_status qv_dataset_read_arrays_raw(struct qv_dataset *ds, int64_t max, void *const x[],
                                          double *labels, int64_t *ret_n, struct qv_error *err)
{
    if (max < 1)
        return qv_fail(err, QV_E_USAGE, "qv_dataset_read: max %lld < 1", (long long)max);
    return read_or_skip(ds, max, x, true, labels, ret_n, err);
}

enum qv_status qv_dataset_read(struct qv_dataset *ds, int64_t max, float *x, double *labels,
                               int64_t *ret_n, struct qv_error *err)
{
    if (ds->n_arrays > 1)
        return qv_fail(err, QV_E_USAGE, "qv_dataset_read on a dataset of %d arrays",
                       ds->n_arrays);
    return qv_dataset_read_arrays(ds, max, &x, labels, ret_n, err);
}

enum qv_status qv_dataset_skip(struct qv_dataset *ds, int64_t max, int64_t *ret_n,
                               struct qv_error *err)
{
    int64_t done = 0;
    while (done < max) {
        int64_t n = 0, want = max - done < 65536 ? max - done : 65536;
        enum qv_status st = read_or_skip(ds, want, NULL, false, NULL, &n, err);
        if (st != QV_OK)
            return st;
        if (n == 0)
            break;
        done += n;
    }
    *ret_n = done;
    return QV_OK;
}

void qv_dataset_close(struct qv_dataset *ds)
{
    if (!ds)
        return;
    for (int32_t i = 0; i < ds->n_arrays; i++) {
        qv_npy_close(ds->arrays[i].npy);
        free(ds->arrays[i].raw);
    }
    qv_npy_close(ds->lnpy);
    qv_csv_reader_close(ds->csv);
    qv_csv_reader_close(ds->lcsv);
    free(ds->lraw);
    free(ds->pending_x);
    free(ds);
}
