/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tensor lifetimes (include/qvet/lifetime.h): TFLM's step numbering on chains, branches, graph
 * inputs and outputs, constants, dead outputs, multi-output nodes and caller-supplied orders
 * (valid and invalid).
 */
#include <stdlib.h>
#include <string.h>

#include "qvet/lifetime.h"
#include "support.h"

static int32_t add_act(struct qv_graph *g, const char *name)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_shape s = { 2, { 1, 8 } };
    int32_t t;
    ck_assert_int_eq(qv_graph_add_tensor(g, name, QV_DTYPE_F32, &s, &t, &err), QV_OK);
    return t;
}

static int32_t add_const(struct qv_graph *g, const char *name)
{
    struct qv_error err = QV_ERROR_INIT;
    int32_t t = add_act(g, name);
    float v[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    ck_assert_int_eq(qv_graph_set_data(g, t, v, sizeof(v), &err), QV_OK);
    return t;
}

static int32_t node(struct qv_graph *g, enum qv_op op, int32_t n_in, const int32_t *in,
                    int32_t out)
{
    struct qv_error err = QV_ERROR_INIT;
    int32_t idx;
    ck_assert_int_eq(qv_graph_add_node(g, op, NULL, n_in, in, 1, &out, NULL, &idx, &err), QV_OK);
    return idx;
}

static void finalize(struct qv_graph *g, int32_t n_in, const int32_t *in, int32_t n_out,
                     const int32_t *out)
{
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_set_io(g, n_in, in, n_out, out, &err), QV_OK);
    ck_assert_msg(qv_graph_finalize(g, &err) == QV_OK, "%s", err.msg);
}

#define ASSERT_LT(lt, t, f, l)                                                                   \
    ck_assert_msg((lt)[t].first == (f) && (lt)[t].last == (l),                                   \
                  "tensor %d: [%d, %d], want [%d, %d]", (int)(t), (lt)[t].first, (lt)[t].last,   \
                  (f), (l))

/* x -> relu a -> relu b -> relu y: each intermediate lives from its producer to its reader. */
START_TEST(chain)
{
    struct qv_graph *g;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    int32_t x = add_act(g, "x"), a = add_act(g, "a"), b = add_act(g, "b"), y = add_act(g, "y");
    node(g, QV_OP_RELU, 1, &x, a);
    node(g, QV_OP_RELU, 1, &a, b);
    node(g, QV_OP_RELU, 1, &b, y);
    finalize(g, 1, &x, 1, &y);
    struct qv_lifetime lt[4];
    ck_assert_int_eq(qv_lifetime_compute(g, NULL, lt, &err), QV_OK);
    ASSERT_LT(lt, x, 0, 1);
    ASSERT_LT(lt, a, 1, 2);
    ASSERT_LT(lt, b, 2, 3);
    ASSERT_LT(lt, y, 3, 3);
    ck_assert(qv_lifetime_overlap(&lt[x], &lt[a]));   /* input and output of node 0 */
    ck_assert(!qv_lifetime_overlap(&lt[x], &lt[b]));  /* may share memory */
    ck_assert(qv_lifetime_overlap(&lt[a], &lt[b]));
    ck_assert(!qv_lifetime_overlap(&lt[a], &lt[y]));
    qv_graph_free(g);
}
END_TEST

/*
 * A residual branch, a weight, a dead output and an early graph output:
 *   a = relu(x); b = relu(a); d = relu(a) (nobody reads d); c = add(a, b) (output);
 *   e = add(b, w) (output, w constant). The early output c lives to the end.
 */
START_TEST(branches_outputs_constants)
{
    struct qv_graph *g;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    int32_t x = add_act(g, "x"), a = add_act(g, "a"), b = add_act(g, "b"), d = add_act(g, "d");
    int32_t c = add_act(g, "c"), w = add_const(g, "w"), e = add_act(g, "e");
    node(g, QV_OP_RELU, 1, &x, a);
    node(g, QV_OP_RELU, 1, &a, b);
    node(g, QV_OP_RELU, 1, &a, d);
    node(g, QV_OP_ADD, 2, (int32_t[]){ a, b }, c);
    node(g, QV_OP_ADD, 2, (int32_t[]){ b, w }, e);
    finalize(g, 1, &x, 2, (int32_t[]){ c, e });
    struct qv_lifetime lt[7];
    ck_assert_int_eq(qv_lifetime_compute(g, NULL, lt, &err), QV_OK);
    ASSERT_LT(lt, x, 0, 1);
    ASSERT_LT(lt, a, 1, 4);
    ASSERT_LT(lt, b, 2, 5);
    ASSERT_LT(lt, d, 3, 3);
    ASSERT_LT(lt, c, 4, 5);
    ASSERT_LT(lt, e, 5, 5);
    ASSERT_LT(lt, w, QV_LIFETIME_NONE, QV_LIFETIME_NONE);
    ck_assert(!qv_lifetime_overlap(&lt[w], &lt[b]));
    ck_assert(!qv_lifetime_overlap(&lt[d], &lt[c]));

    /* the same graph in another valid order: d's node last */
    int32_t order[5] = { 0, 1, 3, 4, 2 };
    ck_assert_int_eq(qv_lifetime_compute(g, order, lt, &err), QV_OK);
    ASSERT_LT(lt, a, 1, 5);
    ASSERT_LT(lt, d, 5, 5);
    ASSERT_LT(lt, c, 3, 5);
    ASSERT_LT(lt, b, 2, 4);
    qv_graph_free(g);
}
END_TEST

/* Graph inputs start at step 0 even when read late, unused inputs end there, an input that is
 * also an output lives throughout. */
START_TEST(graph_inputs)
{
    struct qv_graph *g;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    int32_t x = add_act(g, "x"), u = add_act(g, "unused"), p = add_act(g, "pass");
    int32_t z = add_act(g, "late"), a = add_act(g, "a"), b = add_act(g, "b");
    node(g, QV_OP_RELU, 1, &x, a);
    node(g, QV_OP_ADD, 2, (int32_t[]){ a, z }, b);
    finalize(g, 4, (int32_t[]){ x, u, p, z }, 2, (int32_t[]){ b, p });
    struct qv_lifetime lt[6];
    ck_assert_int_eq(qv_lifetime_compute(g, NULL, lt, &err), QV_OK);
    ASSERT_LT(lt, x, 0, 1);
    ASSERT_LT(lt, u, 0, 0);
    ASSERT_LT(lt, p, 0, 2);
    ASSERT_LT(lt, z, 0, 2);
    ASSERT_LT(lt, b, 2, 2);
    qv_graph_free(g);
}
END_TEST

/* A node with two outputs (TFLite has them, e.g. SPLIT): both start at the node's step. */
START_TEST(multi_output)
{
    struct qv_graph *g;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    int32_t x = add_act(g, "x"), a = add_act(g, "a"), a2 = add_act(g, "a2");
    int32_t b = add_act(g, "b"), y = add_act(g, "y");
    node(g, QV_OP_RELU, 1, &x, a);
    node(g, QV_OP_RELU, 1, &x, a2);
    node(g, QV_OP_RELU, 1, &a, b);
    node(g, QV_OP_ADD, 2, (int32_t[]){ b, a2 }, y);
    finalize(g, 1, &x, 1, &y);
    /* make node 0 produce both a and a2, and drop node 1 from the order */
    g->nodes[0].n_outputs = 2;
    g->nodes[0].outputs[1] = a2;
    g->n_nodes = 3;
    g->nodes[1] = g->nodes[2];
    g->nodes[2] = g->nodes[3];
    int32_t order[3] = { 0, 1, 2 };
    struct qv_lifetime lt[5];
    ck_assert_int_eq(qv_lifetime_compute(g, order, lt, &err), QV_OK);
    ASSERT_LT(lt, a, 1, 2);
    ASSERT_LT(lt, a2, 1, 3);
    ASSERT_LT(lt, b, 2, 3);
    ASSERT_LT(lt, y, 3, 3);
    g->n_nodes = 4;
    qv_graph_free(g);
}
END_TEST

START_TEST(bad_orders)
{
    struct qv_graph *g;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    int32_t x = add_act(g, "x"), a = add_act(g, "a"), b = add_act(g, "b");
    node(g, QV_OP_RELU, 1, &x, a);
    node(g, QV_OP_RELU, 1, &a, b);
    struct qv_lifetime lt[3] = { { 7, 7 }, { 7, 7 }, { 7, 7 } };
    ck_assert_int_eq(qv_lifetime_compute(g, NULL, lt, &err), QV_E_INPUT); /* not finalized */
    finalize(g, 1, &x, 1, &b);
    err = (struct qv_error)QV_ERROR_INIT;
    ck_assert_int_eq(qv_lifetime_compute(g, (int32_t[]){ 1, 0 }, lt, &err), QV_E_INPUT);
    ck_assert_int_eq(err.node, 1);
    ck_assert_ptr_nonnull(strstr(err.msg, "'a'"));
    ck_assert_int_eq(qv_lifetime_compute(g, (int32_t[]){ 0, 0 }, lt, &err), QV_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "already placed"));
    ck_assert_int_eq(qv_lifetime_compute(g, (int32_t[]){ 0, 5 }, lt, &err), QV_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "out of range"));
    ck_assert_int_eq(lt[0].first, 7); /* untouched on failure */
    qv_graph_free(g);
}
END_TEST

static Suite *lifetime_suite(void)
{
    Suite *s = suite_create("lifetime");
    TCase *tc = tcase_create("lifetime");
    tcase_add_test(tc, chain);
    tcase_add_test(tc, branches_outputs_constants);
    tcase_add_test(tc, graph_inputs);
    tcase_add_test(tc, multi_output);
    tcase_add_test(tc, bad_orders);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(lifetime)
