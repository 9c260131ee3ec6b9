/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TFLite reader: every fixture model made by the TFLite converter loads, and its tensors,
 * quantization and options equal what the Python flatbuffer reader recorded (int8_ops/cases.json,
 * tflite/models.txt); plus valid-but-unusual models built with the test kit.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "tflite_kit.h"

static cJSON *cases_json;
static int n_cases;
static char model_names[64][64];
static char model_ops[64][2][512];   /* [model][0 = int8, 1 = f32] op names, space-separated */
static int n_models;

/* Whole file, NUL-terminated (suite setup runs outside tests: no ck_assert here). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap + 1);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, 2 * cap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

static void load_cases(void)
{
    char *text = slurp(qvt_fixture("int8_ops/cases.json"));
    if (!text)
        return;
    cases_json = cJSON_Parse(text);
    free(text);
    n_cases = cases_json ? cJSON_GetArraySize(cases_json) : 0;
}

/* models.txt: "name: description | int8 ops | f32 ops | notes". */
static void load_models(void)
{
    char *text = slurp(qvt_fixture("tflite/models.txt"));
    if (!text)
        return;
    for (char *line = strtok(text, "\n"); line && n_models < 64; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || !strchr(line, ':'))
            continue;
        char *bar1 = strchr(line, '|'), *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
        char *bar3 = bar2 ? strchr(bar2 + 1, '|') : NULL;
        if (!bar3)
            continue;
        *strchr(line, ':') = '\0';
        *bar2 = *bar3 = '\0';
        snprintf(model_names[n_models], sizeof(model_names[0]), "%s", line);
        snprintf(model_ops[n_models][0], sizeof(model_ops[0][0]), "%s", bar1 + 1);
        snprintf(model_ops[n_models][1], sizeof(model_ops[0][1]), "%s", bar2 + 1);
        n_models++;
    }
    free(text);
}

static struct qv_graph *load_ok(const char *path)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    char buf[2048];
    enum qv_status st = qv_tflite_load(path, &g, &err);
    qv_error_format(&err, buf, sizeof(buf));
    ck_assert_msg(st == QV_OK, "load %s: %s", path, buf);
    ck_assert(g->finalized);
    return g;
}

static struct qv_graph *parse_ok(const uint8_t *buf, size_t size)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    enum qv_status st = qv_tflite_parse(buf, size, "kit.tflite", &g, &err);
    ck_assert_msg(st == QV_OK, "parse: %s (byte %lld)", err.msg, (long long)err.offset);
    return g;
}

static int json_int(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(cJSON_IsNumber(v) || cJSON_IsBool(v), "missing key %s", key);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : v->valueint;
}

/* A tensor described as {dtype, index, shape, scale, zero_point} by the fixture script. */
static void check_tensor(const struct qv_graph *g, int32_t index, const cJSON *want,
                         const char *what)
{
    ck_assert_msg(index == json_int(want, "index"), "%s: tensor %d, expected %d", what, index,
                  json_int(want, "index"));
    const struct qv_tensor *t = &g->tensors[index];
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(want, "dtype");
    ck_assert_str_eq(qv_dtype_name(t->dtype), dtype->valuestring);
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(want, "shape");
    ck_assert_int_eq(t->shape.rank, cJSON_GetArraySize(shape));
    for (int i = 0; i < t->shape.rank; i++)
        ck_assert_int_eq(t->shape.dims[i], cJSON_GetArrayItem(shape, i)->valueint);
    const cJSON *scale = cJSON_GetObjectItemCaseSensitive(want, "scale");
    const cJSON *zp = cJSON_GetObjectItemCaseSensitive(want, "zero_point");
    if (!scale || t->dtype == QV_DTYPE_F32) {
        ck_assert_int_eq(t->quant.count, 0);
        return;
    }
    int n = cJSON_IsArray(scale) ? cJSON_GetArraySize(scale) : 1;
    ck_assert_msg(t->quant.count == n, "%s '%s': %d scales, expected %d", what, t->name,
                  t->quant.count, n);
    for (int i = 0; i < n; i++) {
        const cJSON *s = cJSON_IsArray(scale) ? cJSON_GetArrayItem(scale, i) : scale;
        const cJSON *z = cJSON_IsArray(zp) ? cJSON_GetArrayItem(zp, i) : zp;
        ck_assert_msg(t->quant.scale[i] == (float)s->valuedouble, "%s: scale[%d]", what, i);
        ck_assert_int_eq(t->quant.zero_point[i], z->valueint);
    }
}

static void check_options(const struct qv_node *n, const cJSON *opts)
{
    const struct qv_attrs *a = &n->attrs;
    const cJSON *o;
    cJSON_ArrayForEach(o, opts) {
        const char *k = o->string;
        int v = cJSON_IsBool(o) ? cJSON_IsTrue(o) : o->valueint;
        if (!strcmp(k, "fusedActivationFunction"))
            ck_assert_int_eq(a->act, v);
        else if (!strcmp(k, "padding"))
            ck_assert_int_eq(a->padding, v);
        else if (!strcmp(k, "strideW"))
            ck_assert_int_eq(a->stride_w, v);
        else if (!strcmp(k, "strideH"))
            ck_assert_int_eq(a->stride_h, v);
        else if (!strcmp(k, "filterWidth"))
            ck_assert_int_eq(a->filter_w, v);
        else if (!strcmp(k, "filterHeight"))
            ck_assert_int_eq(a->filter_h, v);
        else if (!strcmp(k, "dilationWFactor"))
            ck_assert_int_eq(a->dilation_w, v);
        else if (!strcmp(k, "dilationHFactor"))
            ck_assert_int_eq(a->dilation_h, v);
        else if (!strcmp(k, "depthMultiplier"))
            ck_assert_int_eq(a->depth_multiplier, v);
        else if (!strcmp(k, "axis"))
            ck_assert_int_eq(a->axis, v);
        else if (!strcmp(k, "keepNumDims"))
            ck_assert_int_eq(a->keep_num_dims, v);
        else if (!strcmp(k, "keepDims"))
            ck_assert_int_eq(a->keep_dims, v);
        else if (!strcmp(k, "beta"))
            ck_assert(a->beta == (float)o->valuedouble);
        else if (!strcmp(k, "alpha"))
            ck_assert(a->alpha == (float)o->valuedouble);
        else if (!strcmp(k, "squeezeDims")) {
            ck_assert_int_eq(a->n_squeeze, cJSON_GetArraySize(o));
            for (int i = 0; i < a->n_squeeze; i++)
                ck_assert_int_eq(a->squeeze_dims[i], cJSON_GetArrayItem(o, i)->valueint);
        }
    }
}

/* ---- converter fixtures ---------------------------------------------------------------------- */

START_TEST(int8_op_fixture_matches_cases_json)
{
    ck_assert_msg(_i < n_cases, "cases.json has %d cases", n_cases);
    const cJSON *c = cJSON_GetArrayItem(cases_json, _i);
    char rel[256];
    snprintf(rel, sizeof(rel), "int8_ops/%s/model.tflite", c->string);
    struct qv_graph *g = load_ok(qvt_fixture(rel));
    enum qv_op op;
    ck_assert(qv_op_from_name(cJSON_GetObjectItemCaseSensitive(c, "op")->valuestring, &op));
    const struct qv_node *n = NULL;
    for (int32_t i = 0; i < g->n_nodes && !n; i++)
        if (g->nodes[i].op == op)
            n = &g->nodes[i];
    ck_assert_msg(n != NULL, "%s: no %s node", c->string, qv_op_name(op));
    check_options(n, cJSON_GetObjectItemCaseSensitive(c, "options"));
    const cJSON *ins = cJSON_GetObjectItemCaseSensitive(c, "op_inputs");
    for (int k = 0; k < cJSON_GetArraySize(ins); k++) {
        const cJSON *want = cJSON_GetArrayItem(ins, k);
        if (cJSON_IsNull(want))
            ck_assert(k >= n->n_inputs || n->inputs[k] == -1);
        else
            check_tensor(g, n->inputs[k], want, "op input");
    }
    const cJSON *gin = cJSON_GetObjectItemCaseSensitive(c, "inputs");
    const cJSON *gout = cJSON_GetObjectItemCaseSensitive(c, "outputs");
    ck_assert_int_eq(g->n_inputs, cJSON_GetArraySize(gin));
    ck_assert_int_eq(g->n_outputs, cJSON_GetArraySize(gout));
    for (int k = 0; k < g->n_inputs; k++)
        check_tensor(g, g->inputs[k], cJSON_GetArrayItem(gin, k), "graph input");
    for (int k = 0; k < g->n_outputs; k++)
        check_tensor(g, g->outputs[k], cJSON_GetArrayItem(gout, k), "graph output");
    qv_graph_free(g);
}
END_TEST

static void check_op_sequence(const struct qv_graph *g, const char *want, const char *path)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", want);
    int32_t i = 0;
    for (char *tok = strtok(buf, " \t"); tok; tok = strtok(NULL, " \t"), i++) {
        ck_assert_msg(i < g->n_nodes, "%s: %d nodes, models.txt lists more", path, g->n_nodes);
        ck_assert_msg(strcmp(qv_op_name(g->nodes[i].op), tok) == 0, "%s: node %d is %s, not %s",
                      path, i, qv_op_name(g->nodes[i].op), tok);
    }
    ck_assert_int_eq(i, g->n_nodes);
}

/* Converter invariants of an int8 model (docs/int8-arithmetic.md §8): weights, biases and
 * activations. */
static void check_int8_invariants(const struct qv_graph *g, const char *path)
{
    for (int32_t i = 0; i < g->n_nodes; i++) {
        const struct qv_node *n = &g->nodes[i];
        for (int32_t k = 0; k < n->n_outputs; k++) {
            const struct qv_tensor *t = &g->tensors[n->outputs[k]];
            if (t->dtype == QV_DTYPE_I8)
                ck_assert_msg(t->quant.count == 1, "%s: '%s' is not per-tensor", path, t->name);
        }
        if (n->op != QV_OP_CONV_2D && n->op != QV_OP_DEPTHWISE_CONV_2D)
            continue;
        const struct qv_tensor *x = &g->tensors[n->inputs[0]];
        const struct qv_tensor *w = &g->tensors[n->inputs[1]];
        int32_t axis = n->op == QV_OP_CONV_2D ? 0 : 3;
        ck_assert(w->data && w->dtype == QV_DTYPE_I8);
        ck_assert_int_eq(w->quant.count, w->shape.dims[axis]);
        ck_assert_int_eq(w->quant.axis, axis);
        for (int32_t c = 0; c < w->quant.count; c++)
            ck_assert_int_eq(w->quant.zero_point[c], 0);
        if (n->n_inputs < 3 || n->inputs[2] < 0)
            continue;
        const struct qv_tensor *b = &g->tensors[n->inputs[2]];
        ck_assert(b->data && b->dtype == QV_DTYPE_I32);
        ck_assert_int_eq(b->quant.count, w->quant.count);
        for (int32_t c = 0; c < b->quant.count; c++) {
            double want = (double)x->quant.scale[0] * (double)w->quant.scale[c];
            ck_assert_msg(fabs(b->quant.scale[c] - want) <= 1e-6 * want,
                          "%s: bias '%s' scale[%d] = %g, expected %g", path, b->name, c,
                          (double)b->quant.scale[c], want);
            ck_assert_int_eq(b->quant.zero_point[c], 0);
        }
    }
}

START_TEST(converted_models_load)
{
    ck_assert_msg(_i < n_models, "models.txt lists %d models", n_models);
    static const char *const files[] = { "model_int8.tflite", "model_f32.tflite",
                                         "model_int8_fio.tflite" };
    for (int v = 0; v < 3; v++) {
        char rel[256];
        snprintf(rel, sizeof(rel), "tflite/%s/%s", model_names[_i], files[v]);
        const char *path = qvt_fixture(rel);
        struct qv_graph *g = load_ok(path);
        if (v < 2)
            check_op_sequence(g, model_ops[_i][v], path);
        if (v == 0)
            check_int8_invariants(g, path);
        for (int32_t i = 0; i < g->n_tensors; i++) {
            const struct qv_tensor *t = &g->tensors[i];
            ck_assert(t->name[0] != '\0');
            if (v == 1)
                ck_assert(t->dtype == QV_DTYPE_F32 || t->dtype == QV_DTYPE_I32);
            if (t->dtype == QV_DTYPE_F32)
                ck_assert_int_eq(t->quant.count, 0);
        }
        enum qv_dtype io = v == 0 ? QV_DTYPE_I8 : QV_DTYPE_F32;
        ck_assert_int_eq(g->tensors[g->inputs[0]].dtype, io);
        ck_assert_int_eq(g->tensors[g->outputs[0]].dtype, io);
        qv_graph_free(g);
    }
}
END_TEST

/* ---- built with the kit ---------------------------------------------------------------------- */

START_TEST(kit_default_model_reads)
{
    struct kit_model m;
    size_t size;
    kit_default(&m);
    uint8_t *buf = kit_build(&m, &size);
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    ck_assert_int_eq(qv_tflite_read(buf, size, "kit.tflite", &g, &err), QV_OK);
    ck_assert_int_eq(g->n_nodes, 1);
    ck_assert_int_eq(g->nodes[0].op, QV_OP_RELU);
    ck_assert_str_eq(g->tensors[0].name, "x");
    ck_assert_str_eq(g->tensors[1].name, "y");
    qv_graph_free(g);
    free(buf);
}
END_TEST

START_TEST(batch_signature_minus_one_reads_as_one)
{
    struct kit_model m;
    size_t size;
    kit_default(&m);
    for (int i = 0; i < 2; i++) {
        m.t[i].dims[0] = 1;
        m.t[i].sig_rank = 4;
        memcpy(m.t[i].sig, (int32_t[]){ -1, 2, 2, 1 }, sizeof(int32_t) * 4);
    }
    uint8_t *buf = kit_build(&m, &size);
    struct qv_graph *g = parse_ok(buf, size);
    ck_assert_int_eq(g->tensors[0].shape.dims[0], 1);
    ck_assert_int_eq(g->tensors[0].shape.dims[1], 2);
    qv_graph_free(g);
    free(buf);
}
END_TEST

START_TEST(offset_size_buffer_reads_external_data)
{
    struct kit_model m;
    size_t size;
    kit_add_const(&m);
    m.b[1].data = NULL;
    m.b[1].ext = kit_const_data;
    m.b[1].ext_size = sizeof(kit_const_data);
    uint8_t *buf = kit_build(&m, &size);
    struct qv_graph *g = parse_ok(buf, size);
    ck_assert_ptr_nonnull(g->tensors[2].data);
    ck_assert_mem_eq(g->tensors[2].data, kit_const_data, sizeof(kit_const_data));
    ck_assert_uint_eq((uintptr_t)g->tensors[2].data % 16, 0);
    qv_graph_free(g);
    free(buf);
}
END_TEST

START_TEST(inline_constant_data_is_copied_aligned)
{
    struct kit_model m;
    size_t size;
    kit_add_const(&m);
    uint8_t *buf = kit_build(&m, &size);
    struct qv_graph *g = parse_ok(buf, size);
    ck_assert_mem_eq(g->tensors[2].data, kit_const_data, sizeof(kit_const_data));
    ck_assert_uint_eq((uintptr_t)g->tensors[2].data % 16, 0);
    ck_assert_int_eq(g->nodes[0].op, QV_OP_ADD);
    qv_graph_free(g);
    free(buf);
}
END_TEST

START_TEST(effective_code_is_max_of_both_fields)
{
    struct kit_model m;
    size_t size;
    kit_default(&m);
    m.code[0] = 0;   /* an old file: only the deprecated byte */
    m.dep[0] = 21;   /* RELU6 */
    uint8_t *buf = kit_build(&m, &size);
    struct qv_graph *g = parse_ok(buf, size);
    ck_assert_int_eq(g->nodes[0].op, QV_OP_RELU6);
    qv_graph_free(g);
    free(buf);
    m.code[0] = 28;  /* TANH in the new field, deprecated byte left 0 */
    m.dep[0] = 0;
    buf = kit_build(&m, &size);
    g = parse_ok(buf, size);
    ck_assert_int_eq(g->nodes[0].op, QV_OP_TANH);
    qv_graph_free(g);
    free(buf);
}
END_TEST

START_TEST(quantization_rules_follow_tflm)
{
    struct kit_model m;
    size_t size;
    kit_default(&m);
    m.t[0].type = m.t[1].type = QV_TFL_INT8;
    m.t[0].dims[3] = m.t[1].dims[3] = 2;
    /* x: per-axis on dim 3 with one zero point for two scales -> replicated */
    m.t[0].n_scale = 2;
    m.t[0].scale[0] = 0.5f;
    m.t[0].scale[1] = 0.25f;
    m.t[0].n_zp = 1;
    m.t[0].zp[0] = -3;
    m.t[0].qdim = 3;
    /* y: scale without zero point -> not quantized (TFLM needs both) */
    m.t[1].n_scale = 1;
    m.t[1].scale[0] = 0.1f;
    uint8_t *buf = kit_build(&m, &size);
    struct qv_graph *g = parse_ok(buf, size);
    ck_assert_int_eq(g->tensors[0].quant.count, 2);
    ck_assert_int_eq(g->tensors[0].quant.axis, 3);
    ck_assert_int_eq(g->tensors[0].quant.zero_point[0], -3);
    ck_assert_int_eq(g->tensors[0].quant.zero_point[1], -3);
    ck_assert(g->tensors[0].quant.scale[1] == 0.25f);
    ck_assert_int_eq(g->tensors[1].quant.count, 0);
    qv_graph_free(g);
    free(buf);
}
END_TEST

START_TEST(float_tensor_quantization_is_dropped)
{
    struct kit_model m;
    size_t size;
    kit_default(&m);
    m.t[0].n_scale = m.t[0].n_zp = 1;
    m.t[0].scale[0] = 0.5f;
    uint8_t *buf = kit_build(&m, &size);
    struct qv_graph *g = parse_ok(buf, size);
    ck_assert_int_eq(g->tensors[0].quant.count, 0);
    qv_graph_free(g);
    free(buf);
}
END_TEST

START_TEST(missing_options_take_schema_defaults)
{
    struct kit_model m;
    size_t size;
    kit_default(&m);
    m.code[0] = m.dep[0] = 25; /* SOFTMAX without SoftmaxOptions: beta 0, as TFLite and TFLM */
    uint8_t *buf = kit_build(&m, &size);
    struct qv_graph *g = parse_ok(buf, size);
    ck_assert(g->nodes[0].attrs.beta == 0.0f);
    qv_graph_free(g);
    free(buf);
    m.op[0].opt_type = 9;
    m.op[0].opt_table = true;
    m.op[0].n_fields = 1;
    m.op[0].f[0] = (struct kit_field){ 0, 'f', 0.5 };
    buf = kit_build(&m, &size);
    g = parse_ok(buf, size);
    ck_assert(g->nodes[0].attrs.beta == 0.5f);
    qv_graph_free(g);
    free(buf);
}
END_TEST

START_TEST(unused_second_subgraph_is_accepted)
{
    struct kit_model m;
    size_t size;
    kit_default(&m);
    m.extra_subgraphs = 1;
    m.sig_subgraph = 0;
    uint8_t *buf = kit_build(&m, &size);
    struct qv_graph *g = parse_ok(buf, size);
    ck_assert_int_eq(g->n_nodes, 1);
    qv_graph_free(g);
    free(buf);
}
END_TEST

START_TEST(load_names_the_path_on_semantic_errors)
{
    /* RELU from [1,2,2,1] into a [1,3] output: the reader accepts it, finalize refuses it. */
    struct kit_model m;
    size_t size;
    kit_default(&m);
    m.t[1].rank = 2;
    m.t[1].dims[1] = 3;
    uint8_t *buf = kit_build(&m, &size);
    char *dir = qvt_tmpdir();
    char *path = qvt_path(dir, "bad.tflite");
    qvt_write_file(path, buf, size);
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    ck_assert_int_eq(qv_tflite_load(path, &g, &err), QV_E_INPUT);
    ck_assert_ptr_null(g);
    ck_assert_str_eq(err.path, path);
    ck_assert_int_eq(err.node, 0);
    qvt_rmtree(dir);
    free(path);
    free(dir);
    free(buf);
}
END_TEST

/* The reader/writer's own op table: every op has a version for both signatures, and an options
 * reader exactly when it has an options table (the writer writes what the reader reads).
 * QV_OP_UNSUPPORTED's entry stays empty: the writer refuses such nodes. */
START_TEST(tflite_op_table_complete)
{
    const struct qv_tfl_op_def *u = &qv_tfl_ops[QV_OP_UNSUPPORTED];
    ck_assert(u->options_type == 0 && !u->read_options && !u->write_options && !u->version &&
              u->versions[0] == 0 && u->versions[1] == 0);
    for (int i = 0; i < QV_OP_UNSUPPORTED; i++) {
        const struct qv_tfl_op_def *d = &qv_tfl_ops[i];
        const char *name = qv_op_name((enum qv_op)i);
        ck_assert_msg(d->versions[0] >= 1 && d->versions[1] >= 1, "op %s has no TFLite version",
                      name);
        ck_assert_msg(d->options_type >= 0, "op %s: options type %d", name, d->options_type);
        ck_assert_msg((d->options_type != 0) == (d->read_options != NULL),
                      "op %s: options type %d but reader %s", name, d->options_type,
                      d->read_options ? "set" : "missing");
        ck_assert_msg((d->read_options != NULL) == (d->write_options != NULL),
                      "op %s: reader and writer must come together", name);
    }
}
END_TEST

START_TEST(load_missing_file_is_io_error)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    ck_assert_int_eq(qv_tflite_load("/nonexistent/qvet.tflite", &g, &err), QV_E_IO);
    ck_assert_ptr_null(g);
}
END_TEST

Suite *tflite_suite(void)
{
    Suite *s = suite_create("tflite");
    load_cases();
    load_models();
    TCase *tc = tcase_create("fixtures");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, int8_op_fixture_matches_cases_json, 0, n_cases ? n_cases : 1);
    tcase_add_loop_test(tc, converted_models_load, 0, n_models ? n_models : 1);
    suite_add_tcase(s, tc);
    tc = tcase_create("kit");
    tcase_add_test(tc, kit_default_model_reads);
    tcase_add_test(tc, batch_signature_minus_one_reads_as_one);
    tcase_add_test(tc, offset_size_buffer_reads_external_data);
    tcase_add_test(tc, inline_constant_data_is_copied_aligned);
    tcase_add_test(tc, effective_code_is_max_of_both_fields);
    tcase_add_test(tc, quantization_rules_follow_tflm);
    tcase_add_test(tc, float_tensor_quantization_is_dropped);
    tcase_add_test(tc, missing_options_take_schema_defaults);
    tcase_add_test(tc, unused_second_subgraph_is_accepted);
    tcase_add_test(tc, load_names_the_path_on_semantic_errors);
    tcase_add_test(tc, load_missing_file_is_io_error);
    tcase_add_test(tc, tflite_op_table_complete);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(tflite)
