/* SPDX-License-Identifier: Apache-2.0 */
/* report.html's per-layer section from the per-layer statistics (from_layers.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/from_layers.h"

static struct qv_report_error error_of(const struct qv_div_figures *f)
{
    return (struct qv_report_error){ .sqnr_db = f->sqnr_db, .cosine = f->cosine,
                                     .rmse = f->rmse, .mae = f->mae, .max_abs = f->max_abs,
                                     .rel_l2 = f->rel_l2 };
}

enum qv_status qv_report_fill_layers(struct qv_report *rep, const struct qv_layer_stats *s,
                                     double threshold_db, struct qv_report_layer **ret_layers,
                                     struct qv_error *err)
{
    const struct qv_pairing *p = s->pairing;
    struct qv_report_layer *l = calloc((size_t)p->n_pairs + 1, sizeof(*l));
    if (!l)
        return qv_fail(err, QV_E_NOMEM, "out of memory for the report's layers");
    for (int32_t i = 0; i < p->n_pairs; i++) {
        const struct qv_layer_pair *lp = &p->pairs[i];
        struct qv_layer_figures f;
        qv_layer_stats_figures(s, i, &f);
        const char *name = p->gq->tensors[lp->tensor_q].name;
        const char *fname = lp->tensor_f >= 0 ? p->gf->tensors[lp->tensor_f].name : NULL;
        l[i] = (struct qv_report_layer){
            .name = name,
            .op = lp->node_q >= 0 ? qv_node_op_name(&p->gq->nodes[lp->node_q]) : "input",
            .float_name = fname && strcmp(fname, name) != 0 ? fname : NULL,
            .pairing = lp->how == QV_PAIR_NONE ? NULL : qv_pair_how_name(lp->how),
            .node = lp->node_q,
            .propagated = error_of(&f.prop),
            .local = error_of(&f.local),
            .clip_low = f.clip_low,
            .clip_high = f.clip_high,
            .levels_used = f.levels_used,
        };
    }
    rep->layers = l;
    rep->n_layers = p->n_pairs;
    rep->layer_threshold_db = threshold_db;
    rep->culprit = isnan(threshold_db) ? -1 : qv_layer_culprit(s, threshold_db);
    *ret_layers = l;
    return QV_OK;
}
