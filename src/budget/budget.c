/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Budgets per target (docs/budget.md): the pre-flight op check, the whole TFLM arena for the
 * target's build and kernels, flash (the .tflite, exact, plus runtime code, estimated), SRAM
 * (arena + application I/O buffers + stack, against SRAM with headroom), and latency/energy
 * estimates from the core table.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget/budget_int.h"
#include "budget/tflm.h"
#include "qvet/io.h"

/* TFLM runtime code every model needs (interpreter, allocator, planner, flatbuffer and
 * quantization helpers, logging): Thumb-2 bytes, reference/measure_code_size.py. */
#define QV_TFLM_RUNTIME_CODE 21149

void qv_budget_opts_init(struct qv_budget_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->rate_hz = 1.0;
    o->stack_bytes = 4096;
    o->sram_headroom = 0.20;
    o->flash_app_share = 0.50;
}

bool qv_tflm_op_supported(enum qv_op op, enum qv_dtype in_dtype, enum qv_kernels kernels)
{
    (void)kernels;   /* TFLM's CMSIS-NN build registers the reference kernel where CMSIS-NN
                      * has no optimized one, so both sets run what the reference runs */
    if ((unsigned)op >= QV_OP_COUNT || (unsigned)in_dtype >= QV_DTYPE_COUNT)
        return false;
    return (qv_budget_ops[op].dtypes[QV_KERNELS_REFERENCE] & QV_DT(in_dtype)) != 0;
}

const char *qv_tflm_resolver_method(enum qv_op op)
{
    return (unsigned)op < QV_OP_COUNT ? qv_budget_ops[op].resolver : NULL;
}

/* Builtin operators the TFLM kernels of this version register (Register_<OP> in the
 * tflite_micro wheel, g8f6596d), for operators qvet itself has no rules for. */
static const char *const tflm_builtins[] = {
    "ABS", "ADD", "ADD_N", "ARG_MAX", "ARG_MIN", "ASSIGN_VARIABLE", "AVERAGE_POOL_2D",
    "BATCH_MATMUL", "BATCH_TO_SPACE_ND", "BROADCAST_ARGS", "BROADCAST_TO", "CALL_ONCE", "CAST",
    "CEIL", "CONCATENATION", "CONV_2D", "COS", "CUMSUM", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE",
    "DEQUANTIZE", "DIV", "DYNAMIC_UPDATE_SLICE", "ELU", "EMBEDDING_LOOKUP", "EQUAL", "EXP",
    "EXPAND_DIMS", "FILL", "FLOOR", "FLOOR_DIV", "FLOOR_MOD", "FULLY_CONNECTED", "GATHER",
    "GATHER_ND", "GREATER", "GREATER_EQUAL", "HARD_SWISH", "IF", "L2_NORMALIZATION", "L2_POOL_2D",
    "LEAKY_RELU", "LESS", "LESS_EQUAL", "LOG", "LOGICAL_AND", "LOGICAL_NOT", "LOGICAL_OR",
    "LOGISTIC", "LOG_SOFTMAX", "MAXIMUM", "MAX_POOL_2D", "MEAN", "MINIMUM", "MIRROR_PAD", "MUL",
    "NEG", "NOT_EQUAL", "PACK", "PAD", "PADV2", "PRELU", "QUANTIZE", "READ_VARIABLE",
    "REDUCE_MAX", "REDUCE_MIN", "RELU", "RELU6", "RESHAPE", "RESIZE_BILINEAR",
    "RESIZE_NEAREST_NEIGHBOR", "REVERSE_V2", "ROUND", "RSQRT", "SELECT_V2", "SHAPE", "SIN",
    "SLICE", "SOFTMAX", "SPACE_TO_BATCH_ND", "SPACE_TO_DEPTH", "SPLIT", "SPLIT_V", "SQRT",
    "SQUARE", "SQUARED_DIFFERENCE", "SQUEEZE", "STRIDED_SLICE", "SUB", "SUM", "SVDF", "TANH",
    "TRANSPOSE", "TRANSPOSE_CONV", "UNIDIRECTIONAL_SEQUENCE_LSTM", "UNPACK", "VAR_HANDLE",
    "WHILE", "ZEROS_LIKE",
    /* custom operators TFLM ships a kernel for */
    "TFLite_Detection_PostProcess",
};

static bool tflm_has_builtin(const char *name)
{
    for (size_t i = 0; name && i < sizeof(tflm_builtins) / sizeof(tflm_builtins[0]); i++)
        if (strcmp(name, tflm_builtins[i]) == 0)
            return true;
    return false;
}

static enum qv_dtype node_dtype(const struct qv_graph *g, const struct qv_node *n)
{
    int32_t t = n->n_inputs > 0 ? n->inputs[0] : -1;
    return t >= 0 ? g->tensors[t].dtype : g->tensors[n->outputs[0]].dtype;
}

static bool optimized(const struct qv_target *t, const struct qv_node *n, enum qv_dtype dt)
{
    const struct qv_core_def *cd = &qv_core_defs[t->core];
    if (!cd->optimized)
        return false;
    if (cd->kernels == QV_KERNELS_CMSIS_NN && t->kernels != QV_KERNELS_CMSIS_NN)
        return false;
    return (qv_budget_ops[n->op].dtypes[QV_KERNELS_CMSIS_NN] & QV_DT(dt)) != 0;
}

/* Estimated cycles of one operator on a core: MACs x cycles per MAC for convolutions and
 * matrix products, output elements x cycles per element otherwise, plus the interpreter's
 * per-operator overhead. */
static double op_cycles(const struct qv_graph *g, int32_t ni, const struct qv_core_def *cd,
                        bool opt)
{
    const struct qv_node *n = &g->nodes[ni];
    const struct qv_tensor *out = &g->tensors[n->outputs[0]];
    double macs = (double)qv_graph_node_macs(g, ni);
    double elems = (double)qv_shape_elems(&out->shape);
    int k = opt ? 1 : 0;
    double c = cd->op_overhead;
    switch (qv_budget_ops[n->op].cost) {
    case QV_COST_CONV: c += macs * cd->cpm[k][0]; break;
    case QV_COST_DW: c += macs * cd->cpm[k][1]; break;
    case QV_COST_FC: c += macs * cd->cpm[k][2]; break;
    case QV_COST_ELEM: c += (elems > macs ? elems : macs) * cd->cpe[k]; break;
    case QV_COST_LUT: c += elems * cd->cpl[k]; break;
    case QV_COST_MOVE: c += (double)out->nbytes * cd->cpb; break;
    default: break;
    }
    return c;
}

/* The .tflite split: weights and biases of CONV/DEPTHWISE/FC, other constants, quantization
 * vectors, and the flatbuffer overhead (everything else), summing to the file size. */
static void flash_split(struct qv_budget *b, const struct qv_graph *g,
                        const struct qv_tflite_facts *f)
{
    bool *seen = calloc((size_t)g->n_tensors + 1, sizeof(bool));
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        const struct qv_node *n = &g->nodes[ni];
        if (n->op != QV_OP_CONV_2D && n->op != QV_OP_DEPTHWISE_CONV_2D &&
            n->op != QV_OP_FULLY_CONNECTED)
            continue;
        for (int32_t k = 1; k < n->n_inputs && k <= 2; k++) {
            int32_t t = n->inputs[k];
            if (t < 0 || !g->tensors[t].data || (seen && seen[t]))
                continue;
            if (seen)
                seen[t] = true;
            if (k == 1)
                b->weight_bytes += g->tensors[t].nbytes;
            else
                b->bias_bytes += g->tensors[t].nbytes;
        }
    }
    free(seen);
    size_t data = f->buffer_data_bytes, wb = b->weight_bytes + b->bias_bytes;
    b->other_const_bytes = data > wb ? data - wb : 0;
    b->quant_bytes = f->quant_bytes;
    b->model_bytes = f->file_bytes;
    size_t used = data + f->quant_bytes;
    b->flatbuffer_overhead = f->file_bytes > used ? f->file_bytes - used : 0;
}

static enum qv_status resolve_targets(const struct qv_budget_opts *o, struct qv_target_set *set,
                                      const struct qv_target ***ret, int32_t *ret_n,
                                      struct qv_error *err)
{
    int32_t n = o->n_targets > 0 ? o->n_targets : qv_targets_count(set);
    const struct qv_target **list = calloc((size_t)n + 1, sizeof(*list));
    if (!list)
        return qv_fail(err, QV_E_NOMEM, "out of memory listing targets");
    for (int32_t i = 0; i < n; i++) {
        list[i] = o->n_targets > 0 ? qv_targets_find(set, o->targets[i]) : qv_targets_at(set, i);
        if (!list[i]) {
            char known[1024];
            size_t len = 0;
            known[0] = '\0';
            for (int32_t k = 0; k < qv_targets_count(set) && len < sizeof(known); k++)
                len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s", k ? ", " : "",
                                        qv_targets_at(set, k)->name);
            free(list);
            return qv_fail(err, QV_E_USAGE, "unknown target '%s' (known: %s)", o->targets[i],
                           known);
        }
    }
    *ret = list;
    *ret_n = n;
    return QV_OK;
}

static void budget_target(struct qv_budget_target *bt, const struct qv_graph *g,
                          const struct qv_budget_opts *o)
{
    const struct qv_target *t = bt->profile;
    const struct qv_core_def *cd = &qv_core_defs[t->core];
    bool op_used[QV_OP_COUNT] = { false };
    double cycles = 0, cycles_ref = 0;
    size_t len = 0;
    bt->ops_ok = true;
    bt->code_bytes = QV_TFLM_RUNTIME_CODE;
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        const struct qv_node *n = &g->nodes[ni];
        struct qv_budget_op *r = &bt->ops[ni];
        enum qv_dtype dt = node_dtype(g, n);
        r->node = ni;
        r->op = n->op;
        r->macs = qv_graph_node_macs(g, ni);
        r->supported = n->op == QV_OP_UNSUPPORTED ? tflm_has_builtin(n->source_name)
                       : qv_tflm_op_supported(n->op, dt, t->kernels);
        r->cycles_ref = op_cycles(g, ni, cd, false);
        r->cycles = op_cycles(g, ni, cd, optimized(t, n, dt));
        r->arena_live = bt->arena.live ? bt->arena.live[ni] : 0;
        r->arena_extent = bt->arena.extent ? bt->arena.extent[ni] : 0;
        r->code_bytes = (size_t)qv_budget_ops[n->op].code[t->kernels]; /* 0: unknown op */
        cycles += r->cycles;
        cycles_ref += r->cycles_ref;
        if (!op_used[n->op]) {
            op_used[n->op] = true;
            bt->code_bytes += r->code_bytes;
        }
        if (!r->supported) {
            bt->ops_ok = false;
            bt->n_unsupported++;
            if (len < sizeof(bt->unsupported))
                len += (size_t)snprintf(bt->unsupported + len, sizeof(bt->unsupported) - len,
                                        "%s%s '%s' (%s)", len ? ", " : "", qv_node_op_name(n),
                                        n->name, n->op == QV_OP_UNSUPPORTED
                                        ? "not a TFLM builtin" : qv_dtype_name(dt));
        }
    }
    bt->flash_bytes = bt->model_bytes + bt->code_bytes;
    bt->flash_budget = (size_t)((double)t->flash_bytes * (1.0 - o->flash_app_share));
    bt->flash_ok = bt->flash_bytes <= bt->flash_budget;
    for (int32_t i = 0; i < g->n_inputs; i++)
        bt->io_bytes += g->tensors[g->inputs[i]].nbytes;
    for (int32_t i = 0; i < g->n_outputs; i++)
        bt->io_bytes += g->tensors[g->outputs[i]].nbytes;
    bt->sram_bytes = bt->arena.total + bt->io_bytes + o->stack_bytes;
    double keep = 1.0 - o->sram_headroom;
    bt->sram_budget = (size_t)((double)t->sram_bytes * keep);
    bt->sram_ok = bt->sram_bytes <= bt->sram_budget;
    if (!bt->sram_ok && t->psram_bytes > 0) {
        /* the arena in external RAM, the I/O buffers and the stack on chip */
        size_t ext_budget = (size_t)((double)t->psram_bytes * keep);
        if (bt->arena.total <= ext_budget &&
            bt->io_bytes + o->stack_bytes <= bt->sram_budget) {
            bt->sram_ok = true;
            bt->arena_in_psram = true;
            bt->sram_budget += ext_budget;
        }
    }
    if (t->modelled) {
        bt->latency_ms = cycles / t->clock_hz * 1e3;
        bt->latency_ref_ms = cycles_ref / t->clock_hz * 1e3;
        bt->energy_uj = t->active_ma * t->voltage * bt->latency_ms;
        double duty = bt->latency_ms * 1e-3 * o->rate_hz;
        bt->rate_ok = duty <= 1.0;
        if (duty > 1.0)
            duty = 1.0;
        bt->avg_current_ua = t->active_ma * 1e3 * duty + t->sleep_ua * (1.0 - duty);
    }
    bt->fits = bt->ops_ok && bt->flash_ok && bt->sram_ok;
}

enum qv_status qv_budget_create(const struct qv_graph *g, const uint8_t *tflite, size_t size,
                                const struct qv_budget_opts *opts, struct qv_budget **ret_budget,
                                struct qv_error *err)
{
    struct qv_budget_opts defaults;
    if (!opts) {
        qv_budget_opts_init(&defaults);
        opts = &defaults;
    }
    if (!g->finalized)
        return qv_fail(err, QV_E_INPUT, "budgets need a finalized graph");
    if (!(opts->sram_headroom >= 0 && opts->sram_headroom < 1) ||
        !(opts->flash_app_share >= 0 && opts->flash_app_share < 1) ||
        !(opts->rate_hz >= 0 && isfinite(opts->rate_hz)))
        return qv_fail(err, QV_E_USAGE, "headroom and application share must be in [0, 1), "
                       "the rate finite and >= 0");
    struct qv_budget *b = calloc(1, sizeof(*b));
    const struct qv_target **list = NULL;
    struct qv_tflite_facts facts;
    memset(&facts, 0, sizeof(facts));
    int32_t n = 0;
    if (!b)
        return qv_fail(err, QV_E_NOMEM, "out of memory budgeting the model");
    enum qv_status st = qv_targets_builtin(&b->set, err);
    if (st == QV_OK && opts->targets_file)
        st = qv_targets_load(b->set, opts->targets_file, err);
    if (st == QV_OK)
        st = resolve_targets(opts, b->set, &list, &n, err);
    if (st == QV_OK)
        st = qv_tflite_facts_read(tflite, size, "", &facts, err);
    if (st != QV_OK)
        goto fail;
    flash_split(b, g, &facts);
    b->n_ops = g->n_nodes;
    b->targets = calloc((size_t)n + 1, sizeof(*b->targets));
    if (!b->targets) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory budgeting the model");
        goto fail;
    }
    for (int32_t i = 0; i < n; i++) {
        struct qv_budget_target *bt = &b->targets[b->n_targets++];
        bt->profile = list[i];
        bt->model_bytes = b->model_bytes;
        bt->ops = calloc((size_t)g->n_nodes + 1, sizeof(*bt->ops));
        if (!bt->ops) {
            st = qv_fail(err, QV_E_NOMEM, "out of memory budgeting the model");
            goto fail;
        }
        /* targets sharing a build and kernel set share the arena */
        const struct qv_core_def *cd = &qv_core_defs[list[i]->core];
        int32_t same = -1;
        for (int32_t k = 0; k < i && same < 0; k++) {
            const struct qv_core_def *ck = &qv_core_defs[list[k]->core];
            if (list[k]->build == list[i]->build && list[k]->kernels == list[i]->kernels &&
                ck->isa == cd->isa)
                same = k;
        }
        if (same >= 0) {
            struct qv_arena *src = &b->targets[same].arena, *dst = &bt->arena;
            *dst = *src;
            dst->better_order = malloc(((size_t)g->n_nodes + 1) * sizeof(int32_t));
            dst->live = malloc(((size_t)g->n_nodes + 1) * sizeof(size_t));
            dst->extent = malloc(((size_t)g->n_nodes + 1) * sizeof(size_t));
            if (!dst->better_order || !dst->live || !dst->extent) {
                st = qv_fail(err, QV_E_NOMEM, "out of memory budgeting the model");
                goto fail;
            }
            memcpy(dst->better_order, src->better_order, (size_t)g->n_nodes * sizeof(int32_t));
            memcpy(dst->live, src->live, (size_t)g->n_nodes * sizeof(size_t));
            memcpy(dst->extent, src->extent, (size_t)g->n_nodes * sizeof(size_t));
        } else {
            st = qv_arena_compute(g, tflite, size, list[i]->build, list[i]->kernels, cd->isa,
                                  &bt->arena, err);
            if (st != QV_OK)
                goto fail;
        }
        budget_target(bt, g, opts);
    }
    free(list);
    qv_tflite_facts_release(&facts);
    *ret_budget = b;
    return QV_OK;
fail:
    free(list);
    qv_tflite_facts_release(&facts);
    qv_budget_free(b);
    return st;
}

enum qv_status qv_budget_model_load(const char *path, struct qv_graph **ret_graph,
                                    uint8_t **ret_tflite, size_t *ret_size, struct qv_error *err)
{
    struct qv_graph *g = NULL;
    uint8_t *buf = NULL;
    size_t size = 0, n = strlen(path);
    enum qv_status st;
    if (n > 7 && strcmp(path + n - 7, ".tflite") == 0) {
        st = qv_file_read_all(path, (size_t)UINT32_MAX, &buf, &size, err);
        if (st == QV_OK)
            st = qv_tflite_read(buf, size, path, &g, err);
    } else {
        st = qv_model_load(path, &g, err);
        if (st == QV_OK)
            st = qv_tflite_write(g, &buf, &size, err);
    }
    if (st != QV_OK) {
        qv_graph_free(g);
        free(buf);
        return st;
    }
    *ret_graph = g;
    *ret_tflite = buf;
    *ret_size = size;
    return QV_OK;
}

void qv_budget_free(struct qv_budget *b)
{
    if (!b)
        return;
    for (int32_t i = 0; i < b->n_targets; i++) {
        qv_arena_release(&b->targets[i].arena);
        free(b->targets[i].ops);
    }
    free(b->targets);
    qv_targets_free(b->set);
    free(b);
}
