/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TFLite flatbuffer -> graph IR (docs/int8-arithmetic.md §7.1). Reads subgraph 0: tensors
 * (shape, type, constant data, quantization, names), operators with their builtin options
 * (through the op table) and the subgraph inputs/outputs. Everything is bounds-checked by
 * flatbuf.c; every refusal names the byte offset of the field at fault. Operators qvet does not
 * support and variable tensors are kept (QV_OP_UNSUPPORTED, is_variable) so the model can still
 * be inspected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/tflite/tflite_int.h"
#include "qvet/io.h"

/* Largest model file qv_tflite_load reads (a flatbuffer addresses at most 4 GiB). */
#define MAX_FILE_SIZE ((size_t)UINT32_MAX)

struct reader {
    struct qv_fb fb;
    const char *path;
    struct qv_error *err;
    struct qv_graph *g;
    struct qv_fb_vec opcodes, buffers, tensors;
};

/* After a call that failed without a position (graph API): records path and offset. */
static enum qv_status locate(struct reader *r, enum qv_status st, int64_t offset)
{
    if (r->err) {
        if (!r->err->path[0])
            snprintf(r->err->path, sizeof(r->err->path), "%s", r->path);
        if (r->err->offset < 0)
            r->err->offset = offset;
    }
    return st;
}

static const char *type_str(int32_t type, char *buf, size_t size)
{
    const char *name = qv_tfl_type_name(type);
    if (name)
        snprintf(buf, size, "%s", name);
    else
        snprintf(buf, size, "%d (unknown)", type);
    return buf;
}

static bool map_type(int8_t type, enum qv_dtype *ret)
{
    for (int d = 0; d < QV_DTYPE_COUNT; d++) {
        if (qv_tfl_types[d] == type) {
            *ret = (enum qv_dtype)d;
            return true;
        }
    }
    return false;
}

/* shape and shape_signature (a -1 batch is read as 1; any other -1 is dynamic: refused). */
static enum qv_status read_shape(struct reader *r, const struct qv_fb_table *t, uint32_t ti,
                                 const char *name, struct qv_shape *shape)
{
    struct qv_fb_vec v, sig;
    enum qv_status st = qv_fb_vector(&r->fb, t, QV_TFL_TENSOR_SHAPE, 4, &v, r->err);
    if (st != QV_OK)
        return st;
    if (v.len > QV_MAX_RANK)
        return qv_fail_at(r->err, QV_E_INPUT, r->path, v.at,
                          "tensor %u ('%s'): rank %u, at most %d is supported", ti, name, v.len,
                          QV_MAX_RANK);
    st = qv_fb_vector(&r->fb, t, QV_TFL_TENSOR_SHAPE_SIGNATURE, 4, &sig, r->err);
    if (st != QV_OK)
        return st;
    if (sig.len && sig.len != v.len)
        return qv_fail_at(r->err, QV_E_INPUT, r->path, sig.at,
                          "tensor %u ('%s'): shape_signature has %u dims, shape has %u", ti, name,
                          sig.len, v.len);
    shape->rank = (int32_t)v.len;
    for (uint32_t i = 0; i < v.len; i++) {
        int32_t d = qv_fb_vec_i32(&r->fb, &v, i);
        int64_t at = (int64_t)v.pos + 4 * (int64_t)i;
        if (d < 0)
            return qv_fail_at(r->err, QV_E_INPUT, r->path, at,
                              "tensor %u ('%s'): dimension %u is %d", ti, name, i, d);
        shape->dims[i] = d;
        if (!sig.len)
            continue;
        int32_t s = qv_fb_vec_i32(&r->fb, &sig, i);
        at = (int64_t)sig.pos + 4 * (int64_t)i;
        if (s == -1 && i == 0)
            shape->dims[0] = 1;
        else if (s == -1)
            return qv_fail_at(r->err, QV_E_INPUT, r->path, at,
                              "tensor %u ('%s'): dimension %u is dynamic (shape_signature -1); "
                              "only a dynamic batch (dimension 0) is supported", ti, name, i);
        else if (s != d)
            return qv_fail_at(r->err, QV_E_INPUT, r->path, at,
                              "tensor %u ('%s'): shape_signature[%u] = %d, shape[%u] = %d", ti,
                              name, i, s, i, d);
    }
    if (qv_shape_check(shape, r->err) != QV_OK) {
        qv_error_prefix(r->err, r->path, "tensor %u ('%s')", ti, name);
        return locate(r, QV_E_INPUT, v.at);
    }
    return QV_OK;
}

/* Constant data: inline Buffer.data, or Buffer.offset/size (data elsewhere in the file). */
static enum qv_status read_data(struct reader *r, const struct qv_fb_table *t, uint32_t ti,
                                int32_t index)
{
    struct qv_tensor *ts = &r->g->tensors[index];
    if (ts->is_variable)
        return QV_OK; /* a variable's buffer holds its initial value: TFLM resets it anyway */
    uint32_t bi;
    enum qv_status st = qv_fb_u32(&r->fb, t, QV_TFL_TENSOR_BUFFER, 0, &bi, r->err);
    if (st != QV_OK)
        return st;
    if (bi >= r->buffers.len)
        return qv_fail_at(r->err, QV_E_INPUT, r->path, qv_fb_where(&r->fb, t, QV_TFL_TENSOR_BUFFER),
                          "tensor %u ('%s'): buffer %u is out of range (the model has %u)", ti,
                          ts->name, bi, r->buffers.len);
    struct qv_fb_table b;
    struct qv_fb_vec data;
    uint64_t off, size;
    st = qv_fb_vec_table(&r->fb, &r->buffers, bi, &b, r->err);
    if (st == QV_OK)
        st = qv_fb_vector(&r->fb, &b, QV_TFL_BUFFER_DATA, 1, &data, r->err);
    if (st == QV_OK)
        st = qv_fb_u64(&r->fb, &b, QV_TFL_BUFFER_OFFSET, 0, &off, r->err);
    if (st == QV_OK)
        st = qv_fb_u64(&r->fb, &b, QV_TFL_BUFFER_SIZE, 0, &size, r->err);
    if (st != QV_OK)
        return st;
    const uint8_t *bytes;
    uint64_t nbytes;
    int64_t at;
    if (data.len > 0) {
        bytes = r->fb.data + data.pos;
        nbytes = data.len;
        at = data.at;
    } else if (off > 1) {
        at = qv_fb_where(&r->fb, &b, QV_TFL_BUFFER_OFFSET);
        if (off > r->fb.size || size > r->fb.size - off)
            return qv_fail_at(r->err, QV_E_INPUT, r->path, at,
                              "tensor %u ('%s'): buffer %u holds %llu bytes at file offset %llu, "
                              "past the end of the %zu-byte file", ti, ts->name, bi,
                              (unsigned long long)size, (unsigned long long)off, r->fb.size);
        bytes = r->fb.data + off;
        nbytes = size;
    } else {
        return QV_OK; /* an activation */
    }
    if (nbytes != ts->nbytes) {
        char sh[160];
        qv_shape_format(&ts->shape, sh, sizeof(sh));
        return qv_fail_at(r->err, QV_E_INPUT, r->path, at,
                          "tensor %u ('%s'): buffer %u holds %llu bytes, %s %s needs %zu", ti,
                          ts->name, bi, (unsigned long long)nbytes, qv_dtype_name(ts->dtype), sh,
                          ts->nbytes);
    }
    st = qv_graph_set_data(r->g, index, bytes, (size_t)nbytes, r->err);
    return st == QV_OK ? st : locate(r, st, at);
}

/* QuantizationParameters: quantized only when both scale and zero_point are non-empty (TFLM). */
static enum qv_status read_quant(struct reader *r, const struct qv_fb_table *t, uint32_t ti,
                                 int32_t index)
{
    struct qv_tensor *ts = &r->g->tensors[index];
    struct qv_fb_table q;
    struct qv_fb_vec scale, zp;
    bool present;
    uint8_t details;
    int32_t axis;
    enum qv_status st = qv_fb_subtable(&r->fb, t, QV_TFL_TENSOR_QUANT, &q, &present, r->err);
    if (st != QV_OK || !present)
        return st;
    st = qv_fb_vector(&r->fb, &q, QV_TFL_QUANT_SCALE, 4, &scale, r->err);
    if (st == QV_OK)
        st = qv_fb_vector(&r->fb, &q, QV_TFL_QUANT_ZERO_POINT, 8, &zp, r->err);
    if (st == QV_OK)
        st = qv_fb_u8(&r->fb, &q, QV_TFL_QUANT_DETAILS_TYPE, 0, &details, r->err);
    if (st == QV_OK)
        st = qv_fb_i32(&r->fb, &q, QV_TFL_QUANT_DIMENSION, 0, &axis, r->err);
    if (st != QV_OK)
        return st;
    if (details != 0)
        return qv_fail_at(r->err, QV_E_INPUT, r->path,
                          qv_fb_where(&r->fb, &q, QV_TFL_QUANT_DETAILS_TYPE),
                          "tensor %u ('%s'): quantization details (type %u: custom or blockwise) "
                          "are not supported", ti, ts->name, details);
    /* Float tensors keep no quantization: the float engine would dequantize them. */
    if (scale.len == 0 || zp.len == 0 || ts->dtype == QV_DTYPE_F32)
        return QV_OK;
    int32_t count = (int32_t)scale.len;
    int32_t n_zp = zp.len == scale.len ? count : 1; /* TFLM replicates zero_point[0] */
    float *s = malloc((size_t)count * sizeof(float));
    int32_t *z = malloc((size_t)n_zp * sizeof(int32_t));
    if (!s || !z) {
        st = qv_fail(r->err, QV_E_NOMEM, "out of memory reading %d scales", count);
        goto cleanup;
    }
    char why[160];
    for (int32_t i = 0; i < count; i++) {
        s[i] = qv_fb_vec_f32(&r->fb, &scale, (uint32_t)i);
        const char *p = qv_quant_scale_problem(ts->dtype, s[i], why, sizeof(why));
        if (p) {
            st = qv_fail_at(r->err, QV_E_INPUT, r->path, (int64_t)scale.pos + 4 * (int64_t)i,
                            "tensor %u ('%s'): scale[%d] = %g %s", ti, ts->name, i, (double)s[i],
                            p);
            goto cleanup;
        }
    }
    for (int32_t i = 0; i < n_zp; i++) {
        int64_t v = qv_fb_vec_i64(&r->fb, &zp, (uint32_t)i);
        int64_t at = (int64_t)zp.pos + 8 * (int64_t)i;
        const char *p = qv_quant_zero_point_problem(ts->dtype, v, why, sizeof(why));
        if (!p && (v < INT32_MIN || v > INT32_MAX))
            p = "does not fit int32";
        if (p) {
            st = qv_fail_at(r->err, QV_E_INPUT, r->path, at, "tensor %u ('%s'): zero_point[%d] = "
                            "%lld %s", ti, ts->name, i, (long long)v, p);
            goto cleanup;
        }
        z[i] = (int32_t)v;
    }
    st = qv_graph_set_quant(r->g, index, count, s, n_zp, z, axis, r->err);
    if (st != QV_OK) {
        qv_error_prefix(r->err, r->path, "tensor %u", ti);
        locate(r, st, scale.at);
    }
cleanup:
    free(s);
    free(z);
    return st;
}

static enum qv_status read_tensor(struct reader *r, uint32_t ti)
{
    struct qv_fb_table t, sparsity;
    const char *name;
    int8_t type;
    bool is_var, has_sparsity;
    uint32_t ext;
    char tb[48];
    enum qv_status st = qv_fb_vec_table(&r->fb, &r->tensors, ti, &t, r->err);
    if (st == QV_OK)
        st = qv_fb_string(&r->fb, &t, QV_TFL_TENSOR_NAME, &name, r->err);
    if (st == QV_OK)
        st = qv_fb_i8(&r->fb, &t, QV_TFL_TENSOR_TYPE, 0, &type, r->err);
    if (st == QV_OK)
        st = qv_fb_bool(&r->fb, &t, QV_TFL_TENSOR_IS_VARIABLE, false, &is_var, r->err);
    if (st == QV_OK)
        st = qv_fb_subtable(&r->fb, &t, QV_TFL_TENSOR_SPARSITY, &sparsity, &has_sparsity, r->err);
    if (st == QV_OK)
        st = qv_fb_u32(&r->fb, &t, QV_TFL_TENSOR_EXTERNAL_BUFFER, 0, &ext, r->err);
    if (st != QV_OK)
        return st;
    if (!name)
        name = "";
    enum qv_dtype dtype;
    if (!map_type(type, &dtype))
        return qv_fail_at(r->err, QV_E_INPUT, r->path, qv_fb_where(&r->fb, &t, QV_TFL_TENSOR_TYPE),
                          "tensor %u ('%s'): type %s is not supported (FLOAT32, INT8, UINT8, "
                          "INT16, INT32, INT64 and BOOL are)", ti, name,
                          type_str(type, tb, sizeof(tb)));
    if (has_sparsity)
        return qv_fail_at(r->err, QV_E_INPUT, r->path, sparsity.pos,
                          "tensor %u ('%s'): sparse tensors are not supported", ti, name);
    if (ext)
        return qv_fail_at(r->err, QV_E_INPUT, r->path,
                          qv_fb_where(&r->fb, &t, QV_TFL_TENSOR_EXTERNAL_BUFFER),
                          "tensor %u ('%s'): external buffers are not supported", ti, name);
    struct qv_shape shape;
    st = read_shape(r, &t, ti, name, &shape);
    if (st != QV_OK)
        return st;
    int32_t index;
    st = qv_graph_add_tensor(r->g, name, dtype, &shape, &index, r->err);
    if (st == QV_OK && is_var)
        st = qv_graph_set_variable(r->g, index, r->err);
    if (st != QV_OK)
        return locate(r, st, t.pos);
    st = read_data(r, &t, ti, index);
    if (st == QV_OK)
        st = read_quant(r, &t, ti, index);
    return st;
}

/* Tensor index list of an operator or the subgraph: -1 (omitted) allowed from entry omit_from. */
static enum qv_status read_indices(struct reader *r, const struct qv_fb_table *t, int slot,
                                   int32_t max, int32_t omit_from, const char *what,
                                   int32_t *ret_n, int32_t *out)
{
    struct qv_fb_vec v;
    enum qv_status st = qv_fb_vector(&r->fb, t, slot, 4, &v, r->err);
    if (st != QV_OK)
        return st;
    if (v.len > (uint32_t)max)
        return qv_fail_at(r->err, QV_E_INPUT, r->path, v.at, "%s: %u tensors, at most %d", what,
                          v.len, max);
    for (uint32_t i = 0; i < v.len; i++) {
        int32_t x = qv_fb_vec_i32(&r->fb, &v, i);
        if ((x == -1 && (int64_t)i >= omit_from) || (x >= 0 && (uint32_t)x < r->tensors.len)) {
            out[i] = x;
            continue;
        }
        return qv_fail_at(r->err, QV_E_INPUT, r->path, (int64_t)v.pos + 4 * (int64_t)i,
                          "%s: entry %u names tensor %d, the subgraph has %u", what, i, x,
                          r->tensors.len);
    }
    *ret_n = (int32_t)v.len;
    return QV_OK;
}

/* An operator's code as the reader needs it. */
struct opcode {
    int32_t code;                  /* effective builtin code (32 = CUSTOM) */
    bool supported;                /* qvet computes it: op is set */
    enum qv_op op;
    char name[96];                 /* schema name, custom op name, or "builtin N" */
};

/* The operator code: effective builtin code, its qvet op, or the name of an unsupported one. */
static enum qv_status read_opcode(struct reader *r, const struct qv_fb_table *op, uint32_t oi,
                                  struct opcode *ret)
{
    uint32_t idx;
    struct qv_fb_table c;
    int8_t dep;
    int32_t code;
    const char *custom;
    enum qv_status st = qv_fb_u32(&r->fb, op, QV_TFL_OP_OPCODE_INDEX, 0, &idx, r->err);
    if (st != QV_OK)
        return st;
    if (idx >= r->opcodes.len)
        return qv_fail_at(r->err, QV_E_INPUT, r->path,
                          qv_fb_where(&r->fb, op, QV_TFL_OP_OPCODE_INDEX),
                          "operator %u: opcode_index %u is out of range (the model has %u)", oi,
                          idx, r->opcodes.len);
    st = qv_fb_vec_table(&r->fb, &r->opcodes, idx, &c, r->err);
    if (st == QV_OK)
        st = qv_fb_i8(&r->fb, &c, QV_TFL_OPCODE_DEPRECATED_BUILTIN, 0, &dep, r->err);
    if (st == QV_OK)
        st = qv_fb_i32(&r->fb, &c, QV_TFL_OPCODE_BUILTIN, 0, &code, r->err);
    if (st == QV_OK)
        st = qv_fb_string(&r->fb, &c, QV_TFL_OPCODE_CUSTOM, &custom, r->err);
    if (st != QV_OK)
        return st;
    if (dep > code)
        code = dep;
    ret->code = code;
    ret->supported = code != QV_TFL_BUILTIN_CUSTOM && qv_op_from_tflite(code, &ret->op);
    const char *name = qv_tfl_builtin_name(code);
    if (code == QV_TFL_BUILTIN_CUSTOM)
        snprintf(ret->name, sizeof(ret->name), "%s", custom && custom[0] ? custom : "(unnamed)");
    else if (name)
        snprintf(ret->name, sizeof(ret->name), "%s", name);
    else
        snprintf(ret->name, sizeof(ret->name), "builtin %d", code);
    return QV_OK;
}

/* An operator qvet does not compute: kept with its tensors and name, its options ignored. */
static enum qv_status read_unsupported(struct reader *r, const struct qv_fb_table *t, uint32_t oi,
                                       const struct opcode *oc)
{
    int32_t n_in = 0, n_out = 0, in[QV_MAX_INPUTS], out[QV_MAX_OUTPUTS];
    char what[160];
    snprintf(what, sizeof(what), "operator %u (%s) inputs", oi, oc->name);
    enum qv_status st = read_indices(r, t, QV_TFL_OP_INPUTS, QV_MAX_INPUTS, 0, what, &n_in, in);
    if (st != QV_OK)
        return st;
    snprintf(what, sizeof(what), "operator %u (%s) outputs", oi, oc->name);
    st = read_indices(r, t, QV_TFL_OP_OUTPUTS, QV_MAX_OUTPUTS, INT32_MAX, what, &n_out, out);
    if (st != QV_OK)
        return st;
    st = qv_graph_add_unsupported_node(r->g, oc->code, oc->name, n_in, in, n_out, out, NULL,
                                       r->err);
    if (st != QV_OK) {
        qv_error_prefix(r->err, r->path, "operator %u", oi);
        return locate(r, st, t->pos);
    }
    return QV_OK;
}

static enum qv_status read_operator(struct reader *r, const struct qv_fb_vec *ops, uint32_t oi)
{
    struct qv_fb_table t;
    struct qv_fb_vec custom;
    struct opcode oc;
    int32_t n_in = 0, n_out = 0, in[QV_MAX_INPUTS], out[QV_MAX_OUTPUTS];
    char what[64];
    enum qv_status st = qv_fb_vec_table(&r->fb, ops, oi, &t, r->err);
    if (st == QV_OK)
        st = read_opcode(r, &t, oi, &oc);
    if (st != QV_OK)
        return st;
    if (!oc.supported)
        return read_unsupported(r, &t, oi, &oc);
    const enum qv_op op = oc.op;
    const struct qv_op_def *d = &qv_op_defs[op];
    const struct qv_tfl_op_def *td = &qv_tfl_ops[op];
    snprintf(what, sizeof(what), "operator %u (%s) inputs", oi, d->name);
    st = read_indices(r, &t, QV_TFL_OP_INPUTS, QV_MAX_INPUTS, d->min_inputs, what, &n_in, in);
    if (st != QV_OK)
        return st;
    snprintf(what, sizeof(what), "operator %u (%s) outputs", oi, d->name);
    st = read_indices(r, &t, QV_TFL_OP_OUTPUTS, QV_MAX_OUTPUTS, INT32_MAX, what, &n_out, out);
    if (st == QV_OK)
        st = qv_fb_vector(&r->fb, &t, QV_TFL_OP_CUSTOM_OPTIONS, 1, &custom, r->err);
    if (st != QV_OK)
        return st;
    if (custom.len > 0)
        return qv_fail_at(r->err, QV_E_INPUT, r->path, custom.at,
                          "operator %u (%s): builtin operator with custom options", oi, d->name);

    struct qv_tfl_opts_in ctx = { .fb = &r->fb, .op_index = (int32_t)oi };
    struct qv_node n;
    memset(&n, 0, sizeof(n));
    n.op = op;
    qv_attrs_init(&n.attrs);
    if (td->options_type != 0) {
        uint8_t type;
        bool present;
        st = qv_fb_u8(&r->fb, &t, QV_TFL_OP_OPTIONS_TYPE, 0, &type, r->err);
        if (st != QV_OK)
            return st;
        if (type != 0 && type != td->options_type)
            return qv_fail_at(r->err, QV_E_INPUT, r->path,
                              qv_fb_where(&r->fb, &t, QV_TFL_OP_OPTIONS_TYPE),
                              "operator %u (%s): builtin_options has union type %u, expected %d",
                              oi, d->name, type, td->options_type);
        if (type != 0) {
            st = qv_fb_subtable(&r->fb, &t, QV_TFL_OP_OPTIONS, &ctx.t, &present, r->err);
            if (st != QV_OK)
                return st;
        }
        if (td->read_options) {
            st = td->read_options(&ctx, &n, r->err);
            if (st != QV_OK)
                return locate(r, st, t.pos);
        }
    }
    st = qv_graph_add_node(r->g, op, NULL, n_in, in, n_out, out, &n.attrs, NULL, r->err);
    if (st != QV_OK) {
        qv_error_prefix(r->err, r->path, "operator %u", oi);
        return locate(r, st, t.pos);
    }
    return QV_OK;
}

/* Other subgraphs are fine while nothing runs them: refuse signatures that do. */
static enum qv_status check_signatures(struct reader *r, const struct qv_fb_table *model)
{
    struct qv_fb_vec sigs;
    enum qv_status st = qv_fb_vector(&r->fb, model, QV_TFL_MODEL_SIGNATURE_DEFS, 4, &sigs,
                                     r->err);
    for (uint32_t i = 0; st == QV_OK && i < sigs.len; i++) {
        struct qv_fb_table s;
        uint32_t sg;
        st = qv_fb_vec_table(&r->fb, &sigs, i, &s, r->err);
        if (st == QV_OK)
            st = qv_fb_u32(&r->fb, &s, QV_TFL_SIGDEF_SUBGRAPH_INDEX, 0, &sg, r->err);
        if (st == QV_OK && sg != 0)
            return qv_fail_at(r->err, QV_E_INPUT, r->path,
                              qv_fb_where(&r->fb, &s, QV_TFL_SIGDEF_SUBGRAPH_INDEX),
                              "signature %u runs subgraph %u: models with more than one subgraph "
                              "in use are not supported", i, sg);
    }
    return st;
}

static enum qv_status parse(struct reader *r)
{
    struct qv_fb_table model, sg;
    struct qv_fb_vec subgraphs, ops;
    uint32_t version;
    const char *name;
    enum qv_status st = qv_fb_root(&r->fb, QV_TFL_IDENT, &model, r->err);
    if (st == QV_OK)
        st = qv_fb_u32(&r->fb, &model, QV_TFL_MODEL_VERSION, 0, &version, r->err);
    if (st != QV_OK)
        return st;
    if (version != QV_TFL_SCHEMA_VERSION)
        return qv_fail_at(r->err, QV_E_INPUT, r->path,
                          qv_fb_where(&r->fb, &model, QV_TFL_MODEL_VERSION),
                          "TFLite schema version %u, only version %d is supported", version,
                          QV_TFL_SCHEMA_VERSION);
    st = qv_fb_vector(&r->fb, &model, QV_TFL_MODEL_SUBGRAPHS, 4, &subgraphs, r->err);
    if (st == QV_OK)
        st = qv_fb_vector(&r->fb, &model, QV_TFL_MODEL_OPCODES, 4, &r->opcodes, r->err);
    if (st == QV_OK)
        st = qv_fb_vector(&r->fb, &model, QV_TFL_MODEL_BUFFERS, 4, &r->buffers, r->err);
    if (st != QV_OK)
        return st;
    if (subgraphs.len == 0)
        return qv_fail_at(r->err, QV_E_INPUT, r->path, subgraphs.at, "the model has no subgraph");
    if (subgraphs.len > 1) {
        st = check_signatures(r, &model);
        if (st != QV_OK)
            return st;
    }
    st = qv_fb_vec_table(&r->fb, &subgraphs, 0, &sg, r->err);
    if (st == QV_OK)
        st = qv_fb_string(&r->fb, &sg, QV_TFL_SG_NAME, &name, r->err);
    if (st == QV_OK && name)
        st = qv_graph_strdup(r->g, name, &r->g->name, r->err);
    if (st == QV_OK)
        st = qv_fb_vector(&r->fb, &sg, QV_TFL_SG_TENSORS, 4, &r->tensors, r->err);
    if (st == QV_OK)
        st = qv_fb_vector(&r->fb, &sg, QV_TFL_SG_OPERATORS, 4, &ops, r->err);
    for (uint32_t i = 0; st == QV_OK && i < r->tensors.len; i++)
        st = read_tensor(r, i);
    for (uint32_t i = 0; st == QV_OK && i < ops.len; i++)
        st = read_operator(r, &ops, i);
    if (st != QV_OK)
        return st;

    int32_t n_in = 0, n_out = 0;
    int32_t *in = malloc(((size_t)r->tensors.len + 1) * sizeof(int32_t));
    int32_t *out = malloc(((size_t)r->tensors.len + 1) * sizeof(int32_t));
    if (!in || !out)
        st = qv_fail(r->err, QV_E_NOMEM, "out of memory reading the subgraph inputs");
    if (st == QV_OK)
        st = read_indices(r, &sg, QV_TFL_SG_INPUTS, (int32_t)r->tensors.len, INT32_MAX,
                          "subgraph inputs", &n_in, in);
    if (st == QV_OK)
        st = read_indices(r, &sg, QV_TFL_SG_OUTPUTS, (int32_t)r->tensors.len, INT32_MAX,
                          "subgraph outputs", &n_out, out);
    if (st == QV_OK) {
        st = qv_graph_set_io(r->g, n_in, in, n_out, out, r->err);
        if (st != QV_OK)
            locate(r, st, sg.pos);
    }
    free(in);
    free(out);
    return st;
}

enum qv_status qv_tflite_parse(const uint8_t *buf, size_t size, const char *path,
                               struct qv_graph **ret_graph, struct qv_error *err)
{
    struct reader r = { .path = path ? path : "", .err = err };
    enum qv_status st = qv_fb_init(&r.fb, buf, size, r.path, err);
    if (st != QV_OK)
        return st;
    st = qv_graph_create(&r.g, err);
    if (st != QV_OK)
        return st;
    st = qv_graph_set_path(r.g, r.path, err);
    if (st == QV_OK)
        st = parse(&r);
    if (st != QV_OK) {
        qv_graph_free(r.g);
        return st;
    }
    *ret_graph = r.g;
    return QV_OK;
}

enum qv_status qv_tflite_read(const uint8_t *buf, size_t size, const char *path,
                              struct qv_graph **ret_graph, struct qv_error *err)
{
    struct qv_graph *g = NULL;
    enum qv_status st = qv_tflite_parse(buf, size, path, &g, err);
    if (st != QV_OK)
        return st;
    st = qv_graph_finalize(g, err);
    /* TFLite stores int32 dims: a shape inferred beyond that is no model TFLite can hold */
    for (int32_t ti = 0; st == QV_OK && ti < g->n_tensors; ti++) {
        const struct qv_tensor *t = &g->tensors[ti];
        for (int32_t r = 0; r < t->shape.rank; r++)
            if (t->shape.dims[r] > INT32_MAX) {
                st = qv_fail(err, QV_E_INPUT, "tensor %d ('%s'): dimension %d is %lld, beyond "
                             "TFLite's int32 dimensions", ti, t->name, r,
                             (long long)t->shape.dims[r]);
                break;
            }
    }
    if (st != QV_OK) {
        if (err && !err->path[0])
            snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
        qv_graph_free(g);
        return st;
    }
    *ret_graph = g;
    return QV_OK;
}

enum qv_status qv_tflite_load(const char *path, struct qv_graph **ret_graph,
                              struct qv_error *err)
{
    uint8_t *data = NULL;
    size_t size = 0;
    enum qv_status st = qv_file_read_all(path, MAX_FILE_SIZE, &data, &size, err);
    if (st != QV_OK)
        return st;
    st = qv_tflite_read(data, size, path, ret_graph, err);
    free(data);
    return st;
}
