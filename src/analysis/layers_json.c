/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-layer statistics to JSON and back (docs/metrics.md §9): lossless and canonical like the
 * task metrics, tied to the two models by their fingerprints and to the pairing layer by layer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/json_util.h"
#include "analysis/layers_int.h"
#include "qvet/quant.h"   /* qv_graph_fingerprint */

#define FORMAT "qvet-layers"
#define VERSION 1

static const char *const rounding_names[QV_ROUNDING_COUNT] = { "double", "single" };

static void hex64(uint64_t v, char buf[17])
{
    snprintf(buf, 17, "%016llx", (unsigned long long)v);
}

static bool add_levels(cJSON *o, const struct qv_levels *l)
{
    char seen[65];
    for (int k = 0; k < 4; k++)
        snprintf(seen + 16 * k, 17, "%016llx", (unsigned long long)l->seen[3 - k]);
    cJSON *x = cJSON_AddObjectToObject(o, "levels");
    return x && qj_add_count(x, "n", l->n) && qj_add_count(x, "at_min", l->at_min) &&
           qj_add_count(x, "at_max", l->at_max) && qj_add_string(x, "seen", seen);
}

enum qv_status qv_layer_stats_to_json(const struct qv_layer_stats *s, struct cJSON **ret,
                                      struct qv_error *err)
{
    const struct qv_pairing *p = s->pairing;
    char ff[17], fq[17];
    hex64(qv_graph_fingerprint(p->gf), ff);
    hex64(qv_graph_fingerprint(p->gq), fq);
    cJSON *o = cJSON_CreateObject();
    bool ok = o && qj_add_string(o, "format", FORMAT) && qj_add_count(o, "version", VERSION) &&
              qj_add_string(o, "float_model", ff) && qj_add_string(o, "int8_model", fq) &&
              qj_add_bool(o, "local", s->opts.local) &&
              qj_add_string(o, "rounding", rounding_names[s->opts.rounding]) &&
              qj_add_count(o, "samples", s->samples);
    cJSON *layers = ok ? cJSON_AddArrayToObject(o, "layers") : NULL;
    ok = ok && layers;
    for (int32_t i = 0; ok && i < p->n_pairs; i++) {
        const struct qv_layer_pair *lp = &p->pairs[i];
        cJSON *x = cJSON_CreateObject();
        if (!x) {
            ok = false;
            break;
        }
        cJSON_AddItemToArray(layers, x);
        ok = qj_add_count(x, "tensor", lp->tensor_q) &&
             qj_add_string(x, "name", p->gq->tensors[lp->tensor_q].name) &&
             qj_add_int(x, "float_tensor", lp->tensor_f) &&
             qj_add_string(x, "how", qv_pair_how_name(lp->how)) &&
             qj_add_div(x, "prop", &s->stat[i].prop) && qj_add_div(x, "local", &s->stat[i].local) &&
             add_levels(x, &s->stat[i].levels) && qj_add_count(x, "sat_low", s->stat[i].sat_low) &&
             qj_add_count(x, "sat_high", s->stat[i].sat_high);
    }
    if (!ok) {
        cJSON_Delete(o);
        return qv_fail(err, QV_E_NOMEM, "out of memory writing the layer statistics as JSON");
    }
    *ret = o;
    return QV_OK;
}

static bool parse_seen(const char *s, uint64_t seen[4])
{
    if (strlen(s) != 64)
        return false;
    for (int k = 0; k < 4; k++) {
        uint64_t v = 0;
        for (int c = 0; c < 16; c++) {
            char ch = s[16 * k + c];
            int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
            if (d < 0)
                return false;
            v = v << 4 | (uint64_t)d;
        }
        seen[3 - k] = v;
    }
    return true;
}

static enum qv_status read_layer(const struct qj *j, const char *w, const cJSON *x,
                                 const struct qv_pairing *p, int32_t i, struct qv_layer_stat *st)
{
    static const char *const keys[] = { "tensor", "name", "float_tensor", "how", "prop",
                                        "local", "levels", "sat_low", "sat_high", NULL };
    static const char *const lkeys[] = { "n", "at_min", "at_max", "seen", NULL };
    const struct qv_layer_pair *lp = &p->pairs[i];
    const char *name, *how, *seen;
    const cJSON *lv;
    int64_t tensor, ftensor;
    char lw[256];
    enum qv_status s;
    if ((s = qj_only(j, w, x, keys)) || (s = qj_count(j, w, x, "tensor", INT32_MAX, &tensor)) ||
        (s = qj_string(j, w, x, "name", &name)) ||
        (s = qj_int(j, w, x, "float_tensor", -1, INT32_MAX, &ftensor)) ||
        (s = qj_string(j, w, x, "how", &how)))
        return s;
    if (tensor != lp->tensor_q || strcmp(name, p->gq->tensors[lp->tensor_q].name) != 0 ||
        ftensor != lp->tensor_f || strcmp(how, qv_pair_how_name(lp->how)) != 0)
        return qj_fail(j, w, NULL, "tensor %lld '%s' paired with %lld (%s); the models pair "
                       "layer %d as tensor %d '%s' with %d (%s)", (long long)tensor, name,
                       (long long)ftensor, how, i, lp->tensor_q, p->gq->tensors[lp->tensor_q].name,
                       lp->tensor_f, qv_pair_how_name(lp->how));
    qj_path(lw, sizeof(lw), w, "levels", 0);
    if ((s = qj_div(j, w, x, "prop", &st->prop)) || (s = qj_div(j, w, x, "local", &st->local)) ||
        (s = qj_object(j, w, x, "levels", &lv)) || (s = qj_only(j, lw, lv, lkeys)) ||
        (s = qj_count(j, lw, lv, "n", -1, &st->levels.n)) ||
        (s = qj_count(j, lw, lv, "at_min", st->levels.n, &st->levels.at_min)) ||
        (s = qj_count(j, lw, lv, "at_max", st->levels.n, &st->levels.at_max)) ||
        (s = qj_string(j, lw, lv, "seen", &seen)) ||
        (s = qj_count(j, w, x, "sat_low", st->prop.n + st->prop.nonfinite, &st->sat_low)) ||
        (s = qj_count(j, w, x, "sat_high", st->prop.n + st->prop.nonfinite, &st->sat_high)))
        return s;
    if (!parse_seen(seen, st->levels.seen))
        return qj_fail(j, lw, "seen", "expected 64 lower-case hex digits");
    return QV_OK;
}

enum qv_status qv_layer_stats_from_json(const struct cJSON *o, const char *path,
                                        const struct qv_pairing *p,
                                        const struct qv_layer_opts *opts,
                                        struct qv_layer_stats **ret, struct qv_error *err)
{
    static const char *const keys[] = { "format", "version", "float_model", "int8_model",
                                        "local", "rounding", "samples", "layers", NULL };
    struct qj j = { path, err };
    const char *w = "layer_stats", *fmt, *ff, *fq, *rounding;
    const cJSON *layers;
    int64_t version, samples;
    bool local;
    char want_f[17], want_q[17];
    struct qv_layer_opts lo = QV_LAYER_OPTS_INIT;
    if (opts)
        lo = *opts;
    enum qv_status st;
    if ((st = qj_only(&j, w, o, keys)) || (st = qj_string(&j, w, o, "format", &fmt)))
        return st;
    if (strcmp(fmt, FORMAT) != 0)
        return qj_fail(&j, w, "format", "expected \"%s\"", FORMAT);
    hex64(qv_graph_fingerprint(p->gf), want_f);
    hex64(qv_graph_fingerprint(p->gq), want_q);
    if ((st = qj_int(&j, w, o, "version", VERSION, VERSION, &version)) ||
        (st = qj_string(&j, w, o, "float_model", &ff)) ||
        (st = qj_string(&j, w, o, "int8_model", &fq)) || (st = qj_bool(&j, w, o, "local", &local)) ||
        (st = qj_string(&j, w, o, "rounding", &rounding)) ||
        (st = qj_count(&j, w, o, "samples", -1, &samples)))
        return st;
    if (strcmp(ff, want_f) != 0)
        return qj_fail(&j, w, "float_model", "fingerprint %s, the float model's is %s", ff,
                       want_f);
    if (strcmp(fq, want_q) != 0)
        return qj_fail(&j, w, "int8_model", "fingerprint %s, the int8 model's is %s", fq, want_q);
    if (local != lo.local || strcmp(rounding, rounding_names[lo.rounding]) != 0)
        return qj_fail(&j, w, local != lo.local ? "local" : "rounding", "made with local errors "
                       "%s and %s rounding, this run uses %s and %s", local ? "on" : "off",
                       rounding, lo.local ? "on" : "off", rounding_names[lo.rounding]);
    if ((st = qj_array(&j, w, o, "layers", p->n_pairs, &layers, NULL)))
        return st;
    struct qv_layer_stats *s;
    if ((st = qv_layer_stats_create(p, &lo, &s, err)) != QV_OK)
        return st;
    s->samples = samples;
    int32_t i = 0;
    for (const cJSON *x = layers->child; x; x = x->next, i++) {
        char lw[64];
        qj_path(lw, sizeof(lw), "layer_stats.layers", NULL, i);
        if ((st = read_layer(&j, lw, x, p, i, &s->stat[i]))) {
            qv_layer_stats_free(s);
            return st;
        }
        if (s->stat[i].prop.samples > samples || s->stat[i].local.samples > samples) {
            qv_layer_stats_free(s);
            return qj_fail(&j, lw, NULL, "more samples than the file's %lld", (long long)samples);
        }
    }
    *ret = s;
    return QV_OK;
}
