/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-layer analysis of an int8 model against its float model: which float tensor each int8
 * tensor stands for (pairing), how far each one is from it (divergence, exact and mergeable as in
 * metrics.h), both as the whole int8 model computes it (propagated error) and as the layer alone
 * computes it from the float model's own input (local error), and the first layer whose local
 * error breaks a threshold: where the error is born. Definitions: docs/metrics.md §7-8.
 *
 *     struct qv_pairing *p;
 *     qv_pairing_build(gf, gq, NULL, &p, err);          // report p->n_unpaired, why
 *     struct qv_layer_stats *total;
 *     qv_layer_stats_create(p, NULL, &total, err);
 *     struct qv_run_observer ob;
 *     qv_layer_observer(total, 0, 1, &ob);               // runner sides 0 = float, 1 = int8
 *     run_opts.observer = ob;  qv_run(&data, &run_opts, &stats, err);
 *     int32_t c = qv_layer_culprit(total, 30.0);         // index into p->pairs, or -1
 *
 * Without the runner: capture both models' tensors for a batch yourself and call
 * qv_layer_stats_update (struct qv_layer_batch), or feed engine observer views to
 * qv_layer_stats_observe. Not thread-safe: one qv_layer_stats per thread or chunk, merged on one.
 */
#ifndef QVET_LAYERS_H
#define QVET_LAYERS_H

#include <stdbool.h>
#include <stdint.h>

#include "qvet/engine.h"
#include "qvet/error.h"
#include "qvet/graph.h"
#include "qvet/metrics.h"
#include "qvet/run.h"

/* ---- pairing ------------------------------------------------------------------------------- */

enum qv_pair_how {
    QV_PAIR_NONE = 0,      /* unpaired: see why */
    QV_PAIR_INPUT,         /* a graph input, paired with the float model's input */
    QV_PAIR_NAME,          /* same tensor name; op, attributes, weight shapes, output shape and
                            * every already-paired input agree */
    QV_PAIR_STRUCTURE,     /* same op, attributes, weight shapes and output shape, fed by the
                            * float counterparts of its inputs (or, for a weighted layer, the
                            * only one left with its op, attributes, weight and output shapes
                            * on either side) */
    QV_PAIR_CONVERSION,    /* output of a QUANTIZE (or requantize): the value of its input */
    QV_PAIR_HOW_COUNT
};

/* "unpaired", "input", "name", "structure", "conversion". */
const char *qv_pair_how_name(enum qv_pair_how how);

/* One layer of the int8 model: a tensor it computes (or a quantized graph input). */
struct qv_layer_pair {
    int32_t tensor_q;      /* tensor of the int8 model */
    int32_t node_q;        /* its producer, -1 for a graph input */
    int32_t tensor_f;      /* the paired float model's tensor, -1 when unpaired */
    int32_t node_f;        /* its producer, -1 for a graph input or when unpaired */
    enum qv_pair_how how;
    bool weighted;         /* node_q is CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED with
                            * constant weights */
    bool quantized;        /* tensor_q holds integer codes (int8, uint8, int16, int32) */
    char why[192];         /* unpaired: the reason ("" otherwise) */
};

/*
 * The pairing of an int8 model gq with its float model gf. Layers are listed in gq's execution
 * order: its quantized graph inputs first, then the outputs of every node except float
 * conversions (DEQUANTIZE outputs and float graph inputs carry no int8 value of their own).
 * Graphs are borrowed and must outlive the pairing.
 */
struct qv_pairing {
    const struct qv_graph *gf, *gq;
    int32_t n_pairs;
    struct qv_layer_pair *pairs;
    int32_t *pair_of;        /* [gq->n_tensors]: index into pairs, or -1 */
    int32_t *float_of;       /* [gq->n_tensors]: the float tensor standing for each int8
                              * activation (conversions followed to their input), or -1 */
    int32_t n_unpaired;      /* pairs with how == QV_PAIR_NONE */
    int32_t n_unpaired_weighted;
    int32_t n_float_unpaired;
    int32_t *float_unpaired; /* [n_float_unpaired] float nodes (not conversions) no int8 layer
                              * pairs with, in gf's execution order */
};

struct qv_pairing_opts {
    bool ignore_names;       /* structure only (tests; models whose names cannot be trusted) */
};

/*
 * Pairs every layer of gq (finalized) with its counterpart in gf (finalized). Graph inputs pair
 * by name, else by position (element counts must agree). Then, in gq's execution order, a node
 * pairs with the float node whose output tensor has the same name when they agree (op,
 * attributes other than the fused activation, constant input shapes such as weights and bias,
 * output shapes, and every input already paired maps to the float node's input); otherwise with
 * the only unpaired float node that agrees and is fed by the float counterparts of its inputs
 * (ties between weighted candidates are broken by the dequantized weights when one is clearly
 * closest, else the layer stays unpaired as ambiguous). QUANTIZE/DEQUANTIZE nodes of either model
 * are followed through. A weighted layer still unpaired then (its inputs unpaired, or fed
 * differently because one model has a layer the other has not) pairs with the only unpaired
 * float node of the same op, attributes and weight and output shapes, when it is also the only
 * such int8 node. Nothing else pairs: a layer that cannot be paired safely is reported
 * with its reason. Fails only on bad arguments or memory.
 */
enum qv_status qv_pairing_build(const struct qv_graph *gf, const struct qv_graph *gq,
                                const struct qv_pairing_opts *opts, struct qv_pairing **ret,
                                struct qv_error *err);
void qv_pairing_free(struct qv_pairing *p);

/* ---- per-layer divergence --------------------------------------------------------------------- */

/* Accumulators of one layer. */
struct qv_layer_stat {
    struct qv_div prop;      /* the int8 model's tensor (dequantized) vs the float tensor */
    struct qv_div local;     /* the layer alone, fed the float model's input quantized with the
                              * layer's input parameters, vs the float tensor */
    struct qv_levels levels; /* the int8 model's codes of the tensor */
    /* float values outside what the int8 tensor can represent: below scale * (min - zp) or
     * above scale * (max - zp) by more than half a step (the int8 range is too narrow) */
    int64_t sat_low, sat_high;
};

struct qv_layer_opts {
    bool local;              /* compute local errors (default true) */
    enum qv_rounding rounding;   /* of the local int8 runs: the int8 model's flavour */
    bool plain_loops;        /* local runs with the engine's reference loops */
};

#define QV_LAYER_OPTS_INIT { .local = true, .rounding = QV_ROUNDING_DOUBLE, .plain_loops = false }

struct qv_layer_stats_int;

struct qv_layer_stats {
    const struct qv_pairing *pairing;    /* borrowed */
    struct qv_layer_opts opts;
    int64_t samples;                     /* samples added */
    struct qv_layer_stat *stat;          /* [pairing->n_pairs] */
    struct qv_layer_stats_int *in;       /* capture buffers and local engines (private) */
};

/* opts NULL = QV_LAYER_OPTS_INIT. */
enum qv_status qv_layer_stats_create(const struct qv_pairing *p, const struct qv_layer_opts *opts,
                                     struct qv_layer_stats **ret, struct qv_error *err);
void qv_layer_stats_free(struct qv_layer_stats *s);

/*
 * Whether the analysis needs node `node`'s outputs of the float (side QV_SIDE_FLOAT) or int8
 * model (for an engine observer's `ask`). Graph inputs (node -1) are always needed.
 */
bool qv_layer_stats_wants(const struct qv_pairing *p, enum qv_side side, int32_t node);

/*
 * Tensors of both models for the same n samples. f[t] holds rows [n][elems of float tensor t]
 * as float32 real values (as the float engine holds every tensor); q[t] the rows of int8-model
 * tensor t in its own dtype (as the int8 engine holds it). Entries not needed may be NULL; every
 * tensor qv_layer_stats_wants asks for must be there.
 */
struct qv_layer_batch {
    int64_t n;
    const float *const *f;               /* [gf->n_tensors] */
    const void *const *q;                /* [gq->n_tensors] */
};

/* Adds n samples: propagated errors and levels of every paired layer, and the local errors
 * (the one-node int8 graphs run in engines the stats object creates once and keeps). */
enum qv_status qv_layer_stats_update(struct qv_layer_stats *s, const struct qv_layer_batch *b,
                                     struct qv_error *err);

/*
 * The same from engine observer views: views of node `node` of side `side` (node -1: the graph
 * inputs as fed), n_views of them, each holding its rows; views of tensors not needed are
 * ignored. When both models have delivered every tensor needed for the current rows (the int8
 * and float runs of one batch, in either order), they are added as by qv_layer_stats_update.
 */
enum qv_status qv_layer_stats_observe(struct qv_layer_stats *s, enum qv_side side, int32_t node,
                                      int32_t n_views, const struct qv_tensor_view *views,
                                      struct qv_error *err);

/*
 * An observer for qv_run (run.h) filling `total`: runner side float_side runs gf with the float
 * engine, side int8_side runs gq with the int8 engine (other sides are ignored). Each chunk gets
 * its own qv_layer_stats (same pairing and options), merged into total in chunk order.
 */
void qv_layer_observer(struct qv_layer_stats *total, int32_t float_side, int32_t int8_side,
                       struct qv_run_observer *ret);

/* s += src (same pairing; QV_E_INPUT otherwise). */
enum qv_status qv_layer_stats_merge(struct qv_layer_stats *s, const struct qv_layer_stats *src,
                                    struct qv_error *err);

/* Figures of layer i. */
struct qv_layer_figures {
    struct qv_div_figures prop, local;   /* local.n == 0: not computed */
    double clip_low, clip_high;          /* shares of codes at the dtype's min / max; NAN
                                          * when not quantized or nothing seen */
    double sat_low, sat_high;            /* shares of float values beyond the int8 range
                                          * (struct qv_layer_stat); NAN when not quantized */
    int32_t levels_used;                 /* distinct codes (8-bit dtypes), 0 unknown */
};
void qv_layer_stats_figures(const struct qv_layer_stats *s, int32_t i,
                            struct qv_layer_figures *ret);

/*
 * Where the error is born: the first quantized layer, in the int8 model's execution order, whose
 * local SQNR is below min_sqnr_db (layers without a local figure are skipped). -1 when none.
 */
int32_t qv_layer_culprit(const struct qv_layer_stats *s, double min_sqnr_db);
/* The first quantized layer whose propagated SQNR is below min_sqnr_db, or -1. */
int32_t qv_layer_first_propagated_break(const struct qv_layer_stats *s, double min_sqnr_db);

/*
 * JSON of the accumulators (lossless, canonical; shards) with the models' fingerprints and each
 * layer's tensor, name and pairing. The caller owns *ret (cJSON_Delete).
 */
enum qv_status qv_layer_stats_to_json(const struct qv_layer_stats *s, struct cJSON **ret,
                                      struct qv_error *err);
/* Reads it back for pairing p (same models and pairing, else QV_E_INPUT naming the member). */
enum qv_status qv_layer_stats_from_json(const struct cJSON *j, const char *path,
                                        const struct qv_pairing *p,
                                        const struct qv_layer_opts *opts,
                                        struct qv_layer_stats **ret, struct qv_error *err);

#endif
