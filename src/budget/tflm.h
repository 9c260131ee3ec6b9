/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TFLM arena model (private to budget/): the sequence of allocations a TFLM interpreter
 * makes in its arena for a model, and a simulation of TFLM's single-arena allocator over that
 * sequence. docs/budget.md explains every step with its TFLM source.
 */
#ifndef QV_BUDGET_TFLM_H
#define QV_BUDGET_TFLM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qvet/budget.h"
#include "qvet/graph.h"
#include "qvet/io.h"

/* Arena alignment of TFLM (MicroArenaBufferAlignment()). */
#define QV_TFLM_ALIGN 16
/* kMaxScratchBuffersPerOp of micro_allocator.cc. */
#define QV_TFLM_MAX_SCRATCH_PER_OP 12

/*
 * Sizes of the structs TFLM allocates, for one build (pointer size, compiled-in features).
 * Alignment of every struct is ptr_align; TfLiteIntArray arrays are 4-aligned.
 */
struct qv_tflm_abi {
    enum qv_tflm_build build;
    int32_t ptr;                   /* sizeof(void *) */
    int32_t ptr_align;             /* alignof of pointer-holding structs */
    int32_t arena_allocator;       /* SingleArenaBufferAllocator (or its Recording subclass) */
    int32_t planner;               /* GreedyMemoryPlanner */
    int32_t micro_allocator;       /* MicroAllocator (or RecordingMicroAllocator) */
    int32_t builtin_allocator;     /* MicroBuiltinDataAllocator */
    int32_t subgraph_allocations;  /* SubgraphAllocations, per subgraph */
    int32_t eval_tensor;           /* TfLiteEvalTensor */
    int32_t node_and_registration; /* NodeAndRegistration */
    int32_t tflite_tensor;         /* TfLiteTensor (TF_LITE_STATIC_MEMORY layout) */
    int32_t affine_quant;          /* TfLiteAffineQuantization */
    int32_t scratch_request;       /* internal::ScratchBufferRequest */
    int32_t scratch_handle;        /* ScratchBufferHandle */
    int32_t allocation_info;       /* AllocationInfo */
    int32_t planner_per_buffer;    /* GreedyMemoryPlanner::per_buffer_size() */
    int32_t tensor_qparams_off;    /* offset of TfLiteTensor::quantization.params */
    int32_t quant_zp_off;          /* offset of TfLiteAffineQuantization::zero_point */
    bool align_arena_start;        /* MicroAllocator::Create aligns the arena start up */
};

const struct qv_tflm_abi *qv_tflm_abi_get(enum qv_tflm_build build);

/* One arena operation, in the order TFLM performs it. */
enum qv_tflm_ev_kind {
    QV_TFLM_PERSIST,     /* AllocatePersistentBuffer(bytes, align): the tail grows down */
    QV_TFLM_TEMP,        /* AllocateTemp(bytes, align): above the head, until the next reset */
    QV_TFLM_HEAD,        /* ResizeBuffer of the head to `bytes` at `align` (also resets temps) */
    QV_TFLM_RESET,       /* ResetTempAllocations */
    QV_TFLM_PLAN,        /* the memory planner takes every free byte and needs `bytes` of them */
};

struct qv_tflm_event {
    enum qv_tflm_ev_kind kind;
    enum qv_arena_part part;       /* what it is for (tail breakdown) */
    int32_t node;                  /* operator index, or -1 */
    size_t bytes;
    size_t align;
    int32_t ptr_off;               /* TEMP structs: offset of a pointer field that
                                    * DeallocateTempTfLiteTensor reads back, or -1 */
};

struct qv_tflm_trace {
    struct qv_tflm_event *ev;
    int32_t n, cap;
    int32_t ptr;                   /* pointer size of the build */
    bool failed;                   /* out of memory while recording */
};

void qv_tflm_trace_add(struct qv_tflm_trace *tr, enum qv_tflm_ev_kind kind,
                       enum qv_arena_part part, int32_t node, size_t bytes, size_t align);

/* The file-order trace of a model (TFLM's greedy head filled in); free ret_trace->ev. */
enum qv_status qv_tflm_trace_model(const struct qv_graph *g, const uint8_t *tflite, size_t size,
                                   enum qv_tflm_build build, enum qv_kernels kernels,
                                   enum qv_isa isa, struct qv_tflm_trace *ret_trace,
                                   struct qv_error *err);

/* What a kernel's Init/Prepare sees: the node, the model facts, the build and kernels. */
struct qv_tflm_op_ctx {
    const struct qv_graph *g;
    const struct qv_tflite_facts *facts;
    const struct qv_tflm_abi *abi;
    enum qv_kernels kernels;
    enum qv_isa isa;
    int32_t node;                  /* operator index */
    const struct qv_node *n;
    struct qv_tflm_trace *tr;
    int32_t n_scratch;             /* scratch buffers requested by this node so far */
    size_t scratch_bytes[QV_TFLM_MAX_SCRATCH_PER_OP];
};

/* AllocateTempInputTensor(node, k) / AllocateTempOutputTensor(node, k): a temporary TfLiteTensor
 * plus its quantization; nothing for an omitted or absent input. */
void qv_tflm_temp_input(struct qv_tflm_op_ctx *c, int32_t k);
void qv_tflm_temp_output(struct qv_tflm_op_ctx *c, int32_t k);
/* context->AllocatePersistentBuffer(bytes), 16-aligned. */
void qv_tflm_persist(struct qv_tflm_op_ctx *c, enum qv_arena_part part, size_t bytes);
/* context->RequestScratchBufferInArena(bytes). */
void qv_tflm_scratch(struct qv_tflm_op_ctx *c, size_t bytes);

/* Shape helpers for the per-op rules (stored shapes; dims outside the rank count as 1). */
const struct qv_tensor *qv_tflm_in(const struct qv_tflm_op_ctx *c, int32_t k);
const struct qv_tensor *qv_tflm_out(const struct qv_tflm_op_ctx *c, int32_t k);
int64_t qv_tflm_dim(const struct qv_tensor *t, int32_t i);

/* Data types an op accepts, as a bit set of (1 << enum qv_dtype) of its first input. */
#define QV_DT(d) (1u << (d))
#define QV_DT_F32 QV_DT(QV_DTYPE_F32)
#define QV_DT_I8 QV_DT(QV_DTYPE_I8)
#define QV_DT_I16 QV_DT(QV_DTYPE_I16)
#define QV_DT_I32 QV_DT(QV_DTYPE_I32)
#define QV_DT_U8 QV_DT(QV_DTYPE_U8)

/* How an op's time is estimated (latency.c). */
enum qv_cost_class {
    QV_COST_CONV,        /* MAC-bound: im2col + GEMM (CONV_2D) */
    QV_COST_DW,          /* MAC-bound, per-channel (DEPTHWISE_CONV_2D) */
    QV_COST_FC,          /* MAC-bound: matrix-vector (FULLY_CONNECTED) */
    QV_COST_ELEM,        /* per output element: elementwise arithmetic, activations, pooling */
    QV_COST_LUT,         /* per output element, transcendental (LOGISTIC, TANH, SOFTMAX) */
    QV_COST_MOVE,        /* data movement (RESHAPE, SQUEEZE, PAD, CONCATENATION) */
    QV_COST_COUNT
};

/*
 * Budget's per-op table, one entry per op (op_table.c; a completeness test checks every
 * field): TFLM's arena allocations for the op, the MicroMutableOpResolver method, which input
 * dtypes TFLM's kernels accept, the kernel code size, and the latency cost class.
 */
struct qv_budget_op_def {
    const char *resolver;          /* "AddConv2D" */
    /* TfLite<Op>Params allocated by the op's Parse function: size [LP64, ILP32], alignment;
     * 0: the parser allocates nothing */
    int32_t params[2];
    int32_t params_align;
    /* OpData of Init [kernels][LP64, ILP32]; 0: the kernel has no Init allocation */
    int32_t opdata[QV_KERNELS_COUNT][2];
    /* Prepare's allocations in order (temp tensors, persistent buffers, scratch requests) */
    void (*prepare)(struct qv_tflm_op_ctx *c);
    /* input dtypes the kernels accept [kernels]; CMSIS-NN falls back to the reference kernel
     * for the dtypes it does not optimize, so its set includes the reference one */
    uint32_t dtypes[QV_KERNELS_COUNT];
    /* bytes of kernel code (Thumb-2, -Os) [reference, CMSIS-NN], docs/budget.md */
    int32_t code[QV_KERNELS_COUNT];
    enum qv_cost_class cost;
};

extern const struct qv_budget_op_def qv_budget_ops[QV_OP_COUNT];

#endif
