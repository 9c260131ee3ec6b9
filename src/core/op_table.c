/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The op table: the only place that says which function implements what for each op.
 *
 * Adding an op (checklist):
 *   1. a line in include/qvet/op_list.h (id, stem, name, TFLite code, input counts);
 *   2. src/core/ops/<op>.c: attribute checks, shape inference (qv_<op>_infer), MACs (qv_<op>_macs);
 *   3. src/engine/float/<op>_f32.c: qv_<op>_f32 (and _f32_prepare when it needs parameters);
 *   4. src/engine/int8/<op>_s8.c: qv_<op>_s8_prepare + qv_<op>_s8, bit-exact with TFLM;
 *   5. src/io/tflite/options.c: the TFLite options table reader/writer, if the op has one;
 *   6. the entry below; 7. a reference/ script case and its fixtures; 8. tests; 9. the README row.
 * A NULL kernel means "unsupported in that engine": engine creation reports it with the node.
 */
#include <string.h>

#include "core/op_impl.h"

/* Name, code and input counts repeat op_list.h; tests/unit/test_graph.c checks they agree. */
const struct qv_op_def qv_op_defs[QV_OP_COUNT] = {
    [QV_OP_ADD] = {
        .name = "ADD", .tflite_code = 0, .min_inputs = 2, .max_inputs = 2,
        .infer = qv_add_infer, .macs = qv_add_macs,
        .prepare_f32 = qv_add_f32_prepare, .eval_f32 = qv_add_f32,
        .prepare_s8 = qv_add_s8_prepare, .eval_s8 = qv_add_s8,
        .tfl_options_type = 11, .tfl_read_options = qv_add_tfl_read,
        .tfl_write_options = qv_add_tfl_write,
        .tfl_versions = { 1, 2 },
    },
    [QV_OP_AVERAGE_POOL_2D] = {
        .name = "AVERAGE_POOL_2D", .tflite_code = 1, .min_inputs = 1, .max_inputs = 1,
        .infer = qv_average_pool_2d_infer, .macs = qv_average_pool_2d_macs,
        .prepare_f32 = qv_average_pool_2d_f32_prepare, .eval_f32 = qv_average_pool_2d_f32,
        .prepare_s8 = qv_average_pool_2d_s8_prepare, .eval_s8 = qv_average_pool_2d_s8,
        .tfl_options_type = 5, .tfl_read_options = qv_average_pool_2d_tfl_read,
        .tfl_write_options = qv_average_pool_2d_tfl_write,
        .tfl_versions = { 1, 2 },
    },
    [QV_OP_CONCATENATION] = {
        .name = "CONCATENATION", .tflite_code = 2, .min_inputs = 1, .max_inputs = 10,
        .infer = qv_concatenation_infer, .macs = qv_concatenation_macs,
        .prepare_f32 = qv_concatenation_f32_prepare, .eval_f32 = qv_concatenation_f32,
        .prepare_s8 = qv_concatenation_s8_prepare, .eval_s8 = qv_concatenation_s8,
        .tfl_options_type = 10, .tfl_read_options = qv_concatenation_tfl_read,
        .tfl_write_options = qv_concatenation_tfl_write,
        .tfl_versions = { 1, 2 },
    },
    [QV_OP_CONV_2D] = {
        .name = "CONV_2D", .tflite_code = 3, .min_inputs = 2, .max_inputs = 3,
        .infer = qv_conv_2d_infer, .macs = qv_conv_2d_macs,
        .prepare_f32 = qv_conv_2d_f32_prepare, .eval_f32 = qv_conv_2d_f32,
        .prepare_s8 = qv_conv_2d_s8_prepare, .eval_s8 = qv_conv_2d_s8,
        .tfl_options_type = 1, .tfl_read_options = qv_conv_2d_tfl_read,
        .tfl_write_options = qv_conv_2d_tfl_write,
        .tfl_versions = { 1, 3 },
    },
    [QV_OP_DEPTHWISE_CONV_2D] = {
        .name = "DEPTHWISE_CONV_2D", .tflite_code = 4, .min_inputs = 2, .max_inputs = 3,
        .infer = qv_depthwise_conv_2d_infer, .macs = qv_depthwise_conv_2d_macs,
        .prepare_f32 = qv_depthwise_conv_2d_f32_prepare, .eval_f32 = qv_depthwise_conv_2d_f32,
        .prepare_s8 = qv_depthwise_conv_2d_s8_prepare, .eval_s8 = qv_depthwise_conv_2d_s8,
        .tfl_options_type = 2, .tfl_read_options = qv_depthwise_conv_2d_tfl_read,
        .tfl_write_options = qv_depthwise_conv_2d_tfl_write,
        .tfl_versions = { 1, 3 }, .tfl_version = qv_depthwise_conv_2d_tfl_version,
    },
    [QV_OP_DEQUANTIZE] = {
        .name = "DEQUANTIZE", .tflite_code = 6, .min_inputs = 1, .max_inputs = 1,
        .infer = qv_dequantize_infer, .macs = qv_dequantize_macs,
        .prepare_f32 = qv_dequantize_f32_prepare, .eval_f32 = qv_dequantize_f32,
        .prepare_s8 = qv_dequantize_s8_prepare, .eval_s8 = qv_dequantize_s8,
        .tfl_options_type = 38, .tfl_read_options = qv_dequantize_tfl_read,
        .tfl_write_options = qv_dequantize_tfl_write,
        .tfl_versions = { 1, 2 },
    },
    [QV_OP_FULLY_CONNECTED] = {
        .name = "FULLY_CONNECTED", .tflite_code = 9, .min_inputs = 2, .max_inputs = 3,
        .infer = qv_fully_connected_infer, .macs = qv_fully_connected_macs,
        .prepare_f32 = qv_fully_connected_f32_prepare, .eval_f32 = qv_fully_connected_f32,
        .prepare_s8 = qv_fully_connected_s8_prepare, .eval_s8 = qv_fully_connected_s8,
        .tfl_options_type = 8, .tfl_read_options = qv_fully_connected_tfl_read,
        .tfl_write_options = qv_fully_connected_tfl_write,
        .tfl_versions = { 1, 4 }, .tfl_version = qv_fully_connected_tfl_version,
    },
    [QV_OP_LOGISTIC] = {
        .name = "LOGISTIC", .tflite_code = 14, .min_inputs = 1, .max_inputs = 1,
        .infer = qv_logistic_infer, .macs = qv_logistic_macs,
        .prepare_f32 = qv_logistic_f32_prepare, .eval_f32 = qv_logistic_f32,
        .prepare_s8 = qv_logistic_s8_prepare, .eval_s8 = qv_logistic_s8,
        .tfl_options_type = 0, /* TFLite: no options table */
        .tfl_versions = { 1, 2 },
    },
    [QV_OP_MAX_POOL_2D] = {
        .name = "MAX_POOL_2D", .tflite_code = 17, .min_inputs = 1, .max_inputs = 1,
        .infer = qv_max_pool_2d_infer, .macs = qv_max_pool_2d_macs,
        .prepare_f32 = qv_max_pool_2d_f32_prepare, .eval_f32 = qv_max_pool_2d_f32,
        .prepare_s8 = qv_max_pool_2d_s8_prepare, .eval_s8 = qv_max_pool_2d_s8,
        .tfl_options_type = 5, .tfl_read_options = qv_max_pool_2d_tfl_read,
        .tfl_write_options = qv_max_pool_2d_tfl_write,
        .tfl_versions = { 1, 2 },
    },
    [QV_OP_MUL] = {
        .name = "MUL", .tflite_code = 18, .min_inputs = 2, .max_inputs = 2,
        .infer = qv_mul_infer, .macs = qv_mul_macs,
        .prepare_f32 = qv_mul_f32_prepare, .eval_f32 = qv_mul_f32,
        .prepare_s8 = qv_mul_s8_prepare, .eval_s8 = qv_mul_s8,
        .tfl_options_type = 21, .tfl_read_options = qv_mul_tfl_read,
        .tfl_write_options = qv_mul_tfl_write,
        .tfl_versions = { 1, 2 },
    },
    [QV_OP_RELU] = {
        .name = "RELU", .tflite_code = 19, .min_inputs = 1, .max_inputs = 1,
        .infer = qv_relu_infer, .macs = qv_relu_macs,
        .prepare_f32 = qv_relu_f32_prepare, .eval_f32 = qv_relu_f32,
        .prepare_s8 = qv_relu_s8_prepare, .eval_s8 = qv_relu_s8,
        .tfl_options_type = 0, /* TFLite: no options table */
        .tfl_versions = { 1, 2 },
    },
    [QV_OP_RELU6] = {
        .name = "RELU6", .tflite_code = 21, .min_inputs = 1, .max_inputs = 1,
        .infer = qv_relu6_infer, .macs = qv_relu6_macs,
        .prepare_f32 = qv_relu6_f32_prepare, .eval_f32 = qv_relu6_f32,
        .prepare_s8 = qv_relu6_s8_prepare, .eval_s8 = qv_relu6_s8,
        .tfl_options_type = 0, /* TFLite: no options table */
        .tfl_versions = { 1, 2 },
    },
    [QV_OP_RESHAPE] = {
        .name = "RESHAPE", .tflite_code = 22, .min_inputs = 1, .max_inputs = 2,
        .infer = qv_reshape_infer, .macs = qv_reshape_macs,
        .prepare_f32 = qv_reshape_f32_prepare, .eval_f32 = qv_reshape_f32,
        .prepare_s8 = qv_reshape_s8_prepare, .eval_s8 = qv_reshape_s8,
        .tfl_options_type = 17, .tfl_read_options = qv_reshape_tfl_read,
        .tfl_write_options = qv_reshape_tfl_write,
        .tfl_versions = { 1, 1 },
    },
    [QV_OP_SOFTMAX] = {
        .name = "SOFTMAX", .tflite_code = 25, .min_inputs = 1, .max_inputs = 1,
        .infer = qv_softmax_infer, .macs = qv_softmax_macs,
        .prepare_f32 = qv_softmax_f32_prepare, .eval_f32 = qv_softmax_f32,
        .prepare_s8 = qv_softmax_s8_prepare, .eval_s8 = qv_softmax_s8,
        .tfl_options_type = 9, .tfl_read_options = qv_softmax_tfl_read,
        .tfl_write_options = qv_softmax_tfl_write,
        .tfl_versions = { 1, 2 },
    },
    [QV_OP_TANH] = {
        .name = "TANH", .tflite_code = 28, .min_inputs = 1, .max_inputs = 1,
        .infer = qv_tanh_infer, .macs = qv_tanh_macs,
        .prepare_f32 = qv_tanh_f32_prepare, .eval_f32 = qv_tanh_f32,
        .prepare_s8 = qv_tanh_s8_prepare, .eval_s8 = qv_tanh_s8,
        .tfl_options_type = 0, /* TFLite: no options table */
        .tfl_versions = { 1, 2 },
    },
    [QV_OP_PAD] = {
        .name = "PAD", .tflite_code = 34, .min_inputs = 2, .max_inputs = 2,
        .infer = qv_pad_infer, .macs = qv_pad_macs,
        .prepare_f32 = qv_pad_f32_prepare, .eval_f32 = qv_pad_f32,
        .prepare_s8 = qv_pad_s8_prepare, .eval_s8 = qv_pad_s8,
        .tfl_options_type = 22, .tfl_read_options = qv_pad_tfl_read,
        .tfl_write_options = qv_pad_tfl_write,
        .tfl_versions = { 1, 2 },
    },
    [QV_OP_MEAN] = {
        .name = "MEAN", .tflite_code = 40, .min_inputs = 2, .max_inputs = 2,
        .infer = qv_mean_infer, .macs = qv_mean_macs,
        .prepare_f32 = qv_mean_f32_prepare, .eval_f32 = qv_mean_f32,
        .prepare_s8 = qv_mean_s8_prepare, .eval_s8 = qv_mean_s8,
        .tfl_options_type = 27, .tfl_read_options = qv_mean_tfl_read,
        .tfl_write_options = qv_mean_tfl_write,
        .tfl_versions = { 1, 2 },
    },
    [QV_OP_SUB] = {
        .name = "SUB", .tflite_code = 41, .min_inputs = 2, .max_inputs = 2,
        .infer = qv_sub_infer, .macs = qv_sub_macs,
        .prepare_f32 = qv_sub_f32_prepare, .eval_f32 = qv_sub_f32,
        .prepare_s8 = qv_sub_s8_prepare, .eval_s8 = qv_sub_s8,
        .tfl_options_type = 28, .tfl_read_options = qv_sub_tfl_read,
        .tfl_write_options = qv_sub_tfl_write,
        .tfl_versions = { 1, 2 },
    },
    [QV_OP_SQUEEZE] = {
        .name = "SQUEEZE", .tflite_code = 43, .min_inputs = 1, .max_inputs = 1,
        .infer = qv_squeeze_infer, .macs = qv_squeeze_macs,
        .prepare_f32 = qv_squeeze_f32_prepare, .eval_f32 = qv_squeeze_f32,
        .prepare_s8 = qv_squeeze_s8_prepare, .eval_s8 = qv_squeeze_s8,
        .tfl_options_type = 30, .tfl_read_options = qv_squeeze_tfl_read,
        .tfl_write_options = qv_squeeze_tfl_write,
        .tfl_versions = { 1, 1 },
    },
    [QV_OP_PADV2] = {
        .name = "PADV2", .tflite_code = 60, .min_inputs = 2, .max_inputs = 3,
        .infer = qv_padv2_infer, .macs = qv_padv2_macs,
        .prepare_f32 = qv_padv2_f32_prepare, .eval_f32 = qv_padv2_f32,
        .prepare_s8 = qv_padv2_s8_prepare, .eval_s8 = qv_padv2_s8,
        .tfl_options_type = 43, .tfl_read_options = qv_padv2_tfl_read,
        .tfl_write_options = qv_padv2_tfl_write,
        .tfl_versions = { 1, 2 },
    },
    [QV_OP_LEAKY_RELU] = {
        .name = "LEAKY_RELU", .tflite_code = 98, .min_inputs = 1, .max_inputs = 1,
        .infer = qv_leaky_relu_infer, .macs = qv_leaky_relu_macs,
        .prepare_f32 = qv_leaky_relu_f32_prepare, .eval_f32 = qv_leaky_relu_f32,
        .prepare_s8 = qv_leaky_relu_s8_prepare, .eval_s8 = qv_leaky_relu_s8,
        .tfl_options_type = 75, .tfl_read_options = qv_leaky_relu_tfl_read,
        .tfl_write_options = qv_leaky_relu_tfl_write,
        .tfl_versions = { 1, 1 },
    },
    [QV_OP_QUANTIZE] = {
        .name = "QUANTIZE", .tflite_code = 114, .min_inputs = 1, .max_inputs = 1,
        .infer = qv_quantize_infer, .macs = qv_quantize_macs,
        .prepare_f32 = qv_quantize_f32_prepare, .eval_f32 = qv_quantize_f32,
        .prepare_s8 = qv_quantize_s8_prepare, .eval_s8 = qv_quantize_s8,
        .tfl_options_type = 89, .tfl_read_options = qv_quantize_tfl_read,
        .tfl_write_options = qv_quantize_tfl_write,
        .tfl_versions = { 1, 1 },
    },
    [QV_OP_HARD_SWISH] = {
        .name = "HARD_SWISH", .tflite_code = 117, .min_inputs = 1, .max_inputs = 1,
        .infer = qv_hard_swish_infer, .macs = qv_hard_swish_macs,
        .prepare_f32 = qv_hard_swish_f32_prepare, .eval_f32 = qv_hard_swish_f32,
        .prepare_s8 = qv_hard_swish_s8_prepare, .eval_s8 = qv_hard_swish_s8,
        .tfl_options_type = 91, .tfl_read_options = qv_hard_swish_tfl_read,
        .tfl_write_options = qv_hard_swish_tfl_write,
        .tfl_versions = { 1, 1 },
    },
};

const char *qv_op_name(enum qv_op op)
{
    return (unsigned)op < QV_OP_COUNT ? qv_op_defs[op].name : "?";
}

bool qv_op_from_name(const char *name, enum qv_op *ret_op)
{
    for (int i = 0; i < QV_OP_COUNT; i++) {
        if (strcmp(qv_op_defs[i].name, name) == 0) {
            *ret_op = (enum qv_op)i;
            return true;
        }
    }
    return false;
}

bool qv_op_from_tflite(int32_t builtin_code, enum qv_op *ret_op)
{
    for (int i = 0; i < QV_OP_COUNT; i++) {
        if (qv_op_defs[i].tflite_code == builtin_code) {
            *ret_op = (enum qv_op)i;
            return true;
        }
    }
    return false;
}
