/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TFLite writer: read -> write -> read gives the same IR (tensors, dtypes, shapes, data bytes,
 * quantization, nodes, attributes, graph I/O) for every fixture model, the output is laid out as
 * TFLM needs it (identifier, version, 16-byte aligned constant data), and writing is
 * deterministic. reference/check_roundtrip.py checks the same files in TFLM and LiteRT.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/tflite/tflite_int.h"
#include "support.h"

#define MAX_MODELS 2048

static char *models[MAX_MODELS];
static int n_models;

static void add_model(const char *rel)
{
    struct stat sb;
    if (n_models < MAX_MODELS && stat(qvt_fixture(rel), &sb) == 0)
        models[n_models++] = strdup(rel);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every .tflite under int8_ops/<case>/ and tflite/<model>/ (no ck_assert: runs before tests). */
static void find_models(void)
{
    static const char *const sets[] = { "int8_ops", "tflite" };
    static const char *const files[] = { "model.tflite", "model_f32.tflite", "model_int8.tflite",
                                         "model_int8_fio.tflite" };
    for (size_t s = 0; s < 2; s++) {
        DIR *d = opendir(qvt_fixture(sets[s]));
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            for (size_t f = 0; f < 4; f++) {
                char rel[512];
                snprintf(rel, sizeof(rel), "%s/%s/%s", sets[s], e->d_name, files[f]);
                add_model(rel);
            }
        }
        if (d)
            closedir(d);
    }
    qsort(models, (size_t)n_models, sizeof(models[0]), cmp_str);
}

static void assert_same_tensor(const struct qv_tensor *a, const struct qv_tensor *b, int32_t i)
{
    ck_assert_str_eq(a->name, b->name);
    ck_assert_msg(a->dtype == b->dtype, "tensor %d: dtype", i);
    ck_assert_msg(qv_shape_equal(&a->shape, &b->shape), "tensor %d ('%s'): shape", i, a->name);
    ck_assert_msg(!a->data == !b->data, "tensor %d ('%s'): constness", i, a->name);
    ck_assert_uint_eq(a->nbytes, b->nbytes);
    if (a->data)
        qvt_assert_bytes_equal(a->name, b->data, a->data, a->nbytes, 1);
    ck_assert_int_eq(a->quant.count, b->quant.count);
    if (a->quant.count > 1)
        ck_assert_int_eq(a->quant.axis, b->quant.axis);
    if (a->quant.count > 0) {
        ck_assert_mem_eq(a->quant.scale, b->quant.scale, (size_t)a->quant.count * sizeof(float));
        ck_assert_mem_eq(a->quant.zero_point, b->quant.zero_point,
                         (size_t)a->quant.count * sizeof(int32_t));
    }
}

static void assert_same_attrs(const struct qv_attrs *a, const struct qv_attrs *b, int32_t i)
{
    ck_assert_msg(a->padding == b->padding && a->stride_w == b->stride_w &&
                  a->stride_h == b->stride_h && a->dilation_w == b->dilation_w &&
                  a->dilation_h == b->dilation_h && a->filter_w == b->filter_w &&
                  a->filter_h == b->filter_h && a->depth_multiplier == b->depth_multiplier &&
                  a->act == b->act && a->axis == b->axis && a->keep_dims == b->keep_dims &&
                  a->keep_num_dims == b->keep_num_dims, "node %d: attributes differ", i);
    ck_assert_msg(memcmp(&a->beta, &b->beta, sizeof(float)) == 0, "node %d: beta", i);
    ck_assert_msg(memcmp(&a->alpha, &b->alpha, sizeof(float)) == 0, "node %d: alpha", i);
    ck_assert_int_eq(a->n_squeeze, b->n_squeeze);
    ck_assert_mem_eq(a->squeeze_dims, b->squeeze_dims, (size_t)a->n_squeeze * sizeof(int32_t));
    ck_assert_int_eq(a->n_new_shape, b->n_new_shape);
    ck_assert_mem_eq(a->new_shape, b->new_shape, (size_t)a->n_new_shape * sizeof(int32_t));
}

/* Graphs equal up to node order: b's nodes are a's in a's execution order. */
static void assert_same_graph(const struct qv_graph *a, const struct qv_graph *b)
{
    ck_assert_int_eq(a->n_tensors, b->n_tensors);
    for (int32_t i = 0; i < a->n_tensors; i++)
        assert_same_tensor(&a->tensors[i], &b->tensors[i], i);
    ck_assert_int_eq(a->n_nodes, b->n_nodes);
    for (int32_t i = 0; i < a->n_nodes; i++) {
        const struct qv_node *x = &a->nodes[a->order[i]], *y = &b->nodes[b->order[i]];
        ck_assert_int_eq(x->op, y->op);
        ck_assert_str_eq(x->name, y->name);
        ck_assert_int_eq(x->n_inputs, y->n_inputs);
        ck_assert_int_eq(x->n_outputs, y->n_outputs);
        ck_assert_mem_eq(x->inputs, y->inputs, (size_t)x->n_inputs * sizeof(int32_t));
        ck_assert_mem_eq(x->outputs, y->outputs, (size_t)x->n_outputs * sizeof(int32_t));
        assert_same_attrs(&x->attrs, &y->attrs, i);
    }
    ck_assert_int_eq(a->n_inputs, b->n_inputs);
    ck_assert_int_eq(a->n_outputs, b->n_outputs);
    ck_assert_mem_eq(a->inputs, b->inputs, (size_t)a->n_inputs * sizeof(int32_t));
    ck_assert_mem_eq(a->outputs, b->outputs, (size_t)a->n_outputs * sizeof(int32_t));
}

/* What TFLM relies on: identifier, version, buffers[0] empty, constant data 16-byte aligned. */
static void assert_tflm_layout(const uint8_t *buf, size_t size)
{
    struct qv_fb fb;
    struct qv_fb_table model, b;
    struct qv_fb_vec buffers, data;
    uint32_t version;
    ck_assert_uint_eq(size % 16, 0);
    ck_assert_mem_eq(buf + 4, "TFL3", 4);
    ck_assert_int_eq(qv_fb_init(&fb, buf, size, "out", NULL), QV_OK);
    ck_assert_int_eq(qv_fb_root(&fb, "TFL3", &model, NULL), QV_OK);
    ck_assert_int_eq(qv_fb_u32(&fb, &model, QV_TFL_MODEL_VERSION, 0, &version, NULL), QV_OK);
    ck_assert_uint_eq(version, 3);
    ck_assert_int_eq(qv_fb_vector(&fb, &model, QV_TFL_MODEL_BUFFERS, 4, &buffers, NULL), QV_OK);
    ck_assert_uint_ge(buffers.len, 1);
    for (uint32_t i = 0; i < buffers.len; i++) {
        ck_assert_int_eq(qv_fb_vec_table(&fb, &buffers, i, &b, NULL), QV_OK);
        ck_assert_int_eq(qv_fb_vector(&fb, &b, QV_TFL_BUFFER_DATA, 1, &data, NULL), QV_OK);
        if (i == 0)
            ck_assert_uint_eq(data.len, 0);
        else
            ck_assert_msg(data.pos % 16 == 0, "buffer %u data at %u", i, data.pos);
    }
}

START_TEST(fixture_roundtrips)
{
    const char *path = qvt_fixture(models[_i]);
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *a = NULL, *b = NULL;
    uint8_t *out1 = NULL, *out2 = NULL;
    size_t n1, n2;
    ck_assert_msg(qv_tflite_load(path, &a, &err) == QV_OK, "%s: %s", path, err.msg);
    ck_assert_msg(qv_tflite_write(a, &out1, &n1, &err) == QV_OK, "%s: write: %s", path, err.msg);
    assert_tflm_layout(out1, n1);
    ck_assert_msg(qv_tflite_read(out1, n1, "out1", &b, &err) == QV_OK, "%s: reread: %s", path,
                  err.msg);
    assert_same_graph(a, b);
    ck_assert_int_eq(qv_tflite_write(b, &out2, &n2, &err), QV_OK);
    ck_assert_uint_eq(n1, n2);
    ck_assert_msg(memcmp(out1, out2, n1) == 0, "%s: second write differs", path);
    free(out1);
    free(out2);
    qv_graph_free(a);
    qv_graph_free(b);
}
END_TEST

START_TEST(save_writes_the_file_atomically)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *a = NULL, *b = NULL;
    char *dir = qvt_tmpdir();
    char *path = qvt_path(dir, "out.tflite");
    ck_assert_int_gt(n_models, 0);
    ck_assert_int_eq(qv_tflite_load(qvt_fixture(models[0]), &a, &err), QV_OK);
    ck_assert_int_eq(qv_tflite_save(a, path, &err), QV_OK);
    ck_assert_int_eq(qv_tflite_load(path, &b, &err), QV_OK);
    assert_same_graph(a, b);
    qv_graph_free(a);
    qv_graph_free(b);
    qvt_rmtree(dir);
    free(path);
    free(dir);
}
END_TEST

Suite *tflite_roundtrip_suite(void)
{
    Suite *s = suite_create("tflite_roundtrip");
    find_models();
    TCase *tc = tcase_create("fixtures");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, fixture_roundtrips, 0, n_models);
    tcase_add_test(tc, save_writes_the_file_atomically);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(tflite_roundtrip)
