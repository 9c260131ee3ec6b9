/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's kernel tables: which function prepares and runs each op in each engine. */
#include "engine/kernel.h"

const struct qv_kernel_def qv_kernels_f32[QV_OP_COUNT] = {
    [QV_OP_ADD] = { qv_add_f32_prepare, qv_add_f32_eval },
    [QV_OP_AVERAGE_POOL_2D] = { qv_average_pool_2d_f32_prepare, qv_average_pool_2d_f32_eval },
    [QV_OP_CONCATENATION] = { qv_concatenation_f32_prepare, qv_concatenation_f32_eval },
    [QV_OP_CONV_2D] = { qv_conv_2d_f32_prepare, qv_conv_2d_f32_eval },
    [QV_OP_DEPTHWISE_CONV_2D] = { qv_depthwise_conv_2d_f32_prepare, qv_depthwise_conv_2d_f32_eval },
    [QV_OP_DEQUANTIZE] = { qv_dequantize_f32_prepare, qv_dequantize_f32_eval },
    [QV_OP_FULLY_CONNECTED] = { qv_fully_connected_f32_prepare, qv_fully_connected_f32_eval },
    [QV_OP_LOGISTIC] = { qv_logistic_f32_prepare, qv_logistic_f32_eval },
    [QV_OP_MAX_POOL_2D] = { qv_max_pool_2d_f32_prepare, qv_max_pool_2d_f32_eval },
    [QV_OP_MUL] = { qv_mul_f32_prepare, qv_mul_f32_eval },
    [QV_OP_RELU] = { qv_relu_f32_prepare, qv_relu_f32_eval },
    [QV_OP_RELU6] = { qv_relu6_f32_prepare, qv_relu6_f32_eval },
    [QV_OP_RESHAPE] = { qv_reshape_f32_prepare, qv_reshape_f32_eval },
    [QV_OP_SOFTMAX] = { qv_softmax_f32_prepare, qv_softmax_f32_eval },
    [QV_OP_TANH] = { qv_tanh_f32_prepare, qv_tanh_f32_eval },
    [QV_OP_PAD] = { qv_pad_f32_prepare, qv_pad_f32_eval },
    [QV_OP_MEAN] = { qv_mean_f32_prepare, qv_mean_f32_eval },
    [QV_OP_SUB] = { qv_sub_f32_prepare, qv_sub_f32_eval },
    [QV_OP_SQUEEZE] = { qv_squeeze_f32_prepare, qv_squeeze_f32_eval },
    [QV_OP_PADV2] = { qv_padv2_f32_prepare, qv_padv2_f32_eval },
    [QV_OP_LEAKY_RELU] = { qv_leaky_relu_f32_prepare, qv_leaky_relu_f32_eval },
    [QV_OP_QUANTIZE] = { qv_quantize_f32_prepare, qv_quantize_f32_eval },
    [QV_OP_HARD_SWISH] = { qv_hard_swish_f32_prepare, qv_hard_swish_f32_eval },
};

const struct qv_kernel_def qv_kernels_s8[QV_OP_COUNT] = {
    [QV_OP_ADD] = { qv_add_s8_prepare, qv_add_s8_eval },
    [QV_OP_AVERAGE_POOL_2D] = { qv_average_pool_2d_s8_prepare, qv_average_pool_2d_s8_eval },
    [QV_OP_CONCATENATION] = { qv_concatenation_s8_prepare, qv_concatenation_s8_eval },
    [QV_OP_CONV_2D] = { qv_conv_2d_s8_prepare, qv_conv_2d_s8_eval },
    [QV_OP_DEPTHWISE_CONV_2D] = { qv_depthwise_conv_2d_s8_prepare, qv_depthwise_conv_2d_s8_eval },
    [QV_OP_DEQUANTIZE] = { qv_dequantize_s8_prepare, qv_dequantize_s8_eval },
    [QV_OP_FULLY_CONNECTED] = { qv_fully_connected_s8_prepare, qv_fully_connected_s8_eval },
    [QV_OP_LOGISTIC] = { qv_logistic_s8_prepare, qv_logistic_s8_eval },
    [QV_OP_MAX_POOL_2D] = { qv_max_pool_2d_s8_prepare, qv_max_pool_2d_s8_eval },
    [QV_OP_MUL] = { qv_mul_s8_prepare, qv_mul_s8_eval },
    [QV_OP_RELU] = { qv_relu_s8_prepare, qv_relu_s8_eval },
    [QV_OP_RELU6] = { qv_relu6_s8_prepare, qv_relu6_s8_eval },
    [QV_OP_RESHAPE] = { qv_reshape_s8_prepare, qv_reshape_s8_eval },
    [QV_OP_SOFTMAX] = { qv_softmax_s8_prepare, qv_softmax_s8_eval },
    [QV_OP_TANH] = { qv_tanh_s8_prepare, qv_tanh_s8_eval },
    [QV_OP_PAD] = { qv_pad_s8_prepare, qv_pad_s8_eval },
    [QV_OP_MEAN] = { qv_mean_s8_prepare, qv_mean_s8_eval },
    [QV_OP_SUB] = { qv_sub_s8_prepare, qv_sub_s8_eval },
    [QV_OP_SQUEEZE] = { qv_squeeze_s8_prepare, qv_squeeze_s8_eval },
    [QV_OP_PADV2] = { qv_padv2_s8_prepare, qv_padv2_s8_eval },
    [QV_OP_LEAKY_RELU] = { qv_leaky_relu_s8_prepare, qv_leaky_relu_s8_eval },
    [QV_OP_QUANTIZE] = { qv_quantize_s8_prepare, qv_quantize_s8_eval },
    [QV_OP_HARD_SWISH] = { qv_hard_swish_s8_prepare, qv_hard_swish_s8_eval },
};

const struct qv_kernel_def *const qv_kernel_tables[QV_KERNEL_FAMILY_COUNT] = {
    [QV_KERNELS_F32] = qv_kernels_f32,
    [QV_KERNELS_S8] = qv_kernels_s8,
};
