/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stats.json: calibration statistics on disk (docs/quant.md has the format). Written with
 * printf (floats as %.9g, which round-trips float32; doubles as %.17g), read with cJSON and
 * checked field by field: errors name the file and the line:column (syntax) or the JSON path.
 */
#include <cjson/cJSON.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/quant_int.h"

#define STATS_FORMAT "qvet-calibration"
#define STATS_VERSION 1
#define MAX_STATS_SIZE ((size_t)1 << 31)
#define FLT_MAX_D ((double)FLT_MAX)

/* ---- writing -------------------------------------------------------------------------------- */

static void put_shape(FILE *f, const struct qv_shape *s)
{
    fputc('[', f);
    for (int32_t r = 0; r < s->rank; r++)
        fprintf(f, "%s%lld", r ? ", " : "", (long long)s->dims[r]);
    fputc(']', f);
}

static void put_floats(FILE *f, const float *v, int64_t n)
{
    fputc('[', f);
    for (int64_t i = 0; i < n; i++)
        fprintf(f, "%s%.9g", i ? "," : "", (double)v[i]);
    fputc(']', f);
}

static void put_stats(FILE *f, const struct qv_calib *c, const struct qv_tensor_stats *s,
                      enum qv_range_method method, const struct qv_range_opts *ropts)
{
    fprintf(f, "    {\"index\": %d, \"name\": ", s->tensor);
    qv_json_fputs(f, s->name);
    fprintf(f, ", \"shape\": ");
    put_shape(f, &s->shape);
    fprintf(f, ", \"count\": %lld, \"samples\": %lld", (long long)s->count,
            (long long)s->n_samples);
    if (s->count > 0)
        fprintf(f, ", \"min\": %.9g, \"max\": %.9g", (double)s->min, (double)s->max);
    if (s->has_hist && s->hist.n > 0) {
        int32_t a = 0, b = s->hist.n - 1;
        while (a < b && !s->hist.counts[a])
            a++;
        while (b > a && !s->hist.counts[b])
            b--;
        fprintf(f, ",\n     \"hist\": {\"exp\": %d, \"first\": %lld, \"counts\": [", s->hist.exp,
                (long long)(s->hist.first + a));
        for (int32_t i = a; i <= b; i++)
            fprintf(f, "%s%lld", i > a ? "," : "", (long long)s->hist.counts[i]);
        fprintf(f, "]}");
    }
    if (s->sample_min && s->n_samples > 0) {
        fprintf(f, ",\n     \"sample_min\": ");
        put_floats(f, s->sample_min, s->n_samples);
        fprintf(f, ",\n     \"sample_max\": ");
        put_floats(f, s->sample_max, s->n_samples);
    }
    if (s->elem_sum) {
        fprintf(f, ",\n     \"channel_sum\": [");
        for (int64_t k = 0; k < s->period; k++)
            fprintf(f, "%s%.17g", k ? "," : "", s->elem_sum[k]);
        fputc(']', f);
    }
    float lo, hi, scale;
    int32_t zp;
    struct qv_range_diag d;
    if (s->count > 0 && qv_calib_range(c, s->tensor, method, ropts, &lo, &hi, NULL) == QV_OK) {
        qv_quant_act_params(lo, hi, &scale, &zp);
        qv_calib_diagnose(s, scale, zp, &d);
        fprintf(f, ",\n     \"diagnostics\": {\"method\": \"%s\", \"lo\": %.9g, \"hi\": %.9g, "
                "\"scale\": %.9g, \"zero_point\": %d, \"clipped\": %.6g, \"levels\": %d}",
                qv_range_method_name(method), (double)lo, (double)hi, (double)scale, zp,
                d.clipped, d.levels);
    }
    fputc('}', f);
}

static void put_dead(FILE *f, const struct qv_calib *c, const struct qv_dead_channels *dead,
                     int32_t n_dead)
{
    if (!c->g) {
        fputs(c->dead_json ? c->dead_json : "[]", f);
        return;
    }
    fputc('[', f);
    for (int32_t i = 0; i < n_dead; i++) {
        const struct qv_dead_channels *d = &dead[i];
        fprintf(f, "%s\n    {\"tensor\": %d, \"name\": ", i ? "," : "", d->tensor);
        qv_json_fputs(f, c->g->tensors[d->tensor].name);
        fprintf(f, ", \"node\": %d, \"channels\": %d, \"dead\": [", d->node, d->n_channels);
        for (int32_t k = 0; k < d->n_dead; k++)
            fprintf(f, "%s%d", k ? ", " : "", d->dead[k]);
        fprintf(f, "]}");
    }
    fputs(n_dead ? "\n  ]" : "]", f);
}

enum qv_status qv_calib_save(const struct qv_calib *c, const char *path,
                             enum qv_range_method method, const struct qv_range_opts *ropts,
                             struct qv_error *err)
{
    struct qv_atomic_file af;
    struct qv_dead_channels *dead = NULL;
    int32_t n_dead = 0;
    enum qv_status st = QV_OK;
    if (c->g && (st = qv_dead_channels_find(c->g, &dead, &n_dead, err)) != QV_OK)
        return st;
    if ((st = qv_atomic_open(&af, path, err)) != QV_OK) {
        qv_dead_channels_free(dead, n_dead);
        return st;
    }
    FILE *f = af.fp;
    fprintf(f, "{\n  \"format\": \"%s\",\n  \"version\": %d,\n  \"model\": {\"name\": ",
            STATS_FORMAT, STATS_VERSION);
    qv_json_fputs(f, c->model_name ? c->model_name : "");
    fprintf(f, ", \"fingerprint\": \"%016" PRIx64 "\", \"tensors\": %d},\n", c->fingerprint,
            c->n_model_tensors);
    fprintf(f, "  \"samples\": %lld,\n  \"tensors\": [\n", (long long)c->n_samples);
    for (int32_t i = 0; i < c->n_stats; i++) {
        put_stats(f, c, &c->stats[i], method, ropts);
        fputs(i + 1 < c->n_stats ? ",\n" : "\n", f);
    }
    fprintf(f, "  ],\n  \"dead_channels\": ");
    put_dead(f, c, dead, n_dead);
    fprintf(f, ",\n  \"warnings\": [");
    for (int32_t i = 0; i < c->n_warnings; i++) {
        fputs(i ? ", " : "", f);
        qv_json_fputs(f, c->warnings[i]);
    }
    fprintf(f, "]\n}\n");
    qv_dead_channels_free(dead, n_dead);
    return qv_atomic_commit(&af, err);
}

/* ---- reading -------------------------------------------------------------------------------- */

struct reader {
    const char *path;
    struct qv_error *err;
};

static enum qv_status rfail(const struct reader *R, const char *fmt, ...) QV_PRINTF(2, 3);

static enum qv_status rfail(const struct reader *R, const char *fmt, ...)
{
    char msg[460];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return qv_fail_at(R->err, QV_E_INPUT, R->path, -1, "%s", msg);
}

/* A number member that must be an integer in [lo, hi]. */
static enum qv_status get_int(const struct reader *R, const cJSON *obj, const char *key,
                              const char *where, int64_t lo, int64_t hi, bool required,
                              int64_t *ret)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!j) {
        if (!required)
            return QV_OK;
        return rfail(R, "%s: missing \"%s\"", where, key);
    }
    double v = j->valuedouble;
    if (!cJSON_IsNumber(j) || !(v >= (double)lo && v <= (double)hi) || v != floor(v))
        return rfail(R, "%s.%s: expected a whole number from %lld to %lld", where, key,
                     (long long)lo, (long long)hi);
    *ret = (int64_t)v;
    return QV_OK;
}

static enum qv_status get_float(const struct reader *R, const cJSON *obj, const char *key,
                                const char *where, float *ret)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!j)
        return rfail(R, "%s: missing \"%s\"", where, key);
    if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble) || fabs(j->valuedouble) > FLT_MAX_D)
        return rfail(R, "%s.%s: expected a finite float32 number", where, key);
    *ret = (float)j->valuedouble;
    return QV_OK;
}

/* An array member of exactly n finite numbers into float dst (double when dst_d). */
static enum qv_status get_numbers(const struct reader *R, const cJSON *arr, const char *where,
                                  int64_t n, float *dst, double *dst_d)
{
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != n)
        return rfail(R, "%s: expected an array of %lld numbers", where, (long long)n);
    int64_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, arr) {
        if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble) ||
            (dst && fabs(e->valuedouble) > FLT_MAX_D))
            return rfail(R, "%s[%lld]: expected a finite number", where, (long long)i);
        if (dst)
            dst[i] = (float)e->valuedouble;
        else
            dst_d[i] = e->valuedouble;
        i++;
    }
    return QV_OK;
}

static enum qv_status read_hist(const struct reader *R, const cJSON *jh, const char *where,
                                struct qv_tensor_stats *s)
{
    int64_t exp = 0, first = 0;
    enum qv_status st;
    if ((st = get_int(R, jh, "exp", where, QV_HIST_EXP_MIN, 200, true, &exp)) != QV_OK ||
        (st = get_int(R, jh, "first", where, -((int64_t)1 << 52), (int64_t)1 << 52, true,
                      &first)) != QV_OK)
        return st;
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(jh, "counts");
    int n = cJSON_IsArray(counts) ? cJSON_GetArraySize(counts) : -1;
    if (n < 1 || n > QV_HIST_BINS)
        return rfail(R, "%s.counts: expected an array of 1 to %d bin counts", where,
                     QV_HIST_BINS);
    /* the stored bins must hold min and max and nothing outside */
    int64_t bmin = qv_hist_bin(s->min, (int32_t)exp), bmax = qv_hist_bin(s->max, (int32_t)exp);
    if (bmin < first || bmax > first + n - 1)
        return rfail(R, "%s: bins %lld..%lld at width 2^%lld do not cover [min, max]", where,
                     (long long)first, (long long)(first + n - 1), (long long)exp);
    struct qv_hist *h = &s->hist;
    memset(h->counts, 0, QV_HIST_BINS * sizeof(*h->counts));
    h->exp = (int32_t)exp;
    h->first = bmin;
    h->n = (int32_t)(bmax - bmin + 1);
    int64_t i = 0, total = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, counts) {
        double v = e->valuedouble;
        if (!cJSON_IsNumber(e) || !(v >= 0 && v <= 9007199254740992.0) || v != floor(v))
            return rfail(R, "%s.counts[%lld]: expected a count (a whole number >= 0)", where,
                         (long long)i);
        int64_t a = first + i;
        if (v > 0 && (a < bmin || a > bmax))
            return rfail(R, "%s.counts[%lld]: a count outside [min, max]", where, (long long)i);
        if (v > 0)
            h->counts[a - bmin] = (int64_t)v;
        total += (int64_t)v;
        i++;
    }
    if (total != s->count)
        return rfail(R, "%s: the bin counts add up to %lld, \"count\" says %lld", where,
                     (long long)total, (long long)s->count);
    /* bring a finer-than-canonical layout to the canonical one (exact) */
    int32_t canon = qv_hist_exp_for(s->min, s->max);
    if (canon < h->exp)
        return rfail(R, "%s: bin width 2^%d is coarser than this range's 2^%d (not made by "
                     "qvet?)", where, h->exp, canon);
    qv_hist_add(h, s->min, s->max, NULL, 0);
    s->has_hist = true;
    return QV_OK;
}

/* Entry k checked against the model's tensor (index, name, shape). */
static enum qv_status match_model(const struct reader *R, const struct qv_calib *c,
                                  const cJSON *je, const char *where, int64_t idx,
                                  int32_t k)
{
    const struct qv_graph *g = c->g;
    const struct qv_tensor *t = &g->tensors[idx];
    const cJSON *jn = cJSON_GetObjectItemCaseSensitive(je, "name");
    if (!cJSON_IsString(jn) || strcmp(jn->valuestring, t->name) != 0)
        return rfail(R, "%s: tensor %lld is '%s' in the model, the statistics name %s%s%s "
                     "(statistics of another model?)", where, (long long)idx, t->name,
                     cJSON_IsString(jn) ? "'" : "", cJSON_IsString(jn) ? jn->valuestring :
                     "no name", cJSON_IsString(jn) ? "'" : "");
    const cJSON *jshape = cJSON_GetObjectItemCaseSensitive(je, "shape");
    bool shape_ok = cJSON_IsArray(jshape) && cJSON_GetArraySize(jshape) == t->shape.rank;
    for (int32_t r = 0; shape_ok && r < t->shape.rank; r++) {
        const cJSON *d = cJSON_GetArrayItem(jshape, r);
        shape_ok = cJSON_IsNumber(d) && d->valuedouble == (double)t->shape.dims[r];
    }
    if (!shape_ok) {
        char want[160];
        qv_shape_format(&t->shape, want, sizeof(want));
        return rfail(R, "%s: tensor '%s' has shape %s in the model; the statistics' shape "
                     "differs (statistics of another model?)", where, t->name, want);
    }
    if (c->stats_of[idx] < 0)
        return rfail(R, "%s: tensor '%s' is not a float activation of the model", where,
                     t->name);
    if (c->stats_of[idx] != k)
        return rfail(R, "%s: tensor '%s' out of order or repeated", where, t->name);
    return QV_OK;
}

/* Model-less: entry k defines the tensor (index above the previous one, name, shape). */
static enum qv_status define_entry(const struct reader *R, struct qv_calib *c, const cJSON *je,
                                   const char *where, int64_t idx)
{
    if (c->n_stats > 0 && idx <= c->stats[c->n_stats - 1].tensor)
        return rfail(R, "%s: tensor index %lld out of order or repeated", where,
                     (long long)idx);
    const cJSON *jn = cJSON_GetObjectItemCaseSensitive(je, "name");
    if (!cJSON_IsString(jn))
        return rfail(R, "%s.name: expected a string", where);
    const cJSON *jshape = cJSON_GetObjectItemCaseSensitive(je, "shape");
    struct qv_shape shape = { 0 };
    int n = cJSON_IsArray(jshape) ? cJSON_GetArraySize(jshape) : -1;
    if (n < 0 || n > QV_MAX_RANK)
        return rfail(R, "%s.shape: expected an array of at most %d dimensions", where,
                     QV_MAX_RANK);
    shape.rank = n;
    for (int r = 0; r < n; r++) {
        const cJSON *d = cJSON_GetArrayItem(jshape, r);
        if (!cJSON_IsNumber(d) || !(d->valuedouble >= 0) || d->valuedouble > 1099511627776.0 ||
            d->valuedouble != floor(d->valuedouble))
            return rfail(R, "%s.shape[%d]: expected a dimension (a whole number >= 0)", where,
                         r);
        shape.dims[r] = (int64_t)d->valuedouble;
    }
    if (qv_shape_check(&shape, NULL) != QV_OK)
        return rfail(R, "%s.shape: too many elements", where);
    const cJSON *jsum = cJSON_GetObjectItemCaseSensitive(je, "channel_sum");
    int64_t period = cJSON_IsArray(jsum) ? cJSON_GetArraySize(jsum) : 0;
    if (period > 0 && qv_shape_elems(&shape) % period != 0)
        return rfail(R, "%s.channel_sum: %lld sums do not divide the tensor's %lld elements",
                     where, (long long)period, (long long)qv_shape_elems(&shape));
    return qv_calib_add_entry(c, (int32_t)idx, jn->valuestring, &shape, period, R->err);
}

static enum qv_status read_entry(const struct reader *R, struct qv_calib *c, const cJSON *je,
                                 int32_t k)
{
    char where[64];
    snprintf(where, sizeof(where), "tensors[%d]", k);
    int64_t idx = -1, count = 0, samples = 0;
    enum qv_status st;
    if (!cJSON_IsObject(je))
        return rfail(R, "%s: expected an object", where);
    if ((st = get_int(R, je, "index", where, 0, c->n_model_tensors - 1, true, &idx)) != QV_OK)
        return st;
    st = c->g ? match_model(R, c, je, where, idx, k) : define_entry(R, c, je, where, idx);
    if (st != QV_OK)
        return st;
    struct qv_tensor_stats *s = &c->stats[k];
    if ((st = get_int(R, je, "count", where, 0, (int64_t)1 << 53, true, &count)) != QV_OK ||
        (st = get_int(R, je, "samples", where, 0, (int64_t)1 << 53, false, &samples)) != QV_OK)
        return st;
    s->count = count;
    s->n_samples = samples;
    if (count > 0) {
        if ((st = get_float(R, je, "min", where, &s->min)) != QV_OK ||
            (st = get_float(R, je, "max", where, &s->max)) != QV_OK)
            return st;
        if (s->min > s->max)
            return rfail(R, "%s: min %g is above max %g", where, (double)s->min,
                         (double)s->max);
    }
    s->has_hist = false;
    const cJSON *jh = cJSON_GetObjectItemCaseSensitive(je, "hist");
    if (jh && count > 0) {
        char hw[80];
        snprintf(hw, sizeof(hw), "%s.hist", where);
        if (!cJSON_IsObject(jh))
            return rfail(R, "%s: expected an object", hw);
        if ((st = read_hist(R, jh, hw, s)) != QV_OK)
            return st;
    }
    const cJSON *jmin = cJSON_GetObjectItemCaseSensitive(je, "sample_min");
    const cJSON *jmax = cJSON_GetObjectItemCaseSensitive(je, "sample_max");
    if (jmin || jmax) {
        char w1[80], w2[80];
        snprintf(w1, sizeof(w1), "%s.sample_min", where);
        snprintf(w2, sizeof(w2), "%s.sample_max", where);
        s->sample_cap = samples > 0 ? samples : 1;
        s->sample_min = malloc((size_t)s->sample_cap * sizeof(float));
        s->sample_max = malloc((size_t)s->sample_cap * sizeof(float));
        if (!s->sample_min || !s->sample_max)
            return qv_fail(R->err, QV_E_NOMEM, "out of memory reading '%s'", R->path);
        if ((st = get_numbers(R, jmin, w1, samples, s->sample_min, NULL)) != QV_OK ||
            (st = get_numbers(R, jmax, w2, samples, s->sample_max, NULL)) != QV_OK)
            return st;
        for (int64_t i = 0; i < samples; i++)
            if (s->sample_min[i] > s->sample_max[i] || s->sample_min[i] < s->min ||
                s->sample_max[i] > s->max)
                return rfail(R, "%s[%lld]: sample extremes outside [min, max]", w1,
                             (long long)i);
    }
    free(s->elem_sum);
    s->elem_sum = NULL;
    const cJSON *jsum = cJSON_GetObjectItemCaseSensitive(je, "channel_sum");
    if (jsum) {
        char w[80];
        snprintf(w, sizeof(w), "%s.channel_sum", where);
        int64_t ch = s->period;
        if (ch == 0)
            return rfail(R, "%s: tensor '%s' feeds no convolution or fully connected layer",
                         w, s->name);
        s->elem_sum = calloc((size_t)ch + 1, sizeof(double));
        if (!s->elem_sum)
            return qv_fail(R->err, QV_E_NOMEM, "out of memory reading '%s'", R->path);
        if ((st = get_numbers(R, jsum, w, ch, NULL, s->elem_sum)) != QV_OK)
            return st;
    }
    return QV_OK;
}

static enum qv_status read_header(const struct reader *R, const struct qv_graph *g,
                                  const cJSON *root, struct qv_calib **ret)
{
    enum qv_status st;
    if (!cJSON_IsObject(root))
        return rfail(R, "expected a JSON object");
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, STATS_FORMAT) != 0)
        return rfail(R, "\"format\": expected \"%s\" (not a qvet statistics file)",
                     STATS_FORMAT);
    int64_t version = 0, samples = 0, n_model = 0;
    if ((st = get_int(R, root, "version", "document", 1, 1000, true, &version)) != QV_OK)
        return st;
    if (version != STATS_VERSION)
        return rfail(R, "\"version\": %lld is not supported (this qvet reads version %d)",
                     (long long)version, STATS_VERSION);
    if ((st = get_int(R, root, "samples", "document", 0, (int64_t)1 << 53, true, &samples)) !=
        QV_OK)
        return st;
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    const cJSON *fp = cJSON_IsObject(model) ? cJSON_GetObjectItemCaseSensitive(model,
                                                                               "fingerprint")
                                            : NULL;
    const cJSON *tensors = cJSON_GetObjectItemCaseSensitive(root, "tensors");
    if (!cJSON_IsArray(tensors))
        return rfail(R, "\"tensors\": expected an array");
    struct qv_calib *c = NULL;
    if (g) {
        if ((st = qv_calib_create(g, &c, R->err)) != QV_OK)
            return st;
        char want[17];
        snprintf(want, sizeof(want), "%016" PRIx64, c->fingerprint);
        if (fp && (!cJSON_IsString(fp) || strcmp(fp->valuestring, want) != 0)) {
            qv_calib_free(c);
            return rfail(R, "model.fingerprint: %s, the model's is %s (statistics of another "
                         "model, or of another version of it)",
                         cJSON_IsString(fp) ? fp->valuestring : "not a string", want);
        }
    } else {
        char *end = NULL;
        if (!cJSON_IsString(fp) || strlen(fp->valuestring) != 16)
            return rfail(R, "model.fingerprint: expected 16 hexadecimal digits (statistics "
                         "are merged only when they name their model)");
        uint64_t v = strtoull(fp->valuestring, &end, 16);
        if (!end || *end)
            return rfail(R, "model.fingerprint: expected 16 hexadecimal digits");
        if ((st = get_int(R, model, "tensors", "model", 1, 1 << 24, true, &n_model)) != QV_OK)
            return st;
        if ((st = qv_calib_alloc((int32_t)n_model, cJSON_GetArraySize(tensors), &c, R->err)) !=
            QV_OK)
            return st;
        c->fingerprint = v;
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(model, "name");
        c->model_name = strdup(cJSON_IsString(name) ? name->valuestring : "");
        if (!c->model_name) {
            qv_calib_free(c);
            return qv_fail(R->err, QV_E_NOMEM, "out of memory reading '%s'", R->path);
        }
    }
    c->n_samples = samples;
    *ret = c;
    return QV_OK;
}

static enum qv_status read_doc(const struct reader *R, const cJSON *root, struct qv_calib *c)
{
    enum qv_status st;
    const cJSON *tensors = cJSON_GetObjectItemCaseSensitive(root, "tensors");
    int32_t k = 0;
    const cJSON *je;
    cJSON_ArrayForEach(je, tensors) {
        if (c->g && k >= c->n_stats)
            return rfail(R, "tensors[%d]: more entries than the model's %d float activations",
                         k, c->n_stats);
        if ((st = read_entry(R, c, je, k)) != QV_OK)
            return st;
        k++;
    }
    if (c->g && k < c->n_stats)
        return rfail(R, "model tensor '%s' has no statistics (the file covers %d of %d float "
                     "activations)", c->stats[k].name, k, c->n_stats);
    const cJSON *dead = cJSON_GetObjectItemCaseSensitive(root, "dead_channels");
    if (!c->g && cJSON_IsArray(dead)) {
        c->dead_json = cJSON_PrintUnformatted(dead);
        if (!c->dead_json)
            return qv_fail(R->err, QV_E_NOMEM, "out of memory reading '%s'", R->path);
    }
    const cJSON *warnings = cJSON_GetObjectItemCaseSensitive(root, "warnings");
    const cJSON *w;
    cJSON_ArrayForEach(w, warnings) {
        if (cJSON_IsString(w) && c->n_warnings < 8)
            snprintf(c->warnings[c->n_warnings++], sizeof(c->warnings[0]), "%s",
                     w->valuestring);
    }
    return QV_OK;
}

static void line_col(const char *text, size_t offset, int32_t *ret_line, int32_t *ret_col)
{
    int64_t line = 1, col = 1;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    *ret_line = line > INT32_MAX ? INT32_MAX : (int32_t)line;
    *ret_col = col > INT32_MAX ? INT32_MAX : (int32_t)col;
}

enum qv_status qv_calib_load(const struct qv_graph *g, const char *path,
                             struct qv_calib **ret_calib, struct qv_error *err)
{
    uint8_t *text = NULL;
    size_t size = 0;
    cJSON *root = NULL;
    struct qv_calib *c = NULL;
    struct reader R = { .path = path, .err = err };
    enum qv_status st = qv_file_read_all(path, MAX_STATS_SIZE, &text, &size, err);
    if (st != QV_OK)
        return st;
    const uint8_t *nul = memchr(text, '\0', size);
    const char *end = NULL;
    int32_t line, col;
    if (nul) {
        line_col((const char *)text, (size_t)(nul - text), &line, &col);
        st = qv_fail_line(err, QV_E_INPUT, path, line, col, "NUL byte in JSON text");
        goto cleanup;
    }
    root = cJSON_ParseWithLengthOpts((const char *)text, size + 1, &end, 1);
    if (!root) {
        size_t at = end ? (size_t)(end - (const char *)text) : 0;
        if (at > size)
            at = size;
        line_col((const char *)text, at, &line, &col);
        st = qv_fail_line(err, QV_E_INPUT, path, line, col,
                          "invalid JSON (syntax error, or nesting deeper than %d levels)",
                          CJSON_NESTING_LIMIT);
        if (err)
            err->offset = (int64_t)at;
        goto cleanup;
    }
    if ((st = read_header(&R, g, root, &c)) != QV_OK)
        goto cleanup;
    if ((st = read_doc(&R, root, c)) != QV_OK)
        goto cleanup;
    *ret_calib = c;
    c = NULL;
cleanup:
    qv_calib_free(c);
    cJSON_Delete(root);
    free(text);
    return st;
}
