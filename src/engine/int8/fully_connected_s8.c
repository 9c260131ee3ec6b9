/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FULLY_CONNECTED int8 (spec §5.3, §2.3): TFLM fully_connected_common.cc
 * (CalculateOpDataFullyConnected, GetQuantizedConvolutionMultipler) and
 * reference_integer_ops::FullyConnected / FullyConnectedPerChannel.
 * Weights [units, depth]; input read as contiguous [batches, depth] with batches = output
 * elements / units. Per-tensor (one weight scale): M from (double)s_in * (double)s_w / s_out,
 * filter offset applied; per-channel (more scales): the same double products per channel, no
 * filter offset. The per-tensor product is double in the tflite-micro interpreter we check
 * against (docs/int8-arithmetic.md, FULLY_CONNECTED), though older TFLite sources form it in float.
 * Prepare fails when |s_in*s_w - s_bias| / s_out > 0.02 (the bias-scale check).
 *
 * Fast path: the batch's input rows as int16 against prepacked (w - z_w) rows, an exact int16
 * GEMM, the input offset folded in with the per-unit weight sums.
 */
#include <math.h>
#include <string.h>

#include "engine/kernel.h"
#include "engine/int8/kernels_s8.h"

struct fc_params {
    int32_t in_offset, out_offset, filter_offset, act_min, act_max;
    int64_t units, depth, kp, block_rows;
    int32_t *mult, *shift;  /* [units] (per-tensor: all equal) */
    int16_t *packed;        /* NULL when the weights are not constant */
    int32_t *wsum;          /* [units] */
    int32_t *fold;          /* [units]: in_offset * wsum + bias */
    struct qv_rq_s8 rq;     /* fold, mult, shift, out_offset and activation range */
};

enum qv_status qv_fully_connected_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st = qv_s8_need_filter_op(c, &s_in, &z_in, &s_out, &z_out, err);
    if (st != QV_OK)
        return st;
    const bool has_bias = c->n_in > 2 && c->in[2];
    const struct qv_tensor *wt = c->in[1]->t;
    const struct qv_shape *w = &c->in[1]->shape, *o = &c->out[0]->shape;
    if (w->rank != 2 || o->rank < 1 || o->dims[o->rank - 1] != w->dims[0])
        return qv_s8_fail(c, err, "weights '%s' must be [units, depth] with units = the output's "
                          "last dimension", wt->name);
    if (wt->quant.count < 1 || !wt->quant.scale || !wt->quant.zero_point)
        return qv_s8_fail(c, err, "weights '%s' have no quantization parameters", wt->name);
    const int64_t units = w->dims[0], depth = w->dims[1];
    const int64_t in_elems = qv_shape_elems(&c->in[0]->shape);
    const int64_t batches = units > 0 ? qv_shape_elems(o) / units : 0;
    if (depth > 0 && in_elems < batches * depth)
        return qv_s8_fail(c, err, "input '%s' holds %lld elements, fewer than %lld batches x "
                          "depth %lld", qv_s8_in_name(c, 0), (long long)in_elems,
                          (long long)batches, (long long)depth);
    const bool per_channel = wt->quant.count > 1;
    if (per_channel && wt->quant.count != units)
        return qv_s8_fail(c, err, "weights '%s' have %d scales for %lld units", wt->name,
                          (int)wt->quant.count, (long long)units);
    const float s_w = wt->quant.scale[0];
    if (has_bias) {
        /* GetQuantizedConvolutionMultipler: the bias scale must match s_in * s_w. */
        const struct qv_tensor *bt = c->in[2]->t;
        const double s_b = bt->quant.count > 0 && bt->quant.scale ? (double)bt->quant.scale[0] : 0;
        const double prod = (double)s_in * (double)s_w;
        if (!(fabs(prod - s_b) / (double)s_out <= 0.02))
            return qv_s8_fail(c, err, "bias '%s' scale %g differs from input scale x weight scale "
                              "%g by more than 2%% of the output scale %g (TFLM's bias-scale "
                              "check)", bt->name, s_b, prod, (double)s_out);
    }
    const bool fast = wt->data != NULL && (!has_bias || c->in[2]->t->data != NULL);
    const int64_t kp = qv_gemm_kp(depth);
    size_t off_mult = qv_s8_align64(sizeof(struct fc_params));
    size_t off_shift = off_mult + qv_s8_align64((size_t)units * 4);
    size_t off_wsum = off_shift + qv_s8_align64((size_t)units * 4);
    size_t off_fold = off_wsum + qv_s8_align64((size_t)units * 4);
    size_t off_rq = off_fold + qv_s8_align64((size_t)units * 4);
    size_t off_pack = off_rq + (fast ? qv_rq_s8_size(units) : 0);
    size_t size = off_pack + (fast ? qv_gemm_s8_packed_size(units, depth) : 0);
    struct fc_params *p = qv_s8_params_alloc(c, size, err);
    if (!p)
        return QV_E_NOMEM;
    p->mult = (int32_t *)((char *)p + off_mult);
    p->shift = (int32_t *)((char *)p + off_shift);
    p->wsum = (int32_t *)((char *)p + off_wsum);
    p->fold = (int32_t *)((char *)p + off_fold);
    p->packed = fast ? (int16_t *)((char *)p + off_pack) : NULL;
    if (per_channel) {
        if ((st = qv_s8_channel_multipliers(c, 1, units, s_in, s_out, p->mult, p->shift, err)) !=
            QV_OK)
            return st;
        p->filter_offset = 0;
    } else {
        /* Double product, then double divide: what the tflite-micro interpreter computes. */
        const double real = (double)s_in * (double)s_w / (double)s_out;
        int32_t m;
        int shift;
        qv_quantize_multiplier(real, c->rounding, &m, &shift);
        for (int64_t u = 0; u < units; u++) {
            p->mult[u] = m;
            p->shift[u] = shift;
        }
        p->filter_offset = -wt->quant.zero_point[0];
    }
    p->in_offset = -z_in;
    p->out_offset = z_out;
    p->units = units;
    p->depth = depth;
    p->kp = kp;
    qv_activation_range_s8(c->node->attrs.act, s_out, z_out, &p->act_min, &p->act_max);
    if (fast) {
        qv_gemm_s8_pack(wt->data, units, depth, depth, p->filter_offset, p->packed, p->wsum);
        qv_gemm_s8_fold(p->fold, p->wsum, has_bias ? c->in[2]->t->data : NULL, z_in, units);
        qv_rq_s8_init(&p->rq, (int32_t *)((char *)p + off_rq), units, p->fold, p->mult, p->shift,
                      p->out_offset, p->act_min, p->act_max, c->rounding);
        const int64_t rows = qv_gemm_s8_block_rows(kp, batches);
        p->block_rows = rows;
        if (!c->plain_loops)
            c->scratch_size = (size_t)rows * (size_t)kp * 2;
    }
    return QV_OK;
}

/* reference_integer_ops::FullyConnected(PerChannel), loop for loop. */
static void fc_plain(const struct fc_params *p, const struct qv_kernel_ctx *c, int64_t batches)
{
    const int8_t *x = c->in[0]->data, *w = c->in[1]->data;
    const int32_t *bias = c->n_in > 2 && c->in[2] ? c->in[2]->data : NULL;
    int8_t *out = c->out[0]->data;
    for (int64_t b = 0; b < batches; b++)
        for (int64_t u = 0; u < p->units; u++) {
            int32_t acc = 0;
            for (int64_t d = 0; d < p->depth; d++)
                acc = qv_wrap_add(acc, (w[u * p->depth + d] + p->filter_offset) *
                                           (x[b * p->depth + d] + p->in_offset));
            if (bias)
                acc = qv_wrap_add(acc, bias[u]);
            acc = qv_mbqm(acc, p->mult[u], p->shift[u], c->rounding) + p->out_offset;
            out[b * p->units + u] = (int8_t)qv_clamp_i32(acc, p->act_min, p->act_max);
        }
}

static void fc_fast(const struct fc_params *p, const struct qv_kernel_ctx *c, int64_t batches)
{
    const int8_t *x = c->in[0]->data;
    int8_t *out = c->out[0]->data;
    int16_t *a = c->scratch;
    for (int64_t b0 = 0; b0 < batches; b0 += p->block_rows) {
        const int64_t rows = batches - b0 < p->block_rows ? batches - b0 : p->block_rows;
        for (int64_t r = 0; r < rows; r++) {
            int16_t *dst = a + r * p->kp;
            qv_s8_widen(x + (b0 + r) * p->depth, dst, p->depth);
            if (p->kp > p->depth)
                dst[p->depth] = 0;
        }
        qv_gemm_s8_run_rq(a, rows, p->kp, p->packed, p->units, &p->rq, 0, out + b0 * p->units,
                          p->units);
    }
}

void qv_fully_connected_s8(const struct qv_kernel_ctx *c)
{
    const struct fc_params *p = c->params;
    const int64_t batches = p->units > 0 ? qv_shape_elems(&c->out[0]->shape) / p->units : 0;
    if (!c->plain_loops && p->packed && c->scratch)
        fc_fast(p, c, batches);
    else
        fc_plain(p, c, batches);
}
