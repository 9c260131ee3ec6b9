/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test kit: describes a tiny TFLite model field by field and builds it with qvet's own
 * flatbuffer builder, so tests can make valid-but-unusual and hostile models without Python.
 * Included by test_tflite.c and test_tflite_hostile.c (static functions only).
 *
 * kit_default() is RELU on float32 x[1,2,2,1] -> y; kit_add_const() turns it into ADD with a
 * constant second input. Tests edit the struct, then kit_build() it.
 */
#ifndef QV_TEST_TFLITE_KIT_H
#define QV_TEST_TFLITE_KIT_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "io/tflite/builder.h"
#include "io/tflite/tflite_int.h"

#define KIT_MAX 8

struct kit_tensor {
    const char *name;
    int8_t type;
    int32_t rank, dims[KIT_MAX];
    int32_t sig_rank, sig[KIT_MAX];   /* shape_signature when sig_rank > 0 */
    uint32_t buffer;
    int32_t n_scale, n_zp, qdim;
    float scale[KIT_MAX];
    int64_t zp[KIT_MAX];
    uint8_t details_type;
    bool is_variable;
};

struct kit_field {
    int slot;
    char kind;                        /* 'b' byte, 'i' int32, 'f' float32 */
    double v;
};

struct kit_op {
    uint32_t opcode_index;
    int32_t n_in, in[KIT_MAX], n_out, out[KIT_MAX];
    uint8_t opt_type;
    bool opt_table;                   /* write a builtin_options table */
    int32_t n_fields;
    struct kit_field f[KIT_MAX];
    bool custom_options;
};

struct kit_buffer {
    const void *data;                 /* inline data */
    size_t size;
    const void *ext;                  /* offset/size form: data appended after the flatbuffer */
    size_t ext_size;
    uint64_t ext_offset;              /* 0: computed; else written as is */
};

struct kit_model {
    uint32_t version;
    int32_t n_codes;
    int32_t code[KIT_MAX];            /* builtin_code */
    int8_t dep[KIT_MAX];              /* deprecated_builtin_code */
    const char *custom[KIT_MAX];
    int32_t n_tensors;
    struct kit_tensor t[KIT_MAX];
    int32_t n_ops;
    struct kit_op op[KIT_MAX];
    int32_t n_in, in[KIT_MAX], n_out, out[KIT_MAX];
    int32_t n_buffers;
    struct kit_buffer b[KIT_MAX];
    int32_t extra_subgraphs;          /* empty subgraphs after subgraph 0 */
    int32_t sig_subgraph;             /* a SignatureDef running this subgraph; -1: none */
};

static const float kit_const_data[4] = { 1.0f, -2.0f, 3.0f, -4.0f };

static void kit_default(struct kit_model *m)
{
    memset(m, 0, sizeof(*m));
    m->version = 3;
    m->n_codes = 1;
    m->code[0] = 19; /* RELU */
    m->dep[0] = 19;
    m->n_tensors = 2;
    for (int i = 0; i < 2; i++) {
        m->t[i].name = i == 0 ? "x" : "y";
        m->t[i].type = QV_TFL_FLOAT32;
        m->t[i].rank = 4;
        m->t[i].dims[0] = 1;
        m->t[i].dims[1] = 2;
        m->t[i].dims[2] = 2;
        m->t[i].dims[3] = 1;
    }
    m->n_ops = 1;
    m->op[0].n_in = 1;
    m->op[0].in[0] = 0;
    m->op[0].n_out = 1;
    m->op[0].out[0] = 1;
    m->n_in = 1;
    m->in[0] = 0;
    m->n_out = 1;
    m->out[0] = 1;
    m->n_buffers = 1;
    m->sig_subgraph = -1;
}

/* ADD(x, c) -> y with c a float constant [1,2,2,1] in buffer 1. */
static void kit_add_const(struct kit_model *m)
{
    kit_default(m);
    m->code[0] = 0;
    m->dep[0] = 0;
    m->t[2] = m->t[0];
    m->t[2].name = "c";
    m->t[2].buffer = 1;
    m->n_tensors = 3;
    m->op[0].n_in = 2;
    m->op[0].in[1] = 2;
    m->op[0].opt_type = 11;
    m->op[0].opt_table = true;
    m->n_buffers = 2;
    m->b[1].data = kit_const_data;
    m->b[1].size = sizeof(kit_const_data);
}

static uint32_t kit_subgraph(struct qv_fbb *b, const struct kit_model *m, bool empty)
{
    uint32_t refs[KIT_MAX] = { 0 };
    int32_t nt = empty ? 0 : m->n_tensors, no = empty ? 0 : m->n_ops;
    for (int32_t i = 0; i < nt; i++) {
        const struct kit_tensor *t = &m->t[i];
        uint32_t quant = 0, shape, sig = 0, name = 0;
        if (t->n_scale || t->n_zp || t->details_type) {
            uint32_t s = qv_fbb_vector(b, t->scale, (size_t)t->n_scale, 4, 4);
            uint32_t z = qv_fbb_vector(b, t->zp, (size_t)t->n_zp, 8, 8);
            qv_fbb_start(b);
            qv_fbb_add_ref(b, QV_TFL_QUANT_SCALE, s);
            qv_fbb_add_ref(b, QV_TFL_QUANT_ZERO_POINT, z);
            qv_fbb_add_i32(b, QV_TFL_QUANT_DIMENSION, t->qdim, 0);
            qv_fbb_add_u8(b, QV_TFL_QUANT_DETAILS_TYPE, t->details_type, 0);
            quant = qv_fbb_end(b);
        }
        shape = qv_fbb_vector(b, t->dims, (size_t)t->rank, 4, 4);
        if (t->sig_rank)
            sig = qv_fbb_vector(b, t->sig, (size_t)t->sig_rank, 4, 4);
        if (t->name)
            name = qv_fbb_string(b, t->name);
        qv_fbb_start(b);
        qv_fbb_add_ref(b, QV_TFL_TENSOR_SHAPE, shape);
        qv_fbb_add_u32(b, QV_TFL_TENSOR_BUFFER, t->buffer, 0);
        qv_fbb_add_ref(b, QV_TFL_TENSOR_NAME, name);
        qv_fbb_add_ref(b, QV_TFL_TENSOR_QUANT, quant);
        qv_fbb_add_ref(b, QV_TFL_TENSOR_SHAPE_SIGNATURE, sig);
        qv_fbb_add_u8(b, QV_TFL_TENSOR_TYPE, (uint8_t)t->type, 0);
        qv_fbb_add_u8(b, QV_TFL_TENSOR_IS_VARIABLE, t->is_variable, 0);
        refs[i] = qv_fbb_end(b);
    }
    uint32_t tensors = qv_fbb_ref_vector(b, refs, (size_t)nt);
    for (int32_t i = 0; i < no; i++) {
        const struct kit_op *o = &m->op[i];
        uint32_t opts = 0, custom = 0;
        if (o->opt_table) {
            qv_fbb_start(b);
            for (int32_t k = 0; k < o->n_fields; k++) {
                const struct kit_field *f = &o->f[k];
                if (f->kind == 'b')
                    qv_fbb_add_u8(b, f->slot, (uint8_t)(int)f->v, 0xEE);
                else if (f->kind == 'i')
                    qv_fbb_add_i32(b, f->slot, (int32_t)f->v, INT32_MIN);
                else
                    qv_fbb_add_f32(b, f->slot, (float)f->v, -12345.0f);
            }
            opts = qv_fbb_end(b);
        }
        if (o->custom_options)
            custom = qv_fbb_vector(b, "xy", 2, 1, 1);
        uint32_t in = qv_fbb_vector(b, o->in, (size_t)o->n_in, 4, 4);
        uint32_t out = qv_fbb_vector(b, o->out, (size_t)o->n_out, 4, 4);
        qv_fbb_start(b);
        qv_fbb_add_u32(b, QV_TFL_OP_OPCODE_INDEX, o->opcode_index, 0);
        qv_fbb_add_ref(b, QV_TFL_OP_INPUTS, in);
        qv_fbb_add_ref(b, QV_TFL_OP_OUTPUTS, out);
        qv_fbb_add_ref(b, QV_TFL_OP_OPTIONS, opts);
        qv_fbb_add_ref(b, QV_TFL_OP_CUSTOM_OPTIONS, custom);
        qv_fbb_add_u8(b, QV_TFL_OP_OPTIONS_TYPE, o->opt_type, 0);
        refs[i] = qv_fbb_end(b);
    }
    uint32_t ops = qv_fbb_ref_vector(b, refs, (size_t)no);
    uint32_t in = qv_fbb_vector(b, m->in, empty ? 0 : (size_t)m->n_in, 4, 4);
    uint32_t out = qv_fbb_vector(b, m->out, empty ? 0 : (size_t)m->n_out, 4, 4);
    qv_fbb_start(b);
    qv_fbb_add_ref(b, QV_TFL_SG_TENSORS, tensors);
    qv_fbb_add_ref(b, QV_TFL_SG_INPUTS, in);
    qv_fbb_add_ref(b, QV_TFL_SG_OUTPUTS, out);
    qv_fbb_add_ref(b, QV_TFL_SG_OPERATORS, ops);
    return qv_fbb_end(b);
}

/* ext_base: file offset where external buffer data starts (2 while measuring). */
static uint8_t *kit_build_once(const struct kit_model *m, uint64_t ext_base, size_t *ret_size)
{
    struct qv_fbb b;
    uint32_t refs[KIT_MAX] = { 0 };
    uint8_t *out = NULL;
    qv_fbb_init(&b);
    uint64_t ext = ext_base;
    for (int32_t i = 0; i < m->n_buffers; i++) {
        const struct kit_buffer *kb = &m->b[i];
        uint32_t data = kb->data ? qv_fbb_vector(&b, kb->data, kb->size, 1, 16) : 0;
        qv_fbb_start(&b);
        qv_fbb_add_ref(&b, QV_TFL_BUFFER_DATA, data);
        if (kb->ext) {
            qv_fbb_add_u64(&b, QV_TFL_BUFFER_OFFSET, kb->ext_offset ? kb->ext_offset : ext, 0);
            qv_fbb_add_u64(&b, QV_TFL_BUFFER_SIZE, kb->ext_size, 0);
        }
        refs[i] = qv_fbb_end(&b);
        if (kb->ext)
            ext += kb->ext_size;
    }
    uint32_t buffers = qv_fbb_ref_vector(&b, refs, (size_t)m->n_buffers);
    uint32_t sgs[KIT_MAX];
    for (int32_t i = m->extra_subgraphs; i >= 1; i--)
        sgs[i] = kit_subgraph(&b, m, true);
    sgs[0] = kit_subgraph(&b, m, false);
    uint32_t subgraphs = qv_fbb_ref_vector(&b, sgs, (size_t)m->extra_subgraphs + 1);
    for (int32_t i = 0; i < m->n_codes; i++) {
        uint32_t custom = m->custom[i] ? qv_fbb_string(&b, m->custom[i]) : 0;
        qv_fbb_start(&b);
        qv_fbb_add_i32(&b, QV_TFL_OPCODE_BUILTIN, m->code[i], 0);
        qv_fbb_add_ref(&b, QV_TFL_OPCODE_CUSTOM, custom);
        qv_fbb_add_u8(&b, QV_TFL_OPCODE_DEPRECATED_BUILTIN, (uint8_t)m->dep[i], 0);
        refs[i] = qv_fbb_end(&b);
    }
    uint32_t codes = qv_fbb_ref_vector(&b, refs, (size_t)m->n_codes);
    uint32_t sigs = 0;
    if (m->sig_subgraph >= 0) {
        qv_fbb_start(&b);
        qv_fbb_add_u32(&b, QV_TFL_SIGDEF_SUBGRAPH_INDEX, (uint32_t)m->sig_subgraph, 0xFFFFFFFF);
        uint32_t s = qv_fbb_end(&b);
        sigs = qv_fbb_ref_vector(&b, &s, 1);
    }
    qv_fbb_start(&b);
    qv_fbb_add_u32(&b, QV_TFL_MODEL_VERSION, m->version, 0xFFFFFFFF);
    qv_fbb_add_ref(&b, QV_TFL_MODEL_OPCODES, codes);
    qv_fbb_add_ref(&b, QV_TFL_MODEL_SUBGRAPHS, subgraphs);
    qv_fbb_add_ref(&b, QV_TFL_MODEL_BUFFERS, buffers);
    qv_fbb_add_ref(&b, QV_TFL_MODEL_SIGNATURE_DEFS, sigs);
    uint32_t model = qv_fbb_end(&b);
    ck_assert_int_eq(qv_fbb_finish(&b, model, QV_TFL_IDENT, &out, ret_size, NULL), QV_OK);
    qv_fbb_release(&b);
    return out;
}

/* The model as a malloc'd file: the flatbuffer, then external buffer data 16-byte aligned. */
static uint8_t *kit_build(const struct kit_model *m, size_t *ret_size)
{
    size_t size, ext_total = 0;
    uint8_t *fb = kit_build_once(m, 2, &size);
    for (int32_t i = 0; i < m->n_buffers; i++)
        ext_total += m->b[i].ext ? m->b[i].ext_size : 0;
    if (ext_total == 0) {
        *ret_size = size;
        return fb;
    }
    free(fb);
    size_t base = (size + 15) & ~(size_t)15;
    fb = kit_build_once(m, base, &size);
    ck_assert_uint_le(size, base);
    uint8_t *file = calloc(1, base + ext_total);
    ck_assert_ptr_nonnull(file);
    memcpy(file, fb, size);
    free(fb);
    size_t at = base;
    for (int32_t i = 0; i < m->n_buffers; i++) {
        if (m->b[i].ext) {
            memcpy(file + at, m->b[i].ext, m->b[i].ext_size);
            at += m->b[i].ext_size;
        }
    }
    *ret_size = base + ext_total;
    return file;
}

#endif
