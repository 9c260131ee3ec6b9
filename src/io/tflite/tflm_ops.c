/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which TFLite operators TensorFlow Lite Micro can run, so that `qvet inspect` can say, for an
 * operator qvet does not support, whether the firmware could still run it.
 *
 * Source: the kernels registered in the tflite-micro interpreter qvet is checked against
 * (tflite_micro 0.dev20261023182759, reference/requirements.txt), listed with
 *     nm -C .venv/lib/python3.11/site-packages/tflite_micro/python/tflite_micro/_runtime.so \
 *         | grep -o 'Register_[A-Z0-9_]*()' | sort -u
 * and mapped to builtin codes through schema.fbs (names.c). Custom operators: the three that
 * tflite-micro's op resolver registers by name. RELU_N1_TO_1 (20) has no TFLM kernel. Update
 * this table with the pinned tflite-micro version.
 */
#include <string.h>

#include "io/tflite/tflite_int.h"
#include "qvet/io.h"

/* Builtin codes, ascending. */
static const int16_t tflm_builtins[] = {
    0,   /* ADD */ 1,   /* AVERAGE_POOL_2D */ 2,   /* CONCATENATION */ 3,   /* CONV_2D */
    4,   /* DEPTHWISE_CONV_2D */ 5,   /* DEPTH_TO_SPACE */ 6,   /* DEQUANTIZE */
    7,   /* EMBEDDING_LOOKUP */ 8,   /* FLOOR */ 9,   /* FULLY_CONNECTED */
    11,  /* L2_NORMALIZATION */ 12,  /* L2_POOL_2D */ 14,  /* LOGISTIC */ 17,  /* MAX_POOL_2D */
    18,  /* MUL */ 19,  /* RELU */ 21,  /* RELU6 */ 22,  /* RESHAPE */ 23,  /* RESIZE_BILINEAR */
    25,  /* SOFTMAX */ 26,  /* SPACE_TO_DEPTH */ 27,  /* SVDF */ 28,  /* TANH */ 34,  /* PAD */
    36,  /* GATHER */ 37,  /* BATCH_TO_SPACE_ND */ 38,  /* SPACE_TO_BATCH_ND */
    39,  /* TRANSPOSE */ 40,  /* MEAN */ 41,  /* SUB */ 42,  /* DIV */ 43,  /* SQUEEZE */
    44,  /* UNIDIRECTIONAL_SEQUENCE_LSTM */ 45,  /* STRIDED_SLICE */ 47,  /* EXP */
    49,  /* SPLIT */ 50,  /* LOG_SOFTMAX */ 53,  /* CAST */ 54,  /* PRELU */ 55,  /* MAXIMUM */
    56,  /* ARG_MAX */ 57,  /* MINIMUM */ 58,  /* LESS */ 59,  /* NEG */ 60,  /* PADV2 */
    61,  /* GREATER */ 62,  /* GREATER_EQUAL */ 63,  /* LESS_EQUAL */ 65,  /* SLICE */
    66,  /* SIN */ 67,  /* TRANSPOSE_CONV */ 70,  /* EXPAND_DIMS */ 71,  /* EQUAL */
    72,  /* NOT_EQUAL */ 73,  /* LOG */ 74,  /* SUM */ 75,  /* SQRT */ 76,  /* RSQRT */
    77,  /* SHAPE */ 79,  /* ARG_MIN */ 82,  /* REDUCE_MAX */ 83,  /* PACK */
    84,  /* LOGICAL_OR */ 86,  /* LOGICAL_AND */ 87,  /* LOGICAL_NOT */ 88,  /* UNPACK */
    89,  /* REDUCE_MIN */ 90,  /* FLOOR_DIV */ 92,  /* SQUARE */ 93,  /* ZEROS_LIKE */
    94,  /* FILL */ 95,  /* FLOOR_MOD */ 97,  /* RESIZE_NEAREST_NEIGHBOR */ 98,  /* LEAKY_RELU */
    99,  /* SQUARED_DIFFERENCE */ 100, /* MIRROR_PAD */ 101, /* ABS */ 102, /* SPLIT_V */
    104, /* CEIL */ 105, /* REVERSE_V2 */ 106, /* ADD_N */ 107, /* GATHER_ND */ 108, /* COS */
    111, /* ELU */ 114, /* QUANTIZE */ 116, /* ROUND */ 117, /* HARD_SWISH */ 118, /* IF */
    119, /* WHILE */ 123, /* SELECT_V2 */ 126, /* BATCH_MATMUL */ 128, /* CUMSUM */
    129, /* CALL_ONCE */ 130, /* BROADCAST_TO */ 140, /* REDUCE_ALL */ 142, /* VAR_HANDLE */
    143, /* READ_VARIABLE */ 144, /* ASSIGN_VARIABLE */ 145, /* BROADCAST_ARGS */
    151, /* DYNAMIC_UPDATE_SLICE */
};

static const char *const tflm_customs[] = { "TFLite_Detection_PostProcess", "CIRCULAR_BUFFER",
                                            "ethos-u" };

bool qv_tflite_tflm_supports(int32_t code, const char *custom_name)
{
    if (code == QV_TFL_BUILTIN_CUSTOM) {
        for (size_t i = 0; custom_name && i < sizeof(tflm_customs) / sizeof(tflm_customs[0]); i++)
            if (strcmp(custom_name, tflm_customs[i]) == 0)
                return true;
        return false;
    }
    for (size_t i = 0; i < sizeof(tflm_builtins) / sizeof(tflm_builtins[0]); i++)
        if (tflm_builtins[i] == code)
            return true;
    return false;
}
