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
 */
#ifndef QVET_GRAPH_H
#define QVET_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qvet/error.h"

#define QV_MAX_RANK 8
#define QV_MAX_INPUTS 10
#define QV_MAX_OUTPUTS 4
/* Largest element count of one tensor qvet accepts (2^40); keeps byte sizes far from overflow. */
#define QV_MAX_ELEMS ((int64_t)1 << 40)

enum qv_op {
#define QV_OP(id, low, name, tfl, nmin, nmax) QV_OP_##id,
#include "qvet/op_list.h"
#undef QV_OP
    QV_OP_COUNT
};

enum qv_dtype {
    QV_DTYPE_F32,
    QV_DTYPE_I8,
    QV_DTYPE_U8,
    QV_DTYPE_I16,
    QV_DTYPE_I32,
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

/* Requantization flavour of the int8 emulator (spec §3). */
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
};

struct qv_arena;

struct qv_graph {
    struct qv_arena *arena;
    const char *name;              /* may be "" */
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

size_t qv_dtype_size(enum qv_dtype dtype);
/* "float32", "int8", "uint8", "int16", "int32". */
const char *qv_dtype_name(enum qv_dtype dtype);
/* Parses the names above; false when unknown. */
bool qv_dtype_from_name(const char *name, enum qv_dtype *ret_dtype);

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
 * Scales must be finite and > 0; axis must be a valid dim when count > 1 and that dim's size
 * must equal count.
 */
enum qv_status qv_graph_set_quant(struct qv_graph *g, int32_t t, int32_t count,
                                  const float *scale, int32_t n_zp, const int32_t *zero_point,
                                  int32_t axis, struct qv_error *err);

/* Defaults: SAME padding, strides/dilations/filter/depth multiplier 1, beta 1, alpha 0.2. */
void qv_attrs_init(struct qv_attrs *attrs);

/*
 * Appends a node. Input indices may be -1 (omitted optional input) or must name tensors; counts
 * are checked against the op table. name NULL = the first output's name. attrs NULL = defaults.
 */
enum qv_status qv_graph_add_node(struct qv_graph *g, enum qv_op op, const char *name,
                                 int32_t n_inputs, const int32_t *inputs, int32_t n_outputs,
                                 const int32_t *outputs, const struct qv_attrs *attrs,
                                 int32_t *ret_index, struct qv_error *err);

enum qv_status qv_graph_set_io(struct qv_graph *g, int32_t n_inputs, const int32_t *inputs,
                               int32_t n_outputs, const int32_t *outputs, struct qv_error *err);

/*
 * Validates and freezes the graph: tensor indices in range, every activation produced by exactly
 * one node or a graph input, no cycles (node execution order is computed into g->order), input
 * counts, and shape inference for every node in order. An output tensor with an empty shape
 * (rank 0, no data) takes the inferred shape; a stored shape must equal the inferred one. Errors
 * name the node (err->node) and tensor.
 */
enum qv_status qv_graph_finalize(struct qv_graph *g, struct qv_error *err);

/* Index of the tensor with that name, or -1. */
int32_t qv_graph_find_tensor(const struct qv_graph *g, const char *name);

/* ---- whole-graph figures (finalized graphs) ---------------------------------------------- */

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
    int32_t tflite_code;           /* TFLite BuiltinOperator */
    int32_t min_inputs, max_inputs;
    /*
     * Checks attributes, input ranks/shapes and constant inputs, and computes the output shapes.
     * in[i] is NULL for an omitted optional input. Shapes may carry a batch (dims[0] > 1) that the
     * stored tensors do not: read shapes from `in`, not from g->tensors.
     */
    enum qv_status (*infer)(const struct qv_graph *g, const struct qv_node *n,
                            const struct qv_shape *const in[], struct qv_shape out[],
                            struct qv_error *err);
    /* Multiply-accumulates for one run (stored shapes); 0 for data movement. */
    int64_t (*macs)(const struct qv_graph *g, const struct qv_node *n);
};

extern const struct qv_op_def qv_op_defs[QV_OP_COUNT];

const char *qv_op_name(enum qv_op op);
bool qv_op_from_name(const char *name, enum qv_op *ret_op);
bool qv_op_from_tflite(int32_t builtin_code, enum qv_op *ret_op);

#endif
