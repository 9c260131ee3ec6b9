/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prototypes of every per-op function the op table may point at, generated from op_list.h so the
 * names cannot drift: qv_<low>_infer / _macs (src/core/ops/<op>.c), qv_<low>_f32_prepare /
 * qv_<low>_f32 (src/engine/float/<op>_f32.c), qv_<low>_s8_prepare / qv_<low>_s8
 * (src/engine/int8/<op>_s8.c), qv_<low>_tfl_read / _tfl_write (src/io/tflite/options.c).
 * Only the ones an op implements exist; the table names exactly those.
 */
#ifndef QV_CORE_OP_IMPL_H
#define QV_CORE_OP_IMPL_H

#include "qvet/graph.h"

#define QV_OP(id, low, name, tfl, nmin, nmax)                                                    \
    enum qv_status qv_##low##_infer(const struct qv_graph *g, const struct qv_node *n,           \
                                    const struct qv_shape *const in[], struct qv_shape out[],    \
                                    struct qv_error *err);                                       \
    int64_t qv_##low##_macs(const struct qv_graph *g, const struct qv_node *n);                  \
    enum qv_status qv_##low##_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err);        \
    void qv_##low##_f32(const struct qv_kernel_ctx *c);                                          \
    enum qv_status qv_##low##_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err);         \
    void qv_##low##_s8(const struct qv_kernel_ctx *c);                                           \
    enum qv_status qv_##low##_tfl_read(const void *reader_ctx, struct qv_node *n,                \
                                       struct qv_error *err);                                    \
    enum qv_status qv_##low##_tfl_write(void *writer_ctx, const struct qv_node *n,               \
                                        uint32_t *ret_offset, struct qv_error *err);             \
    int32_t qv_##low##_tfl_version(const struct qv_graph *g, const struct qv_node *n);
#include "qvet/op_list.h"
#undef QV_OP

#endif
