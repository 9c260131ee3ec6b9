/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TFLite builtin options: one reader and one writer per op that has an options table
 * (docs/int8-arithmetic.md §7.1), named in the TFLite op table (op_table.c), and the operator
 * version table of the writer.
 *
 * Readers see a zeroed table when the model has none: every field then takes its schema default,
 * which is what TFLite's flatbuffer accessors return (TFLM leaves such params zero, so a missing
 * Conv2DOptions means stride 0 there, and here it is refused). Readers check enums and the
 * values kernels divide by; shape inference checks the rest.
 */
#include <math.h>

#include "io/tflite/tflite_int.h"


static enum qv_status bad(const struct qv_tfl_opts_in *in, const struct qv_node *n, int slot,
                          struct qv_error *err, const char *field, long long v,
                          const char *expected)
{
    return qv_fail_at(err, QV_E_INPUT, in->fb->path, qv_fb_where(in->fb, &in->t, slot),
                      "operator %d (%s): %s = %lld, %s%s", in->op_index, qv_op_name(n->op), field,
                      v, expected, in->t.vt_size ? "" : " (the options table is missing)");
}

static enum qv_status read_act(const struct qv_tfl_opts_in *in, int slot, struct qv_node *n,
                               struct qv_error *err)
{
    int8_t v;
    enum qv_status st = qv_fb_i8(in->fb, &in->t, slot, 0, &v, err);
    if (st != QV_OK)
        return st;
    if (v < 0 || v >= QV_ACT_COUNT)
        return bad(in, n, slot, err, "fused_activation_function", v,
                   "qvet supports NONE, RELU, RELU_N1_TO_1 and RELU6 (0..3)");
    n->attrs.act = (enum qv_act)v;
    return QV_OK;
}

static enum qv_status read_padding(const struct qv_tfl_opts_in *in, int slot, struct qv_node *n,
                                   struct qv_error *err)
{
    int8_t v;
    enum qv_status st = qv_fb_i8(in->fb, &in->t, slot, 0, &v, err);
    if (st != QV_OK)
        return st;
    if (v != QV_PADDING_SAME && v != QV_PADDING_VALID)
        return bad(in, n, slot, err, "padding", v, "expected SAME (0) or VALID (1)");
    n->attrs.padding = (enum qv_padding)v;
    return QV_OK;
}

/* An int32 field that must be >= 1 (strides, dilations, filter sizes, depth multiplier). */
static enum qv_status read_pos(const struct qv_tfl_opts_in *in, int slot, int32_t def,
                               const char *field, struct qv_node *n, int32_t *ret,
                               struct qv_error *err)
{
    int32_t v;
    enum qv_status st = qv_fb_i32(in->fb, &in->t, slot, def, &v, err);
    if (st != QV_OK)
        return st;
    if (v < 1)
        return bad(in, n, slot, err, field, v, "expected >= 1");
    *ret = v;
    return QV_OK;
}

static enum qv_status read_float(const struct qv_tfl_opts_in *in, int slot, const char *field,
                                 struct qv_node *n, float *ret, struct qv_error *err)
{
    float v;
    enum qv_status st = qv_fb_f32(in->fb, &in->t, slot, 0.0f, &v, err);
    if (st != QV_OK)
        return st;
    if (!isfinite(v))
        return qv_fail_at(err, QV_E_INPUT, in->fb->path, qv_fb_where(in->fb, &in->t, slot),
                          "operator %d (%s): %s is not finite", in->op_index, qv_op_name(n->op),
                          field);
    *ret = v;
    return QV_OK;
}

/* An int vector option (new_shape, squeeze_dims) of at most QV_MAX_RANK entries. */
static enum qv_status read_dims(const struct qv_tfl_opts_in *in, int slot, const char *field,
                                struct qv_node *n, int32_t *ret_count, int32_t *dims,
                                struct qv_error *err)
{
    struct qv_fb_vec v;
    enum qv_status st = qv_fb_vector(in->fb, &in->t, slot, 4, &v, err);
    if (st != QV_OK)
        return st;
    if (v.len > QV_MAX_RANK)
        return qv_fail_at(err, QV_E_INPUT, in->fb->path, v.at,
                          "operator %d (%s): %s has %u entries, at most %d are supported",
                          in->op_index, qv_op_name(n->op), field, v.len, QV_MAX_RANK);
    for (uint32_t i = 0; i < v.len; i++)
        dims[i] = qv_fb_vec_i32(in->fb, &v, i);
    *ret_count = (int32_t)v.len;
    return QV_OK;
}

#define TRY(expr)                                                                                \
    do {                                                                                         \
        enum qv_status st_ = (expr);                                                             \
        if (st_ != QV_OK)                                                                        \
            return st_;                                                                          \
    } while (0)

/* ---- readers ------------------------------------------------------------------------------- */

/* AddOptions / SubOptions / MulOptions: fused_activation_function (pot_scale_int16: int16 only). */
enum qv_status qv_add_tfl_read(const struct qv_tfl_opts_in *ctx, struct qv_node *n,
                               struct qv_error *err)
{
    return read_act(ctx, 0, n, err);
}

enum qv_status qv_sub_tfl_read(const struct qv_tfl_opts_in *ctx, struct qv_node *n,
                               struct qv_error *err)
{
    return read_act(ctx, 0, n, err);
}

enum qv_status qv_mul_tfl_read(const struct qv_tfl_opts_in *ctx, struct qv_node *n,
                               struct qv_error *err)
{
    return read_act(ctx, 0, n, err);
}

/* Pool2DOptions: padding, stride_w, stride_h, filter_width, filter_height, activation. */
static enum qv_status read_pool(const struct qv_tfl_opts_in *ctx, struct qv_node *n,
                                struct qv_error *err)
{
    const struct qv_tfl_opts_in *in = ctx;
    struct qv_attrs *a = &n->attrs;
    TRY(read_padding(in, 0, n, err));
    TRY(read_pos(in, 1, 0, "stride_w", n, &a->stride_w, err));
    TRY(read_pos(in, 2, 0, "stride_h", n, &a->stride_h, err));
    TRY(read_pos(in, 3, 0, "filter_width", n, &a->filter_w, err));
    TRY(read_pos(in, 4, 0, "filter_height", n, &a->filter_h, err));
    return read_act(in, 5, n, err);
}

enum qv_status qv_average_pool_2d_tfl_read(const struct qv_tfl_opts_in *ctx, struct qv_node *n,
                                           struct qv_error *err)
{
    return read_pool(ctx, n, err);
}

enum qv_status qv_max_pool_2d_tfl_read(const struct qv_tfl_opts_in *ctx, struct qv_node *n,
                                       struct qv_error *err)
{
    return read_pool(ctx, n, err);
}

/* ConcatenationOptions: axis, fused_activation_function. */
enum qv_status qv_concatenation_tfl_read(const struct qv_tfl_opts_in *ctx, struct qv_node *n,
                                         struct qv_error *err)
{
    const struct qv_tfl_opts_in *in = ctx;
    TRY(qv_fb_i32(in->fb, &in->t, 0, 0, &n->attrs.axis, err));
    return read_act(in, 1, n, err);
}

/* Conv2DOptions: padding, stride_w, stride_h, activation, dilation_w, dilation_h (bias type). */
enum qv_status qv_conv_2d_tfl_read(const struct qv_tfl_opts_in *ctx, struct qv_node *n,
                                   struct qv_error *err)
{
    const struct qv_tfl_opts_in *in = ctx;
    struct qv_attrs *a = &n->attrs;
    TRY(read_padding(in, 0, n, err));
    TRY(read_pos(in, 1, 0, "stride_w", n, &a->stride_w, err));
    TRY(read_pos(in, 2, 0, "stride_h", n, &a->stride_h, err));
    TRY(read_act(in, 3, n, err));
    TRY(read_pos(in, 4, 1, "dilation_w_factor", n, &a->dilation_w, err));
    return read_pos(in, 5, 1, "dilation_h_factor", n, &a->dilation_h, err);
}

/* DepthwiseConv2DOptions: padding, strides, depth_multiplier, activation, dilations. */
enum qv_status qv_depthwise_conv_2d_tfl_read(const struct qv_tfl_opts_in *ctx, struct qv_node *n,
                                             struct qv_error *err)
{
    const struct qv_tfl_opts_in *in = ctx;
    struct qv_attrs *a = &n->attrs;
    TRY(read_padding(in, 0, n, err));
    TRY(read_pos(in, 1, 0, "stride_w", n, &a->stride_w, err));
    TRY(read_pos(in, 2, 0, "stride_h", n, &a->stride_h, err));
    TRY(read_pos(in, 3, 0, "depth_multiplier", n, &a->depth_multiplier, err));
    TRY(read_act(in, 4, n, err));
    TRY(read_pos(in, 5, 1, "dilation_w_factor", n, &a->dilation_w, err));
    return read_pos(in, 6, 1, "dilation_h_factor", n, &a->dilation_h, err);
}

/*
 * FullyConnectedOptions: activation, weights_format (DEFAULT only), keep_num_dims,
 * asymmetric_quantize_inputs (hybrid kernels only).
 */
enum qv_status qv_fully_connected_tfl_read(const struct qv_tfl_opts_in *ctx, struct qv_node *n,
                                           struct qv_error *err)
{
    const struct qv_tfl_opts_in *in = ctx;
    int8_t fmt;
    TRY(read_act(in, 0, n, err));
    TRY(qv_fb_i8(in->fb, &in->t, 1, 0, &fmt, err));
    if (fmt != 0)
        return bad(in, n, 1, err, "weights_format", fmt, "only DEFAULT (0) is supported");
    TRY(qv_fb_bool(in->fb, &in->t, 2, false, &n->attrs.keep_num_dims, err));
    return qv_fb_bool(in->fb, &in->t, 3, false, &n->attrs.asymmetric_quantize_inputs, err);
}

/* ReshapeOptions: new_shape (optional). */
enum qv_status qv_reshape_tfl_read(const struct qv_tfl_opts_in *ctx, struct qv_node *n,
                                   struct qv_error *err)
{
    return read_dims(ctx, 0, "new_shape", n, &n->attrs.n_new_shape, n->attrs.new_shape, err);
}

/* SoftmaxOptions: beta. */
enum qv_status qv_softmax_tfl_read(const struct qv_tfl_opts_in *ctx, struct qv_node *n,
                                   struct qv_error *err)
{
    return read_float(ctx, 0, "beta", n, &n->attrs.beta, err);
}

/* ReducerOptions: keep_dims. */
enum qv_status qv_mean_tfl_read(const struct qv_tfl_opts_in *ctx, struct qv_node *n,
                                struct qv_error *err)
{
    const struct qv_tfl_opts_in *in = ctx;
    return qv_fb_bool(in->fb, &in->t, 0, false, &n->attrs.keep_dims, err);
}

/* SqueezeOptions: squeeze_dims. */
enum qv_status qv_squeeze_tfl_read(const struct qv_tfl_opts_in *ctx, struct qv_node *n,
                                   struct qv_error *err)
{
    return read_dims(ctx, 0, "squeeze_dims", n, &n->attrs.n_squeeze, n->attrs.squeeze_dims,
                     err);
}

/* LeakyReluOptions: alpha. */
enum qv_status qv_leaky_relu_tfl_read(const struct qv_tfl_opts_in *ctx, struct qv_node *n,
                                      struct qv_error *err)
{
    return read_float(ctx, 0, "alpha", n, &n->attrs.alpha, err);
}

/* Empty tables: PadOptions, PadV2Options, QuantizeOptions, DequantizeOptions, HardSwishOptions. */
#define EMPTY_OPTIONS(low)                                                                       \
    enum qv_status qv_##low##_tfl_read(const struct qv_tfl_opts_in *ctx, struct qv_node *n,      \
                                       struct qv_error *err)                                     \
    {                                                                                            \
        (void)ctx;                                                                               \
        (void)n;                                                                                 \
        (void)err;                                                                               \
        return QV_OK;                                                                            \
    }                                                                                            \
    enum qv_status qv_##low##_tfl_write(struct qv_tfl_opts_out *ctx, const struct qv_node *n,    \
                                        uint32_t *ret_offset, struct qv_error *err)              \
    {                                                                                            \
        (void)n;                                                                                 \
        (void)err;                                                                               \
        qv_fbb_start(ctx->b);                                                                    \
        *ret_offset = qv_fbb_end(ctx->b);                                                        \
        return QV_OK;                                                                            \
    }

EMPTY_OPTIONS(pad)
EMPTY_OPTIONS(padv2)
EMPTY_OPTIONS(quantize)
EMPTY_OPTIONS(dequantize)
EMPTY_OPTIONS(hard_swish)

/* ---- writers (every field written explicitly or left at a schema default equal to it) ------- */

static uint32_t act_only(struct qv_tfl_opts_out *ctx, const struct qv_node *n)
{
    struct qv_fbb *b = ctx->b;
    qv_fbb_start(b);
    qv_fbb_add_u8(b, 0, (uint8_t)n->attrs.act, 0);
    return qv_fbb_end(b);
}

enum qv_status qv_add_tfl_write(struct qv_tfl_opts_out *ctx, const struct qv_node *n,
                                uint32_t *ret_offset,
                                struct qv_error *err)
{
    (void)err;
    *ret_offset = act_only(ctx, n);
    return QV_OK;
}

enum qv_status qv_sub_tfl_write(struct qv_tfl_opts_out *ctx, const struct qv_node *n,
                                uint32_t *ret_offset,
                                struct qv_error *err)
{
    (void)err;
    *ret_offset = act_only(ctx, n);
    return QV_OK;
}

enum qv_status qv_mul_tfl_write(struct qv_tfl_opts_out *ctx, const struct qv_node *n,
                                uint32_t *ret_offset,
                                struct qv_error *err)
{
    (void)err;
    *ret_offset = act_only(ctx, n);
    return QV_OK;
}

static uint32_t write_pool(struct qv_tfl_opts_out *ctx, const struct qv_node *n)
{
    struct qv_fbb *b = ctx->b;
    const struct qv_attrs *a = &n->attrs;
    qv_fbb_start(b);
    qv_fbb_add_i32(b, 1, a->stride_w, 0);
    qv_fbb_add_i32(b, 2, a->stride_h, 0);
    qv_fbb_add_i32(b, 3, a->filter_w, 0);
    qv_fbb_add_i32(b, 4, a->filter_h, 0);
    qv_fbb_add_u8(b, 0, (uint8_t)a->padding, 0);
    qv_fbb_add_u8(b, 5, (uint8_t)a->act, 0);
    return qv_fbb_end(b);
}

enum qv_status qv_average_pool_2d_tfl_write(struct qv_tfl_opts_out *ctx, const struct qv_node *n,
                                            uint32_t *ret_offset, struct qv_error *err)
{
    (void)err;
    *ret_offset = write_pool(ctx, n);
    return QV_OK;
}

enum qv_status qv_max_pool_2d_tfl_write(struct qv_tfl_opts_out *ctx, const struct qv_node *n,
                                        uint32_t *ret_offset,
                                        struct qv_error *err)
{
    (void)err;
    *ret_offset = write_pool(ctx, n);
    return QV_OK;
}

enum qv_status qv_concatenation_tfl_write(struct qv_tfl_opts_out *ctx, const struct qv_node *n,
                                          uint32_t *ret_offset, struct qv_error *err)
{
    struct qv_fbb *b = ctx->b;
    (void)err;
    qv_fbb_start(b);
    qv_fbb_add_i32(b, 0, n->attrs.axis, 0);
    qv_fbb_add_u8(b, 1, (uint8_t)n->attrs.act, 0);
    *ret_offset = qv_fbb_end(b);
    return QV_OK;
}

enum qv_status qv_conv_2d_tfl_write(struct qv_tfl_opts_out *ctx, const struct qv_node *n,
                                    uint32_t *ret_offset,
                                    struct qv_error *err)
{
    struct qv_fbb *b = ctx->b;
    const struct qv_attrs *a = &n->attrs;
    (void)err;
    qv_fbb_start(b);
    qv_fbb_add_i32(b, 1, a->stride_w, 0);
    qv_fbb_add_i32(b, 2, a->stride_h, 0);
    qv_fbb_add_i32(b, 4, a->dilation_w, 1);
    qv_fbb_add_i32(b, 5, a->dilation_h, 1);
    qv_fbb_add_u8(b, 0, (uint8_t)a->padding, 0);
    qv_fbb_add_u8(b, 3, (uint8_t)a->act, 0);
    *ret_offset = qv_fbb_end(b);
    return QV_OK;
}

enum qv_status qv_depthwise_conv_2d_tfl_write(struct qv_tfl_opts_out *ctx, const struct qv_node *n,
                                              uint32_t *ret_offset, struct qv_error *err)
{
    struct qv_fbb *b = ctx->b;
    const struct qv_attrs *a = &n->attrs;
    (void)err;
    qv_fbb_start(b);
    qv_fbb_add_i32(b, 1, a->stride_w, 0);
    qv_fbb_add_i32(b, 2, a->stride_h, 0);
    qv_fbb_add_i32(b, 3, a->depth_multiplier, 0);
    qv_fbb_add_i32(b, 5, a->dilation_w, 1);
    qv_fbb_add_i32(b, 6, a->dilation_h, 1);
    qv_fbb_add_u8(b, 0, (uint8_t)a->padding, 0);
    qv_fbb_add_u8(b, 4, (uint8_t)a->act, 0);
    *ret_offset = qv_fbb_end(b);
    return QV_OK;
}

enum qv_status qv_fully_connected_tfl_write(struct qv_tfl_opts_out *ctx, const struct qv_node *n,
                                            uint32_t *ret_offset, struct qv_error *err)
{
    struct qv_fbb *b = ctx->b;
    (void)err;
    qv_fbb_start(b);
    qv_fbb_add_u8(b, 0, (uint8_t)n->attrs.act, 0);
    qv_fbb_add_u8(b, 2, n->attrs.keep_num_dims, 0);
    qv_fbb_add_u8(b, 3, n->attrs.asymmetric_quantize_inputs, 0);
    *ret_offset = qv_fbb_end(b);
    return QV_OK;
}

/*
 * ReshapeOptions.new_shape from the IR; when the IR has none and there is no shape input, the
 * output's shape: full TFLite takes the target from these two places only (TFLM from the output).
 */
enum qv_status qv_reshape_tfl_write(struct qv_tfl_opts_out *ctx, const struct qv_node *n,
                                    uint32_t *ret_offset,
                                    struct qv_error *err)
{
    struct qv_fbb *b = ctx->b;
    const struct qv_graph *g = ctx->g;
    int32_t dims[QV_MAX_RANK];
    int32_t count = n->attrs.n_new_shape;
    (void)err;
    if (count > 0) {
        for (int32_t i = 0; i < count; i++)
            dims[i] = n->attrs.new_shape[i];
    } else if (n->n_inputs < 2 || n->inputs[1] < 0) {
        const struct qv_shape *s = &g->tensors[n->outputs[0]].shape;
        count = s->rank;
        for (int32_t i = 0; i < count; i++)
            dims[i] = (int32_t)s->dims[i];
    }
    uint32_t v = count > 0 ? qv_fbb_vector(b, dims, (size_t)count, 4, 4) : 0;
    qv_fbb_start(b);
    qv_fbb_add_ref(b, 0, v);
    *ret_offset = qv_fbb_end(b);
    return QV_OK;
}

enum qv_status qv_softmax_tfl_write(struct qv_tfl_opts_out *ctx, const struct qv_node *n,
                                    uint32_t *ret_offset,
                                    struct qv_error *err)
{
    struct qv_fbb *b = ctx->b;
    (void)err;
    qv_fbb_start(b);
    qv_fbb_add_f32(b, 0, n->attrs.beta, 0.0f);
    *ret_offset = qv_fbb_end(b);
    return QV_OK;
}

enum qv_status qv_mean_tfl_write(struct qv_tfl_opts_out *ctx, const struct qv_node *n,
                                 uint32_t *ret_offset,
                                 struct qv_error *err)
{
    struct qv_fbb *b = ctx->b;
    (void)err;
    qv_fbb_start(b);
    qv_fbb_add_u8(b, 0, n->attrs.keep_dims, 0);
    *ret_offset = qv_fbb_end(b);
    return QV_OK;
}

enum qv_status qv_squeeze_tfl_write(struct qv_tfl_opts_out *ctx, const struct qv_node *n,
                                    uint32_t *ret_offset,
                                    struct qv_error *err)
{
    struct qv_fbb *b = ctx->b;
    int32_t count = n->attrs.n_squeeze;
    (void)err;
    uint32_t v = count > 0 ? qv_fbb_vector(b, n->attrs.squeeze_dims, (size_t)count, 4, 4) : 0;
    qv_fbb_start(b);
    qv_fbb_add_ref(b, 0, v);
    *ret_offset = qv_fbb_end(b);
    return QV_OK;
}

enum qv_status qv_leaky_relu_tfl_write(struct qv_tfl_opts_out *ctx, const struct qv_node *n,
                                       uint32_t *ret_offset,
                                       struct qv_error *err)
{
    struct qv_fbb *b = ctx->b;
    (void)err;
    qv_fbb_start(b);
    qv_fbb_add_f32(b, 0, n->attrs.alpha, 0.0f);
    *ret_offset = qv_fbb_end(b);
    return QV_OK;
}

/* ---- operator versions (the table's tfl_versions; these two depend on attributes) ---------- */

/*
 * The versions the TFLite converter (2.21) writes, as seen in tests/fixtures
 * (tensorflow/lite/tools/versioning/op_version.cc): dilation bumps float DEPTHWISE_CONV_2D to 2,
 * keep_num_dims bumps FULLY_CONNECTED to 5.
 */
static bool input_is_i8(const struct qv_graph *g, const struct qv_node *n)
{
    return n->n_inputs > 0 && n->inputs[0] >= 0 && g->tensors[n->inputs[0]].dtype == QV_DTYPE_I8;
}

int32_t qv_depthwise_conv_2d_tfl_version(const struct qv_graph *g, const struct qv_node *n)
{
    bool dilated = n->attrs.dilation_w != 1 || n->attrs.dilation_h != 1;
    return input_is_i8(g, n) ? 3 : dilated ? 2 : 1;
}

int32_t qv_fully_connected_tfl_version(const struct qv_graph *g, const struct qv_node *n)
{
    return n->attrs.keep_num_dims ? 5 : input_is_i8(g, n) ? 4 : 1;
}
