/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine runner shared by the float32 reference engine and the int8 emulator: plans runtime
 * shapes for a batch of samples, owns every buffer, prepares each node through its kernel table
 * and runs the nodes in topological order.
 *
 * Batching: the graph inputs get dims[0] = B and every node's shape inference runs again on the
 * runtime shapes. The graph is batchable when every activation then carries B in dims[0] where
 * its stored shape has 1, its other dims unchanged; otherwise the engine plans B = 1. Kernels are
 * prepared for B rows (scratch and parameters are upper bounds); a run of n <= B samples sets
 * dims[0] = n on every batched view first, so kernels compute n rows only.
 *
 * Memory: every activation lives in one arena laid out from the tensor lifetimes (plan_arena);
 * constants are read where the graph holds them.
 *
 * Kernels: the float engine runs every node with the float32 kernels and holds every tensor as
 * float32 real values. The int8 engine runs the model as stored: each node's kernel family is
 * chosen from its activations' dtypes (any quantized integer activation: the bit-exact S8
 * kernels; all float32: the float kernels), so mixed-precision graphs run with QUANTIZE and
 * DEQUANTIZE at the borders, each tensor held in its own dtype. A float kernel reads a quantized
 * constant through a dequantized float32 copy made for it (fviews).
 *
 * Concurrency: an engine holds all of its mutable state (views, buffers, parameters, scratch);
 * the graph is only read. Several engines may run the same const graph in different threads.
 * The engine starts no threads.
 */
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kernel.h"
#include "qvet/engine.h"
#include "qvet/lifetime.h"

struct qv_engine {
    const struct qv_graph *g;
    struct qv_engine_opts opts;
    int64_t batch;
    struct qv_tensor_view *views;  /* [n_tensors] */
    struct qv_tensor_view *fviews; /* [n_tensors]: dequantized float32 constants (data NULL:
                                    * none made) for float kernels */
    bool *batched;                 /* [n_tensors]: dims[0] carries the batch */
    void *arena;                   /* every activation (plan_arena), unaligned base */
    size_t arena_bytes;
    void **fowned;                 /* [n_tensors]: the fviews' buffers */
    enum qv_kernel_family *family; /* [n_nodes] */
    enum qv_exec *exec;            /* [n_nodes] */
    struct qv_kernel_ctx *ctx;     /* [n_nodes] */
    void (**kernels)(const struct qv_kernel_ctx *);  /* [n_nodes]: eval chosen at prepare */
    bool *keep;                    /* [n_nodes]: observed */
    void *scratch;
    void **row0;                   /* [n_tensors]: a batched view's data at row 0 */
    size_t *row_bytes;             /* [n_tensors]: bytes of one row of a batched view */
    int64_t chunk;                 /* rows per pass over the graph (qv_engine_run) */
};

/*
 * Bytes of one sample's largest float activation that a pass over the graph may hold per tensor
 * (choose_chunk): about an L2 cache's share, so that a layer's output is still in cache when
 * the next layer reads it.
 */
#define CHUNK_BYTES (256 * 1024)

static bool is_activation(const struct qv_tensor *t)
{
    return t->data == NULL;
}

/* True when tensor t is a graph input or output (they keep every row of the batch). */
static bool is_io(const struct qv_graph *g, int32_t t)
{
    for (int32_t i = 0; i < g->n_inputs; i++)
        if (g->inputs[i] == t)
            return true;
    for (int32_t i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == t)
            return true;
    return false;
}

/* Runtime shapes for batch B (core's shared inference); false when B cannot be used. */
static bool plan_shapes(const struct qv_graph *g, int64_t batch, struct qv_shape *shapes,
                        bool *batched)
{
    bool batchable = false;
    return qv_graph_infer_batch(g, batch, shapes, batched, &batchable, NULL) == QV_OK &&
           batchable;
}

/* real = scale[c] * (q - zp[c]) for a quantized constant, c the index along the quantized axis. */
static void dequantize_const(const struct qv_tensor *t, float *dst)
{
    const struct qv_quant *q = &t->quant;
    int64_t n = qv_shape_elems(&t->shape);
    int64_t inner = 1, axis_len = 1;
    if (q->count > 1) {
        axis_len = t->shape.dims[q->axis];
        for (int32_t r = q->axis + 1; r < t->shape.rank; r++)
            inner *= t->shape.dims[r];
    }
    const struct qv_dtype_traits *d = &qv_dtypes[t->dtype];   /* a finalized graph's dtype */
    for (int64_t i = 0; i < n; i++) {
        int64_t c = q->count > 1 ? (i / inner) % axis_len : 0;
        dst[i] = (float)((double)q->scale[c] * (d->load(t->data, i) - (double)q->zero_point[c]));
    }
}

static enum qv_dtype held_dtype(const struct qv_engine *e, const struct qv_tensor *t)
{
    return e->opts.kind == QV_ENGINE_FLOAT ? QV_DTYPE_F32 : t->dtype;
}

/* One activation's place in the arena, for the placement below. */
struct placed {
    int32_t t;
    size_t size, offset;
};

/* Larger first (TFLM's greedy planner), then by index: a deterministic order. */
static int by_size_desc(const void *a, const void *b)
{
    const struct placed *x = a, *y = b;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return x->t < y->t ? -1 : (x->t > y->t);
}

/*
 * Lays out every activation in one arena from the tensor lifetimes (include/qvet/lifetime.h):
 * tensors whose lifetimes are disjoint may share bytes. Graph inputs and outputs keep their own
 * bytes for the whole run (callers fill inputs before qv_engine_run and read both after; rows
 * past a run's n are left as they were). Each tensor gets its
 * max_batch rows, rounded up to 64 bytes, plus 64 bytes of slack that no other tensor uses.
 * Placement: largest first, each at the lowest offset free of the tensors already placed whose
 * lifetimes overlap its own.
 */
static enum qv_status plan_arena(struct qv_engine *e, const struct qv_shape *shapes,
                                 struct qv_error *err)
{
    const struct qv_graph *g = e->g;
    enum qv_status st = QV_OK;
    struct qv_lifetime *lt = calloc((size_t)g->n_tensors + 1, sizeof(*lt));
    struct placed *pl = calloc((size_t)g->n_tensors + 1, sizeof(*pl));
    int32_t n = 0;
    if (!lt || !pl) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory planning the activation arena");
        goto done;
    }
    if ((st = qv_lifetime_compute(g, NULL, lt, err)) != QV_OK)
        goto done;
    for (int32_t i = 0; i < g->n_inputs; i++)
        lt[g->inputs[i]].last = g->n_nodes;
    for (int32_t i = 0; i < g->n_outputs; i++)
        lt[g->outputs[i]].first = 0;
    for (int32_t ti = 0; ti < g->n_tensors; ti++) {
        const struct qv_tensor *t = &g->tensors[ti];
        if (!is_activation(t) || lt[ti].first == QV_LIFETIME_NONE)
            continue;
        size_t bytes = (size_t)qv_shape_elems(&shapes[ti]) * qv_dtype_size(held_dtype(e, t));
        if (e->chunk < e->batch && e->batched[ti] && !is_io(g, ti))
            bytes = bytes / (size_t)e->batch * (size_t)e->chunk;   /* one chunk's rows */
        pl[n++] = (struct placed){ ti, ((bytes + 63) & ~(size_t)63) + 64, 0 };
    }
    qsort(pl, (size_t)n, sizeof(*pl), by_size_desc);
    size_t total = 0;
    for (int32_t i = 0; i < n; i++) {
        size_t at = 0;
        for (bool moved = true; moved;) {
            moved = false;
            for (int32_t j = 0; j < i; j++) {
                if (!qv_lifetime_overlap(&lt[pl[i].t], &lt[pl[j].t]))
                    continue;
                if (at < pl[j].offset + pl[j].size && pl[j].offset < at + pl[i].size) {
                    at = pl[j].offset + pl[j].size;
                    moved = true;
                }
            }
        }
        pl[i].offset = at;
        total = at + pl[i].size > total ? at + pl[i].size : total;
    }
    /* calloc: pages of rows a run never touches are never made resident. */
    e->arena = calloc(1, total + 64);
    if (!e->arena) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory for the activation arena (%zu bytes)", total);
        goto done;
    }
    e->arena_bytes = total;
    char *base = (char *)(((uintptr_t)e->arena + 63) & ~(uintptr_t)63);
    for (int32_t i = 0; i < n; i++)
        e->views[pl[i].t].data = base + pl[i].offset;
done:
    free(lt);
    free(pl);
    return st;
}

static enum qv_status setup_views(struct qv_engine *e, const struct qv_shape *shapes,
                                  struct qv_error *err)
{
    const struct qv_graph *g = e->g;
    for (int32_t ti = 0; ti < g->n_tensors; ti++) {
        const struct qv_tensor *t = &g->tensors[ti];
        struct qv_tensor_view *v = &e->views[ti];
        v->t = t;
        v->shape = shapes[ti];
        v->data = is_activation(t) ? NULL : (void *)t->data;
    }
    return plan_arena(e, shapes, err);
}

/*
 * The family of node n: the float engine runs everything in float; the int8 engine runs a node
 * with the S8 kernels when any of its activations (inputs and outputs that are not constants)
 * is of an integer dtype, else with the float kernels.
 */
static enum qv_kernel_family node_family(const struct qv_engine *e, const struct qv_node *n)
{
    const struct qv_graph *g = e->g;
    if (e->opts.kind == QV_ENGINE_FLOAT)
        return QV_KERNELS_F32;
    for (int32_t k = 0; k < n->n_inputs + n->n_outputs; k++) {
        const int32_t ti = k < n->n_inputs ? n->inputs[k] : n->outputs[k - n->n_inputs];
        if (ti >= 0 && is_activation(&g->tensors[ti]) && g->tensors[ti].dtype != QV_DTYPE_F32)
            return QV_KERNELS_S8;
    }
    return QV_KERNELS_F32;
}

/*
 * The view a float kernel reads of tensor ti: a quantized constant of an integer dtype is
 * dequantized once into a float32 copy; anything else is the tensor's own view.
 */
static enum qv_status float_view(struct qv_engine *e, int32_t ti,
                                 struct qv_tensor_view **ret_view, struct qv_error *err)
{
    const struct qv_tensor *t = &e->g->tensors[ti];
    if (is_activation(t) || t->dtype == QV_DTYPE_F32 || t->quant.count < 1) {
        *ret_view = &e->views[ti];
        return QV_OK;
    }
    struct qv_tensor_view *v = &e->fviews[ti];
    if (!v->data) {
        const size_t elems = (size_t)qv_shape_elems(&t->shape);
        e->fowned[ti] = malloc(elems * sizeof(float) + 1);
        if (!e->fowned[ti])
            return qv_fail(err, QV_E_NOMEM, "out of memory for constant '%s'", t->name);
        dequantize_const(t, e->fowned[ti]);
        *v = e->views[ti];
        v->data = e->fowned[ti];
    }
    *ret_view = v;
    return QV_OK;
}

static enum qv_status prepare_nodes(struct qv_engine *e, struct qv_error *err)
{
    static const char *const family_name[QV_KERNEL_FAMILY_COUNT] = {
        [QV_KERNELS_F32] = "float", [QV_KERNELS_S8] = "int8",
    };
    const struct qv_graph *g = e->g;
    size_t scratch = 0;
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        const struct qv_node *n = &g->nodes[ni];
        const struct qv_op_def *d = &qv_op_defs[n->op];
        const enum qv_kernel_family fam = node_family(e, n);
        const struct qv_kernel_def *k = &qv_kernel_tables[fam][n->op];
        struct qv_kernel_ctx *c = &e->ctx[ni];
        const bool hybrid = fam == QV_KERNELS_F32 && qv_node_is_hybrid(g, ni);
        const int32_t hybrid_w = hybrid ? qv_op_hybrid_weight(n->op) : -1;
        e->family[ni] = fam;
        e->exec[ni] = fam == QV_KERNELS_S8 ? QV_EXEC_INT8
                      : !hybrid            ? QV_EXEC_FLOAT
                      : e->opts.hybrid == QV_HYBRID_TFLITE ? QV_EXEC_HYBRID
                                                           : QV_EXEC_DEQUANTIZED;
        c->hybrid = e->exec[ni] == QV_EXEC_HYBRID;
        c->g = g;
        c->node = n;
        c->node_index = ni;
        c->n_in = n->n_inputs;
        c->n_out = n->n_outputs;
        for (int32_t k = 0; k < n->n_inputs; k++) {
            struct qv_tensor_view *v = NULL;
            if (n->inputs[k] >= 0 && fam == QV_KERNELS_F32 && !(c->hybrid && k == hybrid_w)) {
                enum qv_status st = float_view(e, n->inputs[k], &v, err);
                if (st != QV_OK)
                    return st;
            } else if (n->inputs[k] >= 0) {
                v = &e->views[n->inputs[k]];
            }
            c->in[k] = v;
        }
        for (int32_t k = 0; k < n->n_outputs; k++)
            c->out[k] = &e->views[n->outputs[k]];
        c->rounding = e->opts.rounding;
        c->plain_loops = e->opts.plain_loops;
        if (!k->eval)
            return qv_fail_node(err, QV_E_INPUT, ni, "node %d (%s, '%s'): no %s kernel", ni,
                                d->name, n->name, family_name[fam]);
        e->kernels[ni] = k->eval;
        if (k->prepare) {
            enum qv_status st = k->prepare(c, err);
            if (st != QV_OK) {
                if (err)
                    err->node = ni;
                qv_error_prefix(err, NULL, "node %d (%s, '%s')", ni, d->name, n->name);
                return st;
            }
        }
        if (c->scratch_size > scratch)
            scratch = c->scratch_size;
        if (e->opts.observe)
            e->keep[ni] = e->opts.observe(ni, c->out[0], true, e->opts.observe_user);
    }
    if (scratch) {
        size_t rounded = (scratch + 63) & ~(size_t)63;
        e->scratch = aligned_alloc(64, rounded);
        if (!e->scratch)
            return qv_fail(err, QV_E_NOMEM, "out of memory for %zu bytes of kernel scratch",
                           scratch);
        for (int32_t ni = 0; ni < g->n_nodes; ni++)
            e->ctx[ni].scratch = e->scratch;
    }
    return QV_OK;
}

/*
 * Rows per pass (qv_engine_run), before the arena is planned: the float engine runs a large
 * batch through the graph in chunks of rows whose largest activation fits CHUNK_BYTES (layer by
 * layer over 64 samples, ResNet-8's 4 MiB activations fall out of L2). Intermediate activations
 * then hold one chunk's rows only (plan_arena), graph inputs and outputs the whole batch. Rows
 * are independent and each element's order does not depend on the rows run with it, so the
 * outputs are the same bytes. The int8 engine (whose batched GEMMs gain from more rows) and
 * engines with an observer (which sees each node's whole batch) take the whole batch per pass.
 */
static int64_t choose_chunk(const struct qv_engine *e, const struct qv_shape *shapes)
{
    const struct qv_graph *g = e->g;
    if (e->opts.observe || e->batch == 1)
        return e->batch;
    if (e->opts.pass_rows > 0) {   /* asked for */
        for (int32_t t = 0; t < g->n_tensors; t++)
            if (e->batched[t] && is_activation(&g->tensors[t]) &&
                (shapes[t].rank < 1 || shapes[t].dims[0] != e->batch))
                return e->batch;
        return e->opts.pass_rows < e->batch ? e->opts.pass_rows : e->batch;
    }
    if (e->opts.kind != QV_ENGINE_FLOAT)
        return e->batch;
    size_t widest = 1;
    for (int32_t t = 0; t < g->n_tensors; t++) {
        if (!e->batched[t] || !is_activation(&g->tensors[t]))
            continue;
        if (shapes[t].rank < 1 || shapes[t].dims[0] != e->batch)
            return e->batch;   /* not rows of the batch: one pass */
        const size_t row = (size_t)(qv_shape_elems(&shapes[t]) / e->batch) * sizeof(float);
        widest = row > widest ? row : widest;
    }
    const int64_t rows = (int64_t)(CHUNK_BYTES / widest);
    return rows < 1 ? 1 : (rows < e->batch ? rows : e->batch);
}

/* Where each graph input and output's rows start, for run_chunks. */
static enum qv_status plan_rows(struct qv_engine *e, struct qv_error *err)
{
    const struct qv_graph *g = e->g;
    if (e->chunk >= e->batch)
        return QV_OK;
    e->row0 = calloc((size_t)g->n_tensors + 1, sizeof(*e->row0));
    e->row_bytes = calloc((size_t)g->n_tensors + 1, sizeof(*e->row_bytes));
    if (!e->row0 || !e->row_bytes)
        return qv_fail(err, QV_E_NOMEM, "out of memory creating an engine");
    for (int32_t t = 0; t < g->n_tensors; t++) {
        const struct qv_tensor_view *v = &e->views[t];
        if (!e->batched[t] || !is_io(g, t) || !v->data)
            continue;
        e->row0[t] = v->data;
        e->row_bytes[t] = (size_t)(qv_shape_elems(&v->shape) / e->batch) *
                          qv_dtype_size(held_dtype(e, &g->tensors[t]));
    }
    return QV_OK;
}

enum qv_status qv_engine_create(const struct qv_graph *g, const struct qv_engine_opts *opts,
                                struct qv_engine **ret_engine, struct qv_error *err)
{
    enum qv_status st;
    struct qv_shape *shapes = NULL;
    if (!g->finalized)
        return qv_fail(err, QV_E_INTERNAL, "engine created on a graph that is not finalized");
    st = qv_graph_check_runnable(g, err);
    if (st != QV_OK)
        return st;
    if ((unsigned)opts->kind >= QV_ENGINE_KIND_COUNT ||
        (unsigned)opts->rounding >= QV_ROUNDING_COUNT ||
        (unsigned)opts->hybrid >= QV_HYBRID_MODE_COUNT)
        return qv_fail(err, QV_E_USAGE, "unknown engine kind, rounding or hybrid mode");
    struct qv_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return qv_fail(err, QV_E_NOMEM, "out of memory creating an engine");
    e->g = g;
    e->opts = *opts;
    size_t nt = (size_t)g->n_tensors + 1, nn = (size_t)g->n_nodes + 1;
    e->views = calloc(nt, sizeof(*e->views));
    e->fviews = calloc(nt, sizeof(*e->fviews));
    e->batched = calloc(nt, sizeof(*e->batched));
    e->fowned = calloc(nt, sizeof(*e->fowned));
    e->family = calloc(nn, sizeof(*e->family));
    e->exec = calloc(nn, sizeof(*e->exec));
    e->ctx = calloc(nn, sizeof(*e->ctx));
    e->keep = calloc(nn, sizeof(*e->keep));
    e->kernels = calloc(nn, sizeof(*e->kernels));
    shapes = calloc(nt, sizeof(*shapes));
    if (!e->views || !e->fviews || !e->batched || !e->fowned || !e->family || !e->exec ||
        !e->ctx || !e->keep || !e->kernels || !shapes) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory creating an engine");
        goto fail;
    }
    e->batch = opts->max_batch < 1 ? 1 : opts->max_batch;
    if (!plan_shapes(g, e->batch, shapes, e->batched)) {
        e->batch = 1;
        plan_shapes(g, 1, shapes, e->batched);
    }
    e->chunk = choose_chunk(e, shapes);
    st = setup_views(e, shapes, err);
    if (st == QV_OK)
        st = prepare_nodes(e, err);
    if (st == QV_OK)
        st = plan_rows(e, err);
    if (st != QV_OK)
        goto fail;
    free(shapes);
    *ret_engine = e;
    return QV_OK;
fail:
    free(shapes);
    qv_engine_free(e);
    qv_graph_error_locate(g, err);
    return st;
}

void qv_engine_free(struct qv_engine *e)
{
    if (!e)
        return;
    if (e->ctx && e->g) {
        for (int32_t ni = 0; ni < e->g->n_nodes; ni++)
            free(e->ctx[ni].params);
    }
    for (int32_t t = 0; e->fowned && e->g && t < e->g->n_tensors; t++)
        free(e->fowned[t]);
    free(e->arena);
    free(e->scratch);
    free(e->views);
    free(e->fviews);
    free(e->batched);
    free(e->fowned);
    free(e->family);
    free(e->exec);
    free(e->ctx);
    free(e->keep);
    free(e->kernels);
    free(e->row0);
    free(e->row_bytes);
    free(e);
}

enum qv_exec qv_engine_node_exec(const struct qv_engine *e, int32_t node)
{
    return e->exec[node];
}

const char *qv_exec_name(enum qv_exec x)
{
    static const char *const names[QV_EXEC_COUNT] = {
        [QV_EXEC_FLOAT] = "float", [QV_EXEC_INT8] = "int8", [QV_EXEC_HYBRID] = "hybrid",
        [QV_EXEC_DEQUANTIZED] = "dequantized",
    };
    return (unsigned)x < QV_EXEC_COUNT ? names[x] : "?";
}

size_t qv_engine_arena_bytes(const struct qv_engine *e)
{
    return e->arena_bytes;
}

int64_t qv_engine_max_batch(const struct qv_engine *e)
{
    return e->batch;
}

const struct qv_tensor *qv_engine_input_tensor(const struct qv_engine *e, int32_t i)
{
    return &e->g->tensors[e->g->inputs[i]];
}

const struct qv_tensor *qv_engine_output_tensor(const struct qv_engine *e, int32_t i)
{
    return &e->g->tensors[e->g->outputs[i]];
}

enum qv_dtype qv_engine_input_dtype(const struct qv_engine *e, int32_t i)
{
    return held_dtype(e, qv_engine_input_tensor(e, i));
}

enum qv_dtype qv_engine_output_dtype(const struct qv_engine *e, int32_t i)
{
    return held_dtype(e, qv_engine_output_tensor(e, i));
}

/* Bytes of one sample: the stored shape (batch 1) in the held dtype. */
static size_t sample_bytes(const struct qv_engine *e, const struct qv_tensor *t)
{
    return (size_t)qv_shape_elems(&t->shape) * qv_dtype_size(held_dtype(e, t));
}

size_t qv_engine_input_bytes(const struct qv_engine *e, int32_t i)
{
    return sample_bytes(e, qv_engine_input_tensor(e, i));
}

size_t qv_engine_output_bytes(const struct qv_engine *e, int32_t i)
{
    return sample_bytes(e, qv_engine_output_tensor(e, i));
}

void *qv_engine_input(struct qv_engine *e, int32_t i)
{
    return e->views[e->g->inputs[i]].data;
}

const void *qv_engine_output(const struct qv_engine *e, int32_t i)
{
    return e->views[e->g->outputs[i]].data;
}

/* Rows [0, n) in passes of e->chunk rows (choose_chunk; no observer): each pass points the
 * graph inputs' and outputs' views at its first row; intermediates hold one chunk. */
static enum qv_status run_chunks(struct qv_engine *e, int64_t n)
{
    const struct qv_graph *g = e->g;
    for (int64_t r0 = 0; r0 < n; r0 += e->chunk) {
        const int64_t rows = n - r0 < e->chunk ? n - r0 : e->chunk;
        for (int32_t t = 0; t < g->n_tensors; t++) {
            if (e->batched[t])
                e->views[t].shape.dims[0] = rows;
            if (e->row0[t])   /* inputs and outputs: this chunk's rows; others: rows 0.. */
                e->views[t].data = (char *)e->row0[t] + (size_t)r0 * e->row_bytes[t];
        }
        for (int32_t oi = 0; oi < g->n_nodes; oi++) {
            int32_t ni = g->order[oi];
            e->kernels[ni](&e->ctx[ni]);
        }
    }
    for (int32_t t = 0; t < g->n_tensors; t++)
        if (e->batched[t]) {
            e->views[t].shape.dims[0] = n;
            if (e->row0[t])
                e->views[t].data = e->row0[t];
        }
    return QV_OK;
}

enum qv_status qv_engine_run(struct qv_engine *e, int64_t n, struct qv_error *err)
{
    const struct qv_graph *g = e->g;
    if (n < 1 || n > e->batch)
        return qv_fail(err, QV_E_USAGE, "run of %lld samples on an engine planned for %lld",
                       (long long)n, (long long)e->batch);
    if (e->chunk < n)
        return run_chunks(e, n);
    for (int32_t t = 0; t < g->n_tensors; t++)
        if (e->batched[t])
            e->views[t].shape.dims[0] = n;
    for (int32_t oi = 0; oi < g->n_nodes; oi++) {
        int32_t ni = g->order[oi];
        const struct qv_kernel_ctx *c = &e->ctx[ni];
        e->kernels[ni](c);
        if (e->keep[ni] && !e->opts.observe(ni, c->out[0], false, e->opts.observe_user))
            return qv_fail_node(err, QV_E_USAGE, ni, "stopped by observer at node %d", ni);
    }
    return QV_OK;
}

static int64_t round_half_away(double x)
{
    return (int64_t)(x < 0 ? x - 0.5 : x + 0.5);
}

/*
 * True when every x[k] lies in [lo, hi]. Blocks of 16 with no early exit and no branches, so
 * that the compiler vectorizes them at -O2 too (GCC's cheap cost model wants fixed trip counts).
 */
static bool codes_in_range(const float *x, int64_t n, float lo, float hi)
{
    int ok = 1;
    int64_t k = 0;
    for (; k + 16 <= n; k += 16)
        for (int j = 0; j < 16; j++)
            ok &= (x[k + j] >= lo) & (x[k + j] <= hi);
    for (; k < n; k++)
        ok &= (x[k] >= lo) & (x[k] <= hi);
    return ok;
}

/* dst[k] = x[k] for integral x[k] in [-128, 127] (SSE2, the x86-64 baseline: 16 per step). */
static void codes_to_s8(const float *x, int64_t n, int8_t *dst)
{
    int64_t k = 0;
#ifdef __SSE2__
    for (; k + 16 <= n; k += 16) {
        const __m128i a = _mm_cvttps_epi32(_mm_loadu_ps(x + k));
        const __m128i b = _mm_cvttps_epi32(_mm_loadu_ps(x + k + 4));
        const __m128i c = _mm_cvttps_epi32(_mm_loadu_ps(x + k + 8));
        const __m128i d = _mm_cvttps_epi32(_mm_loadu_ps(x + k + 12));
        _mm_storeu_si128((__m128i *)(dst + k),
                         _mm_packs_epi16(_mm_packs_epi32(a, b), _mm_packs_epi32(c, d)));
    }
#endif
    for (; k < n; k++)
        dst[k] = (int8_t)(int32_t)x[k];
}

enum qv_status qv_engine_load_input(struct qv_engine *e, int32_t i, int64_t row, int64_t n,
                                    const float *x, enum qv_dtype data_dtype,
                                    struct qv_error *err)
{
    const struct qv_tensor *t = qv_engine_input_tensor(e, i);
    enum qv_dtype held = qv_engine_input_dtype(e, i);
    int64_t elems = qv_shape_elems(&t->shape);
    /* integer data in the input's own dtype is already quantized; anything else is real */
    bool data_int = data_dtype != QV_DTYPE_F32 && data_dtype == t->dtype;
    if (row < 0 || n < 0 || row + n > e->batch)
        return qv_fail(err, QV_E_USAGE, "rows %lld..%lld outside the batch of %lld",
                       (long long)row, (long long)(row + n), (long long)e->batch);
    float s = t->quant.count ? t->quant.scale[0] : 1.0f;
    int32_t z = t->quant.count ? t->quant.zero_point[0] : 0;
    char *base = (char *)qv_engine_input(e, i) + (size_t)row * qv_engine_input_bytes(e, i);
    if (held == QV_DTYPE_F32) {
        float *dst = (float *)base;
        if (!(data_int && t->quant.count)) {
            memcpy(dst, x, (size_t)(n * elems) * sizeof(float));
            return QV_OK;
        }
        for (int64_t k = 0; k < n * elems; k++)
            dst[k] = (float)((double)s * ((double)x[k] - z));
        return QV_OK;
    }
    int64_t lo, hi;
    switch (held) {
    case QV_DTYPE_I8: lo = INT8_MIN; hi = INT8_MAX; break;
    case QV_DTYPE_U8: lo = 0; hi = UINT8_MAX; break;
    case QV_DTYPE_I16: lo = INT16_MIN; hi = INT16_MAX; break;
    default: lo = INT32_MIN; hi = INT32_MAX; break;
    }
    if (!data_int && !t->quant.count)
        return qv_fail(err, QV_E_INPUT, "input '%s' is %s without quantization parameters: "
                       "float data cannot be quantized for it", t->name, qv_dtype_name(held));
    if (data_int && held == QV_DTYPE_I8 && codes_in_range(x, n * elems, -128.0f, 127.0f)) {
        /* Already-quantized int8 codes (the common int8 dataset): a plain converting copy. */
        codes_to_s8(x, n * elems, (int8_t *)base);
        return QV_OK;
    }
    for (int64_t k = 0; k < n * elems; k++) {
        int64_t q;
        if (data_int) {
            q = (int64_t)x[k];
            if (q < lo || q > hi)
                return qv_fail(err, QV_E_INPUT, "sample %lld element %lld: value %lld does not "
                               "fit input '%s' (%s)", (long long)(row + k / elems),
                               (long long)(k % elems), (long long)q, t->name,
                               qv_dtype_name(held));
        } else {
            /* TFLite's reference quantization: float divide, round half away from zero. */
            float r = x[k] / s;
            if (!(fabsf(r) < 1e12f))   /* far outside any range (or NaN): saturate */
                q = r < 0 ? lo : hi;
            else
                q = round_half_away((double)r) + z;
            q = q < lo ? lo : (q > hi ? hi : q);
        }
        switch (held) {
        case QV_DTYPE_I8: ((int8_t *)base)[k] = (int8_t)q; break;
        case QV_DTYPE_U8: ((uint8_t *)base)[k] = (uint8_t)q; break;
        case QV_DTYPE_I16: ((int16_t *)base)[k] = (int16_t)q; break;
        default: ((int32_t *)base)[k] = (int32_t)q; break;
        }
    }
    return QV_OK;
}

void qv_engine_output_real(const struct qv_engine *e, int32_t i, int64_t n, float *dst)
{
    const struct qv_tensor *t = qv_engine_output_tensor(e, i);
    enum qv_dtype held = qv_engine_output_dtype(e, i);
    int64_t count = n * qv_shape_elems(&t->shape);
    const void *src = qv_engine_output(e, i);
    double s = t->quant.count ? t->quant.scale[0] : 1.0;
    double z = t->quant.count ? t->quant.zero_point[0] : 0.0;
    for (int64_t k = 0; k < count; k++) {
        double v;
        switch (held) {
        case QV_DTYPE_F32: dst[k] = ((const float *)src)[k]; continue;
        case QV_DTYPE_I8: v = ((const int8_t *)src)[k]; break;
        case QV_DTYPE_U8: v = ((const uint8_t *)src)[k]; break;
        case QV_DTYPE_I16: v = ((const int16_t *)src)[k]; break;
        default: v = ((const int32_t *)src)[k]; break;
        }
        dst[k] = (float)(s * (v - z));
    }
}
