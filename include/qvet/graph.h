/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The graph IR: tensors, nodes, and core's op table (graph semantics: names, input counts, shape
 * inference, MAC counts). Engines, the TFLite reader/writer and later passes keep their own
 * per-op tables, indexed by the same enum qv_op.
 *
 * A graph is built by an importer (or by hand) and then finalized:
 *
 *     struct qv_graph *g;
 *     qv_graph_create(&g, err);
 *     int32_t x, w, y, node;
 *     qv_graph_add_tensor(g, "x", QV_DTYPE_F32, &(struct qv_shape){4, {1, 8, 8, 3}}, &x, err);
 *     ...
 *     qv_graph_add_node(g, QV_OP_CONV_2D, NULL, 2, (int32_t[]){x, w}, 1, &y, &attrs, &node, err);
 *     qv_graph_set_io(g, 1, &x, 1, &y, err);
 *     qv_graph_finalize(g, err);   // validates, orders topologically, infers/checks shapes
 *
 * Layout is NHWC as in TFLite. Tensors and nodes are addressed by int32 index. Every pointer inside
 * a tensor or node (names, constant data, quantization arrays) is borrowed from the graph's arena
 * and valid until qv_graph_free().
 *
 * Beyond construction this header holds: the dtype traits table and quantization parameter
 * checks; the one shape-inference walk (qv_graph_infer_shapes / _batch) that finalize, the
 * engines and the planner share; graph editing for passes (clone, copies through an index map,
 * consumers, remove/replace/rewire); how operators qvet cannot run are kept and refused
 * (QV_OP_UNSUPPORTED, variables, qv_graph_check_runnable); hybrid nodes; and passes, plain
 * functions from a const graph to a new graph (qv_pass_dequantize_weights).
 */
#ifndef QVET_GRAPH_H
#define QVET_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qvet/error.h"

#define QV_MAX_RANK 8
/* Inputs and outputs of one node: enough for the TFLite ops qvet keeps without running them
 * (UNIDIRECTIONAL_SEQUENCE_LSTM has 24 inputs, BIDIRECTIONAL_SEQUENCE_LSTM 48). */
#define QV_MAX_INPUTS 64
#define QV_MAX_OUTPUTS 16
/* Largest element count of one tensor qvet accepts (2^40); keeps byte sizes far from overflow. */
#define QV_MAX_ELEMS ((int64_t)1 << 40)

enum qv_op {
#define QV_OP(id, low, name, tfl, nmin, nmax) QV_OP_##id,
#include "qvet/op_list.h"
#undef QV_OP
    /*
     * An operator of the source model that qvet cannot compute, kept in the graph so that it can
     * still be shown (qvet inspect) and refused by name. Not in op_list.h: it has no TFLite code
     * of its own, and every per-op table leaves its entry empty (NULL), which means "refuse".
     * The node's source_code / source_name say what it is; its output shapes are the stored ones.
     * See "Unsupported operators" below.
     */
    QV_OP_UNSUPPORTED,
    QV_OP_COUNT
};

/*
 * Element types. Engines compute float32, int8, uint8, int16 and int32; int64 and bool exist so
 * that a model using them around an unsupported operator (ARG_MAX, CAST, comparisons) can still
 * be read and shown (qv_graph_check_runnable refuses them). Per-dtype facts live in one table,
 * qv_dtypes[] (below), not in switches.
 */
enum qv_dtype {
    QV_DTYPE_F32,
    QV_DTYPE_I8,
    QV_DTYPE_U8,
    QV_DTYPE_I16,
    QV_DTYPE_I32,
    QV_DTYPE_I64,
    QV_DTYPE_BOOL,
    QV_DTYPE_COUNT
};

enum qv_padding { QV_PADDING_SAME = 0, QV_PADDING_VALID = 1 };

/* Values equal TFLite's ActivationFunctionType. */
enum qv_act {
    QV_ACT_NONE = 0,
    QV_ACT_RELU = 1,
    QV_ACT_RELU_N1_TO_1 = 2,
    QV_ACT_RELU6 = 3,
    QV_ACT_COUNT
};

/* Requantization flavour of the int8 emulator (docs/int8-arithmetic.md §3). */
enum qv_rounding {
    QV_ROUNDING_DOUBLE = 0, /* TFLM reference and CMSIS-NN default */
    QV_ROUNDING_SINGLE = 1, /* TFLITE_SINGLE_ROUNDING / CMSIS_NN_USE_SINGLE_ROUNDING */
    QV_ROUNDING_COUNT
};

struct qv_shape {
    int32_t rank;                  /* 0 = scalar */
    int64_t dims[QV_MAX_RANK];     /* each >= 0 */
};

/* Quantization: real = scale * (q - zero_point). count == 0: not quantized. */
struct qv_quant {
    int32_t count;                 /* 1 = per tensor, > 1 = per axis */
    const float *scale;            /* [count], borrowed from the graph arena */
    const int32_t *zero_point;     /* [count] (replicated from [0] when the source had fewer) */
    int32_t axis;                  /* quantized dimension when count > 1 */
};

struct qv_tensor {
    const char *name;
    enum qv_dtype dtype;
    struct qv_shape shape;
    const void *data;              /* constant data (16-byte aligned), or NULL for activations */
    size_t nbytes;                 /* element count * dtype size */
    struct qv_quant quant;
    int32_t producer;              /* producing node, -1 for graph inputs and constants */
    /*
     * State the model keeps across runs (TFLite is_variable, e.g. an LSTM's hidden state): read
     * by nodes without being a constant, a graph input or produced. No data. Engines refuse
     * graphs that have one (qv_graph_check_runnable).
     */
    bool is_variable;
};

/* Typed attributes of a node; each op reads the fields it documents (defaults: qv_attrs_init). */
struct qv_attrs {
    enum qv_padding padding;       /* CONV_2D, DEPTHWISE_CONV_2D, pools */
    int32_t stride_w, stride_h;    /* default 1 */
    int32_t dilation_w, dilation_h; /* default 1 */
    int32_t filter_w, filter_h;    /* pools */
    int32_t depth_multiplier;      /* DEPTHWISE_CONV_2D, default 1 */
    enum qv_act act;               /* fused activation */
    float beta;                    /* SOFTMAX, default 1 */
    float alpha;                   /* LEAKY_RELU, default 0.2 */
    int32_t axis;                  /* CONCATENATION (negative counts from the end) */
    bool keep_dims;                /* MEAN */
    bool keep_num_dims;            /* FULLY_CONNECTED */
    bool asymmetric_quantize_inputs; /* FULLY_CONNECTED with hybrid weights: quantize each input
                                      * row asymmetrically (else symmetrically) */
    int32_t n_squeeze;             /* SQUEEZE: 0 = every size-1 dim */
    int32_t squeeze_dims[QV_MAX_RANK];
    int32_t n_new_shape;           /* RESHAPE option new_shape (0 = absent) */
    int32_t new_shape[QV_MAX_RANK];
};

struct qv_node {
    enum qv_op op;
    const char *name;              /* defaults to the first output tensor's name */
    int32_t n_inputs, n_outputs;
    int32_t inputs[QV_MAX_INPUTS]; /* tensor indices; -1 = omitted optional input */
    int32_t outputs[QV_MAX_OUTPUTS];
    struct qv_attrs attrs;
    /*
     * op == QV_OP_UNSUPPORTED only (otherwise -1 and NULL): the operator as the source model
     * names it. source_code is the TFLite BuiltinOperator code (32 = CUSTOM); source_name its
     * schema name ("TRANSPOSE"), the custom op's own name for CUSTOM ("MyOp"), or "builtin N"
     * for a code the schema qvet knows does not name. Borrowed from the graph arena.
     */
    int32_t source_code;
    const char *source_name;
};

struct qv_arena;

struct qv_graph {
    struct qv_arena *arena;
    const char *name;              /* may be "" */
    /* The file the graph was read from ("" when built in memory); errors about the graph name
     * it (qv_graph_error_locate). Set by the loaders with qv_graph_set_path. */
    const char *path;
    int32_t n_tensors, cap_tensors;
    struct qv_tensor *tensors;
    int32_t n_nodes, cap_nodes;
    struct qv_node *nodes;
    int32_t n_inputs, n_outputs;
    int32_t *inputs, *outputs;     /* tensor indices of the graph inputs and outputs */
    int32_t *order;                /* node indices in execution order (after finalize) */
    bool finalized;
};

/* ---- dtypes and shapes ------------------------------------------------------------------ */

/*
 * What qvet knows about each dtype, in one table indexed by enum qv_dtype (src/core/tensor.c):
 * code that converts, clamps or sizes elements reads it instead of switching on the dtype.
 */
struct qv_dtype_traits {
    const char *name;              /* "float32", "int8", "uint8", "int16", "int32", "int64",
                                    * "bool" */
    size_t size;                   /* bytes per element */
    bool is_float;                 /* float32 */
    /* Integer range (bool: 0..1); also the range of a zero point of this dtype. Float32: 0, 0
     * (no integer range; see is_float). */
    int64_t min, max;
    /* Element i of data as a double (exact, except int64 beyond 2^53, which rounds). */
    double (*load)(const void *data, int64_t i);
    /*
     * Stores v as element i of data. Float32: (float)v. Integer dtypes: v rounded half away from
     * zero, then saturated to [min, max]; NaN stores 0. Bool: 0 or 1 (saturated). Never UB.
     */
    void (*store)(void *data, int64_t i, double v);
};

extern const struct qv_dtype_traits qv_dtypes[QV_DTYPE_COUNT];

/* The traits of dtype, or NULL when dtype is not a valid enum qv_dtype. */
const struct qv_dtype_traits *qv_dtype_get(enum qv_dtype dtype);
/* Bytes per element; 0 for an invalid dtype. */
size_t qv_dtype_size(enum qv_dtype dtype);
/* The traits' name; "?" for an invalid dtype. */
const char *qv_dtype_name(enum qv_dtype dtype);
/* Parses the names above; false when unknown. */
bool qv_dtype_from_name(const char *name, enum qv_dtype *ret_dtype);

/*
 * Quantization parameters a tensor of dtype may carry (docs/int8-arithmetic.md §2.4), checked
 * when a model is read (qv_graph_set_quant, the TFLite and JSON readers):
 *   zero point  within the dtype's [min, max] (float32: any int32);
 *   scale       finite, positive, a normal float (>= FLT_MIN, so 1/scale is finite), and small
 *               enough that every code of the dtype dequantizes to a finite float32:
 *               scale * (max - min) <= FLT_MAX (int8: scale <= 1.3e36; int32: <= 7.9e28).
 * Stricter than TFLM's Prepare, which checks none of these and then overflows. Each returns NULL
 * when the value is acceptable, else the reason as a predicate to print after the value
 * ("is outside int8's range -128..127"), in buf or a static string. Per-op limits on the
 * multipliers derived from scales are checked by the engines at prepare.
 */
const char *qv_quant_zero_point_problem(enum qv_dtype dtype, int64_t zero_point, char *buf,
                                        size_t size);
const char *qv_quant_scale_problem(enum qv_dtype dtype, float scale, char *buf, size_t size);

/* Element count; the shape must have passed qv_shape_check (no overflow then). */
int64_t qv_shape_elems(const struct qv_shape *s);
/* Rejects negative dims, rank > QV_MAX_RANK and element counts above QV_MAX_ELEMS. */
enum qv_status qv_shape_check(const struct qv_shape *s, struct qv_error *err);
bool qv_shape_equal(const struct qv_shape *a, const struct qv_shape *b);
/* "[1, 8, 8, 3]" into buf. */
void qv_shape_format(const struct qv_shape *s, char *buf, size_t size);

/* ---- graph construction ----------------------------------------------------------------- */

enum qv_status qv_graph_create(struct qv_graph **ret_graph, struct qv_error *err);
/* Accepts NULL and half-built graphs. */
void qv_graph_free(struct qv_graph *g);

/* Copies a string into the graph arena. */
enum qv_status qv_graph_strdup(struct qv_graph *g, const char *s, const char **ret_str,
                               struct qv_error *err);

/* Adds a tensor (an activation until data is set). The shape is checked with qv_shape_check. */
enum qv_status qv_graph_add_tensor(struct qv_graph *g, const char *name, enum qv_dtype dtype,
                                   const struct qv_shape *shape, int32_t *ret_index,
                                   struct qv_error *err);

/*
 * Makes tensor t a constant: allocates its data (zeroed, 16-byte aligned, tensor nbytes) in the
 * arena and returns it for the caller to fill. Calling it twice returns the same buffer.
 */
enum qv_status qv_graph_alloc_data(struct qv_graph *g, int32_t t, void **ret_data,
                                   struct qv_error *err);
/* Makes tensor t a constant holding a copy of data; nbytes must equal the tensor's size. */
enum qv_status qv_graph_set_data(struct qv_graph *g, int32_t t, const void *data, size_t nbytes,
                                 struct qv_error *err);

/*
 * Sets quantization. zero_point may have n_zp (1 or count) entries; one entry is replicated.
 * Every scale and zero point must be acceptable for the tensor's dtype (qv_quant_scale_problem,
 * qv_quant_zero_point_problem; messages name the tensor, the index and the value: "tensor 'x':
 * zero_point[0] = 100000 is outside int8's range -128..127"); axis must be a valid dim when
 * count > 1 and that dim's size must equal count.
 */
enum qv_status qv_graph_set_quant(struct qv_graph *g, int32_t t, int32_t count,
                                  const float *scale, int32_t n_zp, const int32_t *zero_point,
                                  int32_t axis, struct qv_error *err);

/* Defaults: SAME padding, strides/dilations/filter/depth multiplier 1, beta 1, alpha 0.2. */
void qv_attrs_init(struct qv_attrs *attrs);

/*
 * Appends a node. Input indices may be -1 (omitted optional input) or must name tensors; output
 * indices must name distinct tensors. Input and output counts are checked against the op table
 * (every op of op_list.h has one output today; the table says how many an op may have).
 * name NULL = the first output's name. attrs NULL = defaults. op QV_OP_UNSUPPORTED is refused:
 * use qv_graph_add_unsupported_node.
 */
enum qv_status qv_graph_add_node(struct qv_graph *g, enum qv_op op, const char *name,
                                 int32_t n_inputs, const int32_t *inputs, int32_t n_outputs,
                                 const int32_t *outputs, const struct qv_attrs *attrs,
                                 int32_t *ret_index, struct qv_error *err);

enum qv_status qv_graph_set_io(struct qv_graph *g, int32_t n_inputs, const int32_t *inputs,
                               int32_t n_outputs, const int32_t *outputs, struct qv_error *err);

/* Records the file the graph comes from (copied into the arena); see struct qv_graph.path. */
enum qv_status qv_graph_set_path(struct qv_graph *g, const char *path, struct qv_error *err);

/*
 * After a failure about graph g (its finalize, an engine's prepare, a pass): records g->path as
 * the failure's file when err names none yet, so the CLI prints "model.tflite: node 3 (...)".
 * Modules that report errors about a graph call it at their boundary. err may be NULL.
 */
void qv_graph_error_locate(const struct qv_graph *g, struct qv_error *err);

/*
 * Validates and freezes the graph: tensor indices in range, every activation produced by exactly
 * one node, a graph input or a variable, no cycles (node execution order is computed into
 * g->order), input and output counts, and shape inference for every node in order
 * (qv_graph_infer_shapes' walk). An output tensor with an empty shape (rank 0, no data) takes
 * the inferred shape; a stored shape must equal the inferred one. Errors name the node
 * (err->node) and tensor, and the graph's path (qv_graph_error_locate).
 */
enum qv_status qv_graph_finalize(struct qv_graph *g, struct qv_error *err);

/* Index of the tensor with that name, or -1. */
int32_t qv_graph_find_tensor(const struct qv_graph *g, const char *name);

/* ---- shape inference: one walk for finalize, the engines and the planner ---------------- */

/*
 * Runs every node's shape inference (the op table's infer) in execution order over a finalized
 * graph and writes the shape of every tensor to ret_shapes[0 .. g->n_tensors - 1]: constants and
 * variables keep their stored shapes, graph input i takes in_shapes[i] (in_shapes NULL: the
 * stored shapes), and each node's outputs take what the op infers from its inputs' shapes. No
 * comparison with the stored shapes is made: the caller decides what a difference means.
 * Errors (QV_E_INPUT): an input shape fails qv_shape_check, or an op refuses its inputs (the
 * message names the node, err->node is set). ret_shapes may be partly written on failure.
 */
enum qv_status qv_graph_infer_shapes(const struct qv_graph *g, const struct qv_shape *in_shapes,
                                     struct qv_shape *ret_shapes, struct qv_error *err);

/*
 * Shapes for a run of `batch` samples at once: every graph input gets dims[0] = batch and
 * qv_graph_infer_shapes propagates them. The graph is batchable at that size when every graph
 * input's stored dims[0] is 1 and every node output then has its stored shape except dims[0] =
 * batch (stored dims[0] 1), the graph outputs included. ret_batched[t] (may be NULL) says which
 * tensors carry the batch in dims[0].
 * Not batchable (or batch <= 1): *ret_batchable = false for batch > 1 (true for batch <= 1),
 * ret_shapes = the stored shapes, ret_batched all false; the caller runs one sample at a time.
 * Fails only when g is not finalized (QV_E_USAGE). ret_shapes / ret_batched: [g->n_tensors].
 */
enum qv_status qv_graph_infer_batch(const struct qv_graph *g, int64_t batch,
                                    struct qv_shape *ret_shapes, bool *ret_batched,
                                    bool *ret_batchable, struct qv_error *err);

/* ---- graph editing ------------------------------------------------------------------------ */

/*
 * A deep copy of g (tensors with their data and quantization, nodes, inputs/outputs, name, path)
 * in a new arena: same indices, and finalized (same execution order) when g is.
 */
enum qv_status qv_graph_clone(const struct qv_graph *g, struct qv_graph **ret_graph,
                              struct qv_error *err);

/*
 * Appends to dst a copy of tensor t of src: name, dtype, shape, constant data, quantization and
 * the variable flag. *ret_index is its index in dst.
 */
enum qv_status qv_graph_copy_tensor(struct qv_graph *dst, const struct qv_graph *src, int32_t t,
                                    int32_t *ret_index, struct qv_error *err);

/*
 * Copies tensors of src into dst with qv_graph_copy_tensor, in index order: all of them when
 * `which` is NULL, else those with which[t] true. map[0 .. src->n_tensors - 1] receives each
 * tensor's index in dst, -1 for those not copied. On failure map is partly written and dst
 * holds the tensors copied so far.
 */
enum qv_status qv_graph_copy_tensors(struct qv_graph *dst, const struct qv_graph *src,
                                     const bool *which, int32_t *map, struct qv_error *err);

/*
 * Appends to dst a copy of node `node` of src (op, name, attributes, source op of an
 * unsupported node) whose tensor indices go through map (src index -> dst index, as
 * qv_graph_copy_tensors fills it). Fails when an input or output the node uses maps to -1.
 */
enum qv_status qv_graph_copy_node(struct qv_graph *dst, const struct qv_graph *src, int32_t node,
                                  const int32_t *map, int32_t *ret_index, struct qv_error *err);

/*
 * Which nodes read each tensor, as compressed rows: the readers of tensor t are
 * nodes[start[t] .. start[t + 1] - 1], ascending, each node once even when it reads t twice.
 * Graph outputs are not readers. Built from g's current nodes; stale after an edit.
 */
struct qv_consumers {
    int32_t n_tensors;
    int32_t *start;                /* [n_tensors + 1] */
    int32_t *nodes;                /* [start[n_tensors]] */
};

enum qv_status qv_consumers_build(const struct qv_graph *g, struct qv_consumers *ret_consumers,
                                  struct qv_error *err);
/* Frees the rows; accepts a zeroed struct and a released one. */
void qv_consumers_release(struct qv_consumers *c);
/* Readers of tensor t (0 for an index out of range). */
int32_t qv_consumers_count(const struct qv_consumers *c, int32_t t);
/* Pointer to the qv_consumers_count(c, t) readers of t (NULL when there are none). */
const int32_t *qv_consumers_of(const struct qv_consumers *c, int32_t t);

/*
 * Removes node `node`: later nodes move down one index. Refused (graph unchanged) when an output
 * of the node is read by another node or is a graph output: rewire those first
 * (qv_graph_replace_uses). The output tensors stay in the graph, produced by nothing.
 * Like every edit below, it leaves the graph unfinalized: finalize it again before use.
 */
enum qv_status qv_graph_remove_node(struct qv_graph *g, int32_t node, struct qv_error *err);

/*
 * Replaces node `node` in place (same index) by a node built as qv_graph_add_node builds one,
 * with the same checks; on failure the old node is kept.
 */
enum qv_status qv_graph_replace_node(struct qv_graph *g, int32_t node, enum qv_op op,
                                     const char *name, int32_t n_inputs, const int32_t *inputs,
                                     int32_t n_outputs, const int32_t *outputs,
                                     const struct qv_attrs *attrs, struct qv_error *err);

/*
 * Makes every node input and graph output that reads tensor `from` read tensor `to` instead;
 * *ret_count (may be NULL) is the number of references changed. Both must name tensors.
 */
enum qv_status qv_graph_replace_uses(struct qv_graph *g, int32_t from, int32_t to,
                                     int32_t *ret_count, struct qv_error *err);

/* ---- unsupported operators and variables -------------------------------------------------- */

/*
 * How a model qvet cannot run is still read (the TFLite reader does this; see
 * docs/architecture.md):
 *   - an operator with no entry in op_list.h (TRANSPOSE, an LSTM, a custom op) becomes a node
 *     with op QV_OP_UNSUPPORTED, its inputs and outputs as in the file, source_code and
 *     source_name naming it, and no attributes. Shape inference copies its outputs' stored
 *     shapes, its MAC count is 0, and every per-op table (kernels, TFLite options, quantization
 *     rules, costs) has an empty entry for it;
 *   - a variable tensor (LSTM state) becomes a tensor with is_variable set.
 * Such a graph finalizes, so it can be inspected; whatever would compute with it (engines,
 * quantization, the budget planner, the exporters) calls qv_graph_check_runnable first and is
 * refused with the list of what it cannot run.
 */
enum qv_status qv_graph_add_unsupported_node(struct qv_graph *g, int32_t source_code,
                                             const char *source_name, int32_t n_inputs,
                                             const int32_t *inputs, int32_t n_outputs,
                                             const int32_t *outputs, int32_t *ret_index,
                                             struct qv_error *err);

/* Marks tensor t as a variable (see struct qv_tensor); it must have no data. */
enum qv_status qv_graph_set_variable(struct qv_graph *g, int32_t t, struct qv_error *err);

/* The name to show for node n's operator: source_name for an unsupported node, else the op's. */
const char *qv_node_op_name(const struct qv_node *n);

/* One distinct unsupported operator of a graph: its name, code, count and first node. */
struct qv_op_tally {
    const char *name;              /* source_name, borrowed from the graph */
    int32_t code;                  /* source_code */
    int32_t count;                 /* nodes with this operator */
    int32_t first_node;            /* lowest node index */
};

/*
 * The distinct unsupported operators of g (same code and name = one entry), in order of first
 * node. Writes at most cap entries to ret (may be NULL when cap is 0); returns how many there
 * are in all, or -1 when out of memory. O(n log n) in the number of nodes.
 */
int32_t qv_graph_unsupported_ops(const struct qv_graph *g, struct qv_op_tally *ret, int32_t cap);

/*
 * Refuses (QV_E_INPUT, err->path = g->path) a graph that no engine can compute: unsupported
 * operators, listed by name with their count ("3 operators qvet cannot run: TRANSPOSE (x2),
 * UNIDIRECTIONAL_SEQUENCE_LSTM (x1)"), variable tensors, and tensors of a dtype the engines do
 * not compute (int64, bool). Engines, quantization, the planner and exporters call it first.
 */
enum qv_status qv_graph_check_runnable(const struct qv_graph *g, struct qv_error *err);

/* ---- hybrid operators --------------------------------------------------------------------- */

/*
 * A hybrid node, as TFLite's dynamic-range quantization makes them: an op whose weights may be
 * stored as integers under float activations (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED: see
 * qv_op_hybrid_weight) with a float32 input 0 and int8 or uint8 constant weights carrying
 * quantization parameters. TFLite runs such nodes with hybrid kernels (the input is quantized
 * on the fly); qvet's pass below gives the ideal float computation instead.
 */
bool qv_node_is_hybrid(const struct qv_graph *g, int32_t node);
/* Number of hybrid nodes; a graph with any is a hybrid model. */
int32_t qv_graph_count_hybrid(const struct qv_graph *g);

/* ---- passes ------------------------------------------------------------------------------- */

/*
 * A pass is a plain function from a const graph to a new graph:
 *
 *     enum qv_status qv_pass_<name>(const struct qv_graph *g, [options,]
 *                                   struct qv_graph **ret_graph, struct qv_error *err);
 *
 * g must be finalized and is never modified; *ret_graph (written only on success) is a new,
 * finalized graph the caller frees, with g's path and name. A pass keeps tensor and node
 * indices and names where it does not change them, and documents what it changes. Errors name
 * g's path. Passes live in src/core/ (graph-only rewrites) or in the module whose rules they
 * apply (quantization in src/quant/).
 */

/*
 * Dequantizes the weights of every hybrid node (qv_node_is_hybrid): the result is a pure float
 * graph computing the ideal float model. Each such weight tensor becomes float32 with no
 * quantization, holding real = (float)((double)scale[c] * (q - zero_point[c])) for its
 * quantization channel c (docs/int8-arithmetic.md §5.12). A weight tensor read only by hybrid
 * nodes is converted in place (same index and name); one that other nodes also read is kept and
 * a float copy named "<name>_dequantized" is appended for the hybrid nodes. A graph with no
 * hybrid node is cloned unchanged.
 */
enum qv_status qv_pass_dequantize_weights(const struct qv_graph *g, struct qv_graph **ret_graph,
                                          struct qv_error *err);

/* ---- whole-graph figures (finalized graphs) ---------------------------------------------- */

/* MACs of one node (0 for unsupported nodes, whose cost qvet does not know). */
int64_t qv_graph_node_macs(const struct qv_graph *g, int32_t node);
int64_t qv_graph_total_macs(const struct qv_graph *g);
/* Elements and bytes of constant tensors (weights, biases, other constants). */
int64_t qv_graph_param_count(const struct qv_graph *g);
size_t qv_graph_weight_bytes(const struct qv_graph *g);

/* ---- the op table (graph semantics) --------------------------------------------------- */

/*
 * One entry per op, indexed by enum qv_op: generated from op_list.h (src/core/op_table.c). Core
 * holds only what the graph means; each module that acts per op owns its own [QV_OP_COUNT]
 * table (the engine its kernels, io/tflite its options and versions, quant its rules, budget its
 * costs), so adding a table never touches core.
 */
struct qv_op_def {
    const char *name;
    int32_t tflite_code;           /* TFLite BuiltinOperator (-1 for QV_OP_UNSUPPORTED) */
    int32_t min_inputs, max_inputs;
    int32_t min_outputs, max_outputs;
    /*
     * Checks attributes, input ranks/shapes and constant inputs, and computes the output shapes.
     * in[i] is NULL for an omitted optional input; out[k] is written for every output k <
     * n->n_outputs. Shapes may carry a batch (dims[0] > 1) that the stored tensors do not: read
     * shapes from `in`, not from g->tensors.
     */
    enum qv_status (*infer)(const struct qv_graph *g, const struct qv_node *n,
                            const struct qv_shape *const in[], struct qv_shape out[],
                            struct qv_error *err);
    /* Multiply-accumulates for one run (stored shapes); 0 for data movement. */
    int64_t (*macs)(const struct qv_graph *g, const struct qv_node *n);
};

extern const struct qv_op_def qv_op_defs[QV_OP_COUNT];

/* The op's name ("UNSUPPORTED" for QV_OP_UNSUPPORTED: prefer qv_node_op_name), "?" if invalid. */
const char *qv_op_name(enum qv_op op);
/* Op lookups by name and TFLite code; neither ever yields QV_OP_UNSUPPORTED. */
bool qv_op_from_name(const char *name, enum qv_op *ret_op);
bool qv_op_from_tflite(int32_t builtin_code, enum qv_op *ret_op);
/*
 * Input index of the weights that TFLite may store as int8/uint8 under float activations
 * (hybrid kernels): 1 for CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED; 0 (none) otherwise.
 */
int32_t qv_op_hybrid_weight(enum qv_op op);

#endif
