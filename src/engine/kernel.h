/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the engines hand to kernels, and the engine's kernel tables (the engine owns them; core's
 * op table holds graph semantics only). Private to libqvet.
 *
 * Every kernel has a prepare (validates what eval assumes, derives parameters, sizes scratch;
 * may fail with the node named) and an eval (cannot fail). A NULL eval means "unsupported in
 * that engine": engine creation reports it with the node.
 */
#ifndef QV_ENGINE_KERNEL_H
#define QV_ENGINE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qvet/engine.h"
#include "qvet/graph.h"

struct qv_kernel_ctx {
    const struct qv_graph *g;
    const struct qv_node *node;
    int32_t node_index;
    int32_t n_in, n_out;
    const struct qv_tensor_view *in[QV_MAX_INPUTS];  /* NULL for an omitted optional input */
    struct qv_tensor_view *out[QV_MAX_OUTPUTS];
    enum qv_rounding rounding;     /* int8 engine only */
    bool plain_loops;              /* use the straightforward loops, not the fast path */
    bool hybrid;                   /* float kernel of a hybrid node: run TFLite's hybrid
                                    * arithmetic; in[1] is the raw int8 weights' view */
    void *params;                  /* set by prepare (malloc); the engine free()s it */
    size_t scratch_size;           /* set by prepare: bytes of scratch eval needs */
    void *scratch;                 /* provided by the engine before eval, 64-byte aligned */
};

struct qv_kernel_def {
    enum qv_status (*prepare)(struct qv_kernel_ctx *c, struct qv_error *err);   /* optional */
    void (*eval)(const struct qv_kernel_ctx *c);
};

/*
 * Kernel families: which table runs a node. F32: float32 kernels (activations held as float32
 * real values). S8: the bit-exact kernels of quantized integer tensors (int8, and the uint8 /
 * int16 / int32 sides of QUANTIZE and DEQUANTIZE). The float engine runs every node with F32;
 * the int8 engine picks each node's family from its tensors' dtypes (engine.c).
 */
enum qv_kernel_family { QV_KERNELS_F32, QV_KERNELS_S8, QV_KERNEL_FAMILY_COUNT };

/* Float32 reference kernels and bit-exact int8 kernels, indexed by enum qv_op. */
extern const struct qv_kernel_def qv_kernels_f32[QV_OP_COUNT];
extern const struct qv_kernel_def qv_kernels_s8[QV_OP_COUNT];
/* The tables by family: qv_kernel_tables[family][op]. */
extern const struct qv_kernel_def *const qv_kernel_tables[QV_KERNEL_FAMILY_COUNT];

/*
 * Glue prototypes generated from op_list.h: qv_<low>_f32_prepare / _eval and
 * qv_<low>_s8_prepare / _eval. The arithmetic they call (qv_<low>_s8, ...) takes plain
 * parameter structs and data pointers (src/engine/int8/kernels_s8.h).
 */
#define QV_OP(id, low, name, tfl, nmin, nmax)                                                    \
    enum qv_status qv_##low##_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err);        \
    void qv_##low##_f32_eval(const struct qv_kernel_ctx *c);                                     \
    enum qv_status qv_##low##_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err);         \
    void qv_##low##_s8_eval(const struct qv_kernel_ctx *c);
#include "qvet/op_list.h"
#undef QV_OP

#endif
