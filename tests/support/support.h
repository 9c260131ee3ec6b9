/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers shared by every Check suite. */
#ifndef QV_TEST_SUPPORT_H
#define QV_TEST_SUPPORT_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qvet/qvet.h"

/*
 * Cases of a randomized suite: n, or n / 10 (rounded up) in a sanitizer build, where each case
 * costs 10-100x more (-O0 and the checks). Keeps CI (scripts/test.sh) bounded; the normal
 * build runs them all. Cases that depend on the index modulo small numbers keep every class.
 */
#if defined(__SANITIZE_ADDRESS__)
#define QVT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QVT_SANITIZED 1
#endif
#endif
#ifndef QVT_SANITIZED
#define QVT_SANITIZED 0
#endif
#define QVT_CASES(n) (QVT_SANITIZED ? ((n) + 9) / 10 : (n))

/* $QVET_FIXTURES/rel (tests/fixtures). Returns one of 16 rotating static buffers. */
const char *qvt_fixture(const char *rel);
/* $QVET_SOURCE_ROOT/rel (the source tree). Same buffers as qvt_fixture. */
const char *qvt_source(const char *rel);
/* A fresh temporary directory (malloc'd path); remove with qvt_rmtree and free. */
char *qvt_tmpdir(void);
void qvt_rmtree(const char *dir);
/* dir/name into a malloc'd string. */
char *qvt_path(const char *dir, const char *name);
void qvt_write_file(const char *path, const void *data, size_t size);
/* Whole file (malloc'd, NUL-terminated); NULL when missing. */
char *qvt_read_file(const char *path, size_t *ret_size);

/*
 * A whole .npy file (malloc'd, all rows) whose dtype must be `dtype`; NULL when the file does
 * not exist. Fails the test on any read error. *ret_rows and *ret_row_elems describe it.
 */
void *qvt_load_npy(const char *path, enum qv_dtype dtype, bool allow_nonfinite,
                   int64_t *ret_rows, int64_t *ret_row_elems);

/*
 * Runs $QVET_BIN with args (args[0] is the first argument after "qvet", NULL-terminated).
 * Captures stdout and stderr into malloc'd strings (either pointer may be NULL to discard).
 * Returns the exit code, or 128 + signal when killed by a signal (a crash).
 */
int qvt_run_cli(const char *const args[], char **ret_out, char **ret_err);

/* Exact comparison; on mismatch fails the test naming `what`, the first index and the count. */
void qvt_assert_bytes_equal(const char *what, const void *got, const void *want, size_t n,
                            size_t elem_size);
/* |got - want| <= max(abs_tol, rel_tol * |want|) per element; names the worst element. */
void qvt_assert_f32_close(const char *what, const float *got, const float *want, int64_t n,
                          double rel_tol, double abs_tol);

/* Check main(): runs <name>_suite() and returns 1 when anything failed. */
#define QV_TEST_MAIN(name)                                                                       \
    int main(void)                                                                               \
    {                                                                                            \
        SRunner *sr = srunner_create(name##_suite());                                            \
        srunner_run_all(sr, CK_NORMAL);                                                          \
        int failed = srunner_ntests_failed(sr);                                                  \
        srunner_free(sr);                                                                        \
        return failed ? 1 : 0;                                                                   \
    }

#endif
