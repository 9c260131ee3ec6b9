/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The graph IR: the op table against op_list.h, name/code lookups, shapes, quantization, and
 * qv_graph_finalize's validation (indices, producers, cycles, order, inferred shapes).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "support.h"

/* ---- the op table ---------------------------------------------------------------------------- */

static const struct {
    enum qv_op op;
    const char *name;
    int32_t tfl, nmin, nmax;
} op_list[] = {
#define QV_OP(id, low, name, tfl, nmin, nmax) { QV_OP_##id, name, tfl, nmin, nmax },
#include "qvet/op_list.h"
#undef QV_OP
};

START_TEST(op_table_matches_list)
{
    /* op_list.h, then QV_OP_UNSUPPORTED (not in the list) */
    ck_assert_int_eq(sizeof(op_list) / sizeof(op_list[0]), QV_OP_UNSUPPORTED);
    ck_assert_int_eq(QV_OP_UNSUPPORTED + 1, QV_OP_COUNT);
    for (int i = 0; i < QV_OP_UNSUPPORTED; i++) {
        const struct qv_op_def *d = &qv_op_defs[op_list[i].op];
        ck_assert_int_eq(op_list[i].op, i);
        ck_assert_msg(d->name && strcmp(d->name, op_list[i].name) == 0, "op %d: name %s vs %s", i,
                      d->name ? d->name : "(null)", op_list[i].name);
        ck_assert_msg(d->tflite_code == op_list[i].tfl, "%s: TFLite code %d vs %d", d->name,
                      d->tflite_code, op_list[i].tfl);
        ck_assert_msg(d->min_inputs == op_list[i].nmin && d->max_inputs == op_list[i].nmax,
                      "%s: inputs %d..%d vs %d..%d", d->name, d->min_inputs, d->max_inputs,
                      op_list[i].nmin, op_list[i].nmax);
        ck_assert_int_ge(d->min_inputs, 1);
        ck_assert_int_le(d->max_inputs, QV_MAX_INPUTS);
        ck_assert_int_eq(d->min_outputs, 1);
        ck_assert_int_eq(d->max_outputs, 1);
    }
    const struct qv_op_def *u = &qv_op_defs[QV_OP_UNSUPPORTED];
    ck_assert_str_eq(u->name, "UNSUPPORTED");
    ck_assert_int_eq(u->tflite_code, -1);
    ck_assert(u->min_inputs == 0 && u->max_inputs == QV_MAX_INPUTS);
    ck_assert(u->min_outputs == 0 && u->max_outputs == QV_MAX_OUTPUTS);
}
END_TEST

/*
 * ggml's static_assert, as a test: an op without name, infer or macs fails here (the engine's
 * kernel tables and the TFLite op table have their own completeness tests).
 */
START_TEST(op_table_complete)
{
    for (int i = 0; i < QV_OP_COUNT; i++) {
        const struct qv_op_def *d = &qv_op_defs[i];
        ck_assert_msg(d->name && d->name[0], "op %d has no name", i);
        ck_assert_msg(d->infer != NULL, "op %s has no shape inference", d->name);
        ck_assert_msg(d->macs != NULL, "op %s has no MAC count", d->name);
    }
}
END_TEST

START_TEST(op_lookups)
{
    for (int i = 0; i < QV_OP_UNSUPPORTED; i++) {
        enum qv_op op = QV_OP_COUNT;
        ck_assert(qv_op_from_name(qv_op_name((enum qv_op)i), &op));
        ck_assert_int_eq(op, i);
        op = QV_OP_COUNT;
        ck_assert(qv_op_from_tflite(qv_op_defs[i].tflite_code, &op));
        ck_assert_int_eq(op, i);
        for (int j = 0; j < i; j++)
            ck_assert_int_ne(qv_op_defs[i].tflite_code, qv_op_defs[j].tflite_code);
    }
    enum qv_op op = QV_OP_ADD;
    ck_assert(!qv_op_from_name("CONV_3D", &op));
    ck_assert(!qv_op_from_name("", &op));
    ck_assert(!qv_op_from_name("add", &op));
    ck_assert(!qv_op_from_tflite(-1, &op));
    ck_assert(!qv_op_from_tflite(9999, &op));
    ck_assert(!qv_op_from_name("UNSUPPORTED", &op));   /* never looked up */
    ck_assert(!qv_op_from_tflite(39, &op));           /* TRANSPOSE: not qvet's */
    ck_assert_int_eq(op, QV_OP_ADD);      /* untouched on failure */
    ck_assert_str_eq(qv_op_name(QV_OP_COUNT), "?");
    ck_assert_str_eq(qv_op_name((enum qv_op)-1), "?");
}
END_TEST

/* ---- shapes and dtypes ----------------------------------------------------------------------- */

START_TEST(shape_checks)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_shape s = { 3, { 2, -1, 3 } };
    ck_assert_int_eq(qv_shape_check(&s, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "negative"), "%s", err.msg);
    s = (struct qv_shape){ 3, { (int64_t)1 << 20, (int64_t)1 << 20, 2 } };   /* 2^41 */
    ck_assert_int_eq(qv_shape_check(&s, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "2^40"), "%s", err.msg);
    /* a product that would overflow int64 is caught before it happens */
    s = (struct qv_shape){ 4, { INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX } };
    ck_assert_int_eq(qv_shape_check(&s, &err), QV_E_INPUT);
    s = (struct qv_shape){ 2, { (int64_t)1 << 40, 1 } };
    ck_assert_int_eq(qv_shape_check(&s, &err), QV_OK);
    s = (struct qv_shape){ 3, { (int64_t)1 << 62, 0, (int64_t)1 << 62 } };
    ck_assert_int_eq(qv_shape_check(&s, &err), QV_E_INPUT);   /* 2^62 alone is too big */
    s = (struct qv_shape){ 9, { 1 } };
    ck_assert_int_eq(qv_shape_check(&s, &err), QV_E_INPUT);
    s = (struct qv_shape){ -1, { 1 } };
    ck_assert_int_eq(qv_shape_check(&s, &err), QV_E_INPUT);
    s = (struct qv_shape){ 0, { 0 } };
    ck_assert_int_eq(qv_shape_check(&s, &err), QV_OK);
    ck_assert_int_eq(qv_shape_elems(&s), 1);

    char buf[64];
    s = (struct qv_shape){ 4, { 1, 8, 8, 3 } };
    qv_shape_format(&s, buf, sizeof(buf));
    ck_assert_str_eq(buf, "[1, 8, 8, 3]");
    s.rank = 0;
    qv_shape_format(&s, buf, sizeof(buf));
    ck_assert_str_eq(buf, "[]");

    struct qv_graph *g;
    int32_t t;
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    s = (struct qv_shape){ 2, { 3, -4 } };
    ck_assert_int_eq(qv_graph_add_tensor(g, "neg", QV_DTYPE_F32, &s, &t, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "'neg'"), "%s", err.msg);
    s = (struct qv_shape){ 3, { (int64_t)1 << 30, (int64_t)1 << 30, (int64_t)1 << 30 } };
    ck_assert_int_eq(qv_graph_add_tensor(g, "big", QV_DTYPE_F32, &s, &t, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "'big'"), "%s", err.msg);
    s = (struct qv_shape){ 1, { 3 } };
    ck_assert_int_eq(qv_graph_add_tensor(g, "bad", (enum qv_dtype)42, &s, &t, &err), QV_E_INPUT);
    ck_assert_int_eq(g->n_tensors, 0);
    qv_graph_free(g);
    qv_graph_free(NULL);

    for (int i = 0; i < QV_DTYPE_COUNT; i++) {
        enum qv_dtype dt;
        ck_assert(qv_dtype_from_name(qv_dtype_name((enum qv_dtype)i), &dt));
        ck_assert_int_eq(dt, i);
        ck_assert_uint_gt(qv_dtype_size((enum qv_dtype)i), 0);
    }
}
END_TEST

/* ---- quantization ---------------------------------------------------------------------------- */

START_TEST(set_quant_checks)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g;
    int32_t t;
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    struct qv_shape s = { 4, { 3, 2, 2, 4 } };
    ck_assert_int_eq(qv_graph_add_tensor(g, "w", QV_DTYPE_I8, &s, &t, &err), QV_OK);
    const int32_t zp0 = 0;
    const float bad[] = { 0.0f, -0.5f, NAN, INFINITY };
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(qv_graph_set_quant(g, t, 1, &bad[i], 1, &zp0, 0, &err), QV_E_INPUT);
        ck_assert_msg(strstr(err.msg, "'w'") && strstr(err.msg, "scale"), "%s", err.msg);
    }
    /* per-axis: the count must equal the quantized dim's size */
    const float sc3[3] = { 0.1f, 0.2f, 0.3f }, sc4[4] = { 0.1f, 0.2f, 0.3f, 0.4f };
    ck_assert_int_eq(qv_graph_set_quant(g, t, 4, sc4, 1, &zp0, 0, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "4 scales") && strstr(err.msg, "size 3"), "%s", err.msg);
    ck_assert_int_eq(qv_graph_set_quant(g, t, 3, sc3, 1, &zp0, 4, &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_set_quant(g, t, 3, sc3, 1, &zp0, -1, &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_set_quant(g, t, 3, sc3, 2, (const int32_t[]){ 0, 0 }, 0, &err),
                     QV_E_INPUT);
    ck_assert_int_eq(qv_graph_set_quant(g, t, -2, sc3, 1, &zp0, 0, &err), QV_E_INPUT);
    const float sc3bad[3] = { 0.1f, NAN, 0.3f };
    ck_assert_int_eq(qv_graph_set_quant(g, t, 3, sc3bad, 1, &zp0, 0, &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_set_quant(g, 99, 1, sc3, 1, &zp0, 0, &err), QV_E_INPUT);
    ck_assert_int_eq(g->tensors[t].quant.count, 0);   /* failures leave it untouched */

    /* valid per-axis on dim 3 with one zero point (replicated), then per-tensor */
    ck_assert_int_eq(qv_graph_set_quant(g, t, 4, sc4, 1, (const int32_t[]){ 5 }, 3, &err), QV_OK);
    const struct qv_quant *q = &g->tensors[t].quant;
    ck_assert_int_eq(q->count, 4);
    ck_assert_int_eq(q->axis, 3);
    for (int i = 0; i < 4; i++) {
        ck_assert(q->scale[i] == sc4[i]);
        ck_assert_int_eq(q->zero_point[i], 5);
    }
    ck_assert_int_eq(qv_graph_set_quant(g, t, 1, sc3, 1, (const int32_t[]){ -3 }, 0, &err), QV_OK);
    ck_assert_int_eq(g->tensors[t].quant.count, 1);
    ck_assert_int_eq(g->tensors[t].quant.zero_point[0], -3);
    ck_assert_int_eq(qv_graph_set_quant(g, t, 0, NULL, 0, NULL, 0, &err), QV_OK);
    ck_assert_int_eq(g->tensors[t].quant.count, 0);
    qv_graph_free(g);
}
END_TEST

/* ---- finalize -------------------------------------------------------------------------------- */

static struct qv_graph *new_graph(void)
{
    struct qv_graph *g;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    return g;
}

static int32_t add_t(struct qv_graph *g, const char *name, int32_t rank, int64_t d0, int64_t d1)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_shape s = { rank, { d0, d1 } };
    int32_t t;
    ck_assert_int_eq(qv_graph_add_tensor(g, name, QV_DTYPE_F32, &s, &t, &err), QV_OK);
    return t;
}

static int32_t add_n(struct qv_graph *g, enum qv_op op, const char *name, int32_t n_in,
                     const int32_t *in, int32_t out)
{
    struct qv_error err = QV_ERROR_INIT;
    int32_t idx;
    ck_assert_int_eq(qv_graph_add_node(g, op, name, n_in, in, 1, &out, NULL, &idx, &err), QV_OK);
    return idx;
}

static void set_io(struct qv_graph *g, int32_t in, int32_t out)
{
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_set_io(g, 1, &in, 1, &out, &err), QV_OK);
}

static void expect_fail(struct qv_graph *g, int32_t node, const char *s1, const char *s2)
{
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_finalize(g, &err), QV_E_INPUT);
    ck_assert(!g->finalized);
    ck_assert_int_eq(err.node, node);
    ck_assert_msg(!s1 || strstr(err.msg, s1), "'%s' lacks \"%s\"", err.msg, s1);
    ck_assert_msg(!s2 || strstr(err.msg, s2), "'%s' lacks \"%s\"", err.msg, s2);
}

START_TEST(finalize_ok_and_order)
{
    struct qv_graph *g = new_graph();
    struct qv_error err = QV_ERROR_INIT;
    int32_t x = add_t(g, "x", 2, 1, 8), t1 = add_t(g, "t1", 0, 0, 0), y = add_t(g, "y", 0, 0, 0);
    int32_t w = add_t(g, "w", 2, 4, 8), b = add_t(g, "b", 1, 4, 0);
    void *p;
    ck_assert_int_eq(qv_graph_alloc_data(g, w, &p, &err), QV_OK);
    ck_assert_int_eq(qv_graph_alloc_data(g, b, &p, &err), QV_OK);
    /* listed out of order: the consumer first */
    int32_t n0 = add_n(g, QV_OP_RELU, "act", 1, &t1, y);
    int32_t n1 = add_n(g, QV_OP_FULLY_CONNECTED, NULL, 3, (const int32_t[]){ x, w, b }, t1);
    set_io(g, x, y);
    ck_assert_msg(qv_graph_finalize(g, &err) == QV_OK, "%s", err.msg);
    ck_assert(g->finalized);
    ck_assert_int_eq(g->order[0], n1);
    ck_assert_int_eq(g->order[1], n0);
    ck_assert_int_eq(g->tensors[t1].producer, n1);
    ck_assert_int_eq(g->tensors[y].producer, n0);
    ck_assert_int_eq(g->tensors[x].producer, -1);
    ck_assert_str_eq(g->nodes[n1].name, "t1");          /* defaults to the first output */
    ck_assert_str_eq(g->nodes[n0].name, "act");
    struct qv_shape want = { 2, { 1, 4 } };
    ck_assert(qv_shape_equal(&g->tensors[t1].shape, &want));
    ck_assert(qv_shape_equal(&g->tensors[y].shape, &want));
    ck_assert_uint_eq(g->tensors[y].nbytes, 16);
    ck_assert_int_eq(qv_graph_node_macs(g, n1), 32);
    ck_assert_int_eq(qv_graph_total_macs(g), 32);
    ck_assert_int_eq(qv_graph_param_count(g), 36);
    ck_assert_uint_eq(qv_graph_weight_bytes(g), 144);
    ck_assert_int_eq(qv_graph_find_tensor(g, "w"), w);
    ck_assert_int_eq(qv_graph_find_tensor(g, "nope"), -1);
    /* finalizing twice is harmless */
    ck_assert_int_eq(qv_graph_finalize(g, &err), QV_OK);
    ck_assert_int_eq(g->order[0], n1);
    qv_graph_free(g);
}
END_TEST

START_TEST(finalize_chain_order)
{
    /* five RELUs added in reverse: the order must be the chain */
    struct qv_graph *g = new_graph();
    struct qv_error err = QV_ERROR_INIT;
    int32_t t[6];
    char name[8];
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof(name), "t%d", i);
        t[i] = add_t(g, name, 1, 3, 0);
    }
    for (int i = 4; i >= 0; i--)
        add_n(g, QV_OP_RELU, NULL, 1, &t[i], t[i + 1]);
    set_io(g, t[0], t[5]);
    ck_assert_msg(qv_graph_finalize(g, &err) == QV_OK, "%s", err.msg);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(g->order[i], 4 - i);
    qv_graph_free(g);
}
END_TEST

START_TEST(finalize_dangling_index)
{
    struct qv_graph *g = new_graph();
    int32_t x = add_t(g, "x", 1, 3, 0), y = add_t(g, "y", 1, 3, 0);
    add_n(g, QV_OP_RELU, "r0", 1, &x, y);
    add_n(g, QV_OP_ADD, "bad", 2, (const int32_t[]){ x, 99 }, add_t(g, "z", 1, 3, 0));
    set_io(g, x, y);
    expect_fail(g, 1, "node 1", "tensor 99");
    qv_graph_free(g);

    g = new_graph();
    x = add_t(g, "x", 1, 3, 0);
    add_n(g, QV_OP_RELU, "r0", 1, &x, 7);
    set_io(g, x, x);
    expect_fail(g, 0, "node 0", "tensor 7");
    qv_graph_free(g);

    /* -1 is only allowed for optional inputs */
    g = new_graph();
    x = add_t(g, "x", 1, 3, 0);
    y = add_t(g, "y", 0, 0, 0);
    add_n(g, QV_OP_ADD, "a", 2, (const int32_t[]){ x, -1 }, y);
    set_io(g, x, y);
    expect_fail(g, 0, "input 1", NULL);
    qv_graph_free(g);
}
END_TEST

START_TEST(finalize_cycle)
{
    struct qv_graph *g = new_graph();
    int32_t x = add_t(g, "x", 1, 3, 0), t1 = add_t(g, "t1", 1, 3, 0), t2 = add_t(g, "t2", 1, 3, 0);
    int32_t y = add_t(g, "y", 1, 3, 0);
    add_n(g, QV_OP_RELU, "head", 1, &x, y);
    add_n(g, QV_OP_ADD, "a", 2, (const int32_t[]){ x, t2 }, t1);   /* a <- b */
    add_n(g, QV_OP_RELU, "b", 1, &t1, t2);                         /* b <- a */
    set_io(g, x, y);
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_finalize(g, &err), QV_E_INPUT);
    ck_assert_msg(err.node == 1 || err.node == 2, "node %d", err.node);
    ck_assert_msg(strstr(err.msg, "cycle"), "%s", err.msg);
    ck_assert_msg(strstr(err.msg, err.node == 1 ? "'a'" : "'b'"), "%s", err.msg);
    qv_graph_free(g);

    /* a node feeding itself */
    g = new_graph();
    x = add_t(g, "x", 1, 3, 0);
    t1 = add_t(g, "t1", 1, 3, 0);
    add_n(g, QV_OP_ADD, "self", 2, (const int32_t[]){ x, t1 }, t1);
    set_io(g, x, t1);
    expect_fail(g, 0, "cycle", "'self'");
    qv_graph_free(g);
}
END_TEST

START_TEST(finalize_producers)
{
    /* a tensor produced twice */
    struct qv_graph *g = new_graph();
    int32_t x = add_t(g, "x", 1, 3, 0), y = add_t(g, "y", 1, 3, 0);
    add_n(g, QV_OP_RELU, "r0", 1, &x, y);
    add_n(g, QV_OP_RELU6, "r1", 1, &x, y);
    set_io(g, x, y);
    expect_fail(g, 1, "'y'", "already produced by node 0");
    qv_graph_free(g);

    /* a constant as a node output */
    g = new_graph();
    struct qv_error err = QV_ERROR_INIT;
    void *p;
    x = add_t(g, "x", 1, 3, 0);
    y = add_t(g, "k", 1, 3, 0);
    ck_assert_int_eq(qv_graph_alloc_data(g, y, &p, &err), QV_OK);
    add_n(g, QV_OP_RELU, "r0", 1, &x, y);
    set_io(g, x, y);
    expect_fail(g, 0, "'k'", "constant");
    qv_graph_free(g);

    /* a graph input as a node output */
    g = new_graph();
    x = add_t(g, "x", 1, 3, 0);
    add_n(g, QV_OP_RELU, "r0", 1, &x, x);
    set_io(g, x, x);
    expect_fail(g, 0, "'x'", "graph input");
    qv_graph_free(g);

    /* an activation nobody produces */
    g = new_graph();
    x = add_t(g, "x", 1, 3, 0);
    int32_t ghost = add_t(g, "ghost", 1, 3, 0);
    y = add_t(g, "y", 1, 3, 0);
    add_n(g, QV_OP_ADD, "sum", 2, (const int32_t[]){ x, ghost }, y);
    set_io(g, x, y);
    expect_fail(g, 0, "'ghost'", "never produced");
    qv_graph_free(g);

    /* a graph output nobody produces */
    g = new_graph();
    x = add_t(g, "x", 1, 3, 0);
    y = add_t(g, "y", 1, 3, 0);
    set_io(g, x, y);
    err = (struct qv_error)QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_finalize(g, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "'y'"), "%s", err.msg);
    qv_graph_free(g);

    /* a constant graph input */
    g = new_graph();
    x = add_t(g, "x", 1, 3, 0);
    ck_assert_int_eq(qv_graph_alloc_data(g, x, &p, &err), QV_OK);
    y = add_t(g, "y", 1, 3, 0);
    add_n(g, QV_OP_RELU, "r0", 1, &x, y);
    set_io(g, x, y);
    err = (struct qv_error)QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_finalize(g, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "'x'") && strstr(err.msg, "constant"), "%s", err.msg);
    qv_graph_free(g);

    /* no declared inputs/outputs */
    g = new_graph();
    err = (struct qv_error)QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_finalize(g, &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_set_io(g, 0, NULL, 0, NULL, &err), QV_E_INPUT);
    qv_graph_free(g);
}
END_TEST

START_TEST(add_node_checks)
{
    struct qv_graph *g = new_graph();
    struct qv_error err = QV_ERROR_INIT;
    int32_t x = add_t(g, "x", 1, 3, 0), y = add_t(g, "y", 1, 3, 0), idx = -5;
    const int32_t three[3] = { x, x, x };
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_ADD, "a", 3, three, 1, &y, NULL, &idx, &err),
                     QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "ADD") && strstr(err.msg, "3 inputs"), "%s", err.msg);
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_ADD, "a", 1, three, 1, &y, NULL, &idx, &err),
                     QV_E_INPUT);
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_CONCATENATION, "c", 0, three, 1, &y, NULL, &idx,
                                       &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_RELU, "r", 1, three, 2,
                                       (const int32_t[]){ y, y }, NULL, &idx, &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_add_node(g, (enum qv_op)QV_OP_COUNT, "u", 1, three, 1, &y, NULL,
                                       &idx, &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_add_node(g, (enum qv_op)-1, "u", 1, three, 1, &y, NULL, &idx,
                                       &err), QV_E_INPUT);
    ck_assert_int_eq(idx, -5);
    ck_assert_int_eq(g->n_nodes, 0);
    qv_graph_free(g);
}
END_TEST

START_TEST(finalize_shape_mismatch)
{
    struct qv_graph *g = new_graph();
    int32_t a = add_t(g, "a", 2, 2, 3), b = add_t(g, "b", 2, 2, 1);
    int32_t y = add_t(g, "y", 2, 2, 4);                      /* the op gives [2, 3] */
    struct qv_error err = QV_ERROR_INIT;
    int32_t n = add_n(g, QV_OP_MUL, "m", 2, (const int32_t[]){ a, b }, y);
    ck_assert_int_eq(qv_graph_set_io(g, 2, (const int32_t[]){ a, b }, 1, &y, &err), QV_OK);
    expect_fail(g, n, "'m'", "output 'y' has shape [2, 4], the op gives [2, 3]");
    qv_graph_free(g);

    /* an infer failure carries the node index and the op's message */
    g = new_graph();
    a = add_t(g, "a", 2, 2, 3);
    b = add_t(g, "b", 2, 4, 3);
    y = add_t(g, "y", 0, 0, 0);
    add_n(g, QV_OP_RELU, "r", 1, &a, add_t(g, "r", 0, 0, 0));
    n = add_n(g, QV_OP_ADD, "sum", 2, (const int32_t[]){ a, b }, y);
    ck_assert_int_eq(qv_graph_set_io(g, 2, (const int32_t[]){ a, b }, 1, &y, &err), QV_OK);
    expect_fail(g, n, "node 1: ADD 'sum'", "'a' [2, 3] and 'b' [4, 3]");
    qv_graph_free(g);

    /* an inferred output above 2^40 elements is rejected, naming the output */
    g = new_graph();
    a = add_t(g, "a", 2, (int64_t)1 << 20, 1);
    b = add_t(g, "b", 2, 1, (int64_t)1 << 21);
    y = add_t(g, "y", 0, 0, 0);
    n = add_n(g, QV_OP_ADD, "sum", 2, (const int32_t[]){ a, b }, y);
    ck_assert_int_eq(qv_graph_set_io(g, 2, (const int32_t[]){ a, b }, 1, &y, &err), QV_OK);
    err = (struct qv_error)QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_finalize(g, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "'y'") && strstr(err.msg, "2^40"), "%s", err.msg);
    ck_assert_int_eq(err.node, n);
    qv_graph_free(g);
}
END_TEST

START_TEST(data_checks)
{
    struct qv_graph *g = new_graph();
    struct qv_error err = QV_ERROR_INIT;
    int32_t t = add_t(g, "w", 2, 2, 2);
    const float v[4] = { 1, 2, 3, 4 };
    ck_assert_int_eq(qv_graph_set_data(g, t, v, 12, &err), QV_E_INPUT);
    ck_assert_ptr_null(g->tensors[t].data);
    ck_assert_int_eq(qv_graph_set_data(g, t, v, 16, &err), QV_OK);
    ck_assert_int_eq(((uintptr_t)g->tensors[t].data) % 16, 0);
    ck_assert(memcmp(g->tensors[t].data, v, 16) == 0);
    void *p;
    ck_assert_int_eq(qv_graph_alloc_data(g, t, &p, &err), QV_OK);
    ck_assert_ptr_eq(p, g->tensors[t].data);
    ck_assert_int_eq(qv_graph_alloc_data(g, 5, &p, &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_alloc_data(g, -1, &p, &err), QV_E_INPUT);
    qv_graph_free(g);
}
END_TEST

Suite *graph_suite(void)
{
    Suite *s = suite_create("graph");
    TCase *tc = tcase_create("op_table");
    tcase_add_test(tc, op_table_matches_list);
    tcase_add_test(tc, op_table_complete);
    tcase_add_test(tc, op_lookups);
    suite_add_tcase(s, tc);

    tc = tcase_create("tensors");
    tcase_add_test(tc, shape_checks);
    tcase_add_test(tc, set_quant_checks);
    tcase_add_test(tc, data_checks);
    suite_add_tcase(s, tc);

    tc = tcase_create("finalize");
    tcase_add_test(tc, finalize_ok_and_order);
    tcase_add_test(tc, finalize_chain_order);
    tcase_add_test(tc, finalize_dangling_index);
    tcase_add_test(tc, finalize_cycle);
    tcase_add_test(tc, finalize_producers);
    tcase_add_test(tc, add_node_checks);
    tcase_add_test(tc, finalize_shape_mismatch);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(graph)
