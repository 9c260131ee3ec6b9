/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one list of operators qvet knows (jq's opcode_list.h pattern). Include it with QV_OP defined:
 *     QV_OP(id, low, name, tflite_builtin_code, min_inputs, max_inputs)
 * `low` is the lower-case stem of the op's function names (qv_<low>_infer, qv_<low>_f32, ...).
 * It generates enum qv_op, the names and the TFLite builtin <-> op maps. No include guard: it is
 * meant to be included several times.
 */
QV_OP(ADD,               add,              "ADD",               0,   2, 2)
QV_OP(AVERAGE_POOL_2D,   average_pool_2d,  "AVERAGE_POOL_2D",   1,   1, 1)
QV_OP(CONCATENATION,     concatenation,    "CONCATENATION",     2,   1, 10)
QV_OP(CONV_2D,           conv_2d,          "CONV_2D",           3,   2, 3)
QV_OP(DEPTHWISE_CONV_2D, depthwise_conv_2d,"DEPTHWISE_CONV_2D", 4,   2, 3)
QV_OP(DEQUANTIZE,        dequantize,       "DEQUANTIZE",        6,   1, 1)
QV_OP(FULLY_CONNECTED,   fully_connected,  "FULLY_CONNECTED",   9,   2, 3)
QV_OP(LOGISTIC,          logistic,         "LOGISTIC",          14,  1, 1)
QV_OP(MAX_POOL_2D,       max_pool_2d,      "MAX_POOL_2D",       17,  1, 1)
QV_OP(MUL,               mul,              "MUL",               18,  2, 2)
QV_OP(RELU,              relu,             "RELU",              19,  1, 1)
QV_OP(RELU6,             relu6,            "RELU6",             21,  1, 1)
QV_OP(RESHAPE,           reshape,          "RESHAPE",           22,  1, 2)
QV_OP(SOFTMAX,           softmax,          "SOFTMAX",           25,  1, 1)
QV_OP(TANH,              tanh,             "TANH",              28,  1, 1)
QV_OP(PAD,               pad,              "PAD",               34,  2, 2)
QV_OP(MEAN,              mean,             "MEAN",              40,  2, 2)
QV_OP(SUB,               sub,              "SUB",               41,  2, 2)
QV_OP(SQUEEZE,           squeeze,          "SQUEEZE",           43,  1, 1)
QV_OP(PADV2,             padv2,            "PADV2",             60,  2, 3)
QV_OP(LEAKY_RELU,        leaky_relu,       "LEAKY_RELU",        98,  1, 1)
QV_OP(QUANTIZE,          quantize,         "QUANTIZE",          114, 1, 1)
QV_OP(HARD_SWISH,        hard_swish,       "HARD_SWISH",        117, 1, 1)
