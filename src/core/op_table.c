/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Core's op table: graph semantics only (name, TFLite code, input counts, shape inference, MACs),
 * generated from include/qvet/op_list.h so nothing is typed twice.
 *
 * Adding an op (checklist):
 *   1. a line in include/qvet/op_list.h (id, stem, name, TFLite code, input counts);
 *   2. src/core/ops/<op>.c: attribute checks, shape inference (qv_<op>_infer), MACs (qv_<op>_macs);
 *   3. src/engine/float/<op>_f32.c and src/engine/int8/<op>_s8.c, named in the engine's kernel
 *      tables (src/engine/kernel_table.c);
 *   4. src/io/tflite/options.c and its entry in the TFLite op table (src/io/tflite/op_table.c);
 *   5. the entries of the other per-op tables (quantization rules, budget costs) where they exist;
 *   6. a reference/ script case and its fixtures; 7. tests; 8. the README row.
 * QV_OP_UNSUPPORTED (a model's operator qvet cannot compute) is the one entry not generated from
 * op_list.h; every other per-op table leaves it empty.
 * Every per-op table has a completeness test: a missing entry fails the suite that owns it.
 */
#include <string.h>

#include "core/graph_int.h"
#include "core/op_impl.h"

/* Every op of op_list.h has one output; an op with several would add output counts there. */
const struct qv_op_def qv_op_defs[QV_OP_COUNT] = {
#define QV_OP(id, low, nm, tfl, nmin, nmax)                                                      \
    [QV_OP_##id] = { .name = nm, .tflite_code = tfl, .min_inputs = nmin, .max_inputs = nmax,    \
                     .min_outputs = 1, .max_outputs = 1,                                         \
                     .infer = qv_##low##_infer, .macs = qv_##low##_macs },
#include "qvet/op_list.h"
#undef QV_OP
    /* read from a model, never computed: stored output shapes, no MACs (unsupported.c) */
    [QV_OP_UNSUPPORTED] = { .name = "UNSUPPORTED", .tflite_code = -1, .min_inputs = 0,
                            .max_inputs = QV_MAX_INPUTS, .min_outputs = 0,
                            .max_outputs = QV_MAX_OUTPUTS, .infer = qv_unsupported_infer,
                            .macs = qv_unsupported_macs },
};

/* Weights TFLite may keep as integers under float activations (its hybrid kernels). */
static const int8_t hybrid_weight[QV_OP_COUNT] = {
    [QV_OP_CONV_2D] = 1,
    [QV_OP_DEPTHWISE_CONV_2D] = 1,
    [QV_OP_FULLY_CONNECTED] = 1,
};

int32_t qv_op_hybrid_weight(enum qv_op op)
{
    return (unsigned)op < QV_OP_COUNT ? hybrid_weight[op] : 0;
}

const char *qv_op_name(enum qv_op op)
{
    return (unsigned)op < QV_OP_COUNT ? qv_op_defs[op].name : "?";
}

bool qv_op_from_name(const char *name, enum qv_op *ret_op)
{
    for (int i = 0; i < QV_OP_UNSUPPORTED; i++) {
        if (strcmp(qv_op_defs[i].name, name) == 0) {
            *ret_op = (enum qv_op)i;
            return true;
        }
    }
    return false;
}

bool qv_op_from_tflite(int32_t builtin_code, enum qv_op *ret_op)
{
    for (int i = 0; i < QV_OP_UNSUPPORTED; i++) {
        if (qv_op_defs[i].tflite_code == builtin_code) {
            *ret_op = (enum qv_op)i;
            return true;
        }
    }
    return false;
}
