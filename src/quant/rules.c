/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-op quantization rules: how each op's output parameters are chosen and how its constant
 * inputs are quantized, following the TFLite quantization spec and what the converter does
 * (docs/quant.md). tests/unit/test_quant.c checks every op has an entry.
 */
#include "quant/quant_int.h"

#define OWN { .kind = QV_QK_OWN }
#define SAME { .kind = QV_QK_SAME }

const struct qv_quant_rule qv_quant_rules[QV_OP_COUNT] = {
    [QV_OP_ADD] = { .kind = QV_QK_OWN, .fused_act = true, .const_operands = true },
    [QV_OP_SUB] = { .kind = QV_QK_OWN, .fused_act = true, .const_operands = true },
    [QV_OP_MUL] = { .kind = QV_QK_OWN, .fused_act = true, .const_operands = true },
    [QV_OP_AVERAGE_POOL_2D] = { .kind = QV_QK_SAME, .fused_act = true },
    [QV_OP_MAX_POOL_2D] = { .kind = QV_QK_SAME, .fused_act = true },
    [QV_OP_CONCATENATION] = { .kind = QV_QK_SAME, .fused_act = true },
    [QV_OP_RESHAPE] = SAME,
    [QV_OP_SQUEEZE] = SAME,
    [QV_OP_PAD] = SAME,
    [QV_OP_PADV2] = SAME,
    /*
     * TFLM's RELU6 kernel clamps with the input's parameters and ignores the output's (spec
     * §5.19); the converter gives a standalone RELU6 its own output range, which TFLM then
     * misreads. qvet shares the input's parameters so that TFLM's output is right.
     */
    [QV_OP_RELU6] = SAME,
    [QV_OP_CONV_2D] = { .kind = QV_QK_AFFINE, .weight_input = 1, .bias_input = 2,
                        .weight_axis = 0, .fused_act = true },
    [QV_OP_DEPTHWISE_CONV_2D] = { .kind = QV_QK_AFFINE, .weight_input = 1, .bias_input = 2,
                                  .weight_axis = 3, .fused_act = true },
    [QV_OP_FULLY_CONNECTED] = { .kind = QV_QK_AFFINE, .weight_input = 1, .bias_input = 2,
                                .weight_axis = 0, .fused_act = true },
    [QV_OP_SOFTMAX] = { .kind = QV_QK_FIXED, .fixed_scale = 1.0f / 256.0f,
                        .fixed_zero_point = -128 },
    [QV_OP_LOGISTIC] = { .kind = QV_QK_FIXED, .fixed_scale = 1.0f / 256.0f,
                         .fixed_zero_point = -128 },
    [QV_OP_TANH] = { .kind = QV_QK_FIXED, .fixed_scale = 1.0f / 128.0f, .fixed_zero_point = 0 },
    [QV_OP_RELU] = OWN,
    [QV_OP_LEAKY_RELU] = OWN,
    [QV_OP_HARD_SWISH] = OWN,
    [QV_OP_MEAN] = OWN,
    [QV_OP_DEQUANTIZE] = { .kind = QV_QK_FOLD },
    [QV_OP_UNSUPPORTED] = { .kind = QV_QK_NONE, .why = "qvet cannot run this operator" },
    [QV_OP_QUANTIZE] = { .kind = QV_QK_NONE,
                         .why = "the float model already holds quantize ops (a fake-quantized "
                                "or partly quantized model); quantize the model it came from" },
};

bool qv_quant_op_supported(enum qv_op op, const char **ret_why)
{
    if ((unsigned)op >= QV_OP_COUNT)
        return false;
    const struct qv_quant_rule *r = &qv_quant_rules[op];
    if (r->kind != QV_QK_NONE)
        return true;
    if (ret_why)
        *ret_why = r->why ? r->why : "no quantization rule for this op";
    return false;
}
