/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The int8 engine against the tflite-micro interpreter on trained-layer-like single-op models:
 * every case of tests/fixtures/int8_wide/cases.txt (FULLY_CONNECTED per-tensor and per-channel,
 * CONV_2D, DEPTHWISE_CONV_2D; wide layers, large accumulators and biases, zero points at the
 * edges, edge-of-range inputs, output scales nudged next to rounding boundaries), made by
 * reference/make_int8_wide_fixtures.py. Byte for byte, plain loops and fast path (see
 * tests/support/int8_check.h); the cases marked sensitive in cases.txt fail with a per-tensor
 * FULLY_CONNECTED multiplier formed from the float product s_in * s_w.
 */
#include <stdio.h>

#include "int8_check.h"
#include "support.h"

#define MAX_CASES 1024

static char ids[MAX_CASES][64];
static int n_cases;

START_TEST(wide_matches_tflm)
{
    char dir[1100];
    char rel[100];
    snprintf(rel, sizeof(rel), "int8_wide/%s", ids[_i]);
    snprintf(dir, sizeof(dir), "%s", qvt_fixture(rel));
    const struct qvt_int8_fixture fx = {
        .label = ids[_i],
        .dir = dir,
        .model = "model.tflite",
        .input = "input_%d.npy",
        .output = "output_%d.npy",
        .tensors = NULL,
    };
    qvt_int8_check_fixture(&fx, NULL);
}
END_TEST

START_TEST(wide_cases_listed)
{
    ck_assert_msg(n_cases > 0, "no cases in %s", qvt_fixture("int8_wide/cases.txt"));
}
END_TEST

static Suite *int8_wide_suite(void)
{
    Suite *s = suite_create("int8_wide");
    TCase *tc = tcase_create("tflm");
    n_cases = qvt_read_case_ids(qvt_fixture("int8_wide/cases.txt"), ids, MAX_CASES);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, wide_cases_listed);
    if (n_cases > 0)
        tcase_add_loop_test(tc, wide_matches_tflm, 0, n_cases);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(int8_wide)
