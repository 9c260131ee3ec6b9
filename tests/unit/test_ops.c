/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-op attribute checks, shape inference and MAC counts (src/core/ops/). Each case builds a
 * one-node graph through the graph.h API, finalizes it (which runs the op's infer) and compares
 * the output shape and MACs with a hand computation; error cases check the message names the
 * op, the node and the tensor at fault.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/op_impl.h"
#include "core/ops/ops_common.h"
#include "support.h"

/* ---- a one-node graph builder -------------------------------------------------------------- */

struct oc {
    struct qv_graph *g;
    struct qv_error err;
    int32_t n_gin, gin[QV_MAX_INPUTS];
    int32_t y, node;
    struct qv_attrs a;
};

static struct qv_shape shp(int32_t rank, const int64_t *dims)
{
    struct qv_shape s = { .rank = rank };
    for (int32_t i = 0; i < rank; i++)
        s.dims[i] = dims[i];
    return s;
}
#define S(r, ...) shp((r), (const int64_t[]){ __VA_ARGS__ })
#define S0 shp(0, NULL)

static void oc_init(struct oc *c)
{
    memset(c, 0, sizeof(*c));
    qv_error_clear(&c->err);
    ck_assert_int_eq(qv_graph_create(&c->g, &c->err), QV_OK);
    qv_attrs_init(&c->a);
    c->y = c->node = -1;
}

static void oc_free(struct oc *c)
{
    qv_graph_free(c->g);
    c->g = NULL;
}

/* An activation that is a graph input. */
static int32_t oc_in(struct oc *c, const char *name, struct qv_shape s)
{
    int32_t t;
    ck_assert_int_eq(qv_graph_add_tensor(c->g, name, QV_DTYPE_F32, &s, &t, &c->err), QV_OK);
    c->gin[c->n_gin++] = t;
    return t;
}

/* A constant (zero-filled unless data is given). */
static int32_t oc_const(struct oc *c, const char *name, enum qv_dtype dt, struct qv_shape s,
                        const void *data)
{
    int32_t t;
    void *p;
    ck_assert_int_eq(qv_graph_add_tensor(c->g, name, dt, &s, &t, &c->err), QV_OK);
    ck_assert_int_eq(qv_graph_alloc_data(c->g, t, &p, &c->err), QV_OK);
    if (data)
        memcpy(p, data, c->g->tensors[t].nbytes);
    return t;
}

static int32_t oc_i32(struct oc *c, const char *name, struct qv_shape s, const int32_t *v)
{
    return oc_const(c, name, QV_DTYPE_I32, s, v);
}

/* Adds output "y" with stored shape `out` (rank 0 = take the inferred one), the node, finalizes. */
static enum qv_status oc_run_out(struct oc *c, enum qv_op op, int32_t n, const int32_t *inputs,
                                 struct qv_shape out)
{
    ck_assert_int_eq(qv_graph_add_tensor(c->g, "y", QV_DTYPE_F32, &out, &c->y, &c->err), QV_OK);
    ck_assert_int_eq(qv_graph_add_node(c->g, op, "n", n, inputs, 1, &c->y, &c->a, &c->node,
                                       &c->err), QV_OK);
    ck_assert_int_eq(qv_graph_set_io(c->g, c->n_gin, c->gin, 1, &c->y, &c->err), QV_OK);
    return qv_graph_finalize(c->g, &c->err);
}

static enum qv_status oc_run(struct oc *c, enum qv_op op, int32_t n, const int32_t *inputs)
{
    return oc_run_out(c, op, n, inputs, S0);
}

static void expect_shape(const struct qv_shape *got, struct qv_shape want)
{
    char a[160], b[160];
    qv_shape_format(got, a, sizeof(a));
    qv_shape_format(&want, b, sizeof(b));
    ck_assert_msg(qv_shape_equal(got, &want), "shape %s, expected %s", a, b);
}

/* Finalize must succeed; output y has shape `want` and the node `macs` MACs. */
static void expect_ok(struct oc *c, enum qv_status st, struct qv_shape want, int64_t macs)
{
    ck_assert_msg(st == QV_OK, "finalize failed: %s", c->err.msg);
    expect_shape(&c->g->tensors[c->y].shape, want);
    ck_assert_int_eq(qv_graph_node_macs(c->g, c->node), macs);
}

/* Finalize must fail with QV_E_INPUT on node n, naming the op and every given substring. */
static void expect_fail(struct oc *c, enum qv_status st, const char *op, const char *s1,
                        const char *s2)
{
    char want[64];
    ck_assert_msg(st == QV_E_INPUT, "expected an input error, got %d (%s)", st, c->err.msg);
    ck_assert_int_eq(c->err.node, c->node);
    snprintf(want, sizeof(want), "%s 'n'", op);
    ck_assert_msg(strstr(c->err.msg, want), "'%s' lacks \"%s\"", c->err.msg, want);
    ck_assert_msg(!s1 || strstr(c->err.msg, s1), "'%s' lacks \"%s\"", c->err.msg, s1);
    ck_assert_msg(!s2 || strstr(c->err.msg, s2), "'%s' lacks \"%s\"", c->err.msg, s2);
}

/* Re-runs n's infer on runtime shapes (what a batched engine does) and returns the status. */
static enum qv_status oc_reinfer(struct oc *c, const struct qv_shape *in0, struct qv_shape *out)
{
    const struct qv_node *n = &c->g->nodes[c->node];
    const struct qv_shape *in[QV_MAX_INPUTS] = { 0 };
    for (int32_t k = 0; k < n->n_inputs; k++)
        in[k] = n->inputs[k] >= 0 ? &c->g->tensors[n->inputs[k]].shape : NULL;
    in[0] = in0;
    memset(out, 0, sizeof(*out) * QV_MAX_OUTPUTS);
    return qv_op_defs[n->op].infer(c->g, n, in, out, &c->err);
}

/* ---- helpers -------------------------------------------------------------------------------- */

START_TEST(padding_helper)
{
    int64_t out, pad;
    qv_compute_padding(7, 3, 2, 1, QV_PADDING_SAME, &out, &pad);    /* total 2 */
    ck_assert_int_eq(out, 4);
    ck_assert_int_eq(pad, 1);
    qv_compute_padding(8, 3, 2, 1, QV_PADDING_SAME, &out, &pad);    /* total 1: extra after */
    ck_assert_int_eq(out, 4);
    ck_assert_int_eq(pad, 0);
    qv_compute_padding(7, 3, 2, 1, QV_PADDING_VALID, &out, &pad);
    ck_assert_int_eq(out, 3);
    ck_assert_int_eq(pad, 0);
    qv_compute_padding(9, 3, 1, 2, QV_PADDING_SAME, &out, &pad);    /* eff 5 */
    ck_assert_int_eq(out, 9);
    ck_assert_int_eq(pad, 2);
    qv_compute_padding(9, 3, 1, 2, QV_PADDING_VALID, &out, &pad);
    ck_assert_int_eq(out, 5);
    qv_compute_padding(2, 5, 1, 1, QV_PADDING_VALID, &out, NULL);
    ck_assert_int_le(out, 0);
    qv_compute_padding(4, 5, 3, 1, QV_PADDING_VALID, &out, &pad);   /* floor, not truncation */
    ck_assert_int_le(out, 0);
    ck_assert_int_eq(pad, 0);
    /* hostile: huge window and dilation, no overflow */
    qv_compute_padding(5, INT32_MAX, INT32_MAX, INT32_MAX, QV_PADDING_SAME, &out, &pad);
    ck_assert_int_eq(out, 1);
    ck_assert_int_gt(pad, 0);
    qv_compute_padding((int64_t)1 << 40, INT32_MAX, 1, INT32_MAX, QV_PADDING_VALID, &out, &pad);
    ck_assert_int_le(out, 0);
}
END_TEST

START_TEST(broadcast_helper)
{
    struct qv_shape o;
    struct qv_shape a = S(3, 2, 1, 3), b = S(2, 4, 1);
    ck_assert(qv_broadcast_shape(&a, &b, &o));
    expect_shape(&o, S(3, 2, 4, 3));
    a = S0;
    b = S(2, 2, 3);
    ck_assert(qv_broadcast_shape(&a, &b, &o));
    expect_shape(&o, S(2, 2, 3));
    a = S(2, 0, 3);
    b = S(2, 1, 3);
    ck_assert(qv_broadcast_shape(&a, &b, &o));
    expect_shape(&o, S(2, 0, 3));
    a = S(3, 1, 4, 3);
    b = S(3, 1, 5, 3);
    ck_assert(!qv_broadcast_shape(&a, &b, &o));
    ck_assert_int_eq(qv_mul_sat(INT64_MAX / 2, 3), INT64_MAX);
    ck_assert_int_eq(qv_mul_sat(6, 7), 42);
}
END_TEST

/* ---- CONV_2D ------------------------------------------------------------------------------- */

struct conv_case {
    int64_t h, w, cin, cout, kh, kw, fcin;
    int32_t sh, sw, dh, dw;
    enum qv_padding pad;
    int64_t oh, ow;
};

static const struct conv_case conv_cases[] = {
    { 5, 5, 3, 4, 3, 3, 3, 1, 1, 1, 1, QV_PADDING_SAME, 5, 5 },
    { 7, 7, 3, 8, 3, 3, 3, 2, 2, 1, 1, QV_PADDING_SAME, 4, 4 },
    { 7, 7, 3, 8, 3, 3, 3, 2, 2, 1, 1, QV_PADDING_VALID, 3, 3 },
    { 8, 8, 3, 8, 3, 3, 3, 2, 2, 1, 1, QV_PADDING_VALID, 3, 3 },
    { 9, 9, 2, 4, 3, 3, 2, 1, 1, 2, 2, QV_PADDING_VALID, 5, 5 },
    { 9, 9, 2, 4, 3, 3, 2, 1, 1, 2, 2, QV_PADDING_SAME, 9, 9 },
    { 9, 11, 2, 4, 3, 5, 2, 2, 3, 1, 2, QV_PADDING_VALID, 4, 1 },  /* 11+3-9: floor(5/3) = 1 */
    { 6, 6, 4, 6, 3, 3, 2, 1, 1, 1, 1, QV_PADDING_SAME, 6, 6 },    /* 2 groups */
    { 1, 1, 8, 16, 1, 1, 8, 1, 1, 1, 1, QV_PADDING_VALID, 1, 1 },  /* pointwise */
};

START_TEST(conv_2d_shapes)
{
    const struct conv_case *k = &conv_cases[_i];
    struct oc c;
    oc_init(&c);
    c.a.padding = k->pad;
    c.a.stride_h = k->sh;
    c.a.stride_w = k->sw;
    c.a.dilation_h = k->dh;
    c.a.dilation_w = k->dw;
    int32_t in[3] = { oc_in(&c, "x", S(4, 2, k->h, k->w, k->cin)),
                      oc_const(&c, "w", QV_DTYPE_F32, S(4, k->cout, k->kh, k->kw, k->fcin), NULL),
                      oc_const(&c, "b", QV_DTYPE_F32, S(1, k->cout), NULL) };
    int64_t macs = 2 * k->oh * k->ow * k->cout * k->kh * k->kw * k->fcin;
    expect_ok(&c, oc_run(&c, QV_OP_CONV_2D, 3, in), S(4, 2, k->oh, k->ow, k->cout), macs);
    oc_free(&c);
}
END_TEST

START_TEST(conv_2d_no_bias)
{
    struct oc c;
    oc_init(&c);
    int32_t in[3] = { oc_in(&c, "x", S(4, 1, 4, 4, 3)),
                      oc_const(&c, "w", QV_DTYPE_F32, S(4, 2, 1, 1, 3), NULL), -1 };
    expect_ok(&c, oc_run(&c, QV_OP_CONV_2D, 3, in), S(4, 1, 4, 4, 2), 16 * 2 * 3);
    oc_free(&c);
}
END_TEST

/* One hostile CONV_2D per case: attrs or shapes, and what the message must name. */
struct bad_case {
    const char *what;
    int64_t x[4], w[4], b;
    int32_t sh, sw, dh, dw, pad, act;
    const char *s1, *s2;
};

static const struct bad_case conv_bad[] = {
    { "channels", { 1, 5, 5, 3 }, { 4, 3, 3, 4 }, 4, 1, 1, 1, 1, 0, 0,
      "filter 'w' expects 4 input channels", "'x' has 3" },
    { "groups vs cout", { 1, 5, 5, 4 }, { 3, 3, 3, 2 }, 3, 1, 1, 1, 1, 0, 0, "'w'", "groups" },
    { "stride 0", { 1, 5, 5, 3 }, { 4, 3, 3, 3 }, 4, 0, 1, 1, 1, 0, 0, "stride height 0", NULL },
    { "stride<0", { 1, 5, 5, 3 }, { 4, 3, 3, 3 }, 4, 1, -2, 1, 1, 0, 0, "stride width -2", NULL },
    { "dilation 0", { 1, 5, 5, 3 }, { 4, 3, 3, 3 }, 4, 1, 1, 0, 1, 0, 0, "dilation", NULL },
    { "bias", { 1, 5, 5, 3 }, { 4, 3, 3, 3 }, 5, 1, 1, 1, 1, 0, 0, "bias 'b'", "[4]" },
    { "valid too big", { 1, 2, 2, 1 }, { 1, 3, 3, 1 }, 1, 1, 1, 1, 1, 1, 0, "VALID", "'x'" },
    { "huge dilation", { 1, 5, 5, 1 }, { 1, 3, 3, 1 }, 1, 1, 1, INT32_MAX, INT32_MAX, 1, 0,
      "VALID", NULL },
    { "padding enum", { 1, 5, 5, 3 }, { 4, 3, 3, 3 }, 4, 1, 1, 1, 1, 7, 0, "padding 7", NULL },
    { "act enum", { 1, 5, 5, 3 }, { 4, 3, 3, 3 }, 4, 1, 1, 1, 1, 0, 9, "activation 9", NULL },
    { "empty filter", { 1, 5, 5, 3 }, { 0, 3, 3, 3 }, 0, 1, 1, 1, 1, 0, 0, "'w'", NULL },
    { "empty input", { 1, 0, 5, 3 }, { 4, 3, 3, 3 }, 4, 1, 1, 1, 1, 0, 0, "'x'", "height 0" },
};

START_TEST(conv_2d_errors)
{
    const struct bad_case *k = &conv_bad[_i];
    struct oc c;
    oc_init(&c);
    c.a.stride_h = k->sh;
    c.a.stride_w = k->sw;
    c.a.dilation_h = k->dh;
    c.a.dilation_w = k->dw;
    c.a.padding = (enum qv_padding)k->pad;
    c.a.act = (enum qv_act)k->act;
    int32_t in[3] = { oc_in(&c, "x", shp(4, k->x)), oc_const(&c, "w", QV_DTYPE_F32, shp(4, k->w),
                                                             NULL),
                      oc_const(&c, "b", QV_DTYPE_F32, S(1, k->b), NULL) };
    expect_fail(&c, oc_run(&c, QV_OP_CONV_2D, 3, in), "CONV_2D", k->s1, k->s2);
    oc_free(&c);
}
END_TEST

START_TEST(conv_2d_rank)
{
    struct oc c;
    oc_init(&c);
    int32_t in[2] = { oc_in(&c, "x", S(3, 5, 5, 3)),
                      oc_const(&c, "w", QV_DTYPE_F32, S(4, 4, 3, 3, 3), NULL) };
    expect_fail(&c, oc_run(&c, QV_OP_CONV_2D, 2, in), "CONV_2D", "'x' must have rank 4", NULL);
    oc_free(&c);
    oc_init(&c);
    int32_t in2[2] = { oc_in(&c, "x", S(4, 1, 5, 5, 3)),
                       oc_const(&c, "w", QV_DTYPE_F32, S(2, 4, 27), NULL) };
    expect_fail(&c, oc_run(&c, QV_OP_CONV_2D, 2, in2), "CONV_2D", "'w' must have rank 4", NULL);
    oc_free(&c);
}
END_TEST

/* ---- DEPTHWISE_CONV_2D ---------------------------------------------------------------------- */

START_TEST(depthwise_shapes)
{
    struct oc c;
    /* dm 2, SAME stride 1 */
    oc_init(&c);
    c.a.depth_multiplier = 2;
    int32_t in[3] = { oc_in(&c, "x", S(4, 1, 5, 5, 3)),
                      oc_const(&c, "w", QV_DTYPE_F32, S(4, 1, 3, 3, 6), NULL),
                      oc_const(&c, "b", QV_DTYPE_F32, S(1, 6), NULL) };
    expect_ok(&c, oc_run(&c, QV_OP_DEPTHWISE_CONV_2D, 3, in), S(4, 1, 5, 5, 6), 25 * 6 * 9);
    oc_free(&c);
    /* dm 0 = derived; VALID stride 2 odd size, dilation 2 on height */
    oc_init(&c);
    c.a.depth_multiplier = 0;
    c.a.padding = QV_PADDING_VALID;
    c.a.stride_h = c.a.stride_w = 2;
    c.a.dilation_h = 2;
    int32_t in2[2] = { oc_in(&c, "x", S(4, 1, 11, 7, 4)),
                       oc_const(&c, "w", QV_DTYPE_F32, S(4, 1, 3, 3, 12), NULL) };
    /* h: eff 5, floor((11 + 2 - 5) / 2) = 4; w: floor((7 + 2 - 3) / 2) = 3 */
    expect_ok(&c, oc_run(&c, QV_OP_DEPTHWISE_CONV_2D, 2, in2), S(4, 1, 4, 3, 12),
              4 * 3 * 12 * 9);
    oc_free(&c);
}
END_TEST

START_TEST(depthwise_errors)
{
    struct oc c;
    oc_init(&c);
    c.a.depth_multiplier = 3;
    int32_t in[2] = { oc_in(&c, "x", S(4, 1, 5, 5, 3)),
                      oc_const(&c, "w", QV_DTYPE_F32, S(4, 1, 3, 3, 6), NULL) };
    expect_fail(&c, oc_run(&c, QV_OP_DEPTHWISE_CONV_2D, 2, in), "DEPTHWISE_CONV_2D",
                "depth_multiplier 3", ": 2)");
    oc_free(&c);

    oc_init(&c);
    c.a.depth_multiplier = -1;
    int32_t in2[2] = { oc_in(&c, "x", S(4, 1, 5, 5, 3)),
                       oc_const(&c, "w", QV_DTYPE_F32, S(4, 1, 3, 3, 3), NULL) };
    expect_fail(&c, oc_run(&c, QV_OP_DEPTHWISE_CONV_2D, 2, in2), "DEPTHWISE_CONV_2D",
                "depth_multiplier -1", NULL);
    oc_free(&c);

    oc_init(&c);
    int32_t in3[2] = { oc_in(&c, "x", S(4, 1, 5, 5, 3)),
                       oc_const(&c, "w", QV_DTYPE_F32, S(4, 1, 3, 3, 4), NULL) };
    expect_fail(&c, oc_run(&c, QV_OP_DEPTHWISE_CONV_2D, 2, in3), "DEPTHWISE_CONV_2D",
                "filter 'w' has 4 output channels", "3 input channels of 'x'");
    oc_free(&c);

    oc_init(&c);
    int32_t in4[2] = { oc_in(&c, "x", S(4, 1, 5, 5, 3)),
                       oc_const(&c, "w", QV_DTYPE_F32, S(4, 2, 3, 3, 3), NULL) };
    expect_fail(&c, oc_run(&c, QV_OP_DEPTHWISE_CONV_2D, 2, in4), "DEPTHWISE_CONV_2D",
                "[1, KH, KW, Cout]", NULL);
    oc_free(&c);

    oc_init(&c);
    c.a.stride_w = 0;
    int32_t in5[3] = { oc_in(&c, "x", S(4, 1, 5, 5, 3)),
                       oc_const(&c, "w", QV_DTYPE_F32, S(4, 1, 3, 3, 3), NULL),
                       oc_const(&c, "b", QV_DTYPE_F32, S(1, 3), NULL) };
    expect_fail(&c, oc_run(&c, QV_OP_DEPTHWISE_CONV_2D, 3, in5), "DEPTHWISE_CONV_2D",
                "stride width 0", NULL);
    oc_free(&c);
}
END_TEST

/* ---- FULLY_CONNECTED ------------------------------------------------------------------------ */

START_TEST(fc_shapes)
{
    struct oc c;
    struct qv_shape out[QV_MAX_OUTPUTS];
    oc_init(&c);
    int32_t in[3] = { oc_in(&c, "x", S(2, 1, 64)),
                      oc_const(&c, "w", QV_DTYPE_F32, S(2, 10, 64), NULL),
                      oc_const(&c, "b", QV_DTYPE_F32, S(1, 10), NULL) };
    expect_ok(&c, oc_run(&c, QV_OP_FULLY_CONNECTED, 3, in), S(2, 1, 10), 640);
    struct qv_shape xb = S(2, 3, 64);             /* batched engine: B = 3 */
    ck_assert_int_eq(oc_reinfer(&c, &xb, out), QV_OK);
    expect_shape(&out[0], S(2, 3, 10));
    oc_free(&c);

    /* a rank-4 input flattens: 2 * 4 * 4 * 4 = 128 = 2 batches of 64 */
    oc_init(&c);
    int32_t in2[2] = { oc_in(&c, "x", S(4, 2, 4, 4, 4)),
                       oc_const(&c, "w", QV_DTYPE_F32, S(2, 10, 64), NULL) };
    expect_ok(&c, oc_run(&c, QV_OP_FULLY_CONNECTED, 2, in2), S(2, 2, 10), 2 * 10 * 64);
    oc_free(&c);

    oc_init(&c);
    int32_t in3[2] = { oc_in(&c, "x", S(4, 1, 4, 4, 4)),
                       oc_const(&c, "w", QV_DTYPE_F32, S(2, 10, 64), NULL) };
    expect_ok(&c, oc_run(&c, QV_OP_FULLY_CONNECTED, 2, in3), S(2, 1, 10), 640);
    xb = S(4, 5, 4, 4, 4);
    ck_assert_int_eq(oc_reinfer(&c, &xb, out), QV_OK);
    expect_shape(&out[0], S(2, 5, 10));
    oc_free(&c);

    /* keep_num_dims */
    oc_init(&c);
    c.a.keep_num_dims = true;
    int32_t in4[2] = { oc_in(&c, "x", S(3, 1, 5, 64)),
                       oc_const(&c, "w", QV_DTYPE_F32, S(2, 10, 64), NULL) };
    expect_ok(&c, oc_run(&c, QV_OP_FULLY_CONNECTED, 2, in4), S(3, 1, 5, 10), 5 * 10 * 64);
    xb = S(3, 4, 5, 64);
    ck_assert_int_eq(oc_reinfer(&c, &xb, out), QV_OK);
    expect_shape(&out[0], S(3, 4, 5, 10));
    oc_free(&c);
}
END_TEST

START_TEST(fc_errors)
{
    struct oc c;
    oc_init(&c);
    int32_t in[2] = { oc_in(&c, "x", S(2, 1, 65)),
                      oc_const(&c, "w", QV_DTYPE_F32, S(2, 10, 64), NULL) };
    expect_fail(&c, oc_run(&c, QV_OP_FULLY_CONNECTED, 2, in), "FULLY_CONNECTED", "'x' [1, 65]",
                "depth 64 of weights 'w'");
    oc_free(&c);

    oc_init(&c);
    c.a.keep_num_dims = true;
    int32_t in2[2] = { oc_in(&c, "x", S(2, 1, 128)),
                       oc_const(&c, "w", QV_DTYPE_F32, S(2, 10, 64), NULL) };
    expect_fail(&c, oc_run(&c, QV_OP_FULLY_CONNECTED, 2, in2), "FULLY_CONNECTED",
                "keep_num_dims", "'x'");
    oc_free(&c);

    oc_init(&c);
    int32_t in3[3] = { oc_in(&c, "x", S(2, 1, 64)),
                       oc_const(&c, "w", QV_DTYPE_F32, S(2, 10, 64), NULL),
                       oc_const(&c, "b", QV_DTYPE_F32, S(1, 64), NULL) };
    expect_fail(&c, oc_run(&c, QV_OP_FULLY_CONNECTED, 3, in3), "FULLY_CONNECTED", "bias 'b'",
                "[10]");
    oc_free(&c);

    oc_init(&c);
    int32_t in4[2] = { oc_in(&c, "x", S(2, 1, 64)),
                       oc_const(&c, "w", QV_DTYPE_F32, S(3, 1, 10, 64), NULL) };
    expect_fail(&c, oc_run(&c, QV_OP_FULLY_CONNECTED, 2, in4), "FULLY_CONNECTED",
                "'w' must have rank 2", NULL);
    oc_free(&c);

    oc_init(&c);
    int32_t in5[2] = { oc_in(&c, "x", S(2, 1, 64)),
                       oc_const(&c, "w", QV_DTYPE_F32, S(2, 10, 0), NULL) };
    expect_fail(&c, oc_run(&c, QV_OP_FULLY_CONNECTED, 2, in5), "FULLY_CONNECTED", "'w'", NULL);
    oc_free(&c);
}
END_TEST

/* ---- pools ---------------------------------------------------------------------------------- */

START_TEST(pool_shapes)
{
    for (int avg = 0; avg < 2; avg++) {
        enum qv_op op = avg ? QV_OP_AVERAGE_POOL_2D : QV_OP_MAX_POOL_2D;
        struct oc c;
        oc_init(&c);
        c.a.filter_h = c.a.filter_w = 3;
        c.a.stride_h = c.a.stride_w = 2;
        int32_t x = oc_in(&c, "x", S(4, 1, 7, 7, 4));
        expect_ok(&c, oc_run(&c, op, 1, &x), S(4, 1, 4, 4, 4), avg ? 64 * 9 : 0);
        oc_free(&c);

        oc_init(&c);
        c.a.padding = QV_PADDING_VALID;
        c.a.filter_h = 2;
        c.a.filter_w = 3;
        c.a.stride_h = 2;
        c.a.stride_w = 1;
        x = oc_in(&c, "x", S(4, 2, 7, 6, 5));
        /* h: floor((7 + 2 - 2) / 2) = 3; w: 6 - 3 + 1 = 4 */
        expect_ok(&c, oc_run(&c, op, 1, &x), S(4, 2, 3, 4, 5), avg ? 2 * 3 * 4 * 5 * 6 : 0);
        oc_free(&c);
    }
}
END_TEST

START_TEST(pool_errors)
{
    static const struct { int32_t fh, fw, sh, sw, pad; const char *s1; } bad[] = {
        { 0, 2, 1, 1, 0, "window height 0" }, { 2, -1, 1, 1, 0, "window width -1" },
        { 2, 2, 0, 1, 0, "stride height 0" }, { 9, 2, 1, 1, 1, "VALID" },
        { 2, 2, 1, 1, 3, "padding 3" },
    };
    for (int avg = 0; avg < 2; avg++) {
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            struct oc c;
            oc_init(&c);
            c.a.filter_h = bad[i].fh;
            c.a.filter_w = bad[i].fw;
            c.a.stride_h = bad[i].sh;
            c.a.stride_w = bad[i].sw;
            c.a.padding = (enum qv_padding)bad[i].pad;
            int32_t x = oc_in(&c, "x", S(4, 1, 5, 5, 2));
            expect_fail(&c, oc_run(&c, avg ? QV_OP_AVERAGE_POOL_2D : QV_OP_MAX_POOL_2D, 1, &x),
                        avg ? "AVERAGE_POOL_2D" : "MAX_POOL_2D", bad[i].s1, NULL);
            oc_free(&c);
        }
        struct oc c;
        oc_init(&c);
        int32_t x = oc_in(&c, "x", S(3, 5, 5, 2));
        expect_fail(&c, oc_run(&c, avg ? QV_OP_AVERAGE_POOL_2D : QV_OP_MAX_POOL_2D, 1, &x),
                    avg ? "AVERAGE_POOL_2D" : "MAX_POOL_2D", "'x' must have rank 4", NULL);
        oc_free(&c);
    }
}
END_TEST

/* ---- ADD / SUB / MUL ------------------------------------------------------------------------ */

static const enum qv_op binary_ops[] = { QV_OP_ADD, QV_OP_SUB, QV_OP_MUL };

START_TEST(binary_broadcast)
{
    enum qv_op op = binary_ops[_i];
    static const struct { struct { int32_t r; int64_t d[8]; } a, b, o; } cases[] = {
        { { 4, { 1, 4, 4, 3 } }, { 1, { 3 } }, { 4, { 1, 4, 4, 3 } } },
        { { 3, { 2, 1, 3 } }, { 2, { 4, 1 } }, { 3, { 2, 4, 3 } } },
        { { 0, { 0 } }, { 2, { 2, 3 } }, { 2, { 2, 3 } } },
        { { 4, { 1, 4, 4, 3 } }, { 4, { 1, 4, 4, 3 } }, { 4, { 1, 4, 4, 3 } } },
        { { 8, { 2, 1, 2, 1, 2, 1, 2, 1 } }, { 8, { 1, 3, 1, 3, 1, 3, 1, 3 } },
          { 8, { 2, 3, 2, 3, 2, 3, 2, 3 } } },
        { { 2, { 0, 3 } }, { 2, { 1, 3 } }, { 2, { 0, 3 } } },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct oc c;
        oc_init(&c);
        int32_t in[2] = { oc_in(&c, "a", shp(cases[i].a.r, cases[i].a.d)),
                          oc_in(&c, "b", shp(cases[i].b.r, cases[i].b.d)) };
        struct qv_shape o = shp(cases[i].o.r, cases[i].o.d);
        /* MAC convention: one per output element for ADD, SUB and MUL */
        expect_ok(&c, oc_run(&c, op, 2, in), o, qv_shape_elems(&o));
        oc_free(&c);
    }
    /* a constant operand broadcasts too */
    struct oc c;
    oc_init(&c);
    int32_t in[2] = { oc_in(&c, "a", S(4, 1, 2, 2, 3)),
                      oc_const(&c, "k", QV_DTYPE_F32, S(3, 1, 1, 3), NULL) };
    expect_ok(&c, oc_run(&c, op, 2, in), S(4, 1, 2, 2, 3), 12);
    oc_free(&c);
}
END_TEST

START_TEST(binary_errors)
{
    enum qv_op op = binary_ops[_i];
    struct oc c;
    oc_init(&c);
    int32_t in[2] = { oc_in(&c, "a", S(3, 1, 4, 3)), oc_in(&c, "b", S(3, 1, 5, 3)) };
    expect_fail(&c, oc_run(&c, op, 2, in), qv_op_name(op), "'a' [1, 4, 3]", "'b' [1, 5, 3]");
    oc_free(&c);
    oc_init(&c);
    c.a.act = (enum qv_act)17;
    int32_t in2[2] = { oc_in(&c, "a", S(1, 3)), oc_in(&c, "b", S(1, 3)) };
    expect_fail(&c, oc_run(&c, op, 2, in2), qv_op_name(op), "activation 17", NULL);
    oc_free(&c);
}
END_TEST

/* ---- CONCATENATION -------------------------------------------------------------------------- */

START_TEST(concat_shapes)
{
    struct oc c;
    for (int neg = 0; neg < 2; neg++) {
        oc_init(&c);
        c.a.axis = neg ? -1 : 3;
        int32_t in[3] = { oc_in(&c, "a", S(4, 1, 2, 2, 3)), oc_in(&c, "b", S(4, 1, 2, 2, 5)),
                          oc_const(&c, "k", QV_DTYPE_F32, S(4, 1, 2, 2, 1), NULL) };
        expect_ok(&c, oc_run(&c, QV_OP_CONCATENATION, 3, in), S(4, 1, 2, 2, 9), 0);
        oc_free(&c);
    }
    oc_init(&c);
    c.a.axis = -4;
    int32_t in[2] = { oc_in(&c, "a", S(4, 1, 2, 2, 3)), oc_in(&c, "b", S(4, 2, 2, 2, 3)) };
    expect_ok(&c, oc_run(&c, QV_OP_CONCATENATION, 2, in), S(4, 3, 2, 2, 3), 0);
    oc_free(&c);

    oc_init(&c);
    int32_t x = oc_in(&c, "a", S(2, 4, 5));
    expect_ok(&c, oc_run(&c, QV_OP_CONCATENATION, 1, &x), S(2, 4, 5), 0);
    oc_free(&c);

    oc_init(&c);
    c.a.axis = 1;
    int32_t ten[10];
    char name[8];
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof(name), "x%d", i);
        ten[i] = oc_in(&c, name, S(2, 2, i + 1));
    }
    expect_ok(&c, oc_run(&c, QV_OP_CONCATENATION, 10, ten), S(2, 2, 55), 0);
    oc_free(&c);
}
END_TEST

START_TEST(concat_errors)
{
    struct oc c;
    oc_init(&c);
    c.a.axis = 3;
    int32_t in[2] = { oc_in(&c, "a", S(4, 1, 2, 2, 3)), oc_in(&c, "b", S(4, 1, 3, 2, 5)) };
    expect_fail(&c, oc_run(&c, QV_OP_CONCATENATION, 2, in), "CONCATENATION", "'b' [1, 3, 2, 5]",
                "'a' [1, 2, 2, 3]");
    oc_free(&c);

    oc_init(&c);
    c.a.axis = 1;
    int32_t in2[2] = { oc_in(&c, "a", S(2, 2, 3)), oc_in(&c, "b", S(3, 2, 3, 1)) };
    expect_fail(&c, oc_run(&c, QV_OP_CONCATENATION, 2, in2), "CONCATENATION", "'b'", NULL);
    oc_free(&c);

    for (int bad = 0; bad < 2; bad++) {
        oc_init(&c);
        c.a.axis = bad ? -5 : 4;
        int32_t in3[2] = { oc_in(&c, "a", S(4, 1, 2, 2, 3)), oc_in(&c, "b", S(4, 1, 2, 2, 3)) };
        expect_fail(&c, oc_run(&c, QV_OP_CONCATENATION, 2, in3), "CONCATENATION",
                    bad ? "axis -5" : "axis 4", "rank 4 of 'a'");
        oc_free(&c);
    }

    oc_init(&c);
    int32_t in4[2] = { oc_in(&c, "a", S(1, 3)), -1 };
    expect_fail(&c, oc_run(&c, QV_OP_CONCATENATION, 2, in4), "CONCATENATION",
                "input 1 is omitted", NULL);
    oc_free(&c);

    oc_init(&c);
    int32_t s = oc_in(&c, "a", S0);
    expect_fail(&c, oc_run(&c, QV_OP_CONCATENATION, 1, &s), "CONCATENATION", "scalar", NULL);
    oc_free(&c);
}
END_TEST

/* ---- RESHAPE -------------------------------------------------------------------------------- */

static void set_new_shape(struct qv_attrs *a, int32_t n, const int32_t *v)
{
    a->n_new_shape = n;
    for (int32_t i = 0; i < n; i++)
        a->new_shape[i] = v[i];
}

START_TEST(reshape_shapes)
{
    struct oc c;
    struct qv_shape out[QV_MAX_OUTPUTS];
    /* new_shape option with -1; then the same node with a batch of 3 */
    oc_init(&c);
    set_new_shape(&c.a, 2, (const int32_t[]){ 1, -1 });
    int32_t x = oc_in(&c, "x", S(4, 1, 2, 3, 4));
    expect_ok(&c, oc_run(&c, QV_OP_RESHAPE, 1, &x), S(2, 1, 24), 0);
    struct qv_shape xb = S(4, 3, 2, 3, 4);
    ck_assert_int_eq(oc_reinfer(&c, &xb, out), QV_OK);
    expect_shape(&out[0], S(2, 3, 24));
    oc_free(&c);

    /* leading -1 takes the batch by itself */
    oc_init(&c);
    set_new_shape(&c.a, 2, (const int32_t[]){ -1, 24 });
    x = oc_in(&c, "x", S(4, 1, 2, 3, 4));
    expect_ok(&c, oc_run(&c, QV_OP_RESHAPE, 1, &x), S(2, 1, 24), 0);
    ck_assert_int_eq(oc_reinfer(&c, &xb, out), QV_OK);
    expect_shape(&out[0], S(2, 3, 24));
    oc_free(&c);

    /* shape tensor (new_shape absent), -1 in the middle */
    oc_init(&c);
    int32_t in[2] = { oc_in(&c, "x", S(2, 4, 6)),
                      oc_i32(&c, "s", S(1, 3), (const int32_t[]){ 2, -1, 3 }) };
    expect_ok(&c, oc_run(&c, QV_OP_RESHAPE, 2, in), S(3, 2, 4, 3), 0);
    oc_free(&c);

    /* new_shape wins over a (non-constant, unused) shape input */
    oc_init(&c);
    set_new_shape(&c.a, 1, (const int32_t[]){ 24 });
    int32_t in2[2] = { oc_in(&c, "x", S(2, 4, 6)), oc_in(&c, "s", S(1, 1)) };
    expect_ok(&c, oc_run(&c, QV_OP_RESHAPE, 2, in2), S(1, 24), 0);
    oc_free(&c);

    /* neither: the output tensor's stored shape (TFLM), batched too */
    oc_init(&c);
    x = oc_in(&c, "x", S(4, 1, 2, 3, 4));
    expect_ok(&c, oc_run_out(&c, QV_OP_RESHAPE, 1, &x, S(3, 1, 6, 4)), S(3, 1, 6, 4), 0);
    ck_assert_int_eq(oc_reinfer(&c, &xb, out), QV_OK);
    expect_shape(&out[0], S(3, 3, 6, 4));
    oc_free(&c);

    /* legacy [0] = scalar for a one-element input */
    oc_init(&c);
    int32_t in3[2] = { oc_in(&c, "x", S(2, 1, 1)),
                       oc_i32(&c, "s", S(1, 1), (const int32_t[]){ 0 }) };
    expect_ok(&c, oc_run(&c, QV_OP_RESHAPE, 2, in3), S0, 0);
    oc_free(&c);

    /* an empty shape list ([0]-shaped shape tensor) = scalar output */
    oc_init(&c);
    int32_t in4[2] = { oc_in(&c, "x", S(1, 1)), oc_i32(&c, "s", S(1, 0), NULL) };
    expect_ok(&c, oc_run(&c, QV_OP_RESHAPE, 2, in4), S0, 0);
    oc_free(&c);
}
END_TEST

START_TEST(reshape_errors)
{
    static const struct { int32_t n; int32_t v[9]; const char *s1, *s2; } bad[] = {
        { 2, { -1, -1 }, "more than one -1", NULL },
        { 2, { -2, 12 }, "negative dim -2", NULL },
        { 2, { 5, 5 }, "'x' [2, 3, 4] has 24 elements", "[5, 5] has 25" },
        { 2, { 5, -1 }, "cannot resolve -1", "'x'" },
        { 2, { 0, -1 }, "cannot resolve -1", NULL },
        { 9, { 1, 1, 1, 1, 1, 1, 1, 1, 24 }, "new_shape has 9 entries", NULL },
        { -1, { 0 }, "new_shape has -1 entries", NULL },
        { 8, { INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX, -1 },
          "2^40", NULL },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct oc c;
        oc_init(&c);
        c.a.n_new_shape = bad[i].n;
        for (int32_t k = 0; k < bad[i].n && k < QV_MAX_RANK; k++)
            c.a.new_shape[k] = bad[i].v[k];
        int32_t x = oc_in(&c, "x", S(3, 2, 3, 4));
        expect_fail(&c, oc_run(&c, QV_OP_RESHAPE, 1, &x), "RESHAPE", bad[i].s1, bad[i].s2);
        oc_free(&c);
    }
    struct oc c;
    /* shape input not constant / not int32 / rank 2 */
    oc_init(&c);
    int32_t in[2] = { oc_in(&c, "x", S(2, 4, 6)), oc_in(&c, "s", S(1, 2)) };
    expect_fail(&c, oc_run(&c, QV_OP_RESHAPE, 2, in), "RESHAPE", "shape 's'", "constant");
    oc_free(&c);
    oc_init(&c);
    int32_t in2[2] = { oc_in(&c, "x", S(2, 4, 6)), oc_const(&c, "s", QV_DTYPE_F32, S(1, 2), NULL) };
    expect_fail(&c, oc_run(&c, QV_OP_RESHAPE, 2, in2), "RESHAPE", "shape 's'", "int32");
    oc_free(&c);
    oc_init(&c);
    int32_t in3[2] = { oc_in(&c, "x", S(2, 4, 6)),
                       oc_i32(&c, "s", S(2, 1, 2), (const int32_t[]){ 4, 6 }) };
    expect_fail(&c, oc_run(&c, QV_OP_RESHAPE, 2, in3), "RESHAPE", "shape 's'", "1-D");
    oc_free(&c);
    /* no source at all */
    oc_init(&c);
    int32_t x = oc_in(&c, "x", S(2, 4, 6));
    expect_fail(&c, oc_run(&c, QV_OP_RESHAPE, 1, &x), "RESHAPE", "output 'y'", "no stored shape");
    oc_free(&c);
    /* stored output shape with the wrong element count */
    oc_init(&c);
    x = oc_in(&c, "x", S(2, 4, 6));
    expect_fail(&c, oc_run_out(&c, QV_OP_RESHAPE, 1, &x, S(2, 5, 5)), "RESHAPE", "24 elements",
                NULL);
    oc_free(&c);
}
END_TEST

/* ---- SQUEEZE -------------------------------------------------------------------------------- */

static void set_squeeze(struct qv_attrs *a, int32_t n, const int32_t *v)
{
    a->n_squeeze = n;
    for (int32_t i = 0; i < n; i++)
        a->squeeze_dims[i] = v[i];
}

START_TEST(squeeze_shapes)
{
    struct oc c;
    struct qv_shape out[QV_MAX_OUTPUTS];
    struct qv_shape xb = S(4, 3, 1, 1, 10);
    oc_init(&c);
    set_squeeze(&c.a, 2, (const int32_t[]){ 1, 2 });
    int32_t x = oc_in(&c, "x", S(4, 1, 1, 1, 10));
    expect_ok(&c, oc_run(&c, QV_OP_SQUEEZE, 1, &x), S(2, 1, 10), 0);
    ck_assert_int_eq(oc_reinfer(&c, &xb, out), QV_OK);
    expect_shape(&out[0], S(2, 3, 10));
    oc_free(&c);

    /* all size-1 dims; the batch dim survives when it carries B > 1 */
    oc_init(&c);
    x = oc_in(&c, "x", S(4, 1, 1, 1, 10));
    expect_ok(&c, oc_run(&c, QV_OP_SQUEEZE, 1, &x), S(1, 10), 0);
    ck_assert_int_eq(oc_reinfer(&c, &xb, out), QV_OK);
    expect_shape(&out[0], S(2, 3, 10));
    oc_free(&c);

    /* dim 0 listed explicitly: dropped unbatched, kept as the batch when batched */
    oc_init(&c);
    set_squeeze(&c.a, 3, (const int32_t[]){ 0, -3, 2 });
    x = oc_in(&c, "x", S(4, 1, 1, 1, 10));
    expect_ok(&c, oc_run(&c, QV_OP_SQUEEZE, 1, &x), S(1, 10), 0);
    ck_assert_int_eq(oc_reinfer(&c, &xb, out), QV_OK);
    expect_shape(&out[0], S(2, 3, 10));
    oc_free(&c);

    oc_init(&c);
    set_squeeze(&c.a, 1, (const int32_t[]){ -2 });
    x = oc_in(&c, "x", S(4, 1, 5, 1, 3));
    expect_ok(&c, oc_run(&c, QV_OP_SQUEEZE, 1, &x), S(3, 1, 5, 3), 0);
    oc_free(&c);
}
END_TEST

START_TEST(squeeze_errors)
{
    static const struct { int32_t n; int32_t v[9]; const char *s1, *s2; } bad[] = {
        { 1, { 1 }, "cannot squeeze dim 1", "'x' [1, 5, 1, 3]" },
        { 1, { 4 }, "squeeze dim 4", "rank 4 of 'x'" },
        { 1, { -5 }, "squeeze dim -5", NULL },
        { 9, { 0 }, "9 squeeze dims", NULL },
        { -1, { 0 }, "-1 squeeze dims", NULL },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct oc c;
        oc_init(&c);
        c.a.n_squeeze = bad[i].n;
        for (int32_t k = 0; k < bad[i].n && k < QV_MAX_RANK; k++)
            c.a.squeeze_dims[k] = bad[i].v[k];
        int32_t x = oc_in(&c, "x", S(4, 1, 5, 1, 3));
        expect_fail(&c, oc_run(&c, QV_OP_SQUEEZE, 1, &x), "SQUEEZE", bad[i].s1, bad[i].s2);
        oc_free(&c);
    }
}
END_TEST

/* ---- MEAN ----------------------------------------------------------------------------------- */

START_TEST(mean_shapes)
{
    static const struct {
        int32_t n; int32_t axes[4]; bool keep; struct { int32_t r; int64_t d[4]; } o;
    } cases[] = {
        { 2, { 1, 2 }, true, { 4, { 1, 1, 1, 8 } } },
        { 2, { 1, 2 }, false, { 2, { 1, 8 } } },
        { 4, { 1, 2, 1, -2 }, false, { 2, { 1, 8 } } },       /* duplicates ignored */
        { 2, { -3, -2 }, true, { 4, { 1, 1, 1, 8 } } },
        { 4, { 0, 1, 2, 3 }, false, { 0, { 0 } } },
        { 0, { 0 }, false, { 4, { 1, 4, 4, 8 } } },           /* empty list: no reduction */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct oc c;
        oc_init(&c);
        c.a.keep_dims = cases[i].keep;
        int32_t in[2] = { oc_in(&c, "x", S(4, 1, 4, 4, 8)),
                          oc_i32(&c, "axis", S(1, cases[i].n), cases[i].axes) };
        expect_ok(&c, oc_run(&c, QV_OP_MEAN, 2, in), shp(cases[i].o.r, cases[i].o.d), 128);
        oc_free(&c);
    }
    /* scalar axis tensor */
    struct oc c;
    oc_init(&c);
    int32_t in[2] = { oc_in(&c, "x", S(4, 1, 4, 4, 8)), oc_i32(&c, "axis", S0,
                                                               (const int32_t[]){ 3 }) };
    expect_ok(&c, oc_run(&c, QV_OP_MEAN, 2, in), S(3, 1, 4, 4), 128);
    oc_free(&c);
}
END_TEST

START_TEST(mean_errors)
{
    struct oc c;
    oc_init(&c);
    int32_t in[2] = { oc_in(&c, "x", S(4, 1, 4, 4, 8)), oc_in(&c, "axis", S(1, 2)) };
    expect_fail(&c, oc_run(&c, QV_OP_MEAN, 2, in), "MEAN", "axis 'axis'", "constant");
    oc_free(&c);
    oc_init(&c);
    int32_t in2[2] = { oc_in(&c, "x", S(4, 1, 4, 4, 8)),
                       oc_const(&c, "axis", QV_DTYPE_I8, S(1, 2), NULL) };
    expect_fail(&c, oc_run(&c, QV_OP_MEAN, 2, in2), "MEAN", "axis 'axis'", "int32");
    oc_free(&c);
    oc_init(&c);
    int32_t in3[2] = { oc_in(&c, "x", S(4, 1, 4, 4, 8)),
                       oc_i32(&c, "axis", S(1, 2), (const int32_t[]){ 1, 4 }) };
    expect_fail(&c, oc_run(&c, QV_OP_MEAN, 2, in3), "MEAN", "axis 4", "rank 4 of 'x'");
    oc_free(&c);
    oc_init(&c);
    int32_t in4[2] = { oc_in(&c, "x", S(4, 1, 4, 4, 8)),
                       oc_i32(&c, "axis", S(1, 1), (const int32_t[]){ -5 }) };
    expect_fail(&c, oc_run(&c, QV_OP_MEAN, 2, in4), "MEAN", "axis -5", NULL);
    oc_free(&c);
    oc_init(&c);
    int32_t in5[2] = { oc_in(&c, "x", S(4, 1, 4, 4, 8)),
                       oc_i32(&c, "axis", S(2, 1, 2), (const int32_t[]){ 1, 2 }) };
    expect_fail(&c, oc_run(&c, QV_OP_MEAN, 2, in5), "MEAN", "axis 'axis'", "1-D");
    oc_free(&c);
}
END_TEST

/* ---- PAD / PADV2 ---------------------------------------------------------------------------- */

START_TEST(pad_shapes)
{
    const int32_t p[8] = { 0, 0, 1, 1, 2, 0, 0, 3 };
    for (int v2 = 0; v2 < 3; v2++) {
        struct oc c;
        oc_init(&c);
        int32_t in[3] = { oc_in(&c, "x", S(4, 1, 3, 3, 2)), oc_i32(&c, "p", S(2, 4, 2), p),
                          v2 == 2 ? oc_const(&c, "v", QV_DTYPE_F32, S0, NULL) : -1 };
        expect_ok(&c, oc_run(&c, v2 ? QV_OP_PADV2 : QV_OP_PAD, v2 == 2 ? 3 : 2, in),
                  S(4, 1, 5, 5, 5), 0);
        oc_free(&c);
    }
}
END_TEST

START_TEST(pad_errors)
{
    enum qv_op op = _i ? QV_OP_PADV2 : QV_OP_PAD;
    const char *name = qv_op_name(op);
    struct oc c;
    oc_init(&c);
    int32_t in[2] = { oc_in(&c, "x", S(2, 3, 3)),
                      oc_i32(&c, "p", S(2, 2, 2), (const int32_t[]){ 0, 0, -1, 1 }) };
    expect_fail(&c, oc_run(&c, op, 2, in), name, "paddings 'p' for dim 1 are (-1, 1)", NULL);
    oc_free(&c);
    oc_init(&c);
    int32_t in2[2] = { oc_in(&c, "x", S(2, 3, 3)),
                       oc_i32(&c, "p", S(2, 3, 2), (const int32_t[]){ 0, 0, 1, 1, 1, 1 }) };
    expect_fail(&c, oc_run(&c, op, 2, in2), name, "paddings 'p' has shape [3, 2]", "[2, 2]");
    oc_free(&c);
    oc_init(&c);
    int32_t in3[2] = { oc_in(&c, "x", S(2, 3, 3)), oc_in(&c, "p", S(2, 2, 2)) };
    expect_fail(&c, oc_run(&c, op, 2, in3), name, "paddings 'p'", "constant");
    oc_free(&c);
    oc_init(&c);
    int32_t in4[2] = { oc_in(&c, "x", S(2, 3, 3)),
                       oc_const(&c, "p", QV_DTYPE_I16, S(2, 2, 2), NULL) };
    expect_fail(&c, oc_run(&c, op, 2, in4), name, "paddings 'p'", "int32");
    oc_free(&c);
    if (op == QV_OP_PADV2) {
        oc_init(&c);
        int32_t in5[3] = { oc_in(&c, "x", S(2, 3, 3)), oc_i32(&c, "p", S(2, 2, 2), NULL),
                           oc_const(&c, "v", QV_DTYPE_F32, S(1, 2), NULL) };
        expect_fail(&c, oc_run(&c, op, 3, in5), name, "constant_values 'v'", "one element");
        oc_free(&c);
    }
}
END_TEST

/* ---- elementwise ---------------------------------------------------------------------------- */

static const struct { enum qv_op op; bool macs; } unary_ops[] = {
    { QV_OP_SOFTMAX, true },    { QV_OP_LOGISTIC, true },    { QV_OP_TANH, true },
    { QV_OP_HARD_SWISH, true }, { QV_OP_LEAKY_RELU, true },  { QV_OP_RELU, false },
    { QV_OP_RELU6, false },     { QV_OP_QUANTIZE, false },   { QV_OP_DEQUANTIZE, false },
};

START_TEST(unary_shapes)
{
    struct oc c;
    oc_init(&c);
    int32_t x = oc_in(&c, "x", S(3, 2, 3, 5));
    expect_ok(&c, oc_run(&c, unary_ops[_i].op, 1, &x), S(3, 2, 3, 5),
              unary_ops[_i].macs ? 30 : 0);
    oc_free(&c);
}
END_TEST

START_TEST(unary_errors)
{
    static const float bad_beta[] = { 0.0f, -1.0f, NAN, INFINITY };
    for (size_t i = 0; i < 4; i++) {
        struct oc c;
        oc_init(&c);
        c.a.beta = bad_beta[i];
        int32_t x = oc_in(&c, "x", S(2, 1, 10));
        expect_fail(&c, oc_run(&c, QV_OP_SOFTMAX, 1, &x), "SOFTMAX", "beta", NULL);
        oc_free(&c);
    }
    struct oc c;
    oc_init(&c);
    int32_t x = oc_in(&c, "x", S0);
    expect_fail(&c, oc_run(&c, QV_OP_SOFTMAX, 1, &x), "SOFTMAX", "'x'", "rank >= 1");
    oc_free(&c);
    for (int i = 0; i < 2; i++) {
        oc_init(&c);
        c.a.alpha = i ? -INFINITY : NAN;
        x = oc_in(&c, "x", S(2, 1, 10));
        expect_fail(&c, oc_run(&c, QV_OP_LEAKY_RELU, 1, &x), "LEAKY_RELU", "alpha", NULL);
        oc_free(&c);
    }
    oc_init(&c);
    c.a.alpha = -0.5f;                       /* negative but finite is fine */
    x = oc_in(&c, "x", S(2, 1, 10));
    expect_ok(&c, oc_run(&c, QV_OP_LEAKY_RELU, 1, &x), S(2, 1, 10), 10);
    oc_free(&c);
}
END_TEST

/* Large MAC counts stay exact below 2^63 and saturate above (qv_mul_sat). */
START_TEST(macs_large)
{
    struct oc c;
    oc_init(&c);
    c.a.padding = QV_PADDING_VALID;
    /* x [1, 2^19, 1, 2^20], w [2^19, 1, 1, 2^20]: output [1, 2^19, 1, 2^19], 2^20 taps each */
    int32_t in[2] = { oc_in(&c, "x", S(4, 1, (int64_t)1 << 19, 1, (int64_t)1 << 20)),
                      oc_in(&c, "w", S(4, (int64_t)1 << 19, 1, 1, (int64_t)1 << 20)) };
    ck_assert_int_eq(oc_run(&c, QV_OP_CONV_2D, 2, in), QV_OK);
    /* 2^38 outputs * 2^20 taps = 2^58 */
    ck_assert_int_eq(qv_graph_node_macs(c.g, c.node), (int64_t)1 << 58);
    oc_free(&c);
    ck_assert_int_eq(qv_mul_sat((int64_t)1 << 40, (int64_t)1 << 40), INT64_MAX);
}
END_TEST

Suite *ops_suite(void)
{
    Suite *s = suite_create("ops");
    TCase *tc = tcase_create("helpers");
    tcase_add_test(tc, padding_helper);
    tcase_add_test(tc, broadcast_helper);
    tcase_add_test(tc, macs_large);
    suite_add_tcase(s, tc);

    tc = tcase_create("conv");
    tcase_add_loop_test(tc, conv_2d_shapes, 0, (int)(sizeof(conv_cases) / sizeof(conv_cases[0])));
    tcase_add_test(tc, conv_2d_no_bias);
    tcase_add_loop_test(tc, conv_2d_errors, 0, (int)(sizeof(conv_bad) / sizeof(conv_bad[0])));
    tcase_add_test(tc, conv_2d_rank);
    tcase_add_test(tc, depthwise_shapes);
    tcase_add_test(tc, depthwise_errors);
    tcase_add_test(tc, fc_shapes);
    tcase_add_test(tc, fc_errors);
    tcase_add_test(tc, pool_shapes);
    tcase_add_test(tc, pool_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("elementwise");
    tcase_add_loop_test(tc, binary_broadcast, 0, 3);
    tcase_add_loop_test(tc, binary_errors, 0, 3);
    tcase_add_loop_test(tc, unary_shapes, 0, (int)(sizeof(unary_ops) / sizeof(unary_ops[0])));
    tcase_add_test(tc, unary_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("shape_ops");
    tcase_add_test(tc, concat_shapes);
    tcase_add_test(tc, concat_errors);
    tcase_add_test(tc, reshape_shapes);
    tcase_add_test(tc, reshape_errors);
    tcase_add_test(tc, squeeze_shapes);
    tcase_add_test(tc, squeeze_errors);
    tcase_add_test(tc, mean_shapes);
    tcase_add_test(tc, mean_errors);
    tcase_add_test(tc, pad_shapes);
    tcase_add_loop_test(tc, pad_errors, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(ops)
