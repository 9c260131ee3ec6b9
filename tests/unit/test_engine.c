/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's own tables and invariants (kernels are tested per op in the *_ops suites). */
#include <check.h>

#include "engine/kernel.h"
#include "support.h"

/* ggml's static_assert, as a test: an op without a float or an int8 kernel fails here. */
START_TEST(kernel_tables_complete)
{
    for (int i = 0; i < QV_OP_COUNT; i++) {
        const char *name = qv_op_name((enum qv_op)i);
        ck_assert_msg(qv_kernels_f32[i].eval != NULL, "op %s has no float kernel", name);
        ck_assert_msg(qv_kernels_s8[i].eval != NULL, "op %s has no int8 kernel", name);
    }
}
END_TEST

Suite *engine_suite(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("tables");
    tcase_add_test(tc, kernel_tables_complete);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(engine)
