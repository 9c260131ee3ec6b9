/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Importers and exporters: .npy arrays, CSV datasets, the native JSON model, TFLite flatbuffers,
 * C arrays, and atomic file output.
 *
 * Every reader checks every size and offset against the file before use and fails with
 * QV_E_INPUT naming the file and the byte offset (binary formats) or line/column (text).
 * Every writer writes a temporary file beside the target and renames it into place.
 */
#ifndef QVET_IO_H
#define QVET_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "qvet/error.h"
#include "qvet/graph.h"

/* ---- atomic output ------------------------------------------------------------------------ */

/*
 * A file being written: data goes to "PATH.tmp.XXXXXX", qv_atomic_commit renames it to PATH. A
 * PATH that is a device or FIFO (/dev/stdout, /dev/null) is not replaced: the data waits in a
 * temporary file of $TMPDIR and is copied into PATH at commit (stream). A symbolic link to a
 * regular file is followed, so the file is replaced and the link kept.
 */
struct qv_atomic_file {
    FILE *fp;
    char path[1024];
    char tmp_path[1040];
    bool stream;
};

enum qv_status qv_atomic_open(struct qv_atomic_file *f, const char *path, struct qv_error *err);
/* Flushes, fsyncs, closes and renames; on any failure removes the temporary file. */
enum qv_status qv_atomic_commit(struct qv_atomic_file *f, struct qv_error *err);
/* Closes and removes the temporary file (after an error); safe to call twice. */
void qv_atomic_abort(struct qv_atomic_file *f);
/* Whole buffer to PATH atomically. */
enum qv_status qv_file_write_atomic(const char *path, const void *data, size_t size,
                                    struct qv_error *err);
/* Whole file into a malloc'd buffer (a NUL one byte past *ret_size); max_size bounds it. */
enum qv_status qv_file_read_all(const char *path, size_t max_size, uint8_t **ret_data,
                                size_t *ret_size, struct qv_error *err);
/* mkdir -p. */
enum qv_status qv_mkdir_p(const char *path, struct qv_error *err);
/* Writes s as a JSON string literal (quotes, escapes for '"', '\\' and control bytes). */
void qv_json_fputs(FILE *f, const char *s);

/* ---- a command's outputs, committed together --------------------------------------------- */

/*
 * Every output of one command (files and directories) is written under a temporary name in its
 * target's directory and renamed into place by qv_outset_commit at the end, all together, so a
 * failed command leaves no outputs behind (qv_outset_free removes what was not committed).
 * Adding an output also removes temporaries that an earlier, killed run left for the same
 * target. A directory replaces an existing one as a whole.
 */
struct qv_outset;

enum qv_status qv_outset_create(struct qv_outset **ret_os, struct qv_error *err);
/* Creates an empty temporary file for path; write it through *ret_tmp (borrowed). */
enum qv_status qv_outset_add_file(struct qv_outset *os, const char *path, const char **ret_tmp,
                                  struct qv_error *err);
/*
 * Creates an empty temporary directory for path; fill it through *ret_tmp (borrowed). An
 * existing directory at path is replaced only when it is empty or holds the file `marker` (what
 * qvet writes there, e.g. "index.csv"); marker NULL allows any.
 */
enum qv_status qv_outset_add_dir(struct qv_outset *os, const char *path, const char *marker,
                                 const char **ret_tmp, struct qv_error *err);
/* Syncs every output, then renames each into place. */
enum qv_status qv_outset_commit(struct qv_outset *os, struct qv_error *err);
/* Removes the temporaries not committed. Accepts NULL. */
void qv_outset_free(struct qv_outset *os);

/* ---- SHA-256 ------------------------------------------------------------------------------ */

/* Lower-case hex digest of data[size] (64 digits and a NUL). */
void qv_sha256(const void *data, size_t size, char hex[65]);
/* Of a whole file, streamed. */
enum qv_status qv_sha256_file(const char *path, char hex[65], struct qv_error *err);

/* ---- .npy ---------------------------------------------------------------------------------- */

/*
 * Header of an .npy file (format 1.0, 2.0 and 3.0; little-endian; C order only). Arrays of
 * qvet's dtypes (float32, int8, uint8, int16, int32, int64, bool) are read as they are (a bool
 * byte must be 0 or 1); float64 arrays are read as float32, a value beyond float32's range being
 * an input error naming its sample and element (docs/data.md).
 */
struct qv_npy_info {
    enum qv_dtype dtype;           /* as delivered by qv_npy_read_rows */
    struct qv_shape shape;         /* shape[0] = number of samples N (rank >= 1) */
    int64_t data_offset;           /* byte offset of the first element */
    int64_t row_elems;             /* elements per sample: product of dims 1..rank-1 */
    char descr[8];                 /* numpy's type string as stored, e.g. "<f8" */
    size_t stored_elem_size;       /* bytes of one element in the file */
};

struct qv_npy;

/* Opens and parses the header; data is read in batches with qv_npy_read_rows. */
enum qv_status qv_npy_open(const char *path, struct qv_npy **ret_npy, struct qv_error *err);
const struct qv_npy_info *qv_npy_get_info(const struct qv_npy *npy);
/*
 * Reads up to max_rows samples into buf (info.dtype, row-major) and sets *ret_rows (0 at the end).
 * A file shorter than its header promises fails with the byte offset. Float rows holding NaN or
 * Inf fail naming the sample index and element, unless allow_nonfinite.
 */
enum qv_status qv_npy_read_rows(struct qv_npy *npy, int64_t max_rows, void *buf,
                                bool allow_nonfinite, int64_t *ret_rows, struct qv_error *err);
/* Skips up to max_rows samples without reading them into memory; *ret_rows = skipped. */
enum qv_status qv_npy_skip_rows(struct qv_npy *npy, int64_t max_rows, int64_t *ret_rows,
                                struct qv_error *err);
void qv_npy_close(struct qv_npy *npy);

/* ---- .npz (zip archives of .npy members, stored or deflated) ------------------------------- */

struct qv_npz;

/*
 * Reads the archive's directory and checks every member (zip64 included): offsets and sizes
 * within the file, ".npy" names, stored or deflate compression, no encryption, no duplicates.
 * Errors name the archive, the byte offset and the member.
 */
enum qv_status qv_npz_open(const char *path, struct qv_npz **ret_npz, struct qv_error *err);
int32_t qv_npz_count(const struct qv_npz *z);
/* Member i's name as stored (numpy's array name + ".npy"), in archive order. */
const char *qv_npz_name(const struct qv_npz *z, int32_t i);
const char *qv_npz_path(const struct qv_npz *z);
/*
 * Opens member i as a streamed .npy reader (independent of z, which may be closed). Its CRC-32
 * and size are checked when its last byte is read; errors name the archive and the member.
 */
enum qv_status qv_npz_open_array(const struct qv_npz *z, int32_t i, struct qv_npy **ret_npy,
                                 struct qv_error *err);
void qv_npz_close(struct qv_npz *z);

/* Whole array to PATH atomically (format 1.0, or 2.0 when the header needs it). */
enum qv_status qv_npy_save(const char *path, enum qv_dtype dtype, const struct qv_shape *shape,
                           const void *data, struct qv_error *err);

/* Streaming writer: rows are appended, the sample count in the header is fixed at close. */
struct qv_npy_writer;
/* row_shape: the shape of one sample (may be rank 0). */
enum qv_status qv_npy_writer_open(const char *path, enum qv_dtype dtype,
                                  const struct qv_shape *row_shape,
                                  struct qv_npy_writer **ret_writer, struct qv_error *err);
enum qv_status qv_npy_writer_append(struct qv_npy_writer *w, const void *rows, int64_t n_rows,
                                    struct qv_error *err);
/*
 * As qv_npy_writer_open, but writes exactly `path` (no temporary, no rename): for files that a
 * struct qv_outset commits.
 */
enum qv_status qv_npy_writer_open_plain(const char *path, enum qv_dtype dtype,
                                        const struct qv_shape *row_shape,
                                        struct qv_npy_writer **ret_writer, struct qv_error *err);
/* Patches the header and renames into place. Frees w whatever happens. */
enum qv_status qv_npy_writer_close(struct qv_npy_writer *w, struct qv_error *err);
/* Abandons the file (removes the temporary). Accepts NULL. */
void qv_npy_writer_abort(struct qv_npy_writer *w);

/* ---- datasets (npy, npz or CSV, streamed) --------------------------------------------- */

/* Arrays one dataset may hold (one per model input). */
#define QV_DATASET_MAX_ARRAYS 64

struct qv_dataset_opts {
    const char *labels_path;       /* separate labels file (.csv one per line, or .npy); NULL */
    const char *label_column;      /* CSV column holding the label; NULL = "label" when a header
                                    * names it, else no label column */
    bool allow_nonfinite;          /* default false: NaN/Inf in data is an input error */
    /*
     * > 0 (classification): every label must be an integer in [0, label_classes), and float
     * .npy labels are refused; errors name the labels file and the line (CSV) or byte (.npy).
     */
    int64_t label_classes;
};

struct qv_dataset;

/*
 * A dataset of one or more arrays read in step, sample by sample: one .csv file (one array), or
 * .npy files and .npz archives (each .npy one array, each .npz member one array, in order).
 * Kinds go by extension, else by content. Every array must hold the same number of samples
 * (checked at open, naming both files). Labels come from labels_path or a CSV label column.
 */
enum qv_status qv_dataset_open_files(int32_t n_files, const char *const files[],
                                     const struct qv_dataset_opts *opts,
                                     struct qv_dataset **ret_ds, struct qv_error *err);
/* One file. */
enum qv_status qv_dataset_open(const char *path, const struct qv_dataset_opts *opts,
                               struct qv_dataset **ret_ds, struct qv_error *err);
int32_t qv_dataset_n_arrays(const struct qv_dataset *ds);
/* The .npz member name of array i without ".npy", or "" for a plain file. */
const char *qv_dataset_array_name(const struct qv_dataset *ds, int32_t i);
/* The file array i is read from. */
const char *qv_dataset_array_file(const struct qv_dataset *ds, int32_t i);
/* Shape of one sample of array i (npy: dims 1..; CSV: [features]). */
const struct qv_shape *qv_dataset_array_shape(const struct qv_dataset *ds, int32_t i);
/* Element type of array i as read (CSV: float32; .npy float64 is read as float32). */
enum qv_dtype qv_dataset_array_dtype(const struct qv_dataset *ds, int32_t i);
/* Array 0's sample shape and dtype. */
const struct qv_shape *qv_dataset_sample_shape(const struct qv_dataset *ds);
enum qv_dtype qv_dataset_dtype(const struct qv_dataset *ds);
/* Samples in the dataset, or -1 when not known before reading it (CSV). */
int64_t qv_dataset_samples(const struct qv_dataset *ds);
bool qv_dataset_has_labels(const struct qv_dataset *ds);
/* The file labels come from ("" when none). */
const char *qv_dataset_labels_path(const struct qv_dataset *ds);
/*
 * Reads up to max samples: array i's values converted to float32 into x[i] ([n][sample elems]);
 * labels into labels (may be NULL) when the dataset has them. *ret_n = 0 at the end. A labels
 * file with fewer or more entries than samples is an input error naming both files (and the
 * line of a CSV labels file).
 */
enum qv_status qv_dataset_read_arrays(struct qv_dataset *ds, int64_t max, float *const x[],
                                      double *labels, int64_t *ret_n, struct qv_error *err);
/*
 * The same with each array's elements as read, in qv_dataset_array_dtype(ds, i) (x[i] holds
 * [n][sample elems] elements of that type): int8 codes stay int8 bytes, for a caller that copies
 * them into an int8 input as they are or converts them where it runs (qv_data_to_f32).
 */
enum qv_status qv_dataset_read_arrays_raw(struct qv_dataset *ds, int64_t max, void *const x[],
                                          double *labels, int64_t *ret_n, struct qv_error *err);
/* n elements of dtype (as qv_dataset_read_arrays_raw delivers them) to float32 values. */
void qv_data_to_f32(enum qv_dtype dtype, const void *src, int64_t n, float *dst);
/* The same for a dataset of one array. */
enum qv_status qv_dataset_read(struct qv_dataset *ds, int64_t max, float *x, double *labels,
                               int64_t *ret_n, struct qv_error *err);
/* Skips up to max samples (and their labels), checking what it passes; *ret_n = skipped. */
enum qv_status qv_dataset_skip(struct qv_dataset *ds, int64_t max, int64_t *ret_n,
                               struct qv_error *err);
void qv_dataset_close(struct qv_dataset *ds);

/* ---- models ------------------------------------------------------------------------------- */

/* Native model: model.json + weights file (offsets in the JSON). Finalizes the graph. */
enum qv_status qv_model_json_load(const char *json_path, struct qv_graph **ret_graph,
                                  struct qv_error *err);
/* Writes JSON_PATH and, beside it, the weights file named in the JSON ("<stem>.bin"). */
enum qv_status qv_model_json_save(const struct qv_graph *g, const char *json_path,
                                  struct qv_error *err);

/*
 * TFLite flatbuffer from memory (path names errors and becomes the graph's path). Finalizes the
 * graph. Operators qvet does not support (builtin or custom) and variable tensors are kept as
 * QV_OP_UNSUPPORTED nodes and is_variable tensors (see include/qvet/graph.h), so the model can be
 * inspected; computing with it is refused by qv_graph_check_runnable. Quantization parameters
 * are checked (zero point within the dtype, scale finite, normal, representable) naming the
 * tensor, the value and its byte offset.
 */
enum qv_status qv_tflite_read(const uint8_t *buf, size_t size, const char *path,
                              struct qv_graph **ret_graph, struct qv_error *err);
enum qv_status qv_tflite_load(const char *path, struct qv_graph **ret_graph,
                              struct qv_error *err);
/*
 * Whether TensorFlow Lite Micro has a kernel for a TFLite operator: builtin `code`, or, for
 * code 32 (CUSTOM), the custom operator named custom_name (may be NULL). The table lists the
 * kernels of the tflite-micro interpreter qvet is checked against (src/io/tflite/tflm_ops.c).
 */
bool qv_tflite_tflm_supports(int32_t code, const char *custom_name);
/* Serializes a finalized graph to a malloc'd TFLite flatbuffer (refuses unsupported graphs). */
enum qv_status qv_tflite_write(const struct qv_graph *g, uint8_t **ret_buf, size_t *ret_size,
                               struct qv_error *err);
enum qv_status qv_tflite_save(const struct qv_graph *g, const char *path, struct qv_error *err);

/*
 * What TFLM's allocator and the flash budget read from a .tflite beyond the graph (budget/ uses
 * it): counts over every subgraph (TFLM allocates tensor and node structs for all of them), per
 * tensor of subgraph 0 the number of scales when TFLM gives it affine quantization (scale and
 * zero_point both non-empty; 0 otherwise, float tensors included), whether the model carries an
 * OfflineMemoryAllocation plan, and the bytes of buffer data and of quantization vectors
 * (scale, zero_point, min, max). Release with qv_tflite_facts_release.
 */
struct qv_tflite_facts {
    size_t file_bytes;
    int32_t n_subgraphs;
    int64_t n_tensors_all, n_operators_all;
    int32_t n_tensors;             /* subgraph 0 */
    int32_t *quant_channels;       /* [n_tensors], malloc'd */
    bool offline_plan;
    size_t buffer_data_bytes;
    size_t quant_bytes;
};

enum qv_status qv_tflite_facts_read(const uint8_t *buf, size_t size, const char *path,
                                    struct qv_tflite_facts *ret_facts, struct qv_error *err);
/* Frees quant_channels; accepts NULL and a zeroed struct. */
void qv_tflite_facts_release(struct qv_tflite_facts *facts);

/*
 * C array export: writes DIR/NAME.h and DIR/NAME.c holding `const unsigned char NAME[]`
 * (16-byte aligned) and `const unsigned int NAME_len`. name must be a C identifier.
 */
enum qv_status qv_c_array_save(const uint8_t *data, size_t size, const char *dir,
                               const char *name, struct qv_error *err);

/*
 * Any model: a model directory (the model qv_manifest_model picks for the float engine), or a
 * file whose format is recognized by its content first (a TFLite flatbuffer by "TFL3" at bytes
 * 4..7, a qvet JSON model by its opening '{') and by its extension (.tflite, .json) second, so
 * that the right reader explains what is wrong with a damaged file. Finalizes the graph.
 * Errors: QV_E_IO (cannot open, with the system's reason), QV_E_INPUT (unknown format, or the
 * reader's own errors), all naming the file.
 */
enum qv_status qv_model_load(const char *path, struct qv_graph **ret_graph, struct qv_error *err);

#endif
