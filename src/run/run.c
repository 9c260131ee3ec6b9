/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runner (include/qvet/run.h). A ring of chunk slots: the calling thread reads chunks into
 * free slots in order; workers take the lowest ready chunk, compute it with their own engines
 * and mark it done; the calling thread delivers done chunks strictly in order and frees their
 * slots. With one thread the same steps run inline, one slot at a time.
 *
 * Determinism: a chunk's contents depend only on its index (the chunk size is fixed), each
 * sample's outputs depend only on the sample (engine.h), and everything the caller sees arrives
 * in chunk order. Failures too: the error reported is the one of the earliest failing chunk.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run/run_internal.h"

enum slot_state { SLOT_FREE, SLOT_READY, SLOT_BUSY, SLOT_DONE };

struct slot {
    enum slot_state state;
    int64_t chunk;
    int64_t first;                 /* dataset index of row 0 */
    int64_t n;
    void *x[QV_DATASET_MAX_ARRAYS];   /* each array's rows as read (int8 codes stay bytes) */
    double *labels;
    void **raw[QV_RUN_MAX_SIDES];  /* [n_outputs] each */
    float **real[QV_RUN_MAX_SIDES];
    void **in[QV_RUN_MAX_SIDES];   /* [n_inputs] each, with deliver_inputs */
    void *obs_state;
    bool has_obs_state;
    int64_t clipped[QV_RUN_MAX_SIDES][QV_DATASET_MAX_ARRAYS];
    enum qv_status st;
    struct qv_error err;
};

struct runner;

struct worker {
    struct runner *r;
    pthread_t thread;
    bool started;
    struct qv_engine *e[QV_RUN_MAX_SIDES];
    float *scratch;
    /* the chunk being computed, for the engine observer */
    struct slot *slot;
    int32_t side;
    int64_t row;
    enum qv_status obs_st;
    struct qv_error obs_err;
};

struct runner {
    const struct qv_data_spec *spec;
    const struct qv_run_opts *o;
    struct qv_dataset *ds;
    struct qv_binding bind;
    int64_t chunk, batch, scratch_elems;
    int32_t n_arrays;
    int64_t array_elems[QV_DATASET_MAX_ARRAYS];
    size_t array_esize[QV_DATASET_MAX_ARRAYS];   /* bytes per element as read */
    int32_t n_slots;
    struct slot *slots;
    int32_t n_workers;
    struct worker *workers;
    bool has_labels;
    int64_t first;                 /* dataset index of the run's first sample */
    bool to_end;                   /* the run ends where the dataset does */
    /* shared with workers, under mu */
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    bool sync_ready, quit;
};

double qv_run_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int32_t qv_run_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (n > 1024 ? 1024 : (int32_t)n);
}

bool qv_run_parse_shard(const char *text, int32_t *ret_shard, int32_t *ret_n_shards)
{
    char *end = NULL;
    errno = 0;
    long k = strtol(text, &end, 10);
    if (errno || end == text || *end != '/')
        return false;
    const char *rest = end + 1;
    long n = strtol(rest, &end, 10);
    if (errno || end == rest || *end || n < 1 || n > 1000000 || k < 1 || k > n)
        return false;
    *ret_shard = (int32_t)(k - 1);
    *ret_n_shards = (int32_t)n;
    return true;
}

void qv_run_shard_range(int64_t total, int32_t shard, int32_t n_shards, int64_t *ret_first,
                        int64_t *ret_n)
{
    if (n_shards <= 1) {
        *ret_first = 0;
        *ret_n = total;
        return;
    }
    /* slice k: [k * total / N, (k + 1) * total / N); 128-bit free: total < 2^40 */
    int64_t a = (int64_t)((__int128)total * shard / n_shards);
    int64_t b = (int64_t)((__int128)total * (shard + 1) / n_shards);
    *ret_first = a;
    *ret_n = b - a;
}

void qv_data_spec_from_manifest(const struct qv_manifest *m, bool calibration,
                                struct qv_data_spec *ret_spec)
{
    const struct qv_manifest_data *d = calibration && m->calib.n_files ? &m->calib : &m->golden;
    struct qv_data_spec spec = QV_DATA_SPEC_INIT;
    spec.n_files = d->n_files;
    for (int32_t i = 0; i < d->n_files; i++) {
        spec.files[i] = d->files[i];
        spec.names[i] = d->names[i][0] ? d->names[i] : NULL;
    }
    spec.labels = d->labels[0] ? d->labels : NULL;
    spec.has_preprocess = m->has_preprocess;
    spec.pre_scale = m->pre_scale;
    spec.pre_offset = m->pre_offset;
    spec.layout = m->layout;
    *ret_spec = spec;
}

/* ---- engines and the observer ---------------------------------------------------------------- */

static bool engine_observe(int32_t node, const struct qv_tensor_view *t, bool ask, void *user)
{
    struct worker *w = user;
    const struct qv_run_observer *ob = &w->r->o->observer;
    if (ask)
        return ob->want ? ob->want(ob->user, w->side, node) : false;
    if (w->obs_st != QV_OK)
        return false;
    w->obs_st = ob->tensors(w->slot->obs_state, w->side, node, 1, t, w->row, &w->obs_err);
    return w->obs_st == QV_OK;
}

static enum qv_status worker_init(struct runner *r, struct worker *w, struct qv_error *err)
{
    const struct qv_run_opts *o = r->o;
    w->r = r;
    for (int32_t s = 0; s < o->n_sides; s++) {
        struct qv_engine_opts eo = o->sides[s].engine;
        eo.max_batch = r->batch;
        eo.observe = NULL;
        eo.observe_user = NULL;
        if (o->observer.chunk_begin && o->observer.tensors) {
            eo.observe = engine_observe;
            eo.observe_user = w;
        }
        w->side = s;
        enum qv_status st = qv_engine_create(o->sides[s].graph, &eo, &w->e[s], err);
        if (st != QV_OK) {
            /* engine errors name the graph's file already (qv_graph_error_locate) */
            if (o->sides[s].name && !(err && strcmp(err->path, o->sides[s].name) == 0))
                qv_error_prefix(err, o->sides[s].name, "%s", o->sides[s].name);
            return st;
        }
    }
    w->scratch = malloc((size_t)r->scratch_elems * QV_FEED_SCRATCH * sizeof(float) + 64);
    if (!w->scratch)
        return qv_fail(err, QV_E_NOMEM, "out of memory for a batch of %lld samples",
                       (long long)r->batch);
    return QV_OK;
}

static void worker_release(struct worker *w)
{
    for (int32_t s = 0; s < QV_RUN_MAX_SIDES; s++)
        qv_engine_free(w->e[s]);
    free(w->scratch);
}

/* The engine inputs of side s as fed, rows [0, n), for the observer. */
static enum qv_status observe_inputs(struct worker *w, int32_t s, int64_t n, int64_t row,
                                     struct qv_error *err)
{
    const struct qv_run_observer *ob = &w->r->o->observer;
    struct qv_engine *e = w->e[s];
    const struct qv_graph *g = w->r->o->sides[s].graph;
    struct qv_tensor_view views[QV_DATASET_MAX_ARRAYS];
    for (int32_t i = 0; i < g->n_inputs; i++) {
        const struct qv_tensor *t = qv_engine_input_tensor(e, i);
        views[i].t = t;
        views[i].shape = t->shape;
        if (views[i].shape.rank >= 1)
            views[i].shape.dims[0] = n;
        views[i].data = qv_engine_input(e, i);
    }
    return ob->tensors(w->slot->obs_state, s, -1, g->n_inputs, views, row, err);
}

/* Computes every row of the slot's chunk through every side. */
static enum qv_status compute_chunk(struct runner *r, struct worker *w, struct slot *sl,
                                    struct qv_error *err)
{
    const struct qv_run_opts *o = r->o;
    const bool observing = o->observer.chunk_begin && o->observer.tensors;
    enum qv_status st;
    w->slot = sl;
    if (o->observer.chunk_begin) {
        st = o->observer.chunk_begin(o->observer.user, sl->first, sl->n, &sl->obs_state, err);
        if (st != QV_OK)
            return st;
        sl->has_obs_state = true;
    }
    for (int64_t row = 0; row < sl->n;) {
        int64_t n = sl->n - row;
        for (int32_t s = 0; s < o->n_sides; s++) {
            int64_t b = qv_engine_max_batch(w->e[s]);
            n = b < n ? b : n;
        }
        for (int32_t s = 0; s < o->n_sides; s++) {
            struct qv_engine *e = w->e[s];
            st = qv_feed_side(&r->bind, r->spec, s, e, sl->x, row, n, w->scratch,
                              sl->clipped[s], sl->first, err);
            for (int32_t i = 0; st == QV_OK && sl->in[s] && i < o->sides[s].graph->n_inputs;
                 i++) {
                size_t ib = qv_engine_input_bytes(e, i);
                memcpy((char *)sl->in[s][i] + (size_t)row * ib, qv_engine_input(e, i),
                       (size_t)n * ib);
            }
            if (st == QV_OK && observing)
                st = observe_inputs(w, s, n, row, err);
            if (st != QV_OK)
                return st;
            w->side = s;
            w->row = row;
            w->obs_st = QV_OK;
            st = qv_engine_run(e, n, err);
            if (st != QV_OK) {
                if (w->obs_st != QV_OK && err)
                    *err = w->obs_err;
                return w->obs_st != QV_OK ? w->obs_st : st;
            }
            const struct qv_graph *g = o->sides[s].graph;
            for (int32_t k = 0; k < g->n_outputs; k++) {
                size_t ob = qv_engine_output_bytes(e, k);
                int64_t oe = qv_shape_elems(&qv_engine_output_tensor(e, k)->shape);
                memcpy((char *)sl->raw[s][k] + (size_t)row * ob, qv_engine_output(e, k),
                       (size_t)n * ob);
                qv_engine_output_real(e, k, n, sl->real[s][k] + row * oe);
            }
        }
        row += n;
    }
    return QV_OK;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct runner *r = w->r;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        struct slot *best = NULL;
        for (int32_t i = 0; i < r->n_slots; i++) {
            struct slot *sl = &r->slots[i];
            if (sl->state == SLOT_READY && (!best || sl->chunk < best->chunk))
                best = sl;
        }
        if (!best) {
            if (r->quit)
                break;
            pthread_cond_wait(&r->work, &r->mu);
            continue;
        }
        best->state = SLOT_BUSY;
        pthread_mutex_unlock(&r->mu);
        struct qv_error err = QV_ERROR_INIT;
        enum qv_status st = compute_chunk(r, w, best, &err);
        pthread_mutex_lock(&r->mu);
        best->st = st;
        best->err = err;
        best->state = SLOT_DONE;
        pthread_cond_broadcast(&r->done);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* ---- slots ---------------------------------------------------------------------------------- */

static enum qv_status slots_create(struct runner *r, struct qv_error *err)
{
    const struct qv_run_opts *o = r->o;
    r->slots = calloc((size_t)r->n_slots, sizeof(*r->slots));
    if (!r->slots)
        return qv_fail(err, QV_E_NOMEM, "out of memory for the run's buffers");
    for (int32_t i = 0; i < r->n_slots; i++) {
        struct slot *sl = &r->slots[i];
        for (int32_t a = 0; a < r->n_arrays; a++) {
            sl->x[a] = malloc((size_t)(r->chunk * (r->array_elems[a] ? r->array_elems[a] : 1)) *
                              r->array_esize[a]);
            if (!sl->x[a])
                return qv_fail(err, QV_E_NOMEM, "out of memory for a chunk of %lld samples",
                               (long long)r->chunk);
        }
        sl->labels = malloc((size_t)r->chunk * sizeof(double));
        if (!sl->labels)
            return qv_fail(err, QV_E_NOMEM, "out of memory for a chunk of labels");
        for (int32_t s = 0; s < o->n_sides; s++) {
            const struct qv_graph *g = o->sides[s].graph;
            struct qv_engine *e = r->workers[0].e[s];
            sl->raw[s] = calloc((size_t)g->n_outputs + 1, sizeof(void *));
            sl->real[s] = calloc((size_t)g->n_outputs + 1, sizeof(float *));
            if (!sl->raw[s] || !sl->real[s])
                return qv_fail(err, QV_E_NOMEM, "out of memory for a chunk of outputs");
            for (int32_t k = 0; k < g->n_outputs; k++) {
                int64_t oe = qv_shape_elems(&qv_engine_output_tensor(e, k)->shape);
                sl->raw[s][k] = malloc((size_t)r->chunk * qv_engine_output_bytes(e, k) + 1);
                sl->real[s][k] = malloc((size_t)(r->chunk * oe) * sizeof(float) + 1);
                if (!sl->raw[s][k] || !sl->real[s][k])
                    return qv_fail(err, QV_E_NOMEM, "out of memory for a chunk of outputs");
            }
            if (!o->deliver_inputs)
                continue;
            sl->in[s] = calloc((size_t)g->n_inputs + 1, sizeof(void *));
            if (!sl->in[s])
                return qv_fail(err, QV_E_NOMEM, "out of memory for a chunk of inputs");
            for (int32_t i = 0; i < g->n_inputs; i++) {
                sl->in[s][i] = malloc((size_t)r->chunk * qv_engine_input_bytes(e, i) + 1);
                if (!sl->in[s][i])
                    return qv_fail(err, QV_E_NOMEM, "out of memory for a chunk of inputs");
            }
        }
    }
    return QV_OK;
}

static void slots_free(struct runner *r)
{
    for (int32_t i = 0; r->slots && i < r->n_slots; i++) {
        struct slot *sl = &r->slots[i];
        if (sl->has_obs_state)
            r->o->observer.chunk_end(r->o->observer.user, sl->obs_state, false, NULL);
        for (int32_t a = 0; a < QV_DATASET_MAX_ARRAYS; a++)
            free(sl->x[a]);
        free(sl->labels);
        for (int32_t s = 0; s < QV_RUN_MAX_SIDES; s++) {
            for (int32_t k = 0; sl->raw[s] && k < r->o->sides[s].graph->n_outputs; k++) {
                free(sl->raw[s][k]);
                free(sl->real[s][k]);
            }
            free(sl->raw[s]);
            free(sl->real[s]);
            for (int32_t i = 0; sl->in[s] && i < r->o->sides[s].graph->n_inputs; i++)
                free(sl->in[s][i]);
            free(sl->in[s]);
        }
    }
    free(r->slots);
}

/* Reads up to `want` samples of the next chunk into sl (sl->n = 0 at the end of the data). */
static enum qv_status read_chunk(struct runner *r, struct slot *sl, int64_t want,
                                 struct qv_error *err)
{
    int64_t n = 0;
    sl->n = 0;
    while (n < want) {
        void *x[QV_DATASET_MAX_ARRAYS];
        int64_t got = 0;
        for (int32_t a = 0; a < r->n_arrays; a++)
            x[a] = (char *)sl->x[a] + (size_t)(n * r->array_elems[a]) * r->array_esize[a];
        /* as read: converting (int8 codes to float) is the workers' job, not this thread's */
        enum qv_status st = qv_dataset_read_arrays_raw(r->ds, want - n, x,
                                                       r->has_labels ? sl->labels + n : NULL,
                                                       &got, err);
        if (st != QV_OK)
            return st;
        if (got == 0)
            break;
        n += got;
    }
    sl->n = n;
    return QV_OK;
}

/* ---- delivery ----------------------------------------------------------------------------- */

struct progress_state {
    double start, last;
    int64_t done, total;
    int64_t clipped[QV_RUN_MAX_SIDES][QV_DATASET_MAX_ARRAYS];
};

static enum qv_status deliver(struct runner *r, struct slot *sl, struct progress_state *ps,
                              struct qv_error *err)
{
    const struct qv_run_opts *o = r->o;
    enum qv_status st = QV_OK;
    if (sl->has_obs_state) {
        sl->has_obs_state = false;
        st = o->observer.chunk_end(o->observer.user, sl->obs_state, true, err);
        if (st != QV_OK)
            return st;
    }
    if (o->deliver) {
        struct qv_run_rows rows = { .first = sl->first, .n = sl->n,
                                    .labels = r->has_labels ? sl->labels : NULL };
        for (int32_t s = 0; s < o->n_sides; s++) {
            rows.raw[s] = (const void *const *)sl->raw[s];
            rows.real[s] = (const float *const *)sl->real[s];
            rows.inputs[s] = (const void *const *)sl->in[s];
        }
        st = o->deliver(o->user, &rows, err);
        if (st != QV_OK)
            return st;
    }
    for (int32_t s = 0; s < o->n_sides; s++)
        for (int32_t i = 0; i < r->bind.n_inputs[s]; i++)
            ps->clipped[s][i] += sl->clipped[s][i];
    ps->done += sl->n;
    if (o->progress) {
        double t = qv_run_now();
        struct qv_run_progress p = { .done = ps->done, .total = ps->total,
                                     .seconds = t - ps->start };
        p.rate = p.seconds > 0 ? (double)ps->done / p.seconds : 0.0;
        o->progress(o->notify_user, &p);
    }
    return QV_OK;
}

/* A free slot made ready for the next chunk (its state, shared with workers, stays FREE). */
static void reset_slot(struct slot *sl)
{
    sl->st = QV_OK;
    sl->has_obs_state = false;
    sl->obs_state = NULL;
    memset(sl->clipped, 0, sizeof(sl->clipped));
    qv_error_clear(&sl->err);
}

/* One thread: read, compute, deliver, chunk after chunk. */
static enum qv_status run_inline(struct runner *r, int64_t left, struct progress_state *ps,
                                 struct qv_error *err)
{
    struct slot *sl = &r->slots[0];
    for (int64_t chunk = 0; left > 0; chunk++) {
        reset_slot(sl);
        int64_t want = left < r->chunk ? left : r->chunk;
        enum qv_status st = read_chunk(r, sl, want, err);
        if (st != QV_OK || sl->n == 0)
            return st;
        sl->first = r->first + chunk * r->chunk;
        st = compute_chunk(r, &r->workers[0], sl, err);
        if (st == QV_OK)
            st = deliver(r, sl, ps, err);
        if (st != QV_OK)
            return st;
        left -= sl->n;
    }
    return QV_OK;
}

/* Several threads: this thread reads and delivers, the workers compute. */
static enum qv_status run_threaded(struct runner *r, int64_t left, struct progress_state *ps,
                                   struct qv_error *err)
{
    enum qv_status st = QV_OK;
    int64_t next_read = 0, next_deliver = 0;
    bool eof = false;
    for (;;) {
        /* fill free slots, in order */
        while (!eof && next_read - next_deliver < r->n_slots) {
            struct slot *sl = &r->slots[next_read % r->n_slots];
            reset_slot(sl);
            int64_t want = left < r->chunk ? left : r->chunk;
            struct qv_error rerr = QV_ERROR_INIT;
            enum qv_status rst = want > 0 ? read_chunk(r, sl, want, &rerr) : QV_OK;
            if (rst == QV_OK && (want == 0 || sl->n == 0)) {
                eof = true;
                break;
            }
            sl->chunk = next_read;
            sl->first = r->first + next_read * r->chunk;
            pthread_mutex_lock(&r->mu);
            if (rst != QV_OK) {
                sl->st = rst;
                sl->err = rerr;
                sl->state = SLOT_DONE;   /* delivered in order: earlier chunks go first */
                eof = true;
            } else {
                sl->state = SLOT_READY;
                pthread_cond_signal(&r->work);
            }
            pthread_mutex_unlock(&r->mu);
            next_read++;
            left -= sl->n;
        }
        if (next_deliver == next_read)
            break;
        struct slot *sl = &r->slots[next_deliver % r->n_slots];
        pthread_mutex_lock(&r->mu);
        while (sl->state != SLOT_DONE)
            pthread_cond_wait(&r->done, &r->mu);
        pthread_mutex_unlock(&r->mu);
        st = sl->st;
        if (st != QV_OK) {
            if (err)
                *err = sl->err;
        } else {
            st = deliver(r, sl, ps, err);
        }
        if (st != QV_OK)
            break;
        pthread_mutex_lock(&r->mu);
        sl->state = SLOT_FREE;
        pthread_mutex_unlock(&r->mu);
        next_deliver++;
    }
    return st;
}

static enum qv_status start_workers(struct runner *r, struct qv_error *err)
{
    if (pthread_mutex_init(&r->mu, NULL) != 0)
        return qv_fail(err, QV_E_INTERNAL, "cannot create a mutex");
    if (pthread_cond_init(&r->work, NULL) != 0) {
        pthread_mutex_destroy(&r->mu);
        return qv_fail(err, QV_E_INTERNAL, "cannot create a condition variable");
    }
    if (pthread_cond_init(&r->done, NULL) != 0) {
        pthread_cond_destroy(&r->work);
        pthread_mutex_destroy(&r->mu);
        return qv_fail(err, QV_E_INTERNAL, "cannot create a condition variable");
    }
    r->sync_ready = true;
    for (int32_t i = 0; i < r->n_workers; i++) {
        int rc = pthread_create(&r->workers[i].thread, NULL, worker_main, &r->workers[i]);
        if (rc != 0)
            return qv_fail(err, QV_E_INTERNAL, "cannot start worker thread %d: %s", i,
                           QV_STRERROR(rc));
        r->workers[i].started = true;
    }
    return QV_OK;
}

static void stop_workers(struct runner *r)
{
    if (!r->sync_ready)
        return;
    pthread_mutex_lock(&r->mu);
    r->quit = true;
    /* chunks not started yet are abandoned */
    for (int32_t i = 0; r->slots && i < r->n_slots; i++)
        if (r->slots[i].state == SLOT_READY)
            r->slots[i].state = SLOT_FREE;
    pthread_cond_broadcast(&r->work);
    pthread_mutex_unlock(&r->mu);
    for (int32_t i = 0; i < r->n_workers; i++)
        if (r->workers[i].started)
            pthread_join(r->workers[i].thread, NULL);
    pthread_cond_destroy(&r->work);
    pthread_cond_destroy(&r->done);
    pthread_mutex_destroy(&r->mu);
    r->sync_ready = false;
}

/* Samples of the run: the shard's slice of the dataset, cut at max_samples. */
static enum qv_status plan_range(struct runner *r, int64_t *ret_total, int64_t *ret_left,
                                 struct qv_error *err)
{
    const struct qv_run_opts *o = r->o;
    int64_t total = qv_dataset_samples(r->ds), first = 0, n = INT64_MAX;
    enum qv_status st;
    if (o->n_shards > 1) {
        if (o->shard < 0 || o->shard >= o->n_shards)
            return qv_fail(err, QV_E_USAGE, "shard %d of %d does not exist", o->shard + 1,
                           o->n_shards);
        if (total < 0) {
            /* CSV: count the records first (streamed, checked as they pass) */
            struct qv_dataset *count = NULL;
            struct qv_dataset_opts dopts = { .labels_path = r->spec->labels,
                                             .label_column = r->spec->label_column,
                                             .allow_nonfinite = r->spec->allow_nonfinite };
            st = qv_dataset_open_files(r->spec->n_files, r->spec->files, &dopts, &count, err);
            if (st == QV_OK)
                st = qv_dataset_skip(count, INT64_MAX, &total, err);
            qv_dataset_close(count);
            if (st != QV_OK)
                return st;
        }
        qv_run_shard_range(total, o->shard, o->n_shards, &first, &n);
        int64_t skipped = 0;
        if (first > 0 && (st = qv_dataset_skip(r->ds, first, &skipped, err)) != QV_OK)
            return st;
    }
    if (o->max_samples > 0 && o->max_samples < n)
        n = o->max_samples;
    if (total >= 0 && total - first < n)
        n = total - first;
    /* a run that reads to the dataset's end checks, there, that nothing is left (labels) */
    r->to_end = (o->n_shards <= 1 || o->shard == o->n_shards - 1) &&
                !(o->max_samples > 0 && (total < 0 || o->max_samples < total - first));
    r->first = first;
    *ret_total = total;
    *ret_left = n;
    return QV_OK;
}

static void emit_clipped(const struct runner *r, const struct progress_state *ps)
{
    const struct qv_run_opts *o = r->o;
    if (!o->warn || ps->done == 0)
        return;
    for (int32_t s = 0; s < o->n_sides; s++) {
        const struct qv_graph *g = o->sides[s].graph;
        for (int32_t i = 0; i < r->bind.n_inputs[s]; i++) {
            const struct qv_feed *f = &r->bind.feed[s][i];
            int64_t c = ps->clipped[s][i], total = ps->done * f->elems;
            bool int_raw = f->data_dtype != QV_DTYPE_F32 && !f->preprocess;
            if (c == 0 || (!int_raw && (double)c < 0.01 * (double)total))
                continue;
            const struct qv_tensor *t = &g->tensors[g->inputs[i]];
            char msg[1024];
            snprintf(msg, sizeof(msg), "%s: %lld of %lld values (%.1f%%) fall outside the range "
                     "[%.6g, %.6g] that input '%s' of %s can hold and saturate%s (docs/data.md)",
                     qv_dataset_array_file(r->ds, f->array), (long long)c, (long long)total,
                     100.0 * (double)c / (double)total, f->lo, f->hi, t->name,
                     o->sides[s].name ? o->sides[s].name : "the model",
                     int_raw ? ": these integer data are taken as real values; if they are raw "
                     "pixels or counts, set preprocess scale (e.g. 1/255) and offset" : "");
            o->warn(o->notify_user, msg);
        }
    }
}

enum qv_status qv_run(const struct qv_data_spec *spec, const struct qv_run_opts *o,
                      struct qv_run_stats *ret_stats, struct qv_error *err)
{
    struct runner r = { .spec = spec, .o = o };
    struct progress_state ps = { .start = qv_run_now() };
    enum qv_status st;
    if (o->n_sides < 1 || o->n_sides > QV_RUN_MAX_SIDES)
        return qv_fail(err, QV_E_USAGE, "a run needs 1 to %d sides, not %d", QV_RUN_MAX_SIDES,
                       o->n_sides);
    if (spec->n_files < 1 || spec->n_files > QV_DATA_MAX_FILES)
        return qv_fail(err, QV_E_USAGE, "a run needs 1 to %d data files, not %d",
                       QV_DATA_MAX_FILES, spec->n_files);
    if (o->observer.chunk_begin && !o->observer.chunk_end)
        return qv_fail(err, QV_E_USAGE, "an observer with chunk_begin needs chunk_end");
    for (int32_t s = 0; s < o->n_sides; s++) {
        if (!o->sides[s].graph || !o->sides[s].graph->finalized)
            return qv_fail(err, QV_E_USAGE, "side %d has no finalized graph", s);
        /* a model qvet cannot run is refused by what it holds, before any data is read */
        st = qv_graph_check_runnable(o->sides[s].graph, err);
        if (st != QV_OK)
            return st;
    }
    r.batch = o->batch > 0 ? o->batch : QV_DEFAULT_BATCH;
    r.chunk = o->chunk > 0 ? o->chunk : (r.batch > QV_RUN_CHUNK ? r.batch : QV_RUN_CHUNK);
    if (r.batch > r.chunk)
        r.batch = r.chunk;
    struct qv_dataset_opts dopts = { .labels_path = spec->labels,
                                     .label_column = spec->label_column,
                                     .allow_nonfinite = spec->allow_nonfinite,
                                     .label_classes = spec->label_classes };
    st = qv_dataset_open_files(spec->n_files, spec->files, &dopts, &r.ds, err);
    if (st != QV_OK)
        return st;
    r.has_labels = qv_dataset_has_labels(r.ds);
    r.n_arrays = qv_dataset_n_arrays(r.ds);
    for (int32_t a = 0; a < r.n_arrays; a++) {
        r.array_elems[a] = qv_shape_elems(qv_dataset_array_shape(r.ds, a));
        r.array_esize[a] = qv_dtype_size(qv_dataset_array_dtype(r.ds, a));
        if (r.array_elems[a] > r.scratch_elems)
            r.scratch_elems = r.array_elems[a];
    }
    r.scratch_elems *= r.batch;
    int64_t total = 0, left = 0;
    if ((st = qv_bind(r.ds, spec, o, &r.bind, err)) != QV_OK ||
        (st = plan_range(&r, &total, &left, err)) != QV_OK)
        goto cleanup;
    ps.total = total >= 0 ? left : -1;
    int64_t chunks = total >= 0 ? (left + r.chunk - 1) / r.chunk : INT64_MAX;
    int32_t threads = o->n_threads > 0 ? o->n_threads : qv_run_default_threads();
    if (threads > chunks)
        threads = chunks > 0 ? (int32_t)chunks : 1;
    r.n_workers = threads;
    r.n_slots = threads == 1 ? 1 : 2 * threads;
    r.workers = calloc((size_t)threads, sizeof(*r.workers));
    if (!r.workers) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory starting %d workers", threads);
        goto cleanup;
    }
    for (int32_t i = 0; i < threads; i++)
        if ((st = worker_init(&r, &r.workers[i], err)) != QV_OK)
            goto cleanup;
    if ((st = slots_create(&r, err)) != QV_OK)
        goto cleanup;
    if (threads == 1)
        st = run_inline(&r, left, &ps, err);
    else if ((st = start_workers(&r, err)) == QV_OK)
        st = run_threaded(&r, left, &ps, err);
    stop_workers(&r);
    if (st == QV_OK && r.to_end) {
        /* the end of the data: a labels file with labels left over fails here */
        int64_t extra = 0;
        st = qv_dataset_skip(r.ds, 1, &extra, err);
        if (st == QV_OK && extra)
            st = qv_fail(err, QV_E_INTERNAL, "the dataset holds samples past its planned end");
    }
    if (st == QV_OK && ps.done == 0)
        st = qv_fail_at(err, QV_E_INPUT, spec->files[0], -1, "%s holds no samples",
                        o->n_shards > 1 ? "this shard of the dataset" : "the dataset");
    if (st != QV_OK)
        goto cleanup;
    emit_clipped(&r, &ps);
    struct qv_run_stats stats = {
        .first = r.first, .samples = ps.done, .dataset_samples = total,
        .has_labels = r.has_labels, .n_threads = threads, .batch = r.batch,
        .seconds = qv_run_now() - ps.start,
    };
    for (int32_t s = 0; s < o->n_sides; s++)
        if (qv_engine_max_batch(r.workers[0].e[s]) < stats.batch)
            stats.batch = qv_engine_max_batch(r.workers[0].e[s]);
    if (ret_stats)
        *ret_stats = stats;
cleanup:
    stop_workers(&r);
    slots_free(&r);
    for (int32_t i = 0; r.workers && i < r.n_workers; i++)
        worker_release(&r.workers[i]);
    free(r.workers);
    qv_dataset_close(r.ds);
    return st;
}
