/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tensor lifetimes in TFLM's step numbering (see include/qvet/lifetime.h): one pass over the
 * execution order, as MarkAllocationLifetimes does, with an explicit check that every activation
 * is produced before it is read (a caller-supplied order may be wrong; g->order never is).
 */
#include <stdlib.h>
#include <string.h>

#include "qvet/lifetime.h"

enum qv_status qv_lifetime_compute(const struct qv_graph *g, const int32_t *order,
                                   struct qv_lifetime *ret_lt, struct qv_error *err)
{
    if (!g->finalized)
        return qv_fail(err, QV_E_INPUT, "tensor lifetimes need a finalized graph");
    if (!order)
        order = g->order;
    enum qv_status st = QV_OK;
    int32_t n = g->n_nodes;
    struct qv_lifetime *lt = malloc(((size_t)g->n_tensors + 1) * sizeof(*lt));
    bool *seen = calloc((size_t)n + 1, sizeof(*seen));
    if (!lt || !seen) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory computing lifetimes of %d tensors",
                     g->n_tensors);
        goto cleanup;
    }
    for (int32_t t = 0; t < g->n_tensors; t++)
        lt[t] = (struct qv_lifetime){ QV_LIFETIME_NONE, QV_LIFETIME_NONE };
    for (int32_t i = 0; i < g->n_inputs; i++)
        lt[g->inputs[i]] = (struct qv_lifetime){ 0, 0 };
    for (int32_t p = 0; p < n; p++) {
        int32_t ni = order[p];
        if (ni < 0 || ni >= n || seen[ni]) {
            st = qv_fail(err, QV_E_INPUT, "execution order entry %d names node %d, which is %s",
                         p, ni, ni < 0 || ni >= n ? "out of range" : "already placed");
            goto cleanup;
        }
        seen[ni] = true;
        const struct qv_node *nd = &g->nodes[ni];
        int32_t step = p + 1;
        for (int32_t k = 0; k < nd->n_inputs; k++) {
            int32_t t = nd->inputs[k];
            if (t < 0 || g->tensors[t].data)
                continue;
            if (lt[t].first == QV_LIFETIME_NONE) {
                st = qv_fail_node(err, QV_E_INPUT, ni,
                                  "node %d (%s, '%s') runs at position %d before tensor '%s' "
                                  "it reads is produced", ni, qv_op_name(nd->op), nd->name, p,
                                  g->tensors[t].name);
                goto cleanup;
            }
            lt[t].last = step;
        }
        for (int32_t k = 0; k < nd->n_outputs; k++) {
            int32_t t = nd->outputs[k];
            if (lt[t].first == QV_LIFETIME_NONE)
                lt[t] = (struct qv_lifetime){ step, step };
        }
    }
    for (int32_t i = 0; i < g->n_outputs; i++) {
        struct qv_lifetime *o = &lt[g->outputs[i]];
        if (g->tensors[g->outputs[i]].data)
            continue;
        if (o->first == QV_LIFETIME_NONE)
            o->first = n;
        o->last = n;
    }
    memcpy(ret_lt, lt, (size_t)g->n_tensors * sizeof(*lt));
cleanup:
    free(lt);
    free(seen);
    return st;
}

bool qv_lifetime_overlap(const struct qv_lifetime *a, const struct qv_lifetime *b)
{
    if (a->first == QV_LIFETIME_NONE || b->first == QV_LIFETIME_NONE)
        return false;
    return a->first <= b->last && b->first <= a->last;
}
