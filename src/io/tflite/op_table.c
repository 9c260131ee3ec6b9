/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TFLite reader/writer's tables: the TensorType of each dtype, and per op its builtin options
 * table (union type, reader, writer; src/io/tflite/options.c) and the operator version the
 * exporter writes. QV_OP_UNSUPPORTED has no entry: the writer refuses such nodes.
 */
#include "io/tflite/tflite_int.h"

const int8_t qv_tfl_types[QV_DTYPE_COUNT] = {
    [QV_DTYPE_F32] = QV_TFL_FLOAT32, [QV_DTYPE_I8] = QV_TFL_INT8,   [QV_DTYPE_U8] = QV_TFL_UINT8,
    [QV_DTYPE_I16] = QV_TFL_INT16,   [QV_DTYPE_I32] = QV_TFL_INT32, [QV_DTYPE_I64] = QV_TFL_INT64,
    [QV_DTYPE_BOOL] = QV_TFL_BOOL,
};

const struct qv_tfl_op_def qv_tfl_ops[QV_OP_COUNT] = {
    [QV_OP_ADD] = {
        .options_type = 11,
        .read_options = qv_add_tfl_read,
        .write_options = qv_add_tfl_write,
        .versions = { 1, 2 },
    },
    [QV_OP_AVERAGE_POOL_2D] = {
        .options_type = 5,
        .read_options = qv_average_pool_2d_tfl_read,
        .write_options = qv_average_pool_2d_tfl_write,
        .versions = { 1, 2 },
    },
    [QV_OP_CONCATENATION] = {
        .options_type = 10,
        .read_options = qv_concatenation_tfl_read,
        .write_options = qv_concatenation_tfl_write,
        .versions = { 1, 2 },
    },
    [QV_OP_CONV_2D] = {
        .options_type = 1,
        .read_options = qv_conv_2d_tfl_read,
        .write_options = qv_conv_2d_tfl_write,
        .versions = { 1, 3 },
    },
    [QV_OP_DEPTHWISE_CONV_2D] = {
        .options_type = 2,
        .read_options = qv_depthwise_conv_2d_tfl_read,
        .write_options = qv_depthwise_conv_2d_tfl_write,
        .versions = { 1, 3 }, .version = qv_depthwise_conv_2d_tfl_version,
    },
    [QV_OP_DEQUANTIZE] = {
        .options_type = 38,
        .read_options = qv_dequantize_tfl_read,
        .write_options = qv_dequantize_tfl_write,
        .versions = { 1, 2 },
    },
    [QV_OP_FULLY_CONNECTED] = {
        .options_type = 8,
        .read_options = qv_fully_connected_tfl_read,
        .write_options = qv_fully_connected_tfl_write,
        .versions = { 1, 4 }, .version = qv_fully_connected_tfl_version,
    },
    [QV_OP_LOGISTIC] = {
        .options_type = 0, /* no options table */
        .versions = { 1, 2 },
    },
    [QV_OP_MAX_POOL_2D] = {
        .options_type = 5,
        .read_options = qv_max_pool_2d_tfl_read,
        .write_options = qv_max_pool_2d_tfl_write,
        .versions = { 1, 2 },
    },
    [QV_OP_MUL] = {
        .options_type = 21,
        .read_options = qv_mul_tfl_read,
        .write_options = qv_mul_tfl_write,
        .versions = { 1, 2 },
    },
    [QV_OP_RELU] = {
        .options_type = 0, /* no options table */
        .versions = { 1, 2 },
    },
    [QV_OP_RELU6] = {
        .options_type = 0, /* no options table */
        .versions = { 1, 2 },
    },
    [QV_OP_RESHAPE] = {
        .options_type = 17,
        .read_options = qv_reshape_tfl_read,
        .write_options = qv_reshape_tfl_write,
        .versions = { 1, 1 },
    },
    [QV_OP_SOFTMAX] = {
        .options_type = 9,
        .read_options = qv_softmax_tfl_read,
        .write_options = qv_softmax_tfl_write,
        .versions = { 1, 2 },
    },
    [QV_OP_TANH] = {
        .options_type = 0, /* no options table */
        .versions = { 1, 2 },
    },
    [QV_OP_PAD] = {
        .options_type = 22,
        .read_options = qv_pad_tfl_read,
        .write_options = qv_pad_tfl_write,
        .versions = { 1, 2 },
    },
    [QV_OP_MEAN] = {
        .options_type = 27,
        .read_options = qv_mean_tfl_read,
        .write_options = qv_mean_tfl_write,
        .versions = { 1, 2 },
    },
    [QV_OP_SUB] = {
        .options_type = 28,
        .read_options = qv_sub_tfl_read,
        .write_options = qv_sub_tfl_write,
        .versions = { 1, 2 },
    },
    [QV_OP_SQUEEZE] = {
        .options_type = 30,
        .read_options = qv_squeeze_tfl_read,
        .write_options = qv_squeeze_tfl_write,
        .versions = { 1, 1 },
    },
    [QV_OP_PADV2] = {
        .options_type = 43,
        .read_options = qv_padv2_tfl_read,
        .write_options = qv_padv2_tfl_write,
        .versions = { 1, 2 },
    },
    [QV_OP_LEAKY_RELU] = {
        .options_type = 75,
        .read_options = qv_leaky_relu_tfl_read,
        .write_options = qv_leaky_relu_tfl_write,
        .versions = { 1, 1 },
    },
    [QV_OP_QUANTIZE] = {
        .options_type = 89,
        .read_options = qv_quantize_tfl_read,
        .write_options = qv_quantize_tfl_write,
        .versions = { 1, 1 },
    },
    [QV_OP_HARD_SWISH] = {
        .options_type = 91,
        .read_options = qv_hard_swish_tfl_read,
        .write_options = qv_hard_swish_tfl_write,
        .versions = { 1, 1 },
    },
};
