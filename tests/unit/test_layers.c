/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-layer analysis (include/qvet/layers.h): pairing on every converter-made float/int8 pair the
 * repository ships (checked against independent expectations: the converter's names, and each
 * paired layer's int8 weights dequantized against the float weights), with renamed, swapped,
 * requantized, extra and unrelated layers; propagated and local divergence through the runner
 * against a direct computation; identical results for any thread count, batch, chunk and shard
 * split with JSON round trips; the culprit of a corrupted layer; report.html's layer section.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/layers_int.h"
#include "report/from_layers.h"
#include "support.h"

#define CK(call) ck_assert_msg((call) == QV_OK, "%s", err.msg)

static struct qv_graph *load(const char *rel)
{
    struct qv_graph *g = NULL;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_msg(qv_model_load(qvt_source(rel), &g, &err) == QV_OK, "%s: %s", rel, err.msg);
    return g;
}

static struct qv_pairing *pair(const struct qv_graph *gf, const struct qv_graph *gq,
                               bool ignore_names)
{
    struct qv_pairing_opts o = { .ignore_names = ignore_names };
    struct qv_pairing *p = NULL;
    struct qv_error err = QV_ERROR_INIT;
    CK(qv_pairing_build(gf, gq, &o, &p, &err));
    return p;
}

static int32_t layer_named(const struct qv_pairing *p, const char *name)
{
    for (int32_t i = 0; i < p->n_pairs; i++)
        if (!strcmp(p->gq->tensors[p->pairs[i].tensor_q].name, name))
            return i;
    ck_abort_msg("no layer '%s'", name);
    return -1;
}

START_TEST(pair_rules_complete)
{
    for (int op = 0; op < QV_OP_UNSUPPORTED; op++)
        ck_assert_msg(qv_pair_rules[op].listed, "op %s has no pairing rule",
                      qv_op_name((enum qv_op)op));
    ck_assert_str_eq(qv_pair_how_name(QV_PAIR_NONE), "unpaired");
    ck_assert_str_eq(qv_pair_how_name(QV_PAIR_CONVERSION), "conversion");
    ck_assert_str_eq(qv_pair_how_name(QV_PAIR_HOW_COUNT), "?");
}
END_TEST

/* ---- converter-made pairs ------------------------------------------------------------------ */

/*
 * The independent check of a weighted pair: the converter quantizes weights symmetrically
 * (round to nearest of w / scale, scale from max |w|), so every dequantized int8 weight is
 * within half a step of the float weight it came from. A layer paired with the wrong float
 * layer fails this by orders of magnitude. (Exact halves appear: the converter divides in float.)
 */
static void check_weights(const struct qv_pairing *p, const struct qv_layer_pair *lp,
                          const char *what)
{
    const struct qv_node *nq = &p->gq->nodes[lp->node_q], *nf = &p->gf->nodes[lp->node_f];
    ck_assert_int_eq(nq->op, nf->op);
    const struct qv_tensor *wq = &p->gq->tensors[nq->inputs[1]];
    const struct qv_tensor *wf = &p->gf->tensors[nf->inputs[1]];
    ck_assert_msg(qv_shape_equal(&wq->shape, &wf->shape), "%s: weight shapes", what);
    ck_assert_int_eq(wf->dtype, QV_DTYPE_F32);
    ck_assert_int_eq(wq->dtype, QV_DTYPE_I8);
    int64_t n = qv_shape_elems(&wq->shape), inner = 1;
    if (wq->quant.count > 1)
        for (int32_t r = wq->quant.axis + 1; r < wq->shape.rank; r++)
            inner *= wq->shape.dims[r];
    const int8_t *q = wq->data;
    const float *f = wf->data;
    for (int64_t i = 0; i < n; i++) {
        int32_t c = wq->quant.count > 1 ? (int32_t)((i / inner) % wq->quant.count) : 0;
        double s = wq->quant.scale[c];
        double err = fabs(s * (q[i] - wq->quant.zero_point[c]) - f[i]);
        ck_assert_msg(err <= 0.501 * s + 1e-12, "%s: layer '%s' weight %lld: int8 "
                      "%d * %g vs float %g (off by %.3g steps)", what,
                      p->gq->tensors[lp->tensor_q].name, (long long)i, q[i], s, f[i], err / s);
    }
}

/* Every layer paired, weighted ones with their own float layer, structure alone agreeing with
 * names, and no float layer left over. Returns the number of weighted layers. */
static int check_converter_pair(const char *float_rel, const char *int8_rel, bool names_agree)
{
    struct qv_graph *gf = load(float_rel), *gq = load(int8_rel);
    struct qv_pairing *p = pair(gf, gq, false), *s = pair(gf, gq, true);
    int weighted = 0;
    ck_assert_msg(p->n_unpaired == 0, "%s: %d layers unpaired, first: %s", int8_rel,
                  p->n_unpaired, p->n_pairs ? p->pairs[0].why : "");
    ck_assert_msg(p->n_float_unpaired == 0, "%s: %d float layers unpaired", int8_rel,
                  p->n_float_unpaired);
    ck_assert_int_eq(s->n_pairs, p->n_pairs);
    ck_assert_int_eq(s->n_unpaired, 0);
    for (int32_t i = 0; i < p->n_pairs; i++) {
        const struct qv_layer_pair *a = &p->pairs[i], *b = &s->pairs[i];
        ck_assert_msg(a->tensor_f == b->tensor_f, "%s: layer %d '%s': name pairing %d, "
                      "structure %d", int8_rel, i, gq->tensors[a->tensor_q].name, a->tensor_f,
                      b->tensor_f);
        ck_assert(a->how != QV_PAIR_NONE);
        /* the converter names a layer's tensor alike in both models (except the float-I/O
         * model's last layer, renamed "Identity1" beside the DEQUANTIZE's "Identity") */
        if (names_agree && a->node_q >= 0 && a->how != QV_PAIR_CONVERSION)
            ck_assert_str_eq(gq->tensors[a->tensor_q].name, gf->tensors[a->tensor_f].name);
        if (a->weighted) {
            check_weights(p, a, int8_rel);
            weighted++;
        }
    }
    qv_pairing_free(p);
    qv_pairing_free(s);
    qv_graph_free(gf);
    qv_graph_free(gq);
    return weighted;
}

START_TEST(shipped_directories_pair)
{
    static const char *const dirs[] = { "digits", "basic_motions", "tecator",
                                        "breast_cancer_ae" };
    static const int weighted[] = { 4, 4, 4, 4 };
    char f[128], q[128];
    snprintf(f, sizeof(f), "datasets/%s/model.tflite", dirs[_i]);
    snprintf(q, sizeof(q), "datasets/%s/model_int8.tflite", dirs[_i]);
    ck_assert_int_eq(check_converter_pair(f, q, true), weighted[_i]);
}
END_TEST

START_TEST(fixture_models_pair)
{
    static const char *const names[] = { "branchy", "cnn_small", "concat_axes", "dilated_dw",
                                         "gates", "hswish_net", "mlp", "mobilenet_block",
                                         "pad_squeeze", "residual", "sequence", "tiny" };
    char f[160], q[160];
    snprintf(f, sizeof(f), "tests/fixtures/tflite/%s/model_f32.tflite", names[_i]);
    snprintf(q, sizeof(q), "tests/fixtures/tflite/%s/model_int8.tflite", names[_i]);
    ck_assert_int_gt(check_converter_pair(f, q, true), 0);
    snprintf(q, sizeof(q), "tests/fixtures/tflite/%s/model_int8_fio.tflite", names[_i]);
    ck_assert_int_gt(check_converter_pair(f, q, false), 0);
}
END_TEST

START_TEST(parity_models_pair)
{
    /* the 26 float models and their converter int8 models of tests/fixtures/quant/parity */
    char *cases = qvt_read_file(qvt_fixture("quant/parity/cases.txt"), NULL);
    ck_assert_ptr_nonnull(cases);
    int n = 0;
    for (char *line = strtok(cases, "\n"); line; line = strtok(NULL, "\n")) {
        if (!line[0] || line[0] == '#')
            continue;
        char rel[256], q[256];
        snprintf(rel, sizeof(rel), "quant/parity/%s/model_path.txt", line);
        char *path = qvt_read_file(qvt_fixture(rel), NULL);
        ck_assert_ptr_nonnull(path);
        path[strcspn(path, "\n")] = 0;
        snprintf(q, sizeof(q), "tests/fixtures/quant/parity/%s/converter_int8.tflite", line);
        ck_assert_int_gt(check_converter_pair(path, q, true), 0);
        free(path);
        n++;
    }
    free(cases);
    ck_assert_int_ge(n, 26);
}
END_TEST

START_TEST(float_io_model_pairs_by_structure)
{
    struct qv_graph *gf = load("tests/fixtures/tflite/mobilenet_block/model_f32.tflite");
    struct qv_graph *gq = load("tests/fixtures/tflite/mobilenet_block/model_int8_fio.tflite");
    struct qv_pairing *p = pair(gf, gq, false);
    /* the QUANTIZE of the float input stands for the float input; the SOFTMAX "Identity1"
     * pairs with the float "Identity" by structure; the DEQUANTIZE "Identity" is no layer */
    const struct qv_layer_pair *q = &p->pairs[layer_named(p, "tfl.quantize")];
    ck_assert_int_eq(q->how, QV_PAIR_CONVERSION);
    ck_assert_str_eq(gf->tensors[q->tensor_f].name, "input_0");
    const struct qv_layer_pair *s = &p->pairs[layer_named(p, "Identity1")];
    ck_assert_int_eq(s->how, QV_PAIR_STRUCTURE);
    ck_assert_str_eq(gf->tensors[s->tensor_f].name, "Identity");
    for (int32_t i = 0; i < p->n_pairs; i++)
        ck_assert_str_ne(gq->tensors[p->pairs[i].tensor_q].name, "Identity");
    ck_assert_int_eq(p->float_of[qv_graph_find_tensor(gq, "Identity")],
                     qv_graph_find_tensor(gf, "Identity"));
    qv_pairing_free(p);
    qv_graph_free(gf);
    qv_graph_free(gq);
}
END_TEST

START_TEST(mlperf_models_pair)
{
    static const char *const m[] = { "ad_autoencoder", "ic_resnet8", "kws_dscnn",
                                     "vww_mobilenet" };
    char f[128], q[128];
    snprintf(f, sizeof(f), "bench/mlperf_tiny/%s_f32.tflite", m[_i]);
    snprintf(q, sizeof(q), "bench/mlperf_tiny/%s_int8.tflite", m[_i]);
    ck_assert_int_gt(check_converter_pair(f, q, true), 0);
}
END_TEST

/* ---- edited pairs --------------------------------------------------------------------------- */

static struct qv_graph *clone(const struct qv_graph *g)
{
    struct qv_graph *c;
    struct qv_error err = QV_ERROR_INIT;
    CK(qv_graph_clone(g, &c, &err));
    return c;
}

static void rename_tensor(struct qv_graph *g, int32_t t, const char *name)
{
    struct qv_error err = QV_ERROR_INIT;
    CK(qv_graph_strdup(g, name, &g->tensors[t].name, &err));
}

static bool same_pairs(const struct qv_pairing *a, const struct qv_pairing *b)
{
    if (a->n_pairs != b->n_pairs)
        return false;
    for (int32_t i = 0; i < a->n_pairs; i++)
        if (a->pairs[i].tensor_q != b->pairs[i].tensor_q ||
            a->pairs[i].tensor_f != b->pairs[i].tensor_f)
            return false;
    return true;
}

START_TEST(renamed_and_swapped_names)
{
    struct qv_graph *gf = load("bench/mlperf_tiny/ad_autoencoder_f32.tflite");
    struct qv_graph *gq = load("bench/mlperf_tiny/ad_autoencoder_int8.tflite");
    struct qv_pairing *want = pair(gf, gq, false);
    /* every int8 tensor renamed as another converter would */
    struct qv_graph *r = clone(gq);
    char buf[512];
    for (int32_t t = 0; t < r->n_tensors; t++) {
        snprintf(buf, sizeof(buf), "%s_int8", r->tensors[t].name);
        rename_tensor(r, t, buf);
    }
    struct qv_pairing *p = pair(gf, r, false);
    ck_assert(same_pairs(p, want));
    ck_assert_int_eq(p->n_unpaired, 0);
    for (int32_t i = 0; i < p->n_pairs; i++)
        ck_assert_int_ne(p->pairs[i].how, QV_PAIR_NAME);
    qv_pairing_free(p);
    qv_graph_free(r);
    /* names of three 128x128 dense layers rotated: the names lie, the structure decides */
    r = clone(gq);
    int32_t a = qv_graph_find_tensor(r, gq->tensors[gq->nodes[1].outputs[0]].name);
    int32_t b = qv_graph_find_tensor(r, gq->tensors[gq->nodes[2].outputs[0]].name);
    int32_t c = qv_graph_find_tensor(r, gq->tensors[gq->nodes[3].outputs[0]].name);
    const char *na = r->tensors[a].name, *nb = r->tensors[b].name, *nc = r->tensors[c].name;
    r->tensors[a].name = nb;
    r->tensors[b].name = nc;
    r->tensors[c].name = na;
    p = pair(gf, r, false);
    ck_assert(same_pairs(p, want));
    ck_assert_int_eq(p->n_unpaired, 0);
    qv_pairing_free(p);
    qv_graph_free(r);
    qv_pairing_free(want);
    qv_graph_free(gf);
    qv_graph_free(gq);
}
END_TEST

/* x [1, 8] -> FC(wa) -> a, x -> FC(wb) -> b, ADD(a, b) -> y, as float and as int8 graphs. */
static struct qv_graph *two_branches(bool int8, const float *wa, const float *wb,
                                     const char *name_a, const char *name_b)
{
    struct qv_graph *g;
    struct qv_error err = QV_ERROR_INIT;
    CK(qv_graph_create(&g, &err));
    enum qv_dtype dt = int8 ? QV_DTYPE_I8 : QV_DTYPE_F32;
    struct qv_shape sx = { 2, { 1, 8 } }, sw = { 2, { 4, 8 } };
    int32_t x, w[2], o[2], y, n;
    float one = 1.0f / 64, ws = 1.0f / 127;
    int32_t zero = 0;
    CK(qv_graph_add_tensor(g, "x", dt, &sx, &x, &err));
    const float *wv[2] = { wa, wb };
    const char *names[2] = { name_a, name_b };
    for (int k = 0; k < 2; k++) {
        char wn[16];
        snprintf(wn, sizeof(wn), "w%d", k);
        CK(qv_graph_add_tensor(g, wn, dt, &sw, &w[k], &err));
        if (int8) {
            int8_t q[32];
            for (int i = 0; i < 32; i++)
                q[i] = (int8_t)lrintf(wv[k][i] / ws);
            CK(qv_graph_set_data(g, w[k], q, sizeof(q), &err));
            CK(qv_graph_set_quant(g, w[k], 1, &ws, 1, &zero, 0, &err));
        } else {
            CK(qv_graph_set_data(g, w[k], wv[k], 32 * sizeof(float), &err));
        }
        struct qv_shape so = { 2, { 1, 4 } };
        CK(qv_graph_add_tensor(g, names[k], dt, &so, &o[k], &err));
        CK(qv_graph_add_node(g, QV_OP_FULLY_CONNECTED, NULL, 2, (int32_t[]){ x, w[k] }, 1, &o[k],
                             NULL, &n, &err));
    }
    struct qv_shape so = { 2, { 1, 4 } };
    CK(qv_graph_add_tensor(g, "y", dt, &so, &y, &err));
    CK(qv_graph_add_node(g, QV_OP_ADD, NULL, 2, o, 1, &y, NULL, &n, &err));
    if (int8)
        for (int32_t t = 0; t < g->n_tensors; t++)
            if (!g->tensors[t].data)
                CK(qv_graph_set_quant(g, t, 1, &one, 1, &zero, 0, &err));
    CK(qv_graph_set_io(g, 1, &x, 1, &y, &err));
    CK(qv_graph_finalize(g, &err));
    return g;
}

START_TEST(parallel_branches)
{
    float wa[32], wb[32];
    for (int i = 0; i < 32; i++) {
        wa[i] = (float)((i * 7) % 13 - 6) / 8;
        wb[i] = (float)((i * 5) % 11 - 5) / 8;
    }
    struct qv_graph *gf = two_branches(false, wa, wb, "a", "b");
    /* names swapped in the int8 model: the weights show which is which */
    struct qv_graph *gq = two_branches(true, wa, wb, "b", "a");
    struct qv_pairing *p = pair(gf, gq, false);
    ck_assert_int_eq(p->n_unpaired, 0);
    for (int32_t i = 0; i < p->n_pairs; i++) {
        const struct qv_layer_pair *lp = &p->pairs[i];
        if (lp->weighted) {
            ck_assert_int_eq(lp->how, QV_PAIR_STRUCTURE);
            check_weights(p, lp, "swapped branches");
        }
    }
    ck_assert_int_eq(p->pairs[layer_named(p, "y")].how, QV_PAIR_NAME);
    qv_pairing_free(p);
    qv_graph_free(gq);
    /* identical branches and no names to go by: ambiguous, left unpaired, and so is the ADD */
    gq = two_branches(true, wa, wa, "q0", "q1");
    qv_graph_free(gf);
    gf = two_branches(false, wa, wa, "f0", "f1");
    p = pair(gf, gq, true);
    ck_assert_int_eq(p->n_unpaired, 3);
    ck_assert_int_eq(p->n_unpaired_weighted, 2);
    ck_assert_int_eq(p->n_float_unpaired, 3);
    const struct qv_layer_pair *lp = &p->pairs[layer_named(p, "q0")];
    ck_assert_int_eq(lp->tensor_f, -1);
    ck_assert_str_eq(lp->why, "ambiguous: 2 float FULLY_CONNECTED nodes read the same inputs "
                              "with the same attributes and shapes");
    ck_assert_str_eq(p->pairs[layer_named(p, "y")].why, "its inputs are unpaired");
    ck_assert_int_eq(p->pairs[layer_named(p, "x")].how, QV_PAIR_INPUT);
    qv_pairing_free(p);
    qv_graph_free(gq);
    qv_graph_free(gf);
}
END_TEST

/* Inserts QUANTIZE(t -> t') before every reader of tensor `name` of g (a finalized clone);
 * t' gets scale * factor and the same zero point. Returns t'. */
static int32_t insert_requantize(struct qv_graph *g, const char *name, float factor)
{
    struct qv_error err = QV_ERROR_INIT;
    int32_t t = qv_graph_find_tensor(g, name), t2, n;
    ck_assert_int_ge(t, 0);
    char nm[300];
    snprintf(nm, sizeof(nm), "%s_requantized", name);
    CK(qv_graph_add_tensor(g, nm, g->tensors[t].dtype, &g->tensors[t].shape, &t2, &err));
    float s = g->tensors[t].quant.scale[0] * factor;
    CK(qv_graph_set_quant(g, t2, 1, &s, 1, g->tensors[t].quant.zero_point, 0, &err));
    CK(qv_graph_replace_uses(g, t, t2, NULL, &err));
    CK(qv_graph_add_node(g, QV_OP_QUANTIZE, NULL, 1, &t, 1, &t2, NULL, &n, &err));
    CK(qv_graph_finalize(g, &err));
    return t2;
}

START_TEST(requantize_inside)
{
    struct qv_graph *gf = load("datasets/digits/model.tflite");
    struct qv_graph *gq = load("datasets/digits/model_int8.tflite");
    struct qv_graph *r = clone(gq);
    const char *pool = gq->tensors[gq->nodes[gq->order[2]].outputs[0]].name;   /* MAX_POOL */
    int32_t t2 = insert_requantize(r, pool, 1.5f);
    for (int ign = 0; ign < 2; ign++) {
        struct qv_pairing *p = pair(gf, r, ign);
        ck_assert_int_eq(p->n_unpaired, 0);
        ck_assert_int_eq(p->n_float_unpaired, 0);
        const struct qv_layer_pair *q = &p->pairs[p->pair_of[t2]];
        ck_assert_int_eq(q->how, QV_PAIR_CONVERSION);
        ck_assert_str_eq(gf->tensors[q->tensor_f].name, pool);
        int w = 0;
        for (int32_t i = 0; i < p->n_pairs; i++)
            if (p->pairs[i].weighted) {
                check_weights(p, &p->pairs[i], "requantized");
                w++;
            }
        ck_assert_int_eq(w, 4);
        qv_pairing_free(p);
    }
    qv_graph_free(r);
    qv_graph_free(gf);
    qv_graph_free(gq);
}
END_TEST

START_TEST(mixed_precision_layer)
{
    /* the int8 model computes its MAX_POOL in float: DEQUANTIZE -> MAX_POOL (float) -> QUANTIZE */
    struct qv_graph *gf = load("datasets/digits/model.tflite");
    struct qv_graph *gq = load("datasets/digits/model_int8.tflite");
    struct qv_graph *r = clone(gq);
    struct qv_error err = QV_ERROR_INIT;
    int32_t np = r->order[2], tin = r->nodes[np].inputs[0], tout = r->nodes[np].outputs[0];
    ck_assert_int_eq(r->nodes[np].op, QV_OP_MAX_POOL_2D);
    char name[300];
    snprintf(name, sizeof(name), "%s", r->tensors[tout].name);
    int32_t dq, pf, n;
    CK(qv_graph_add_tensor(r, "dequantized", QV_DTYPE_F32, &r->tensors[tin].shape, &dq, &err));
    CK(qv_graph_add_tensor(r, name, QV_DTYPE_F32, &r->tensors[tout].shape, &pf, &err));
    rename_tensor(r, tout, "pool_requantized");
    struct qv_attrs at = r->nodes[np].attrs;
    CK(qv_graph_replace_node(r, np, QV_OP_MAX_POOL_2D, NULL, 1, &dq, 1, &pf, &at, &err));
    CK(qv_graph_add_node(r, QV_OP_DEQUANTIZE, NULL, 1, &tin, 1, &dq, NULL, &n, &err));
    CK(qv_graph_add_node(r, QV_OP_QUANTIZE, NULL, 1, &pf, 1, &tout, NULL, &n, &err));
    CK(qv_graph_finalize(r, &err));
    for (int ign = 0; ign < 2; ign++) {
        struct qv_pairing *p = pair(gf, r, ign);
        ck_assert_int_eq(p->n_unpaired, 0);
        ck_assert_int_eq(p->n_float_unpaired, 0);
        int32_t want = qv_graph_find_tensor(gf, name);
        const struct qv_layer_pair *a = &p->pairs[p->pair_of[pf]];
        ck_assert_int_eq(a->how, ign ? QV_PAIR_STRUCTURE : QV_PAIR_NAME);
        ck_assert_int_eq(a->tensor_f, want);
        ck_assert(!a->quantized);
        const struct qv_layer_pair *b = &p->pairs[p->pair_of[tout]];
        ck_assert_int_eq(b->how, QV_PAIR_CONVERSION);
        ck_assert_int_eq(b->tensor_f, want);
        ck_assert(b->quantized);
        ck_assert_int_eq(p->pair_of[dq], -1);   /* a DEQUANTIZE output is no layer */
        int w = 0;
        for (int32_t i = 0; i < p->n_pairs; i++)
            if (p->pairs[i].weighted) {
                check_weights(p, &p->pairs[i], "mixed");
                w++;
            }
        ck_assert_int_eq(w, 4);
        qv_pairing_free(p);
    }
    qv_graph_free(r);
    qv_graph_free(gf);
    qv_graph_free(gq);
}
END_TEST

START_TEST(extra_float_layer)
{
    /* the float model gains a RELU between the first conv and the depthwise conv */
    struct qv_graph *f0 = load("datasets/digits/model.tflite");
    struct qv_graph *gq = load("datasets/digits/model_int8.tflite");
    struct qv_graph *gf = clone(f0);
    struct qv_error err = QV_ERROR_INIT;
    int32_t conv = gf->nodes[gf->order[0]].outputs[0], t2, n;
    CK(qv_graph_add_tensor(gf, "extra_relu", QV_DTYPE_F32, &gf->tensors[conv].shape, &t2, &err));
    CK(qv_graph_replace_uses(gf, conv, t2, NULL, &err));
    CK(qv_graph_add_node(gf, QV_OP_RELU, NULL, 1, &conv, 1, &t2, NULL, &n, &err));
    CK(qv_graph_finalize(gf, &err));
    for (int ign = 0; ign < 2; ign++) {
        struct qv_pairing *p = pair(gf, gq, ign);
        ck_assert_int_eq(p->n_float_unpaired, 1);
        ck_assert_str_eq(gf->tensors[gf->nodes[p->float_unpaired[0]].outputs[0]].name,
                         "extra_relu");
        /* the depthwise conv pairs by its signature, and everything after it by structure */
        ck_assert_int_eq(p->n_unpaired, 0);
        for (int32_t i = 0; i < p->n_pairs; i++)
            if (p->pairs[i].weighted)
                check_weights(p, &p->pairs[i], "extra float layer");
        qv_pairing_free(p);
    }
    qv_graph_free(gf);
    qv_graph_free(f0);
    qv_graph_free(gq);
}
END_TEST

START_TEST(unrelated_models)
{
    struct qv_graph *gf = load("datasets/digits/model.tflite");
    struct qv_graph *gq = load("datasets/tecator/model_int8.tflite");
    for (int ign = 0; ign < 2; ign++) {
        struct qv_pairing *p = pair(gf, gq, ign);
        ck_assert_int_eq(p->n_unpaired, p->n_pairs);
        ck_assert_int_eq(p->n_float_unpaired, gf->n_nodes);
        ck_assert_str_eq(p->pairs[0].why, "no float model input of 100 elements");
        for (int32_t i = 0; i < p->n_pairs; i++)
            ck_assert_msg(p->pairs[i].why[0], "layer %d has no reason", i);
        qv_pairing_free(p);
    }
    struct qv_error err = QV_ERROR_INIT;
    struct qv_pairing *p = NULL;
    ck_assert_int_eq(qv_pairing_build(gf, NULL, NULL, &p, &err), QV_E_USAGE);
    qv_graph_free(gf);
    qv_graph_free(gq);
}
END_TEST

/* ---- divergence through the runner ------------------------------------------------------------ */

struct run_cfg {
    int32_t threads;
    int64_t batch, chunk;
    int32_t shard, n_shards;
};

static struct qv_layer_stats *run_layers(const struct qv_pairing *p, const char *inputs,
                                         const struct qv_layer_opts *lo, struct run_cfg c)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_data_spec d = QV_DATA_SPEC_INIT;
    d.n_files = 1;
    d.files[0] = inputs;
    struct qv_run_opts o = QV_RUN_OPTS_INIT;
    o.n_sides = 2;
    o.sides[0].graph = p->gf;
    o.sides[0].engine = (struct qv_engine_opts)QV_ENGINE_OPTS_INIT;
    o.sides[1].graph = p->gq;
    o.sides[1].engine = (struct qv_engine_opts)QV_ENGINE_OPTS_INIT;
    o.sides[1].engine.kind = QV_ENGINE_INT8;
    o.n_threads = c.threads;
    o.batch = c.batch;
    o.chunk = c.chunk;
    o.shard = c.shard;
    o.n_shards = c.n_shards;
    struct qv_layer_stats *total;
    CK(qv_layer_stats_create(p, lo, &total, &err));
    qv_layer_observer(total, 0, 1, &o.observer);
    struct qv_run_stats rs;
    CK(qv_run(&d, &o, &rs, &err));
    ck_assert_int_eq(total->samples, rs.samples);
    return total;
}

static char *stats_json(const struct qv_layer_stats *s)
{
    cJSON *j;
    struct qv_error err = QV_ERROR_INIT;
    CK(qv_layer_stats_to_json(s, &j, &err));
    char *t = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return t;
}

static struct qv_layer_stats *json_round_trip(struct qv_layer_stats *s)
{
    char *t = stats_json(s);
    cJSON *j = cJSON_Parse(t);
    struct qv_layer_stats *b;
    struct qv_error err = QV_ERROR_INIT;
    CK(qv_layer_stats_from_json(j, "shard.json", s->pairing, &s->opts, &b, &err));
    char *t2 = stats_json(b);
    ck_assert_str_eq(t, t2);
    cJSON_Delete(j);
    free(t);
    free(t2);
    qv_layer_stats_free(s);
    return b;
}

/* Per-layer rows of both models over every golden sample, captured by plain engine runs. */
struct capture {
    const struct qv_graph *g;
    float **rows;            /* [n_tensors]: all samples, real values (dequantized) */
    int64_t n, at;
};

static bool capture_cb(int32_t node, const struct qv_tensor_view *v, bool ask, void *user)
{
    struct capture *c = user;
    if (ask)
        return true;
    (void)node;
    int32_t t = (int32_t)(v->t - c->g->tensors);
    int64_t e = qv_shape_elems(&c->g->tensors[t].shape);
    if (!c->rows[t])
        c->rows[t] = calloc((size_t)(c->n * e), sizeof(float));
    const struct qv_dtype_traits *tr = qv_dtype_get(v->t->dtype);
    for (int64_t i = 0; i < e; i++) {
        double x = v->t->dtype == QV_DTYPE_F32 ? ((const float *)v->data)[i]
                                               : tr->load(v->data, i);
        c->rows[t][c->at * e + i] = (float)x;
    }
    return true;
}

START_TEST(propagated_matches_direct_computation)
{
    struct qv_graph *gf = load("datasets/digits/model.tflite");
    struct qv_graph *gq = load("datasets/digits/model_int8.tflite");
    struct qv_pairing *p = pair(gf, gq, false);
    const char *inputs = qvt_source("datasets/digits/golden/inputs.npy");
    struct qv_layer_stats *s = run_layers(p, inputs, NULL, (struct run_cfg){ 1, 64, 0, 0, 0 });
    /* direct: both engines one sample at a time, every node output kept as raw values */
    int64_t n, elems;
    float *x = qvt_load_npy(inputs, QV_DTYPE_F32, false, &n, &elems);
    struct capture cf = { gf, calloc((size_t)gf->n_tensors, sizeof(float *)), n, 0 };
    struct capture cq = { gq, calloc((size_t)gq->n_tensors, sizeof(float *)), n, 0 };
    struct qv_error err = QV_ERROR_INIT;
    struct qv_engine *ef, *eq;
    struct qv_engine_opts of = QV_ENGINE_OPTS_INIT, oq = QV_ENGINE_OPTS_INIT;
    of.observe = oq.observe = capture_cb;
    of.observe_user = &cf;
    oq.observe_user = &cq;
    oq.kind = QV_ENGINE_INT8;
    oq.plain_loops = true;
    CK(qv_engine_create(gf, &of, &ef, &err));
    CK(qv_engine_create(gq, &oq, &eq, &err));
    for (int64_t i = 0; i < n; i++) {
        CK(qv_engine_load_input(ef, 0, 0, 1, x + i * elems, QV_DTYPE_F32, &err));
        CK(qv_engine_load_input(eq, 0, 0, 1, x + i * elems, QV_DTYPE_F32, &err));
        CK(qv_engine_run(ef, 1, &err));
        CK(qv_engine_run(eq, 1, &err));
        cf.at++;
        cq.at++;
    }
    int checked = 0;
    for (int32_t i = 0; i < p->n_pairs; i++) {
        const struct qv_layer_pair *lp = &p->pairs[i];
        if (lp->node_q < 0)
            continue;
        const struct qv_tensor *tq = &gq->tensors[lp->tensor_q];
        int64_t e = qv_shape_elems(&tq->shape);
        double sig = 0, noise = 0, mx = 0;
        for (int64_t k = 0; k < n * e; k++) {
            double f = cf.rows[lp->tensor_f][k];
            double q = tq->quant.scale[0] * ((double)cq.rows[lp->tensor_q][k] -
                                             tq->quant.zero_point[0]);
            sig += f * f;
            noise += (q - f) * (q - f);
            mx = fmax(mx, fabs(q - f));
        }
        struct qv_layer_figures fig;
        qv_layer_stats_figures(s, i, &fig);
        ck_assert_int_eq(fig.prop.n, n * e);
        ck_assert_msg(fabs(fig.prop.sqnr_db - 10 * log10(sig / noise)) < 1e-9, "'%s': SQNR %.12f "
                      "vs %.12f", tq->name, fig.prop.sqnr_db, 10 * log10(sig / noise));
        ck_assert(fig.prop.max_abs == mx);
        ck_assert(fig.levels_used >= 1 && fig.levels_used <= 256);
        ck_assert(fig.clip_low >= 0 && fig.clip_high <= 1);
        checked++;
    }
    ck_assert_int_eq(checked, 8);
    /* the first conv reads the model input: alone it sees exactly what the int8 model sees */
    const struct qv_layer_stat *c0 = &s->stat[p->pair_of[gq->nodes[gq->order[0]].outputs[0]]];
    char a[QV_XACC_TEXT_MAX], b[QV_XACC_TEXT_MAX];
    qv_xacc_format(&c0->prop.err2, a, sizeof(a));
    qv_xacc_format(&c0->local.err2, b, sizeof(b));
    ck_assert_str_eq(a, b);
    ck_assert_int_eq(c0->local.n, c0->prop.n);
    /* deeper layers: the local error is smaller than the propagated one on this model */
    struct qv_layer_figures last;
    qv_layer_stats_figures(s, p->n_pairs - 2, &last);   /* the FULLY_CONNECTED */
    ck_assert_msg(last.local.sqnr_db > last.prop.sqnr_db, "FC local %.2f dB, propagated %.2f dB",
                  last.local.sqnr_db, last.prop.sqnr_db);
    for (int32_t t = 0; t < gf->n_tensors; t++)
        free(cf.rows[t]);
    for (int32_t t = 0; t < gq->n_tensors; t++)
        free(cq.rows[t]);
    free(cf.rows);
    free(cq.rows);
    free(x);
    qv_engine_free(ef);
    qv_engine_free(eq);
    qv_layer_stats_free(s);
    qv_pairing_free(p);
    qv_graph_free(gf);
    qv_graph_free(gq);
}
END_TEST

START_TEST(any_threads_batch_shards_same_bytes)
{
    static const char *const dirs[] = { "digits", "basic_motions", "tecator",
                                        "breast_cancer_ae" };
    char f[128], q[128], in[128];
    snprintf(f, sizeof(f), "datasets/%s/model.tflite", dirs[_i]);
    snprintf(q, sizeof(q), "datasets/%s/model_int8.tflite", dirs[_i]);
    snprintf(in, sizeof(in), "datasets/%s/golden/inputs.npy", dirs[_i]);
    struct qv_graph *gf = load(f), *gq = load(q);
    struct qv_pairing *p = pair(gf, gq, false);
    const char *inputs = qvt_source(in);
    struct qv_layer_stats *one = run_layers(p, inputs, NULL, (struct run_cfg){ 1, 64, 0, 0, 0 });
    char *want = stats_json(one);
    struct run_cfg cfgs[] = { { 2, 64, 0, 0, 0 }, { 2, 1, 5, 0, 0 }, { 1, 7, 30, 0, 0 } };
    for (size_t k = 0; k < sizeof(cfgs) / sizeof(cfgs[0]); k++) {
        struct qv_layer_stats *s = run_layers(p, inputs, NULL, cfgs[k]);
        char *got = stats_json(s);
        ck_assert_msg(!strcmp(got, want), "%s: configuration %zu differs", dirs[_i], k);
        free(got);
        qv_layer_stats_free(s);
    }
    /* three shards, each through JSON, merged in reverse order */
    struct qv_layer_stats *merged;
    struct qv_error err = QV_ERROR_INIT;
    CK(qv_layer_stats_create(p, NULL, &merged, &err));
    for (int k = 2; k >= 0; k--) {
        struct qv_layer_stats *s = run_layers(p, inputs, NULL, (struct run_cfg){ 2, 16, 0, k, 3 });
        s = json_round_trip(s);
        CK(qv_layer_stats_merge(merged, s, &err));
        qv_layer_stats_free(s);
    }
    char *got = stats_json(merged);
    ck_assert_str_eq(got, want);
    free(got);
    free(want);
    qv_layer_stats_free(merged);
    qv_layer_stats_free(one);
    qv_pairing_free(p);
    qv_graph_free(gf);
    qv_graph_free(gq);
}
END_TEST

/*
 * A model whose layer `node` has its weight scales multiplied by `factor`: its outputs (and
 * nothing before it) come out wrong, the layers after it read consistent parameters.
 */
static struct qv_graph *corrupt_weights(const struct qv_graph *gq, int32_t node, float factor)
{
    struct qv_graph *r = clone(gq);
    struct qv_error err = QV_ERROR_INIT;
    int32_t w = r->nodes[node].inputs[1];
    const struct qv_quant *qw = &r->tensors[w].quant;
    float *s = malloc((size_t)qw->count * sizeof(float));
    for (int32_t c = 0; c < qw->count; c++)
        s[c] = qw->scale[c] * factor;
    CK(qv_graph_set_quant(r, w, qw->count, s, qw->count, qw->zero_point, qw->axis, &err));
    free(s);
    return r;
}

START_TEST(culprit_is_named)
{
    struct qv_graph *gf = load("datasets/digits/model.tflite");
    struct qv_graph *gq = load("datasets/digits/model_int8.tflite");
    const char *inputs = qvt_source("datasets/digits/golden/inputs.npy");
    struct qv_pairing *p = pair(gf, gq, false);
    struct qv_layer_stats *s = run_layers(p, inputs, NULL, (struct run_cfg){ 1, 64, 0, 0, 0 });
    double thr = 25.0;
    ck_assert_int_eq(qv_layer_culprit(s, thr), -1);   /* the converter's model is healthy */
    qv_layer_stats_free(s);
    qv_pairing_free(p);
    /* the second CONV_2D (node order 3) gets weight scales 1.6x too large */
    int32_t bad = gq->order[3];
    ck_assert_int_eq(gq->nodes[bad].op, QV_OP_CONV_2D);
    struct qv_graph *r = corrupt_weights(gq, bad, 1.6f);
    p = pair(gf, r, false);
    s = run_layers(p, inputs, NULL, (struct run_cfg){ 2, 32, 0, 0, 0 });
    int32_t c = qv_layer_culprit(s, thr);
    ck_assert_int_ge(c, 0);
    ck_assert_int_eq(p->pairs[c].node_q, bad);
    /* the layers after it inherit the error (propagated) but compute well alone (local) */
    int32_t after = 0;
    for (int32_t i = c + 1; i < p->n_pairs; i++) {
        struct qv_layer_figures fi;
        qv_layer_stats_figures(s, i, &fi);
        if (fi.prop.sqnr_db < thr) {
            after++;
            ck_assert_msg(fi.local.sqnr_db >= thr, "layer %d: local %.2f dB", i,
                          fi.local.sqnr_db);
        }
    }
    ck_assert_int_ge(after, 2);
    ck_assert_int_eq(qv_layer_first_propagated_break(s, thr), c);

    /* report.html's layer section */
    struct qv_report rep = QV_REPORT_INIT;
    struct qv_report_layer *layers;
    struct qv_error err = QV_ERROR_INIT;
    rep.name = "digits";
    CK(qv_report_fill_layers(&rep, s, thr, &layers, &err));
    ck_assert_int_eq(rep.n_layers, p->n_pairs);
    ck_assert_int_eq(rep.culprit, c);
    ck_assert(rep.layer_threshold_db == thr);
    ck_assert_str_eq(layers[c].op, "CONV_2D");
    ck_assert_str_eq(layers[0].op, "input");
    ck_assert_str_eq(layers[c].pairing, "name");
    ck_assert_ptr_null(layers[c].float_name);
    ck_assert(layers[c].local.sqnr_db < thr);
    CK(qv_report_validate(&rep, &err));
    char *html = NULL;
    size_t len;
    FILE *fh = open_memstream(&html, &len);
    CK(qv_report_render_html(fh, &rep, &err));
    fclose(fh);
    ck_assert_ptr_nonnull(strstr(html, gq->tensors[p->pairs[c].tensor_q].name));
    free(html);
    free(layers);
    qv_layer_stats_free(s);
    qv_pairing_free(p);
    qv_graph_free(r);
    qv_graph_free(gf);
    qv_graph_free(gq);
}
END_TEST

START_TEST(anomaly_score_saturates)
{
    /* the anomaly score path of breast_cancer_ae was calibrated on benign cases only: the
     * malignant ones saturate the MEAN of squared differences; the error is born at the SUB */
    struct qv_graph *gf = load("datasets/breast_cancer_ae/model.tflite");
    struct qv_graph *gq = load("datasets/breast_cancer_ae/model_int8.tflite");
    struct qv_pairing *p = pair(gf, gq, false);
    struct qv_layer_stats *s = run_layers(p, qvt_source("datasets/breast_cancer_ae/golden/"
                                                        "inputs.npy"),
                                          NULL, (struct run_cfg){ 1, 64, 0, 0, 0 });
    int32_t c = qv_layer_culprit(s, 25.0);
    ck_assert_int_ge(c, 0);
    ck_assert_int_eq(gq->nodes[p->pairs[c].node_q].op, QV_OP_SUB);
    struct qv_layer_figures f;
    qv_layer_stats_figures(s, layer_named(p, "Mean"), &f);
    ck_assert_msg(f.sat_high > 0.4 && f.clip_high > 0.4, "MEAN: %.3f saturated, %.3f at 127",
                  f.sat_high, f.clip_high);
    qv_layer_stats_figures(s, 0, &f);   /* the input: within range */
    ck_assert(f.sat_low < 0.001 && f.sat_high < 0.001);
    ck_assert_int_eq(qv_layer_culprit(s, 10.0), layer_named(p, "mul"));
    qv_layer_stats_free(s);
    qv_pairing_free(p);
    qv_graph_free(gf);
    qv_graph_free(gq);
}
END_TEST

START_TEST(requantize_local_error)
{
    /* a requantize to a 16x coarser grid inside the model: the culprit is that QUANTIZE */
    struct qv_graph *gf = load("datasets/digits/model.tflite");
    struct qv_graph *gq = load("datasets/digits/model_int8.tflite");
    struct qv_graph *r = clone(gq);
    int32_t t2 = insert_requantize(r, gq->tensors[gq->nodes[gq->order[4]].outputs[0]].name, 16);
    struct qv_pairing *p = pair(gf, r, false);
    struct qv_layer_stats *s = run_layers(p, qvt_source("datasets/digits/golden/inputs.npy"),
                                          NULL, (struct run_cfg){ 1, 64, 0, 0, 0 });
    int32_t c = qv_layer_culprit(s, 25.0);
    ck_assert_int_ge(c, 0);
    ck_assert_int_eq(p->pairs[c].tensor_q, t2);
    ck_assert_int_eq(p->pairs[c].how, QV_PAIR_CONVERSION);
    qv_layer_stats_free(s);
    qv_pairing_free(p);
    qv_graph_free(r);
    qv_graph_free(gf);
    qv_graph_free(gq);
}
END_TEST

START_TEST(float_io_local_errors)
{
    struct qv_graph *gf = load("tests/fixtures/tflite/residual/model_f32.tflite");
    struct qv_graph *gq = load("tests/fixtures/tflite/residual/model_int8_fio.tflite");
    struct qv_pairing *p = pair(gf, gq, false);
    struct qv_layer_stats *s = run_layers(p, qvt_fixture("tflite/residual/input_f32.npy"), NULL,
                                          (struct run_cfg){ 1, 8, 0, 0, 0 });
    for (int32_t i = 0; i < p->n_pairs; i++) {
        struct qv_layer_figures fi;
        qv_layer_stats_figures(s, i, &fi);
        ck_assert_msg(fi.prop.n > 0 && fi.local.n == fi.prop.n, "layer %d: %lld / %lld", i,
                      (long long)fi.prop.n, (long long)fi.local.n);
        ck_assert_msg(fi.local.sqnr_db > 20, "layer %d local %.2f dB", i, fi.local.sqnr_db);
    }
    qv_layer_stats_free(s);
    qv_pairing_free(p);
    qv_graph_free(gf);
    qv_graph_free(gq);
}
END_TEST

/* ---- update without the runner, JSON ----------------------------------------------------- */

START_TEST(update_and_json_errors)
{
    struct qv_graph *gf = load("datasets/tecator/model.tflite");
    struct qv_graph *gq = load("datasets/tecator/model_int8.tflite");
    struct qv_pairing *p = pair(gf, gq, false);
    struct qv_error err = QV_ERROR_INIT;
    struct qv_layer_stats *s;
    struct qv_layer_opts lo = QV_LAYER_OPTS_INIT;
    lo.local = false;
    CK(qv_layer_stats_create(p, &lo, &s, &err));
    const float *f[64] = { 0 };
    const void *q[64] = { 0 };
    struct qv_layer_batch b = { .n = 1, .f = f, .q = q };
    ck_assert_int_eq(qv_layer_stats_update(s, &b, &err), QV_E_USAGE);
    ck_assert_msg(strstr(err.msg, "was not captured"), "%s", err.msg);
    /* wants: the float model's nodes producing paired tensors */
    for (int32_t n = 0; n < gf->n_nodes; n++)
        ck_assert(qv_layer_stats_wants(p, QV_SIDE_FLOAT, n));
    ck_assert(qv_layer_stats_wants(p, QV_SIDE_INT8, -1));
    ck_assert(!qv_layer_stats_wants(p, QV_SIDE_INT8, gq->n_nodes));
    qv_layer_stats_free(s);
    /* JSON: a file of other options, other models, a tampered layer */
    s = run_layers(p, qvt_source("datasets/tecator/golden/inputs.npy"), &lo,
                   (struct run_cfg){ 1, 64, 0, 0, 0 });
    char *t = stats_json(s);
    cJSON *j = cJSON_Parse(t);
    struct qv_layer_stats *b2 = NULL;
    ck_assert_int_eq(qv_layer_stats_from_json(j, "s.json", p, NULL, &b2, &err), QV_E_INPUT);
    ck_assert_str_eq(err.msg, "layer_stats.local: made with local errors off and double "
                              "rounding, this run uses on and double");
    ck_assert_str_eq(err.path, "s.json");
    CK(qv_layer_stats_from_json(j, "s.json", p, &lo, &b2, &err));
    qv_layer_stats_free(b2);
    cJSON_Delete(j);
    struct qv_graph *g2 = load("datasets/digits/model_int8.tflite");
    struct qv_graph *g3 = load("datasets/digits/model.tflite");
    struct qv_pairing *p2 = pair(g3, g2, false);
    j = cJSON_Parse(t);
    ck_assert_int_eq(qv_layer_stats_from_json(j, "s.json", p2, &lo, &b2, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "layer_stats.float_model: fingerprint"), "%s", err.msg);
    cJSON_Delete(j);
    char *t2 = strdup(t);
    char *at = strstr(t2, "\"how\":\"name\"");
    ck_assert_ptr_nonnull(at);
    memcpy(at, "\"how\":\"nome\"", 12);
    j = cJSON_Parse(t2);
    ck_assert_int_eq(qv_layer_stats_from_json(j, "s.json", p, &lo, &b2, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "layer_stats.layers[1]: tensor"), "%s", err.msg);
    cJSON_Delete(j);
    free(t2);
    t2 = strdup(t);
    at = strstr(t2, "\"seen\":\"");
    at[8] = 'X';
    j = cJSON_Parse(t2);
    ck_assert_int_eq(qv_layer_stats_from_json(j, "s.json", p, &lo, &b2, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "layer_stats.layers[0].levels.seen"), "%s", err.msg);
    cJSON_Delete(j);
    free(t2);
    /* merging statistics of other models or options */
    struct qv_layer_stats *o2;
    CK(qv_layer_stats_create(p2, &lo, &o2, &err));
    ck_assert_int_eq(qv_layer_stats_merge(s, o2, &err), QV_E_INPUT);
    qv_layer_stats_free(o2);
    CK(qv_layer_stats_create(p, NULL, &o2, &err));
    ck_assert_int_eq(qv_layer_stats_merge(s, o2, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "different options"), "%s", err.msg);
    qv_layer_stats_free(o2);
    free(t);
    qv_layer_stats_free(s);
    qv_pairing_free(p2);
    qv_pairing_free(p);
    qv_graph_free(g2);
    qv_graph_free(g3);
    qv_graph_free(gf);
    qv_graph_free(gq);
}
END_TEST

Suite *layers_suite(void)
{
    Suite *s = suite_create("layers");
    TCase *tc = tcase_create("pairing");
    tcase_add_test(tc, pair_rules_complete);
    tcase_add_loop_test(tc, shipped_directories_pair, 0, 4);
    tcase_add_loop_test(tc, fixture_models_pair, 0, 12);
    tcase_add_test(tc, parity_models_pair);
    tcase_add_test(tc, float_io_model_pairs_by_structure);
    tcase_add_loop_test(tc, mlperf_models_pair, 0, 4);
    tcase_add_test(tc, renamed_and_swapped_names);
    tcase_add_test(tc, parallel_branches);
    tcase_add_test(tc, requantize_inside);
    tcase_add_test(tc, mixed_precision_layer);
    tcase_add_test(tc, extra_float_layer);
    tcase_add_test(tc, unrelated_models);
    suite_add_tcase(s, tc);
    tc = tcase_create("divergence");
    tcase_add_test(tc, propagated_matches_direct_computation);
    tcase_add_loop_test(tc, any_threads_batch_shards_same_bytes, 0, 4);
    tcase_add_test(tc, culprit_is_named);
    tcase_add_test(tc, anomaly_score_saturates);
    tcase_add_test(tc, requantize_local_error);
    tcase_add_test(tc, float_io_local_errors);
    tcase_add_test(tc, update_and_json_errors);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(layers)
