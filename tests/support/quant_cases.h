/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/fixtures/hostile/quant/cases.txt (reference/make_hostile_quant_fixtures.py): single-op
 * int8 models with one hostile quantization parameter each. One case a line:
 *     exit | file | tensor INDEX 'NAME' (role) | field | bad value | qvet arguments
 */
#ifndef QV_TEST_QUANT_CASES_H
#define QV_TEST_QUANT_CASES_H

#include <stdbool.h>
#include <stdint.h>

struct qvt_quant_case {
    int exit_code;
    char file[256];                /* relative to tests/fixtures/hostile/quant */
    int32_t tensor;
    char name[256];
    char field[32];                /* "scale", "zero_point", "scale[1]", ... */
    bool is_scale;
    double value;                  /* the bad value (nan and ±inf included) */
    char args[1024];               /* the qvet arguments, files relative to the directory */
    /*
     * A scale valid on its own whose ratio to the others gives a requantization multiplier no
     * kernel can represent ("multiplier" in the file name): refused by the engines at prepare,
     * not when the model is read.
     */
    bool prepare_time;
};

/* Parses the cases (malloc'd array, *ret_n entries); fails the test on a malformed line. */
struct qvt_quant_case *qvt_quant_cases(int *ret_n);

/*
 * True when `msg` names the case's tensor ("tensor INDEX ('NAME')"), its field, and a value
 * equal to the case's (after " = ", as qvet prints it: %g, so 6 significant digits).
 */
bool qvt_quant_message_ok(const struct qvt_quant_case *c, const char *msg);

#endif
