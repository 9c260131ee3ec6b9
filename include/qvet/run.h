/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runner: a dataset through one or more engines, batch by batch, on any number of threads,
 * with results that are byte-identical for every thread count and batch size.
 *
 * eval, compare, run, calibration and sensitivity all drive their engines through qv_run():
 *
 *     struct qv_data_spec data = QV_DATA_SPEC_INIT;
 *     data.n_files = 1;
 *     data.files[0] = "golden/inputs.npy";
 *     data.labels = "golden/labels.csv";
 *     struct qv_run_opts o = QV_RUN_OPTS_INIT;
 *     o.n_sides = 1;
 *     o.sides[0].graph = g;
 *     o.sides[0].engine.kind = QV_ENGINE_INT8;
 *     o.n_threads = 0;                 // all cores
 *     o.deliver = on_rows;             // per-sample outputs, in sample order, on this thread
 *     o.user = &me;
 *     struct qv_run_stats stats;
 *     if (qv_run(&data, &o, &stats, err) != QV_OK) ...
 *
 * How it works. The samples of the run (the dataset, or one shard of it, cut at max_samples) are
 * split into chunks of `chunk` samples counted from the run's first sample; the chunking depends
 * on neither the thread count nor the batch size. The calling thread reads chunk after chunk
 * from the dataset; each worker thread owns one engine per side over the shared const graph and
 * computes whole chunks, in engine runs of at most `batch` samples; the calling thread then hands
 * the chunks over in order. With n_threads == 1 everything runs on the calling thread.
 *
 * Per-sample outputs reach `deliver` on the calling thread, in sample order. Observers see the
 * graph inputs as fed and every kept node's outputs, inside the worker that computes the chunk,
 * through a state of their own per chunk; the calling thread merges the chunk states in chunk
 * order. A state that only counts, takes minima/maxima, or sums exactly (per-sample sums added
 * to an exact accumulator, e.g. metrics.h's struct qv_xacc) gives the same merged result for any
 * chunking, so also across shards.
 *
 * The engines compute each sample independently of the others in its batch (engine.h), so a
 * sample's outputs do not depend on batch size or thread count either.
 */
#ifndef QVET_RUN_H
#define QVET_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qvet/engine.h"
#include "qvet/error.h"
#include "qvet/graph.h"
#include "qvet/manifest.h"

/* Samples per engine run when nothing else is asked for (eval, compare, run, calibration). */
#define QV_DEFAULT_BATCH 64
/* Samples per chunk when nothing else is asked for. */
#define QV_RUN_CHUNK 256
/* Engines (models or engine kinds) a run feeds the same samples to. */
#define QV_RUN_MAX_SIDES 4

/* ---- where samples come from --------------------------------------------------------------- */

/*
 * The dataset of a run. Strings are borrowed for the call. One file (.npy, .csv or .npz) feeds
 * a one-input model, or every input of a model from the .npz's arrays; several files (one .npy
 * each) feed one model input each, matched by input name (names[i]) or else in input order.
 * Inside an .npz, arrays are matched to inputs by name (the member name without ".npy"), else
 * in archive order. See docs/data.md for every rule.
 */
struct qv_data_spec {
    int32_t n_files;
    const char *files[QV_DATA_MAX_FILES];
    const char *names[QV_DATA_MAX_FILES];  /* model input fed by files[i]; NULL = by position */
    const char *labels;                    /* labels file (.csv, .npy) or NULL */
    const char *label_column;              /* CSV column holding the label, or NULL */
    bool allow_nonfinite;                  /* NaN/Inf in float data (default: an input error) */
    bool has_preprocess;                   /* x * scale + offset on data holding real values */
    float pre_scale, pre_offset;
    enum qv_layout layout;
    /* > 0: every label must be an integer in [0, label_classes) (classification). */
    int64_t label_classes;
    /*
     * A model that does not run but whose quantized inputs also say which integer data are
     * codes (docs/data.md), as a model of the run would; NULL: none. qvet run's own PTQ beside
     * a given int8 model calibrates the float model on data that may be that model's codes.
     */
    const struct qv_graph *codes_model;
};

#define QV_DATA_SPEC_INIT { .n_files = 0, .pre_scale = 1.0f, .layout = QV_LAYOUT_AS_IS }

/* ---- the run -------------------------------------------------------------------------------- */

/* One model + engine the samples go through. */
struct qv_run_side {
    const struct qv_graph *graph;          /* finalized; shared read-only by every worker */
    const char *name;                      /* the model file, for messages (may be NULL) */
    struct qv_engine_opts engine;          /* kind, rounding, plain_loops (max_batch and
                                            * observe are the runner's) */
};

/* A chunk of results, handed to deliver() on the calling thread, chunks in sample order. */
struct qv_run_rows {
    int64_t first;                         /* index in the dataset of row 0 */
    int64_t n;                             /* rows */
    const double *labels;                  /* [n], or NULL when the dataset has no labels */
    /*
     * Per side s and graph output k: raw[s][k] holds n rows in the engine's own dtype
     * (qv_engine_output_dtype: float32 in the float engine), real[s][k] the same rows as real
     * values (dequantized when the output is quantized).
     */
    const void *const *raw[QV_RUN_MAX_SIDES];
    const float *const *real[QV_RUN_MAX_SIDES];
    /*
     * With opts.deliver_inputs: inputs[s][i] holds the n rows of graph input i as fed to side s's
     * engine, in its dtype (float32 real values in the float engine); else NULL.
     */
    const void *const *inputs[QV_RUN_MAX_SIDES];
};

/*
 * Per-chunk observation. want() is asked once per side and node when each worker creates its
 * engines: true keeps that node's outputs observable (others may share memory). Then, inside the
 * worker computing a chunk: chunk_begin() makes a fresh state; tensors() sees, for every engine
 * run of the chunk and every side in order, first the graph inputs as fed to the engine (node
 * -1, one view per graph input, in the engine's dtype) and then each kept node's outputs in
 * execution order (node >= 0). Views hold the rows [row, row + n) of the chunk, n =
 * views[0].shape.dims[0]; they are borrowed for the call. Finally chunk_end() runs on the calling
 * thread in chunk order with merge = true, or with merge = false to only free the state of a
 * chunk abandoned after an error. States of different chunks live in different threads at once:
 * chunk_begin and tensors may read `user` but not change it; chunk_end may.
 */
struct qv_run_observer {
    bool (*want)(void *user, int32_t side, int32_t node);
    enum qv_status (*chunk_begin)(void *user, int64_t first, int64_t n, void **ret_state,
                                  struct qv_error *err);
    enum qv_status (*tensors)(void *state, int32_t side, int32_t node, int32_t n_views,
                              const struct qv_tensor_view *views, int64_t row,
                              struct qv_error *err);
    enum qv_status (*chunk_end)(void *user, void *state, bool merge, struct qv_error *err);
    void *user;
};

struct qv_run_progress {
    int64_t done;                          /* samples delivered */
    int64_t total;                         /* samples in the run, or -1 when not known (CSV) */
    double seconds;                        /* since the run started */
    double rate;                           /* samples per second so far */
};

struct qv_run_opts {
    int32_t n_sides;
    struct qv_run_side sides[QV_RUN_MAX_SIDES];
    int64_t batch;                         /* samples per engine run; 0 = QV_DEFAULT_BATCH */
    int64_t chunk;                         /* samples per chunk; 0 = max(QV_RUN_CHUNK, batch) */
    int32_t n_threads;                     /* worker threads; 0 = one per online CPU */
    int64_t max_samples;                   /* 0 = all */
    int32_t shard, n_shards;               /* run only slice `shard` (0-based) of n_shards
                                            * contiguous slices; n_shards 0 = everything */
    /* Calling thread, in sample order. May be NULL. A failure stops the run. */
    enum qv_status (*deliver)(void *user, const struct qv_run_rows *rows, struct qv_error *err);
    bool deliver_inputs;                   /* also hand over the inputs as fed (rows.inputs) */
    struct qv_run_observer observer;       /* chunk_begin NULL: no observer */
    /* Calling thread, after each delivered chunk. May be NULL. */
    void (*progress)(void *user, const struct qv_run_progress *p);
    /* Calling thread: things the data may not mean as the user thinks (docs/data.md). */
    void (*warn)(void *user, const char *msg);
    void *user;                            /* for deliver */
    void *notify_user;                     /* for progress and warn */
};

#define QV_RUN_OPTS_INIT { .n_sides = 0, .batch = 0, .chunk = 0, .n_threads = 1 }

struct qv_run_stats {
    int64_t first;                         /* index in the dataset of the run's first sample */
    int64_t samples;                       /* samples run */
    int64_t dataset_samples;               /* samples in the whole dataset, -1 when not counted */
    bool has_labels;
    int32_t n_threads;                     /* workers used */
    int64_t batch;                         /* engine batch used (per side, the smallest) */
    double seconds;                        /* wall time of the run */
};

/*
 * Opens the dataset, checks it against every side's model inputs (arrays, sample shapes and
 * dtypes; errors name the file, the array and the input), runs every sample of the run through
 * every side and delivers the results. A run with no samples is an input error naming the data.
 * Reads the dataset once, whatever the number of sides. On failure nothing more is delivered,
 * and the failure reported is the one of the earliest sample.
 */
enum qv_status qv_run(const struct qv_data_spec *data, const struct qv_run_opts *opts,
                      struct qv_run_stats *ret_stats, struct qv_error *err);

/* Online CPUs (at least 1): what n_threads = 0 means. */
int32_t qv_run_default_threads(void);

/* Seconds on the monotonic clock (wall time; for durations only). */
double qv_run_now(void);

/*
 * The data spec of a model directory's golden set (calibration = false) or calibration set (its
 * own files, else the golden set's), with the directory's preprocessing and layout. Strings
 * point into m.
 */
void qv_data_spec_from_manifest(const struct qv_manifest *m, bool calibration,
                                struct qv_data_spec *ret_spec);

/* Parses "K/N" (1-based K as users write it, 1 <= K <= N) into a 0-based shard and a count. */
bool qv_run_parse_shard(const char *text, int32_t *ret_shard, int32_t *ret_n_shards);

/* Samples [first, first + n) of a dataset of `total` samples that shard K of N runs. */
void qv_run_shard_range(int64_t total, int32_t shard, int32_t n_shards, int64_t *ret_first,
                        int64_t *ret_n);

#endif
