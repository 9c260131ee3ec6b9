/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/analysis: the per-op table of the layer pairing (owned by the analysis). */
#ifndef QV_ANALYSIS_LAYERS_INT_H
#define QV_ANALYSIS_LAYERS_INT_H

#include "qvet/layers.h"

/*
 * What the pairing needs to know about each op. Every op of op_list.h has an entry (`listed`;
 * test_layers checks the table is complete); QV_OP_UNSUPPORTED has none (such nodes pair only by
 * their source operator and never count as conversions).
 */
struct qv_pair_rule {
    bool listed;
    bool conversion;       /* QUANTIZE, DEQUANTIZE: output = input's value on another grid */
    bool commutative;      /* two inputs that may appear in either order (ADD, MUL) */
};

extern const struct qv_pair_rule qv_pair_rules[QV_OP_COUNT];

/* Same models (fingerprints) and the same pairs. */
bool qv_layer_pairings_equal(const struct qv_pairing *a, const struct qv_pairing *b);

#endif
