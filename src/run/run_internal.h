/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/run: how the arrays of a dataset feed each side's model inputs. */
#ifndef QV_RUN_INTERNAL_H
#define QV_RUN_INTERNAL_H

#include "qvet/io.h"
#include "qvet/run.h"

enum qv_feed_mode {
    QV_FEED_CODES,     /* integer codes of the input's own type and quantization: as they are */
    QV_FEED_DEQUANT,   /* codes of another model's input: dequantized with its parameters */
    QV_FEED_REAL,      /* real values (after preprocessing, when given) */
};

/* How dataset array `array` feeds one graph input of one side. */
struct qv_feed {
    int32_t array;
    enum qv_feed_mode mode;
    enum qv_dtype data_dtype;      /* as read */
    int64_t elems;                 /* per sample */
    float code_scale;              /* QV_FEED_DEQUANT */
    int32_t code_zero_point;
    bool preprocess;               /* QV_FEED_REAL with the spec's scale and offset */
    bool transpose;                /* [C, H, W] -> [H, W, C] */
    int64_t c, h, w;
    bool count_clipped;            /* real values into a quantized integer input: count those
                                    * outside its range (warning at the end) */
    double lo, hi;                 /* that range, in real units (half a step beyond the ends) */
};

struct qv_binding {
    int32_t n_sides;
    int32_t n_inputs[QV_RUN_MAX_SIDES];
    struct qv_feed feed[QV_RUN_MAX_SIDES][QV_DATASET_MAX_ARRAYS];
};

/*
 * Binds the dataset's arrays to every side's graph inputs (by name, else by position), checks
 * sample shapes and picks each feed mode (docs/data.md); warnings about dtypes go to warn.
 */
enum qv_status qv_bind(const struct qv_dataset *ds, const struct qv_data_spec *spec,
                       const struct qv_run_opts *opts, struct qv_binding *ret_binding,
                       struct qv_error *err);

/* Floats of scratch per element of the largest input and row of a batch (qv_feed_side). */
#define QV_FEED_SCRATCH 3

/*
 * Loads rows [0, n) of side s's engine inputs from the arrays x (rows row0.. of each, elements
 * as read: qv_dataset_read_arrays_raw), through scratch (room for n rows of the largest input,
 * QV_FEED_SCRATCH times). Codes of the input's own type go in as they are (a copy); other data
 * are converted to float32 here, in the worker. clipped[i] counts values outside the range of
 * input i when the feed counts them. first_sample names samples in errors.
 */
enum qv_status qv_feed_side(const struct qv_binding *b, const struct qv_data_spec *spec,
                            int32_t s, struct qv_engine *e, void *const x[], int64_t row0,
                            int64_t n, float *scratch, int64_t *clipped, int64_t first_sample,
                            struct qv_error *err);

#endif
