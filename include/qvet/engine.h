/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Engines: the float32 reference engine and the bit-exact int8 emulator run a finalized graph on
 * batches of samples.
 *
 *     struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
 *     o.kind = QV_ENGINE_INT8;
 *     qv_engine_create(g, &o, &e, err);
 *     memcpy(qv_engine_input(e, 0), samples, n * qv_engine_input_bytes(e, 0));
 *     qv_engine_run(e, n, err);
 *     const int8_t *y = qv_engine_output(e, 0);
 *
 * The float engine holds every activation as float32 in real units (quantized constants are
 * dequantized; QUANTIZE rounds to the output grid and returns real values). The int8 engine holds
 * each tensor in its own dtype and follows TFLM's reference kernels bit for bit.
 */
#ifndef QVET_ENGINE_H
#define QVET_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qvet/error.h"
#include "qvet/graph.h"

/*
 * QV_ENGINE_FLOAT: the float32 reference. Every node runs its float kernel; every tensor is
 * held as float32 real values (quantized constants dequantized, QUANTIZE rounds onto its
 * output's grid and returns real values).
 * QV_ENGINE_INT8: the model as stored. Each node runs the kernel of its tensors' dtypes: a node
 * with any quantized integer activation (int8, or the integer side of QUANTIZE / DEQUANTIZE)
 * runs the bit-exact int8 kernel (TFLM's reference arithmetic), a node whose activations are
 * all float32 runs the float kernel; every tensor is held in its own dtype. A full-integer
 * model is the int8 emulator; a mixed-precision model (layers left in float, QUANTIZE and
 * DEQUANTIZE at the borders, as the TFLite converter's denylists or qv_quantize_mixed make
 * them) runs as the TFLite interpreter runs it.
 */
enum qv_engine_kind { QV_ENGINE_FLOAT = 0, QV_ENGINE_INT8 = 1, QV_ENGINE_KIND_COUNT };

/*
 * Hybrid nodes (dynamic-range quantization: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED with
 * float32 activations and int8 constant weights; qv_node_is_hybrid), in either engine:
 * QV_HYBRID_TFLITE (default) reproduces TFLite's hybrid kernels (the float input quantized on
 * the fly to int8 per sample or row, int32 sums, rescaled to float); QV_HYBRID_DEQUANTIZE runs
 * the ideal float computation on the dequantized weights.
 */
enum qv_hybrid_mode { QV_HYBRID_TFLITE = 0, QV_HYBRID_DEQUANTIZE = 1, QV_HYBRID_MODE_COUNT };

/* How a node runs in an engine (qv_engine_node_exec). */
enum qv_exec {
    QV_EXEC_FLOAT,          /* float32 kernel */
    QV_EXEC_INT8,           /* bit-exact int8 kernel */
    QV_EXEC_HYBRID,         /* hybrid node, TFLite's hybrid arithmetic */
    QV_EXEC_DEQUANTIZED,    /* hybrid node, float32 kernel on dequantized weights */
    QV_EXEC_COUNT
};

/* A tensor as an engine holds it: metadata from the graph, runtime shape and data. */
struct qv_tensor_view {
    const struct qv_tensor *t;     /* graph tensor (dtype, quant, name) */
    struct qv_shape shape;         /* runtime shape: dims[0] carries the batch */
    void *data;                    /* float engine: float32 for activations and for constants
                                    * that are float or quantized (dequantized); raw data for
                                    * unquantized integer constants (paddings, axes, shapes).
                                    * int8 engine: the tensor's own dtype. */
};

/*
 * Per-layer capture (ggml's eval callback). Called once per node with ask = true while the engine
 * is created: return true to keep that node's outputs observable. Then, during every run, called
 * after each kept node with ask = false and the node's output views (t borrowed for the call;
 * t->shape.dims[0] is the number of samples in the batch); returning false stops the run, which
 * then fails with QV_E_USAGE "stopped by observer".
 */
typedef bool (*qv_observe_fn)(int32_t node, const struct qv_tensor_view *t, bool ask, void *user);

struct qv_engine_opts {
    enum qv_engine_kind kind;
    enum qv_rounding rounding;     /* int8 only */
    int64_t max_batch;             /* samples per run; clamped to 1 when the graph cannot batch */
    bool plain_loops;              /* disable the fast GEMM paths (tests compare both) */
    enum qv_hybrid_mode hybrid;    /* hybrid nodes (default QV_HYBRID_TFLITE) */
    qv_observe_fn observe;
    void *observe_user;
    /*
     * Rows per pass through the graph when a run has more (no observer): 0 picks it (float: as
     * many as keep the widest activation within about 256 KiB, so that layers hand their
     * outputs over in cache; int8: the whole run). Intermediate activations then hold one
     * pass's rows. Outputs are the same bytes for any value.
     */
    int64_t pass_rows;
};

#define QV_ENGINE_OPTS_INIT { .kind = QV_ENGINE_FLOAT, .rounding = QV_ROUNDING_DOUBLE, \
                              .max_batch = 1, .plain_loops = false,                     \
                              .hybrid = QV_HYBRID_TFLITE, .observe = NULL,              \
                              .observe_user = NULL, .pass_rows = 0 }

struct qv_engine;

/* Plans shapes for max_batch, allocates all buffers and runs every kernel's prepare. */
enum qv_status qv_engine_create(const struct qv_graph *g, const struct qv_engine_opts *opts,
                                struct qv_engine **ret_engine, struct qv_error *err);
void qv_engine_free(struct qv_engine *e);

/*
 * How node `node` runs (see enum qv_engine_kind and enum qv_hybrid_mode); its name: "float",
 * "int8", "hybrid", "dequantized".
 */
enum qv_exec qv_engine_node_exec(const struct qv_engine *e, int32_t node);
const char *qv_exec_name(enum qv_exec x);

/*
 * Bytes of the engine's activation arena: every activation's max_batch rows (intermediate ones:
 * one pass's rows, see pass_rows), laid out by tensor
 * lifetimes (include/qvet/lifetime.h) so that tensors never alive together share memory; graph
 * inputs and outputs keep their own bytes. Each tensor is rounded up to 64 bytes plus 64 bytes
 * of slack. Constants, packed weights and kernel scratch are not included.
 */
size_t qv_engine_arena_bytes(const struct qv_engine *e);

/* The batch the engine was planned for (<= opts.max_batch). */
int64_t qv_engine_max_batch(const struct qv_engine *e);
/* Element type of graph input/output i as the engine holds it (float engine: always F32). */
enum qv_dtype qv_engine_input_dtype(const struct qv_engine *e, int32_t i);
enum qv_dtype qv_engine_output_dtype(const struct qv_engine *e, int32_t i);
/* Bytes of one sample of graph input/output i. */
size_t qv_engine_input_bytes(const struct qv_engine *e, int32_t i);
size_t qv_engine_output_bytes(const struct qv_engine *e, int32_t i);
/* Buffers for max_batch samples of graph input/output i (sample-major). */
void *qv_engine_input(struct qv_engine *e, int32_t i);
const void *qv_engine_output(const struct qv_engine *e, int32_t i);

/*
 * Runs n (1..max_batch) samples: rows [0, n) of the input buffers to rows [0, n) of the
 * outputs. Only those n rows are read and computed (a partial batch costs its own size); rows
 * n..max_batch-1 of the buffers are left as they are.
 *
 * Guarantees others build on:
 *  - Each output element is computed in an order that depends neither on n, max_batch nor the
 *    row's position in the batch (float too: the float GEMM sums in a fixed order), so a
 *    sample's outputs are byte-identical in any batch.
 *  - An engine keeps all of its mutable state to itself and only reads the graph: several
 *    engines may run on one const graph concurrently, one per thread (one engine must not be
 *    used by two threads at once).
 *  - An engine never starts threads (no BLAS; its kernels are its own).
 */
enum qv_status qv_engine_run(struct qv_engine *e, int64_t n, struct qv_error *err);

/*
 * Fills rows [row, row + n) of graph input i from dataset values x ([n][sample elems], float32
 * holding values whose stored type was data_dtype). Integer data whose dtype is the input
 * tensor's own dtype is already quantized; any other data holds real values.
 *  - engine input float32: already-quantized data on a quantized input is dequantized, real
 *    values are copied;
 *  - engine input int8/uint8/int16: already-quantized data is taken as it is (out-of-range
 *    values are an error naming the row and element); real values are quantized with the
 *    input's scale and zero point (round half away from zero, clamp), as the TFLite converter's
 *    reference quantization does.
 */
enum qv_status qv_engine_load_input(struct qv_engine *e, int32_t i, int64_t row, int64_t n,
                                    const float *x, enum qv_dtype data_dtype,
                                    struct qv_error *err);
/* Rows [0, n) of graph output i as real values (dequantized when the output is quantized). */
void qv_engine_output_real(const struct qv_engine *e, int32_t i, int64_t n, float *dst);
/* The graph tensor behind graph input/output i. */
const struct qv_tensor *qv_engine_input_tensor(const struct qv_engine *e, int32_t i);
const struct qv_tensor *qv_engine_output_tensor(const struct qv_engine *e, int32_t i);

#endif
