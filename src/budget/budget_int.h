/* SPDX-License-Identifier: Apache-2.0 */
/* Private to budget/: the core table and the embedded target profiles. */
#ifndef QV_BUDGET_INT_H
#define QV_BUDGET_INT_H

#include <stddef.h>

#include "qvet/budget.h"

/* One entry per core (cores.c): cycles are per MAC [reference, optimized][conv, dw, fc], per
 * output element [reference, optimized] for elementwise ops (cpe) and for transcendental ones
 * (cpl), per byte for data movement (cpb), and per operator invocation. */
struct qv_core_def {
    const char *name;
    enum qv_tflm_build build;      /* what TFLM is built as on this core */
    enum qv_isa isa;               /* CMSIS-NN code path */
    enum qv_kernels kernels;       /* kernels the arena assumes by default */
    const char *optimized;         /* library the optimized estimate assumes, or NULL */
    double cpm[2][3];
    double cpe[2];
    double cpl[2];
    double cpb;
    double op_overhead;
};

extern const struct qv_core_def qv_core_defs[QV_CORE_COUNT];

/* data/targets.json, embedded at build time (targets_data.c, generated). */
extern const char qv_targets_json[];
extern const size_t qv_targets_json_len;

#endif
