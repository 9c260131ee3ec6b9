/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Byte-exact checks of the int8 engine against fixtures made with the tflite-micro interpreter
 * (the scripts in reference/): a model, one input .npy per graph input ([N, ...], all samples),
 * the expected graph outputs and optionally every intermediate tensor as t<index>.npy. Shared
 * by the int8 fixture suites.
 */
#ifndef QV_TEST_INT8_CHECK_H
#define QV_TEST_INT8_CHECK_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Where a fixture's files are. Names are relative to dir; in `input` and `output` the two
 * characters "%d" (if present) stand for the graph input/output index. `output` may name a file
 * that does not exist when `tensors` holds t<idx>.npy for that output instead.
 */
struct qvt_int8_fixture {
    const char *label;   /* printed with every result and mismatch */
    const char *dir;
    const char *model;   /* e.g. "model.tflite" */
    const char *input;   /* e.g. "input_%d.npy"; NULL: input_names */
    const char *const *input_names; /* one file name per graph input (when input is NULL) */
    const char *output;  /* e.g. "output_%d.npy" */
    const char *tensors; /* subdirectory with t<idx>.npy, or NULL */
};

/* What qvt_int8_check_fixture compared and found. */
struct qvt_int8_result {
    int64_t compared_plain, compared_fast; /* elements compared in each configuration */
    int64_t differ_plain, differ_fast;     /* elements that differed (-1: the run failed) */
};

/*
 * Runs the fixture through the int8 engine with double rounding (TFLM's default) twice: plain
 * loops one sample per run, and the fast path with all samples in one run. Every graph output and
 * every tensor with an expectation is compared byte for byte (intermediates through the engine
 * observer); the first mismatches are printed with op, node, tensor, sample, NHWC coordinates, got
 * and expected. Prints one summary line. Fails the test (ck_assert) when a file cannot be read,
 * anything differs or nothing was compared; fills *ret (may be NULL) before failing.
 */
void qvt_int8_check_fixture(const struct qvt_int8_fixture *fx, struct qvt_int8_result *ret);

/*
 * Reads the first word of every non-comment line of a cases.txt (case ids) into ids[max][len].
 * Returns the count (0 when the file is missing).
 */
int qvt_read_case_ids(const char *path, char (*ids)[64], int max);

#endif
