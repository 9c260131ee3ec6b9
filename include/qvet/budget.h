/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Budgets for microcontroller targets: the TFLite Micro tensor arena to the byte, a tighter
 * activation plan, flash, SRAM, latency and energy estimates, and a pre-flight op check.
 *
 *     struct qv_budget_opts o;
 *     qv_budget_opts_init(&o);                   // 20% SRAM headroom, 50% flash for the app
 *     o.targets = (const char *[]){ "stm32f4", "host64" };
 *     o.n_targets = 2;
 *     struct qv_budget *b;
 *     qv_budget_create(graph, tflite_bytes, tflite_size, &o, &b, err);
 *     for (int32_t i = 0; i < b->n_targets; i++) {
 *         const struct qv_budget_target *t = &b->targets[i];
 *         printf("%s: arena %zu, %s\n", t->profile->name, t->arena.total,
 *                t->fits ? "fits" : "does not fit");
 *     }
 *     qv_budget_free(b);
 *
 * What is exact and what is estimated (docs/budget.md has every figure's source):
 *   - arena.total is the smallest `arena_size` with which TFLM's interpreter loads and invokes
 *     the model: every persistent allocation (interpreter objects, tensor and node structs,
 *     op parameters, OpData, per-channel arrays, I/O tensors, alignment), the greedy plan of
 *     activations and scratch buffers, and the transient peaks of Prepare and of planning.
 *     For the `host64` build it is checked against the tflite-micro Python interpreter.
 *   - flash: the .tflite size is exact; runtime code is an estimate from a per-op table.
 *   - latency and energy are estimates (MACs x cycles per MAC of the core).
 */
#ifndef QVET_BUDGET_H
#define QVET_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qvet/error.h"
#include "qvet/graph.h"

/* ---- TFLM builds and kernels --------------------------------------------------------------- */

/* The TFLM build an arena is computed for (struct sizes, interpreter objects). */
enum qv_tflm_build {
    QV_TFLM_HOST64_PYTHON, /* the tflite_micro Python package on a 64-bit host: its
                            * RecordingMicroAllocator, compression support compiled in */
    QV_TFLM_MCU32,         /* C++ MicroInterpreter on a 32-bit MCU, default build flags */
    QV_TFLM_MCU64,         /* C++ MicroInterpreter on a 64-bit core (K210), default flags */
    QV_TFLM_BUILD_COUNT
};

/* Kernel implementations TFLM is built with. */
enum qv_kernels {
    QV_KERNELS_REFERENCE,  /* tensorflow/lite/micro/kernels/ */
    QV_KERNELS_CMSIS_NN,   /* kernels/cmsis_nn/ (Arm Cortex-M) */
    QV_KERNELS_COUNT
};

/* The instruction set CMSIS-NN compiles for (its scratch buffer sizes depend on it). */
enum qv_isa {
    QV_ISA_NONE,           /* plain C (Cortex-M0/M0+, or no DSP extension) */
    QV_ISA_DSP,            /* Armv7E-M / Armv8-M DSP extension (M4, M7, M33, M55 without MVE) */
    QV_ISA_MVE,            /* Helium (M55, M85) */
    QV_ISA_COUNT
};

/* Where the tail (persistent) bytes of the arena go. */
enum qv_arena_part {
    QV_ARENA_RUNTIME,      /* allocator, planner, builtin-data allocator, subgraph structs */
    QV_ARENA_TENSORS,      /* one TfLiteEvalTensor per tensor of every subgraph */
    QV_ARENA_NODES,        /* one NodeAndRegistration per operator */
    QV_ARENA_PARAMS,       /* builtin op parameters (TfLite<Op>Params) */
    QV_ARENA_OPDATA,       /* per-op OpData allocated by Init */
    QV_ARENA_PREPARE,      /* persistent buffers of Prepare (per-channel multipliers/shifts) */
    QV_ARENA_SCRATCH_HANDLES, /* one handle per scratch buffer */
    QV_ARENA_IO,           /* persistent TfLiteTensors of the inputs/outputs (+ quantization) */
    QV_ARENA_HEAD,         /* not a tail part: the planner's head (activations, scratch) */
    QV_ARENA_PART_COUNT
};

/* Name of a part ("runtime", "tensors", ...). */
const char *qv_arena_part_name(enum qv_arena_part part);

/* What sets the minimum arena: the step whose allocation fails with one byte less. */
enum qv_arena_phase {
    QV_PHASE_SETUP,        /* interpreter and model structs, op parameters, Init */
    QV_PHASE_PREPARE,      /* a node's Prepare (temporary tensors above the head) */
    QV_PHASE_PLAN,         /* memory planning (allocation info and planner bookkeeping) */
    QV_PHASE_HEAD,         /* reserving the planned activations */
    QV_PHASE_IO,           /* the input/output tensors allocated after planning */
    QV_PHASE_COUNT
};

const char *qv_arena_phase_name(enum qv_arena_phase phase);

/* The whole TFLM arena of one model for one build and kernel set. */
struct qv_arena {
    size_t total;          /* smallest arena_size that loads and invokes */
    size_t head;           /* planned activations + scratch (TFLM's greedy plan) */
    size_t tail;           /* persistent bytes at `total` (alignment included) */
    size_t parts[QV_ARENA_PART_COUNT]; /* tail by part (each with its alignment padding);
                                        * parts[QV_ARENA_HEAD] = head */
    size_t scratch;        /* bytes of scratch buffers requested (sum, before planning) */
    int32_t n_scratch;     /* scratch buffers requested */
    enum qv_arena_phase binding;  /* what fails at total - 1 */
    int32_t binding_node;  /* operator index for QV_PHASE_PREPARE, else -1 */
    size_t plan_lower_bound;      /* largest sum of buffers alive at one step */
    size_t head_better;    /* activation plan found by qv_plan_search, file order */
    size_t total_better;   /* whole arena with that plan */
    size_t head_reordered; /* best plan over the execution orders tried (<= head_better) */
    size_t total_reordered;
    int32_t *better_order; /* [n_nodes] operator order of head_reordered (malloc'd) */
    /* [n_nodes]: bytes of planned buffers alive while operator i runs (sum), and the extent
     * of TFLM's plan at that step (largest offset + size alive); malloc'd */
    size_t *live;
    size_t *extent;
    bool exact;            /* false when the model has features the model does not cover:
                            * several subgraphs, an offline plan, an op without rules */
    char note[160];        /* why not exact, or "" */
};

/*
 * Computes the arena of graph g (finalized, operators in file order: TFLM runs them in that
 * order) whose flatbuffer is tflite[size] (the facts TFLM reads: struct counts, quantization
 * vectors). Release with qv_arena_release. An op TFLM cannot run for its dtype still gets its
 * allocations counted (qv_tflm_op_supported says whether it runs). Fails with QV_E_INPUT when
 * the flatbuffer is malformed or the graph is not finalized.
 */
enum qv_status qv_arena_compute(const struct qv_graph *g, const uint8_t *tflite, size_t size,
                                enum qv_tflm_build build, enum qv_kernels kernels,
                                enum qv_isa isa, struct qv_arena *ret_arena,
                                struct qv_error *err);
void qv_arena_release(struct qv_arena *a);

/* ---- targets -------------------------------------------------------------------------------- */

/* CPU core of a target (what the latency estimate and CMSIS-NN's code path depend on). */
enum qv_core {
    QV_CORE_CORTEX_M0PLUS,     /* "cortex-m0plus" */
    QV_CORE_CORTEX_M4,         /* "cortex-m4" (DSP extension) */
    QV_CORE_CORTEX_M7,         /* "cortex-m7" */
    QV_CORE_CORTEX_M33,        /* "cortex-m33" (DSP extension) */
    QV_CORE_CORTEX_M55,        /* "cortex-m55" with Helium (MVE) */
    QV_CORE_CORTEX_M55_NO_MVE, /* "cortex-m55-nomve" */
    QV_CORE_XTENSA_LX7,        /* "xtensa-lx7" (ESP32-S3) */
    QV_CORE_RISCV32,           /* "riscv32" (RV32IMC, ESP32-C3) */
    QV_CORE_K210,              /* "k210": RV64GC CPU; its KPU accelerator is not modelled */
    QV_CORE_AVR8,              /* "avr8" */
    QV_CORE_X86_64,            /* "x86-64": the host */
    QV_CORE_COUNT
};

/* "cortex-m4", ...; qv_core_from_name parses them. */
const char *qv_core_name(enum qv_core core);
bool qv_core_from_name(const char *name, enum qv_core *ret_core);

/* A target board or chip (the shipped profiles: docs/budget.md, data/targets.json). */
struct qv_target {
    char name[48];
    char description[160];
    enum qv_core core;
    double clock_hz;
    size_t flash_bytes;
    size_t sram_bytes;     /* on-chip RAM the arena, I/O buffers and stack can use */
    size_t psram_bytes;    /* external RAM the arena may live in (0: none) */
    bool fpu, dsp;
    char simd[16];         /* "none", "dsp", "helium", "pie" (ESP32-S3), "kpu", "avx2" */
    double active_ma;      /* supply current running the model at clock_hz */
    double voltage;        /* supply voltage for the energy estimate */
    double sleep_ua;       /* deep-sleep current between inferences */
    enum qv_kernels kernels;      /* kernels the estimate assumes (CMSIS-NN on Cortex-M) */
    enum qv_tflm_build build;
    bool modelled;         /* false: the accelerator (K210 KPU) is not modelled */
};

/* The instruction set CMSIS-NN compiles for on the target's core (QV_ISA_NONE off Cortex-M). */
enum qv_isa qv_target_isa(const struct qv_target *t);

/* Built-in profile set (embedded data/targets.json plus host64), optionally extended. */
struct qv_target_set;

/* The embedded profiles. */
enum qv_status qv_targets_builtin(struct qv_target_set **ret_set, struct qv_error *err);
/*
 * Adds the profiles of a JSON file (schema in docs/budget.md: {"targets": [{...}, ...]}, every
 * key checked: unknown keys, wrong types, missing required keys and out-of-range values are
 * QV_E_INPUT naming the file and the key). A profile named like an existing one replaces it.
 */
enum qv_status qv_targets_load(struct qv_target_set *set, const char *path,
                               struct qv_error *err);
/* Same from a JSON text (path names errors). */
enum qv_status qv_targets_parse(struct qv_target_set *set, const char *json, size_t len,
                                const char *path, struct qv_error *err);
int32_t qv_targets_count(const struct qv_target_set *set);
const struct qv_target *qv_targets_at(const struct qv_target_set *set, int32_t i);
/* NULL when unknown (names compare case-insensitively). */
const struct qv_target *qv_targets_find(const struct qv_target_set *set, const char *name);
void qv_targets_free(struct qv_target_set *set);

/* ---- per-op tables --------------------------------------------------------------------------- */

/* Whether TFLM (reference kernels, and CMSIS-NN) runs an op with the given input dtype. */
bool qv_tflm_op_supported(enum qv_op op, enum qv_dtype in_dtype, enum qv_kernels kernels);
/* MicroMutableOpResolver method that registers the op ("AddConv2D"). */
const char *qv_tflm_resolver_method(enum qv_op op);

/* ---- the budget ------------------------------------------------------------------------------ */

struct qv_budget_opts {
    const char *const *targets;   /* profile names; n_targets 0 = every profile */
    int32_t n_targets;
    const char *targets_file;     /* extra profiles (JSON), or NULL */
    double rate_hz;               /* inferences per second for the average current (default 1) */
    size_t stack_bytes;           /* stack the application needs (default 4096) */
    double sram_headroom;         /* fraction of SRAM kept free (default 0.20) */
    double flash_app_share;       /* fraction of flash left to the application (default 0.50) */
};

void qv_budget_opts_init(struct qv_budget_opts *o);

/* Per operator (file order), for one target. */
struct qv_budget_op {
    int32_t node;
    enum qv_op op;
    int64_t macs;
    double cycles;         /* estimated cycles (optimized kernels where the target has them) */
    double cycles_ref;     /* estimated cycles with reference kernels */
    size_t arena_live;     /* planned activation bytes alive while it runs */
    size_t arena_extent;   /* extent of TFLM's plan while it runs */
    size_t code_bytes;     /* runtime code estimate of the op's kernel */
    bool supported;        /* TFLM has a kernel for its dtype (with the target's kernels) */
};

struct qv_budget_target {
    const struct qv_target *profile;  /* borrowed from the budget's target set */
    struct qv_arena arena;            /* whole TFLM arena for the target's build and kernels */
    size_t model_bytes;               /* the .tflite: exact */
    size_t code_bytes;                /* TFLM runtime + kernels of the ops used: estimate */
    size_t flash_bytes;               /* model_bytes + code_bytes */
    size_t flash_budget;              /* flash * (1 - flash_app_share) */
    size_t io_bytes;                  /* input + output buffers the application holds */
    size_t sram_bytes;                /* arena.total + io_bytes + stack */
    size_t sram_budget;               /* (sram [+ psram]) * (1 - headroom) */
    bool arena_in_psram;              /* the arena only fits in external RAM */
    double latency_ms;                /* estimate; 0 when not modelled */
    double latency_ref_ms;            /* with reference kernels */
    double energy_uj;                 /* per inference, estimate */
    double avg_current_ua;            /* at opts.rate_hz with deep sleep between */
    bool ops_ok, flash_ok, sram_ok, rate_ok;
    bool fits;                        /* ops_ok && flash_ok && sram_ok */
    int32_t n_unsupported;
    char unsupported[256];            /* "MEAN (float32), ..." or "" */
    struct qv_budget_op *ops;         /* [n_ops] */
};

struct qv_budget {
    int32_t n_targets;
    struct qv_budget_target *targets;
    int32_t n_ops;
    size_t model_bytes, weight_bytes, bias_bytes, quant_bytes, other_const_bytes,
        flatbuffer_overhead;          /* the .tflite split: weights + biases + quantization +
                                       * other constants + overhead = model_bytes */
    struct qv_target_set *set;        /* owned */
};

/*
 * A model as TFLM would load it: the graph and the TFLite flatbuffer (the file itself for a
 * .tflite; qvet's own export for a native .json model). Free *ret_tflite with free().
 */
enum qv_status qv_budget_model_load(const char *path, struct qv_graph **ret_graph,
                                    uint8_t **ret_tflite, size_t *ret_size, struct qv_error *err);

/*
 * Budgets graph g (finalized) whose TFLite flatbuffer is tflite[size] for the targets named in
 * opts. An unknown target name fails with QV_E_USAGE listing the known ones; a bad targets file
 * fails with QV_E_INPUT naming the file and the key. Ops TFLM cannot run are reported per
 * target (ops_ok false, `unsupported` names them), not as an error.
 */
enum qv_status qv_budget_create(const struct qv_graph *g, const uint8_t *tflite, size_t size,
                                const struct qv_budget_opts *opts, struct qv_budget **ret_budget,
                                struct qv_error *err);
void qv_budget_free(struct qv_budget *b);

/*
 * Writes DIR/NAME_resolver.h (atomically) for firmware: `#define NAME_ARENA_SIZE arena_bytes`
 * and, for C++, `NAME_OpResolver` (a tflite::MicroMutableOpResolver<N>) with
 * `NAME_register_ops()` adding exactly the ops graph g uses. name is the C identifier of the
 * exported array (qv_c_array_save checks it); arena_for describes the TFLM build and kernels the
 * size is for (a comment).
 */
enum qv_status qv_budget_resolver_save(const struct qv_graph *g, const char *dir,
                                       const char *name, size_t arena_bytes,
                                       const char *arena_for, struct qv_error *err);

#endif
