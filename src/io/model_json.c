/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qvet's native model format: a JSON description (model.json) plus a raw weights file.
 *
 *   {"format": "qvet-model", "version": 1, "name": "kws", "weights": "model.bin",
 *    "tensors": [
 *      {"name": "x", "dtype": "float32", "shape": [1, 8, 8, 3]},
 *      {"name": "w", "dtype": "int8", "shape": [4, 3, 3, 3],
 *       "data": {"offset": 0, "size": 108},
 *       "quant": {"scale": [0.1, 0.2, 0.1, 0.3], "zero_point": [0], "axis": 0}},
 *      ...],
 *    "nodes": [
 *      {"op": "CONV_2D", "name": "conv1", "inputs": [0, 1, 2], "outputs": [3],
 *       "attrs": {"padding": "SAME", "stride_h": 1, "stride_w": 1, "activation": "RELU"}},
 *      ...],
 *    "inputs": [0], "outputs": [3]}
 *
 * Keys (every object rejects keys not listed here, naming the key and its JSON path):
 *   format    "qvet-model" (required)          version  1 (required)
 *   name      string (optional, default "")    weights  file name, relative to the JSON's
 *                                                        directory (required when a tensor
 *                                                        has data)
 *   tensors   array (required); per tensor:
 *     name    string (required)
 *     dtype   "float32" | "int8" | "uint8" | "int16" | "int32" | "int64" | "bool" (required;
 *             int64 and bool tensors are read, not computed)
 *     shape   array of dims, 0..2^40 (optional for activations: absent = rank 0, which
 *             qv_graph_finalize replaces by the inferred shape; required with "data")
 *     data    {"offset": bytes, "size": bytes}: makes the tensor a constant. The bytes lie in
 *             the weights file, little-endian, C order; size must equal elements * dtype size.
 *     quant   {"scale": [float > 0, ...] (required), "zero_point": [int, ...] (1 or as many as
 *             scales; default [0]), "axis": quantized dimension (default 0)}
 *   nodes     array (required); per node:
 *     op      an op name of include/qvet/op_list.h, e.g. "CONV_2D" (required)
 *     name    string (optional: defaults to the first output's name)
 *     inputs  tensor indices, -1 for an omitted optional input (required)
 *     outputs tensor indices (required)
 *     attrs   object (optional), every key optional with the defaults of qv_attrs_init:
 *             padding "SAME" | "VALID"; stride_h, stride_w, dilation_h, dilation_w, filter_h,
 *             filter_w, depth_multiplier, axis (int32); activation "NONE" | "RELU" |
 *             "RELU_N1_TO_1" | "RELU6"; beta, alpha (numbers); keep_dims, keep_num_dims,
 *             asymmetric_quantize_inputs
 *             (booleans); squeeze_dims, new_shape (arrays of at most 8 int32)
 *   inputs, outputs   graph input and output tensor indices (required)
 *
 * qv_model_json_save writes the weights file "<stem>.bin" beside the JSON with every constant at
 * a 16-byte aligned offset (zero padding between), and only the attributes that differ from the
 * defaults. Both files are written atomically.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/model_json.h"
#include "qvet/io.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "model_json.c copies little-endian weights in place: port it before using a big-endian host"
#endif

/* ---- attribute table (load and save) ------------------------------------------------------- */

const struct attr_def qv_json_attr_defs[] = {
    { "padding", ATTR_PADDING, offsetof(struct qv_attrs, padding), 0 },
    { "stride_h", ATTR_INT, offsetof(struct qv_attrs, stride_h), 0 },
    { "stride_w", ATTR_INT, offsetof(struct qv_attrs, stride_w), 0 },
    { "dilation_h", ATTR_INT, offsetof(struct qv_attrs, dilation_h), 0 },
    { "dilation_w", ATTR_INT, offsetof(struct qv_attrs, dilation_w), 0 },
    { "filter_h", ATTR_INT, offsetof(struct qv_attrs, filter_h), 0 },
    { "filter_w", ATTR_INT, offsetof(struct qv_attrs, filter_w), 0 },
    { "depth_multiplier", ATTR_INT, offsetof(struct qv_attrs, depth_multiplier), 0 },
    { "activation", ATTR_ACT, offsetof(struct qv_attrs, act), 0 },
    { "beta", ATTR_FLOAT, offsetof(struct qv_attrs, beta), 0 },
    { "alpha", ATTR_FLOAT, offsetof(struct qv_attrs, alpha), 0 },
    { "axis", ATTR_INT, offsetof(struct qv_attrs, axis), 0 },
    { "keep_dims", ATTR_BOOL, offsetof(struct qv_attrs, keep_dims), 0 },
    { "keep_num_dims", ATTR_BOOL, offsetof(struct qv_attrs, keep_num_dims), 0 },
    { "asymmetric_quantize_inputs", ATTR_BOOL,
      offsetof(struct qv_attrs, asymmetric_quantize_inputs), 0 },
    { "squeeze_dims", ATTR_LIST, offsetof(struct qv_attrs, squeeze_dims),
      offsetof(struct qv_attrs, n_squeeze) },
    { "new_shape", ATTR_LIST, offsetof(struct qv_attrs, new_shape),
      offsetof(struct qv_attrs, n_new_shape) },
};
const size_t qv_json_n_attrs = sizeof(qv_json_attr_defs) / sizeof(qv_json_attr_defs[0]);

const char *const qv_json_padding_names[2] = { [QV_PADDING_SAME] = "SAME",
                                             [QV_PADDING_VALID] = "VALID" };
const char *const qv_json_act_names[QV_ACT_COUNT] = {
    [QV_ACT_NONE] = "NONE", [QV_ACT_RELU] = "RELU", [QV_ACT_RELU_N1_TO_1] = "RELU_N1_TO_1",
    [QV_ACT_RELU6] = "RELU6",
};

/* ---- loading ------------------------------------------------------------------------------ */

struct loader {
    const char *path;              /* the JSON file */
    struct qv_error *err;
    struct qv_graph *g;
    const cJSON *tensors;          /* the "tensors" array, for node messages */
    char wpath[2048];              /* the weights file */
    FILE *wf;
    int64_t wsize;
};

static enum qv_status jfail(struct loader *L, const char *jpath, const char *fmt, ...)
    QV_PRINTF(3, 4);

/* A semantic error: "JSONPATH: message", positioned at the JSON file. */
static enum qv_status jfail(struct loader *L, const char *jpath, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return qv_fail_at(L->err, QV_E_INPUT, L->path, -1, "%s: %s", jpath, msg);
}

static const char *type_name(const cJSON *j)
{
    if (cJSON_IsNumber(j))
        return "a number";
    if (cJSON_IsString(j))
        return "a string";
    if (cJSON_IsBool(j))
        return "a boolean";
    if (cJSON_IsNull(j))
        return "null";
    if (cJSON_IsArray(j))
        return "an array";
    return "an object";
}

/* Every key of obj must be in keys[] (NULL-terminated), once. */
static enum qv_status check_keys(struct loader *L, const cJSON *obj, const char *jpath,
                                 const char *const keys[])
{
    for (const cJSON *a = obj->child; a; a = a->next) {
        bool known = false;
        for (size_t k = 0; keys[k] && !known; k++)
            known = strcmp(a->string, keys[k]) == 0;
        if (!known)
            return jfail(L, jpath, "unknown key '%s'", a->string);
        for (const cJSON *b = a->next; b; b = b->next)
            if (strcmp(a->string, b->string) == 0)
                return jfail(L, jpath, "duplicate key '%s'", a->string);
    }
    return QV_OK;
}

static enum qv_status want_type(struct loader *L, const cJSON *j, const char *jpath,
                                cJSON_bool ok, const char *what)
{
    if (!ok)
        return jfail(L, jpath, "expected %s, found %s", what, type_name(j));
    return QV_OK;
}

static enum qv_status get_int(struct loader *L, const cJSON *j, const char *jpath, double lo,
                              double hi, int64_t *ret)
{
    if (!cJSON_IsNumber(j))
        return jfail(L, jpath, "expected an integer, found %s", type_name(j));
    double v = j->valuedouble;
    if (v != floor(v))
        return jfail(L, jpath, "expected an integer, found %.17g", v);
    if (v < lo || v > hi)
        return jfail(L, jpath, "%.17g is outside %.17g..%.17g", v, lo, hi);
    *ret = (int64_t)v;
    return QV_OK;
}

static enum qv_status get_i32(struct loader *L, const cJSON *j, const char *jpath, int32_t *ret)
{
    int64_t v;
    enum qv_status st = get_int(L, j, jpath, INT32_MIN, INT32_MAX, &v);
    if (st == QV_OK)
        *ret = (int32_t)v;
    return st;
}

static enum qv_status get_array(struct loader *L, const cJSON *j, const char *jpath,
                                int32_t max_len, int32_t *ret_len)
{
    enum qv_status st = want_type(L, j, jpath, cJSON_IsArray(j), "an array");
    if (st != QV_OK)
        return st;
    int32_t n = 0;
    for (const cJSON *c = j->child; c; c = c->next) {
        if (n == max_len)
            return jfail(L, jpath, "more than %d entries", max_len);
        n++;
    }
    *ret_len = n;
    return QV_OK;
}

/* Looks up the names of a string-valued enum attribute. */
static enum qv_status get_name(struct loader *L, const cJSON *j, const char *jpath,
                               const char *const names[], int count, int *ret)
{
    enum qv_status st = want_type(L, j, jpath, cJSON_IsString(j), "a string");
    if (st != QV_OK)
        return st;
    for (int i = 0; i < count; i++) {
        if (names[i] && strcmp(names[i], j->valuestring) == 0) {
            *ret = i;
            return QV_OK;
        }
    }
    return jfail(L, jpath, "unknown value '%s'", j->valuestring);
}

static enum qv_status load_attrs(struct loader *L, const cJSON *j, const char *jp,
                                 struct qv_attrs *a)
{
    char sub[256], el[288];
    enum qv_status st = want_type(L, j, jp, cJSON_IsObject(j), "an object");
    if (st != QV_OK)
        return st;
    for (const cJSON *c = j->child; c; c = c->next) {
        const struct attr_def *d = NULL;
        for (size_t k = 0; k < qv_json_n_attrs && !d; k++)
            if (strcmp(qv_json_attr_defs[k].key, c->string) == 0)
                d = &qv_json_attr_defs[k];
        snprintf(sub, sizeof(sub), "%s.%s", jp, c->string);
        if (!d)
            return jfail(L, sub, "unknown key");
        for (const cJSON *b = c->next; b; b = b->next)
            if (strcmp(c->string, b->string) == 0)
                return jfail(L, sub, "duplicate key");
        char *field = (char *)a + d->off;
        int e = 0;
        switch (d->kind) {
        case ATTR_INT:
            st = get_i32(L, c, sub, (int32_t *)(void *)field);
            break;
        case ATTR_BOOL:
            st = want_type(L, c, sub, cJSON_IsBool(c), "true or false");
            if (st == QV_OK)
                *(bool *)field = cJSON_IsTrue(c);
            break;
        case ATTR_FLOAT:
            st = want_type(L, c, sub, cJSON_IsNumber(c), "a number");
            if (st == QV_OK && !isfinite((float)c->valuedouble))
                st = jfail(L, sub, "%g is not a finite float32", c->valuedouble);
            if (st == QV_OK)
                *(float *)(void *)field = (float)c->valuedouble;
            break;
        case ATTR_PADDING:
            st = get_name(L, c, sub, qv_json_padding_names, 2, &e);
            if (st == QV_OK)
                a->padding = (enum qv_padding)e;
            break;
        case ATTR_ACT:
            st = get_name(L, c, sub, qv_json_act_names, QV_ACT_COUNT, &e);
            if (st == QV_OK)
                a->act = (enum qv_act)e;
            break;
        case ATTR_LIST: {
            int32_t n = 0, k = 0;
            st = get_array(L, c, sub, QV_MAX_RANK, &n);
            for (const cJSON *v = c->child; st == QV_OK && v; v = v->next, k++) {
                snprintf(el, sizeof(el), "%s[%d]", sub, k);
                st = get_i32(L, v, el, (int32_t *)(void *)field + k);
            }
            if (st == QV_OK)
                *(int32_t *)(void *)((char *)a + d->count_off) = n;
            break;
        }
        }
        if (st != QV_OK)
            return st;
    }
    return QV_OK;
}

static enum qv_status open_weights(struct loader *L, const cJSON *weights, const char *jpath)
{
    struct stat sb;
    if (!weights)
        return jfail(L, jpath, "the tensor has data, but the model names no \"weights\" file");
    const char *name = weights->valuestring;
    const char *slash = strrchr(L->path, '/');
    if (name[0] == '/' || !slash)
        snprintf(L->wpath, sizeof(L->wpath), "%s", name);
    else
        snprintf(L->wpath, sizeof(L->wpath), "%.*s/%s", (int)(slash - L->path), L->path, name);
    L->wf = fopen(L->wpath, "rb");
    if (!L->wf)
        return qv_fail_at(L->err, QV_E_IO, L->wpath, -1,
                          "cannot open weights file '%s' (named in '%s'): %s", L->wpath, L->path,
                          QV_STRERROR(errno));
    if (fstat(fileno(L->wf), &sb) != 0 || !S_ISREG(sb.st_mode))
        return qv_fail_at(L->err, QV_E_IO, L->wpath, -1,
                          "weights file '%s' (named in '%s') is not a regular file", L->wpath,
                          L->path);
    L->wsize = (int64_t)sb.st_size;
    return QV_OK;
}

static enum qv_status load_data(struct loader *L, const cJSON *j, const cJSON *weights,
                                int32_t t, const char *jp)
{
    static const char *const keys[] = { "offset", "size", NULL };
    char sub[256];
    int64_t off = 0, size = 0;
    enum qv_status st = want_type(L, j, jp, cJSON_IsObject(j), "an object");
    if (st == QV_OK)
        st = check_keys(L, j, jp, keys);
    for (int k = 0; k < 2 && st == QV_OK; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, keys[k]);
        snprintf(sub, sizeof(sub), "%s.%s", jp, keys[k]);
        if (!v)
            return jfail(L, sub, "missing");
        st = get_int(L, v, sub, 0, MAX_EXACT_INT, k == 0 ? &off : &size);
    }
    if (st != QV_OK)
        return st;
    struct qv_tensor *ts = &L->g->tensors[t];
    if ((uint64_t)size != ts->nbytes) {
        char shape[160];
        qv_shape_format(&ts->shape, shape, sizeof(shape));
        snprintf(sub, sizeof(sub), "%s.size", jp);
        return jfail(L, sub, "%lld bytes, but tensor '%s' (%s %s) has %zu", (long long)size,
                     ts->name, qv_dtype_name(ts->dtype), shape, ts->nbytes);
    }
    if (!L->wf) {
        st = open_weights(L, weights, jp);
        if (st != QV_OK)
            return st;
    }
    if (off > L->wsize || size > L->wsize - off)
        return jfail(L, jp, "bytes %lld..%lld are outside the weights file '%s' (%lld bytes)",
                     (long long)off, (long long)(off + size), L->wpath, (long long)L->wsize);
    void *buf;
    st = qv_graph_alloc_data(L->g, t, &buf, L->err);
    if (st != QV_OK)
        return st;
    if (size && (fseeko(L->wf, (off_t)off, SEEK_SET) != 0 ||
                 fread(buf, 1, (size_t)size, L->wf) != (size_t)size))
        return qv_fail_at(L->err, QV_E_IO, L->wpath, off, "cannot read %lld bytes of '%s': %s",
                          (long long)size, L->wpath, ferror(L->wf) ? QV_STRERROR(errno) :
                          "file is shorter than it was");
    return QV_OK;
}

static enum qv_status load_quant(struct loader *L, const cJSON *j, int32_t t, const char *jp)
{
    static const char *const keys[] = { "scale", "zero_point", "axis", NULL };
    char sub[256], el[288];
    enum qv_status st = want_type(L, j, jp, cJSON_IsObject(j), "an object");
    if (st == QV_OK)
        st = check_keys(L, j, jp, keys);
    if (st != QV_OK)
        return st;
    const cJSON *js = cJSON_GetObjectItemCaseSensitive(j, "scale");
    const cJSON *jz = cJSON_GetObjectItemCaseSensitive(j, "zero_point");
    const cJSON *ja = cJSON_GetObjectItemCaseSensitive(j, "axis");
    int32_t ns = 0, nz = 1, axis = 0, k = 0;
    snprintf(sub, sizeof(sub), "%s.scale", jp);
    if (!js)
        return jfail(L, sub, "missing");
    st = get_array(L, js, sub, MAX_ITEMS, &ns);
    if (st == QV_OK && ns == 0)
        st = jfail(L, sub, "empty");
    if (st != QV_OK)
        return st;
    if (jz) {
        snprintf(sub, sizeof(sub), "%s.zero_point", jp);
        st = get_array(L, jz, sub, MAX_ITEMS, &nz);
        if (st == QV_OK && nz != 1 && nz != ns)
            st = jfail(L, sub, "%d zero points for %d scales (give 1 or %d)", nz, ns, ns);
        if (st != QV_OK)
            return st;
    }
    if (ja) {
        snprintf(sub, sizeof(sub), "%s.axis", jp);
        st = get_i32(L, ja, sub, &axis);
        if (st != QV_OK)
            return st;
    }
    float *scale = malloc((size_t)ns * sizeof(float));
    int32_t *zp = calloc((size_t)nz, sizeof(int32_t));
    if (!scale || !zp) {
        st = qv_fail(L->err, QV_E_NOMEM, "out of memory reading %s", jp);
        goto cleanup;
    }
    for (const cJSON *v = js->child; v; v = v->next, k++) {
        snprintf(el, sizeof(el), "%s.scale[%d]", jp, k);
        st = want_type(L, v, el, cJSON_IsNumber(v), "a number");
        if (st != QV_OK)
            goto cleanup;
        scale[k] = (float)v->valuedouble;
    }
    k = 0;
    for (const cJSON *v = jz ? jz->child : NULL; v; v = v->next, k++) {
        snprintf(el, sizeof(el), "%s.zero_point[%d]", jp, k);
        st = get_i32(L, v, el, &zp[k]);
        if (st != QV_OK)
            goto cleanup;
    }
    st = qv_graph_set_quant(L->g, t, ns, scale, nz, zp, axis, L->err);
    if (st != QV_OK)
        qv_error_prefix(L->err, L->path, "%s", jp);
cleanup:
    free(scale);
    free(zp);
    return st;
}

/* A required string member: *ret_v = obj.key; sub receives its JSON path ("jp.key"). */
static enum qv_status need_string(struct loader *L, const cJSON *obj, const char *jp,
                                  const char *key, char *sub, size_t sub_size,
                                  const cJSON **ret_v)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    snprintf(sub, sub_size, "%s.%s", jp, key);
    if (!v)
        return jfail(L, sub, "missing");
    enum qv_status st = want_type(L, v, sub, cJSON_IsString(v), "a string");
    if (st == QV_OK)
        *ret_v = v;
    return st;
}

static enum qv_status load_tensor(struct loader *L, const cJSON *j, const cJSON *weights,
                                  int32_t i)
{
    static const char *const keys[] = { "name", "dtype", "shape", "data", "quant", NULL };
    char jp[64], sub[128], el[160];
    enum qv_dtype dtype;
    struct qv_shape shape = { .rank = 0 };
    int32_t t;
    snprintf(jp, sizeof(jp), "tensors[%d]", i);
    enum qv_status st = want_type(L, j, jp, cJSON_IsObject(j), "an object");
    if (st == QV_OK)
        st = check_keys(L, j, jp, keys);
    if (st != QV_OK)
        return st;
    const cJSON *jn = NULL, *jd = NULL;
    const cJSON *js = cJSON_GetObjectItemCaseSensitive(j, "shape");
    const cJSON *jdata = cJSON_GetObjectItemCaseSensitive(j, "data");
    const cJSON *jq = cJSON_GetObjectItemCaseSensitive(j, "quant");
    if ((st = need_string(L, j, jp, "name", sub, sizeof(sub), &jn)) != QV_OK ||
        (st = need_string(L, j, jp, "dtype", sub, sizeof(sub), &jd)) != QV_OK)
        return st;
    if (!qv_dtype_from_name(jd->valuestring, &dtype))
        return jfail(L, sub, "unknown dtype '%s' (float32, int8, uint8, int16, int32)",
                     jd->valuestring);
    if (js) {
        snprintf(sub, sizeof(sub), "%s.shape", jp);
        st = get_array(L, js, sub, QV_MAX_RANK, &shape.rank);
        int32_t k = 0;
        for (const cJSON *v = js->child; st == QV_OK && v; v = v->next, k++) {
            snprintf(el, sizeof(el), "%s[%d]", sub, k);
            if (cJSON_IsNumber(v) && v->valuedouble < 0)
                st = jfail(L, el, "dimension %g is negative", v->valuedouble);
            else
                st = get_int(L, v, el, 0, (double)QV_MAX_ELEMS, &shape.dims[k]);
        }
        if (st != QV_OK)
            return st;
    } else if (jdata) {
        snprintf(sub, sizeof(sub), "%s.shape", jp);
        return jfail(L, sub, "missing: a tensor with data needs a shape");
    }
    st = qv_graph_add_tensor(L->g, jn->valuestring, dtype, &shape, &t, L->err);
    if (st != QV_OK) {
        qv_error_prefix(L->err, L->path, "%s", jp);
        return st;
    }
    if (jdata) {
        snprintf(sub, sizeof(sub), "%s.data", jp);
        st = load_data(L, jdata, weights, t, sub);
        if (st != QV_OK)
            return st;
    }
    if (jq) {
        snprintf(sub, sizeof(sub), "%s.quant", jp);
        st = load_quant(L, jq, t, sub);
    }
    return st;
}

/* An array of tensor indices: -1 allowed when allow_omitted. */
static enum qv_status load_indices(struct loader *L, const cJSON *j, const char *jp, int32_t max,
                                   bool allow_omitted, int32_t *out, int32_t *ret_n,
                                   const char *who, int32_t node)
{
    char el[160];
    int32_t n = 0, k = 0;
    enum qv_status st = get_array(L, j, jp, max, &n);
    for (const cJSON *v = j->child; st == QV_OK && v; v = v->next, k++) {
        snprintf(el, sizeof(el), "%s[%d]", jp, k);
        st = get_i32(L, v, el, &out[k]);
        if (st != QV_OK)
            break;
        if ((out[k] == -1 && allow_omitted) || (out[k] >= 0 && out[k] < L->g->n_tensors))
            continue;
        st = jfail(L, el, "%s names tensor %d, but the model has %d tensors (0..%d)%s", who,
                   out[k], L->g->n_tensors, L->g->n_tensors - 1,
                   allow_omitted ? "; -1 omits an optional input" : "");
        if (L->err && node >= 0)
            L->err->node = node;
    }
    if (st == QV_OK)
        *ret_n = n;
    return st;
}

static enum qv_status load_node(struct loader *L, const cJSON *j, int32_t i)
{
    static const char *const keys[] = { "op", "name", "inputs", "outputs", "attrs", NULL };
    char jp[64], sub[128], who[192];
    int32_t in[QV_MAX_INPUTS], out[QV_MAX_OUTPUTS], n_in = 0, n_out = 0;
    struct qv_attrs attrs;
    enum qv_op op;
    snprintf(jp, sizeof(jp), "nodes[%d]", i);
    enum qv_status st = want_type(L, j, jp, cJSON_IsObject(j), "an object");
    if (st == QV_OK)
        st = check_keys(L, j, jp, keys);
    if (st != QV_OK)
        return st;
    const cJSON *jo = NULL;
    const cJSON *jn = cJSON_GetObjectItemCaseSensitive(j, "name");
    const cJSON *ji = cJSON_GetObjectItemCaseSensitive(j, "inputs");
    const cJSON *jout = cJSON_GetObjectItemCaseSensitive(j, "outputs");
    const cJSON *ja = cJSON_GetObjectItemCaseSensitive(j, "attrs");
    if ((st = need_string(L, j, jp, "op", sub, sizeof(sub), &jo)) != QV_OK)
        return st;
    if (!qv_op_from_name(jo->valuestring, &op))
        return jfail(L, sub, "unknown op '%s'", jo->valuestring);
    if (jn) {
        snprintf(sub, sizeof(sub), "%s.name", jp);
        st = want_type(L, jn, sub, cJSON_IsString(jn), "a string");
        if (st != QV_OK)
            return st;
        snprintf(who, sizeof(who), "node %d ('%.100s', %s)", i, jn->valuestring,
                 jo->valuestring);
    } else {
        snprintf(who, sizeof(who), "node %d (%s)", i, jo->valuestring);
    }
    snprintf(sub, sizeof(sub), "%s.inputs", jp);
    if (!ji)
        return jfail(L, sub, "missing");
    st = load_indices(L, ji, sub, QV_MAX_INPUTS, true, in, &n_in, who, i);
    if (st != QV_OK)
        return st;
    snprintf(sub, sizeof(sub), "%s.outputs", jp);
    if (!jout)
        return jfail(L, sub, "missing");
    st = load_indices(L, jout, sub, QV_MAX_OUTPUTS, false, out, &n_out, who, i);
    if (st != QV_OK)
        return st;
    qv_attrs_init(&attrs);
    if (ja) {
        snprintf(sub, sizeof(sub), "%s.attrs", jp);
        st = load_attrs(L, ja, sub, &attrs);
        if (st != QV_OK)
            return st;
    }
    st = qv_graph_add_node(L->g, op, jn ? jn->valuestring : NULL, n_in, in, n_out, out, &attrs,
                           NULL, L->err);
    if (st != QV_OK) {
        if (L->err)
            L->err->node = i;
        qv_error_prefix(L->err, L->path, "%s", jp);
        return st;
    }
    return QV_OK;
}

static enum qv_status load_doc(struct loader *L, const cJSON *root)
{
    static const char *const keys[] = { "format", "version", "name", "weights", "tensors",
                                        "nodes", "inputs", "outputs", NULL };
    enum qv_status st = want_type(L, root, "(top level)", cJSON_IsObject(root), "an object");
    if (st == QV_OK)
        st = check_keys(L, root, "(top level)", keys);
    if (st != QV_OK)
        return st;
    const cJSON *jf = cJSON_GetObjectItemCaseSensitive(root, "format");
    const cJSON *jv = cJSON_GetObjectItemCaseSensitive(root, "version");
    const cJSON *jname = cJSON_GetObjectItemCaseSensitive(root, "name");
    const cJSON *jw = cJSON_GetObjectItemCaseSensitive(root, "weights");
    const cJSON *jt = cJSON_GetObjectItemCaseSensitive(root, "tensors");
    const cJSON *jn = cJSON_GetObjectItemCaseSensitive(root, "nodes");
    const cJSON *ji = cJSON_GetObjectItemCaseSensitive(root, "inputs");
    const cJSON *jo = cJSON_GetObjectItemCaseSensitive(root, "outputs");
    if (!jf)
        return jfail(L, "format", "missing (expected \"%s\")", FORMAT_NAME);
    if (!cJSON_IsString(jf) || strcmp(jf->valuestring, FORMAT_NAME) != 0)
        return jfail(L, "format", "expected \"%s\"", FORMAT_NAME);
    int64_t version;
    if (!jv)
        return jfail(L, "version", "missing (expected %d)", FORMAT_VERSION);
    st = get_int(L, jv, "version", 1, 1000000, &version);
    if (st != QV_OK)
        return st;
    if (version != FORMAT_VERSION)
        return jfail(L, "version", "unsupported version %lld (this qvet reads %d)",
                     (long long)version, FORMAT_VERSION);
    if (jname) {
        st = want_type(L, jname, "name", cJSON_IsString(jname), "a string");
        if (st == QV_OK)
            st = qv_graph_strdup(L->g, jname->valuestring, &L->g->name, L->err);
        if (st != QV_OK)
            return st;
    }
    if (jw) {
        st = want_type(L, jw, "weights", cJSON_IsString(jw), "a string");
        if (st == QV_OK && !jw->valuestring[0])
            st = jfail(L, "weights", "empty file name");
        if (st != QV_OK)
            return st;
    }
    const char *missing = !jt ? "tensors" : !jn ? "nodes" : !ji ? "inputs" : !jo ? "outputs" : NULL;
    if (missing)
        return jfail(L, missing, "missing");
    int32_t n_t = 0, n_n = 0, n_i = 0, n_o = 0;
    st = get_array(L, jt, "tensors", MAX_ITEMS, &n_t);
    if (st == QV_OK)
        st = get_array(L, jn, "nodes", MAX_ITEMS, &n_n);
    if (st != QV_OK)
        return st;
    L->tensors = jt;
    int32_t i = 0;
    for (const cJSON *c = jt->child; c; c = c->next, i++) {
        st = load_tensor(L, c, jw, i);
        if (st != QV_OK)
            return st;
    }
    i = 0;
    for (const cJSON *c = jn->child; c; c = c->next, i++) {
        st = load_node(L, c, i);
        if (st != QV_OK)
            return st;
    }
    int32_t *in = malloc(((size_t)n_t + 1) * sizeof(int32_t));
    int32_t *out = malloc(((size_t)n_t + 1) * sizeof(int32_t));
    if (!in || !out) {
        st = qv_fail(L->err, QV_E_NOMEM, "out of memory reading '%s'", L->path);
    } else {
        st = load_indices(L, ji, "inputs", n_t + 1, false, in, &n_i, "the graph input", -1);
        if (st == QV_OK)
            st = load_indices(L, jo, "outputs", n_t + 1, false, out, &n_o, "the graph output",
                              -1);
        if (st == QV_OK && (n_i == 0 || n_o == 0))
            st = jfail(L, n_i == 0 ? "inputs" : "outputs", "empty: a model needs at least one");
        if (st == QV_OK) {
            st = qv_graph_set_io(L->g, n_i, in, n_o, out, L->err);
            if (st != QV_OK)
                qv_error_prefix(L->err, L->path, "inputs/outputs");
        }
    }
    free(in);
    free(out);
    return st;
}

/* 1-based line and column (in bytes) of offset in text. */
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

enum qv_status qv_model_json_load(const char *json_path, struct qv_graph **ret_graph,
                                  struct qv_error *err)
{
    enum qv_status st;
    uint8_t *text = NULL;
    size_t size = 0;
    cJSON *root = NULL;
    struct loader L = { .path = json_path, .err = err };

    st = qv_file_read_all(json_path, MAX_JSON_SIZE, &text, &size, err);
    if (st != QV_OK)
        return st;
    size_t skip = size >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;   /* BOM */
    const char *end = NULL;
    const uint8_t *nul = memchr(text, '\0', size);
    if (nul) {
        int32_t line, col;
        line_col((const char *)text, (size_t)(nul - text), &line, &col);
        st = qv_fail_line(err, QV_E_INPUT, json_path, line, col, "NUL byte in JSON text");
        goto cleanup;
    }
    /* The length includes the terminating NUL that qv_file_read_all adds: cJSON's
     * require_null_terminated check reads it. */
    root = cJSON_ParseWithLengthOpts((const char *)text + skip, size - skip + 1, &end, 1);
    if (!root) {
        int32_t line, col;
        size_t at = end ? (size_t)(end - (const char *)text) : skip;
        if (at > size)
            at = size;
        line_col((const char *)text, at, &line, &col);
        st = qv_fail_line(err, QV_E_INPUT, json_path, line, col,
                          "invalid JSON (syntax error, or nesting deeper than %d levels)",
                          CJSON_NESTING_LIMIT);
        if (err)
            err->offset = (int64_t)at;
        goto cleanup;
    }
    st = qv_graph_create(&L.g, err);
    if (st == QV_OK)
        st = qv_graph_set_path(L.g, json_path, err);
    if (st != QV_OK)
        goto cleanup;
    st = load_doc(&L, root);
    if (st != QV_OK)
        goto cleanup;
    st = qv_graph_finalize(L.g, err);
    if (st != QV_OK) {
        if (err && err->node >= 0)
            qv_error_prefix(err, json_path, "nodes[%d]", err->node);
        else
            qv_error_prefix(err, json_path, "model");
        goto cleanup;
    }
    *ret_graph = L.g;
    L.g = NULL;
cleanup:
    if (L.wf)
        fclose(L.wf);
    qv_graph_free(L.g);
    cJSON_Delete(root);
    free(text);
    return st;
}
