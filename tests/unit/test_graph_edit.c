/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Graph editing and passes (include/qvet/graph.h): the shared shape inference, clone, tensor and
 * node copies through an index map, the consumer index, node removal/replacement and rewiring,
 * multi-output and unsupported nodes, variables, the runnability check, hybrid nodes and the
 * dequantize-weights pass; dtype traits and quantization parameter checks. Hostile use
 * (indices out of range, removing a node whose output is read, unmapped tensors) included.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static struct qv_graph *new_graph(void)
{
    struct qv_graph *g;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    return g;
}

static int32_t tensor(struct qv_graph *g, const char *name, enum qv_dtype dt, int32_t rank,
                      int64_t d0, int64_t d1)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_shape s = { rank, { d0, d1 } };
    int32_t t;
    ck_assert_msg(qv_graph_add_tensor(g, name, dt, &s, &t, &err) == QV_OK, "%s", err.msg);
    return t;
}

static int32_t node(struct qv_graph *g, enum qv_op op, const char *name, int32_t n_in,
                    const int32_t *in, int32_t out)
{
    struct qv_error err = QV_ERROR_INIT;
    int32_t idx;
    ck_assert_msg(qv_graph_add_node(g, op, name, n_in, in, 1, &out, NULL, &idx, &err) == QV_OK,
                  "%s", err.msg);
    return idx;
}

static void finalize_ok(struct qv_graph *g)
{
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_msg(qv_graph_finalize(g, &err) == QV_OK, "%s", err.msg);
}

/*
 * x [1, 8] -> FC(w [4, 8], b [4]) -> h [1, 4] -> RELU -> y [1, 4]; w = i - 16, b = 0.5 * i.
 * Indices: x 0, w 1, b 2, h 3, y 4; nodes: fc 0, relu 1.
 */
static struct qv_graph *mlp(void)
{
    struct qv_graph *g = new_graph();
    struct qv_error err = QV_ERROR_INIT;
    int32_t x = tensor(g, "x", QV_DTYPE_F32, 2, 1, 8), w = tensor(g, "w", QV_DTYPE_F32, 2, 4, 8);
    int32_t b = tensor(g, "b", QV_DTYPE_F32, 1, 4, 0), h = tensor(g, "h", QV_DTYPE_F32, 0, 0, 0);
    int32_t y = tensor(g, "y", QV_DTYPE_F32, 0, 0, 0);
    float wv[32], bv[4];
    for (int i = 0; i < 32; i++)
        wv[i] = (float)(i - 16);
    for (int i = 0; i < 4; i++)
        bv[i] = 0.5f * (float)i;
    ck_assert_int_eq(qv_graph_set_data(g, w, wv, sizeof(wv), &err), QV_OK);
    ck_assert_int_eq(qv_graph_set_data(g, b, bv, sizeof(bv), &err), QV_OK);
    node(g, QV_OP_FULLY_CONNECTED, "fc", 3, (const int32_t[]){ x, w, b }, h);
    node(g, QV_OP_RELU, "relu", 1, &h, y);
    ck_assert_int_eq(qv_graph_set_io(g, 1, &x, 1, &y, &err), QV_OK);
    finalize_ok(g);
    return g;
}

/* ---- shape inference ------------------------------------------------------------------------- */

START_TEST(infer_shapes_propagates_inputs)
{
    struct qv_graph *g = mlp();
    struct qv_error err = QV_ERROR_INIT;
    struct qv_shape shapes[5];
    /* stored shapes */
    ck_assert_int_eq(qv_graph_infer_shapes(g, NULL, shapes, &err), QV_OK);
    for (int t = 0; t < 5; t++)
        ck_assert(qv_shape_equal(&shapes[t], &g->tensors[t].shape));
    /* other input shapes: [3, 8] gives [3, 4]; [2, 2, 8] is read as 4 rows by FC */
    struct qv_shape in = { 2, { 3, 8 } };
    ck_assert_int_eq(qv_graph_infer_shapes(g, &in, shapes, &err), QV_OK);
    ck_assert(qv_shape_equal(&shapes[3], &(struct qv_shape){ 2, { 3, 4 } }));
    ck_assert(qv_shape_equal(&shapes[4], &(struct qv_shape){ 2, { 3, 4 } }));
    ck_assert(qv_shape_equal(&shapes[1], &g->tensors[1].shape));      /* constants unchanged */
    in = (struct qv_shape){ 3, { 2, 2, 8 } };
    ck_assert_int_eq(qv_graph_infer_shapes(g, &in, shapes, &err), QV_OK);
    ck_assert(qv_shape_equal(&shapes[4], &(struct qv_shape){ 2, { 4, 4 } }));
    /* an input the op refuses: the node is named, the graph's path recorded */
    ck_assert_int_eq(qv_graph_set_path(g, "models/mlp.tflite", &err), QV_OK);
    in = (struct qv_shape){ 2, { 1, 7 } };
    ck_assert_int_eq(qv_graph_infer_shapes(g, &in, shapes, &err), QV_E_INPUT);
    ck_assert_int_eq(err.node, 0);
    ck_assert_msg(strstr(err.msg, "node 0: FULLY_CONNECTED 'fc'"), "%s", err.msg);
    ck_assert_str_eq(err.path, "models/mlp.tflite");
    /* a hostile input shape */
    err = (struct qv_error)QV_ERROR_INIT;
    in = (struct qv_shape){ 2, { -1, 8 } };
    ck_assert_int_eq(qv_graph_infer_shapes(g, &in, shapes, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "graph input 0 ('x')") && strstr(err.msg, "negative"), "%s",
                  err.msg);
    in = (struct qv_shape){ QV_MAX_RANK + 1, { 1 } };
    ck_assert_int_eq(qv_graph_infer_shapes(g, &in, shapes, &err), QV_E_INPUT);
    qv_graph_free(g);

    /* not finalized */
    g = new_graph();
    err = (struct qv_error)QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_infer_shapes(g, NULL, shapes, &err), QV_E_USAGE);
    bool ok = true;
    ck_assert_int_eq(qv_graph_infer_batch(g, 4, shapes, NULL, &ok, &err), QV_E_USAGE);
    qv_graph_free(g);
}
END_TEST

START_TEST(infer_batch_plans_or_declines)
{
    struct qv_graph *g = mlp();
    struct qv_error err = QV_ERROR_INIT;
    struct qv_shape shapes[5];
    bool batched[5], ok = false;
    ck_assert_int_eq(qv_graph_infer_batch(g, 16, shapes, batched, &ok, &err), QV_OK);
    ck_assert(ok);
    ck_assert(batched[0] && !batched[1] && !batched[2] && batched[3] && batched[4]);
    ck_assert(qv_shape_equal(&shapes[4], &(struct qv_shape){ 2, { 16, 4 } }));
    ck_assert(qv_shape_equal(&shapes[1], &(struct qv_shape){ 2, { 4, 8 } }));
    /* batch 1: stored shapes, nothing batched, batchable */
    ck_assert_int_eq(qv_graph_infer_batch(g, 1, shapes, batched, &ok, &err), QV_OK);
    ck_assert(ok && !batched[0] && !batched[4]);
    ck_assert(qv_shape_equal(&shapes[4], &g->tensors[4].shape));
    qv_graph_free(g);

    /* an input whose dims[0] is not 1 cannot carry a batch: declined, stored shapes */
    g = new_graph();
    int32_t x = tensor(g, "x", QV_DTYPE_F32, 2, 2, 3), y = tensor(g, "y", QV_DTYPE_F32, 0, 0, 0);
    node(g, QV_OP_RELU, "r", 1, &x, y);
    ck_assert_int_eq(qv_graph_set_io(g, 1, &x, 1, &y, &err), QV_OK);
    finalize_ok(g);
    ck_assert_int_eq(qv_graph_infer_batch(g, 8, shapes, batched, &ok, &err), QV_OK);
    ck_assert(!ok && !batched[0] && !batched[1]);
    ck_assert(qv_shape_equal(&shapes[1], &(struct qv_shape){ 2, { 2, 3 } }));
    ck_assert_int_eq(err.status, QV_OK);      /* declining is not an error */
    qv_graph_free(g);

    /* an op that moves the batch out of dims[0] (RESHAPE [1, 6] -> [6, 1]): declined */
    g = new_graph();
    x = tensor(g, "x", QV_DTYPE_F32, 2, 1, 6);
    y = tensor(g, "y", QV_DTYPE_F32, 2, 6, 1);
    node(g, QV_OP_RESHAPE, "flip", 1, &x, y);
    ck_assert_int_eq(qv_graph_set_io(g, 1, &x, 1, &y, &err), QV_OK);
    finalize_ok(g);
    ck_assert_int_eq(qv_graph_infer_batch(g, 4, shapes, batched, &ok, &err), QV_OK);
    ck_assert(!ok);
    ck_assert(qv_shape_equal(&shapes[1], &(struct qv_shape){ 2, { 6, 1 } }));
    qv_graph_free(g);
}
END_TEST

START_TEST(finalize_errors_name_the_path)
{
    struct qv_graph *g = new_graph();
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_set_path(g, "dir/model.json", &err), QV_OK);
    int32_t a = tensor(g, "a", QV_DTYPE_F32, 2, 2, 3), y = tensor(g, "y", QV_DTYPE_F32, 2, 2, 4);
    node(g, QV_OP_RELU, "r", 1, &a, y);
    ck_assert_int_eq(qv_graph_set_io(g, 1, &a, 1, &y, &err), QV_OK);
    ck_assert_int_eq(qv_graph_finalize(g, &err), QV_E_INPUT);
    ck_assert_str_eq(err.path, "dir/model.json");
    char buf[1600];
    qv_error_format(&err, buf, sizeof(buf));
    ck_assert_msg(strncmp(buf, "dir/model.json: node 0 (RELU, 'r')", 34) == 0, "%s", buf);
    /* a path already recorded (a loader's own) is kept */
    struct qv_error e2 = QV_ERROR_INIT;
    snprintf(e2.path, sizeof(e2.path), "weights.bin");
    qv_graph_error_locate(g, &e2);
    ck_assert_str_eq(e2.path, "weights.bin");
    qv_graph_error_locate(g, NULL);
    qv_graph_free(g);

    /* a graph built in memory has no path: messages stay bare */
    g = new_graph();
    ck_assert_str_eq(g->path, "");
    err = (struct qv_error)QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_finalize(g, &err), QV_E_INPUT);
    ck_assert_str_eq(err.path, "");
    qv_graph_free(g);
}
END_TEST

/* ---- clone and copies --------------------------------------------------------------------- */

START_TEST(clone_is_deep_and_finalized)
{
    struct qv_graph *g = mlp();
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_set_path(g, "m.tflite", &err), QV_OK);
    ck_assert_int_eq(qv_graph_set_quant(g, 0, 1, (const float[]){ 0.5f }, 1,
                                        (const int32_t[]){ 3 }, 0, &err), QV_OK);
    struct qv_graph *c = NULL;
    ck_assert_int_eq(qv_graph_clone(g, &c, &err), QV_OK);
    ck_assert(c->finalized);
    ck_assert_str_eq(c->path, "m.tflite");
    ck_assert_int_eq(c->n_tensors, g->n_tensors);
    ck_assert_int_eq(c->n_nodes, g->n_nodes);
    for (int32_t t = 0; t < g->n_tensors; t++) {
        const struct qv_tensor *a = &g->tensors[t], *b = &c->tensors[t];
        ck_assert_str_eq(a->name, b->name);
        ck_assert_ptr_ne(a->name, b->name);
        ck_assert_int_eq(a->dtype, b->dtype);
        ck_assert(qv_shape_equal(&a->shape, &b->shape));
        ck_assert_int_eq(a->producer, b->producer);
        ck_assert_int_eq(!a->data, !b->data);
        if (a->data) {
            ck_assert_ptr_ne(a->data, b->data);
            ck_assert(memcmp(a->data, b->data, a->nbytes) == 0);
        }
    }
    ck_assert_int_eq(c->tensors[0].quant.count, 1);
    ck_assert_int_eq(c->tensors[0].quant.zero_point[0], 3);
    ck_assert_ptr_ne(c->tensors[0].quant.scale, g->tensors[0].quant.scale);
    for (int32_t i = 0; i < g->n_nodes; i++) {
        ck_assert_int_eq(c->order[i], g->order[i]);
        ck_assert_str_eq(c->nodes[i].name, g->nodes[i].name);
        ck_assert_int_eq(c->nodes[i].op, g->nodes[i].op);
    }
    /* the copy lives on its own */
    qv_graph_free(g);
    ck_assert_int_eq(qv_graph_finalize(c, &err), QV_OK);
    ck_assert_int_eq(qv_graph_total_macs(c), 32);
    qv_graph_free(c);

    /* a half-built graph clones unfinalized */
    g = new_graph();
    tensor(g, "lonely", QV_DTYPE_I8, 1, 3, 0);
    ck_assert_int_eq(qv_graph_clone(g, &c, &err), QV_OK);
    ck_assert(!c->finalized);
    ck_assert_int_eq(c->n_tensors, 1);
    qv_graph_free(c);
    qv_graph_free(g);
}
END_TEST

START_TEST(copy_tensors_and_nodes_through_a_map)
{
    struct qv_graph *g = mlp();
    struct qv_graph *d = new_graph();
    struct qv_error err = QV_ERROR_INIT;
    int32_t map[5];
    /* copy only the RELU's tensors, into a graph that already has one tensor */
    int32_t extra = tensor(d, "extra", QV_DTYPE_I8, 1, 1, 0);
    const bool which[5] = { false, false, false, true, true };
    ck_assert_int_eq(qv_graph_copy_tensors(d, g, which, map, &err), QV_OK);
    ck_assert(map[0] == -1 && map[1] == -1 && map[2] == -1);
    ck_assert(map[3] == extra + 1 && map[4] == extra + 2);
    ck_assert_str_eq(d->tensors[map[4]].name, "y");
    int32_t ni = -1;
    ck_assert_int_eq(qv_graph_copy_node(d, g, 1, map, &ni, &err), QV_OK);
    ck_assert_int_eq(d->nodes[ni].inputs[0], map[3]);
    ck_assert_int_eq(d->nodes[ni].outputs[0], map[4]);
    ck_assert_str_eq(d->nodes[ni].name, "relu");
    ck_assert_int_eq(qv_graph_set_io(d, 1, &map[3], 1, &map[4], &err), QV_OK);
    finalize_ok(d);
    /* the FC reads tensors that were not copied: refused, naming one */
    ck_assert_int_eq(qv_graph_copy_node(d, g, 0, map, &ni, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "FULLY_CONNECTED") && strstr(err.msg, "'x' has no copy"), "%s",
                  err.msg);
    ck_assert_int_eq(d->n_nodes, 1);
    /* hostile indices */
    ck_assert_int_eq(qv_graph_copy_node(d, g, 2, map, &ni, &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_copy_node(d, g, -1, map, &ni, &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_copy_tensor(d, g, 5, &ni, &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_copy_tensor(d, g, -3, &ni, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "-3"), "%s", err.msg);
    /* everything, with data */
    struct qv_graph *all = new_graph();
    ck_assert_int_eq(qv_graph_copy_tensors(all, g, NULL, map, &err), QV_OK);
    for (int t = 0; t < 5; t++)
        ck_assert_int_eq(map[t], t);
    ck_assert(memcmp(all->tensors[1].data, g->tensors[1].data, g->tensors[1].nbytes) == 0);
    qv_graph_free(all);
    qv_graph_free(d);
    qv_graph_free(g);
}
END_TEST

/* ---- consumers, removal, replacement, rewiring ---------------------------------------------- */

START_TEST(consumers_index)
{
    struct qv_graph *g = new_graph();
    struct qv_error err = QV_ERROR_INIT;
    int32_t x = tensor(g, "x", QV_DTYPE_F32, 1, 4, 0), a = tensor(g, "a", QV_DTYPE_F32, 0, 0, 0);
    int32_t b = tensor(g, "b", QV_DTYPE_F32, 0, 0, 0), y = tensor(g, "y", QV_DTYPE_F32, 0, 0, 0);
    node(g, QV_OP_ADD, "double", 2, (const int32_t[]){ x, x }, a);   /* reads x twice */
    node(g, QV_OP_RELU, "r", 1, &x, b);
    node(g, QV_OP_MUL, "m", 2, (const int32_t[]){ a, b }, y);
    ck_assert_int_eq(qv_graph_set_io(g, 1, &x, 1, &y, &err), QV_OK);
    finalize_ok(g);
    struct qv_consumers c;
    ck_assert_int_eq(qv_consumers_build(g, &c, &err), QV_OK);
    ck_assert_int_eq(qv_consumers_count(&c, x), 2);            /* once per node */
    ck_assert_int_eq(qv_consumers_of(&c, x)[0], 0);
    ck_assert_int_eq(qv_consumers_of(&c, x)[1], 1);
    ck_assert_int_eq(qv_consumers_count(&c, a), 1);
    ck_assert_int_eq(qv_consumers_of(&c, b)[0], 2);
    ck_assert_int_eq(qv_consumers_count(&c, y), 0);            /* a graph output is no reader */
    ck_assert_ptr_null(qv_consumers_of(&c, y));
    ck_assert_int_eq(qv_consumers_count(&c, -1), 0);
    ck_assert_int_eq(qv_consumers_count(&c, 4), 0);
    ck_assert_ptr_null(qv_consumers_of(&c, 99));
    qv_consumers_release(&c);
    qv_consumers_release(&c);
    qv_consumers_release(NULL);
    qv_graph_free(g);
}
END_TEST

START_TEST(remove_node_refuses_live_outputs)
{
    struct qv_graph *g = mlp();
    struct qv_error err = QV_ERROR_INIT;
    /* the FC's output is read by the RELU */
    ck_assert_int_eq(qv_graph_remove_node(g, 0, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "'h' is read by node 1 (RELU, 'relu')"), "%s", err.msg);
    ck_assert_int_eq(err.node, 0);
    /* the RELU's output is the graph output */
    ck_assert_int_eq(qv_graph_remove_node(g, 1, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "'y' is graph output 0"), "%s", err.msg);
    ck_assert_int_eq(qv_graph_remove_node(g, 2, &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_remove_node(g, -1, &err), QV_E_INPUT);
    ck_assert(g->finalized);                   /* refusals change nothing */
    ck_assert_int_eq(g->n_nodes, 2);

    /* bypass the RELU, then it can go: the FC's output becomes the graph output */
    int32_t count = 0;
    ck_assert_int_eq(qv_graph_replace_uses(g, 4, 3, &count, &err), QV_OK);
    ck_assert_int_eq(count, 1);
    ck_assert(!g->finalized);
    ck_assert_int_eq(qv_graph_remove_node(g, 1, &err), QV_OK);
    ck_assert_int_eq(g->n_nodes, 1);
    finalize_ok(g);
    ck_assert_int_eq(g->outputs[0], 3);
    ck_assert_int_eq(g->tensors[4].producer, -1);
    qv_graph_free(g);

    /* removing a middle node moves the later ones down */
    g = new_graph();
    int32_t x = tensor(g, "x", QV_DTYPE_F32, 1, 3, 0), dead = tensor(g, "d", QV_DTYPE_F32, 0, 0, 0);
    int32_t y = tensor(g, "y", QV_DTYPE_F32, 0, 0, 0);
    node(g, QV_OP_RELU6, "unused", 1, &x, dead);
    node(g, QV_OP_RELU, "keep", 1, &x, y);
    ck_assert_int_eq(qv_graph_set_io(g, 1, &x, 1, &y, &err), QV_OK);
    finalize_ok(g);
    ck_assert_int_eq(qv_graph_remove_node(g, 0, &err), QV_OK);
    ck_assert_str_eq(g->nodes[0].name, "keep");
    finalize_ok(g);
    ck_assert_int_eq(g->tensors[y].producer, 0);
    /* rewiring hostile indices */
    ck_assert_int_eq(qv_graph_replace_uses(g, 7, y, NULL, &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_replace_uses(g, y, -2, NULL, &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_replace_uses(g, dead, y, &count, &err), QV_OK);
    ck_assert_int_eq(count, 0);
    ck_assert(g->finalized);                   /* nothing changed */
    qv_graph_free(g);
}
END_TEST

START_TEST(replace_node_in_place)
{
    struct qv_graph *g = mlp();
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_replace_node(g, 1, QV_OP_RELU6, "clip", 1, (const int32_t[]){ 3 },
                                           1, (const int32_t[]){ 4 }, NULL, &err), QV_OK);
    ck_assert(!g->finalized);
    ck_assert_int_eq(g->nodes[1].op, QV_OP_RELU6);
    ck_assert_str_eq(g->nodes[1].name, "clip");
    finalize_ok(g);
    /* refusals keep the old node */
    ck_assert_int_eq(qv_graph_replace_node(g, 1, QV_OP_ADD, "bad", 1, (const int32_t[]){ 3 }, 1,
                                           (const int32_t[]){ 4 }, NULL, &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_replace_node(g, 1, QV_OP_UNSUPPORTED, "u", 1,
                                           (const int32_t[]){ 3 }, 1, (const int32_t[]){ 4 },
                                           NULL, &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_replace_node(g, 5, QV_OP_RELU, "far", 1, (const int32_t[]){ 3 }, 1,
                                           (const int32_t[]){ 4 }, NULL, &err), QV_E_INPUT);
    ck_assert_int_eq(g->nodes[1].op, QV_OP_RELU6);
    /* a replacement that breaks the graph is caught by finalize, naming the node */
    ck_assert_int_eq(qv_graph_replace_node(g, 1, QV_OP_RELU, "loop", 1, (const int32_t[]){ 4 },
                                           1, (const int32_t[]){ 4 }, NULL, &err), QV_OK);
    ck_assert_int_eq(qv_graph_finalize(g, &err), QV_E_INPUT);
    ck_assert_int_eq(err.node, 1);
    ck_assert_msg(strstr(err.msg, "cycle"), "%s", err.msg);
    qv_graph_free(g);
}
END_TEST

/* ---- multi-output, unsupported operators, variables ------------------------------------------ */

/*
 * x [1, 6] -> SPLIT (unsupported, two outputs [1, 2] and [1, 4]) -> a, b; a -> RELU -> ya;
 * graph outputs ya and b.
 */
static struct qv_graph *split_graph(int32_t *ret_split)
{
    struct qv_graph *g = new_graph();
    struct qv_error err = QV_ERROR_INIT;
    int32_t x = tensor(g, "x", QV_DTYPE_F32, 2, 1, 6), a = tensor(g, "a", QV_DTYPE_F32, 2, 1, 2);
    int32_t b = tensor(g, "b", QV_DTYPE_F32, 2, 1, 4), ya = tensor(g, "ya", QV_DTYPE_F32, 0, 0, 0);
    int32_t ax = tensor(g, "axis", QV_DTYPE_I32, 0, 0, 0);
    ck_assert_int_eq(qv_graph_set_data(g, ax, (const int32_t[]){ 1 }, 4, &err), QV_OK);
    node(g, QV_OP_RELU, "ra", 1, &a, ya);
    ck_assert_int_eq(qv_graph_add_unsupported_node(g, 102, "SPLIT_V", 2,
                                                   (const int32_t[]){ x, ax }, 2,
                                                   (const int32_t[]){ a, b }, ret_split, &err),
                     QV_OK);
    ck_assert_int_eq(qv_graph_set_io(g, 1, &x, 2, (const int32_t[]){ ya, b }, &err), QV_OK);
    return g;
}

START_TEST(multi_output_nodes)
{
    int32_t split = -1;
    struct qv_graph *g = split_graph(&split);
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(split, 1);
    finalize_ok(g);
    ck_assert_int_eq(g->order[0], split);      /* the producer first */
    ck_assert_int_eq(g->tensors[1].producer, split);
    ck_assert_int_eq(g->tensors[2].producer, split);
    ck_assert_str_eq(g->nodes[split].name, "a");
    ck_assert_str_eq(qv_node_op_name(&g->nodes[split]), "SPLIT_V");
    ck_assert_int_eq(qv_graph_node_macs(g, split), 0);
    /* every output of the node gets its shape */
    struct qv_shape shapes[5];
    ck_assert_int_eq(qv_graph_infer_shapes(g, NULL, shapes, &err), QV_OK);
    ck_assert(qv_shape_equal(&shapes[1], &(struct qv_shape){ 2, { 1, 2 } }));
    ck_assert(qv_shape_equal(&shapes[2], &(struct qv_shape){ 2, { 1, 4 } }));
    ck_assert(qv_shape_equal(&shapes[3], &(struct qv_shape){ 2, { 1, 2 } }));
    struct qv_consumers c;
    ck_assert_int_eq(qv_consumers_build(g, &c, &err), QV_OK);
    ck_assert_int_eq(qv_consumers_count(&c, 1), 1);
    ck_assert_int_eq(qv_consumers_count(&c, 2), 0);
    qv_consumers_release(&c);
    /* the clone keeps the source op */
    struct qv_graph *cl = NULL;
    ck_assert_int_eq(qv_graph_clone(g, &cl, &err), QV_OK);
    ck_assert_int_eq(cl->nodes[split].op, QV_OP_UNSUPPORTED);
    ck_assert_int_eq(cl->nodes[split].source_code, 102);
    ck_assert_str_eq(cl->nodes[split].source_name, "SPLIT_V");
    ck_assert_ptr_ne(cl->nodes[split].source_name, g->nodes[split].source_name);
    qv_graph_free(cl);
    qv_graph_free(g);

    /* one tensor listed twice as an output of one node */
    g = new_graph();
    int32_t x = tensor(g, "x", QV_DTYPE_F32, 1, 2, 0), y = tensor(g, "y", QV_DTYPE_F32, 1, 2, 0);
    ck_assert_int_eq(qv_graph_add_unsupported_node(g, 49, "SPLIT", 1, &x, 2,
                                                   (const int32_t[]){ y, y }, NULL, &err), QV_OK);
    ck_assert_int_eq(qv_graph_set_io(g, 1, &x, 1, &y, &err), QV_OK);
    ck_assert_int_eq(qv_graph_finalize(g, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "node 0 (SPLIT): tensor 'y' is already produced by node 0"),
                  "%s", err.msg);
    qv_graph_free(g);

    /* outputs beyond the op's count, unnamed or oversized unsupported nodes */
    g = new_graph();
    x = tensor(g, "x", QV_DTYPE_F32, 1, 2, 0);
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_RELU, "r", 1, &x, 2, (const int32_t[]){ 0, 0 },
                                       NULL, NULL, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "RELU): 2 outputs, expected 1"), "%s", err.msg);
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_RELU, "r", 1, &x, 0, NULL, NULL, NULL, &err),
                     QV_E_INPUT);
    ck_assert_int_eq(qv_graph_add_unsupported_node(g, 39, "", 1, &x, 1, &x, NULL, &err),
                     QV_E_INPUT);
    ck_assert_int_eq(qv_graph_add_unsupported_node(g, 39, NULL, 1, &x, 1, &x, NULL, &err),
                     QV_E_INPUT);
    ck_assert_int_eq(qv_graph_add_unsupported_node(g, 39, "TRANSPOSE", QV_MAX_INPUTS + 1, NULL,
                                                   1, &x, NULL, &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_add_unsupported_node(g, 39, "TRANSPOSE", 1, &x, -1, NULL, NULL,
                                                   &err), QV_E_INPUT);
    ck_assert_int_eq(g->n_nodes, 0);
    qv_graph_free(g);
}
END_TEST

START_TEST(unsupported_ops_are_listed_and_refused)
{
    struct qv_graph *g = new_graph();
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_set_path(g, "lstm.tflite", &err), QV_OK);
    int32_t x = tensor(g, "x", QV_DTYPE_F32, 2, 1, 4), t1 = tensor(g, "t1", QV_DTYPE_F32, 2, 4, 1);
    int32_t t2 = tensor(g, "t2", QV_DTYPE_F32, 2, 1, 4);
    int32_t t3 = tensor(g, "t3", QV_DTYPE_F32, 2, 4, 1);
    int32_t t4 = tensor(g, "t4", QV_DTYPE_F32, 2, 1, 4), y = tensor(g, "y", QV_DTYPE_F32, 0, 0, 0);
    int32_t st = tensor(g, "state", QV_DTYPE_F32, 2, 1, 4);
    ck_assert_int_eq(qv_graph_set_variable(g, st, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_unsupported_node(g, 39, "TRANSPOSE", 1, &x, 1, &t1, NULL, &err),
                     QV_OK);
    ck_assert_int_eq(qv_graph_add_unsupported_node(g, 32, "MyOp", 2, (const int32_t[]){ t1, st },
                                                   1, &t2, NULL, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_unsupported_node(g, 39, "TRANSPOSE", 1, &t2, 1, &t3, NULL, &err),
                     QV_OK);
    ck_assert_int_eq(qv_graph_add_unsupported_node(g, 39, "TRANSPOSE", 1, &t3, 1, &t4, NULL, &err),
                     QV_OK);
    node(g, QV_OP_RELU, "r", 1, &t4, y);
    ck_assert_int_eq(qv_graph_set_io(g, 1, &x, 1, &y, &err), QV_OK);
    finalize_ok(g);   /* the variable needs no producer; shapes flow through stored ones */
    ck_assert(qv_shape_equal(&g->tensors[y].shape, &(struct qv_shape){ 2, { 1, 4 } }));

    struct qv_op_tally ops[4];
    ck_assert_int_eq(qv_graph_unsupported_ops(g, ops, 4), 2);
    ck_assert_str_eq(ops[0].name, "TRANSPOSE");
    ck_assert_int_eq(ops[0].code, 39);
    ck_assert_int_eq(ops[0].count, 3);
    ck_assert_int_eq(ops[0].first_node, 0);
    ck_assert_str_eq(ops[1].name, "MyOp");
    ck_assert_int_eq(ops[1].count, 1);
    ck_assert_int_eq(qv_graph_unsupported_ops(g, ops, 1), 2);   /* cap: counts all */
    ck_assert_int_eq(qv_graph_unsupported_ops(g, NULL, 0), 2);

    ck_assert_int_eq(qv_graph_check_runnable(g, &err), QV_E_INPUT);
    ck_assert_str_eq(err.path, "lstm.tflite");
    ck_assert_str_eq(err.msg, "4 operators qvet cannot run: TRANSPOSE (x3), custom MyOp (x1); "
                              "1 variable tensor (state kept across runs, e.g. 'state'), which "
                              "qvet does not run");
    /* engines, the TFLite writer and the JSON writer refuse it with that list */
    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    struct qv_engine *e = NULL;
    for (int kind = 0; kind < QV_ENGINE_KIND_COUNT; kind++) {
        o.kind = (enum qv_engine_kind)kind;
        err = (struct qv_error)QV_ERROR_INIT;
        ck_assert_int_eq(qv_engine_create(g, &o, &e, &err), QV_E_INPUT);
        ck_assert_ptr_null(e);
        ck_assert_str_eq(err.path, "lstm.tflite");
        ck_assert_msg(strstr(err.msg, "TRANSPOSE (x3)"), "%s", err.msg);
    }
    uint8_t *buf = NULL;
    size_t size = 0;
    ck_assert_int_eq(qv_tflite_write(g, &buf, &size, &err), QV_E_INPUT);
    ck_assert_ptr_null(buf);
    ck_assert_msg(strstr(err.msg, "cannot write it as TFLite: 4 operators"), "%s", err.msg);
    char *dir = qvt_tmpdir(), *jp = qvt_path(dir, "m.json");
    ck_assert_int_eq(qv_model_json_save(g, jp, &err), QV_E_INPUT);
    ck_assert_ptr_null(qvt_read_file(jp, NULL));
    free(jp);
    qvt_rmtree(dir);
    free(dir);
    qv_graph_free(g);

    /* a variable cannot be a constant, nor a node's output */
    g = new_graph();
    x = tensor(g, "x", QV_DTYPE_F32, 1, 2, 0);
    int32_t k = tensor(g, "k", QV_DTYPE_F32, 1, 2, 0);
    ck_assert_int_eq(qv_graph_set_data(g, k, (const float[]){ 1, 2 }, 8, &err), QV_OK);
    ck_assert_int_eq(qv_graph_set_variable(g, k, &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_set_variable(g, 9, &err), QV_E_INPUT);
    int32_t v = tensor(g, "v", QV_DTYPE_F32, 1, 2, 0);
    ck_assert_int_eq(qv_graph_set_variable(g, v, &err), QV_OK);
    node(g, QV_OP_RELU, "w", 1, &x, v);
    ck_assert_int_eq(qv_graph_set_io(g, 1, &x, 1, &v, &err), QV_OK);
    ck_assert_int_eq(qv_graph_finalize(g, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "output tensor 'v' is a variable"), "%s", err.msg);
    qv_graph_free(g);

    /* int64 and bool tensors are read but not run */
    g = new_graph();
    x = tensor(g, "x", QV_DTYPE_F32, 1, 2, 0);
    int32_t idx = tensor(g, "idx", QV_DTYPE_I64, 1, 1, 0);
    ck_assert_int_eq(qv_graph_add_unsupported_node(g, 56, "ARG_MAX", 1, &x, 1, &idx, NULL, &err),
                     QV_OK);
    ck_assert_int_eq(qv_graph_set_io(g, 1, &x, 1, &idx, &err), QV_OK);
    finalize_ok(g);
    ck_assert_int_eq(qv_graph_check_runnable(g, &err), QV_E_INPUT);
    ck_assert_str_eq(err.msg, "1 operator qvet cannot run: ARG_MAX (x1); 1 tensor of a type the "
                              "engines do not compute (e.g. 'idx', int64)");
    qv_graph_free(g);

    /* a supported graph passes */
    g = mlp();
    err = (struct qv_error)QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_check_runnable(g, &err), QV_OK);
    ck_assert_int_eq(qv_graph_unsupported_ops(g, NULL, 0), 0);
    qv_graph_free(g);
}
END_TEST

/* Many unsupported operators (a hostile file may hold millions): listed in O(n log n), the
 * message capped; a quadratic tally would not finish within the test's timeout. */
START_TEST(many_unsupported_ops)
{
    enum { N = 200000, KINDS = 30 };
    struct qv_graph *g = new_graph();
    struct qv_error err = QV_ERROR_INIT;
    int32_t prev = tensor(g, "x", QV_DTYPE_F32, 1, 2, 0), x = prev;
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof(name), "t%d", i);
        int32_t t = tensor(g, name, QV_DTYPE_F32, 1, 2, 0);
        snprintf(name, sizeof(name), "OP_%02d", i % KINDS);
        ck_assert_int_eq(qv_graph_add_unsupported_node(g, 32, name, 1, &prev, 1, &t, NULL, &err),
                         QV_OK);
        prev = t;
    }
    ck_assert_int_eq(qv_graph_set_io(g, 1, &x, 1, &prev, &err), QV_OK);
    finalize_ok(g);
    struct qv_op_tally ops[KINDS];
    ck_assert_int_eq(qv_graph_unsupported_ops(g, ops, KINDS), KINDS);
    for (int k = 0; k < KINDS; k++) {
        char want[16];
        snprintf(want, sizeof(want), "OP_%02d", k);
        ck_assert_str_eq(ops[k].name, want);
        ck_assert_int_eq(ops[k].first_node, k);
        ck_assert_int_eq(ops[k].count, N / KINDS + (k < N % KINDS));
    }
    ck_assert_int_eq(qv_graph_check_runnable(g, &err), QV_E_INPUT);
    ck_assert_msg(strncmp(err.msg, "200000 operators qvet cannot run: custom OP_00 (x6667), "
                          "custom OP_01 (x6667)", 60) == 0, "%s", err.msg);
    ck_assert_msg(strlen(err.msg) < sizeof(err.msg) - 1, "message truncated: %s", err.msg);
    ck_assert_msg(strstr(err.msg, "more kinds; qvet inspect lists them all)"), "%s", err.msg);
    qv_graph_free(g);
}
END_TEST

/* ---- hybrid nodes and the dequantize-weights pass -------------------------------------------- */

/*
 * x [1, 3] float -> FC(w int8 [2, 3] per-channel scales {0.5, 0.25}, zero points {0, 2},
 * b float [2]) -> y [1, 2]. With `shared`, a DEQUANTIZE node also reads w (output wd [2, 3]).
 */
static struct qv_graph *hybrid_fc(bool shared)
{
    struct qv_graph *g = new_graph();
    struct qv_error err = QV_ERROR_INIT;
    int32_t x = tensor(g, "x", QV_DTYPE_F32, 2, 1, 3), w = tensor(g, "w", QV_DTYPE_I8, 2, 2, 3);
    int32_t b = tensor(g, "b", QV_DTYPE_F32, 1, 2, 0), y = tensor(g, "y", QV_DTYPE_F32, 0, 0, 0);
    const int8_t wv[6] = { -128, 0, 127, 2, 3, -5 };
    ck_assert_int_eq(qv_graph_set_data(g, w, wv, 6, &err), QV_OK);
    ck_assert_int_eq(qv_graph_set_quant(g, w, 2, (const float[]){ 0.5f, 0.25f }, 2,
                                        (const int32_t[]){ 0, 2 }, 0, &err), QV_OK);
    ck_assert_int_eq(qv_graph_set_data(g, b, (const float[]){ 1.0f, -1.0f }, 8, &err), QV_OK);
    node(g, QV_OP_FULLY_CONNECTED, "fc", 3, (const int32_t[]){ x, w, b }, y);
    int32_t outs[2] = { y, -1 };
    if (shared) {
        outs[1] = tensor(g, "wd", QV_DTYPE_F32, 0, 0, 0);
        node(g, QV_OP_DEQUANTIZE, "dq", 1, &w, outs[1]);
    }
    ck_assert_int_eq(qv_graph_set_io(g, 1, &x, shared ? 2 : 1, outs, &err), QV_OK);
    ck_assert_int_eq(qv_graph_set_path(g, "hybrid.tflite", &err), QV_OK);
    finalize_ok(g);
    return g;
}

START_TEST(hybrid_nodes_and_dequantize_pass)
{
    struct qv_graph *g = hybrid_fc(false);
    struct qv_error err = QV_ERROR_INIT;
    ck_assert(qv_node_is_hybrid(g, 0));
    ck_assert(!qv_node_is_hybrid(g, 1));
    ck_assert(!qv_node_is_hybrid(g, -1));
    ck_assert_int_eq(qv_graph_count_hybrid(g), 1);
    ck_assert_int_eq(qv_op_hybrid_weight(QV_OP_CONV_2D), 1);
    ck_assert_int_eq(qv_op_hybrid_weight(QV_OP_DEPTHWISE_CONV_2D), 1);
    ck_assert_int_eq(qv_op_hybrid_weight(QV_OP_ADD), 0);
    ck_assert_int_eq(qv_op_hybrid_weight(QV_OP_UNSUPPORTED), 0);
    ck_assert_int_eq(qv_op_hybrid_weight((enum qv_op)-1), 0);

    struct qv_graph *f = NULL;
    ck_assert_int_eq(qv_pass_dequantize_weights(g, &f, &err), QV_OK);
    ck_assert(f->finalized);
    ck_assert_str_eq(f->path, "hybrid.tflite");
    ck_assert_int_eq(f->n_tensors, g->n_tensors);          /* converted in place */
    const struct qv_tensor *w = &f->tensors[1];
    ck_assert_str_eq(w->name, "w");
    ck_assert_int_eq(w->dtype, QV_DTYPE_F32);
    ck_assert_int_eq(w->quant.count, 0);
    ck_assert_uint_eq(w->nbytes, 24);
    const float want[6] = { -64.0f, 0.0f, 63.5f, 0.0f, 0.25f, -1.75f };
    qvt_assert_f32_close("dequantized w", w->data, want, 6, 0, 0);
    ck_assert_int_eq(qv_graph_count_hybrid(f), 0);
    /* the original is untouched */
    ck_assert_int_eq(g->tensors[1].dtype, QV_DTYPE_I8);
    ck_assert_int_eq(((const int8_t *)g->tensors[1].data)[0], -128);

    /* the float engine on both graphs: the pass computes what it computes on the hybrid one
     * when the engine runs hybrid nodes on dequantized weights */
    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    o.hybrid = QV_HYBRID_DEQUANTIZE;
    struct qv_engine *ea = NULL, *eb = NULL;
    ck_assert_int_eq(qv_engine_create(g, &o, &ea, &err), QV_OK);
    ck_assert_int_eq(qv_engine_create(f, &o, &eb, &err), QV_OK);
    const float x[3] = { 0.5f, -2.0f, 3.0f };
    memcpy(qv_engine_input(ea, 0), x, sizeof(x));
    memcpy(qv_engine_input(eb, 0), x, sizeof(x));
    ck_assert_int_eq(qv_engine_run(ea, 1, &err), QV_OK);
    ck_assert_int_eq(qv_engine_run(eb, 1, &err), QV_OK);
    const float *ya = qv_engine_output(ea, 0), *yb = qv_engine_output(eb, 0);
    ck_assert(memcmp(ya, yb, 2 * sizeof(float)) == 0);
    /* y0 = -64*0.5 + 0 + 63.5*3 + 1 = 159.5; y1 = 0 - 0.5 - 5.25 - 1 = -6.75 */
    qvt_assert_f32_close("y", yb, (const float[]){ 159.5f, -6.75f }, 2, 1e-6, 1e-6);
    qv_engine_free(ea);
    qv_engine_free(eb);
    qv_graph_free(f);
    qv_graph_free(g);

    /* weights also read by another node: kept, a float copy goes to the hybrid node */
    g = hybrid_fc(true);
    ck_assert_int_eq(qv_pass_dequantize_weights(g, &f, &err), QV_OK);
    ck_assert_int_eq(f->n_tensors, g->n_tensors + 1);
    ck_assert_int_eq(f->tensors[1].dtype, QV_DTYPE_I8);
    int32_t copy = f->nodes[0].inputs[1];
    ck_assert_int_eq(copy, g->n_tensors);
    ck_assert_str_eq(f->tensors[copy].name, "w_dequantized");
    qvt_assert_f32_close("copy", f->tensors[copy].data, want, 6, 0, 0);
    ck_assert_int_eq(f->nodes[1].inputs[0], 1);
    qv_graph_free(f);
    qv_graph_free(g);

    /* no hybrid node: an unchanged copy; an unfinalized graph: refused */
    g = mlp();
    ck_assert_int_eq(qv_graph_count_hybrid(g), 0);
    ck_assert_int_eq(qv_pass_dequantize_weights(g, &f, &err), QV_OK);
    ck_assert_int_eq(f->n_tensors, g->n_tensors);
    ck_assert(memcmp(f->tensors[1].data, g->tensors[1].data, g->tensors[1].nbytes) == 0);
    qv_graph_free(f);
    qv_graph_free(g);
    g = new_graph();
    f = NULL;
    ck_assert_int_eq(qv_pass_dequantize_weights(g, &f, &err), QV_E_USAGE);
    ck_assert_ptr_null(f);
    qv_graph_free(g);
}
END_TEST

/* ---- dtype traits and quantization parameters ------------------------------------------------ */

START_TEST(dtype_traits_table)
{
    for (int i = 0; i < QV_DTYPE_COUNT; i++) {
        const struct qv_dtype_traits *d = qv_dtype_get((enum qv_dtype)i);
        ck_assert_ptr_eq(d, &qv_dtypes[i]);
        ck_assert_msg(d->name && d->size && d->load && d->store, "dtype %d incomplete", i);
        ck_assert_uint_eq(qv_dtype_size((enum qv_dtype)i), d->size);
        ck_assert(d->is_float || d->min < d->max);
    }
    ck_assert_ptr_null(qv_dtype_get(QV_DTYPE_COUNT));
    ck_assert_ptr_null(qv_dtype_get((enum qv_dtype)-1));
    ck_assert_uint_eq(qv_dtype_size(QV_DTYPE_COUNT), 0);
    ck_assert_str_eq(qv_dtype_name((enum qv_dtype)99), "?");
    ck_assert_int_eq(qv_dtypes[QV_DTYPE_I8].min, -128);
    ck_assert_int_eq(qv_dtypes[QV_DTYPE_U8].max, 255);
    ck_assert_int_eq(qv_dtypes[QV_DTYPE_I16].min, -32768);
    ck_assert(qv_dtypes[QV_DTYPE_I64].max == INT64_MAX);

    /* store: round half away from zero, saturate, NaN -> 0; load gives the stored value back */
    static const struct {
        enum qv_dtype dt;
        double in, want;
    } cases[] = {
        { QV_DTYPE_I8, 2.5, 3 },          { QV_DTYPE_I8, -2.5, -3 },
        { QV_DTYPE_I8, 127.49, 127 },     { QV_DTYPE_I8, 127.5, 127 },
        { QV_DTYPE_I8, -1e300, -128 },    { QV_DTYPE_I8, INFINITY, 127 },
        { QV_DTYPE_I8, NAN, 0 },          { QV_DTYPE_U8, -0.4, 0 },
        { QV_DTYPE_U8, -7, 0 },           { QV_DTYPE_U8, 255.6, 255 },
        { QV_DTYPE_I16, 40000, 32767 },   { QV_DTYPE_I16, -32768.4, -32768 },
        { QV_DTYPE_I32, 3e9, 2147483647 }, { QV_DTYPE_I32, -2147483648.0, -2147483648.0 },
        { QV_DTYPE_I32, -0.5, -1 },       { QV_DTYPE_I64, 1e19, 9223372036854775807.0 },
        { QV_DTYPE_I64, -1e19, -9223372036854775808.0 }, { QV_DTYPE_I64, 12345.5, 12346 },
        { QV_DTYPE_BOOL, 0.7, 1 },        { QV_DTYPE_BOOL, 5, 1 },
        { QV_DTYPE_BOOL, -3, 0 },         { QV_DTYPE_F32, 0.1, (double)0.1f },
        { QV_DTYPE_F32, 1e300, INFINITY },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct qv_dtype_traits *d = &qv_dtypes[cases[i].dt];
        _Alignas(8) uint8_t buf[3 * 8];
        memset(buf, 0x5a, sizeof(buf));
        d->store(buf, 1, cases[i].in);
        double got = d->load(buf, 1);
        ck_assert_msg(got == cases[i].want, "%s store %g: got %g, want %g", d->name, cases[i].in,
                      got, cases[i].want);
        /* neighbours untouched */
        ck_assert_int_eq(buf[0], 0x5a);
        ck_assert_int_eq(buf[2 * d->size], 0x5a);
    }
}
END_TEST

START_TEST(quant_parameter_checks)
{
    char buf[160];
    const char *p;
    ck_assert_ptr_null(qv_quant_zero_point_problem(QV_DTYPE_I8, -128, buf, sizeof(buf)));
    ck_assert_ptr_null(qv_quant_zero_point_problem(QV_DTYPE_I8, 127, buf, sizeof(buf)));
    p = qv_quant_zero_point_problem(QV_DTYPE_I8, 128, buf, sizeof(buf));
    ck_assert_str_eq(p, "is outside int8's range -128..127");
    p = qv_quant_zero_point_problem(QV_DTYPE_U8, -1, buf, sizeof(buf));
    ck_assert_str_eq(p, "is outside uint8's range 0..255");
    ck_assert_ptr_nonnull(qv_quant_zero_point_problem(QV_DTYPE_I16, 100000, buf, sizeof(buf)));
    ck_assert_ptr_nonnull(qv_quant_zero_point_problem(QV_DTYPE_I32, (int64_t)1 << 31, buf,
                                                      sizeof(buf)));
    ck_assert_ptr_null(qv_quant_zero_point_problem(QV_DTYPE_I32, INT32_MIN, buf, sizeof(buf)));
    ck_assert_ptr_null(qv_quant_zero_point_problem(QV_DTYPE_F32, 100000, buf, sizeof(buf)));
    ck_assert_ptr_nonnull(qv_quant_zero_point_problem((enum qv_dtype)42, 0, buf, sizeof(buf)));

    const float bad[] = { 0.0f, -0.5f, NAN, INFINITY, -INFINITY, 1e-40f, 3e38f, 1.4e36f };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(qv_quant_scale_problem(QV_DTYPE_I8, bad[i], buf, sizeof(buf)),
                      "int8 scale %g accepted", (double)bad[i]);
    ck_assert_str_eq(qv_quant_scale_problem(QV_DTYPE_I8, -0.5f, buf, sizeof(buf)),
                     "is not a finite number > 0");
    ck_assert_msg(strstr(qv_quant_scale_problem(QV_DTYPE_I8, 1e-40f, buf, sizeof(buf)),
                         "denormal"), "%s", buf);
    ck_assert_msg(strstr(qv_quant_scale_problem(QV_DTYPE_I8, 3e38f, buf, sizeof(buf)),
                         "too large for int8"), "%s", buf);
    const float good[] = { FLT_MIN, 7.8e-9f, 1.0f / 256, 62.0f, 1.3e36f };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        ck_assert_msg(!qv_quant_scale_problem(QV_DTYPE_I8, good[i], buf, sizeof(buf)),
                      "int8 scale %g refused: %s", (double)good[i], buf);
    ck_assert_ptr_null(qv_quant_scale_problem(QV_DTYPE_I32, 7e28f, buf, sizeof(buf)));
    ck_assert_ptr_nonnull(qv_quant_scale_problem(QV_DTYPE_I32, 8e28f, buf, sizeof(buf)));

    /* through qv_graph_set_quant: the tensor, index and value are named */
    struct qv_graph *g = new_graph();
    struct qv_error err = QV_ERROR_INIT;
    int32_t t = tensor(g, "act", QV_DTYPE_I8, 2, 1, 3);
    ck_assert_int_eq(qv_graph_set_quant(g, t, 1, (const float[]){ 0.1f }, 1,
                                        (const int32_t[]){ 100000 }, 0, &err), QV_E_INPUT);
    ck_assert_str_eq(err.msg, "tensor 'act': zero_point[0] = 100000 is outside int8's range "
                              "-128..127");
    ck_assert_int_eq(qv_graph_set_quant(g, t, 1, (const float[]){ 0.1f }, 1,
                                        (const int32_t[]){ INT32_MIN }, 0, &err), QV_E_INPUT);
    ck_assert_int_eq(qv_graph_set_quant(g, t, 1, (const float[]){ 3e38f }, 1,
                                        (const int32_t[]){ 0 }, 0, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "tensor 'act': scale[0] = 3e+38 is too large"), "%s", err.msg);
    int32_t wt = tensor(g, "w", QV_DTYPE_I8, 2, 3, 2);
    ck_assert_int_eq(qv_graph_set_quant(g, wt, 3, (const float[]){ 0.1f, 0.2f, 0.3f }, 3,
                                        (const int32_t[]){ 0, -129, 0 }, 0, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "zero_point[1] = -129"), "%s", err.msg);
    ck_assert_int_eq(g->tensors[t].quant.count, 0);
    ck_assert_int_eq(g->tensors[wt].quant.count, 0);
    qv_graph_free(g);
}
END_TEST

Suite *graph_edit_suite(void)
{
    Suite *s = suite_create("graph_edit");
    TCase *tc = tcase_create("infer");
    tcase_add_test(tc, infer_shapes_propagates_inputs);
    tcase_add_test(tc, infer_batch_plans_or_declines);
    tcase_add_test(tc, finalize_errors_name_the_path);
    suite_add_tcase(s, tc);

    tc = tcase_create("edit");
    tcase_add_test(tc, clone_is_deep_and_finalized);
    tcase_add_test(tc, copy_tensors_and_nodes_through_a_map);
    tcase_add_test(tc, consumers_index);
    tcase_add_test(tc, remove_node_refuses_live_outputs);
    tcase_add_test(tc, replace_node_in_place);
    suite_add_tcase(s, tc);

    tc = tcase_create("unsupported");
    tcase_add_test(tc, multi_output_nodes);
    tcase_add_test(tc, unsupported_ops_are_listed_and_refused);
    tcase_add_test(tc, many_unsupported_ops);
    suite_add_tcase(s, tc);

    tc = tcase_create("hybrid");
    tcase_add_test(tc, hybrid_nodes_and_dequantize_pass);
    suite_add_tcase(s, tc);

    tc = tcase_create("dtypes");
    tcase_add_test(tc, dtype_traits_table);
    tcase_add_test(tc, quant_parameter_checks);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(graph_edit)
