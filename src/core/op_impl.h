/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prototypes of the per-op graph-semantics functions, generated from op_list.h so the names
 * cannot drift: qv_<low>_infer and qv_<low>_macs (src/core/ops/<op>.c).
 */
#ifndef QV_CORE_OP_IMPL_H
#define QV_CORE_OP_IMPL_H

#include "qvet/graph.h"

#define QV_OP(id, low, name, tfl, nmin, nmax)                                                    \
    enum qv_status qv_##low##_infer(const struct qv_graph *g, const struct qv_node *n,           \
                                    const struct qv_shape *const in[], struct qv_shape out[],    \
                                    struct qv_error *err);                                       \
    int64_t qv_##low##_macs(const struct qv_graph *g, const struct qv_node *n);
#include "qvet/op_list.h"
#undef QV_OP

#endif
