/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which dataset array feeds which model input, and how (docs/data.md is the one statement of
 * these rules; keep the two in step):
 *
 * Pairing. One array and one input pair up. Otherwise arrays pair with inputs by name (an .npz
 * member's name without ".npy", or the name a manifest gives a file) when every input finds its
 * array; when no array is named after any input, in order; a partial match is an error.
 *
 * Shapes. A sample's shape must be the input's without its batch dim, size-1 dims aside. The
 * same element count in another shape is refused (naming a likely cause, e.g. NCHW images for an
 * NHWC model) unless the layout says what to do: "nchw" transposes [C, H, W] to [H, W, C],
 * "reshape" takes the values in C order.
 *
 * Values. Integer data whose dtype is the dtype of a quantized input it feeds (in any model of
 * the run, or in the spec's codes model) are that input's codes: they go into that input as they
 * are (a copy of the bytes read) and are dequantized with its scale and zero point for every
 * other model (converted in the worker thread). Anything else holds real values: preprocessed
 * (x * scale + offset) when asked, then quantized by the engine for a quantized input.
 *
 * Warnings. Real values that a quantized integer input cannot hold (counted while feeding:
 * integer data without preprocessing, or more than 1% of float data); signed integer data
 * reaching a float model as real values without preprocessing (they usually are quantized
 * codes of an int8 model).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "run/run_internal.h"

static const char *side_name(const struct qv_run_opts *o, int32_t s)
{
    return o->sides[s].name ? o->sides[s].name : "the model";
}

/* The array's name for pairing: the .npz member name, else the name the spec gives its file. */
static const char *array_name(const struct qv_dataset *ds, const struct qv_data_spec *spec,
                              int32_t a)
{
    const char *n = qv_dataset_array_name(ds, a);
    if (n[0])
        return n;
    const char *file = qv_dataset_array_file(ds, a);
    for (int32_t f = 0; f < spec->n_files; f++)
        if (spec->names[f] && strcmp(spec->files[f], file) == 0)
            return spec->names[f];
    return "";
}

/* "array 'x'" / "array 0" in messages. */
static void array_label(const struct qv_dataset *ds, const struct qv_data_spec *spec, int32_t a,
                        char *buf, size_t size)
{
    const char *n = array_name(ds, spec, a);
    if (n[0])
        snprintf(buf, size, "array '%s' (position %d)", n, a);
    else
        snprintf(buf, size, "array %d", a);
}

/* "2 arrays ('x0', 'x1')" for messages. */
static void list_arrays(const struct qv_dataset *ds, const struct qv_data_spec *spec, char *buf,
                        size_t size)
{
    int32_t na = qv_dataset_n_arrays(ds);
    size_t o = (size_t)snprintf(buf, size, "%d array%s (", na, na == 1 ? "" : "s");
    for (int32_t a = 0; a < na && o < size; a++) {
        const char *n = array_name(ds, spec, a);
        o += (size_t)snprintf(buf + o, size - o, "%s%s%s%s", a ? ", " : "", n[0] ? "'" : "",
                              n[0] ? n : "unnamed", n[0] ? "'" : "");
    }
    if (o < size)
        snprintf(buf + o, size - o, ")");
}

/* Input i's per-sample shape: the stored shape without a leading batch dim of 1. */
static struct qv_shape input_sample_shape(const struct qv_tensor *t)
{
    struct qv_shape s = t->shape;
    if (s.rank >= 1 && s.dims[0] == 1) {
        s.rank--;
        memmove(s.dims, s.dims + 1, (size_t)s.rank * sizeof(int64_t));
    }
    return s;
}

static struct qv_shape squeeze(const struct qv_shape *s)
{
    struct qv_shape r = { .rank = 0 };
    for (int32_t i = 0; i < s->rank; i++)
        if (s->dims[i] != 1)
            r.dims[r.rank++] = s->dims[i];
    return r;
}

/* Pairs arrays with the inputs of g (named model_name in messages) into map[input] = array. */
static enum qv_status pair(const struct qv_dataset *ds, const struct qv_data_spec *spec,
                           const struct qv_graph *g, const char *model_name, int32_t *map,
                           struct qv_error *err)
{
    int32_t na = qv_dataset_n_arrays(ds), ni = g->n_inputs;
    const char *file = qv_dataset_array_file(ds, 0);
    char label[320];
    if (ni > QV_DATASET_MAX_ARRAYS)
        return qv_fail_at(err, QV_E_INPUT, model_name, -1, "the model has %d inputs: qvet "
                          "feeds at most %d", ni, QV_DATASET_MAX_ARRAYS);
    if (na == 1 && ni == 1) {
        map[0] = 0;
        return QV_OK;
    }
    int32_t matched = 0;
    for (int32_t i = 0; i < ni; i++) {
        map[i] = -1;
        for (int32_t a = 0; a < na; a++)
            if (strcmp(array_name(ds, spec, a), g->tensors[g->inputs[i]].name) == 0)
                map[i] = a;
        matched += map[i] >= 0;
    }
    bool any_named = false;
    for (int32_t a = 0; a < na; a++)
        for (int32_t i = 0; i < ni; i++)
            any_named = any_named ||
                        strcmp(array_name(ds, spec, a), g->tensors[g->inputs[i]].name) == 0;
    if (matched == ni && na == ni)
        return QV_OK;
    if (matched == ni) {
        for (int32_t a = 0; a < na; a++) {
            bool used = false;
            for (int32_t i = 0; i < ni; i++)
                used = used || map[i] == a;
            if (!used) {
                array_label(ds, spec, a, label, sizeof(label));
                return qv_fail_at(err, QV_E_INPUT, qv_dataset_array_file(ds, a), -1, "%s feeds "
                                  "no input of %s (inputs are named after arrays, and this "
                                  "one's name is none of them)", label, model_name);
            }
        }
    }
    char names[512];
    list_arrays(ds, spec, names, sizeof(names));
    if (any_named) {
        for (int32_t i = 0; i < ni; i++)
            if (map[i] < 0)
                return qv_fail_at(err, QV_E_INPUT, file, -1, "%sno array for input %d '%s' of "
                                  "%s: the data hold %s (name every array after a model input, "
                                  "or none to pair them in order)", na < ni ? "missing input: "
                                  : "", i, g->tensors[g->inputs[i]].name, model_name, names);
    }
    if (na < ni)
        return qv_fail_at(err, QV_E_INPUT, file, -1, "missing input: %s has %d inputs, the data "
                          "hold %s; no array for input %d '%s'", model_name, ni, names, na,
                          g->tensors[g->inputs[na]].name);
    if (na > ni) {
        array_label(ds, spec, ni, label, sizeof(label));
        return qv_fail_at(err, QV_E_INPUT, qv_dataset_array_file(ds, ni), -1, "%s feeds no "
                          "input: %s has %d input%s, the data hold %s", label, model_name,
                          ni, ni == 1 ? "" : "s", names);
    }
    for (int32_t i = 0; i < ni; i++)
        map[i] = i;
    return QV_OK;
}

/* Sample shape of array a against the input; sets the transposition when the layout asks. */
static enum qv_status check_shape(const struct qv_dataset *ds, const struct qv_data_spec *spec,
                                  const struct qv_run_opts *o, int32_t s, int32_t i, int32_t a,
                                  struct qv_feed *f, struct qv_error *err)
{
    const struct qv_graph *g = o->sides[s].graph;
    const struct qv_tensor *t = &g->tensors[g->inputs[i]];
    const struct qv_shape *ds_shape = qv_dataset_array_shape(ds, a);
    struct qv_shape in = input_sample_shape(t);
    char got[160], want[160], label[320];
    const char *file = qv_dataset_array_file(ds, a);
    qv_shape_format(ds_shape, got, sizeof(got));
    qv_shape_format(&in, want, sizeof(want));
    array_label(ds, spec, a, label, sizeof(label));
    int64_t n_got = qv_shape_elems(ds_shape), n_want = qv_shape_elems(&in);
    if (n_got != n_want)
        return qv_fail_at(err, QV_E_INPUT, file, -1, "%s: samples of shape %s (%lld values) do "
                          "not fit input %d '%s' of %s, shape %s (%lld values)", label, got,
                          (long long)n_got, i, t->name, side_name(o, s), want, (long long)n_want);
    struct qv_shape sq_got = squeeze(ds_shape), sq_want = squeeze(&in);
    bool same = qv_shape_equal(&sq_got, &sq_want);
    bool nchw = ds_shape->rank == 3 && in.rank == 3 && ds_shape->dims[0] == in.dims[2] &&
                ds_shape->dims[1] == in.dims[0] && ds_shape->dims[2] == in.dims[1];
    if (spec->layout == QV_LAYOUT_NCHW) {
        if (!nchw)
            return qv_fail_at(err, QV_E_INPUT, file, -1, "%s: layout nchw needs samples [C, H, "
                              "W] for input %d '%s' of %s, shape [H, W, C] = %s; the samples "
                              "are %s", label, i, t->name, side_name(o, s), want, got);
        f->transpose = true;
        f->c = ds_shape->dims[0];
        f->h = ds_shape->dims[1];
        f->w = ds_shape->dims[2];
        return QV_OK;
    }
    /* a CSV record is the sample flattened in C order by definition (docs/data.md) */
    size_t fl = strlen(file);
    bool csv = ds_shape->rank == 1 && fl >= 4 && strcasecmp(file + fl - 4, ".csv") == 0;
    if (same || csv || spec->layout == QV_LAYOUT_RESHAPE)
        return QV_OK;
    if (nchw)
        return qv_fail_at(err, QV_E_INPUT, file, -1, "%s: samples of shape %s do not match input "
                          "%d '%s' of %s, shape %s: they look like channels-first (NCHW) images "
                          "for a channels-last (NHWC) model; set \"layout\": \"nchw\" under "
                          "\"preprocess\" in qvet.json or pass --layout nchw to transpose them",
                          label, got, i, t->name, side_name(o, s), want);
    return qv_fail_at(err, QV_E_INPUT, file, -1, "%s: samples of shape %s do not match input %d "
                      "'%s' of %s, shape %s (the same %lld values in another arrangement); if "
                      "they are that input flattened in C order, set \"layout\": \"reshape\" "
                      "under \"preprocess\" in qvet.json or pass --layout reshape", label, got, i,
                      t->name, side_name(o, s), want, (long long)n_got);
}

static bool is_int(enum qv_dtype d)
{
    return d != QV_DTYPE_F32;
}

static void warn(const struct qv_run_opts *o, const char *fmt, ...) QV_PRINTF(2, 3);

static void warn(const struct qv_run_opts *o, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    if (!o->warn)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    o->warn(o->notify_user, msg);
}

/* Integer bounds of a stored dtype (its traits). */
static void dtype_range(enum qv_dtype d, double *lo, double *hi)
{
    *lo = (double)qv_dtypes[d].min;
    *hi = (double)qv_dtypes[d].max;
}

enum qv_status qv_bind(const struct qv_dataset *ds, const struct qv_data_spec *spec,
                       const struct qv_run_opts *o, struct qv_binding *b, struct qv_error *err)
{
    /* map[s]: side s's pairing; map[o->n_sides]: spec->codes_model's, when it pairs */
    int32_t map[QV_RUN_MAX_SIDES + 1][QV_DATASET_MAX_ARRAYS];
    const struct qv_graph *source[QV_RUN_MAX_SIDES + 1];
    int32_t n_sources = o->n_sides;
    memset(b, 0, sizeof(*b));
    b->n_sides = o->n_sides;
    for (int32_t s = 0; s < o->n_sides; s++) {
        enum qv_status st = pair(ds, spec, o->sides[s].graph, side_name(o, s), map[s], err);
        if (st != QV_OK)
            return st;
        b->n_inputs[s] = o->sides[s].graph->n_inputs;
        source[s] = o->sides[s].graph;
    }
    if (spec->codes_model) {
        /* a model that does not run but says which integer data are codes; data it cannot
         * take are no codes of its inputs */
        struct qv_error ignored = QV_ERROR_INIT;
        if (pair(ds, spec, spec->codes_model, "the codes model", map[n_sources], &ignored) ==
            QV_OK)
            source[n_sources++] = spec->codes_model;
    }
    for (int32_t s = 0; s < o->n_sides; s++) {
        const struct qv_graph *g = o->sides[s].graph;
        for (int32_t i = 0; i < g->n_inputs; i++) {
            struct qv_feed *f = &b->feed[s][i];
            int32_t a = map[s][i];
            const struct qv_tensor *t = &g->tensors[g->inputs[i]];
            enum qv_status st = check_shape(ds, spec, o, s, i, a, f, err);
            if (st != QV_OK)
                return st;
            f->array = a;
            f->data_dtype = qv_dataset_array_dtype(ds, a);
            f->elems = qv_shape_elems(qv_dataset_array_shape(ds, a));
            /* codes: integer data of the dtype of a quantized input the array feeds */
            const struct qv_tensor *codes = NULL;
            for (int32_t s2 = 0; s2 < n_sources && !codes && is_int(f->data_dtype); s2++) {
                const struct qv_graph *g2 = source[s2];
                for (int32_t i2 = 0; i2 < g2->n_inputs && !codes; i2++) {
                    const struct qv_tensor *t2 = &g2->tensors[g2->inputs[i2]];
                    if (map[s2][i2] == a && t2->dtype == f->data_dtype && t2->quant.count)
                        codes = t2;
                }
            }
            bool held_int = o->sides[s].engine.kind == QV_ENGINE_INT8 && is_int(t->dtype);
            if (codes) {
                bool same = codes == t || (t->dtype == codes->dtype && t->quant.count &&
                                           t->quant.scale[0] == codes->quant.scale[0] &&
                                           t->quant.zero_point[0] == codes->quant.zero_point[0]);
                f->mode = same && held_int ? QV_FEED_CODES : QV_FEED_DEQUANT;
                f->code_scale = codes->quant.scale[0];
                f->code_zero_point = codes->quant.zero_point[0];
                if (f->mode == QV_FEED_DEQUANT && held_int) {
                    f->count_clipped = true;
                    dtype_range(t->dtype, &f->lo, &f->hi);
                }
            } else {
                f->mode = QV_FEED_REAL;
                f->preprocess = spec->has_preprocess;
                f->count_clipped = held_int && t->quant.count;
            }
            if (f->count_clipped && t->quant.count) {
                double lo, hi, sc = t->quant.scale[0], z = t->quant.zero_point[0];
                dtype_range(t->dtype, &lo, &hi);
                f->lo = sc * (lo - z - 0.5);
                f->hi = sc * (hi - z + 0.5);
            } else {
                f->count_clipped = false;
            }
            if (f->mode == QV_FEED_REAL && !f->preprocess && t->dtype == QV_DTYPE_F32 &&
                !t->quant.count && (f->data_dtype == QV_DTYPE_I8 ||
                                    f->data_dtype == QV_DTYPE_I16))
                warn(o, "%s: %s data reach float input '%s' of %s as real values; if they are "
                     "the quantized codes of an int8 model's input, run that model alongside "
                     "(its input parameters then dequantize them) or set preprocess scale and "
                     "offset (docs/data.md)", qv_dataset_array_file(ds, a),
                     qv_dtype_name(f->data_dtype), t->name, side_name(o, s));
        }
    }
    return QV_OK;
}

static void transpose_chw(const float *src, int64_t n, int64_t c, int64_t h, int64_t w,
                          float *dst)
{
    for (int64_t k = 0; k < n; k++) {
        const float *s = src + k * c * h * w;
        float *d = dst + k * c * h * w;
        for (int64_t ci = 0; ci < c; ci++)
            for (int64_t y = 0; y < h; y++)
                for (int64_t x = 0; x < w; x++)
                    d[(y * w + x) * c + ci] = s[(ci * h + y) * w + x];
    }
}

enum qv_status qv_feed_side(const struct qv_binding *b, const struct qv_data_spec *spec,
                            int32_t s, struct qv_engine *e, void *const x[], int64_t row0,
                            int64_t n, float *scratch, int64_t *clipped, int64_t first_sample,
                            struct qv_error *err)
{
    for (int32_t i = 0; i < b->n_inputs[s]; i++) {
        const struct qv_feed *f = &b->feed[s][i];
        const int64_t count = n * f->elems;
        const size_t esize = qv_dtype_size(f->data_dtype);
        const char *raw = (const char *)x[f->array] + (size_t)(row0 * f->elems) * esize;
        float *buf = scratch, *buf2 = scratch + count, *buf3 = scratch + 2 * count;
        if (f->mode == QV_FEED_CODES && !f->transpose &&
            qv_engine_input_dtype(e, i) == f->data_dtype) {
            /* codes of the input's own type and parameters (an int8 golden set for the int8
             * model): the bytes as they are, as qv_engine_load_input would copy them */
            memcpy(qv_engine_input(e, i), raw, (size_t)count * esize);
            continue;
        }
        const float *src = (const float *)raw;
        if (f->data_dtype != QV_DTYPE_F32) {
            qv_data_to_f32(f->data_dtype, raw, count, buf3);
            src = buf3;
        }
        if (f->transpose) {
            transpose_chw(src, n, f->c, f->h, f->w, buf2);
            src = buf2;
        }
        enum qv_dtype dt = QV_DTYPE_F32;
        if (f->mode == QV_FEED_CODES) {
            dt = f->data_dtype;
        } else if (f->mode == QV_FEED_DEQUANT) {
            for (int64_t k = 0; k < count; k++)
                buf[k] = (float)((double)f->code_scale * ((double)src[k] - f->code_zero_point));
            src = buf;
        } else if (f->preprocess) {
            for (int64_t k = 0; k < count; k++)
                buf[k] = src[k] * spec->pre_scale + spec->pre_offset;
            src = buf;
        }
        if (f->count_clipped) {
            int64_t c = 0;
            for (int64_t k = 0; k < count; k++)
                c += src[k] < f->lo || src[k] > f->hi;
            clipped[i] += c;
        }
        enum qv_status st = qv_engine_load_input(e, i, 0, n, src, dt, err);
        if (st != QV_OK) {
            qv_error_prefix(err, NULL, "%s: samples %lld..%lld", spec->files[0],
                            (long long)(first_sample + row0),
                            (long long)(first_sample + row0 + n - 1));
            return st;
        }
    }
    return QV_OK;
}
