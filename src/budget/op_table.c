/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Budget's per-op table (tflm.h): what each op costs a TFLM build in arena, code and time.
 *
 * Arena rules. LP64 figures were measured on the tflite_micro wheel (g8f6596d) by tracing every
 * AllocatePersistentBuffer/AllocateTemp/RequestScratchBufferInArena call with gdb on 333 int8
 * and 18 float models (docs/budget.md, "How the rules were measured");
 * ILP32 figures are the same structs laid out with 4-byte pointers and without the compression
 * fields (derived, not measured). Prepare sequences follow the kernels' Prepare functions in
 * tensorflow/lite/micro/kernels/ (reference) and kernels/cmsis_nn/ (CMSIS-NN): each temporary
 * tensor is AllocateTempInputTensor/AllocateTempOutputTensor, each persistent buffer
 * context->AllocatePersistentBuffer, each scratch buffer RequestScratchBufferInArena with the
 * size CMSIS-NN's *_get_buffer_size function returns.
 *
 * Code sizes: bytes of Thumb-2 code (-Os) per kernel, from reference/measure_code_size.py
 * (docs/budget.md, "Flash").
 */
#include "budget/tflm.h"

/* ---- Prepare sequences --------------------------------------------------------------------- */

static void prep_in_out(struct qv_tflm_op_ctx *c)
{
    qv_tflm_temp_input(c, 0);
    qv_tflm_temp_output(c, 0);
}

static void prep_in(struct qv_tflm_op_ctx *c)
{
    qv_tflm_temp_input(c, 0);      /* RELU6 reads only its input's parameters */
}

static void prep_in_in_out(struct qv_tflm_op_ctx *c)
{
    qv_tflm_temp_input(c, 0);      /* TANH: Prepare and CalculateArithmeticOpData */
    qv_tflm_temp_input(c, 0);
    qv_tflm_temp_output(c, 0);
}

static void prep_binary(struct qv_tflm_op_ctx *c)
{
    qv_tflm_temp_input(c, 0);
    qv_tflm_temp_input(c, 1);
    qv_tflm_temp_output(c, 0);
}

static void prep_pad(struct qv_tflm_op_ctx *c)
{
    qv_tflm_temp_input(c, 0);
    qv_tflm_temp_input(c, 1);      /* paddings */
    qv_tflm_temp_input(c, 2);      /* PADV2 constant_values (absent for PAD) */
    qv_tflm_temp_output(c, 0);
}

static void prep_concatenation(struct qv_tflm_op_ctx *c)
{
    qv_tflm_temp_input(c, 0);      /* type checks on input 0 and the output */
    qv_tflm_temp_output(c, 0);
    for (int32_t k = 0; k < c->n->n_inputs; k++)
        qv_tflm_temp_input(c, k);  /* rank check of every input */
}

static bool quantized_input(const struct qv_tflm_op_ctx *c)
{
    const struct qv_tensor *in = qv_tflm_in(c, 0);
    return in && (in->dtype == QV_DTYPE_I8 || in->dtype == QV_DTYPE_I16);
}

/* TFLM's ComputePaddingHeightWidth for one dimension (kernels/padding.h). */
static int64_t same_padding(int64_t in, int64_t filter, int64_t stride, int64_t dilation,
                            int64_t out)
{
    int64_t eff = (filter - 1) * dilation + 1;
    int64_t total = (out - 1) * stride + eff - in;
    return total > 0 ? total / 2 : 0;
}

/* arm_convolve_wrapper_s8_get_buffer_size (CMSIS-NN arm_convolve_get_buffer_sizes_s8.c). */
static size_t cmsis_conv_buffer(const struct qv_tflm_op_ctx *c)
{
    const struct qv_tensor *in = qv_tflm_in(c, 0), *w = qv_tflm_in(c, 1), *out = qv_tflm_out(c, 0);
    const struct qv_attrs *a = &c->n->attrs;
    int64_t fh = qv_tflm_dim(w, 1), fw = qv_tflm_dim(w, 2), ic = qv_tflm_dim(in, 3);
    int64_t ph = same_padding(qv_tflm_dim(in, 1), fh, a->stride_h, a->dilation_h,
                              qv_tflm_dim(out, 1));
    int64_t pw = same_padding(qv_tflm_dim(in, 2), fw, a->stride_w, a->dilation_w,
                              qv_tflm_dim(out, 2));
    if (pw == 0 && ph == 0 && fw == 1 && fh == 1 && a->dilation_w == 1 && a->dilation_h == 1)
        return 0;                  /* 1x1: arm_convolve_1x1_s8(_fast), no buffer */
    bool one_by_n = qv_tflm_dim(in, 1) == 1 && a->dilation_w == 1 && fh == 1 &&
                    (a->stride_w * ic) % 4 == 0;
    if (c->isa == QV_ISA_MVE) {
        if (one_by_n)
            return 0;
        int64_t col = (ic * fw * fh + 7) / 8;
        return (size_t)(4 * col * 8);
    }
    int64_t rhs = fw * fh * ic;
    int64_t aligned = rhs % 4 ? rhs + 4 - rhs % 4 : rhs;
    return (size_t)(2 * aligned * 2);
}

/* arm_depthwise_conv_wrapper_s8_get_buffer_size (arm_depthwise_conv_get_buffer_sizes_s8.c);
 * CH_IN_BLOCK_MVE is 124. */
static size_t cmsis_dw_buffer(const struct qv_tflm_op_ctx *c)
{
    const struct qv_tensor *in = qv_tflm_in(c, 0), *w = qv_tflm_in(c, 1), *out = qv_tflm_out(c, 0);
    const struct qv_attrs *a = &c->n->attrs;
    int64_t fh = qv_tflm_dim(w, 1), fw = qv_tflm_dim(w, 2), ic = qv_tflm_dim(in, 3);
    if (ic != qv_tflm_dim(out, 3) || qv_tflm_dim(in, 0) != 1 || a->dilation_w != 1 ||
        a->dilation_h != 1)
        return 0;
    if (c->isa == QV_ISA_MVE)
        return (size_t)(4 * 124 * fw * fh);
    int64_t ph = same_padding(qv_tflm_dim(in, 1), fh, a->stride_h, 1, qv_tflm_dim(out, 1));
    int64_t pw = same_padding(qv_tflm_dim(in, 2), fw, a->stride_w, 1, qv_tflm_dim(out, 2));
    if (fw == 3 && fh == 3 && ph <= 1 && pw <= 1)
        return 0;                  /* arm_depthwise_conv_3x3_s8 */
    if (c->isa == QV_ISA_DSP)
        return (size_t)(ic * fw * fh * 2);
    return 0;
}

static void conv_like(struct qv_tflm_op_ctx *c, int32_t channel_dim, bool dw)
{
    const struct qv_tensor *w = qv_tflm_in(c, 1);
    size_t ch = (size_t)qv_tflm_dim(w, channel_dim);
    bool cmsis = c->kernels == QV_KERNELS_CMSIS_NN;
    if (cmsis) {
        qv_tflm_temp_input(c, 0);
        qv_tflm_temp_input(c, 1);
        qv_tflm_temp_output(c, 0);
    } else {
        qv_tflm_temp_output(c, 0);
        qv_tflm_temp_input(c, 0);
        qv_tflm_temp_input(c, 1);
    }
    if (!cmsis || quantized_input(c)) {
        qv_tflm_persist(c, QV_ARENA_PREPARE, ch * 4);   /* per-channel multipliers */
        qv_tflm_persist(c, QV_ARENA_PREPARE, ch * 4);   /* per-channel shifts */
    }
    /* CalculateOpDataConv / CalculateOpDataDepthwiseConv */
    qv_tflm_temp_input(c, 0);
    qv_tflm_temp_input(c, 1);
    qv_tflm_temp_input(c, 2);
    qv_tflm_temp_output(c, 0);
    if (cmsis && qv_tflm_in(c, 0) && qv_tflm_in(c, 0)->dtype == QV_DTYPE_I8) {
        size_t buf = dw ? cmsis_dw_buffer(c) : cmsis_conv_buffer(c);
        if (buf > 0)
            qv_tflm_scratch(c, buf);
    }
}

static void prep_conv(struct qv_tflm_op_ctx *c)
{
    conv_like(c, 0, false);
}

static void prep_depthwise(struct qv_tflm_op_ctx *c)
{
    conv_like(c, 3, true);
}

static void prep_fully_connected(struct qv_tflm_op_ctx *c)
{
    qv_tflm_temp_input(c, 0);
    qv_tflm_temp_input(c, 1);
    qv_tflm_temp_input(c, 2);
    qv_tflm_temp_output(c, 0);
    const struct qv_tensor *w = qv_tflm_in(c, 1);
    int32_t wi = c->n->inputs[1];
    int32_t scales = wi >= 0 && wi < c->facts->n_tensors ? c->facts->quant_channels[wi] : 0;
    if (scales > 1 && quantized_input(c)) {
        size_t ch = (size_t)qv_tflm_dim(w, 0);
        qv_tflm_persist(c, QV_ARENA_PREPARE, ch * 4);
        qv_tflm_persist(c, QV_ARENA_PREPARE, ch * 4);
    }
    /* arm_fully_connected_s8_get_buffer_size: the MVE kernel keeps one int32 sum per output */
    if (c->kernels == QV_KERNELS_CMSIS_NN && c->isa == QV_ISA_MVE && quantized_input(c))
        qv_tflm_scratch(c, (size_t)qv_tflm_dim(w, 0) * 4);
}

static void prep_average_pool(struct qv_tflm_op_ctx *c)
{
    prep_in_out(c);
    /* arm_avgpool_s8_get_buffer_size: one int32 per input channel with the DSP extension */
    if (c->kernels == QV_KERNELS_CMSIS_NN && c->isa == QV_ISA_DSP &&
        qv_tflm_in(c, 0) && qv_tflm_in(c, 0)->dtype == QV_DTYPE_I8)
        qv_tflm_scratch(c, (size_t)qv_tflm_dim(qv_tflm_in(c, 0), 3) * 4);
}

/* MEAN (reduce_common.cc): PrepareMeanOrSumHelper then PrepareSimple. */
static void prep_mean(struct qv_tflm_op_ctx *c)
{
    const struct qv_tensor *in = qv_tflm_in(c, 0), *axis = qv_tflm_in(c, 1);
    const struct qv_tensor *out = qv_tflm_out(c, 0);
    qv_tflm_temp_input(c, 0);
    qv_tflm_temp_output(c, 0);
    qv_tflm_temp_input(c, 1);
    if (quantized_input(c))
        qv_tflm_scratch(c, (size_t)qv_shape_elems(&out->shape) * 4);   /* temp sums */
    qv_tflm_scratch(c, (size_t)(in ? in->shape.rank : 0) * 4);         /* temp index */
    qv_tflm_scratch(c, (size_t)(axis ? qv_shape_elems(&axis->shape) : 0) * 4); /* axes */
    qv_tflm_temp_input(c, 0);
    qv_tflm_temp_input(c, 1);
    if (in && in->dtype == QV_DTYPE_I8)
        qv_tflm_temp_output(c, 0);
}

/* ---- the table ------------------------------------------------------------------------------ */

#define ALL_NUM (QV_DT_F32 | QV_DT_I8 | QV_DT_I16 | QV_DT_I32)
#define F_I8_I16 (QV_DT_F32 | QV_DT_I8 | QV_DT_I16)
#define I8_I16 (QV_DT_I8 | QV_DT_I16)
#define ANY (ALL_NUM | QV_DT_U8)

/* params_align -1: pointer alignment of the ABI. */
const struct qv_budget_op_def qv_budget_ops[QV_OP_COUNT] = {
    [QV_OP_ADD] = {
        .resolver = "AddAdd", .params = { 8, 8 }, .params_align = 4,
        .opdata = { { 60, 60 }, { 60, 60 } }, .prepare = prep_binary,
        .dtypes = { ALL_NUM, I8_I16 }, .code = { 11639, 11639 }, .cost = QV_COST_ELEM,
    },
    [QV_OP_AVERAGE_POOL_2D] = {
        .resolver = "AddAveragePool2D", .params = { 40, 40 }, .params_align = 4,
        .opdata = { { 32, 32 }, { 36, 36 } }, .prepare = prep_average_pool,
        .dtypes = { F_I8_I16, I8_I16 }, .code = { 3472, 3472 }, .cost = QV_COST_ELEM,
    },
    [QV_OP_CONCATENATION] = {
        .resolver = "AddConcatenation", .params = { 8, 8 }, .params_align = 4,
        .opdata = { { 80, 56 }, { 80, 56 } }, .prepare = prep_concatenation,
        .dtypes = { ALL_NUM, 0 }, .code = { 5891, 5891 }, .cost = QV_COST_MOVE,
    },
    [QV_OP_CONV_2D] = {
        .resolver = "AddConv2D", .params = { 28, 28 }, .params_align = 4,
        .opdata = { { 80, 56 }, { 88, 60 } }, .prepare = prep_conv,
        .dtypes = { F_I8_I16, I8_I16 }, .code = { 8287, 8287 }, .cost = QV_COST_CONV,
    },
    [QV_OP_DEPTHWISE_CONV_2D] = {
        .resolver = "AddDepthwiseConv2D", .params = { 28, 28 }, .params_align = 4,
        .opdata = { { 80, 56 }, { 88, 60 } }, .prepare = prep_depthwise,
        .dtypes = { F_I8_I16, I8_I16 }, .code = { 6694, 6694 }, .cost = QV_COST_DW,
    },
    [QV_OP_DEQUANTIZE] = {
        .resolver = "AddDequantize", .params = { 0, 0 }, .params_align = 1,
        .opdata = { { 32, 32 }, { 32, 32 } }, .prepare = prep_in_out,
        .dtypes = { QV_DT_I8 | QV_DT_I16 | QV_DT_U8, 0 }, .code = { 939, 939 },
        .cost = QV_COST_ELEM,
    },
    [QV_OP_FULLY_CONNECTED] = {
        .resolver = "AddFullyConnected", .params = { 32, 24 }, .params_align = -1,
        .opdata = { { 72, 56 }, { 88, 64 } }, .prepare = prep_fully_connected,
        .dtypes = { F_I8_I16, I8_I16 }, .code = { 6040, 6040 }, .cost = QV_COST_FC,
    },
    [QV_OP_LOGISTIC] = {
        .resolver = "AddLogistic", .params = { 0, 0 }, .params_align = 1,
        .opdata = { { 16, 16 }, { 16, 16 } }, .prepare = prep_in_out,
        .dtypes = { F_I8_I16, 0 }, .code = { 1565, 1565 }, .cost = QV_COST_LUT,
    },
    [QV_OP_MAX_POOL_2D] = {
        .resolver = "AddMaxPool2D", .params = { 40, 40 }, .params_align = 4,
        .opdata = { { 32, 32 }, { 36, 36 } }, .prepare = prep_in_out,
        .dtypes = { F_I8_I16, I8_I16 }, .code = { 3311, 3311 }, .cost = QV_COST_ELEM,
    },
    [QV_OP_MUL] = {
        .resolver = "AddMul", .params = { 4, 4 }, .params_align = 4,
        .opdata = { { 36, 36 }, { 36, 36 } }, .prepare = prep_binary,
        .dtypes = { ALL_NUM, I8_I16 }, .code = { 9759, 9759 }, .cost = QV_COST_ELEM,
    },
    [QV_OP_RELU] = {
        .resolver = "AddRelu", .params = { 0, 0 }, .params_align = 1,
        .opdata = { { 28, 28 }, { 28, 28 } }, .prepare = prep_in_out,
        .dtypes = { F_I8_I16, 0 }, .code = { 1067, 1067 }, .cost = QV_COST_ELEM,
    },
    [QV_OP_RELU6] = {
        .resolver = "AddRelu6", .params = { 0, 0 }, .params_align = 1,
        .opdata = { { 8, 8 }, { 8, 8 } }, .prepare = prep_in,
        .dtypes = { F_I8_I16, 0 }, .code = { 841, 841 }, .cost = QV_COST_ELEM,
    },
    [QV_OP_RESHAPE] = {
        .resolver = "AddReshape", .params = { 36, 36 }, .params_align = 4,
        .opdata = { { 0, 0 }, { 0, 0 } }, .prepare = prep_in_out,
        .dtypes = { ANY, 0 }, .code = { 642, 642 }, .cost = QV_COST_MOVE,
    },
    [QV_OP_SOFTMAX] = {
        .resolver = "AddSoftmax", .params = { 4, 4 }, .params_align = 4,
        .opdata = { { 80, 56 }, { 80, 56 } }, .prepare = prep_in_out,
        .dtypes = { F_I8_I16, I8_I16 }, .code = { 4723, 4723 }, .cost = QV_COST_LUT,
    },
    [QV_OP_TANH] = {
        .resolver = "AddTanh", .params = { 0, 0 }, .params_align = 1,
        .opdata = { { 16, 16 }, { 16, 16 } }, .prepare = prep_in_in_out,
        .dtypes = { F_I8_I16, 0 }, .code = { 1580, 1580 }, .cost = QV_COST_LUT,
    },
    [QV_OP_PAD] = {
        .resolver = "AddPad", .params = { 0, 0 }, .params_align = 1,
        .opdata = { { 56, 56 }, { 56, 56 } }, .prepare = prep_pad,
        .dtypes = { ALL_NUM, 0 }, .code = { 6088, 6088 }, .cost = QV_COST_MOVE,
    },
    [QV_OP_MEAN] = {
        .resolver = "AddMean", .params = { 1, 1 }, .params_align = 1,
        .opdata = { { 44, 44 }, { 44, 44 } }, .prepare = prep_mean,
        .dtypes = { F_I8_I16, 0 }, .code = { 4883, 4883 }, .cost = QV_COST_ELEM,
    },
    [QV_OP_SUB] = {
        .resolver = "AddSub", .params = { 8, 8 }, .params_align = 4,
        .opdata = { { 52, 52 }, { 52, 52 } }, .prepare = prep_binary,
        .dtypes = { ALL_NUM, 0 }, .code = { 13888, 13888 }, .cost = QV_COST_ELEM,
    },
    [QV_OP_SQUEEZE] = {
        .resolver = "AddSqueeze", .params = { 36, 36 }, .params_align = 4,
        .opdata = { { 0, 0 }, { 0, 0 } }, .prepare = prep_in_out,
        .dtypes = { ANY, 0 }, .code = { 858, 858 }, .cost = QV_COST_MOVE,
    },
    [QV_OP_PADV2] = {
        .resolver = "AddPadV2", .params = { 0, 0 }, .params_align = 1,
        .opdata = { { 56, 56 }, { 56, 56 } }, .prepare = prep_pad,
        .dtypes = { ALL_NUM, 0 }, .code = { 6088, 6088 }, .cost = QV_COST_MOVE,
    },
    [QV_OP_LEAKY_RELU] = {
        .resolver = "AddLeakyRelu", .params = { 4, 4 }, .params_align = 4,
        .opdata = { { 24, 24 }, { 24, 24 } }, .prepare = prep_in_out,
        .dtypes = { F_I8_I16, 0 }, .code = { 444, 444 }, .cost = QV_COST_ELEM,
    },
    [QV_OP_QUANTIZE] = {
        .resolver = "AddQuantize", .params = { 0, 0 }, .params_align = 1,
        .opdata = { { 32, 32 }, { 32, 32 } }, .prepare = prep_in_out,
        .dtypes = { QV_DT_F32 | QV_DT_I8 | QV_DT_I16 | QV_DT_I32 | QV_DT_U8, 0 },
        .code = { 2167, 2167 }, .cost = QV_COST_ELEM,
    },
    [QV_OP_HARD_SWISH] = {
        .resolver = "AddHardSwish", .params = { 0, 0 }, .params_align = 1,
        .opdata = { { 20, 20 }, { 20, 20 } }, .prepare = prep_in_out,
        .dtypes = { QV_DT_F32 | QV_DT_I8, 0 }, .code = { 1192, 1192 }, .cost = QV_COST_ELEM,
    },
};
