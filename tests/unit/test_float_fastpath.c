/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The float GEMM's variants, checkasm-style: every instruction-set variant this CPU runs
 * (portable C, AVX2+FMA, AVX-512) is called directly on randomized shapes (rows and columns
 * around the tile and panel sizes, k across the k blocks, k = 0), biases, activation ranges and
 * edge values (NaN, infinities, -0, subnormals, huge magnitudes), and must give exactly the
 * bits of the defining formula, computed here independently:
 *     acc = 0; for k: acc = fmaf(a[i][k], b[j][k], acc);   c[i][j] = clamp(acc + bias[j])
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/float/float_common.h"
#include "engine/float/gemm_f32.h"
#include "support.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static int64_t rint_in(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rnd() % (uint32_t)(hi - lo + 1));
}

/* Mostly ordinary values; with `edges`, now and then a NaN, an infinity, -0, a subnormal or a
 * huge magnitude. */
static float rvalue(bool edges)
{
    if (edges) {
        switch (rnd() % 64) {
        case 0: return NAN;
        case 1: return INFINITY;
        case 2: return -INFINITY;
        case 3: return -0.0f;
        case 4: return 1e-40f;
        case 5: return 3e38f;
        case 6: return -3e38f;
        default: break;
        }
    }
    return ((float)(rnd() % 2000001) / 1000000.0f - 1.0f) * (rnd() % 8 == 0 ? 1000.0f : 1.0f);
}

/* The defining formula, element by element. */
static void reference(int64_t m, int64_t n, int64_t k, const float *a, const float *b,
                      const float *bias, float lo, float hi, float *c)
{
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            float acc = 0.0f;
            for (int64_t kk = 0; kk < k; kk++)
                acc = fmaf(a[i * k + kk], b[j * k + kk], acc);
            c[i * n + j] = qv_f32_clamp(acc + bias[j], lo, hi);
        }
}

static void check_variant(const struct qv_sgemm_kernel *kv, int it)
{
    const bool edges = it % 3 == 2;
    int64_t m = rint_in(0, 40), n = rint_in(1, 70), k = rint_in(0, 40);
    if (it % 7 == 0)
        m = rint_in(230, 260);   /* across the row blocks */
    else if (it % 5 == 0)
        k = rint_in(150, 700);   /* across the k blocks */
    float *a = malloc((size_t)(m * k + 1) * sizeof(float));
    float *b = malloc((size_t)(n * k + 1) * sizeof(float));
    float *bias = malloc((size_t)n * sizeof(float));
    float *want = malloc((size_t)(m * n + 1) * sizeof(float));
    /* c has a guard column on each row: the kernel must write columns [0, n) only. */
    const int64_t ldc = n + 3;
    float *got = malloc((size_t)(m * ldc + 1) * sizeof(float));
    float *packed = malloc(qv_sgemm_packed_size(kv, n, k) + sizeof(float));
    ck_assert(a && b && bias && want && got && packed);
    for (int64_t i = 0; i < m * k; i++)
        a[i] = rvalue(edges);
    for (int64_t i = 0; i < n * k; i++)
        b[i] = rvalue(edges);
    for (int64_t j = 0; j < n; j++)
        bias[j] = rvalue(edges);
    for (int64_t i = 0; i < m * ldc; i++)
        got[i] = 12345.0f;
    static const enum qv_act acts[4] = { QV_ACT_NONE, QV_ACT_RELU, QV_ACT_RELU6,
                                         QV_ACT_RELU_N1_TO_1 };
    struct qv_sgemm_epilogue ep = { .bias = bias };
    qv_f32_act_range(acts[it % 4], &ep.lo, &ep.hi);
    reference(m, n, k, a, b, bias, ep.lo, ep.hi, want);
    qv_sgemm_pack(kv, b, n, k, k, packed);
    qv_sgemm_run(kv, m, n, k, a, k, packed, &ep, got, ldc);
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < n; j++)
            /* Bit for bit; a NaN's payload is not compared (any NaN matches any NaN). */
            ck_assert_msg(memcmp(&got[i * ldc + j], &want[i * n + j], sizeof(float)) == 0 ||
                              (isnan(got[i * ldc + j]) && isnan(want[i * n + j])),
                          "%s case %d (m %lld n %lld k %lld act %d): c[%lld][%lld] = %a, "
                          "expected %a", kv->name, it, (long long)m, (long long)n, (long long)k,
                          it % 4, (long long)i, (long long)j, (double)got[i * ldc + j],
                          (double)want[i * n + j]);
        for (int64_t j = n; j < ldc; j++)
            ck_assert_msg(got[i * ldc + j] == 12345.0f, "%s case %d: column %lld written",
                          kv->name, it, (long long)j);
    }
    free(a);
    free(b);
    free(bias);
    free(want);
    free(got);
    free(packed);
}

START_TEST(sgemm_variants_exact)
{
    int count;
    const struct qv_sgemm_kernel *const *kv = qv_sgemm_kernels(&count);
    ck_assert_int_ge(count, 1);
    ck_assert_str_eq(kv[0]->name, "c");
    for (int v = 0; v < count; v++) {
        rng = 0x9E3779B97F4A7C15ull ^ ((uint64_t)(_i + 1) * 0xBF58476D1CE4E5B9ull);
        check_variant(kv[v], _i);
    }
}
END_TEST

/* The selected variant is one of those this CPU runs, whatever the width. */
START_TEST(sgemm_select_runs_here)
{
    int count;
    const struct qv_sgemm_kernel *const *kv = qv_sgemm_kernels(&count);
    for (int64_t n = 1; n <= 100; n++) {
        const struct qv_sgemm_kernel *s = qv_sgemm_select(n);
        bool found = false;
        for (int v = 0; v < count; v++)
            found = found || kv[v] == s;
        ck_assert_msg(found, "n %lld: selected kernel %s is not available", (long long)n,
                      s->name);
    }
}
END_TEST

static Suite *float_fastpath_suite(void)
{
    Suite *s = suite_create("float_fastpath");
    TCase *tc = tcase_create("sgemm");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, sgemm_variants_exact, 0, 300);
    tcase_add_test(tc, sgemm_select_runs_here);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(float_fastpath)
