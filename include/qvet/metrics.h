/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Metrics as streaming, mergeable accumulators: task metrics (classification, regression,
 * anomaly, raw) and the divergence of an int8 tensor from its float counterpart. Memory is
 * O(classes) or O(outputs), independent of the number of samples; the results are byte-identical
 * for any thread count, batch size, and between one run and N shards merged, because every
 * accumulation is exact and order-independent (counts, minima/maxima, exact sums, bounded lists
 * ordered by sample index); and an accumulator survives a trip through JSON unchanged (shards
 * write partial results, `qvet merge` reads them). Definitions: docs/metrics.md.
 *
 *     struct qv_task_spec spec;
 *     qv_task_check(QV_TASK_CLASSIFICATION, gf, gq, &spec, err);   // task fits the models?
 *     struct qv_metrics *m;
 *     qv_metrics_create(&spec, &m, err);
 *     // per chunk of delivered rows (any order, any grouping):
 *     qv_metrics_add(m, &(struct qv_metrics_rows){ .first = i, .n = n, .labels = y,
 *                    .out = { f_outs, q_outs } }, err);
 *     qv_metrics_merge(total, m, err);         // chunks, threads, shards
 *     struct qv_metrics_summary s;
 *     qv_metrics_summarize(total, &s);
 *     printf("top-1 %.4f / %.4f\n", s.top1[QV_SIDE_FLOAT], s.top1[QV_SIDE_INT8]);
 *
 * Not thread-safe: one accumulator per thread (or per chunk), merged on one thread.
 */
#ifndef QVET_METRICS_H
#define QVET_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qvet/error.h"
#include "qvet/graph.h"
#include "qvet/manifest.h"   /* enum qv_task */

/* cJSON's node type (<cjson/cJSON.h>); only pointers to it cross this API. */
struct cJSON;

/* ---- exact sums -------------------------------------------------------------------------- */

/*
 * The exact sum of any number of doubles: a fixed-point superaccumulator covering every finite
 * double (67 digits of 32 bits from 2^-1074 up, carries included; 560 bytes). Adding is a few
 * integer operations; the state after adding a multiset of values is the same whatever the order
 * or grouping (merge included), and qv_xacc_value rounds the exact sum once (to nearest, ties to
 * even). Non-finite values are counted apart (NaN, +inf, -inf) and make the value NaN or +-inf.
 * Holds at least 2^62 adds.
 */
#define QV_XACC_CHUNKS 67

struct qv_xacc {
    int64_t chunk[QV_XACC_CHUNKS];   /* digit i weighs 2^(32 i - 1074); not normalized */
    int64_t pending;                 /* adds since the last carry propagation */
    int64_t n_nan, n_pinf, n_ninf;   /* non-finite values added */
};

void qv_xacc_init(struct qv_xacc *a);
void qv_xacc_add(struct qv_xacc *a, double v);
/* a += b, exactly. */
void qv_xacc_merge(struct qv_xacc *a, const struct qv_xacc *b);
/* The exact sum correctly rounded to a double (NaN when a NaN or both infinities were added). */
double qv_xacc_value(const struct qv_xacc *a);
/* True when no non-finite value was added and the exact sum is 0. */
bool qv_xacc_is_zero(const struct qv_xacc *a);

/*
 * Lossless, canonical text of an exact sum (same value and counts -> same text): "0", or
 * "[-]HEXpEXP" meaning HEX (lower-case hex digits, an odd integer) times 2^EXP, followed by
 * ",nan:N", ",+inf:N", ",-inf:N" for non-zero counts of non-finite values. Locale-independent.
 * buf: at least QV_XACC_TEXT_MAX bytes.
 */
#define QV_XACC_TEXT_MAX 640
void qv_xacc_format(const struct qv_xacc *a, char *buf, size_t size);
/* Parses qv_xacc_format's text (canonical form only); false on anything else. */
bool qv_xacc_parse(const char *s, struct qv_xacc *ret);

/*
 * A double as exact text in the same notation ("0", "-0", "[-]HEXpEXP", "inf", "-inf", "nan"):
 * the form serialized accumulators use for doubles. buf: at least QV_EXACT_DOUBLE_MAX bytes.
 * The parser accepts only values that are exactly a double.
 */
#define QV_EXACT_DOUBLE_MAX 40
void qv_exact_format_double(double v, char *buf, size_t size);
bool qv_exact_parse_double(const char *s, double *ret);

/* ---- divergence of a tensor from its reference ------------------------------------------ */

/*
 * Element pairs (f = the float reference, q = the tested value, both real units): counts, exact
 * sums of f^2, q^2, f q, (q - f)^2 and |q - f|, and max |q - f|. Pairs where either value is not
 * finite are counted apart and left out of the sums. Per sample, the terms of the sample's
 * elements are summed in double in an order fixed by the element count (docs/metrics.md §1) and
 * that per-sample sum is added exactly: the result depends neither on the order of the samples
 * nor on how they are grouped.
 */
struct qv_div {
    int64_t n;                       /* finite pairs */
    int64_t nonfinite;               /* pairs with a NaN or infinite member */
    int64_t samples;                 /* rows added */
    struct qv_xacc ref2, test2, cross, err2, abserr;
    double max_abs;                  /* 0 when n == 0 */
};

/* Figures of a qv_div (definitions in docs/metrics.md §2). NAN when n == 0. */
struct qv_div_figures {
    int64_t n, nonfinite;
    double sqnr_db;                  /* 10 log10(sum f^2 / sum (q-f)^2); +inf when q == f */
    double cosine;                   /* sum f q / sqrt(sum f^2 sum q^2); 1 when both are 0 */
    double rmse, mae, max_abs;       /* real units */
    double rel_l2;                   /* sqrt(sum (q-f)^2 / sum f^2) */
};

void qv_div_init(struct qv_div *d);
/* n_rows samples of row_elems elements each; ref and test are [n_rows][row_elems] float32. */
void qv_div_add_rows(struct qv_div *d, const float *ref, const float *test, int64_t n_rows,
                     int64_t row_elems);
/*
 * As qv_div_add_rows with the tested rows stored in dtype (test: [n_rows][row_elems]) and
 * dequantized with q (NULL or count 0: the stored values are real). Per-axis parameters take
 * the channel of each element from row_shape (one sample's shape; its dims[0] counts as 1).
 * Dequantized values are scale * (code - zero_point) in double (exact).
 */
void qv_div_add_rows_stored(struct qv_div *d, const float *ref, const void *test,
                            enum qv_dtype dtype, const struct qv_quant *q,
                            const struct qv_shape *row_shape, int64_t n_rows, int64_t row_elems);
void qv_div_merge(struct qv_div *d, const struct qv_div *src);
void qv_div_figures(const struct qv_div *d, struct qv_div_figures *ret);

/*
 * Use of an integer tensor's range: values at the dtype's minimum and maximum (saturated:
 * -128 and 127 for int8) and, for 8-bit dtypes, which of the 256 codes occur.
 */
struct qv_levels {
    int64_t n;                       /* values seen */
    int64_t at_min, at_max;          /* values equal to the dtype's min / max */
    uint64_t seen[4];                /* bit c: code c - min occurred (8-bit dtypes only) */
};

void qv_levels_init(struct qv_levels *l);
/* n values of an integer dtype; other dtypes are ignored. */
void qv_levels_add(struct qv_levels *l, const void *data, enum qv_dtype dtype, int64_t n);
void qv_levels_merge(struct qv_levels *l, const struct qv_levels *src);
/* Distinct codes seen (8-bit dtypes; 0 otherwise or when nothing was seen). */
int32_t qv_levels_used(const struct qv_levels *l);

/* ---- AUC from a bounded score histogram --------------------------------------------------- */

/*
 * Positive and negative scores counted per bin of an order-preserving 64-bit key of the score
 * (a double). At level L a bin holds the scores whose keys agree above bit L; level 0 is one bin
 * per distinct double, so the AUC is exact (ties count 1/2, the Mann-Whitney statistic). When
 * more than max_bins bins would be needed, the level rises until they fit: the result is then
 * within auc_bound of the exact AUC (docs/metrics.md §4). The level reached is the smallest at
 * which the scores of all samples fit in max_bins bins, so it, the bins and the AUC are the same
 * for any order of the samples and any split into merged parts. Memory: O(max_bins).
 */
struct qv_score_hist {
    int32_t max_bins;
    int32_t level;                   /* 0..64 */
    int64_t n_pos, n_neg;
    int32_t n_bins, cap;             /* open addressing, cap a power of two, 0 when empty */
    uint64_t *key;                   /* [cap] key >> level; slot empty when pos+neg == 0 */
    int64_t *pos, *neg;              /* [cap] */
};

#define QV_AUC_DEFAULT_BINS 65536

enum qv_status qv_score_hist_init(struct qv_score_hist *h, int32_t max_bins,
                                  struct qv_error *err);
void qv_score_hist_release(struct qv_score_hist *h);
/* One score (NaN is refused by the caller: not counted here) with its 0/1 label. */
enum qv_status qv_score_hist_add(struct qv_score_hist *h, double score, bool positive,
                                 struct qv_error *err);
enum qv_status qv_score_hist_merge(struct qv_score_hist *h, const struct qv_score_hist *src,
                                   struct qv_error *err);
/* AUC (NAN without both classes) and the bound on |AUC - exact AUC| (0 at level 0). */
void qv_score_hist_auc(const struct qv_score_hist *h, double *ret_auc, double *ret_bound);

/* ---- the task against the models ---------------------------------------------------------- */

#define QV_TASK_MAX_OUTPUTS 16
/* Regression: per-output figures for the first outputs (totals cover all). */
#define QV_TASK_MAX_DETAIL 256
/* Classification: confusion matrices up to this many classes (per-class counts always). */
#define QV_TASK_MAX_CONFUSION 1024
#define QV_TASK_DEFAULT_FLIPS 100
/* Largest class count and flips list accepted (bounds what a partial-results file can make us
 * allocate: a few arrays of QV_TASK_MAX_CLASSES counts). */
#define QV_TASK_MAX_CLASSES (1 << 20)
#define QV_TASK_MAX_FLIPS 100000

/* Where an anomaly score comes from. */
enum qv_score_mode {
    QV_SCORE_OUTPUT,                 /* the scored output's single element */
    QV_SCORE_RECONSTRUCTION,         /* mean over elements of (output - input)^2 (autoencoder) */
};

/* The two models compared. Arrays indexed by it hold the float model's figure first. */
enum qv_side { QV_SIDE_FLOAT = 0, QV_SIDE_INT8 = 1, QV_SIDES = 2 };

/* What the metrics expect per sample; made by qv_task_check, plain data. */
struct qv_task_spec {
    enum qv_task task;
    int32_t n_outputs;                           /* graph outputs (compared pairwise) */
    int64_t out_elems[QV_TASK_MAX_OUTPUTS];      /* elements per sample of each output */
    int32_t scored;                              /* output the task metrics read (0) */
    int32_t n_classes;                           /* classification: scored output's elements */
    int64_t label_elems;                         /* labels per sample: 1, or the scored
                                                  * output's elements for regression */
    enum qv_score_mode score;                    /* anomaly */
    int64_t in_elems;                            /* reconstruction: input 0's elements */
    int32_t max_flips;                           /* flipped samples listed (default 100) */
    int32_t auc_max_bins;                        /* default QV_AUC_DEFAULT_BINS */
};

/*
 * Checks that `task` fits the models and describes what the metrics expect. gf (float model)
 * and gq (int8 model) are finalized; either may be NULL, not both. Every output of one model
 * must have as many elements per sample as the same output of the other. Per task, the scored
 * output 0 must be:
 *   classification  [1, classes]-like: every dimension but the last is 1, 2 <= classes <=
 *                   QV_TASK_MAX_CLASSES
 *                   ("task \"classification\" needs ... output 0 'y' of model.tflite has shape
 *                   [1, 5, 5, 3]");
 *   regression      anything (one label per output element);
 *   anomaly         one element per sample (the score), or as many elements as input 0
 *                   (the score is then the mean squared reconstruction error);
 *   raw             anything (divergence only).
 * Errors are QV_E_INPUT naming the model file (err->path) and the output.
 */
enum qv_status qv_task_check(enum qv_task task, const struct qv_graph *gf,
                             const struct qv_graph *gq, struct qv_task_spec *ret_spec,
                             struct qv_error *err);

/* ---- task metrics ------------------------------------------------------------------------- */

/* A sample whose top-1 prediction differs between the float and the int8 model. */
struct qv_flip {
    int64_t sample;                  /* index in the dataset */
    double label;                    /* NAN when the dataset has no labels */
    int32_t pred[QV_SIDES];          /* -1: the output was not finite (no prediction) */
    double score[QV_SIDES];          /* output value at that side's prediction (NAN at -1) */
};

/* Classification counts of one side. Class arrays have n_classes entries. */
struct qv_class_counts {
    int64_t top1, top5;              /* labeled samples whose label ranks first / in the top 5 */
    int64_t *pred;                   /* [C] samples predicted as class c */
    int64_t *pred_labeled;           /* [C] labeled samples predicted as class c */
    int64_t *true_pos;               /* [C] labeled samples of class c predicted as c */
    int64_t *confusion;              /* [C * C] row = label, column = prediction; NULL when
                                      * n_classes > QV_TASK_MAX_CONFUSION */
};

/* Regression error sums of one output (or of all outputs together) for one comparison. */
struct qv_err_sums {
    int64_t n;
    struct qv_xacc abs, sq;          /* sum |e|, sum e^2 */
    double max_abs;
};

struct qv_metrics {
    struct qv_task_spec spec;
    bool started;                    /* something was added (fixes has and has_labels) */
    bool has[QV_SIDES];              /* sides delivered */
    bool has_labels;                 /* labels delivered */
    int64_t n;                       /* samples added */
    int64_t labeled;                 /* samples with a label valid for the task */
    int64_t bad_labels;              /* samples whose label is not valid for the task */
    /* samples with a NaN/Inf anywhere in their outputs, and such elements, per side */
    int64_t nonfinite_samples[QV_SIDES], nonfinite_elems[QV_SIDES];
    struct qv_div *output_div;       /* [n_outputs]: int8 vs float per output (both sides) */

    /* classification */
    int64_t *label_count;            /* [C] labeled samples per class */
    struct qv_class_counts cls[QV_SIDES];
    int64_t agree;                   /* both sides predict the same class */
    int64_t flips_total;             /* samples whose predictions differ */
    int32_t n_flips;                 /* listed: the max_flips lowest sample indices, ascending */
    struct qv_flip *flips;           /* [max_flips] */

    /* regression: per output (first QV_TASK_MAX_DETAIL) and over all outputs; index
     * QV_SIDE_FLOAT / QV_SIDE_INT8 is that model against the labels, 2 is int8 against float */
    int64_t n_detail;
    struct qv_err_sums *reg_out[3];  /* [n_detail] */
    struct qv_err_sums reg_all[3];

    /* anomaly: AUC histograms (0/1 labels), float-vs-int8 score correlation sums */
    struct qv_score_hist auc[QV_SIDES];
    int64_t n_scores;                /* samples with both scores finite */
    struct qv_xacc sx, sy, sxx, syy, sxy;   /* x = float score, y = int8 score */
};

/*
 * One group of delivered samples. out[s] is NULL for a side the run does not have, else
 * out[s][k] holds n rows of output k in real units ([n][out_elems[k]]). labels: NULL, or
 * [n][label_elems]. input: the float model's input 0 rows in real units, needed only for
 * QV_SCORE_RECONSTRUCTION.
 */
struct qv_metrics_rows {
    int64_t first;                   /* dataset index of row 0 */
    int64_t n;
    const double *labels;
    const float *const *out[QV_SIDES];
    const float *input;
};

enum qv_status qv_metrics_create(const struct qv_task_spec *spec, struct qv_metrics **ret,
                                 struct qv_error *err);
void qv_metrics_free(struct qv_metrics *m);
/*
 * Adds samples [first, first + n). Every sample must be added once (the flips list assumes
 * distinct sample indices). The sides present and whether labels are given must be the same in
 * every call (QV_E_USAGE otherwise). Labels: classification and anomaly take one per sample
 * (a class index; 0 or 1), regression label_elems; a NaN, non-integral or out-of-range label
 * counts in bad_labels and leaves the sample out of the label metrics.
 */
enum qv_status qv_metrics_add(struct qv_metrics *m, const struct qv_metrics_rows *rows,
                              struct qv_error *err);
/* m += src: both made from equal specs (QV_E_INPUT naming the difference otherwise). */
enum qv_status qv_metrics_merge(struct qv_metrics *m, const struct qv_metrics *src,
                                struct qv_error *err);

/* Headline figures; NAN where not computed (no labels, side absent, other task). */
struct qv_metrics_summary {
    int64_t n, labeled, bad_labels;
    int64_t nonfinite_samples[QV_SIDES];
    struct qv_div_figures output;    /* int8 vs float, all outputs together */
    /* classification */
    double top1[QV_SIDES], top5[QV_SIDES];   /* over labeled samples */
    double macro_f1[QV_SIDES];               /* mean F1 over classes with labels or predictions */
    double agreement;                        /* agree / n */
    int64_t flips_total;
    /* regression, all outputs together, against the labels */
    double mae[QV_SIDES], rmse[QV_SIDES], max_err[QV_SIDES];
    /* anomaly */
    double auc[QV_SIDES], auc_bound[QV_SIDES];
    double score_corr;                       /* Pearson, float vs int8 score */
};

void qv_metrics_summarize(const struct qv_metrics *m, struct qv_metrics_summary *ret);

/* Per-class figures of one side (NAN when undefined: no predictions / no labels). */
struct qv_class_figures {
    int64_t support;                 /* labeled samples of the class */
    double precision, recall, f1;
};
void qv_metrics_class(const struct qv_metrics *m, enum qv_side side, int32_t c,
                      struct qv_class_figures *ret);

/* Regression figures of output j (< n_detail), or of all outputs when j == -1. which: 0 float
 * vs labels, 1 int8 vs labels, 2 int8 vs float. */
struct qv_err_figures {
    int64_t n;
    double mae, rmse, max_abs;
};
void qv_metrics_regression(const struct qv_metrics *m, int32_t which, int64_t j,
                           struct qv_err_figures *ret);

/*
 * A JSON object holding everything (spec and accumulators; exact sums as qv_xacc text,
 * doubles as qv_exact_format_double text, counts as integers). Same state -> same text.
 * The caller owns *ret (cJSON_Delete).
 */
enum qv_status qv_metrics_to_json(const struct qv_metrics *m, struct cJSON **ret,
                                  struct qv_error *err);
/*
 * Reads qv_metrics_to_json's object. Everything is checked (types, ranges, array lengths,
 * counts that must agree); errors are QV_E_INPUT naming path and the JSON member
 * ("part1.json: metrics.cls[1].top1: expected a count").
 */
enum qv_status qv_metrics_from_json(const struct cJSON *j, const char *path,
                                    struct qv_metrics **ret, struct qv_error *err);

#endif
