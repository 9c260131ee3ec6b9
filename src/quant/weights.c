/* SPDX-License-Identifier: Apache-2.0 */
/* Constant data as float (hybrid weights dequantized) and dead weight channels. */
#include <stdlib.h>
#include <string.h>

#include "quant/quant_int.h"

float *qv_const_to_float(const struct qv_tensor *t)
{
    int64_t n = qv_shape_elems(&t->shape);
    float *dst = malloc((size_t)(n ? n : 1) * sizeof(float));
    if (!dst || !t->data)
        return dst;
    if (t->dtype == QV_DTYPE_F32) {
        memcpy(dst, t->data, (size_t)n * sizeof(float));
        return dst;
    }
    /* as the float engine dequantizes constants: (float)(scale * (q - zero_point)) in double */
    const struct qv_quant *q = &t->quant;
    const struct qv_dtype_traits *d = &qv_dtypes[t->dtype];   /* a finalized graph's dtype */
    int64_t inner = 1, axis_len = 1;
    if (q->count > 1) {
        axis_len = t->shape.dims[q->axis];
        for (int32_t r = q->axis + 1; r < t->shape.rank; r++)
            inner *= t->shape.dims[r];
    }
    for (int64_t i = 0; i < n; i++) {
        int64_t c = q->count > 1 ? (i / inner) % axis_len : 0;
        double s = q->count ? (double)q->scale[c] : 1.0;
        double z = q->count ? (double)q->zero_point[c] : 0.0;
        dst[i] = (float)(s * (d->load(t->data, i) - z));
    }
    return dst;
}

void qv_dead_channels_free(struct qv_dead_channels *d, int32_t n)
{
    for (int32_t i = 0; d && i < n; i++)
        free(d[i].dead);
    free(d);
}

enum qv_status qv_dead_channels_find(const struct qv_graph *g, struct qv_dead_channels **ret,
                                     int32_t *ret_n, struct qv_error *err)
{
    struct qv_dead_channels *out = calloc((size_t)g->n_nodes + 1, sizeof(*out));
    int32_t n_out = 0;
    if (!out)
        return qv_fail(err, QV_E_NOMEM, "out of memory looking for dead channels");
    for (int32_t oi = 0; oi < g->n_nodes; oi++) {
        int32_t ni = g->order ? g->order[oi] : oi;
        const struct qv_node *n = &g->nodes[ni];
        const struct qv_quant_rule *r = &qv_quant_rules[n->op];
        if (r->kind != QV_QK_AFFINE || n->n_inputs <= r->weight_input)
            continue;
        int32_t wt = n->inputs[r->weight_input];
        if (wt < 0 || !g->tensors[wt].data || g->tensors[wt].shape.rank <= r->weight_axis)
            continue;
        const struct qv_tensor *t = &g->tensors[wt];
        float *w = qv_const_to_float(t);
        int64_t len = t->shape.dims[r->weight_axis];
        float *scales = malloc((size_t)(len ? len : 1) * sizeof(float));
        int8_t *q = malloc((size_t)qv_shape_elems(&t->shape) + 1);
        bool *live = calloc((size_t)len + 1, sizeof(bool));
        int32_t *dead = malloc(((size_t)len + 1) * sizeof(int32_t));
        if (!w || !scales || !q || !live || !dead) {
            free(w);
            free(scales);
            free(q);
            free(live);
            free(dead);
            qv_dead_channels_free(out, n_out);
            return qv_fail(err, QV_E_NOMEM, "out of memory looking for dead channels");
        }
        qv_quant_weights_per_channel(w, &t->shape, r->weight_axis, scales, q);
        int64_t inner = 1, elems = qv_shape_elems(&t->shape);
        for (int32_t k = r->weight_axis + 1; k < t->shape.rank; k++)
            inner *= t->shape.dims[k];
        for (int64_t i = 0; i < elems; i++)
            if (q[i])
                live[(i / inner) % len] = true;
        int32_t nd = 0;
        for (int64_t c = 0; c < len; c++)
            if (!live[c])
                dead[nd++] = (int32_t)c;
        free(w);
        free(scales);
        free(q);
        free(live);
        if (nd == 0) {
            free(dead);
            continue;
        }
        out[n_out++] = (struct qv_dead_channels){ .tensor = wt, .node = ni,
                                                  .n_channels = (int32_t)len, .n_dead = nd,
                                                  .dead = dead };
    }
    *ret = out;
    *ret_n = n_out;
    return QV_OK;
}
