/* SPDX-License-Identifier: Apache-2.0 */
/*
 * budget/: the TFLM arena against the tflite-micro interpreter's bisected minimum for every int8
 * fixture (tests/fixtures/arena/tflm_host64.csv, made by reference/bisect_arena.py), the
 * planners (TFLM's greedy order and ties, validity, never worse, lower bound), the per-op and
 * per-core tables, target profiles (shipped set and hostile files), verdicts and the resolver
 * snippet.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget/budget_int.h"
#include "budget/planner.h"
#include "budget/tflm.h"
#include "support.h"

/* ---- the arena against TFLM ---------------------------------------------------------------- */

struct arena_case {
    char path[256];
    size_t file_bytes, arena_min;
};

static struct arena_case *cases;
static int n_cases;

static void load_cases(void)
{
    if (cases)
        return;
    size_t size = 0;
    char *text = qvt_read_file(qvt_source("tests/fixtures/arena/tflm_host64.csv"), &size);
    ck_assert_ptr_nonnull(text);
    cases = calloc(1024, sizeof(*cases));
    for (char *line = strtok(text, "\n"); line && n_cases < 1024; line = strtok(NULL, "\n")) {
        struct arena_case c;
        if (line[0] == '#' || strncmp(line, "path,", 5) == 0)
            continue;
        char *comma = strchr(line, ',');
        ck_assert_ptr_nonnull(comma);
        *comma = '\0';
        snprintf(c.path, sizeof(c.path), "%s", line);
        ck_assert_int_eq(sscanf(comma + 1, "%zu,%zu", &c.file_bytes, &c.arena_min), 2);
        cases[n_cases++] = c;
    }
    free(text);
}

static void load_model(const char *rel, struct qv_graph **g, uint8_t **buf, size_t *size)
{
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_msg(qv_budget_model_load(qvt_source(rel), g, buf, size, &err) == QV_OK, "%s: %s",
                  rel, err.msg);
}

/* The Check frozen figure: every fixture's host64 arena equals the interpreter's minimum. */
START_TEST(arena_equals_tflm_minimum)
{
    load_cases();
    ck_assert_int_ge(n_cases, 333);
    int exact = 0;
    for (int i = 0; i < n_cases; i++) {
        struct qv_graph *g;
        uint8_t *buf;
        size_t size;
        struct qv_error err = QV_ERROR_INIT;
        struct qv_arena a;
        load_model(cases[i].path, &g, &buf, &size);
        ck_assert_uint_eq(size, cases[i].file_bytes);
        ck_assert_msg(qv_arena_compute(g, buf, size, QV_TFLM_HOST64_PYTHON, QV_KERNELS_REFERENCE,
                                       QV_ISA_NONE, &a, &err) == QV_OK, "%s", err.msg);
        if (a.total == cases[i].arena_min)
            exact++;
        else
            fprintf(stderr, "%s: qvet %zu, tflite-micro %zu\n", cases[i].path, a.total,
                    cases[i].arena_min);
        /* the parts add up: tail parts + head + alignment slack = total */
        size_t tail = 0;
        for (int p = 0; p < QV_ARENA_HEAD; p++)
            tail += a.parts[p];
        ck_assert_uint_eq(tail, a.tail);
        ck_assert_uint_le(a.tail + a.head, a.total);
        ck_assert_uint_le(a.total_better, a.total);
        ck_assert_uint_le(a.head_better, a.head);
        ck_assert_uint_ge(a.head_better, a.plan_lower_bound);
        ck_assert(a.exact);
        qv_arena_release(&a);
        qv_graph_free(g);
        free(buf);
    }
    ck_assert_int_eq(exact, n_cases);
}
END_TEST

/* The trace TFLM's allocator sees, on one conv: the order and sizes traced with gdb in the
 * tflite_micro wheel (docs/budget.md). */
START_TEST(conv_trace_matches_interpreter)
{
    struct qv_graph *g;
    uint8_t *buf;
    size_t size;
    struct qv_error err = QV_ERROR_INIT;
    struct qv_tflm_trace tr;
    load_model("tests/fixtures/int8_ops/conv_2d_000/model.tflite", &g, &buf, &size);
    ck_assert_int_eq(qv_tflm_trace_model(g, buf, size, QV_TFLM_HOST64_PYTHON,
                                         QV_KERNELS_REFERENCE, QV_ISA_NONE, &tr, &err), QV_OK);
    static const struct { char k; size_t bytes, align; } want[] = {
        { 'P', 104, 8 }, { 'P', 72, 8 }, { 'P', 272, 8 }, { 'P', 16, 8 }, { 'R', 192, 8 },
        { 'P', 24, 8 }, { 'P', 96, 8 }, { 'P', 64, 8 }, { 'P', 28, 4 }, { 'P', 80, 16 },
        { 'T', 64, 8 }, { 'T', 24, 8 }, { 'T', 8, 4 }, { 'T', 64, 8 }, { 'T', 24, 8 },
        { 'T', 8, 4 }, { 'T', 64, 8 }, { 'T', 24, 8 }, { 'T', 36, 4 }, { 'P', 32, 16 },
        { 'P', 32, 16 },
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const struct qv_tflm_event *e = &tr.ev[i];
        char k = e->kind == QV_TFLM_PERSIST ? 'P' : e->kind == QV_TFLM_TEMP ? 'T'
                 : e->kind == QV_TFLM_HEAD ? 'R' : '?';
        ck_assert_msg(k == want[i].k && e->bytes == want[i].bytes && e->align == want[i].align,
                      "event %zu: %c %zu/%zu, want %c %zu/%zu", i, k, e->bytes, e->align,
                      want[i].k, want[i].bytes, want[i].align);
    }
    free(tr.ev);
    qv_graph_free(g);
    free(buf);
}
END_TEST

/* The better planner saves on a real shape: MobileNet's block, where TFLM's largest-first order
 * leaves a gap the lower bound does not. */
START_TEST(better_plan_saves_on_mobilenet_block)
{
    struct qv_graph *g;
    uint8_t *buf;
    size_t size;
    struct qv_error err = QV_ERROR_INIT;
    struct qv_arena a;
    load_model("tests/fixtures/tflite/mobilenet_block/model_int8.tflite", &g, &buf, &size);
    ck_assert_int_eq(qv_arena_compute(g, buf, size, QV_TFLM_HOST64_PYTHON, QV_KERNELS_REFERENCE,
                                      QV_ISA_NONE, &a, &err), QV_OK);
    ck_assert_uint_eq(a.total, 7848);   /* = the interpreter's bisected minimum */
    ck_assert_uint_eq(a.head, 4608);
    ck_assert_uint_eq(a.head_better, 3456);
    ck_assert_uint_eq(a.head_better, a.plan_lower_bound);
    ck_assert_uint_eq(a.total_better, 6696);
    qv_arena_release(&a);
    qv_graph_free(g);
    free(buf);
}
END_TEST


/* Reordering where the graph allows: two wide branches; the file order runs both wide layers
 * before narrowing either, running one branch to its end first keeps one wide buffer alive. */
START_TEST(reordering_helps_on_parallel_branches)
{
    struct qv_graph *g;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    int32_t x, wa, wb, wa2, wb2, a, b, a2, b2, y;
    ck_assert_int_eq(qv_graph_add_tensor(g, "x", QV_DTYPE_F32, &(struct qv_shape){ 2, { 1, 8 } },
                                         &x, &err), QV_OK);
    struct { int32_t *t; const char *name; int64_t r, c; } consts[] = {
        { &wa, "wa", 512, 8 }, { &wb, "wb", 512, 8 }, { &wa2, "wa2", 8, 512 },
        { &wb2, "wb2", 8, 512 },
    };
    for (int i = 0; i < 4; i++) {
        void *data;
        ck_assert_int_eq(qv_graph_add_tensor(g, consts[i].name, QV_DTYPE_F32,
                                             &(struct qv_shape){ 2, { consts[i].r, consts[i].c } },
                                             consts[i].t, &err), QV_OK);
        ck_assert_int_eq(qv_graph_alloc_data(g, *consts[i].t, &data, &err), QV_OK);
    }
    struct { int32_t *t; const char *name; int64_t n; } acts[] = {
        { &a, "a", 512 }, { &b, "b", 512 }, { &a2, "a2", 8 }, { &b2, "b2", 8 }, { &y, "y", 8 },
    };
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(qv_graph_add_tensor(g, acts[i].name, QV_DTYPE_F32,
                                             &(struct qv_shape){ 2, { 1, acts[i].n } },
                                             acts[i].t, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_FULLY_CONNECTED, NULL, 2, (int32_t[]){ x, wa },
                                       1, &a, NULL, NULL, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_FULLY_CONNECTED, NULL, 2, (int32_t[]){ x, wb },
                                       1, &b, NULL, NULL, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_FULLY_CONNECTED, NULL, 2, (int32_t[]){ a, wa2 },
                                       1, &a2, NULL, NULL, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_FULLY_CONNECTED, NULL, 2, (int32_t[]){ b, wb2 },
                                       1, &b2, NULL, NULL, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_ADD, NULL, 2, (int32_t[]){ a2, b2 }, 1, &y, NULL,
                                       NULL, &err), QV_OK);
    ck_assert_int_eq(qv_graph_set_io(g, 1, &x, 1, &y, &err), QV_OK);
    ck_assert_int_eq(qv_graph_finalize(g, &err), QV_OK);
    uint8_t *buf;
    size_t size;
    ck_assert_int_eq(qv_tflite_write(g, &buf, &size, &err), QV_OK);
    struct qv_arena ar;
    ck_assert_int_eq(qv_arena_compute(g, buf, size, QV_TFLM_MCU32, QV_KERNELS_REFERENCE,
                                      QV_ISA_NONE, &ar, &err), QV_OK);
    /* file order: a and b (2 KiB each) alive together; reordered: one at a time */
    ck_assert_uint_ge(ar.head, 4096);
    ck_assert_uint_lt(ar.head_reordered, ar.head_better);
    ck_assert_uint_lt(ar.total_reordered, ar.total_better);
    ck_assert_uint_le(ar.total_better, ar.total);
    ck_assert_int_eq(ar.better_order[0], 0);
    ck_assert_int_eq(ar.better_order[1], 2);   /* a's branch runs to its end first */
    qv_arena_release(&ar);
    qv_graph_free(g);
    free(buf);
}
END_TEST

/* ---- planners -------------------------------------------------------------------------------- */

START_TEST(greedy_ties_and_gaps)
{
    struct qv_error err = QV_ERROR_INIT;
    int64_t off[4], peak;
    /* equal sizes: the buffer added later is placed first (TFLM's reversed stable sort) */
    struct qv_plan_buf two[2] = { { 16, 0, 0 }, { 16, 0, 0 } };
    ck_assert_int_eq(qv_plan_tflm_greedy(two, 2, off, &peak, &err), QV_OK);
    ck_assert_int_eq(off[1], 0);
    ck_assert_int_eq(off[0], 16);
    ck_assert_int_eq(peak, 32);
    /* a chain: first fit reuses the gap below a placed buffer */
    struct qv_plan_buf chain[3] = { { 32, 0, 1 }, { 32, 1, 2 }, { 32, 2, 3 } };
    ck_assert_int_eq(qv_plan_tflm_greedy(chain, 3, off, &peak, &err), QV_OK);
    ck_assert_int_eq(off[2], 0);
    ck_assert_int_eq(off[1], 32);
    ck_assert_int_eq(off[0], 0);
    ck_assert_int_eq(peak, 64);
    /* largest first; a small buffer fits in the gap left between two others */
    struct qv_plan_buf gap[4] = { { 64, 0, 2 }, { 16, 0, 0 }, { 48, 1, 3 }, { 16, 2, 3 } };
    ck_assert_int_eq(qv_plan_tflm_greedy(gap, 4, off, &peak, &err), QV_OK);
    ck_assert_int_eq(off[0], 0);
    ck_assert_int_eq(off[2], 64);
    ck_assert_int_eq(off[1], 64);       /* alive only at step 0, before buffer 2 */
    ck_assert_int_eq(off[3], 112);
    ck_assert(qv_plan_valid(gap, 4, off));
    ck_assert_int_eq(qv_plan_lower_bound(gap, 4), 128);
    ck_assert_int_eq(qv_plan_tflm_greedy(gap, 0, off, &peak, &err), QV_OK);
    ck_assert_int_eq(peak, 0);
}
END_TEST

static uint64_t rng_state = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

START_TEST(search_never_worse_on_random_plans)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_plan_buf b[48];
    int64_t off_g[48], off_s[48], peak_g, peak_s;
    int better = 0;
    for (int trial = 0; trial < 300; trial++) {
        int32_t n = 1 + (int32_t)rnd(47), steps = 2 + (int32_t)rnd(20);
        for (int32_t i = 0; i < n; i++) {
            int32_t a = (int32_t)rnd((uint32_t)steps), l = (int32_t)rnd(6);
            b[i] = (struct qv_plan_buf){ 16 * (1 + (int64_t)rnd(trial % 3 ? 64 : 4)), a,
                                         a + l };
        }
        ck_assert_int_eq(qv_plan_tflm_greedy(b, n, off_g, &peak_g, &err), QV_OK);
        ck_assert_int_eq(qv_plan_search(b, n, 200, off_s, &peak_s, &err), QV_OK);
        ck_assert(qv_plan_valid(b, n, off_g));
        ck_assert(qv_plan_valid(b, n, off_s));
        ck_assert_int_le(peak_s, peak_g);
        ck_assert_int_ge(peak_s, qv_plan_lower_bound(b, n));
        for (int32_t i = 0; i < n; i++)
            ck_assert_int_le(off_s[i] + b[i].size, peak_s);
        better += peak_s < peak_g;
    }
    ck_assert_int_gt(better, 0);   /* the search finds something on random shapes too */
}
END_TEST

/* ---- tables ---------------------------------------------------------------------------------- */

START_TEST(op_table_complete)
{
    /* QV_OP_UNSUPPORTED's entry stays empty (graph.h: every per-op table leaves it so) */
    const struct qv_budget_op_def *u = &qv_budget_ops[QV_OP_UNSUPPORTED];
    ck_assert(!u->resolver && !u->prepare && !u->dtypes[0] && !u->code[0]);
    for (int i = 0; i < QV_OP_UNSUPPORTED; i++) {
        const struct qv_budget_op_def *d = &qv_budget_ops[i];
        const char *op = qv_op_name((enum qv_op)i);
        ck_assert_msg(d->resolver && strncmp(d->resolver, "Add", 3) == 0 && d->resolver[3],
                      "%s: no resolver method", op);
        ck_assert_str_eq(qv_tflm_resolver_method((enum qv_op)i), d->resolver);
        ck_assert_msg(d->prepare != NULL, "%s: no Prepare rule", op);
        ck_assert_msg(d->dtypes[QV_KERNELS_REFERENCE] != 0, "%s: no dtypes", op);
        ck_assert_msg((d->dtypes[QV_KERNELS_CMSIS_NN] & ~d->dtypes[QV_KERNELS_REFERENCE]) == 0,
                      "%s: CMSIS-NN optimizes a dtype the reference kernel lacks", op);
        for (int k = 0; k < QV_KERNELS_COUNT; k++) {
            ck_assert_msg(d->code[k] > 0, "%s: no code size", op);
            for (int a = 0; a < 2; a++)
                ck_assert_msg(d->opdata[k][a] >= 0 && d->opdata[k][a] <= 512, "%s: opdata", op);
        }
        ck_assert_msg(d->params[0] >= d->params[1] && d->params[1] >= 0, "%s: params", op);
        ck_assert_msg(d->params[0] == 0 || d->params_align == -1 || d->params_align == 1 ||
                      d->params_align == 4, "%s: params alignment", op);
        ck_assert_msg((unsigned)d->cost < QV_COST_COUNT, "%s: cost class", op);
    }
}
END_TEST

START_TEST(core_table_complete)
{
    for (int i = 0; i < QV_CORE_COUNT; i++) {
        const struct qv_core_def *c = &qv_core_defs[i];
        enum qv_core back;
        ck_assert_msg(c->name && qv_core_from_name(c->name, &back) && back == (enum qv_core)i,
                      "core %d: name", i);
        for (int k = 0; k < 2; k++) {
            for (int j = 0; j < 3; j++)
                ck_assert_msg(c->cpm[k][j] > 0, "%s: cycles per MAC", c->name);
            ck_assert_msg(c->cpe[k] > 0 && c->cpl[k] > 0, "%s: cycles per element", c->name);
            ck_assert_msg(c->cpm[1][0] <= c->cpm[0][0], "%s: optimized slower", c->name);
        }
        ck_assert_msg(c->cpb > 0 && c->op_overhead > 0, "%s: costs", c->name);
        ck_assert_msg(qv_tflm_abi_get(c->build) != NULL, "%s: build", c->name);
    }
}
END_TEST

/* ---- target profiles ------------------------------------------------------------------------ */

START_TEST(shipped_profiles)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_target_set *set;
    ck_assert_int_eq(qv_targets_builtin(&set, &err), QV_OK);
    static const char *const want[] = {
        "host64", "stm32f4", "stm32h7", "stm32l4", "esp32-s3", "esp32-s3-psram", "esp32-c3",
        "nrf5340", "nrf52840", "nano33ble", "k210", "avr-xmega",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        ck_assert_msg(qv_targets_find(set, want[i]) != NULL, "missing profile %s", want[i]);
    ck_assert_uint_eq(qv_targets_find(set, "avr-xmega")->sram_bytes, 32768);
    ck_assert_int_eq(qv_targets_find(set, "avr-xmega")->core, QV_CORE_AVR8);
    ck_assert(!qv_targets_find(set, "k210")->modelled);
    ck_assert_uint_gt(qv_targets_find(set, "esp32-s3-psram")->psram_bytes, 0);
    ck_assert_int_eq(qv_targets_find(set, "STM32F4")->kernels, QV_KERNELS_CMSIS_NN);
    ck_assert_ptr_null(qv_targets_find(set, "stm32f9"));
    for (int32_t i = 0; i < qv_targets_count(set); i++) {
        const struct qv_target *t = qv_targets_at(set, i);
        ck_assert(t->clock_hz > 0 && t->sram_bytes > 0 && t->flash_bytes > 0);
    }
    /* a user's profile adds or replaces */
    const char *mine = "{\"schema\": 1, \"targets\": [{\"name\": \"stm32f4\", \"core\": "
                       "\"cortex-m4\", \"clock_mhz\": 84, \"flash_kib\": 512, \"sram_kib\": 96, "
                       "\"active_ma\": 20, \"voltage\": 3.3, \"sleep_ua\": 1}, {\"name\": "
                       "\"mine\", \"core\": \"cortex-m55\", \"clock_mhz\": 400, \"flash_kib\": "
                       "4096, \"sram_kib\": 1024, \"active_ma\": 50, \"voltage\": 1.8, "
                       "\"sleep_ua\": 5, \"sources\": {\"clock_mhz\": \"datasheet\"}}]}";
    int32_t before = qv_targets_count(set);
    ck_assert_int_eq(qv_targets_parse(set, mine, strlen(mine), "mine.json", &err), QV_OK);
    ck_assert_int_eq(qv_targets_count(set), before + 1);
    ck_assert_uint_eq(qv_targets_find(set, "stm32f4")->sram_bytes, 96 * 1024);
    ck_assert_int_eq(qv_target_isa(qv_targets_find(set, "mine")), QV_ISA_MVE);
    qv_targets_free(set);
}
END_TEST

static const struct {
    const char *json;
    const char *key;       /* the message must name it */
} bad_profiles[] = {
    { "{\"schema\": 1, \"targets\": [{\"name\": \"x\", \"core\": \"cortex-m4\", \"clock_mhz\": 1, "
      "\"flsh_kib\": 1, \"flash_kib\": 1, \"sram_kib\": 1, \"active_ma\": 1, \"voltage\": 1, "
      "\"sleep_ua\": 1}]}", "targets[0].flsh_kib: unknown key" },
    { "{\"schema\": 1, \"targets\": [{\"name\": \"x\", \"clock_mhz\": 1, \"flash_kib\": 1, "
      "\"sram_kib\": 1, \"active_ma\": 1, \"voltage\": 1, \"sleep_ua\": 1}]}",
      "targets[0].core: missing" },
    { "{\"schema\": 1, \"targets\": [{\"name\": \"x\", \"core\": \"cortex-m4\", \"clock_mhz\": "
      "\"fast\", \"flash_kib\": 1, \"sram_kib\": 1, \"active_ma\": 1, \"voltage\": 1, "
      "\"sleep_ua\": 1}]}", "targets[0].clock_mhz: expected a number" },
    { "{\"schema\": 1, \"targets\": [{\"name\": \"x\", \"core\": \"z80\", \"clock_mhz\": 1, "
      "\"flash_kib\": 1, \"sram_kib\": 1, \"active_ma\": 1, \"voltage\": 1, \"sleep_ua\": 1}]}",
      "targets[0].core: unknown core 'z80'" },
    { "{\"schema\": 1, \"targets\": [{\"name\": \"x\", \"core\": \"cortex-m4\", \"clock_mhz\": 1, "
      "\"flash_kib\": -1, \"sram_kib\": 1, \"active_ma\": 1, \"voltage\": 1, \"sleep_ua\": 1}]}",
      "targets[0].flash_kib" },
    { "{\"schema\": 1, \"targets\": [{\"name\": \"x\", \"core\": \"cortex-m4\", \"clock_mhz\": 1, "
      "\"flash_kib\": 1, \"sram_kib\": 1.5, \"active_ma\": 1, \"voltage\": 1, \"sleep_ua\": 1}]}",
      "targets[0].sram_kib: 1.5 is not a whole number" },
    { "{\"schema\": 1, \"targets\": [{\"name\": \"x\", \"core\": \"riscv32\", \"clock_mhz\": 1, "
      "\"flash_kib\": 1, \"sram_kib\": 1, \"active_ma\": 1, \"voltage\": 1, \"sleep_ua\": 1, "
      "\"kernels\": \"cmsis-nn\"}]}", "targets[0].kernels" },
    { "{\"schema\": 1, \"targets\": [{\"name\": \"x\", \"core\": \"cortex-m4\", \"clock_mhz\": 1, "
      "\"flash_kib\": 1, \"sram_kib\": 1, \"active_ma\": 1, \"voltage\": 1, \"sleep_ua\": 1, "
      "\"fpu\": \"yes\"}]}", "targets[0].fpu: expected true or false" },
    { "{\"schema\": 1, \"targets\": [{\"name\": \"a b\", \"core\": \"cortex-m4\", "
      "\"clock_mhz\": 1, \"flash_kib\": 1, \"sram_kib\": 1, \"active_ma\": 1, \"voltage\": 1, "
      "\"sleep_ua\": 1}]}", "targets[0].name" },
    { "{\"schema\": 1, \"targets\": [{\"name\": \"x\", \"core\": \"cortex-m4\", \"clock_mhz\": 1, "
      "\"flash_kib\": 1, \"sram_kib\": 1, \"active_ma\": 1, \"voltage\": 1, \"sleep_ua\": 1, "
      "\"sources\": {\"voltage\": 3}}]}", "targets[0].sources.voltage: expected a string" },
    { "{\"schema\": 1, \"targets\": [{\"name\": \"x\", \"core\": \"cortex-m4\", \"clock_mhz\": 1, "
      "\"flash_kib\": 1, \"sram_kib\": 1, \"active_ma\": 1, \"voltage\": 1, \"sleep_ua\": 1}, "
      "{\"name\": \"X\", \"core\": \"cortex-m4\", \"clock_mhz\": 1, \"flash_kib\": 1, "
      "\"sram_kib\": 1, \"active_ma\": 1, \"voltage\": 1, \"sleep_ua\": 1}]}",
      "targets[1].name: repeats" },
    { "{\"schema\": 1, \"targets\": [{\"name\": \"x\", \"core\": \"cortex-m4\", \"clock_mhz\": 1, "
      "\"flash_kib\": 1, \"sram_kib\": 1, \"active_ma\": 1, \"voltage\": 1, \"sleep_ua\": 1, "
      "\"simd\": \"sse\"}]}", "targets[0].simd" },
    { "{\"schema\": 2, \"targets\": []}", "schema: expected 1" },
    { "{\"targets\": []}", "schema: missing" },
    { "{\"schema\": 1, \"targets\": {}}", "targets: expected an array" },
    { "{\"schema\": 1, \"targets\": [], \"extra\": 1}", "extra: unknown key" },
    { "{\"schema\": 1, \"targets\": [7]}", "targets[0]: expected an object" },
    { "[1, 2]", "expected an object" },
};

START_TEST(hostile_profiles)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_target_set *set;
    ck_assert_int_eq(qv_targets_builtin(&set, &err), QV_OK);
    int32_t n = qv_targets_count(set);
    const char *json = bad_profiles[_i].json;
    err = (struct qv_error)QV_ERROR_INIT;
    ck_assert_int_eq(qv_targets_parse(set, json, strlen(json), "boards.json", &err),
                     QV_E_INPUT);
    ck_assert_str_eq(err.path, "boards.json");
    ck_assert_msg(strstr(err.msg, bad_profiles[_i].key), "message '%s' lacks '%s'", err.msg,
                  bad_profiles[_i].key);
    ck_assert_int_ge(qv_targets_count(set), n);
    qv_targets_free(set);
}
END_TEST

START_TEST(invalid_json_names_line_and_column)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_target_set *set;
    ck_assert_int_eq(qv_targets_builtin(&set, &err), QV_OK);
    const char *json = "{\"schema\": 1,\n  \"targets\": [\n    {\"name\": }\n]}";
    ck_assert_int_eq(qv_targets_parse(set, json, strlen(json), "b.json", &err), QV_E_INPUT);
    ck_assert_int_eq(err.line, 3);
    ck_assert_int_gt(err.col, 1);
    err = (struct qv_error)QV_ERROR_INIT;
    ck_assert_int_eq(qv_targets_load(set, "/nonexistent/boards.json", &err), QV_E_IO);
    ck_assert_ptr_nonnull(strstr(err.path, "boards.json"));
    qv_targets_free(set);
}
END_TEST

/* ---- budgets --------------------------------------------------------------------------------- */

START_TEST(budget_figures_add_up)
{
    struct qv_graph *g;
    uint8_t *buf;
    size_t size;
    struct qv_error err = QV_ERROR_INIT;
    struct qv_budget *b;
    struct qv_budget_opts o;
    load_model("datasets/digits/model_int8.tflite", &g, &buf, &size);
    qv_budget_opts_init(&o);
    o.targets = (const char *[]){ "host64", "stm32f4", "k210" };
    o.n_targets = 3;
    o.rate_hz = 10;
    o.stack_bytes = 2048;
    ck_assert_int_eq(qv_budget_create(g, buf, size, &o, &b, &err), QV_OK);
    ck_assert_int_eq(b->n_targets, 3);
    ck_assert_uint_eq(b->weight_bytes + b->bias_bytes + b->other_const_bytes + b->quant_bytes +
                      b->flatbuffer_overhead, b->model_bytes);
    ck_assert_uint_eq(b->model_bytes, size);
    const struct qv_budget_target *h = &b->targets[0], *s = &b->targets[1], *k = &b->targets[2];
    ck_assert_uint_eq(h->arena.total, 4216);          /* the interpreter's minimum */
    ck_assert_uint_lt(s->arena.total, h->arena.total); /* 32-bit structs are smaller */
    ck_assert_uint_gt(s->arena.n_scratch, 0);          /* CMSIS-NN im2col buffers */
    ck_assert_uint_eq(s->sram_bytes, s->arena.total + s->io_bytes + 2048);
    ck_assert_uint_eq(s->flash_bytes, s->model_bytes + s->code_bytes);
    ck_assert(s->fits && s->ops_ok && s->flash_ok && s->sram_ok);
    ck_assert(fabs(s->energy_uj - 40.0 * 3.3 * s->latency_ms) < 1e-9);
    double duty = s->latency_ms * 1e-3 * 10;
    ck_assert(fabs(s->avg_current_ua - (40e3 * duty + 2.2 * (1 - duty))) < 1e-6);
    ck_assert(s->latency_ms < s->latency_ref_ms);      /* CMSIS-NN beats reference */
    ck_assert(k->latency_ms == 0 && !k->profile->modelled);
    for (int32_t i = 0; i < b->n_ops; i++)
        ck_assert(s->ops[i].supported && s->ops[i].cycles > 0);
    qv_budget_free(b);
    qv_graph_free(g);
    free(buf);
}
END_TEST

/* The latency estimate against published MLPerf Tiny latencies of the four MLPerf Tiny models
 * (tests/fixtures/latency/, docs/budget.md "Cycles per MAC"): the calibrated cores stay within
 * 25% of what the boards measured, with optimized kernels (latency_ms) or TFLM's reference
 * kernels (latency_reference_ms) as the submission ran them. */
START_TEST(latency_matches_mlperf_tiny)
{
    size_t size = 0;
    char *text = qvt_read_file(qvt_source("tests/fixtures/latency/mlperf_tiny_latency.csv"), &size);
    ck_assert_ptr_nonnull(text);
    char targets_file[4096];
    snprintf(targets_file, sizeof(targets_file), "%s",
             qvt_source("tests/fixtures/latency/mlperf_tiny_systems.json"));
    int rows = 0;
    for (char *line = text, *next; line && *line; line = next) {
        char system[64], kernels[16], model[64];
        double measured;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (line[0] == '#' || line[0] == '\0' || strncmp(line, "system,", 7) == 0)
            continue;
        ck_assert_int_eq(sscanf(line, "%63[^,],%15[^,],%63[^,],%lf", system, kernels, model,
                                &measured), 4);
        char rel[160];
        snprintf(rel, sizeof(rel), "bench/mlperf_tiny/%s_int8.tflite", model);
        struct qv_graph *g;
        uint8_t *buf;
        size_t bytes;
        struct qv_error err = QV_ERROR_INIT;
        struct qv_budget *b;
        struct qv_budget_opts o;
        load_model(rel, &g, &buf, &bytes);
        qv_budget_opts_init(&o);
        const char *names[] = { system };
        o.targets = names;
        o.n_targets = 1;
        o.targets_file = targets_file;
        ck_assert_msg(qv_budget_create(g, buf, bytes, &o, &b, &err) == QV_OK, "%s", err.msg);
        const struct qv_budget_target *t = &b->targets[0];
        double est = strcmp(kernels, "reference") == 0 ? t->latency_ref_ms : t->latency_ms;
        ck_assert_msg(est > 0.75 * measured && est < 1.25 * measured,
                      "%s %s: estimate %.1f ms, measured %.1f ms", system, model, est, measured);
        qv_budget_free(b);
        qv_graph_free(g);
        free(buf);
        rows++;
    }
    ck_assert_int_eq(rows, 18);
    free(text);
}
END_TEST

START_TEST(budget_unknown_target_lists_known)
{
    struct qv_graph *g;
    uint8_t *buf;
    size_t size;
    struct qv_error err = QV_ERROR_INIT;
    struct qv_budget *b = NULL;
    struct qv_budget_opts o;
    load_model("tests/fixtures/tflite/tiny/model_int8.tflite", &g, &buf, &size);
    qv_budget_opts_init(&o);
    o.targets = (const char *[]){ "stm32f9" };
    o.n_targets = 1;
    ck_assert_int_eq(qv_budget_create(g, buf, size, &o, &b, &err), QV_E_USAGE);
    ck_assert_ptr_null(b);
    ck_assert_ptr_nonnull(strstr(err.msg, "unknown target 'stm32f9'"));
    ck_assert_ptr_nonnull(strstr(err.msg, "stm32f4"));
    ck_assert_ptr_nonnull(strstr(err.msg, "avr-xmega"));
    qv_graph_free(g);
    free(buf);
}
END_TEST

/* An op TFLM has no kernel for (HARD_SWISH on int16) is named in the verdict, not an error. */
START_TEST(budget_names_unsupported_op)
{
    struct qv_graph *g;
    struct qv_error err = QV_ERROR_INIT;
    struct qv_shape s = { 2, { 1, 16 } };
    int32_t x, y;
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_tensor(g, "x", QV_DTYPE_I16, &s, &x, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_tensor(g, "y", QV_DTYPE_I16, &s, &y, &err), QV_OK);
    float scale = 0.01f;
    int32_t zp = 0;
    ck_assert_int_eq(qv_graph_set_quant(g, x, 1, &scale, 1, &zp, 0, &err), QV_OK);
    ck_assert_int_eq(qv_graph_set_quant(g, y, 1, &scale, 1, &zp, 0, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_HARD_SWISH, "hs", 1, &x, 1, &y, NULL, NULL,
                                       &err), QV_OK);
    ck_assert_int_eq(qv_graph_set_io(g, 1, &x, 1, &y, &err), QV_OK);
    ck_assert_int_eq(qv_graph_finalize(g, &err), QV_OK);
    uint8_t *buf;
    size_t size;
    ck_assert_msg(qv_tflite_write(g, &buf, &size, &err) == QV_OK, "%s", err.msg);
    struct qv_budget *b;
    struct qv_budget_opts o;
    qv_budget_opts_init(&o);
    o.targets = (const char *[]){ "stm32f4" };
    o.n_targets = 1;
    ck_assert_int_eq(qv_budget_create(g, buf, size, &o, &b, &err), QV_OK);
    ck_assert(!b->targets[0].ops_ok && !b->targets[0].fits);
    ck_assert_int_eq(b->targets[0].n_unsupported, 1);
    ck_assert_ptr_nonnull(strstr(b->targets[0].unsupported, "HARD_SWISH 'hs' (int16)"));
    ck_assert(!b->targets[0].ops[0].supported);
    ck_assert(qv_tflm_op_supported(QV_OP_HARD_SWISH, QV_DTYPE_I8, QV_KERNELS_CMSIS_NN));
    qv_budget_free(b);
    qv_graph_free(g);
    free(buf);
}
END_TEST

/* Operators qvet has no rules for (kept as QV_OP_UNSUPPORTED): a TFLM builtin passes the op
 * check, a custom op is named; the arena is approximated and says so. */
static struct qv_graph *chain_graph(bool unsupported)
{
    struct qv_graph *g;
    struct qv_error err = QV_ERROR_INIT;
    struct qv_shape s = { 2, { 1, 64 } };
    int32_t t[4];
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    for (int i = 0; i < 4; i++) {
        char name[8];
        snprintf(name, sizeof(name), "t%d", i);
        ck_assert_int_eq(qv_graph_add_tensor(g, name, QV_DTYPE_F32, &s, &t[i], &err), QV_OK);
    }
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_RELU, NULL, 1, &t[0], 1, &t[1], NULL, NULL,
                                       &err), QV_OK);
    if (unsupported) {
        ck_assert_int_eq(qv_graph_add_unsupported_node(g, 39, "TRANSPOSE", 1, &t[1], 1, &t[2],
                                                       NULL, &err), QV_OK);
        ck_assert_int_eq(qv_graph_add_unsupported_node(g, 32, "MyOp", 1, &t[2], 1, &t[3], NULL,
                                                       &err), QV_OK);
    } else {
        ck_assert_int_eq(qv_graph_add_node(g, QV_OP_RELU, NULL, 1, &t[1], 1, &t[2], NULL, NULL,
                                           &err), QV_OK);
        ck_assert_int_eq(qv_graph_add_node(g, QV_OP_RELU, NULL, 1, &t[2], 1, &t[3], NULL, NULL,
                                           &err), QV_OK);
    }
    ck_assert_int_eq(qv_graph_set_io(g, 1, &t[0], 1, &t[3], &err), QV_OK);
    ck_assert_msg(qv_graph_finalize(g, &err) == QV_OK, "%s", err.msg);
    return g;
}

START_TEST(budget_operators_without_rules)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *plain = chain_graph(false), *g = chain_graph(true);
    uint8_t *buf;
    size_t size;
    ck_assert_int_eq(qv_tflite_write(plain, &buf, &size, &err), QV_OK);
    struct qv_budget *b;
    struct qv_budget_opts o;
    qv_budget_opts_init(&o);
    o.targets = (const char *[]){ "host64", "stm32f4" };
    o.n_targets = 2;
    ck_assert_int_eq(qv_budget_create(g, buf, size, &o, &b, &err), QV_OK);
    for (int i = 0; i < 2; i++) {
        const struct qv_budget_target *t = &b->targets[i];
        ck_assert(!t->ops_ok && !t->fits);
        ck_assert_int_eq(t->n_unsupported, 1);
        ck_assert_ptr_nonnull(strstr(t->unsupported, "MyOp 't3' (not a TFLM builtin)"));
        ck_assert_ptr_null(strstr(t->unsupported, "TRANSPOSE"));
        ck_assert(t->ops[1].supported && !t->ops[2].supported);
        ck_assert(!t->arena.exact);
        ck_assert_ptr_nonnull(strstr(t->arena.note, "TRANSPOSE (node 1)"));
        ck_assert_uint_gt(t->arena.total, 0);
    }
    char *dir = qvt_tmpdir();
    ck_assert_int_eq(qv_budget_resolver_save(g, dir, "m", 1, "x", &err), QV_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "TRANSPOSE"));
    qvt_rmtree(dir);
    free(dir);
    qv_budget_free(b);
    qv_graph_free(g);
    qv_graph_free(plain);
    free(buf);
}
END_TEST

START_TEST(resolver_snippet)
{
    struct qv_graph *g;
    uint8_t *buf;
    size_t size;
    struct qv_error err = QV_ERROR_INIT;
    load_model("tests/fixtures/tflite/branchy/model_int8.tflite", &g, &buf, &size);
    char *dir = qvt_tmpdir();
    ck_assert_int_eq(qv_budget_resolver_save(g, dir, "kws", 8376, "test", &err), QV_OK);
    char *path = qvt_path(dir, "kws_resolver.h");
    char *text = qvt_read_file(path, NULL);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(strstr(text, "#define KWS_ARENA_SIZE 8376"));
    /* branchy: AVERAGE_POOL_2D CONV_2D CONCATENATION MEAN FULLY_CONNECTED LOGISTIC MUL SUB */
    ck_assert_ptr_nonnull(strstr(text, "tflite::MicroMutableOpResolver<8>"));
    static const char *const adds[] = { "AddAveragePool2D()", "AddConv2D()",
                                        "AddConcatenation()", "AddMean()", "AddFullyConnected()",
                                        "AddLogistic()", "AddMul()", "AddSub()" };
    for (size_t i = 0; i < 8; i++)
        ck_assert_msg(strstr(text, adds[i]), "no %s", adds[i]);
    ck_assert_ptr_null(strstr(text, "AddSoftmax"));
    ck_assert_int_eq(qv_budget_resolver_save(g, dir, "", 1, "x", &err), QV_E_USAGE);
    free(text);
    free(path);
    qvt_rmtree(dir);
    free(dir);
    qv_graph_free(g);
    free(buf);
}
END_TEST

static Suite *budget_suite(void)
{
    Suite *s = suite_create("budget");
    TCase *tc = tcase_create("budget");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, arena_equals_tflm_minimum);
    tcase_add_test(tc, conv_trace_matches_interpreter);
    tcase_add_test(tc, better_plan_saves_on_mobilenet_block);
    tcase_add_test(tc, reordering_helps_on_parallel_branches);
    tcase_add_test(tc, greedy_ties_and_gaps);
    tcase_add_test(tc, search_never_worse_on_random_plans);
    tcase_add_test(tc, op_table_complete);
    tcase_add_test(tc, core_table_complete);
    tcase_add_test(tc, shipped_profiles);
    tcase_add_loop_test(tc, hostile_profiles, 0, sizeof(bad_profiles) / sizeof(bad_profiles[0]));
    tcase_add_test(tc, invalid_json_names_line_and_column);
    tcase_add_test(tc, budget_figures_add_up);
    tcase_add_test(tc, latency_matches_mlperf_tiny);
    tcase_add_test(tc, budget_unknown_target_lists_known);
    tcase_add_test(tc, budget_names_unsupported_op);
    tcase_add_test(tc, budget_operators_without_rules);
    tcase_add_test(tc, resolver_snippet);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(budget)
