/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FULLY_CONNECTED int8 (docs/int8-arithmetic.md §5.3, §2.3): TFLM fully_connected_common.cc
 * (CalculateOpDataFullyConnected, GetQuantizedConvolutionMultipler) and
 * reference_integer_ops::FullyConnected / FullyConnectedPerChannel.
 * Weights [units, depth]; input read as contiguous [batches, depth] with batches = output
 * elements / units. Per-tensor (one weight scale): M from (double)s_in * (double)s_w / s_out,
 * filter offset applied; per-channel (more scales): the same double products per channel, no
 * filter offset. The per-tensor product is double in the tflite-micro interpreter we check
 * against (docs/int8-arithmetic.md, FULLY_CONNECTED), though older TFLite sources form it in float.
 * Prepare fails when |s_in*s_w - s_bias| / s_out > 0.02 (the bias-scale check).
 *
 * Fast variants: the batch's input rows as int16 against prepacked (w - z_w) rows, an exact
 * int16 GEMM, the input offset folded in with the per-unit weight sums.
 */
#include <math.h>
#include <string.h>

#include "engine/int8/node_s8.h"

/* ---- arithmetic ------------------------------------------------------------------------- */

struct fast_layout {
    size_t wsum, fold, rq, packed;
    size_t igemm[QV_IGEMM_ISA_COUNT];   /* struct qv_fc_igemm_s8, then its block; or 0 */
    size_t size;
};

static struct fast_layout fast_layout(int64_t units, int64_t depth)
{
    struct qv_s8_layout l;
    struct fast_layout f;
    qv_s8_layout_init(&l, sizeof(struct qv_fully_connected_s8_fast));
    f.wsum = qv_s8_layout_array(&l, units, sizeof(int32_t));
    f.fold = qv_s8_layout_array(&l, units, sizeof(int32_t));
    f.rq = qv_s8_layout_array(&l, 1, qv_rq_s8_size(units));
    f.packed = qv_s8_layout_array(&l, 1, qv_gemm_s8_packed_size(units, depth));
    for (int i = 0; i < QV_IGEMM_ISA_COUNT; i++) {
        const enum qv_igemm_isa isa = (enum qv_igemm_isa)i;
        const bool on = isa != QV_IGEMM_C && qv_igemm_isa_available(isa) && units > 0;
        f.igemm[i] = on ? qv_s8_layout_array(&l, 1, qv_s8_align64(sizeof(struct qv_fc_igemm_s8)) +
                                                        qv_fc_igemm_s8_size(isa, units, depth))
                        : 0;
    }
    f.size = l.size;
    return f;
}

size_t qv_fully_connected_s8_fast_size(int64_t units, int64_t depth)
{
    return fast_layout(units, depth).size;
}

struct qv_fully_connected_s8_fast *
qv_fully_connected_s8_fast_init(void *mem, const struct qv_fully_connected_s8_params *p,
                                int64_t units, int64_t depth, const int8_t *filter,
                                const int32_t *bias, int64_t max_batches)
{
    const struct fast_layout l = fast_layout(units, depth);
    char *base = mem;
    struct qv_fully_connected_s8_fast *f = mem;
    memset(f, 0, sizeof(*f));
    f->kp = qv_gemm_kp(depth);
    f->wsum = (int32_t *)(base + l.wsum);
    f->fold = (int32_t *)(base + l.fold);
    f->packed = (int16_t *)(base + l.packed);
    qv_gemm_s8_pack(filter, units, depth, depth, p->filter_offset, f->packed, f->wsum);
    qv_gemm_s8_fold(f->fold, f->wsum, bias, -p->input_offset, units);
    qv_rq_s8_init(&f->rq, (int32_t *)(base + l.rq), units, f->fold, p->multiplier, p->shift,
                  p->output_offset, p->act_min, p->act_max, p->rounding);
    f->block_rows = qv_gemm_s8_block_rows(f->kp, max_batches);
    /* The VNNI variants' indirect GEMM, for every instruction set this CPU has: the packed
     * weights are w itself (a weight zero point of 0), the vector requantization needs M >= 0. */
    bool ok = p->filter_offset == 0;
    for (int64_t u = 0; u < units; u++)
        ok = ok && p->multiplier[u] >= 0;
    for (int i = 0; ok && i < QV_IGEMM_ISA_COUNT; i++) {
        if (!l.igemm[i])
            continue;
        struct qv_fc_igemm_s8 *ig = (struct qv_fc_igemm_s8 *)(base + l.igemm[i]);
        qv_fc_igemm_s8_init(ig, (char *)ig + qv_s8_align64(sizeof(*ig)), (enum qv_igemm_isa)i,
                            units, depth, filter, bias, -p->input_offset, p->multiplier, p->shift,
                            p->output_offset, p->act_min, p->act_max, p->rounding);
        f->igemm[i] = ig;
    }
    return f;
}

/* The indirect GEMM variant p runs, or NULL (the int16 GEMM). */
static const struct qv_fc_igemm_s8 *igemm_of(const struct qv_fully_connected_s8_params *p)
{
    return p->fast ? p->fast->igemm[qv_s8_variant_igemm(p->variant)] : NULL;
}

size_t qv_fully_connected_s8_get_buffer_size(const struct qv_fully_connected_s8_params *p)
{
    if (p->variant == QV_S8_PLAIN || !p->fast)
        return 0;
    if (igemm_of(p))
        return qv_fc_igemm_s8_get_buffer_size(igemm_of(p));
    return (size_t)p->fast->block_rows * (size_t)p->fast->kp * sizeof(int16_t);
}

/* reference_integer_ops::FullyConnected(PerChannel), loop for loop. */
static void fc_plain(const struct qv_fully_connected_s8_params *p, int64_t batches,
                     int64_t units, int64_t depth, const int8_t *x, const int8_t *w,
                     const int32_t *bias, int8_t *out)
{
    for (int64_t b = 0; b < batches; b++)
        for (int64_t u = 0; u < units; u++) {
            int32_t acc = 0;
            for (int64_t d = 0; d < depth; d++)
                acc = qv_wrap_add(acc, (w[u * depth + d] + p->filter_offset) *
                                           (x[b * depth + d] + p->input_offset));
            if (bias)
                acc = qv_wrap_add(acc, bias[u]);
            acc = qv_wrap_add(qv_mbqm(acc, p->multiplier[u], p->shift[u], p->rounding),
                              p->output_offset);
            out[b * units + u] = (int8_t)qv_clamp_i32(acc, p->act_min, p->act_max);
        }
}

static void fc_fast(const struct qv_fully_connected_s8_params *p, int16_t *a, int64_t batches,
                    int64_t units, int64_t depth, const int8_t *x, int8_t *out)
{
    const struct qv_fully_connected_s8_fast *f = p->fast;
    /* The int16 GEMM; its AVX2 blocks need rq.vec (prepare picks C otherwise). */
    const struct qv_s8_blocks *bk = qv_s8_blocks(f->rq.vec ? p->variant : QV_S8_C);
    for (int64_t b0 = 0; b0 < batches; b0 += f->block_rows) {
        const int64_t rows = batches - b0 < f->block_rows ? batches - b0 : f->block_rows;
        for (int64_t r = 0; r < rows; r++) {
            int16_t *dst = a + r * f->kp;
            bk->widen(x + (b0 + r) * depth, dst, depth);
            if (f->kp > depth)
                dst[depth] = 0;
        }
        bk->gemm(a, rows, f->kp, f->packed, units, &f->rq, 0, out + b0 * units, units);
    }
}

void qv_fully_connected_s8(const struct qv_fully_connected_s8_params *p, void *scratch,
                           int64_t batches, int64_t units, int64_t depth, const int8_t *in,
                           const int8_t *filter, const int32_t *bias, int8_t *out)
{
    if (p->variant == QV_S8_PLAIN || !p->fast)
        fc_plain(p, batches, units, depth, in, filter, bias, out);
    else if (igemm_of(p))
        qv_fc_igemm_s8(igemm_of(p), scratch, batches, in, out);
    else
        fc_fast(p, scratch, batches, units, depth, in, out);
}

/* ---- engine glue ------------------------------------------------------------------------ */

struct fc_layout {
    size_t mult, shift, fast, size;
};

static struct fc_layout fc_layout(int64_t units, int64_t depth, bool fast)
{
    struct qv_s8_layout l;
    struct fc_layout f;
    qv_s8_layout_init(&l, sizeof(struct qv_fully_connected_s8_params));
    f.mult = qv_s8_layout_array(&l, units, sizeof(int32_t));
    f.shift = qv_s8_layout_array(&l, units, sizeof(int32_t));
    f.fast = qv_s8_layout_array(&l, fast ? 1 : 0, qv_fully_connected_s8_fast_size(units, depth));
    f.size = l.size;
    return f;
}

enum qv_status qv_fully_connected_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st = qv_s8_need_filter_op(c, &s_in, &z_in, &s_out, &z_out, err);
    if (st != QV_OK)
        return st;
    const int32_t *bias = qv_s8_in_data(c, 2);
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
    const bool constant = wt->data != NULL && (!bias || c->in[2]->t->data != NULL);
    enum qv_s8_variant v = constant ? qv_s8_node_variant(c) : QV_S8_PLAIN;
    const struct fc_layout l = fc_layout(units, depth, v != QV_S8_PLAIN);
    char *base = qv_s8_params_alloc(c, l.size, err);
    if (!base)
        return QV_E_NOMEM;
    struct qv_fully_connected_s8_params *p = (struct qv_fully_connected_s8_params *)base;
    int32_t *mult = (int32_t *)(base + l.mult), *shift = (int32_t *)(base + l.shift);
    if (per_channel) {
        if ((st = qv_s8_channel_multipliers(c, 1, units, s_in, s_out, mult, shift, err)) != QV_OK)
            return st;
        p->filter_offset = 0;
    } else {
        /* Double product, then double divide: what the tflite-micro interpreter computes. */
        const double real = (double)s_in * (double)s_w / (double)s_out;
        int32_t m;
        int sh;
        if ((st = qv_s8_check_quant(c, false, 1, err)) != QV_OK ||
            (st = qv_s8_multiplier(c, 0, real, "requantization", &m, &sh, err)) != QV_OK)
            return st;
        for (int64_t u = 0; u < units; u++) {
            mult[u] = m;
            shift[u] = sh;
        }
        p->filter_offset = -wt->quant.zero_point[0];
    }
    if (bias) {
        /* GetQuantizedConvolutionMultipler: the bias scale must match s_in * s_w. */
        const struct qv_tensor *bt = c->in[2]->t;
        const double s_b = bt->quant.count > 0 && bt->quant.scale ? (double)bt->quant.scale[0] : 0;
        const double prod = (double)s_in * (double)s_w;
        if (!(fabs(prod - s_b) / (double)s_out <= 0.02))
            return qv_s8_fail(c, err, "bias '%s' scale %g differs from input scale x weight scale "
                              "%g by more than 2%% of the output scale %g (TFLM's bias-scale "
                              "check)", bt->name, s_b, prod, (double)s_out);
    }
    p->multiplier = mult;
    p->shift = shift;
    p->input_offset = -z_in;
    p->output_offset = z_out;
    p->rounding = c->rounding;
    qv_activation_range_s8(c->node->attrs.act, s_out, z_out, &p->act_min, &p->act_max);
    if (v != QV_S8_PLAIN) {
        p->fast = qv_fully_connected_s8_fast_init(base + l.fast, p, units, depth, wt->data, bias,
                                                  batches);
        if (qv_s8_variant_igemm(v) != QV_IGEMM_C && !p->fast->igemm[qv_s8_variant_igemm(v)])
            v = QV_S8_AVX2;   /* no indirect GEMM here: the int16 GEMM */
        if (v == QV_S8_AVX2 && !p->fast->rq.vec)
            v = QV_S8_C;   /* the AVX2 requantization needs double rounding and M >= 0 */
    }
    p->variant = v;
    c->scratch_size = qv_fully_connected_s8_get_buffer_size(p);
    return QV_OK;
}

void qv_fully_connected_s8_eval(const struct qv_kernel_ctx *c)
{
    const struct qv_shape *w = &c->in[1]->shape;
    const int64_t units = w->dims[0], depth = w->dims[1];
    const int64_t batches = units > 0 ? qv_s8_elems(c->out[0]) / units : 0;
    qv_fully_connected_s8(c->params, c->scratch, batches, units, depth, c->in[0]->data,
                          c->in[1]->data, qv_s8_in_data(c, 2), c->out[0]->data);
}
