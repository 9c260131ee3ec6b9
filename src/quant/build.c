/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The int8 graph from a solved plan: a new graph (the float graph is not touched) with int8
 * activations, per-channel (or per-tensor) int8 weights, int32 biases, quantized constant
 * operands, requantizing QUANTIZE ops where shared parameters disagree, and QUANTIZE/DEQUANTIZE
 * at the edges when the I/O stays float. Tensors keep the float graph's names, so per-layer
 * comparison pairs them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/quant_int.h"

/* The converter keeps |bias| / bias_scale at most INT32_MAX / 2 (room for the accumulator). */
#define BIAS_MAX 1073741823.0

struct builder {
    const struct qv_qplan *p;
    const struct qv_quant_opts *o;
    struct qv_quant_result *r;
    struct qv_graph *q;
    int32_t *act_new;        /* [nt] int8 tensor of each float activation, -1 before creation */
    const bool *node_float;  /* [n_nodes] mixed graphs: nodes left in float; NULL = all int8 */
    int32_t *act_f;          /* [nt] mixed graphs: float version of each activation, or -1 */
    int32_t *int_new;        /* [nt] copied integer constants, -1 before creation */
    int32_t *requant_src;    /* requantized copies: source activation, scale, zero point, new */
    float *requant_scale;
    int32_t *requant_zp, *requant_new;
    int32_t n_requant;
    struct qv_error *err;
};

static enum qv_status add_tensor(struct builder *b, const char *name, enum qv_dtype dtype,
                                 const struct qv_shape *shape, int32_t *ret)
{
    return qv_graph_add_tensor(b->q, name, dtype, shape, ret, b->err);
}

static bool io_float(const struct builder *b)
{
    return b->o->io == QV_QUANT_IO_FLOAT;
}

static bool is_graph_output(const struct qv_graph *g, int32_t t)
{
    for (int32_t i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == t)
            return true;
    return false;
}

/* Mixed graphs: whether activation t is computed in float (a graph input, or a float node's). */
static bool native_float(const struct builder *b, int32_t t)
{
    if (!b->node_float)
        return false;
    int32_t prod = b->p->g->tensors[t].producer;
    return prod < 0 || b->node_float[prod];
}

static enum qv_status act_float(struct builder *b, int32_t t, int32_t *ret);

/*
 * The int8 tensor of activation t (created on first use with the plan's parameters). In a mixed
 * graph, an activation computed in float gets its int8 copy through a QUANTIZE.
 */
static enum qv_status act_tensor(struct builder *b, int32_t t, int32_t *ret)
{
    if (b->act_new[t] >= 0) {
        *ret = b->act_new[t];
        return QV_OK;
    }
    const struct qv_tensor *src = &b->p->g->tensors[t];
    char name[512];
    bool edge = (io_float(b) && is_graph_output(b->p->g, t)) || native_float(b, t);
    snprintf(name, sizeof(name), edge ? "%s_int8" : "%s", src->name);
    int32_t idx, fv = -1;
    enum qv_status st = native_float(b, t) ? act_float(b, t, &fv) : QV_OK;
    if (st == QV_OK)
        st = add_tensor(b, name, QV_DTYPE_I8, &src->shape, &idx);
    if (st == QV_OK)
        st = qv_graph_set_quant(b->q, idx, 1, &b->p->scale[t], 1, &b->p->zp[t], 0, b->err);
    if (st == QV_OK && fv >= 0)
        st = qv_graph_add_node(b->q, QV_OP_QUANTIZE, name, 1, &fv, 1, &idx, NULL, NULL, b->err);
    if (st != QV_OK)
        return st;
    b->act_new[t] = idx;
    *ret = idx;
    return QV_OK;
}

/*
 * Mixed graphs: the float tensor of activation t, with t's name when t is computed in float,
 * else a DEQUANTIZE of its int8 tensor.
 */
static enum qv_status act_float(struct builder *b, int32_t t, int32_t *ret)
{
    if (b->act_f[t] >= 0) {
        *ret = b->act_f[t];
        return QV_OK;
    }
    const struct qv_tensor *src = &b->p->g->tensors[t];
    char name[512];
    bool native = native_float(b, t);
    snprintf(name, sizeof(name), native || is_graph_output(b->p->g, t) ? "%s" : "%s_float",
             src->name);
    int32_t idx, qv = -1;
    enum qv_status st = native ? QV_OK : act_tensor(b, t, &qv);
    if (st == QV_OK)
        st = add_tensor(b, name, QV_DTYPE_F32, &src->shape, &idx);
    if (st == QV_OK && qv >= 0)
        st = qv_graph_add_node(b->q, QV_OP_DEQUANTIZE, name, 1, &qv, 1, &idx, NULL, NULL,
                               b->err);
    if (st != QV_OK)
        return st;
    b->act_f[t] = idx;
    *ret = idx;
    return QV_OK;
}

/* Activation t requantized to (scale, zp) by a QUANTIZE op (one per distinct target). */
static enum qv_status requant_tensor(struct builder *b, int32_t t, float scale, int32_t zp,
                                     int32_t *ret)
{
    for (int32_t i = 0; i < b->n_requant; i++)
        if (b->requant_src[i] == t && b->requant_scale[i] == scale && b->requant_zp[i] == zp) {
            *ret = b->requant_new[i];
            return QV_OK;
        }
    int32_t in, idx;
    enum qv_status st = act_tensor(b, t, &in);
    if (st != QV_OK)
        return st;
    char name[512];
    snprintf(name, sizeof(name), "%s_requant%d", b->p->g->tensors[t].name, b->n_requant);
    if ((st = add_tensor(b, name, QV_DTYPE_I8, &b->p->g->tensors[t].shape, &idx)) != QV_OK ||
        (st = qv_graph_set_quant(b->q, idx, 1, &scale, 1, &zp, 0, b->err)) != QV_OK ||
        (st = qv_graph_add_node(b->q, QV_OP_QUANTIZE, name, 1, &in, 1, &idx, NULL, NULL,
                                b->err)) != QV_OK)
        return st;
    int32_t k = b->n_requant++;
    b->requant_src[k] = t;
    b->requant_scale[k] = scale;
    b->requant_zp[k] = zp;
    b->requant_new[k] = idx;
    b->r->n_requantize++;
    *ret = idx;
    return QV_OK;
}

/* An integer constant (shape, paddings, axes) copied as it is, once. */
static enum qv_status int_const(struct builder *b, int32_t t, int32_t *ret)
{
    if (b->int_new[t] >= 0) {
        *ret = b->int_new[t];
        return QV_OK;
    }
    int32_t idx;
    enum qv_status st = qv_graph_copy_tensor(b->q, b->p->g, t, &idx, b->err);
    if (st != QV_OK)
        return st;
    b->int_new[t] = idx;
    *ret = idx;
    return QV_OK;
}

/* A float constant quantized asymmetric per tensor: from its content, or with given params. */
static enum qv_status float_const(struct builder *b, int32_t t, bool own, float scale,
                                  int32_t zp, int32_t *ret)
{
    const struct qv_tensor *src = &b->p->g->tensors[t];
    int64_t n = qv_shape_elems(&src->shape);
    float *v = qv_qplan_const_float(b->p, t);
    if (!v)
        return qv_fail(b->err, QV_E_NOMEM, "out of memory quantizing '%s'", src->name);
    if (own)
        qv_quant_const_params(v, n, &scale, &zp);
    int32_t idx;
    void *data;
    enum qv_status st = add_tensor(b, src->name, QV_DTYPE_I8, &src->shape, &idx);
    if (st == QV_OK)
        st = qv_graph_alloc_data(b->q, idx, &data, b->err);
    if (st == QV_OK) {
        qv_quant_const_values(v, n, scale, zp, data);
        st = qv_graph_set_quant(b->q, idx, 1, &scale, 1, &zp, 0, b->err);
    }
    free(v);
    if (st == QV_OK)
        *ret = idx;
    return st;
}

/* ---- affine layers: weights, bias, bias correction ------------------------------------------ */

struct affine {
    int32_t ni;
    const struct qv_node *n;
    const struct qv_tensor *wt, *bt;
    float *w, *bias;             /* float data (bias NULL when absent) */
    int64_t n_w, units;          /* weight elements, output channels */
    int32_t axis, n_scales;
    float *w_scale, *b_scale;    /* [n_scales] */
    int8_t *wq;
    int32_t *bq;
};

static void affine_free(struct affine *a)
{
    free(a->w);
    free(a->bias);
    free(a->w_scale);
    free(a->b_scale);
    free(a->wq);
    free(a->bq);
}

/* Fraction of output positions whose tap k (along one spatial axis) reads inside the input. */
static double inside_fraction(int64_t in, int64_t out, int32_t k, int32_t stride, int32_t dil,
                              int64_t pad)
{
    int64_t inside = 0;
    for (int64_t o = 0; o < out; o++) {
        int64_t i = o * stride - pad + (int64_t)k * dil;
        inside += i >= 0 && i < in;
    }
    return out ? (double)inside / (double)out : 0.0;
}

static int64_t pad_before(const struct qv_attrs *a, int64_t in, int64_t out, int32_t k,
                          int32_t stride, int32_t dil)
{
    if (a->padding == QV_PADDING_VALID)
        return 0;
    int64_t eff = (int64_t)(k - 1) * dil + 1;
    int64_t total = (out - 1) * stride + eff - in;
    return total > 0 ? total / 2 : 0;
}

/*
 * Bias correction: the mean output shift that weight rounding causes, E[(deq(Wq) - W) x], from
 * the mean of each input channel (calibration sums) and the fraction of outputs each tap reads
 * inside the image; subtracted from the float bias before it is quantized.
 */
static bool bias_correct(struct builder *b, struct affine *a, float *corrected)
{
    const struct qv_qplan *p = b->p;
    const struct qv_graph *g = p->g;
    int32_t in = a->n->inputs[0];
    int32_t si = p->c->stats_of[in];
    if (si < 0 || !p->c->stats[si].elem_sum || p->c->stats[si].count == 0)
        return false;
    const struct qv_tensor_stats *s = &p->c->stats[si];
    int64_t period = qv_sum_period(g, in);
    double rows = (double)s->count / (double)period;
    const struct qv_shape *ws = &a->wt->shape;
    const struct qv_shape *is = &g->tensors[in].shape, *os = &g->tensors[a->n->outputs[0]].shape;
    for (int64_t u = 0; u < a->units; u++)
        corrected[u] = a->bias ? a->bias[u] : 0.0f;
    double *shift = calloc((size_t)a->units + 1, sizeof(double));
    if (!shift)
        return false;
    for (int64_t i = 0; i < a->n_w; i++) {
        int64_t c = a->n_scales == 1 ? 0 : (a->axis == 0 ? i / (a->n_w / a->units)
                                                           : i % a->units);
        double dw = (double)a->w_scale[c] * a->wq[i] - (double)a->w[i];
        if (dw == 0)
            continue;
        if (a->n->op == QV_OP_FULLY_CONNECTED) {
            int64_t depth = ws->dims[1];
            if (period != depth)
                continue;
            shift[i / depth] += dw * s->elem_sum[i % depth] / rows;
        } else if (is->rank == 4 && os->rank == 4) {
            const struct qv_attrs *at = &a->n->attrs;
            int64_t kh = ws->dims[1], kw = ws->dims[2], kc = ws->dims[3];
            int64_t ky = (i / (kw * kc)) % kh, kx = (i / kc) % kw, ch = i % kc;
            int64_t oc, ic;
            if (a->n->op == QV_OP_DEPTHWISE_CONV_2D) {
                oc = ch;
                ic = ch / (at->depth_multiplier > 0 ? at->depth_multiplier : 1);
            } else {
                oc = i / (kh * kw * kc);
                int64_t groups = is->dims[3] / kc;
                ic = (oc / (a->units / (groups ? groups : 1))) * kc + ch;
            }
            if (period != is->dims[3] || ic >= period)
                continue;
            double fy = inside_fraction(is->dims[1], os->dims[1], (int32_t)ky, at->stride_h,
                                        at->dilation_h, pad_before(at, is->dims[1], os->dims[1],
                                        (int32_t)kh, at->stride_h, at->dilation_h));
            double fx = inside_fraction(is->dims[2], os->dims[2], (int32_t)kx, at->stride_w,
                                        at->dilation_w, pad_before(at, is->dims[2], os->dims[2],
                                        (int32_t)kw, at->stride_w, at->dilation_w));
            shift[oc] += dw * (s->elem_sum[ic] / rows) * fy * fx;
        }
    }
    bool changed = false;
    for (int64_t u = 0; u < a->units; u++) {
        float nb = (float)((double)corrected[u] - shift[u]);
        changed |= nb != corrected[u];
        corrected[u] = nb;
    }
    free(shift);
    return changed;
}

static enum qv_status affine_quantize(struct builder *b, struct affine *a, float s_in)
{
    const struct qv_quant_rule *r = &qv_quant_rules[a->n->op];
    const struct qv_shape *ws = &a->wt->shape;
    a->axis = r->weight_axis;
    if (ws->rank <= a->axis)
        return qv_fail_node(b->err, QV_E_INPUT, a->ni, "node %d (%s, '%s'): weights '%s' of "
                            "rank %d", a->ni, qv_op_name(a->n->op), a->n->name, a->wt->name,
                            ws->rank);
    a->units = ws->dims[a->axis];
    a->n_scales = b->o->per_tensor ? 1 : (int32_t)a->units;
    a->w_scale = malloc(((size_t)a->units + 1) * sizeof(float));
    a->b_scale = malloc(((size_t)a->units + 1) * sizeof(float));
    a->wq = malloc((size_t)a->n_w + 1);
    a->bq = malloc(((size_t)a->units + 1) * sizeof(int32_t));
    if (!a->w_scale || !a->b_scale || !a->wq || !a->bq)
        return qv_fail(b->err, QV_E_NOMEM, "out of memory quantizing '%s'", a->wt->name);
    if (a->n_scales == 1)
        qv_quant_weights_per_tensor(a->w, a->n_w, &a->w_scale[0], a->wq);
    else
        qv_quant_weights_per_channel(a->w, ws, a->axis, a->w_scale, a->wq);
    if (b->o->bias_correction) {
        float *corrected = malloc(((size_t)a->units + 1) * sizeof(float));
        if (!corrected)
            return qv_fail(b->err, QV_E_NOMEM, "out of memory correcting biases");
        if (bias_correct(b, a, corrected)) {
            free(a->bias);
            a->bias = corrected;
            b->r->n_bias_corrected++;
        } else {
            free(corrected);
        }
    }
    if (!a->bias)
        return QV_OK;
    for (int32_t c = 0; c < a->n_scales; c++)
        a->b_scale[c] = qv_quant_bias_scale(s_in, a->w_scale[c]);
    /* the converter's SetBiasParamsWithAdjustments: a bias too large for its scale raises the
     * bias scale to |bias| / BIAS_MAX and the weight scale to that over the input scale */
    bool adjusted = false;
    if (a->n_scales > 1) {
        for (int32_t c = 0; c < a->n_scales; c++) {
            float ab = fabsf(a->bias[c]);
            if ((double)ab / (double)a->b_scale[c] > BIAS_MAX) {
                double nb = (double)ab / BIAS_MAX;
                a->b_scale[c] = (float)nb;
                a->w_scale[c] = (float)(nb / (double)s_in);
                adjusted = true;
                b->r->n_bias_adjusted++;
            }
        }
        if (adjusted)
            qv_quant_weights_with_scales(a->w, ws, a->axis, a->n_scales, a->w_scale, a->wq);
    } else {
        double half = 0;
        for (int64_t u = 0; u < a->units; u++)
            half = fmax(half, fabs((double)a->bias[u]));
        if (!(half / (double)a->b_scale[0] < BIAS_MAX)) {
            double nb = half / BIAS_MAX;
            a->b_scale[0] = (float)nb;
            a->w_scale[0] = (float)(nb / (double)s_in);
            qv_quant_weights_per_tensor_type(a->w, a->n_w, a->w_scale[0], a->wq);
            b->r->n_bias_adjusted++;
        }
    }
    for (int32_t c = 0; c < a->n_scales; c++)
        if (!(a->b_scale[c] > 0) || !isfinite(a->b_scale[c]))
            return qv_fail_node(b->err, QV_E_INPUT, a->ni, "node %d (%s, '%s'): bias scale %g "
                                "(input scale %g times weight scale %g) is not representable",
                                a->ni, qv_op_name(a->n->op), a->n->name, (double)a->b_scale[c],
                                (double)s_in, (double)a->w_scale[c]);
    qv_quant_bias(a->bias, a->units, a->n_scales, a->b_scale, a->bq);
    return QV_OK;
}

static enum qv_status affine_tensors(struct builder *b, struct affine *a, int32_t *ret_w,
                                     int32_t *ret_b)
{
    const int32_t zeros1 = 0;
    int32_t *zeros = calloc((size_t)a->units + 1, sizeof(int32_t));
    if (!zeros)
        return qv_fail(b->err, QV_E_NOMEM, "out of memory quantizing '%s'", a->wt->name);
    int32_t wi = -1, bi = -1;
    enum qv_status st = add_tensor(b, a->wt->name, QV_DTYPE_I8, &a->wt->shape, &wi);
    if (st == QV_OK)
        st = qv_graph_set_data(b->q, wi, a->wq, (size_t)a->n_w, b->err);
    if (st == QV_OK)
        st = qv_graph_set_quant(b->q, wi, a->n_scales, a->w_scale, a->n_scales,
                                a->n_scales > 1 ? zeros : &zeros1, a->axis, b->err);
    if (st == QV_OK && a->bias) {
        char name[512];
        struct qv_shape bs = { .rank = 1, .dims = { a->units } };
        if (a->bt)
            bs = a->bt->shape;
        snprintf(name, sizeof(name), "%s%s", a->bt ? a->bt->name : a->n->name,
                 a->bt ? "" : "/bias");
        st = add_tensor(b, name, QV_DTYPE_I32, &bs, &bi);
        if (st == QV_OK)
            st = qv_graph_set_data(b->q, bi, a->bq, (size_t)a->units * sizeof(int32_t), b->err);
        if (st == QV_OK)
            st = qv_graph_set_quant(b->q, bi, a->n_scales, a->b_scale, a->n_scales,
                                    a->n_scales > 1 ? zeros : &zeros1, 0, b->err);
    }
    free(zeros);
    *ret_w = wi;
    *ret_b = bi;
    return st;
}

static enum qv_status build_affine(struct builder *b, int32_t ni, int32_t *inputs,
                                   int32_t *n_inputs)
{
    const struct qv_qplan *p = b->p;
    const struct qv_node *n = &p->g->nodes[ni];
    const struct qv_quant_rule *r = &qv_quant_rules[n->op];
    struct affine a = { .ni = ni, .n = n };
    int32_t in_t = n->inputs[0];
    int32_t bias_t = n->n_inputs > r->bias_input ? n->inputs[r->bias_input] : -1;
    a.wt = &p->g->tensors[n->inputs[r->weight_input]];
    a.bt = bias_t >= 0 ? &p->g->tensors[bias_t] : NULL;
    a.n_w = qv_shape_elems(&a.wt->shape);
    a.w = qv_qplan_const_float(p, n->inputs[r->weight_input]);
    a.bias = bias_t >= 0 ? qv_qplan_const_float(p, bias_t) : NULL;
    enum qv_status st;
    if (!a.w || (bias_t >= 0 && !a.bias)) {
        st = qv_fail(b->err, QV_E_NOMEM, "out of memory quantizing '%s'", a.wt->name);
        goto done;
    }
    if (a.bias && qv_shape_elems(&a.bt->shape) != a.wt->shape.dims[r->weight_axis]) {
        st = qv_fail_node(b->err, QV_E_INPUT, ni, "node %d (%s, '%s'): bias of %lld values "
                          "for %lld channels", ni, qv_op_name(n->op), n->name,
                          (long long)qv_shape_elems(&a.bt->shape),
                          (long long)a.wt->shape.dims[r->weight_axis]);
        goto done;
    }
    if ((st = act_tensor(b, in_t, &inputs[0])) != QV_OK ||
        (st = affine_quantize(b, &a, p->scale[in_t])) != QV_OK)
        goto done;
    int32_t wi = -1, bi = -1;
    if ((st = affine_tensors(b, &a, &wi, &bi)) != QV_OK)
        goto done;
    inputs[r->weight_input] = wi;
    *n_inputs = bi >= 0 ? r->bias_input + 1 : r->weight_input + 1;
    if (bi >= 0)
        inputs[r->bias_input] = bi;
done:
    affine_free(&a);
    return st;
}

/* ---- nodes -------------------------------------------------------------------------------- */

/* Mixed graphs: node ni as in the float model (float activations and constants). */
static enum qv_status build_float_node(struct builder *b, int32_t ni)
{
    const struct qv_qplan *p = b->p;
    const struct qv_graph *g = p->g;
    const struct qv_node *n = &g->nodes[ni];
    int32_t inputs[QV_MAX_INPUTS], out;
    enum qv_status st = QV_OK;
    for (int32_t k = 0; k < n->n_inputs && st == QV_OK; k++) {
        int32_t t = n->inputs[k];
        if (t < 0) {
            inputs[k] = -1;
        } else if (p->cls[t] == QV_TC_ACT) {
            st = act_float(b, t, &inputs[k]);
        } else if (p->cls[t] == QV_TC_FOLDED || g->tensors[t].quant.count > 0 ||
                   g->tensors[t].dtype == QV_DTYPE_F32) {
            /* float data (hybrid weights dequantized, folded DEQUANTIZEs resolved) */
            float *v = qv_qplan_const_float(p, t);
            if (!v)
                return qv_fail(b->err, QV_E_NOMEM, "out of memory copying '%s'",
                               g->tensors[t].name);
            st = add_tensor(b, g->tensors[t].name, QV_DTYPE_F32, &g->tensors[t].shape,
                            &inputs[k]);
            if (st == QV_OK)
                st = qv_graph_set_data(b->q, inputs[k], v,
                                       (size_t)qv_shape_elems(&g->tensors[t].shape) *
                                       sizeof(float), b->err);
            free(v);
        } else {
            st = int_const(b, t, &inputs[k]);
        }
    }
    if (st == QV_OK)
        st = act_float(b, n->outputs[0], &out);
    if (st == QV_OK)
        st = qv_graph_add_node(b->q, n->op, n->name, n->n_inputs, inputs, 1, &out, &n->attrs,
                               NULL, b->err);
    return st;
}

static enum qv_status build_node(struct builder *b, int32_t ni)
{
    if (b->node_float && b->node_float[ni] &&
        qv_quant_rules[b->p->g->nodes[ni].op].kind != QV_QK_FOLD)
        return build_float_node(b, ni);
    const struct qv_qplan *p = b->p;
    const struct qv_graph *g = p->g;
    const struct qv_node *n = &g->nodes[ni];
    const struct qv_quant_rule *r = &qv_quant_rules[n->op];
    int32_t inputs[QV_MAX_INPUTS], n_inputs = n->n_inputs, out;
    int32_t ot = n->outputs[0];
    enum qv_status st = QV_OK;
    if (r->kind == QV_QK_FOLD)
        return QV_OK;
    if (r->kind == QV_QK_AFFINE) {
        st = build_affine(b, ni, inputs, &n_inputs);
    } else {
        for (int32_t k = 0; k < n->n_inputs && st == QV_OK; k++) {
            int32_t t = n->inputs[k];
            if (t < 0) {
                inputs[k] = -1;
            } else if (p->cls[t] == QV_TC_ACT) {
                bool differs = r->kind == QV_QK_SAME &&
                               (p->scale[t] != p->scale[ot] || p->zp[t] != p->zp[ot]);
                st = differs ? requant_tensor(b, t, p->scale[ot], p->zp[ot], &inputs[k])
                             : act_tensor(b, t, &inputs[k]);
            } else if (p->cls[t] == QV_TC_FOLDED || g->tensors[t].dtype == QV_DTYPE_F32) {
                if (r->kind == QV_QK_SAME)
                    st = float_const(b, t, false, p->scale[ot], p->zp[ot], &inputs[k]);
                else if (r->const_operands)
                    st = float_const(b, t, true, 0, 0, &inputs[k]);
                else
                    st = qv_fail_node(b->err, QV_E_INPUT, ni, "node %d (%s, '%s'): qvet cannot "
                                      "quantize its constant float input '%s'", ni,
                                      qv_op_name(n->op), n->name, g->tensors[t].name);
            } else {
                st = int_const(b, t, &inputs[k]);
            }
        }
    }
    if (st == QV_OK)
        st = act_tensor(b, ot, &out);
    if (st == QV_OK)
        st = qv_graph_add_node(b->q, n->op, n->name, n_inputs, inputs, 1, &out, &n->attrs, NULL,
                               b->err);
    return st;
}

static enum qv_status build_inputs(struct builder *b, int32_t *ins)
{
    const struct qv_graph *g = b->p->g;
    enum qv_status st = QV_OK;
    for (int32_t i = 0; i < g->n_inputs && st == QV_OK; i++) {
        int32_t t = g->inputs[i], qi, fi;
        if (b->node_float) {   /* mixed: float inputs, quantized where an int8 node reads */
            st = act_float(b, t, &ins[i]);
            continue;
        }
        if (!io_float(b)) {
            st = act_tensor(b, t, &ins[i]);
            continue;
        }
        char name[512];
        snprintf(name, sizeof(name), "%s_int8", g->tensors[t].name);
        if ((st = add_tensor(b, g->tensors[t].name, QV_DTYPE_F32, &g->tensors[t].shape,
                             &fi)) != QV_OK ||
            (st = add_tensor(b, name, QV_DTYPE_I8, &g->tensors[t].shape, &qi)) != QV_OK ||
            (st = qv_graph_set_quant(b->q, qi, 1, &b->p->scale[t], 1, &b->p->zp[t], 0,
                                     b->err)) != QV_OK ||
            (st = qv_graph_add_node(b->q, QV_OP_QUANTIZE, name, 1, &fi, 1, &qi, NULL, NULL,
                                    b->err)) != QV_OK)
            break;
        b->act_new[t] = qi;
        ins[i] = fi;
    }
    return st;
}

static enum qv_status build_outputs(struct builder *b, int32_t *outs)
{
    const struct qv_graph *g = b->p->g;
    enum qv_status st = QV_OK;
    for (int32_t i = 0; i < g->n_outputs && st == QV_OK; i++) {
        int32_t t = g->outputs[i], qi, fo;
        if (b->node_float) {   /* mixed: float outputs */
            st = act_float(b, t, &outs[i]);
            continue;
        }
        if ((st = act_tensor(b, t, &qi)) != QV_OK)
            break;
        if (!io_float(b)) {
            outs[i] = qi;
            continue;
        }
        if ((st = add_tensor(b, g->tensors[t].name, QV_DTYPE_F32, &g->tensors[t].shape,
                             &fo)) != QV_OK ||
            (st = qv_graph_add_node(b->q, QV_OP_DEQUANTIZE, g->tensors[t].name, 1, &qi, 1, &fo,
                                    NULL, NULL, b->err)) != QV_OK)
            break;
        outs[i] = fo;
    }
    return st;
}

enum qv_status qv_qplan_build(const struct qv_qplan *p, const struct qv_quant_opts *o,
                              struct qv_quant_result *r, struct qv_graph **ret_graph,
                              struct qv_error *err)
{
    return qv_qplan_build_mixed(p, o, NULL, r, ret_graph, err);
}

enum qv_status qv_qplan_build_mixed(const struct qv_qplan *p, const struct qv_quant_opts *o,
                                    const bool *node_float, struct qv_quant_result *r,
                                    struct qv_graph **ret_graph, struct qv_error *err)
{
    const struct qv_graph *g = p->g;
    struct builder b = { .p = p, .o = o, .r = r, .err = err, .node_float = node_float };
    size_t nt = (size_t)g->n_tensors + 1, nn = (size_t)g->n_nodes * QV_MAX_INPUTS + 1;
    int32_t *ins = malloc(((size_t)g->n_inputs + 1) * sizeof(int32_t));
    int32_t *outs = malloc(((size_t)g->n_outputs + 1) * sizeof(int32_t));
    b.act_new = malloc(nt * sizeof(int32_t));
    b.act_f = malloc(nt * sizeof(int32_t));
    b.int_new = malloc(nt * sizeof(int32_t));
    b.requant_src = malloc(nn * sizeof(int32_t));
    b.requant_scale = malloc(nn * sizeof(float));
    b.requant_zp = malloc(nn * sizeof(int32_t));
    b.requant_new = malloc(nn * sizeof(int32_t));
    enum qv_status st;
    if (!ins || !outs || !b.act_new || !b.act_f || !b.int_new || !b.requant_src || !b.requant_scale ||
        !b.requant_zp || !b.requant_new) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory building the int8 graph");
        goto done;
    }
    for (size_t t = 0; t < nt; t++)
        b.act_new[t] = b.act_f[t] = b.int_new[t] = -1;
    if ((st = qv_graph_create(&b.q, err)) != QV_OK)
        goto done;
    if (g->name && g->name[0] && (st = qv_graph_strdup(b.q, g->name, &b.q->name, err)) != QV_OK)
        goto done;
    if ((st = build_inputs(&b, ins)) != QV_OK)
        goto done;
    for (int32_t oi = 0; oi < g->n_nodes && st == QV_OK; oi++)
        st = build_node(&b, g->order[oi]);
    if (st != QV_OK)
        goto done;
    if ((st = build_outputs(&b, outs)) != QV_OK)
        goto done;
    if ((st = qv_graph_set_io(b.q, g->n_inputs, ins, g->n_outputs, outs, err)) != QV_OK)
        goto done;
    if ((st = qv_graph_finalize(b.q, err)) != QV_OK) {
        qv_error_prefix(err, NULL, "the int8 graph");
        if (err)
            err->status = st = QV_E_INTERNAL;
        goto done;
    }
    /* where each float activation went */
    for (int32_t i = 0; i < r->n_tensors; i++)
        r->tensors[i].new_tensor = b.act_new[r->tensors[i].tensor];
    *ret_graph = b.q;
    b.q = NULL;
done:
    qv_graph_free(b.q);
    free(ins);
    free(outs);
    free(b.act_new);
    free(b.act_f);
    free(b.int_new);
    free(b.requant_src);
    free(b.requant_scale);
    free(b.requant_zp);
    free(b.requant_new);
    return st;
}
