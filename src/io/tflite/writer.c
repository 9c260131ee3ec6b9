/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Graph IR -> TFLite flatbuffer that TFLM and full TFLite load unchanged (docs/int8-arithmetic.md
 * §7.2): identifier "TFL3", schema version 3, buffers[0] empty, one buffer per constant (inline
 * data, 16-byte aligned), activations on buffer 0, per-tensor or per-axis quantization, an options
 * table for every op that has one, operator codes with both code fields and the converter's
 * versions. Tensors keep their graph indices; operators are written in execution order.
 */
#include <stdlib.h>
#include <string.h>

#include "io/tflite/tflite_int.h"
#include "qvet/io.h"
#include "qvet/version.h"

struct opcode {
    int32_t code;
    int32_t version;
};

struct writer {
    struct qv_fbb b;
    const struct qv_graph *g;
    struct qv_error *err;
    int32_t *tensor_buffer;      /* [n_tensors] buffer index of each tensor */
    uint32_t *refs;              /* scratch: refs of one vector of tables */
    struct opcode *opcodes;      /* distinct (code, version), in order of first use */
    int32_t n_opcodes;
};

/* Buffers: [0] empty, then one per constant tensor; data vectors are written first (file end). */
static enum qv_status write_buffers(struct writer *w, uint32_t *ret_vec)
{
    const struct qv_graph *g = w->g;
    int32_t n = 1;
    w->refs[0] = 0;
    for (int32_t i = 0; i < g->n_tensors; i++) {
        const struct qv_tensor *t = &g->tensors[i];
        w->tensor_buffer[i] = 0;
        if (!t->data)
            continue;
        w->refs[n] = qv_fbb_vector(&w->b, t->data, t->nbytes, 1, 16);
        w->tensor_buffer[i] = n++;
    }
    for (int32_t i = 0; i < n; i++) {
        uint32_t data = w->refs[i];
        qv_fbb_start(&w->b);
        qv_fbb_add_ref(&w->b, QV_TFL_BUFFER_DATA, data);
        w->refs[i] = qv_fbb_end(&w->b);
    }
    *ret_vec = qv_fbb_ref_vector(&w->b, w->refs, (size_t)n);
    return QV_OK;
}

static enum qv_status write_tensor(struct writer *w, int32_t i, uint32_t *ret_ref)
{
    const struct qv_tensor *t = &w->g->tensors[i];
    int32_t dims[QV_MAX_RANK];
    for (int32_t k = 0; k < t->shape.rank; k++) {
        if (t->shape.dims[k] > INT32_MAX)
            return qv_fail(w->err, QV_E_INPUT, "tensor '%s': dimension %d (%lld) does not fit "
                           "TFLite's int32", t->name, k, (long long)t->shape.dims[k]);
        dims[k] = (int32_t)t->shape.dims[k];
    }
    uint32_t quant = 0;
    if (t->quant.count > 0) {
        int64_t *zp = malloc((size_t)t->quant.count * sizeof(int64_t));
        if (!zp)
            return qv_fail(w->err, QV_E_NOMEM, "out of memory writing tensor '%s'", t->name);
        for (int32_t k = 0; k < t->quant.count; k++)
            zp[k] = t->quant.zero_point[k];
        uint32_t scale = qv_fbb_vector(&w->b, t->quant.scale, (size_t)t->quant.count, 4, 4);
        uint32_t zps = qv_fbb_vector(&w->b, zp, (size_t)t->quant.count, 8, 8);
        free(zp);
        qv_fbb_start(&w->b);
        qv_fbb_add_ref(&w->b, QV_TFL_QUANT_SCALE, scale);
        qv_fbb_add_ref(&w->b, QV_TFL_QUANT_ZERO_POINT, zps);
        qv_fbb_add_i32(&w->b, QV_TFL_QUANT_DIMENSION, t->quant.count > 1 ? t->quant.axis : 0, 0);
        quant = qv_fbb_end(&w->b);
    }
    uint32_t name = qv_fbb_string(&w->b, t->name);
    uint32_t shape = qv_fbb_vector(&w->b, dims, (size_t)t->shape.rank, 4, 4);
    qv_fbb_start(&w->b);
    qv_fbb_add_ref(&w->b, QV_TFL_TENSOR_SHAPE, shape);
    qv_fbb_add_u32(&w->b, QV_TFL_TENSOR_BUFFER, (uint32_t)w->tensor_buffer[i], 0);
    qv_fbb_add_ref(&w->b, QV_TFL_TENSOR_NAME, name);
    qv_fbb_add_ref(&w->b, QV_TFL_TENSOR_QUANT, quant);
    qv_fbb_add_u8(&w->b, QV_TFL_TENSOR_TYPE, (uint8_t)qv_tfl_types[t->dtype], 0);
    *ret_ref = qv_fbb_end(&w->b);
    return QV_OK;
}

static int32_t opcode_index(struct writer *w, int32_t code, int32_t version)
{
    for (int32_t i = 0; i < w->n_opcodes; i++)
        if (w->opcodes[i].code == code && w->opcodes[i].version == version)
            return i;
    w->opcodes[w->n_opcodes] = (struct opcode){ code, version };
    return w->n_opcodes++;
}

static enum qv_status write_operator(struct writer *w, int32_t ni, uint32_t *ret_ref)
{
    const struct qv_node *n = &w->g->nodes[ni];
    const struct qv_op_def *d = &qv_op_defs[n->op];
    const struct qv_tfl_op_def *td = &qv_tfl_ops[n->op];
    bool i8 = n->n_inputs > 0 && n->inputs[0] >= 0 &&
              w->g->tensors[n->inputs[0]].dtype == QV_DTYPE_I8;
    int32_t version = td->version ? td->version(w->g, n) : td->versions[i8];
    int32_t opcode = opcode_index(w, d->tflite_code, version);
    uint32_t opts = 0;
    if (td->options_type != 0 && td->write_options) {
        struct qv_tfl_opts_out ctx = { .b = &w->b, .g = w->g };
        enum qv_status st = td->write_options(&ctx, n, &opts, w->err);
        if (st != QV_OK) {
            if (w->err)
                w->err->node = ni;
            qv_error_prefix(w->err, NULL, "node %d (%s, '%s')", ni, d->name, n->name);
            return st;
        }
    }
    uint32_t in = qv_fbb_vector(&w->b, n->inputs, (size_t)n->n_inputs, 4, 4);
    uint32_t out = qv_fbb_vector(&w->b, n->outputs, (size_t)n->n_outputs, 4, 4);
    qv_fbb_start(&w->b);
    qv_fbb_add_u32(&w->b, QV_TFL_OP_OPCODE_INDEX, (uint32_t)opcode, 0);
    qv_fbb_add_ref(&w->b, QV_TFL_OP_INPUTS, in);
    qv_fbb_add_ref(&w->b, QV_TFL_OP_OUTPUTS, out);
    qv_fbb_add_ref(&w->b, QV_TFL_OP_OPTIONS, opts);
    if (opts)
        qv_fbb_add_u8(&w->b, QV_TFL_OP_OPTIONS_TYPE, (uint8_t)td->options_type, 0);
    *ret_ref = qv_fbb_end(&w->b);
    return QV_OK;
}

static enum qv_status write_model(struct writer *w, uint8_t **ret_buf, size_t *ret_size)
{
    const struct qv_graph *g = w->g;
    uint32_t buffers, tensors, operators, opcodes;
    enum qv_status st = write_buffers(w, &buffers);
    for (int32_t i = 0; st == QV_OK && i < g->n_tensors; i++)
        st = write_tensor(w, i, &w->refs[i]);
    if (st != QV_OK)
        return st;
    tensors = qv_fbb_ref_vector(&w->b, w->refs, (size_t)g->n_tensors);
    for (int32_t i = 0; st == QV_OK && i < g->n_nodes; i++)
        st = write_operator(w, g->order[i], &w->refs[i]);
    if (st != QV_OK)
        return st;
    operators = qv_fbb_ref_vector(&w->b, w->refs, (size_t)g->n_nodes);
    uint32_t inputs = qv_fbb_vector(&w->b, g->inputs, (size_t)g->n_inputs, 4, 4);
    uint32_t outputs = qv_fbb_vector(&w->b, g->outputs, (size_t)g->n_outputs, 4, 4);
    uint32_t sg_name = qv_fbb_string(&w->b, g->name && g->name[0] ? g->name : "main");
    qv_fbb_start(&w->b);
    qv_fbb_add_ref(&w->b, QV_TFL_SG_TENSORS, tensors);
    qv_fbb_add_ref(&w->b, QV_TFL_SG_INPUTS, inputs);
    qv_fbb_add_ref(&w->b, QV_TFL_SG_OUTPUTS, outputs);
    qv_fbb_add_ref(&w->b, QV_TFL_SG_OPERATORS, operators);
    qv_fbb_add_ref(&w->b, QV_TFL_SG_NAME, sg_name);
    uint32_t subgraph = qv_fbb_end(&w->b);
    uint32_t subgraphs = qv_fbb_ref_vector(&w->b, &subgraph, 1);

    for (int32_t i = 0; i < w->n_opcodes; i++) {
        int32_t code = w->opcodes[i].code;
        qv_fbb_start(&w->b);
        qv_fbb_add_i32(&w->b, QV_TFL_OPCODE_BUILTIN, code, 0);
        qv_fbb_add_i32(&w->b, QV_TFL_OPCODE_VERSION, w->opcodes[i].version, 1);
        qv_fbb_add_u8(&w->b, QV_TFL_OPCODE_DEPRECATED_BUILTIN, (uint8_t)(code < 127 ? code : 127),
                      0);
        w->refs[i] = qv_fbb_end(&w->b);
    }
    opcodes = qv_fbb_ref_vector(&w->b, w->refs, (size_t)w->n_opcodes);
    uint32_t description = qv_fbb_string(&w->b, "qvet " QV_VERSION_STRING);
    qv_fbb_start(&w->b);
    qv_fbb_add_u32(&w->b, QV_TFL_MODEL_VERSION, QV_TFL_SCHEMA_VERSION, 0);
    qv_fbb_add_ref(&w->b, QV_TFL_MODEL_OPCODES, opcodes);
    qv_fbb_add_ref(&w->b, QV_TFL_MODEL_SUBGRAPHS, subgraphs);
    qv_fbb_add_ref(&w->b, QV_TFL_MODEL_DESCRIPTION, description);
    qv_fbb_add_ref(&w->b, QV_TFL_MODEL_BUFFERS, buffers);
    uint32_t model = qv_fbb_end(&w->b);
    return qv_fbb_finish(&w->b, model, QV_TFL_IDENT, ret_buf, ret_size, w->err);
}

enum qv_status qv_tflite_write(const struct qv_graph *g, uint8_t **ret_buf, size_t *ret_size,
                               struct qv_error *err)
{
    if (!g->finalized)
        return qv_fail(err, QV_E_USAGE, "a graph must be finalized before it is written");
    enum qv_status st = qv_graph_check_runnable(g, err);
    if (st != QV_OK) {
        qv_error_prefix(err, NULL, "cannot write it as TFLite");
        return st;
    }
    struct writer w = { .g = g, .err = err };
    size_t n = (size_t)(g->n_tensors > g->n_nodes ? g->n_tensors : g->n_nodes) + 1;
    qv_fbb_init(&w.b);
    w.b.minalign = 16; /* the file size a multiple of 16 too, like the converter's */
    w.tensor_buffer = malloc(n * sizeof(int32_t));
    w.refs = malloc(n * sizeof(uint32_t));
    w.opcodes = malloc(n * sizeof(struct opcode));
    if (!w.tensor_buffer || !w.refs || !w.opcodes)
        st = qv_fail(err, QV_E_NOMEM, "out of memory writing a model of %d tensors",
                     g->n_tensors);
    else
        st = write_model(&w, ret_buf, ret_size);
    free(w.tensor_buffer);
    free(w.refs);
    free(w.opcodes);
    qv_fbb_release(&w.b);
    return st;
}

enum qv_status qv_tflite_save(const struct qv_graph *g, const char *path, struct qv_error *err)
{
    uint8_t *buf = NULL;
    size_t size = 0;
    enum qv_status st = qv_tflite_write(g, &buf, &size, err);
    if (st == QV_OK)
        st = qv_file_write_atomic(path, buf, size, err);
    free(buf);
    return st;
}
