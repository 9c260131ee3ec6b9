/* SPDX-License-Identifier: Apache-2.0 */
/* Feeding a dataset into an engine batch by batch (shared by eval and compare). */
#ifndef QV_ANALYSIS_RUN_COMMON_H
#define QV_ANALYSIS_RUN_COMMON_H

#include "qvet/analysis.h"

struct qv_run_input {
    struct qv_dataset *ds;
    const char *path;
    int64_t sample_elems;
    bool has_preprocess;
    float pre_scale, pre_offset;
    float *x;           /* [batch][sample_elems]: the batch as read */
    float *xr;          /* the batch preprocessed to real values (when has_preprocess) */
    int64_t n;          /* samples in the current batch */
    double *labels;     /* [batch] */
    int64_t done;       /* samples delivered so far */
};

/*
 * Opens the dataset for graph g (one input; the sample's element count must equal the input's)
 * with room for `batch` samples per read.
 */
enum qv_status qv_run_input_open(struct qv_run_input *in, const struct qv_graph *g,
                                 const char *path, const struct qv_dataset_opts *data,
                                 bool has_preprocess, float pre_scale, float pre_offset,
                                 int64_t batch, struct qv_error *err);
/* Reads up to `want` samples into engine input 0 (rows from 0); *ret_n = 0 at the end. */
enum qv_status qv_run_input_next(struct qv_run_input *in, struct qv_engine *e, int64_t want,
                                 int64_t *ret_n, struct qv_error *err);
/*
 * Loads the current batch into input 0 of engine e (a second engine in compare). Data already
 * quantized for e's input (integer data in the input's own dtype) goes in as it is; anything
 * else is first preprocessed (x * scale + offset) into real values.
 */
enum qv_status qv_run_input_feed(struct qv_run_input *in, struct qv_engine *e,
                                 struct qv_error *err);
void qv_run_input_close(struct qv_run_input *in);

#endif
