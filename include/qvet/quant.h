/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Post-training quantization: calibration statistics, range observers, and the pass from a float
 * graph to a new int8 graph that TFLM runs unchanged.
 *
 *     struct qv_data_spec data = QV_DATA_SPEC_INIT;          // run.h
 *     data.n_files = 1;
 *     data.files[0] = "calib/inputs.npy";
 *     struct qv_calib_opts co = QV_CALIB_OPTS_INIT;
 *     struct qv_calib *c;
 *     qv_calib_run(g, &data, &co, &c, err);                  // float engine + observers
 *     qv_calib_save(c, "stats.json", err);                    // mergeable statistics
 *
 *     struct qv_quant_opts qo = QV_QUANT_OPTS_INIT;           // minmax, per-channel, int8 I/O
 *     struct qv_quant_result r;
 *     qv_quantize(g, c, &qo, &r, err);                        // r.graph: the int8 graph
 *     qv_tflite_save(r.graph, "model_int8.tflite", err);
 *     qv_quant_result_release(&r);
 *     qv_calib_free(c);
 *
 * Statistics. For every float activation (graph inputs and node outputs) the calibration keeps
 * the value count, min and max, a histogram, and each sample's min and max. Histogram bins have a
 * power-of-two width 2^exp and sit on multiples of it; exp is the smallest one (never below the
 * maximum magnitude's exponent - 40) for which [min, max] spans at most QV_HIST_BINS bins. Both
 * are functions of the set of values alone, and a histogram re-bins to a coarser exp exactly (pairs
 * of bins add up), so statistics are identical for any batch size or thread count, and merging
 * the statistics of two sets gives exactly the statistics of one pass over both (ranges and
 * histograms; the per-element sums used by bias correction are sums of doubles and merge to
 * within double rounding). Docs: docs/quant.md.
 *
 * Parameters. With QV_RANGE_MINMAX and per-channel weights, the scales, zero points and int8/int32
 * constants are computed with the TFLite converter's arithmetic (its "legacy float scale" path:
 * scales in float32, weights through 1/scale in float32, ranges nudged to contain 0), so the
 * result equals the converter's for the same float model and ranges (docs/quant.md lists the
 * cases that were checked, and the ones where qvet departs on purpose).
 */
#ifndef QVET_QUANT_H
#define QVET_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qvet/engine.h"
#include "qvet/error.h"
#include "qvet/graph.h"
#include "qvet/io.h"
#include "qvet/run.h"

/* Histogram bins per tensor (see above). */
#define QV_HIST_BINS 4096

/* ---- range observers ---------------------------------------------------------------------- */

/* How a tensor's quantization range is chosen from its statistics. */
enum qv_range_method {
    QV_RANGE_MINMAX = 0,   /* observed min and max (what the TFLite converter does) */
    QV_RANGE_EMA,          /* moving average of min/max over fixed-size chunks of samples */
    QV_RANGE_PERCENTILE,   /* two-sided percentile of the histogram (default 99.99) */
    QV_RANGE_KL,           /* entropy calibration (TensorRT): min KL divergence, |x| histogram */
    QV_RANGE_MSE,          /* the range minimizing the tensor's quantization mean squared error */
    QV_RANGE_METHOD_COUNT
};

/* "minmax", "ema", "percentile", "kl", "mse". */
const char *qv_range_method_name(enum qv_range_method m);
bool qv_range_method_from_name(const char *name, enum qv_range_method *ret_method);

/* Parameters of the observers (defaults in QV_RANGE_OPTS_INIT). */
struct qv_range_opts {
    double percentile;        /* QV_RANGE_PERCENTILE: in (50, 100]; default 99.99 */
    int32_t ema_chunk;        /* QV_RANGE_EMA: samples per chunk, >= 1; default 16 */
    double ema_decay;         /* QV_RANGE_EMA: ema = decay * ema + (1 - decay) * chunk; 0.9 */
    int32_t kl_bins;          /* QV_RANGE_KL: |x| histogram bins (<= 2048 used); default 2048 */
};

#define QV_RANGE_OPTS_INIT { .percentile = 99.99, .ema_chunk = 16, .ema_decay = 0.9, \
                             .kl_bins = 2048 }

/* ---- calibration statistics --------------------------------------------------------------- */

struct qv_hist {
    int32_t exp;              /* bin width 2^exp */
    int64_t first;            /* bin i covers [(first + i) * 2^exp, (first + i + 1) * 2^exp) */
    int32_t n;                /* bins in use (0 when empty), <= QV_HIST_BINS */
    int64_t *counts;          /* [QV_HIST_BINS] */
};

/* Statistics of one float activation tensor. */
struct qv_tensor_stats {
    int32_t tensor;           /* graph tensor index */
    char *name;               /* the tensor's name (owned) */
    struct qv_shape shape;    /* the tensor's stored shape */
    int64_t count;            /* values seen */
    float min, max;           /* valid when count > 0 */
    struct qv_hist hist;
    bool has_hist;            /* false when loaded from a min/max-only file */
    int64_t n_samples;        /* samples seen */
    float *sample_min, *sample_max;   /* [n_samples] per-sample extremes (EMA), may be NULL */
    int64_t sample_cap;
    int64_t elems;            /* elements per sample */
    int64_t period;           /* sums kept per position modulo period (0: none) */
    double *elem_sum;         /* [period] sums of the values at each position modulo period
                               * (inputs of affine nodes, for bias correction), or NULL */
};

/* Weight channels that quantize to nothing (all zero, or every |w| below the smallest step). */
struct qv_dead_channels {
    int32_t tensor;           /* graph tensor index of the weights */
    int32_t node;             /* consuming node */
    int32_t n_channels;       /* output channels of the weights */
    int32_t n_dead;
    int32_t *dead;            /* [n_dead] channel indices */
};

struct qv_sqnr_set;

/*
 * All statistics of one model's float activations. g is NULL for statistics loaded without
 * their model (merging files): then the names, shapes and fingerprint come from the file.
 */
struct qv_calib {
    const struct qv_graph *g; /* borrowed, or NULL */
    uint64_t fingerprint;     /* qv_graph_fingerprint(g) */
    char *model_name;         /* owned */
    int32_t n_model_tensors;  /* tensors of the model (stats_of's length) */
    char *dead_json;          /* model-less: the file's "dead_channels" array, as read */
    int64_t n_samples;        /* calibration samples seen */
    int32_t n_stats;
    struct qv_tensor_stats *stats;   /* [n_stats], in tensor index order */
    int32_t *stats_of;        /* [n_model_tensors]: index into stats, or -1 */
    int32_t n_warnings;
    char warnings[8][256];    /* e.g. a calibration set that is too small */
    /* The first samples' inputs and float outputs (qv_calib_opts.keep_samples), which
     * qv_quantize uses for its output SQNR and for auto when given no data path; or NULL. */
    struct qv_sqnr_set *kept;
};

/* How calibration runs the float engine (through the runner, run.h). */
struct qv_calib_opts {
    int32_t n_threads;               /* 0 = one per core; statistics identical for any */
    int64_t batch;                   /* samples per engine run (0 = QV_DEFAULT_BATCH) */
    int64_t max_samples;             /* 0 = all */
    bool plain_loops;                /* float engine: reference loops */
    int64_t keep_samples;            /* keep the first N samples for qv_quantize (0: none) */
    /* The runner's progress and warning callbacks (calling thread); may be NULL. */
    void (*progress)(void *user, const struct qv_run_progress *p);
    void (*warn)(void *user, const char *msg);
    void *notify_user;
};

#define QV_CALIB_OPTS_INIT { .n_threads = 1 }

/* A 64-bit FNV-1a hash of the graph: ops, attributes, tensor names, dtypes, shapes, constants. */
uint64_t qv_graph_fingerprint(const struct qv_graph *g);

/* Empty statistics for every float activation of the finalized float graph g. */
enum qv_status qv_calib_create(const struct qv_graph *g, struct qv_calib **ret_calib,
                               struct qv_error *err);
void qv_calib_free(struct qv_calib *c);

/*
 * Adds n samples of tensor `tensor` (float32 values, [n][elems], sample-major). Samples must be
 * added in dataset order. NaN or Inf values fail with QV_E_INPUT naming the tensor and sample
 * (first_sample is the dataset index of the first of the n samples, for the message).
 */
enum qv_status qv_calib_observe(struct qv_calib *c, int32_t tensor, const float *x, int64_t n,
                                int64_t first_sample, struct qv_error *err);
/* Counts n more calibration samples (call once per batch after observing every tensor). */
void qv_calib_add_samples(struct qv_calib *c, int64_t n);

/*
 * Runs the float engine over the dataset (the runner: any number of threads, chunks merged in
 * order) and observes every float activation: a new qv_calib. An empty dataset, samples that do
 * not fit the inputs, and NaN/Inf in the data or in any activation are input errors naming the
 * file and sample or the tensor.
 */
enum qv_status qv_calib_run(const struct qv_graph *g, const struct qv_data_spec *data,
                            const struct qv_calib_opts *opts, struct qv_calib **ret_calib,
                            struct qv_error *err);

/*
 * Adds the statistics of src to dst: both must be for the same model (fingerprint, tensor
 * names and shapes). The result equals one pass over dst's samples followed by src's.
 */
enum qv_status qv_calib_merge(struct qv_calib *dst, const struct qv_calib *src,
                              struct qv_error *err);

/*
 * Warnings about the calibration set, added to c->warnings: fewer than min_samples samples;
 * and, when golden is not NULL, model input 0 whose calibration range or mean is far from the
 * golden set's (the golden data is read, with its preprocessing, not run through the model).
 */
enum qv_status qv_calib_check_set(struct qv_calib *c, int64_t min_samples,
                                  const struct qv_data_spec *golden, struct qv_error *err);

/*
 * stats.json (docs/quant.md): statistics, and diagnostics for `method` (clipped fraction, int8
 * levels used, range and parameters per tensor; dead weight channels; warnings). Atomic.
 */
enum qv_status qv_calib_save(const struct qv_calib *c, const char *path,
                             enum qv_range_method method, const struct qv_range_opts *ropts,
                             struct qv_error *err);
/*
 * Reads stats.json for graph g. Entries are matched by tensor index and must carry the tensor's
 * name and shape; a fingerprint, when present, must equal g's; every float activation of g must
 * have statistics. Errors name the file, the line:column (malformed JSON) or the entry and
 * tensor. With g NULL the file is read on its own (for merging; it must carry a fingerprint).
 */
enum qv_status qv_calib_load(const struct qv_graph *g, const char *path,
                             struct qv_calib **ret_calib, struct qv_error *err);

/*
 * The range [*ret_lo, *ret_hi] chosen by method for tensor `tensor`; fails when the tensor has
 * no statistics or the method needs data the file lacks (a histogram, per-sample extremes).
 */
enum qv_status qv_calib_range(const struct qv_calib *c, int32_t tensor, enum qv_range_method m,
                              const struct qv_range_opts *ropts, float *ret_lo, float *ret_hi,
                              struct qv_error *err);

/* Histogram diagnostics of a range: fraction of values outside [lo, hi] and int8 levels used. */
struct qv_range_diag {
    double clipped;           /* fraction of calibration values outside the range */
    int32_t levels;           /* of 256: levels whose bucket holds calibration values */
};
void qv_calib_diagnose(const struct qv_tensor_stats *s, float scale, int32_t zero_point,
                       struct qv_range_diag *ret_diag);

/* Dead channels of every quantizable weight tensor of g (per-channel view). Caller frees. */
enum qv_status qv_dead_channels_find(const struct qv_graph *g, struct qv_dead_channels **ret,
                                     int32_t *ret_n, struct qv_error *err);
void qv_dead_channels_free(struct qv_dead_channels *d, int32_t n);

/* ---- quantization parameters (converter arithmetic) -------------------------------------- */

/* Asymmetric int8 activation parameters for the range [lo, hi] (nudged to contain 0). */
void qv_quant_act_params(double lo, double hi, float *ret_scale, int32_t *ret_zero_point);

/* ---- the quantization pass ----------------------------------------------------------------- */

enum qv_quant_io { QV_QUANT_IO_INT8 = 0, QV_QUANT_IO_FLOAT = 1, QV_QUANT_IO_COUNT };

/* The task metric sensitivity analysis reports (besides the output SQNR). */
enum qv_sens_metric {
    QV_SENS_NONE = 0,       /* output SQNR only */
    QV_SENS_ACCURACY,       /* top-1 of output 0 against integer labels (higher is better) */
    QV_SENS_RMSE,           /* output 0's first value against the labels (lower is better) */
    QV_SENS_AUC,            /* ROC AUC of output 0's first value as a score, labels 0/1 */
    QV_SENS_METRIC_COUNT
};

struct qv_quant_opts {
    bool auto_method;                /* pick per tensor the method with the best output SQNR */
    enum qv_range_method method;     /* when !auto_method */
    struct qv_range_opts range;
    bool per_tensor;                 /* per-tensor weights everywhere (default per-channel) */
    enum qv_quant_io io;
    bool bias_correction;            /* correct biases for the mean shift of weight rounding */
    /*
     * Reproduce the TFLite converter's calibration artefact: its calibrator logs an op's
     * inputs again after the op ran, and TFLite runs ADD/SUB/MUL in place when it can (the
     * output reuses an input's buffer), so such an input's recorded range is the union of its
     * own and the op's output range. Only for comparing with the converter (docs/quant.md).
     */
    bool converter_ranges;
    /* Data for auto (output SQNR) and the output SQNR figure; NULL: the samples the statistics
     * kept (qv_calib_opts.keep_samples), or neither. Only for one-input models. */
    const struct qv_data_spec *data;
    const struct qv_calib_opts *data_opts;
    int64_t auto_samples;            /* samples auto evaluates (default 128) */
    /*
     * Sensitivity analysis (after quantizing, with the same parameters): per node, the output
     * SQNR and metric with only that node int8 (the rest float) and with only that node float
     * (the rest int8), on sens_data (its labels give the metric), else on auto's samples.
     */
    bool sensitivity;
    const struct qv_data_spec *sens_data;
    enum qv_sens_metric sens_metric;
    int64_t sens_samples;            /* samples of sens_data used (0 = 512) */
};

#define QV_QUANT_OPTS_INIT { .auto_method = false, .method = QV_RANGE_MINMAX, \
                             .range = QV_RANGE_OPTS_INIT, .per_tensor = false, \
                             .io = QV_QUANT_IO_INT8, .bias_correction = false, \
                             .converter_ranges = false, \
                             .data = NULL, .data_opts = NULL, .auto_samples = 128, \
                             .sensitivity = false, .sens_data = NULL, \
                             .sens_metric = QV_SENS_NONE, .sens_samples = 0 }

/* What the pass decided for one float activation of the source graph. */
struct qv_quant_tensor {
    int32_t tensor;                  /* source graph tensor index */
    int32_t new_tensor;              /* index in the int8 graph (-1: folded away) */
    enum qv_range_method method;     /* observer whose range was used (source tensors) */
    const char *from;                /* how the parameters were set: "range", "fixed",
                                      * "shared", "fused" (static strings) */
    float lo, hi;                    /* range asked for (before nudging) */
    float scale;
    int32_t zero_point;
    struct qv_range_diag diag;
};

/* One node's sensitivity (qv_quant_opts.sensitivity). */
struct qv_sens_layer {
    int32_t node;                    /* node of the float graph */
    double sqnr_alone_int8_db;       /* output SQNR with only this node int8, the rest float */
    double sqnr_alone_float_db;      /* output SQNR with only this node float, the rest int8 */
    double metric_alone_int8;        /* the task metric in both cases (has_metric) */
    double metric_alone_float;
};

struct qv_sensitivity {
    int32_t n_layers;
    struct qv_sens_layer *layers;    /* most sensitive first: lowest sqnr_alone_int8_db */
    int64_t samples;
    enum qv_sens_metric metric;      /* QV_SENS_NONE when there were no labels */
    double metric_float, metric_int8;   /* the float model's and the all-int8 model's */
    double sqnr_int8_db;             /* the all-int8 model's output SQNR on these samples */
};

struct qv_quant_result {
    struct qv_graph *graph;          /* the new int8 graph (finalized), owned */
    int32_t n_tensors;
    struct qv_quant_tensor *tensors; /* [n_tensors] one per float activation */
    int32_t n_dead;
    struct qv_dead_channels *dead;
    int32_t n_requantize;            /* QUANTIZE ops inserted to reconcile shared parameters */
    int32_t n_bias_adjusted;         /* channels whose bias scale was raised (|bias| too big) */
    int32_t n_bias_corrected;        /* nodes whose bias bias correction changed */
    bool has_sqnr;
    double output_sqnr_db;           /* int8 outputs against float outputs on the data */
    double mean_sample_sqnr_db;      /* the mean of each sample's output SQNR (auto's goal) */
    int32_t n_warnings;
    char warnings[8][256];
    bool has_sensitivity;
    struct qv_sensitivity sens;
};

/* "accuracy", "rmse", "auc", "none"; and back. */
const char *qv_sens_metric_name(enum qv_sens_metric m);
bool qv_sens_metric_from_name(const char *name, enum qv_sens_metric *ret_metric);

/*
 * Quantizes the finalized float graph g with statistics c into a new int8 graph. Errors: an op
 * qvet cannot quantize (named with its node), a tensor without statistics, a range that cannot be
 * represented (non-finite). The new graph passes the int8 engine's prepare (TFLM's constraints).
 */
enum qv_status qv_quantize(const struct qv_graph *g, const struct qv_calib *c,
                           const struct qv_quant_opts *opts, struct qv_quant_result *ret_result,
                           struct qv_error *err);
void qv_quant_result_release(struct qv_quant_result *r);

/*
 * A mixed-precision graph: the nodes n of g with node_float[n] true stay float (as in g), the
 * others become int8 with the parameters qv_quantize gives them (opts->method; not auto), with
 * QUANTIZE/DEQUANTIZE where float and int8 meet; float inputs and outputs. With no float node
 * it is qv_quantize's float-I/O graph. For sensitivity analysis and partial quantization.
 */
enum qv_status qv_quantize_mixed(const struct qv_graph *g, const struct qv_calib *c,
                                 const struct qv_quant_opts *opts, const bool *node_float,
                                 struct qv_graph **ret_graph, struct qv_error *err);

/* Whether qvet can quantize op (its rule); why it cannot into *ret_why otherwise. */
bool qv_quant_op_supported(enum qv_op op, const char **ret_why);

#endif
