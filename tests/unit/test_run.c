/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runner: ordered delivery, identical results for every thread count, batch and shard,
 * observers per chunk, errors from the earliest sample, progress.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define CK(call) ck_assert_msg((call) == QV_OK, "%s", err.msg)

/* ---- models and data ------------------------------------------------------------------------ */

/* y = softmax(W x + b): x [1, 16], W [8, 16]. */
static struct qv_graph *fc_graph(void)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    int32_t x, w, b, h, y;
    CK(qv_graph_create(&g, &err));
    CK(qv_graph_add_tensor(g, "x", QV_DTYPE_F32, &(struct qv_shape){ 2, { 1, 16 } }, &x, &err));
    CK(qv_graph_add_tensor(g, "w", QV_DTYPE_F32, &(struct qv_shape){ 2, { 8, 16 } }, &w, &err));
    CK(qv_graph_add_tensor(g, "b", QV_DTYPE_F32, &(struct qv_shape){ 1, { 8 } }, &b, &err));
    CK(qv_graph_add_tensor(g, "h", QV_DTYPE_F32, &(struct qv_shape){ 2, { 1, 8 } }, &h, &err));
    CK(qv_graph_add_tensor(g, "y", QV_DTYPE_F32, &(struct qv_shape){ 2, { 1, 8 } }, &y, &err));
    float wv[128], bv[8];
    for (int i = 0; i < 128; i++)
        wv[i] = (float)((i * 37) % 19 - 9) / 7.0f;
    for (int i = 0; i < 8; i++)
        bv[i] = (float)i / 10.0f - 0.3f;
    CK(qv_graph_set_data(g, w, wv, sizeof(wv), &err));
    CK(qv_graph_set_data(g, b, bv, sizeof(bv), &err));
    CK(qv_graph_add_node(g, QV_OP_FULLY_CONNECTED, "fc", 3, (int32_t[]){ x, w, b }, 1, &h, NULL,
                         NULL, &err));
    CK(qv_graph_add_node(g, QV_OP_SOFTMAX, "sm", 1, &h, 1, &y, NULL, NULL, &err));
    CK(qv_graph_set_io(g, 1, &x, 1, &y, &err));
    CK(qv_graph_finalize(g, &err));
    return g;
}

/* N samples of 16 floats (sample i's values depend on i) into dir/x.npy, labels dir/y.npy. */
static void write_data(const char *dir, int64_t n, int nan_at)
{
    struct qv_error err = QV_ERROR_INIT;
    float *x = malloc((size_t)n * 16 * sizeof(float));
    int32_t *y = malloc((size_t)n * sizeof(int32_t));
    for (int64_t i = 0; i < n; i++) {
        for (int k = 0; k < 16; k++)
            x[i * 16 + k] = sinf((float)(i * 16 + k) * 0.37f) * 3.0f;
        y[i] = (int32_t)(i % 8);
    }
    if (nan_at >= 0)
        x[nan_at * 16 + 3] = NAN;
    char *p = qvt_path(dir, "x.npy"), *l = qvt_path(dir, "y.npy");
    CK(qv_npy_save(p, QV_DTYPE_F32, &(struct qv_shape){ 2, { n, 16 } }, x, &err));
    CK(qv_npy_save(l, QV_DTYPE_I32, &(struct qv_shape){ 1, { n } }, y, &err));
    free(p);
    free(l);
    free(x);
    free(y);
}

/* What a run delivered and observed. */
struct got {
    int64_t n, cap, next_first;
    float *out;                    /* [n][8] real */
    double *labels;
    int64_t chunks;
    int64_t chunk_first[64], chunk_n[64];
    int64_t observed_rows[4];      /* node -1 (inputs), 0, 1 */
    int64_t progress_calls, progress_last;
    int fail_at_chunk;             /* deliver fails at this chunk (-1: never) */
};

static enum qv_status deliver(void *user, const struct qv_run_rows *rows, struct qv_error *err)
{
    struct got *g = user;
    ck_assert_int_eq(rows->first, g->next_first);   /* in sample order */
    if (g->fail_at_chunk >= 0 && g->chunks == g->fail_at_chunk)
        return qv_fail(err, QV_E_INPUT, "deliver refuses chunk %lld", (long long)g->chunks);
    if (g->n + rows->n > g->cap) {
        g->cap = (g->n + rows->n) * 2;
        g->out = realloc(g->out, (size_t)g->cap * 8 * sizeof(float));
        g->labels = realloc(g->labels, (size_t)g->cap * sizeof(double));
    }
    memcpy(g->out + g->n * 8, rows->real[0][0], (size_t)rows->n * 8 * sizeof(float));
    ck_assert_ptr_nonnull(rows->labels);
    memcpy(g->labels + g->n, rows->labels, (size_t)rows->n * sizeof(double));
    g->n += rows->n;
    g->next_first += rows->n;
    g->chunks++;
    return QV_OK;
}

struct chunk_state {
    int64_t first, n;
    int64_t rows[3];
};

static bool want_all(void *user, int32_t side, int32_t node)
{
    (void)user;
    (void)side;
    (void)node;
    return true;
}

static enum qv_status obs_begin(void *user, int64_t first, int64_t n, void **ret_state,
                                struct qv_error *err)
{
    (void)user;
    (void)err;
    struct chunk_state *cs = calloc(1, sizeof(*cs));
    cs->first = first;
    cs->n = n;
    *ret_state = cs;
    return QV_OK;
}

static enum qv_status obs_tensors(void *state, int32_t side, int32_t node, int32_t n_views,
                                  const struct qv_tensor_view *views, int64_t row,
                                  struct qv_error *err)
{
    struct chunk_state *cs = state;
    (void)side;
    (void)err;
    ck_assert_int_eq(n_views, 1);
    int64_t n = views[0].shape.dims[0];
    ck_assert_int_le(row + n, cs->n);
    cs->rows[node + 1] += n;
    return QV_OK;
}

static enum qv_status obs_end(void *user, void *state, bool merge, struct qv_error *err)
{
    struct got *g = user;
    struct chunk_state *cs = state;
    (void)err;
    if (merge) {
        ck_assert_int_lt(g->chunks, 64);
        /* observers merge before the chunk is delivered: g->chunks counts delivered ones */
        g->chunk_first[g->chunks] = cs->first;
        g->chunk_n[g->chunks] = cs->n;
        for (int k = 0; k < 3; k++) {
            ck_assert_int_eq(cs->rows[k], cs->n);
            g->observed_rows[k] += cs->rows[k];
        }
    }
    free(cs);
    return QV_OK;
}

static void on_progress(void *user, const struct qv_run_progress *p)
{
    struct got *g = user;
    ck_assert_int_gt(p->done, g->progress_last);
    g->progress_last = p->done;
    g->progress_calls++;
}

static enum qv_status run_fc(const struct qv_graph *gr, const char *dir, int32_t threads,
                             int64_t batch, int64_t chunk, int32_t shard, int32_t n_shards,
                             bool observe, struct got *g, struct qv_run_stats *stats,
                             struct qv_error *err)
{
    char *x = qvt_path(dir, "x.npy"), *y = qvt_path(dir, "y.npy");
    struct qv_data_spec spec = QV_DATA_SPEC_INIT;
    spec.n_files = 1;
    spec.files[0] = x;
    spec.labels = y;
    struct qv_run_opts o = QV_RUN_OPTS_INIT;
    o.n_sides = 1;
    o.sides[0].graph = gr;
    o.sides[0].engine = (struct qv_engine_opts)QV_ENGINE_OPTS_INIT;
    o.sides[0].engine.plain_loops = true;   /* per-sample loops: identical for any batch */
    o.n_threads = threads;
    o.batch = batch;
    o.chunk = chunk;
    o.shard = shard;
    o.n_shards = n_shards;
    o.deliver = deliver;
    o.user = g;
    o.progress = on_progress;
    o.notify_user = g;
    if (observe)
        o.observer = (struct qv_run_observer){ .want = want_all, .chunk_begin = obs_begin,
                                               .tensors = obs_tensors, .chunk_end = obs_end,
                                               .user = g };
    g->next_first = stats ? 0 : g->next_first;
    g->progress_last = 0;
    enum qv_status st = qv_run(&spec, &o, stats, err);
    free(x);
    free(y);
    return st;
}

static void got_free(struct got *g)
{
    free(g->out);
    free(g->labels);
}

START_TEST(identical_for_every_thread_count_and_batch)
{
    struct qv_error err = QV_ERROR_INIT;
    char *dir = qvt_tmpdir();
    const int64_t N = 1000;
    write_data(dir, N, -1);
    struct qv_graph *gr = fc_graph();
    struct got ref = { .fail_at_chunk = -1 };
    struct qv_run_stats st;
    CK(run_fc(gr, dir, 1, 64, 0, 0, 0, true, &ref, &st, &err));
    ck_assert_int_eq(ref.n, N);
    ck_assert_int_eq(st.samples, N);
    ck_assert_int_eq(st.dataset_samples, N);
    ck_assert(st.has_labels);
    ck_assert_int_eq(ref.chunks, 4);                 /* 256, 256, 256, 232 */
    ck_assert_int_eq(ref.chunk_n[3], N - 3 * QV_RUN_CHUNK);
    for (int k = 0; k < 3; k++)
        ck_assert_int_eq(ref.observed_rows[k], N);
    ck_assert_int_eq(ref.progress_calls, 4);
    ck_assert_int_eq(ref.progress_last, N);
    for (int64_t i = 0; i < N; i++)
        ck_assert(ref.labels[i] == (double)(i % 8));
    static const int32_t threads[] = { 1, 2, 3, 7 };
    static const int64_t batches[] = { 1, 7, 64, 300 };
    for (size_t t = 0; t < 4; t++) {
        for (size_t b = 0; b < 4; b++) {
            struct got g = { .fail_at_chunk = -1 };
            CK(run_fc(gr, dir, threads[t], batches[b], 0, 0, 0, true, &g, &st, &err));
            ck_assert_int_eq(g.n, N);
            qvt_assert_bytes_equal("outputs", g.out, ref.out, (size_t)N * 8, 4);
            /* chunking depends on the batch only when the batch exceeds a chunk */
            int64_t chunk = batches[b] > QV_RUN_CHUNK ? batches[b] : QV_RUN_CHUNK;
            ck_assert_int_eq(g.chunks, (N + chunk - 1) / chunk);
            for (int64_t c = 0; c < g.chunks; c++)
                ck_assert_int_eq(g.chunk_first[c], c * chunk);
            for (int k = 0; k < 3; k++)
                ck_assert_int_eq(g.observed_rows[k], N);
            got_free(&g);
        }
    }
    got_free(&ref);
    qv_graph_free(gr);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(shards_cover_the_dataset_once)
{
    struct qv_error err = QV_ERROR_INIT;
    char *dir = qvt_tmpdir();
    const int64_t N = 601;
    write_data(dir, N, -1);
    struct qv_graph *gr = fc_graph();
    struct got ref = { .fail_at_chunk = -1 };
    struct qv_run_stats st;
    CK(run_fc(gr, dir, 1, 0, 0, 0, 0, false, &ref, &st, &err));
    for (int32_t n_shards = 2; n_shards <= 5; n_shards++) {
        struct got all = { .fail_at_chunk = -1 };
        for (int32_t k = 0; k < n_shards; k++) {
            int64_t first, n;
            qv_run_shard_range(N, k, n_shards, &first, &n);
            ck_assert_int_eq(first, all.n);
            all.next_first = first;
            CK(run_fc(gr, dir, 2, 7, 0, k, n_shards, false, &all, NULL, &err));
            ck_assert_int_eq(all.n, first + n);
        }
        ck_assert_int_eq(all.n, N);
        qvt_assert_bytes_equal("sharded outputs", all.out, ref.out, (size_t)N * 8, 4);
        got_free(&all);
    }
    int32_t k, n;
    ck_assert(qv_run_parse_shard("2/3", &k, &n) && k == 1 && n == 3);
    ck_assert(!qv_run_parse_shard("0/3", &k, &n));
    ck_assert(!qv_run_parse_shard("4/3", &k, &n));
    ck_assert(!qv_run_parse_shard("1/", &k, &n));
    ck_assert(!qv_run_parse_shard("1/3x", &k, &n));
    got_free(&ref);
    qv_graph_free(gr);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* The error reported is the earliest sample's, whatever the thread count. */
START_TEST(earliest_error_wins)
{
    char *dir = qvt_tmpdir();
    write_data(dir, 900, 700);
    struct qv_graph *gr = fc_graph();
    for (int32_t t = 1; t <= 4; t++) {
        struct qv_error err = QV_ERROR_INIT;
        struct got g = { .fail_at_chunk = -1 };
        ck_assert_int_eq(run_fc(gr, dir, t, 16, 0, 0, 0, true, &g, NULL, &err), QV_E_INPUT);
        ck_assert_msg(strstr(err.msg, "sample 700, element 3 is NaN") != NULL, "%s", err.msg);
        ck_assert_int_eq(g.n, 512);   /* the chunks before the bad one were delivered */
        got_free(&g);
        /* a failing consumer stops the run at its chunk */
        qv_error_clear(&err);
        struct got h = { .fail_at_chunk = 1 };
        ck_assert_int_eq(run_fc(gr, dir, t, 16, 0, 0, 0, true, &h, NULL, &err), QV_E_INPUT);
        ck_assert_msg(strstr(err.msg, "deliver refuses chunk 1") != NULL, "%s", err.msg);
        got_free(&h);
    }
    qv_graph_free(gr);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(limits_and_bad_options)
{
    struct qv_error err = QV_ERROR_INIT;
    char *dir = qvt_tmpdir();
    write_data(dir, 50, -1);
    struct qv_graph *gr = fc_graph();
    char *x = qvt_path(dir, "x.npy");
    struct qv_data_spec spec = QV_DATA_SPEC_INIT;
    spec.n_files = 1;
    spec.files[0] = x;
    struct qv_run_opts o = QV_RUN_OPTS_INIT;
    struct qv_run_stats st;
    ck_assert_int_eq(qv_run(&spec, &o, &st, &err), QV_E_USAGE);   /* no side */
    o.n_sides = 1;
    o.sides[0].graph = gr;
    o.sides[0].engine = (struct qv_engine_opts)QV_ENGINE_OPTS_INIT;
    o.max_samples = 13;
    o.n_threads = 3;
    CK(qv_run(&spec, &o, &st, &err));
    ck_assert_int_eq(st.samples, 13);
    ck_assert(!st.has_labels);
    ck_assert_int_eq(st.n_threads, 1);   /* one chunk: one worker */
    /* an empty shard is an input error naming the data */
    o.max_samples = 0;
    o.n_shards = 60;
    o.shard = 0;
    ck_assert_int_eq(qv_run(&spec, &o, &st, &err), QV_E_INPUT);
    ck_assert_str_eq(err.path, x);
    free(x);
    qv_graph_free(gr);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* Raw output 0 bytes of every sample, in order. */
struct raw_got {
    size_t bytes, row;
    unsigned char *buf;
};

static enum qv_status deliver_raw(void *user, const struct qv_run_rows *rows,
                                  struct qv_error *err)
{
    struct raw_got *r = user;
    (void)err;
    r->buf = realloc(r->buf, r->bytes + (size_t)rows->n * r->row);
    memcpy(r->buf + r->bytes, rows->raw[0][0], (size_t)rows->n * r->row);
    r->bytes += (size_t)rows->n * r->row;
    return QV_OK;
}

/* The shipped int8 model: the same bytes for every thread count and batch. */
START_TEST(int8_model_identical_everywhere)
{
    struct qv_error err = QV_ERROR_INIT;
    char model[4096], data[4096];
    snprintf(model, sizeof(model), "%s", qvt_source("datasets/digits/model_int8.tflite"));
    snprintf(data, sizeof(data), "%s", qvt_source("datasets/digits/golden/inputs.npy"));
    struct qv_graph *g = NULL;
    CK(qv_tflite_load(model, &g, &err));
    struct raw_got ref = { .row = 10 };
    static const int32_t threads[] = { 1, 2, 3 };
    static const int64_t batches[] = { 1, 7, 64 };
    for (size_t t = 0; t < 3; t++) {
        for (size_t b = 0; b < 3; b++) {
            struct raw_got got = { .row = 10 };
            struct qv_data_spec spec = QV_DATA_SPEC_INIT;
            spec.n_files = 1;
            spec.files[0] = data;
            struct qv_run_opts o = QV_RUN_OPTS_INIT;
            o.n_sides = 1;
            o.sides[0].graph = g;
            o.sides[0].engine = (struct qv_engine_opts)QV_ENGINE_OPTS_INIT;
            o.sides[0].engine.kind = QV_ENGINE_INT8;
            o.n_threads = threads[t];
            o.batch = batches[b];
            o.chunk = 50;   /* several chunks for the workers to share */
            o.deliver = deliver_raw;
            o.user = t == 0 && b == 0 ? &ref : &got;
            struct qv_run_stats st;
            CK(qv_run(&spec, &o, &st, &err));
            ck_assert_int_eq(st.samples, 360);
            if (o.user == &got) {
                ck_assert_uint_eq(got.bytes, ref.bytes);
                qvt_assert_bytes_equal("int8 outputs", got.buf, ref.buf, got.bytes, 1);
            }
            free(got.buf);
        }
    }
    ck_assert_uint_eq(ref.bytes, 3600);
    /* and they are TFLM's bytes */
    int64_t rows, elems;
    int8_t *want = qvt_load_npy(qvt_source("datasets/digits/expected/output_int8_tflm.npy"),
                                QV_DTYPE_I8, false, &rows, &elems);
    ck_assert_ptr_nonnull(want);
    qvt_assert_bytes_equal("int8 outputs vs TFLM", ref.buf, want, 3600, 1);
    free(want);
    free(ref.buf);
    qv_graph_free(g);
}
END_TEST

Suite *run_suite(void)
{
    Suite *s = suite_create("run");
    TCase *tc = tcase_create("runner");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, identical_for_every_thread_count_and_batch);
    tcase_add_test(tc, shards_cover_the_dataset_once);
    tcase_add_test(tc, earliest_error_wins);
    tcase_add_test(tc, limits_and_bad_options);
    tcase_add_test(tc, int8_model_identical_everywhere);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(run)
