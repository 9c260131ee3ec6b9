/* SPDX-License-Identifier: Apache-2.0 */
/* Private pieces of src/quant shared between its files. */
#ifndef QV_QUANT_INT_H
#define QV_QUANT_INT_H

#include "qvet/quant.h"

/* ---- histograms (hist.c) ------------------------------------------------------------------ */

/* Smallest exponent allowed; below every float's exponent minus 40. */
#define QV_HIST_EXP_MIN (-190)

/* Allocates the bins (zeroed, n = 0). */
enum qv_status qv_hist_init(struct qv_hist *h, struct qv_error *err);
void qv_hist_release(struct qv_hist *h);
/* The canonical bin exponent for values spanning [lo, hi] (see quant.h). */
int32_t qv_hist_exp_for(float lo, float hi);
/* Absolute bin index of v at exponent exp: floor(v / 2^exp). */
int64_t qv_hist_bin(float v, int32_t exp);
/*
 * Re-bins to the canonical layout of [lo, hi] (which must contain every value counted so far),
 * then counts x[0..n). The values of x must lie in [lo, hi].
 */
void qv_hist_add(struct qv_hist *h, float lo, float hi, const float *x, int64_t n);
/* Adds src into dst; [lo, hi] covers both. */
void qv_hist_merge(struct qv_hist *dst, const struct qv_hist *src, float lo, float hi);
/* Lower edge of bin i (relative to h->first) in real units. */
double qv_hist_edge(const struct qv_hist *h, int64_t i);
double qv_hist_width(const struct qv_hist *h);

/* ---- parameters with the converter's arithmetic (params.c) -------------------------------- */

/* Per-channel symmetric int8 weights along `axis` (narrow range, zero point 0). */
void qv_quant_weights_per_channel(const float *w, const struct qv_shape *shape, int32_t axis,
                                  float *ret_scales, int8_t *ret_q);
/* Symmetric per-tensor int8 weights (narrow range), as the converter's per-tensor path. */
void qv_quant_weights_per_tensor(const float *w, int64_t n, float *ret_scale, int8_t *ret_q);
/* Per-tensor weights for a given (possibly raised) scale, as the converter's per-tensor path. */
void qv_quant_weights_per_tensor_type(const float *w, int64_t n, float type_scale,
                                      int8_t *ret_q);
/* Quantizes weights with given per-channel scales (length 1 = per tensor) after an override. */
void qv_quant_weights_with_scales(const float *w, const struct qv_shape *shape, int32_t axis,
                                  int32_t n_scales, const float *scales, int8_t *ret_q);
/* int32 bias with scales s_in * s_w[c] (float); n_scales 1 = per tensor. */
void qv_quant_bias(const float *b, int64_t n, int32_t n_scales, const float *scales,
                   int32_t *ret_q);
/* Bias scale for channel c: (float)((double)s_in * s_w[c]). */
float qv_quant_bias_scale(float s_in, float s_w);
/* Asymmetric per-tensor parameters of a non-weight constant (ADD/SUB/MUL operands). */
void qv_quant_const_params(const float *v, int64_t n, float *ret_scale, int32_t *ret_zp);
/* Quantizes a constant with given asymmetric parameters: clamp(round(v / s + zp)). */
void qv_quant_const_values(const float *v, int64_t n, float scale, int32_t zp, int8_t *ret_q);

/* ---- rules (rules.c) ---------------------------------------------------------------------- */

enum qv_quant_kind {
    QV_QK_NONE = 0,     /* not quantizable: error naming the op */
    QV_QK_OWN,          /* output has its own range (from statistics) */
    QV_QK_AFFINE,       /* own output range; constant weights and int32 bias */
    QV_QK_SAME,         /* inputs and output share parameters */
    QV_QK_FIXED,        /* fixed output parameters */
    QV_QK_FOLD,         /* DEQUANTIZE of a constant: folded into a float constant */
};

struct qv_quant_rule {
    enum qv_quant_kind kind;
    int32_t weight_input;        /* AFFINE: input index of the weights */
    int32_t bias_input;          /* AFFINE: input index of the bias (-1 none) */
    int32_t weight_axis;         /* AFFINE: per-channel axis of the weights */
    float fixed_scale;           /* FIXED */
    int32_t fixed_zero_point;    /* FIXED */
    bool fused_act;              /* the op has a fused activation attribute */
    bool const_operands;         /* OWN: constant float operands quantized asymmetric */
    const char *why;             /* NONE: why not */
};

extern const struct qv_quant_rule qv_quant_rules[QV_OP_COUNT];

/* ---- the plan: parameters of every float activation (plan.c) ---------------------------- */

enum qv_tclass { QV_TC_OTHER = 0, QV_TC_ACT, QV_TC_CONST, QV_TC_FOLDED };

struct qv_qplan {
    const struct qv_graph *g;
    const struct qv_calib *c;
    int32_t nt;
    uint8_t *cls;                   /* [nt] enum qv_tclass */
    int32_t *fold_src;              /* [nt] FOLDED: the DEQUANTIZE's constant input */
    struct qv_consumers cons;       /* the nodes reading each tensor */
    enum qv_range_method *method;   /* [nt] ACT: observer used */
    float *lo, *hi;                 /* [nt] ACT: range from the observer (fused act applied) */
    int32_t *inherit;               /* [nt] ACT: a constant tensor (range narrower than 1e-6)
                                     * took the range of this input of its producer, or -1 */
    bool *redundant;                /* [nt] ACT: statistics dropped (parameters propagate) */
    bool *fixed;                    /* [nt] ACT: produced by a fixed-output op */
    int32_t *comp;                  /* [nt] shared-parameter component, or -1 */
    float *scale;                   /* [nt] ACT: final parameters */
    int32_t *zp;
    const char **from;              /* [nt] "range", "fixed", "shared" */
};

/* Classes, consumer index, and every activation's range from method (or methods[t]). */
enum qv_status qv_qplan_init(struct qv_qplan *p, const struct qv_graph *g,
                             const struct qv_calib *c, const struct qv_quant_opts *o,
                             struct qv_error *err);
/* Sets tensor t's range from method m (recomputes nothing else). */
enum qv_status qv_qplan_set_method(struct qv_qplan *p, int32_t t, enum qv_range_method m,
                                   const struct qv_range_opts *ro, struct qv_error *err);
/* Redundant statistics, shared components and final parameters from the current ranges. */
enum qv_status qv_qplan_solve(struct qv_qplan *p, struct qv_error *err);
void qv_qplan_release(struct qv_qplan *p);
/* Float data of constant or folded tensor t (malloc'd). */
float *qv_qplan_const_float(const struct qv_qplan *p, int32_t t);

/* The int8 graph from a solved plan (build.c). */
enum qv_status qv_qplan_build(const struct qv_qplan *p, const struct qv_quant_opts *o,
                              struct qv_quant_result *r, struct qv_graph **ret_graph,
                              struct qv_error *err);
/*
 * A mixed graph: nodes with node_float[n] true computed as in the float model, the others in
 * int8, QUANTIZE/DEQUANTIZE where the two meet; float inputs and outputs. node_float NULL is
 * qv_qplan_build.
 */
enum qv_status qv_qplan_build_mixed(const struct qv_qplan *p, const struct qv_quant_opts *o,
                                    const bool *node_float, struct qv_quant_result *r,
                                    struct qv_graph **ret_graph, struct qv_error *err);

/* Output SQNR of int8 graph q against float graph g on cached samples (auto.c). */
struct qv_sqnr_set;
/* Reads up to max_samples samples of data through the float engine (one-input models). */
enum qv_status qv_sqnr_set_open(const struct qv_graph *g, const struct qv_data_spec *data,
                                const struct qv_calib_opts *opts, int64_t max_samples,
                                struct qv_sqnr_set **ret, struct qv_error *err);
/* An empty set for up to max_samples samples of g (one-input models). */
enum qv_status qv_sqnr_set_create(const struct qv_graph *g, int64_t max_samples,
                                  struct qv_sqnr_set **ret, struct qv_error *err);
/* Appends inputs ([n][elems] real values) and float outputs (graph output k: real[k], n rows),
 * in sample order, each up to the set's room. */
void qv_sqnr_set_add_inputs(struct qv_sqnr_set *s, const float *x, int64_t n);
void qv_sqnr_set_add_outputs(struct qv_sqnr_set *s, const float *const *real, int64_t n);
int64_t qv_sqnr_set_room_inputs(const struct qv_sqnr_set *s);
/* Labels of the samples, appended in order (n values); NULL when the data had none. */
void qv_sqnr_set_add_labels(struct qv_sqnr_set *s, const double *labels, int64_t n);
/* Samples with inputs and outputs (and labels, when kept) so far. */
int64_t qv_sqnr_set_samples(const struct qv_sqnr_set *s);
const double *qv_sqnr_set_labels(const struct qv_sqnr_set *s);
const float *qv_sqnr_set_reference(const struct qv_sqnr_set *s, int64_t *ret_out_elems);
/* Runs graph q (the int8 engine: mixed graphs by node dtypes) over the set's inputs: outputs
 * [n][out_elems] into dst (malloc'd by the caller). */
enum qv_status qv_sqnr_set_run(struct qv_sqnr_set *s, const struct qv_graph *q, float *dst,
                               struct qv_error *err);
/* SQNR in dB of got against ref, capped to [-100, 100]. */
double qv_quant_sqnr_db(const float *ref, const float *got, int64_t n);
/* Pooled SQNR of all outputs, and the mean of the per-sample SQNRs (each capped to +-100 dB);
 * either pointer may be NULL. */
enum qv_status qv_sqnr_set_eval(struct qv_sqnr_set *s, const struct qv_graph *q,
                                double *ret_sqnr_db, double *ret_mean_sample_db,
                                struct qv_error *err);
void qv_sqnr_set_free(struct qv_sqnr_set *s);

/* Sensitivity analysis of a solved plan on a set (sensitivity.c). */
enum qv_status qv_sensitivity_run(const struct qv_qplan *p, const struct qv_quant_opts *o,
                                  struct qv_sqnr_set *set, struct qv_sensitivity *ret,
                                  struct qv_error *err);
void qv_sensitivity_release(struct qv_sensitivity *s);

/* ---- calibration containers (calib.c) ----------------------------------------------------- */

enum qv_status qv_calib_alloc(int32_t n_model_tensors, int32_t n_stats,
                              struct qv_calib **ret_calib, struct qv_error *err);
enum qv_status qv_calib_add_entry(struct qv_calib *c, int32_t tensor, const char *name,
                                  const struct qv_shape *shape, int64_t period,
                                  struct qv_error *err);

/* ---- misc -------------------------------------------------------------------------------- */

/* Elements per period of the sums kept for tensor t (bias correction), 0 when none. */
int64_t qv_sum_period(const struct qv_graph *g, int32_t t);
/* Whether tensor t of g is a float activation that calibration observes. */
bool qv_is_float_activation(const struct qv_graph *g, int32_t t);
/* Dequantized or float data of constant t as a malloc'd float array (NULL on NOMEM). */
float *qv_const_to_float(const struct qv_tensor *t);

#endif
