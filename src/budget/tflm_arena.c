/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The whole TFLM arena of a model (docs/budget.md, "The TFLM arena"): the allocations a TFLM
 * interpreter makes, in its order, replayed against a model of TFLM's single-arena allocator
 * (arena_allocator/single_arena_buffer_allocator.cc: head grows up, temporaries above the head,
 * persistent tail grows down, each check as TFLM makes it), and the smallest arena size with
 * which every allocation succeeds, found by bisection over that replay.
 *
 * The order follows MicroInterpreter::AllocateTensors: interpreter objects, StartModelAllocation
 * (builtin-data allocator, scratch-request head, subgraph/tensor/node structs), the Parse of
 * every operator, Init of every operator, Prepare of each operator followed by
 * FinishPrepareNodeAllocations, FinishModelAllocation (scratch handles, allocation info, the
 * planner's bookkeeping, the planned head), then the persistent input/output TfLiteTensors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget/planner.h"
#include "budget/tflm.h"
#include "qvet/lifetime.h"

static const struct qv_tflm_abi abis[QV_TFLM_MCU64] = {
    /* Measured in the tflite_micro wheel (_runtime.so, g8f6596d): sizes passed to
     * AllocatePersistentBuffer/AllocateTemp, traced with gdb (docs/budget.md). */
    [QV_TFLM_HOST64_PYTHON] = {
        .build = QV_TFLM_HOST64_PYTHON, .ptr = 8, .ptr_align = 8,
        .arena_allocator = 104,   /* RecordingSingleArenaBufferAllocator */
        .planner = 72, .micro_allocator = 272, /* RecordingMicroAllocator */
        .builtin_allocator = 16, .subgraph_allocations = 24, /* with compression's list */
        .eval_tensor = 24, .node_and_registration = 64, .tflite_tensor = 64,
        .affine_quant = 24, .scratch_request = 16, .scratch_handle = 8, .allocation_info = 32,
        .planner_per_buffer = 40, .tensor_qparams_off = 32, .quant_zp_off = 8,
        .align_arena_start = false,
    },
    /* The same structs laid out for a 32-bit ABI (4-byte pointers, size_t and alignment),
     * default flags (TF_LITE_STATIC_MEMORY, no USE_TFLM_COMPRESSION), plain MicroAllocator and
     * SingleArenaBufferAllocator. */
    [QV_TFLM_MCU32] = {
        .build = QV_TFLM_MCU32, .ptr = 4, .ptr_align = 4,
        .arena_allocator = 36, .planner = 44, .micro_allocator = 36,
        .builtin_allocator = 8, .subgraph_allocations = 8,
        .eval_tensor = 12, .node_and_registration = 32, .tflite_tensor = 40,
        .affine_quant = 12, .scratch_request = 12, .scratch_handle = 4, .allocation_info = 24,
        .planner_per_buffer = 40, .tensor_qparams_off = 20, .quant_zp_off = 4,
        .align_arena_start = true,
    },
};

/* The C++ interpreter on a 64-bit core: the LP64 sizes without the Recording subclasses and
 * without compression (SubgraphAllocations holds two pointers). Op parameters and OpData use the
 * LP64 column (measured with compression: up to 8 bytes more per CONV_2D/DEPTHWISE_CONV_2D/
 * FULLY_CONNECTED than such a build). */
static const struct qv_tflm_abi abi_mcu64 = {
    .build = QV_TFLM_MCU64, .ptr = 8, .ptr_align = 8,
    .arena_allocator = 72, .planner = 72, .micro_allocator = 72,
    .builtin_allocator = 16, .subgraph_allocations = 16,
    .eval_tensor = 24, .node_and_registration = 64, .tflite_tensor = 64,
    .affine_quant = 24, .scratch_request = 16, .scratch_handle = 8, .allocation_info = 32,
    .planner_per_buffer = 40, .tensor_qparams_off = 32, .quant_zp_off = 8,
    .align_arena_start = true,
};

const struct qv_tflm_abi *qv_tflm_abi_get(enum qv_tflm_build build)
{
    if (build == QV_TFLM_MCU64)
        return &abi_mcu64;
    return (unsigned)build < QV_TFLM_MCU64 ? &abis[build] : NULL;
}

static const char *const part_names[QV_ARENA_PART_COUNT] = {
    [QV_ARENA_RUNTIME] = "runtime", [QV_ARENA_TENSORS] = "tensor structs",
    [QV_ARENA_NODES] = "node structs", [QV_ARENA_PARAMS] = "op params",
    [QV_ARENA_OPDATA] = "op data", [QV_ARENA_PREPARE] = "prepare buffers",
    [QV_ARENA_SCRATCH_HANDLES] = "scratch handles", [QV_ARENA_IO] = "io tensors",
    [QV_ARENA_HEAD] = "activations",
};

const char *qv_arena_part_name(enum qv_arena_part part)
{
    return (unsigned)part < QV_ARENA_PART_COUNT ? part_names[part] : "?";
}

static const char *const phase_names[QV_PHASE_COUNT] = {
    [QV_PHASE_SETUP] = "setup", [QV_PHASE_PREPARE] = "prepare", [QV_PHASE_PLAN] = "planning",
    [QV_PHASE_HEAD] = "activations", [QV_PHASE_IO] = "io tensors",
};

const char *qv_arena_phase_name(enum qv_arena_phase phase)
{
    return (unsigned)phase < QV_PHASE_COUNT ? phase_names[phase] : "?";
}

/* ---- the event trace ------------------------------------------------------------------------ */

void qv_tflm_trace_add(struct qv_tflm_trace *tr, enum qv_tflm_ev_kind kind,
                       enum qv_arena_part part, int32_t node, size_t bytes, size_t align)
{
    if (tr->failed)
        return;
    if (tr->n == tr->cap) {
        int32_t cap = tr->cap ? tr->cap * 2 : 256;
        void *p = cap > 0 ? realloc(tr->ev, (size_t)cap * sizeof(*tr->ev)) : NULL;
        if (!p) {
            tr->failed = true;
            return;
        }
        tr->ev = p;
        tr->cap = cap;
    }
    tr->ev[tr->n++] = (struct qv_tflm_event){ kind, part, node, bytes, align, -1 };
}

const struct qv_tensor *qv_tflm_in(const struct qv_tflm_op_ctx *c, int32_t k)
{
    if (k >= c->n->n_inputs || c->n->inputs[k] < 0)
        return NULL;
    return &c->g->tensors[c->n->inputs[k]];
}

const struct qv_tensor *qv_tflm_out(const struct qv_tflm_op_ctx *c, int32_t k)
{
    if (k >= c->n->n_outputs || c->n->outputs[k] < 0)
        return NULL;
    return &c->g->tensors[c->n->outputs[k]];
}

int64_t qv_tflm_dim(const struct qv_tensor *t, int32_t i)
{
    if (!t)
        return 0;
    if (i < 0)
        i += t->shape.rank;
    return i >= 0 && i < t->shape.rank ? t->shape.dims[i] : 1;
}

static int32_t quant_channels(const struct qv_tflm_op_ctx *c, int32_t tensor)
{
    if (tensor < 0 || tensor >= c->facts->n_tensors)
        return 0;
    return c->facts->quant_channels[tensor];
}

/* A TfLiteTensor (temporary or persistent) and, when quantized, TfLiteAffineQuantization plus
 * its zero-point TfLiteIntArray (InitializeTfLiteTensorFromFlatbuffer). */
static void tensor_struct(struct qv_tflm_trace *tr, const struct qv_tflm_abi *abi,
                          enum qv_tflm_ev_kind kind, enum qv_arena_part part, int32_t node,
                          int32_t channels)
{
    size_t a = (size_t)abi->ptr_align;
    qv_tflm_trace_add(tr, kind, part, node, (size_t)abi->tflite_tensor, a);
    if (kind == QV_TFLM_TEMP && tr->n > 0 && !tr->failed)
        tr->ev[tr->n - 1].ptr_off = abi->tensor_qparams_off;
    if (channels > 0) {
        qv_tflm_trace_add(tr, kind, part, node, (size_t)abi->affine_quant, a);
        if (kind == QV_TFLM_TEMP && tr->n > 0 && !tr->failed)
            tr->ev[tr->n - 1].ptr_off = abi->quant_zp_off;
        qv_tflm_trace_add(tr, kind, part, node, 4 + 4 * (size_t)channels, 4);
    }
}

void qv_tflm_temp_input(struct qv_tflm_op_ctx *c, int32_t k)
{
    if (k >= c->n->n_inputs || c->n->inputs[k] < 0)
        return;
    tensor_struct(c->tr, c->abi, QV_TFLM_TEMP, QV_ARENA_HEAD, c->node,
                  quant_channels(c, c->n->inputs[k]));
}

void qv_tflm_temp_output(struct qv_tflm_op_ctx *c, int32_t k)
{
    if (k >= c->n->n_outputs || c->n->outputs[k] < 0)
        return;
    tensor_struct(c->tr, c->abi, QV_TFLM_TEMP, QV_ARENA_HEAD, c->node,
                  quant_channels(c, c->n->outputs[k]));
}

void qv_tflm_persist(struct qv_tflm_op_ctx *c, enum qv_arena_part part, size_t bytes)
{
    qv_tflm_trace_add(c->tr, QV_TFLM_PERSIST, part, c->node, bytes, QV_TFLM_ALIGN);
}

void qv_tflm_scratch(struct qv_tflm_op_ctx *c, size_t bytes)
{
    if (c->n_scratch < QV_TFLM_MAX_SCRATCH_PER_OP)
        c->scratch_bytes[c->n_scratch] = bytes;
    c->n_scratch++;
}

/* ---- building the trace ---------------------------------------------------------------------- */

struct scratch_req {
    int32_t node;
    size_t bytes;
};

struct model_trace {
    struct qv_tflm_trace tr;
    int32_t *phase_at;             /* [tr.n] phase of each event (filled after building) */
    struct scratch_req *scratch;
    int32_t n_scratch, cap_scratch;
    int32_t plan_event;            /* index of the QV_TFLM_PLAN event */
    int32_t head_event;            /* index of the final head reservation */
};

static enum qv_status add_scratch(struct model_trace *mt, int32_t node, size_t bytes,
                                  struct qv_error *err)
{
    if (mt->n_scratch == mt->cap_scratch) {
        int32_t cap = mt->cap_scratch ? mt->cap_scratch * 2 : 16;
        void *p = realloc(mt->scratch, (size_t)cap * sizeof(*mt->scratch));
        if (!p)
            return qv_fail(err, QV_E_NOMEM, "out of memory recording scratch buffers");
        mt->scratch = p;
        mt->cap_scratch = cap;
    }
    mt->scratch[mt->n_scratch++] = (struct scratch_req){ node, bytes };
    return QV_OK;
}

/*
 * Records every arena operation of loading the model with operators run in `order` (a
 * permutation of the operator indices; TFLM runs the file order). head_bytes is the planned
 * head the trace reserves. Phases are recorded per event.
 */
static enum qv_status build_trace(const struct qv_graph *g, const struct qv_tflite_facts *facts,
                                  const struct qv_tflm_abi *abi, enum qv_kernels kernels,
                                  enum qv_isa isa, const int32_t *order, int32_t n_planned,
                                  struct model_trace *mt, struct qv_error *err)
{
    struct qv_tflm_trace *tr = &mt->tr;
    size_t a = (size_t)abi->ptr_align;
    tr->ptr = abi->ptr;
    int32_t *phase = NULL;
    int32_t n_phase = 0;
#define ADD(kind, part, node, bytes, align) qv_tflm_trace_add(tr, kind, part, node, bytes, align)
    /* interpreter objects: the arena allocator itself, the planner, the MicroAllocator */
    ADD(QV_TFLM_PERSIST, QV_ARENA_RUNTIME, -1, (size_t)abi->arena_allocator, a);
    ADD(QV_TFLM_PERSIST, QV_ARENA_RUNTIME, -1, (size_t)abi->planner, a);
    ADD(QV_TFLM_PERSIST, QV_ARENA_RUNTIME, -1, (size_t)abi->micro_allocator, a);
    /* StartModelAllocation */
    ADD(QV_TFLM_PERSIST, QV_ARENA_RUNTIME, -1, (size_t)abi->builtin_allocator, a);
    ADD(QV_TFLM_HEAD, QV_ARENA_HEAD, -1,
        (size_t)abi->scratch_request * QV_TFLM_MAX_SCRATCH_PER_OP, a);
    ADD(QV_TFLM_PERSIST, QV_ARENA_RUNTIME, -1,
        (size_t)abi->subgraph_allocations * (size_t)facts->n_subgraphs, a);
    ADD(QV_TFLM_PERSIST, QV_ARENA_TENSORS, -1,
        (size_t)abi->eval_tensor * (size_t)facts->n_tensors_all, a);
    ADD(QV_TFLM_PERSIST, QV_ARENA_NODES, -1,
        (size_t)abi->node_and_registration * (size_t)facts->n_operators_all, a);
    /* Parse of every operator, then Init of every operator */
    for (int32_t p = 0; p < g->n_nodes; p++) {
        const struct qv_budget_op_def *r = &qv_budget_ops[g->nodes[order[p]].op];
        int32_t sz = r->params[abi->ptr == 8 ? 0 : 1];
        if (sz > 0)
            ADD(QV_TFLM_PERSIST, QV_ARENA_PARAMS, order[p], (size_t)sz,
                r->params_align > 0 ? (size_t)r->params_align : a);
    }
    for (int32_t p = 0; p < g->n_nodes; p++) {
        const struct qv_budget_op_def *r = &qv_budget_ops[g->nodes[order[p]].op];
        int32_t sz = r->opdata[kernels][abi->ptr == 8 ? 0 : 1];
        if (sz > 0)
            ADD(QV_TFLM_PERSIST, QV_ARENA_OPDATA, order[p], (size_t)sz, QV_TFLM_ALIGN);
    }
    int32_t setup_end = tr->n;
    /* Prepare, each followed by FinishPrepareNodeAllocations */
    for (int32_t p = 0; p < g->n_nodes; p++) {
        struct qv_tflm_op_ctx c = {
            .g = g, .facts = facts, .abi = abi, .kernels = kernels, .isa = isa,
            .node = order[p], .n = &g->nodes[order[p]], .tr = tr,
        };
        const struct qv_budget_op_def *r = &qv_budget_ops[c.n->op];
        if (r->prepare) {
            r->prepare(&c);
        } else {
            /* an operator qvet has no rules for (QV_OP_UNSUPPORTED): the temporaries most
             * kernels take, one per input and output; the result is marked not exact */
            for (int32_t k = 0; k < c.n->n_inputs; k++)
                qv_tflm_temp_input(&c, k);
            for (int32_t k = 0; k < c.n->n_outputs; k++)
                qv_tflm_temp_output(&c, k);
        }
        if (c.n_scratch > QV_TFLM_MAX_SCRATCH_PER_OP)
            return qv_fail_node(err, QV_E_INTERNAL, c.node, "node %d requests %d scratch buffers",
                                c.node, c.n_scratch);
        for (int32_t s = 0; s < c.n_scratch; s++)
            if (add_scratch(mt, c.node, c.scratch_bytes[s], err) != QV_OK)
                return QV_E_NOMEM;
        ADD(QV_TFLM_RESET, QV_ARENA_HEAD, c.node, 0, 1);
        ADD(QV_TFLM_HEAD, QV_ARENA_HEAD, c.node,
            (size_t)abi->scratch_request * ((size_t)mt->n_scratch + QV_TFLM_MAX_SCRATCH_PER_OP),
            a);
    }
    int32_t prepare_end = tr->n;
    /* FinishModelAllocation: scratch handles, then CommitStaticMemoryPlan */
    if (mt->n_scratch > 0)
        ADD(QV_TFLM_PERSIST, QV_ARENA_SCRATCH_HANDLES, -1,
            (size_t)abi->scratch_handle * (size_t)mt->n_scratch, a);
    /* AllocateVariables: variable tensors (LSTM state) live in the tail, not in the plan */
    for (int32_t t = 0; t < g->n_tensors; t++)
        if (g->tensors[t].is_variable)
            ADD(QV_TFLM_PERSIST, QV_ARENA_PREPARE, -1, g->tensors[t].nbytes, QV_TFLM_ALIGN);
    ADD(QV_TFLM_TEMP, QV_ARENA_HEAD, -1, (size_t)abi->ptr * (size_t)facts->n_subgraphs, a);
    ADD(QV_TFLM_TEMP, QV_ARENA_HEAD, -1,
        (size_t)abi->allocation_info * ((size_t)facts->n_tensors_all + (size_t)mt->n_scratch), a);
    mt->plan_event = tr->n;
    ADD(QV_TFLM_PLAN, QV_ARENA_HEAD, -1,
        (size_t)abi->planner_per_buffer * (size_t)n_planned, QV_TFLM_ALIGN);
    ADD(QV_TFLM_RESET, QV_ARENA_HEAD, -1, 0, 1);
    ADD(QV_TFLM_HEAD, QV_ARENA_HEAD, -1, 0, 1);
    int32_t plan_end = tr->n;
    mt->head_event = tr->n;
    ADD(QV_TFLM_HEAD, QV_ARENA_HEAD, -1, 0 /* set by the caller */, QV_TFLM_ALIGN);
    int32_t head_end = tr->n;
    /* MicroInterpreter::AllocateTensors: persistent TfLiteTensors of inputs and outputs */
    for (int io = 0; io < 2; io++) {
        int32_t cnt = io == 0 ? g->n_inputs : g->n_outputs;
        const int32_t *idx = io == 0 ? g->inputs : g->outputs;
        ADD(QV_TFLM_PERSIST, QV_ARENA_IO, -1, (size_t)abi->ptr * (size_t)cnt, QV_TFLM_ALIGN);
        for (int32_t i = 0; i < cnt; i++) {
            int32_t ch = idx[i] < facts->n_tensors ? facts->quant_channels[idx[i]] : 0;
            tensor_struct(tr, abi, QV_TFLM_PERSIST, QV_ARENA_IO, -1, ch);
        }
    }
#undef ADD
    if (tr->failed)
        return qv_fail(err, QV_E_NOMEM, "out of memory recording the arena trace");
    phase = malloc(((size_t)tr->n + 1) * sizeof(*phase));
    if (!phase)
        return qv_fail(err, QV_E_NOMEM, "out of memory recording the arena trace");
    for (n_phase = 0; n_phase < tr->n; n_phase++) {
        int32_t i = n_phase;
        phase[i] = i < setup_end ? QV_PHASE_SETUP : i < prepare_end ? QV_PHASE_PREPARE
                   : i < plan_end ? QV_PHASE_PLAN : i < head_end ? QV_PHASE_HEAD : QV_PHASE_IO;
    }
    mt->phase_at = phase;
    return QV_OK;
}

/* ---- replaying it --------------------------------------------------------------------------- */

static int64_t align_up(int64_t x, int64_t a)
{
    int64_t r = x % a;
    if (r < 0)
        r += a;
    return r ? x + (a - r) : x;
}

static int64_t align_down(int64_t x, int64_t a)
{
    int64_t r = x % a;
    if (r < 0)
        r += a;
    return x - r;
}

/*
 * Replays the trace in an arena of `size` bytes starting at a 16-aligned address (offset 0).
 * Returns -1 when every allocation succeeds, else the index of the failing event. With
 * parts != NULL, adds each persistent allocation's bytes (alignment included) to its part.
 */
#define MAX_TRACKED 64

/*
 * Replays the trace in an arena of `size` bytes starting at a 16-aligned address (offset 0).
 * Returns -1 when every allocation succeeds, else the index of the failing event. With
 * parts != NULL, adds each persistent allocation's bytes (alignment included) to its part.
 *
 * Besides TFLM's own checks, one effect of them: AllocatePersistentBuffer only checks against
 * the head, so a buffer a kernel's Prepare allocates (and fills: per-channel multipliers) may
 * overlap that Prepare's live temporary tensors; when it covers a pointer that
 * DeallocateTempTfLiteTensor reads back, TFLM's temp checksum no longer matches and the next
 * ResetTempAllocations fails. The replay fails that node's reset the same way.
 */
static int32_t replay(const struct qv_tflm_trace *tr, int64_t size, size_t *parts,
                      int64_t *ret_tail)
{
    int64_t head = 0, temp = 0, tail = size;
    int64_t fields[MAX_TRACKED], written[MAX_TRACKED][2];
    int32_t n_fields = 0, n_written = 0;
    int64_t ptr = tr->ptr;
    bool overflow = false;
    for (int32_t i = 0; i < tr->n; i++) {
        const struct qv_tflm_event *e = &tr->ev[i];
        int64_t bytes = (int64_t)e->bytes, al = (int64_t)e->align;
        switch (e->kind) {
        case QV_TFLM_PERSIST: {
            int64_t nt = align_down(tail - bytes, al);
            if (nt < head)
                return i;
            if (parts)
                parts[e->part] += (size_t)(tail - nt);
            tail = nt;
            if (e->part == QV_ARENA_PREPARE && nt < temp) {
                if (n_written < MAX_TRACKED) {
                    written[n_written][0] = nt;
                    written[n_written++][1] = nt + bytes;
                } else {
                    overflow = true;
                }
            }
            break;
        }
        case QV_TFLM_TEMP: {
            /* AllocateTemp: available = tail - aligned temp, compared unsigned; a temp
             * pointer already past the tail wraps around and passes, as in TFLM */
            int64_t at = align_up(temp, al);
            if (tail - at >= 0 && tail - at < bytes)
                return i;
            temp = at + bytes;
            if (e->ptr_off >= 0) {
                if (n_fields < MAX_TRACKED)
                    fields[n_fields++] = at + e->ptr_off;
                else
                    overflow = true;
            }
            break;
        }
        case QV_TFLM_HEAD: {
            int64_t at = align_up(0, al);
            if (tail - at < bytes)
                return i;
            head = temp = at + bytes;
            break;
        }
        case QV_TFLM_RESET:
            for (int32_t w = 0; w < n_written; w++)
                for (int32_t f = 0; f < n_fields; f++)
                    if (written[w][0] < fields[f] + ptr && fields[f] < written[w][1])
                        return i;
            if (overflow && n_written > 0)
                return i;
            temp = head;
            n_fields = n_written = 0;
            overflow = false;
            break;
        case QV_TFLM_PLAN: {
            /* GetAvailableMemory(16), all of it taken for the planner's bookkeeping, which
             * needs per_buffer_size bytes for each buffer it plans */
            int64_t rem = align_down(tail, al) - align_up(temp, al);
            if (rem < 0 || rem < bytes)
                return i;
            break;
        }
        }
    }
    if (ret_tail)
        *ret_tail = size - tail;
    return -1;
}

/* Smallest size for which replay succeeds; *ret_fail = failing event at size - 1. */
static int64_t min_size(const struct qv_tflm_trace *tr, int32_t *ret_fail)
{
    int64_t lo = 0, hi = 4096;
    while (replay(tr, hi, NULL, NULL) >= 0) {
        lo = hi;
        hi *= 2;
    }
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (replay(tr, mid, NULL, NULL) < 0)
            hi = mid;
        else
            lo = mid;
    }
    *ret_fail = replay(tr, hi - 1, NULL, NULL);
    return hi;
}

/* ---- planning -------------------------------------------------------------------------------- */

/* TFLM's planner input for operators run in `order`: tensors needing memory (index order), then
 * scratch buffers (request order). */
static enum qv_status plan_buffers(const struct qv_graph *g, const int32_t *order,
                                   const struct model_trace *mt, struct qv_plan_buf **ret_b,
                                   int32_t *ret_n, struct qv_error *err)
{
    struct qv_lifetime *lt = malloc(((size_t)g->n_tensors + 1) * sizeof(*lt));
    int32_t *pos = malloc(((size_t)g->n_nodes + 1) * sizeof(*pos));
    struct qv_plan_buf *b = malloc(((size_t)g->n_tensors + (size_t)mt->n_scratch + 1) *
                                   sizeof(*b));
    enum qv_status st = QV_OK;
    int32_t n = 0;
    if (!lt || !pos || !b) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory planning the arena");
        goto fail;
    }
    st = qv_lifetime_compute(g, order, lt, err);
    if (st != QV_OK)
        goto fail;
    for (int32_t p = 0; p < g->n_nodes; p++)
        pos[order[p]] = p;
    for (int32_t t = 0; t < g->n_tensors; t++) {
        const struct qv_tensor *ts = &g->tensors[t];
        if (ts->data || ts->nbytes == 0 || ts->is_variable)
            continue;
        b[n++] = (struct qv_plan_buf){ align_up((int64_t)ts->nbytes, QV_TFLM_ALIGN),
                                       lt[t].first, lt[t].last };
    }
    for (int32_t s = 0; s < mt->n_scratch; s++) {
        int32_t step = pos[mt->scratch[s].node] + 1;
        b[n++] = (struct qv_plan_buf){ align_up((int64_t)mt->scratch[s].bytes, QV_TFLM_ALIGN),
                                       step, step };
    }
    free(lt);
    free(pos);
    *ret_b = b;
    *ret_n = n;
    return QV_OK;
fail:
    free(lt);
    free(pos);
    free(b);
    return st;
}

static void model_trace_release(struct model_trace *mt)
{
    free(mt->tr.ev);
    free(mt->phase_at);
    free(mt->scratch);
    memset(mt, 0, sizeof(*mt));
}

/* Trace + TFLM plan for one operator order. head: the peak of the chosen planner. */
static enum qv_status arena_for_order(const struct qv_graph *g,
                                      const struct qv_tflite_facts *facts,
                                      const struct qv_tflm_abi *abi, enum qv_kernels kernels,
                                      enum qv_isa isa, const int32_t *order, bool search,
                                      struct model_trace *mt, struct qv_plan_buf **ret_b,
                                      int32_t *ret_nb, int64_t **ret_off, int64_t *ret_head,
                                      struct qv_error *err)
{
    struct qv_plan_buf *b = NULL;
    int64_t *off = NULL;
    int32_t nb = 0;
    memset(mt, 0, sizeof(*mt));
    /* scratch requests are known only after the Prepare pass: build once to learn them, then
     * the planner count is final */
    enum qv_status st = build_trace(g, facts, abi, kernels, isa, order, 0, mt, err);
    if (st == QV_OK)
        st = plan_buffers(g, order, mt, &b, &nb, err);
    if (st != QV_OK)
        goto fail;
    mt->tr.ev[mt->plan_event].bytes = (size_t)abi->planner_per_buffer * (size_t)nb;
    off = malloc(((size_t)nb + 1) * sizeof(*off));
    if (!off) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory planning the arena");
        goto fail;
    }
    if (search) {
        /* each try places every buffer against the placed ones (n^2): bound the work */
        int64_t work = (int64_t)nb * nb + 1, effort = 40000000 / work;
        st = qv_plan_search(b, nb, (int32_t)(effort < 2000 ? effort : 2000), off, ret_head, err);
    }
    else
        st = qv_plan_tflm_greedy(b, nb, off, ret_head, err);
    if (st != QV_OK)
        goto fail;
    mt->tr.ev[mt->head_event].bytes = (size_t)*ret_head;
    *ret_b = b;
    *ret_nb = nb;
    if (ret_off)
        *ret_off = off;
    else
        free(off);
    return QV_OK;
fail:
    free(b);
    free(off);
    model_trace_release(mt);
    return st;
}

/* Topological orders to try besides the file order: at each step run the ready node that leaves
 * the fewest live bytes (ties: lowest index), and the same with the most freed first. */
static enum qv_status greedy_order(const struct qv_graph *g, int variant, int32_t *order,
                                   struct qv_error *err)
{
    int32_t n = g->n_nodes, nt = g->n_tensors;
    int32_t *readers = calloc((size_t)nt + 1, sizeof(int32_t));
    bool *done = calloc((size_t)n + 1, sizeof(bool)), *ready_t = calloc((size_t)nt + 1, 1);
    if (!readers || !done || !ready_t) {
        free(readers);
        free(done);
        free(ready_t);
        return qv_fail(err, QV_E_NOMEM, "out of memory ordering operators");
    }
    for (int32_t ni = 0; ni < n; ni++)
        for (int32_t k = 0; k < g->nodes[ni].n_inputs; k++)
            if (g->nodes[ni].inputs[k] >= 0)
                readers[g->nodes[ni].inputs[k]]++;
    for (int32_t t = 0; t < nt; t++)
        ready_t[t] = g->tensors[t].data != NULL;
    for (int32_t i = 0; i < g->n_inputs; i++)
        ready_t[g->inputs[i]] = true;
    for (int32_t p = 0; p < n; p++) {
        int32_t pick = -1;
        int64_t best = 0;
        for (int32_t ni = 0; ni < n; ni++) {
            if (done[ni])
                continue;
            const struct qv_node *nd = &g->nodes[ni];
            bool ok = true;
            int64_t freed = 0, made = 0;
            for (int32_t k = 0; k < nd->n_inputs && ok; k++) {
                int32_t t = nd->inputs[k];
                if (t < 0)
                    continue;
                ok = ready_t[t];
                if (!g->tensors[t].data && readers[t] == 1)
                    freed += (int64_t)g->tensors[t].nbytes;
            }
            if (!ok)
                continue;
            for (int32_t k = 0; k < nd->n_outputs; k++)
                made += (int64_t)g->tensors[nd->outputs[k]].nbytes;
            int64_t score = variant == 0 ? made - freed : -freed;
            if (pick < 0 || score < best) {
                pick = ni;
                best = score;
            }
        }
        if (pick < 0)
            break;
        order[p] = pick;
        done[pick] = true;
        const struct qv_node *nd = &g->nodes[pick];
        for (int32_t k = 0; k < nd->n_inputs; k++)
            if (nd->inputs[k] >= 0)
                readers[nd->inputs[k]]--;
        for (int32_t k = 0; k < nd->n_outputs; k++)
            ready_t[nd->outputs[k]] = true;
    }
    free(readers);
    free(done);
    free(ready_t);
    return QV_OK;
}

enum qv_status qv_tflm_trace_model(const struct qv_graph *g, const uint8_t *tflite, size_t size,
                                   enum qv_tflm_build build, enum qv_kernels kernels,
                                   enum qv_isa isa, struct qv_tflm_trace *ret_trace,
                                   struct qv_error *err)
{
    const struct qv_tflm_abi *abi = qv_tflm_abi_get(build);
    struct qv_tflite_facts facts;
    struct model_trace mt;
    struct qv_plan_buf *b = NULL;
    int32_t nb = 0;
    int64_t head = 0;
    if (!abi)
        return qv_fail(err, QV_E_USAGE, "unknown TFLM build");
    int32_t *order = malloc(((size_t)g->n_nodes + 1) * sizeof(int32_t));
    if (!order)
        return qv_fail(err, QV_E_NOMEM, "out of memory");
    for (int32_t i = 0; i < g->n_nodes; i++)
        order[i] = i;
    enum qv_status st = qv_tflite_facts_read(tflite, size, "", &facts, err);
    if (st == QV_OK) {
        st = arena_for_order(g, &facts, abi, kernels, isa, order, false, &mt, &b, &nb, NULL,
                             &head, err);
        qv_tflite_facts_release(&facts);
    }
    free(order);
    free(b);
    if (st != QV_OK)
        return st;
    *ret_trace = mt.tr;
    mt.tr.ev = NULL;
    model_trace_release(&mt);
    return QV_OK;
}

enum qv_status qv_arena_compute(const struct qv_graph *g, const uint8_t *tflite, size_t size,
                                enum qv_tflm_build build, enum qv_kernels kernels,
                                enum qv_isa isa, struct qv_arena *ret_arena,
                                struct qv_error *err)
{
    const struct qv_tflm_abi *abi = qv_tflm_abi_get(build);
    if (!abi || (unsigned)kernels >= QV_KERNELS_COUNT || (unsigned)isa >= QV_ISA_COUNT)
        return qv_fail(err, QV_E_USAGE, "unknown TFLM build, kernel set or ISA");
    if (!g->finalized)
        return qv_fail(err, QV_E_INPUT, "the arena needs a finalized graph");
    struct qv_tflite_facts facts;
    enum qv_status st = qv_tflite_facts_read(tflite, size, "", &facts, err);
    if (st != QV_OK)
        return st;
    struct qv_arena a;
    memset(&a, 0, sizeof(a));
    a.binding_node = -1;
    a.exact = true;
    struct model_trace mt, mt2;
    memset(&mt, 0, sizeof(mt));
    memset(&mt2, 0, sizeof(mt2));
    struct qv_plan_buf *b = NULL, *b2 = NULL;
    int64_t *off = NULL, head = 0;
    int32_t nb = 0, nb2 = 0, fail_ev = -1;
    int32_t n = g->n_nodes;
    int32_t *file_order = malloc(((size_t)n + 1) * sizeof(int32_t));
    int32_t *cand = malloc(((size_t)n + 1) * sizeof(int32_t));
    a.better_order = malloc(((size_t)n + 1) * sizeof(int32_t));
    a.live = calloc((size_t)n + 1, sizeof(size_t));
    a.extent = calloc((size_t)n + 1, sizeof(size_t));
    if (!file_order || !cand || !a.better_order || !a.live || !a.extent) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory computing the arena");
        goto done;
    }
    for (int32_t i = 0; i < n; i++)
        file_order[i] = i;
    if (facts.n_subgraphs > 1 || facts.offline_plan || facts.n_tensors != g->n_tensors) {
        a.exact = false;
        snprintf(a.note, sizeof(a.note), "%s", facts.offline_plan
                 ? "the model carries an offline memory plan (not modelled)"
                 : facts.n_subgraphs > 1
                 ? "the model has several subgraphs (only subgraph 0 is modelled)"
                 : "the flatbuffer does not match the graph (its tensor count differs)");
    }
    for (int32_t i = 0; i < n && a.exact; i++) {
        if (g->nodes[i].op == QV_OP_UNSUPPORTED) {
            a.exact = false;
            snprintf(a.note, sizeof(a.note), "%s (node %d): no allocation rules, approximated "
                     "by one temporary tensor per input and output", qv_node_op_name(&g->nodes[i]),
                     i);
        }
    }
    /* TFLM: file order, greedy plan */
    st = arena_for_order(g, &facts, abi, kernels, isa, file_order, false, &mt, &b, &nb, &off,
                         &head, err);
    if (st != QV_OK)
        goto done;
    a.head = (size_t)head;
    a.total = (size_t)min_size(&mt.tr, &fail_ev);
    a.binding = fail_ev >= 0 ? (enum qv_arena_phase)mt.phase_at[fail_ev] : QV_PHASE_SETUP;
    a.binding_node = fail_ev >= 0 && a.binding == QV_PHASE_PREPARE ? mt.tr.ev[fail_ev].node : -1;
    int64_t tail = 0;
    replay(&mt.tr, (int64_t)a.total, a.parts, &tail);
    a.tail = (size_t)tail;
    a.parts[QV_ARENA_HEAD] = a.head;
    a.n_scratch = mt.n_scratch;
    for (int32_t s = 0; s < mt.n_scratch; s++)
        a.scratch += mt.scratch[s].bytes;
    a.plan_lower_bound = (size_t)qv_plan_lower_bound(b, nb);
    for (int32_t p = 0; p < n; p++) {
        int32_t step = p + 1;
        for (int32_t i = 0; i < nb; i++) {
            if (b[i].first > step || b[i].last < step)
                continue;
            a.live[p] += (size_t)b[i].size;
            if ((size_t)(off[i] + b[i].size) > a.extent[p])
                a.extent[p] = (size_t)(off[i] + b[i].size);
        }
    }
    /* a better plan of the same order */
    int64_t better = 0;
    model_trace_release(&mt2);
    st = arena_for_order(g, &facts, abi, kernels, isa, file_order, true, &mt2, &b2, &nb2, NULL,
                         &better, err);
    if (st != QV_OK)
        goto done;
    a.head_better = (size_t)better;
    a.total_better = (size_t)min_size(&mt2.tr, &fail_ev);
    a.head_reordered = a.head_better;
    a.total_reordered = a.total_better;
    memcpy(a.better_order, file_order, (size_t)n * sizeof(int32_t));
    model_trace_release(&mt2);
    free(b2);
    b2 = NULL;
    /* other execution orders */
    for (int variant = 0; variant < 2; variant++) {
        st = greedy_order(g, variant, cand, err);
        if (st != QV_OK)
            goto done;
        if (memcmp(cand, file_order, (size_t)n * sizeof(int32_t)) == 0)
            continue;
        st = arena_for_order(g, &facts, abi, kernels, isa, cand, true, &mt2, &b2, &nb2, NULL,
                             &better, err);
        if (st != QV_OK)
            goto done;
        size_t total = (size_t)min_size(&mt2.tr, &fail_ev);
        if (total < a.total_reordered ||
            (total == a.total_reordered && (size_t)better < a.head_reordered)) {
            a.total_reordered = total;
            a.head_reordered = (size_t)better;
            memcpy(a.better_order, cand, (size_t)n * sizeof(int32_t));
        }
        model_trace_release(&mt2);
        free(b2);
        b2 = NULL;
    }
    *ret_arena = a;
    memset(&a, 0, sizeof(a));
done:
    model_trace_release(&mt);
    model_trace_release(&mt2);
    free(b);
    free(b2);
    free(off);
    free(file_order);
    free(cand);
    qv_arena_release(&a);
    qv_tflite_facts_release(&facts);
    return st;
}

void qv_arena_release(struct qv_arena *a)
{
    if (!a)
        return;
    free(a->better_order);
    free(a->live);
    free(a->extent);
    a->better_order = NULL;
    a->live = a->extent = NULL;
}
