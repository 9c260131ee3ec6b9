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
 * Every per-op table has a completeness test: a missing entry fails the suite that owns it.
 */
#include <string.h>

#include "core/op_impl.h"

const struct qv_op_def qv_op_defs[QV_OP_COUNT] = {
#define QV_OP(id, low, nm, tfl, nmin, nmax)                                                      \
    [QV_OP_##id] = { .name = nm, .tflite_code = tfl, .min_inputs = nmin, .max_inputs = nmax,    \
                     .infer = qv_##low##_infer, .macs = qv_##low##_macs },
#include "qvet/op_list.h"
#undef QV_OP
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
