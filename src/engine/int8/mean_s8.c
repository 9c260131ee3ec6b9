/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MEAN int8 (docs/int8-arithmetic.md §5.15): TFLM reduce_common.cc (PrepareMeanOrSumHelper: double
 * s_in / s_out; EvalIntegerMean) and reference_ops::QuantizedMeanOrSum: raw sums, then the
 * multiplier readapted by 1/N with k = min(floor(log2 N), 32, 31 + shift). No activation.
 */
#include "engine/int8/node_s8.h"

enum qv_status qv_mean_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st;
    if ((st = qv_s8_need_unary_quant(c, &s_in, &z_in, &s_out, &z_out, err)) != QV_OK ||
        (st = qv_s8_need_dtype(c, false, 1, QV_DTYPE_I32, err)) != QV_OK)
        return st;
    const struct qv_tensor *at = c->in[1]->t;
    if (!at->data)
        return qv_s8_fail(c, err, "axis '%s' must be a constant", at->name);
    const int32_t rank = c->in[0]->shape.rank;
    struct qv_mean_s8_params *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    const int32_t *ax = at->data;
    const int64_t n_ax = qv_shape_elems(&at->shape);
    for (int64_t i = 0; i < n_ax; i++) {
        const int32_t a = ax[i] < 0 ? ax[i] + rank : ax[i];
        if (a < 0 || a >= rank)
            return qv_s8_fail(c, err, "axis %d is outside the input rank %d", (int)ax[i],
                              (int)rank);
        p->reduced[a] = true;
    }
    if ((st = qv_s8_multiplier(c, 0, (double)s_in / (double)s_out, "requantization",
                               &p->multiplier, &p->shift, err)) != QV_OK)
        return st;
    p->input_zero_point = z_in;
    p->output_zero_point = z_out;
    p->rounding = c->rounding;
    p->variant = qv_s8_node_variant(c);
    c->scratch_size = qv_mean_s8_get_buffer_size(&c->out[0]->shape);
    return QV_OK;
}

void qv_mean_s8_eval(const struct qv_kernel_ctx *c)
{
    qv_mean_s8(c->params, c->scratch, &c->in[0]->shape, c->in[0]->data, &c->out[0]->shape,
               c->out[0]->data);
}

size_t qv_mean_s8_get_buffer_size(const struct qv_shape *out_shape)
{
    return (size_t)qv_shape_elems(out_shape) * sizeof(int32_t);
}

void qv_mean_s8(const struct qv_mean_s8_params *p, void *scratch, const struct qv_shape *is,
                const int8_t *x, const struct qv_shape *out_shape, int8_t *out)
{
    const int64_t n_out = qv_shape_elems(out_shape);
    int32_t *sum = scratch;
    int64_t n_red = 1;
    for (int32_t d = 0; d < is->rank; d++)
        if (p->reduced[d])
            n_red *= is->dims[d];
    if (n_red == 0 || !sum)
        return;
    for (int64_t o = 0; o < n_out; o++)
        sum[o] = 0;
    /*
     * Fast path, reduced dims forming one contiguous run [d0, d1): sum[outer][i] +=
     * x[outer][r][i] row by row. Same wrapping sums as the element walk below.
     */
    int32_t d0 = 0, d1;
    while (d0 < is->rank && !p->reduced[d0])
        d0++;
    d1 = d0;
    while (d1 < is->rank && p->reduced[d1])
        d1++;
    bool run = p->variant != QV_S8_PLAIN;
    for (int32_t d = d1; d < is->rank; d++)
        run = run && !p->reduced[d];
    if (run) {
        int64_t outer = 1, inner = 1;
        for (int32_t d = 0; d < d0; d++)
            outer *= is->dims[d];
        for (int32_t d = d1; d < is->rank; d++)
            inner *= is->dims[d];
        const struct qv_s8_blocks *bk = qv_s8_blocks(p->variant);
        for (int64_t o = 0; o < outer; o++)
            for (int64_t r = 0; r < n_red; r++)
                bk->accumulate(sum + o * inner, x + (o * n_red + r) * inner, inner);
    } else {
        /* Walk the input in order; the output index skips the reduced dims. */
        int64_t idx[QV_MAX_RANK] = { 0 };
        const int64_t n_in = qv_shape_elems(is);
        for (int64_t i = 0; i < n_in; i++) {
            int64_t o = 0;
            for (int32_t d = 0; d < is->rank; d++)
                if (!p->reduced[d])
                    o = o * is->dims[d] + idx[d];
            sum[o] = qv_wrap_add(sum[o], x[i]);
            for (int32_t d = is->rank - 1; d >= 0; d--) {
                if (++idx[d] < is->dims[d])
                    break;
                idx[d] = 0;
            }
        }
    }
    int k = 63 - __builtin_clzll((unsigned long long)n_red);
    k = k < 32 ? k : 32;
    k = k < 31 + p->shift ? k : 31 + p->shift;
    const int32_t m = (int32_t)(((int64_t)p->multiplier << k) / n_red);
    const int s = p->shift - k;
    for (int64_t o = 0; o < n_out; o++) {
        const int32_t shifted =
            qv_wrap_sub(sum[o], qv_wrap_mul(p->input_zero_point, (int32_t)n_red));
        const int32_t v = qv_wrap_add(qv_mbqm(shifted, m, s, p->rounding), p->output_zero_point);
        out[o] = (int8_t)qv_clamp_i32(v, -128, 127);
    }
}
