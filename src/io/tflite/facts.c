/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What TFLM's allocator and the flash budget see in a .tflite beyond qvet's graph (budget/ owns
 * this file): subgraph, tensor and operator counts over every subgraph (TFLM allocates structs
 * for all of them), which tensors carry affine quantization in TFLM's sense and how many scales,
 * the OfflineMemoryAllocation metadata, and the bytes of buffer data and quantization vectors.
 * Reads with the same bounds-checked flatbuf.c as the reader; every refusal names the offset.
 */
#include <stdlib.h>
#include <string.h>

#include "io/tflite/tflite_int.h"
#include "qvet/io.h"

/* QuantizationParameters: TFLM fills TfLiteAffineQuantization when scale and zero_point are
 * both non-empty (micro_allocator.cc, InitializeTfLiteTensorFromFlatbuffer). */
static enum qv_status tensor_quant(struct qv_fb *fb, const struct qv_fb_table *t,
                                   int32_t *ret_channels, size_t *quant_bytes,
                                   struct qv_error *err)
{
    struct qv_fb_table q;
    struct qv_fb_vec scale, zp, mn, mx;
    bool present;
    *ret_channels = 0;
    enum qv_status st = qv_fb_subtable(fb, t, QV_TFL_TENSOR_QUANT, &q, &present, err);
    if (st != QV_OK || !present)
        return st;
    st = qv_fb_vector(fb, &q, QV_TFL_QUANT_SCALE, 4, &scale, err);
    if (st == QV_OK)
        st = qv_fb_vector(fb, &q, QV_TFL_QUANT_ZERO_POINT, 8, &zp, err);
    if (st == QV_OK)
        st = qv_fb_vector(fb, &q, QV_TFL_QUANT_MIN, 4, &mn, err);
    if (st == QV_OK)
        st = qv_fb_vector(fb, &q, QV_TFL_QUANT_MAX, 4, &mx, err);
    if (st != QV_OK)
        return st;
    *quant_bytes += 4 * (size_t)scale.len + 8 * (size_t)zp.len + 4 * (size_t)mn.len +
                    4 * (size_t)mx.len;
    if (scale.len > 0 && zp.len > 0)
        *ret_channels = (int32_t)scale.len;
    return QV_OK;
}

static enum qv_status has_offline_plan(struct qv_fb *fb, const struct qv_fb_table *model,
                                       bool *ret, struct qv_error *err)
{
    struct qv_fb_vec meta;
    *ret = false;
    enum qv_status st = qv_fb_vector(fb, model, QV_TFL_MODEL_METADATA, 4, &meta, err);
    for (uint32_t i = 0; st == QV_OK && i < meta.len; i++) {
        struct qv_fb_table m;
        const char *name = NULL;
        st = qv_fb_vec_table(fb, &meta, i, &m, err);
        if (st == QV_OK)
            st = qv_fb_string(fb, &m, 0, &name, err);   /* Metadata.name */
        if (st == QV_OK && name && strcmp(name, "OfflineMemoryAllocation") == 0)
            *ret = true;
    }
    return st;
}

enum qv_status qv_tflite_facts_read(const uint8_t *buf, size_t size, const char *path,
                                    struct qv_tflite_facts *ret, struct qv_error *err)
{
    struct qv_fb fb;
    struct qv_fb_table model;
    struct qv_fb_vec subgraphs, buffers;
    struct qv_tflite_facts f;
    memset(&f, 0, sizeof(f));
    f.file_bytes = size;
    enum qv_status st = qv_fb_init(&fb, buf, size, path ? path : "", err);
    if (st == QV_OK)
        st = qv_fb_root(&fb, QV_TFL_IDENT, &model, err);
    if (st == QV_OK)
        st = qv_fb_vector(&fb, &model, QV_TFL_MODEL_SUBGRAPHS, 4, &subgraphs, err);
    if (st == QV_OK)
        st = qv_fb_vector(&fb, &model, QV_TFL_MODEL_BUFFERS, 4, &buffers, err);
    if (st == QV_OK)
        st = has_offline_plan(&fb, &model, &f.offline_plan, err);
    if (st != QV_OK)
        return st;
    if (subgraphs.len == 0)
        return qv_fail_at(err, QV_E_INPUT, path, subgraphs.at, "the model has no subgraph");
    f.n_subgraphs = (int32_t)subgraphs.len;
    for (uint32_t b = 0; b < buffers.len; b++) {
        struct qv_fb_table bt;
        struct qv_fb_vec data;
        uint64_t off, bsize;
        st = qv_fb_vec_table(&fb, &buffers, b, &bt, err);
        if (st == QV_OK)
            st = qv_fb_vector(&fb, &bt, QV_TFL_BUFFER_DATA, 1, &data, err);
        if (st == QV_OK)
            st = qv_fb_u64(&fb, &bt, QV_TFL_BUFFER_OFFSET, 0, &off, err);
        if (st == QV_OK)
            st = qv_fb_u64(&fb, &bt, QV_TFL_BUFFER_SIZE, 0, &bsize, err);
        if (st != QV_OK)
            return st;
        f.buffer_data_bytes += data.len > 0 ? data.len : (off > 1 ? bsize : 0);
    }
    for (uint32_t s = 0; s < subgraphs.len; s++) {
        struct qv_fb_table sg;
        struct qv_fb_vec tensors, ops;
        st = qv_fb_vec_table(&fb, &subgraphs, s, &sg, err);
        if (st == QV_OK)
            st = qv_fb_vector(&fb, &sg, QV_TFL_SG_TENSORS, 4, &tensors, err);
        if (st == QV_OK)
            st = qv_fb_vector(&fb, &sg, QV_TFL_SG_OPERATORS, 4, &ops, err);
        if (st != QV_OK)
            goto fail;
        f.n_tensors_all += tensors.len;
        f.n_operators_all += ops.len;
        if (s == 0) {
            f.n_tensors = (int32_t)tensors.len;
            f.quant_channels = calloc((size_t)tensors.len + 1, sizeof(int32_t));
            if (!f.quant_channels) {
                st = qv_fail(err, QV_E_NOMEM, "out of memory reading %u tensors", tensors.len);
                goto fail;
            }
        }
        for (uint32_t i = 0; i < tensors.len; i++) {
            struct qv_fb_table t;
            int32_t ch;
            st = qv_fb_vec_table(&fb, &tensors, i, &t, err);
            if (st == QV_OK)
                st = tensor_quant(&fb, &t, &ch, &f.quant_bytes, err);
            if (st != QV_OK)
                goto fail;
            if (s == 0)
                f.quant_channels[i] = ch;
        }
    }
    *ret = f;
    return QV_OK;
fail:
    free(f.quant_channels);
    return st;
}

void qv_tflite_facts_release(struct qv_tflite_facts *f)
{
    if (!f)
        return;
    free(f->quant_channels);
    f->quant_channels = NULL;
}
