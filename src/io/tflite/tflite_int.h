/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the TFLite reader and writer: schema field slots, the contexts handed to the per-op
 * options readers/writers (qv_<op>_tfl_read / _tfl_write in options.c), and the reader/writer's
 * own op table (options and operator versions, op_table.c).
 *
 * Field slots are the 0-based field indices of schema.fbs (tensorflow/compiler/mlir/lite/schema);
 * the vtable entry of slot s is at byte 4 + 2 s.
 */
#ifndef QV_IO_TFLITE_INT_H
#define QV_IO_TFLITE_INT_H

#include <stdint.h>

#include "io/tflite/builder.h"
#include "io/tflite/flatbuf.h"
#include "qvet/graph.h"

#define QV_TFL_IDENT "TFL3"
#define QV_TFL_SCHEMA_VERSION 3
#define QV_TFL_BUILTIN_CUSTOM 32

enum { QV_TFL_MODEL_VERSION, QV_TFL_MODEL_OPCODES, QV_TFL_MODEL_SUBGRAPHS,
       QV_TFL_MODEL_DESCRIPTION, QV_TFL_MODEL_BUFFERS, QV_TFL_MODEL_METADATA_BUFFER,
       QV_TFL_MODEL_METADATA, QV_TFL_MODEL_SIGNATURE_DEFS };
enum { QV_TFL_SG_TENSORS, QV_TFL_SG_INPUTS, QV_TFL_SG_OUTPUTS, QV_TFL_SG_OPERATORS,
       QV_TFL_SG_NAME };
enum { QV_TFL_TENSOR_SHAPE, QV_TFL_TENSOR_TYPE, QV_TFL_TENSOR_BUFFER, QV_TFL_TENSOR_NAME,
       QV_TFL_TENSOR_QUANT, QV_TFL_TENSOR_IS_VARIABLE, QV_TFL_TENSOR_SPARSITY,
       QV_TFL_TENSOR_SHAPE_SIGNATURE, QV_TFL_TENSOR_HAS_RANK, QV_TFL_TENSOR_VARIANT_TENSORS,
       QV_TFL_TENSOR_EXTERNAL_BUFFER };
enum { QV_TFL_QUANT_MIN, QV_TFL_QUANT_MAX, QV_TFL_QUANT_SCALE, QV_TFL_QUANT_ZERO_POINT,
       QV_TFL_QUANT_DETAILS_TYPE, QV_TFL_QUANT_DETAILS, QV_TFL_QUANT_DIMENSION };
enum { QV_TFL_BUFFER_DATA, QV_TFL_BUFFER_OFFSET, QV_TFL_BUFFER_SIZE };
enum { QV_TFL_OPCODE_DEPRECATED_BUILTIN, QV_TFL_OPCODE_CUSTOM, QV_TFL_OPCODE_VERSION,
       QV_TFL_OPCODE_BUILTIN };
enum { QV_TFL_OP_OPCODE_INDEX, QV_TFL_OP_INPUTS, QV_TFL_OP_OUTPUTS, QV_TFL_OP_OPTIONS_TYPE,
       QV_TFL_OP_OPTIONS, QV_TFL_OP_CUSTOM_OPTIONS, QV_TFL_OP_CUSTOM_OPTIONS_FORMAT,
       QV_TFL_OP_MUTATING_VARIABLE_INPUTS, QV_TFL_OP_INTERMEDIATES,
       QV_TFL_OP_LARGE_CUSTOM_OPTIONS_OFFSET, QV_TFL_OP_LARGE_CUSTOM_OPTIONS_SIZE,
       QV_TFL_OP_OPTIONS_2_TYPE, QV_TFL_OP_OPTIONS_2 };
enum { QV_TFL_SIGDEF_SUBGRAPH_INDEX = 4 };

/* TensorType values qvet maps onto its dtypes. */
enum { QV_TFL_FLOAT32 = 0, QV_TFL_INT32 = 2, QV_TFL_UINT8 = 3, QV_TFL_INT64 = 4, QV_TFL_BOOL = 6,
       QV_TFL_INT16 = 7, QV_TFL_INT8 = 9 };

/* The TensorType of each dtype (op_table.c); the reader maps back through the same table. */
extern const int8_t qv_tfl_types[QV_DTYPE_COUNT];

/* What qv_<op>_tfl_read receives as reader_ctx. */
struct qv_tfl_opts_in {
    struct qv_fb *fb;
    struct qv_fb_table t;      /* the options table; zeroed (every field default) when absent */
    int32_t op_index;          /* operator index in subgraph 0, for messages */
};

/* What qv_<op>_tfl_write receives as writer_ctx. */
struct qv_tfl_opts_out {
    struct qv_fbb *b;
    const struct qv_graph *g;
};

/*
 * The reader/writer's per-op table, indexed by enum qv_op (src/io/tflite/op_table.c): the
 * builtin options union type (0: the op has no options table), its reader and writer
 * (src/io/tflite/options.c), and the operator version the exporter writes: versions[0] for
 * float32 inputs, [1] for int8 (what the TFLite converter writes; TFLM ignores it, full TFLite
 * needs a registered one); `version`, when set, decides from the node's attributes instead.
 */
struct qv_tfl_op_def {
    int32_t options_type;
    enum qv_status (*read_options)(const struct qv_tfl_opts_in *in, struct qv_node *n,
                                   struct qv_error *err);
    enum qv_status (*write_options)(struct qv_tfl_opts_out *out, const struct qv_node *n,
                                    uint32_t *ret_offset, struct qv_error *err);
    int32_t versions[2];
    int32_t (*version)(const struct qv_graph *g, const struct qv_node *n);
};

extern const struct qv_tfl_op_def qv_tfl_ops[QV_OP_COUNT];

/* Prototypes generated from op_list.h; only the ones an op implements exist. */
#define QV_OP(id, low, name, tfl, nmin, nmax)                                                    \
    enum qv_status qv_##low##_tfl_read(const struct qv_tfl_opts_in *in, struct qv_node *n,       \
                                       struct qv_error *err);                                    \
    enum qv_status qv_##low##_tfl_write(struct qv_tfl_opts_out *out, const struct qv_node *n,    \
                                        uint32_t *ret_offset, struct qv_error *err);             \
    int32_t qv_##low##_tfl_version(const struct qv_graph *g, const struct qv_node *n);
#include "qvet/op_list.h"
#undef QV_OP

/* Builds the graph from subgraph 0 without finalizing it (qv_tflite_read finalizes). */
enum qv_status qv_tflite_parse(const uint8_t *buf, size_t size, const char *path,
                               struct qv_graph **ret_graph, struct qv_error *err);

/* "CONV_2D" for 3, NULL for codes the schema does not name. */
const char *qv_tfl_builtin_name(int32_t code);
/* "FLOAT32" for 0, NULL for unknown types. */
const char *qv_tfl_type_name(int32_t type);

#endif
