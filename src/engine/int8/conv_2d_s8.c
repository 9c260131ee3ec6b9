/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CONV_2D int8 (spec §5.1, §2.3): TFLM conv.cc / conv_common.cc (CalculateOpDataConv,
 * PopulateConvolutionQuantizationParams) and reference_integer_ops::ConvPerChannel.
 * x [N, H, W, Cin] int8, filter [Cout, KH, KW, Cin / groups] int8 (zero point ignored), bias
 * [Cout] int32 (optional), out [N, OH, OW, Cout] int8.
 *
 * Fast path: per group, im2col of a block of output pixels (all samples of the batch) into int16
 * rows whose out-of-image taps hold z_in, so that (x - z_in) = 0 there exactly; an int16 GEMM
 * against prepacked weights gives sum(w * x); the input offset is folded in with the per-channel
 * weight sum: sum(w * (x - z_in)) = sum(w * x) - z_in * sum(w). Identical to the plain loops.
 * Short kernel rows (one group, undilated columns, kw * Cin <= 16, not pointwise): each sample
 * is first copied into a z_in-bordered image (scratch), so every tap row is one run of
 * kw * Cin bytes without bounds checks (AVX2: one 16-byte widen per run).
 */
#include <string.h>

#include "engine/kernel.h"
#include "core/ops/ops_common.h"
#include "engine/int8/simd_s8.h"

struct conv_params {
    int32_t in_offset, out_offset, act_min, act_max;
    int32_t stride_h, stride_w, dil_h, dil_w;
    int64_t pad_h, pad_w;
    int64_t kh, kw, fcin, cout, groups;
    int32_t *mult, *shift;       /* [cout] */
    /* fast path (packed == NULL: plain loops only) */
    int64_t k, kp, block_rows;   /* taps per output, even taps, pixels per im2col block */
    bool pointwise;              /* 1x1, stride 1, no padding, one group: rows are the pixels */
    bool padded;                 /* im2col from a z_in-bordered copy of each sample */
    int64_t hp, wp;              /* its rows and columns (padded coordinates 0 = -pad) */
    int16_t *packed;             /* [groups][qv_gemm_s8_packed_size(cout/groups, k) / 2] */
    int32_t *wsum;               /* [cout] */
    int32_t *fold;               /* [cout]: in_offset * wsum + bias, added to each GEMM sum */
    struct qv_rq_s8 rq;          /* fold, mult, shift, out_offset and activation range */
};

enum qv_status qv_conv_2d_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_attrs *a = &c->node->attrs;
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st = qv_s8_need_filter_op(c, &s_in, &z_in, &s_out, &z_out, err);
    if (st != QV_OK)
        return st;
    const struct qv_shape *x = &c->in[0]->shape, *w = &c->in[1]->shape;
    if (x->rank != 4 || w->rank != 4 || c->out[0]->shape.rank != 4)
        return qv_s8_fail(c, err, "input, filter and output must have rank 4");
    const int64_t cout = w->dims[0], fcin = w->dims[3];
    const int64_t groups = fcin > 0 ? x->dims[3] / fcin : 0;
    if (groups < 1 || groups * fcin != x->dims[3] || cout % groups != 0)
        return qv_s8_fail(c, err, "filter '%s' input depth %lld does not divide input depth %lld",
                          qv_s8_in_name(c, 1), (long long)fcin, (long long)x->dims[3]);
    const int64_t cout_g = cout / groups, k = w->dims[1] * w->dims[2] * fcin;
    const int64_t kp = qv_gemm_kp(k);
    const bool has_bias = c->n_in > 2 && c->in[2];
    const bool fast = c->in[1]->t->data != NULL && (!has_bias || c->in[2]->t->data != NULL);
    const size_t pack_g = fast ? qv_gemm_s8_packed_size(cout_g, k) : 0;
    size_t off_mult = qv_s8_align64(sizeof(struct conv_params));
    size_t off_shift = off_mult + qv_s8_align64((size_t)cout * 4);
    size_t off_wsum = off_shift + qv_s8_align64((size_t)cout * 4);
    size_t off_fold = off_wsum + qv_s8_align64((size_t)cout * 4);
    size_t off_rq = off_fold + qv_s8_align64((size_t)cout * 4);
    size_t off_pack = off_rq + (fast ? qv_rq_s8_size(cout) : 0);
    struct conv_params *p = qv_s8_params_alloc(c, off_pack + pack_g * (size_t)groups, err);
    if (!p)
        return QV_E_NOMEM;
    char *base = (char *)p;
    p->mult = (int32_t *)(base + off_mult);
    p->shift = (int32_t *)(base + off_shift);
    p->wsum = (int32_t *)(base + off_wsum);
    p->fold = (int32_t *)(base + off_fold);
    p->packed = fast ? (int16_t *)(base + off_pack) : NULL;
    if ((st = qv_s8_channel_multipliers(c, 1, cout, s_in, s_out, p->mult, p->shift, err)) != QV_OK)
        return st;
    p->in_offset = -z_in;
    p->out_offset = z_out;
    qv_activation_range_s8(a->act, s_out, z_out, &p->act_min, &p->act_max);
    p->stride_h = a->stride_h;
    p->stride_w = a->stride_w;
    p->dil_h = a->dilation_h;
    p->dil_w = a->dilation_w;
    qv_compute_padding(x->dims[1], (int32_t)w->dims[1], a->stride_h, a->dilation_h, a->padding,
                       NULL, &p->pad_h);
    qv_compute_padding(x->dims[2], (int32_t)w->dims[2], a->stride_w, a->dilation_w, a->padding,
                       NULL, &p->pad_w);
    p->kh = w->dims[1];
    p->kw = w->dims[2];
    p->fcin = fcin;
    p->cout = cout;
    p->groups = groups;
    p->k = k;
    p->kp = kp;
    if (fast) {
        const int8_t *wd = c->in[1]->t->data;
        for (int64_t g = 0; g < groups; g++)
            qv_gemm_s8_pack(wd + g * cout_g * k, cout_g, k, k, 0,
                            (int16_t *)((char *)p->packed + pack_g * (size_t)g),
                            p->wsum + g * cout_g);
        qv_gemm_s8_fold(p->fold, p->wsum, has_bias ? c->in[2]->t->data : NULL, z_in, cout);
        qv_rq_s8_init(&p->rq, (int32_t *)(base + off_rq), cout, p->fold, p->mult, p->shift,
                      p->out_offset, p->act_min, p->act_max, c->rounding);
        /* About 256 KB of im2col rows per block, at least 4 and at most 1024 pixels. */
        const struct qv_shape *o = &c->out[0]->shape;
        const int64_t rows = qv_gemm_s8_block_rows(kp, o->dims[0] * o->dims[1] * o->dims[2]);
        p->block_rows = rows;
        p->pointwise = p->kh == 1 && p->kw == 1 && p->stride_h == 1 && p->stride_w == 1 &&
                       p->pad_h == 0 && p->pad_w == 0 && groups == 1 && kp == k &&
                       o->dims[1] == x->dims[1] && o->dims[2] == x->dims[2];
        p->padded = !p->pointwise && groups == 1 && p->dil_w == 1 && p->kw * fcin <= 16 &&
                    o->dims[1] > 0 && o->dims[2] > 0;
        p->hp = (o->dims[1] - 1) * p->stride_h + (p->kh - 1) * p->dil_h + 1;
        p->wp = (o->dims[2] - 1) * p->stride_w + p->kw;
        if (!c->plain_loops)
            c->scratch_size = (size_t)rows * (size_t)kp * 2 +
                              (p->padded ? qv_s8_align64(32) +
                                               (size_t)(p->hp * p->wp * fcin) + 16
                                         : 0);
    }
    return QV_OK;
}

/* reference_integer_ops::ConvPerChannel, loop for loop. */
static void conv_plain(const struct conv_params *p, const struct qv_kernel_ctx *c)
{
    const struct qv_shape *xs = &c->in[0]->shape, *os = &c->out[0]->shape;
    const int8_t *x = c->in[0]->data, *w = c->in[1]->data;
    const int32_t *bias = c->n_in > 2 && c->in[2] ? c->in[2]->data : NULL;
    int8_t *out = c->out[0]->data;
    const int64_t n = os->dims[0], oh = os->dims[1], ow = os->dims[2], cout = os->dims[3];
    const int64_t h = xs->dims[1], wd = xs->dims[2], cin = xs->dims[3];
    const int64_t cout_g = p->cout / p->groups;
    for (int64_t b = 0; b < n; b++) {
        for (int64_t oy = 0; oy < oh; oy++) {
            const int64_t iy0 = oy * p->stride_h - p->pad_h;
            for (int64_t ox = 0; ox < ow; ox++) {
                const int64_t ix0 = ox * p->stride_w - p->pad_w;
                for (int64_t oc = 0; oc < cout; oc++) {
                    const int64_t g = oc / cout_g;
                    int32_t acc = 0;
                    for (int64_t ky = 0; ky < p->kh; ky++) {
                        const int64_t iy = iy0 + p->dil_h * ky;
                        for (int64_t kx = 0; kx < p->kw; kx++) {
                            const int64_t ix = ix0 + p->dil_w * kx;
                            if (ix < 0 || ix >= wd || iy < 0 || iy >= h)
                                continue;
                            const int8_t *xp = x + ((b * h + iy) * wd + ix) * cin + g * p->fcin;
                            const int8_t *wp = w + ((oc * p->kh + ky) * p->kw + kx) * p->fcin;
                            for (int64_t ic = 0; ic < p->fcin; ic++)
                                acc = qv_wrap_add(acc, wp[ic] * (xp[ic] + p->in_offset));
                        }
                    }
                    if (bias)
                        acc = qv_wrap_add(acc, bias[oc]);
                    acc = qv_mbqm(acc, p->mult[oc], p->shift[oc], c->rounding) + p->out_offset;
                    out[((b * oh + oy) * ow + ox) * cout + oc] =
                        (int8_t)qv_clamp_i32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

/* A short int8 -> int16 copy (restrict: the int8 source cannot alias the destination). */
static inline void widen(int16_t *restrict dst, const int8_t *restrict src, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        dst[i] = src[i];
}

/* im2col of output pixels [p0, p0 + rows) of group g into int16 rows of kp. */
static void im2col(const struct conv_params *p, const struct qv_kernel_ctx *c, int64_t g,
                   int64_t p0, int64_t rows, int16_t *a)
{
    const struct qv_shape *xs = &c->in[0]->shape, *os = &c->out[0]->shape;
    const int8_t *x = c->in[0]->data;
    const int64_t oh = os->dims[1], ow = os->dims[2];
    const int64_t h = xs->dims[1], wd = xs->dims[2], cin = xs->dims[3];
    const int16_t zin = (int16_t)(-p->in_offset);
    if (p->pointwise) {
        /* Pointwise: the rows are the input pixels themselves. */
        qv_s8_widen(x + p0 * cin, a, rows * cin);
        return;
    }
    /* Taps of one kernel row are one contiguous run of kw * cin input bytes when undilated. */
    const bool runs = p->dil_w == 1 && p->groups == 1;
    int64_t b = p0 / (oh * ow), oy = p0 % (oh * ow) / ow, ox = p0 % ow;
    for (int64_t r = 0; r < rows; r++, ox++) {
        if (ox == ow) {
            ox = 0;
            if (++oy == oh) {
                oy = 0;
                b++;
            }
        }
        const int64_t iy0 = oy * p->stride_h - p->pad_h, ix0 = ox * p->stride_w - p->pad_w;
        const bool x_inside = ix0 >= 0 && ix0 + p->kw <= wd;
        int16_t *row = a + r * p->kp;
        for (int64_t ky = 0; ky < p->kh; ky++) {
            const int64_t iy = iy0 + p->dil_h * ky;
            int16_t *dst = row + ky * p->kw * p->fcin;
            if (runs && x_inside && iy >= 0 && iy < h) {
                /* Short runs (few input channels): inline, no call and dispatch per run. */
                if (p->kw * cin < 32)
                    widen(dst, x + ((b * h + iy) * wd + ix0) * cin, p->kw * cin);
                else
                    qv_s8_widen(x + ((b * h + iy) * wd + ix0) * cin, dst, p->kw * cin);
                continue;
            }
            for (int64_t kx = 0; kx < p->kw; kx++, dst += p->fcin) {
                const int64_t ix = ix0 + p->dil_w * kx;
                if (ix < 0 || ix >= wd || iy < 0 || iy >= h) {
                    for (int64_t ic = 0; ic < p->fcin; ic++)
                        dst[ic] = zin;
                } else {
                    widen(dst, x + ((b * h + iy) * wd + ix) * cin + g * p->fcin, p->fcin);
                }
            }
        }
        if (p->kp > p->k)
            row[p->k] = 0;
    }
}

/* Sample b of x with z_in borders: hp rows x wp columns x cin, from (-pad_h, -pad_w). */
static void pad_sample(const struct conv_params *p, const struct qv_kernel_ctx *c, int64_t b,
                       int8_t *img)
{
    const struct qv_shape *xs = &c->in[0]->shape;
    const int8_t *x = c->in[0]->data;
    const int64_t h = xs->dims[1], wd = xs->dims[2], cin = xs->dims[3];
    const int64_t x0 = p->pad_w, x1 = p->pad_w + wd < p->wp ? p->pad_w + wd : p->wp;
    memset(img, -p->in_offset, (size_t)(p->hp * p->wp * cin));
    for (int64_t py = 0; py < p->hp && x1 > x0; py++) {
        const int64_t iy = py - p->pad_h;
        if (iy >= 0 && iy < h)
            memcpy(img + (py * p->wp + x0) * cin, x + (b * h + iy) * wd * cin,
                   (size_t)((x1 - x0) * cin));
    }
}

/*
 * Walks output pixels [p0, p0 + rows) as (b, oy, ox), refreshing img (pad_sample) when b differs
 * from *img_b, and sets src to the pixel's window corner in img.
 */
#define QV_PADDED_PIXELS(body)                                                                    \
    do {                                                                                          \
        const int64_t oh_ = c->out[0]->shape.dims[1], ow_ = c->out[0]->shape.dims[2];            \
        const int64_t cin_ = p->fcin;                                                             \
        int64_t b_ = p0 / (oh_ * ow_), oy_ = p0 % (oh_ * ow_) / ow_, ox_ = p0 % ow_;             \
        for (int64_t r = 0; r < rows; r++, ox_++) {                                               \
            if (ox_ == ow_) {                                                                     \
                ox_ = 0;                                                                          \
                if (++oy_ == oh_) {                                                               \
                    oy_ = 0;                                                                      \
                    b_++;                                                                         \
                }                                                                                 \
            }                                                                                     \
            if (b_ != *img_b) {                                                                   \
                pad_sample(p, c, b_, img);                                                        \
                *img_b = b_;                                                                      \
            }                                                                                     \
            const int8_t *src = img + (oy_ * p->stride_h * p->wp + ox_ * p->stride_w) * cin_;    \
            int16_t *row = a + r * p->kp;                                                         \
            body;                                                                                 \
            if (p->kp > p->k)                                                                     \
                row[p->k] = 0;                                                                    \
        }                                                                                         \
    } while (0)

/* im2col (one group) from the bordered copy: kh runs of kw * cin bytes per row. */
static void im2col_padded(const struct conv_params *p, const struct qv_kernel_ctx *c, int64_t p0,
                          int64_t rows, int16_t *a, int8_t *img, int64_t *img_b)
{
    const int64_t run = p->kw * p->fcin, step = p->dil_h * p->wp * p->fcin;
    QV_PADDED_PIXELS({
        for (int64_t ky = 0; ky < p->kh; ky++)
            widen(row + ky * run, src + ky * step, run);
    });
}

#ifdef QV_S8_X86
/*
 * im2col_padded with one 16-byte widen per run (run <= 16): a run's 32-byte store spills into
 * the next run's or row's place, written afterwards, and the block's last one into the scratch's
 * 32-byte slack; img has 16 bytes of slack for the loads.
 */
__attribute__((target("avx2"))) static void im2col_padded_avx2(const struct conv_params *p,
                                                               const struct qv_kernel_ctx *c,
                                                               int64_t p0, int64_t rows,
                                                               int16_t *a, int8_t *img,
                                                               int64_t *img_b)
{
    const int64_t run = p->kw * p->fcin, step = p->dil_h * p->wp * p->fcin;
    QV_PADDED_PIXELS({
        for (int64_t ky = 0; ky < p->kh; ky++)
            _mm256_storeu_si256((__m256i *)(row + ky * run),
                                _mm256_cvtepi8_epi16(
                                    _mm_loadu_si128((const __m128i *)(src + ky * step))));
    });
}
#endif
#undef QV_PADDED_PIXELS

static void conv_fast(const struct conv_params *p, const struct qv_kernel_ctx *c)
{
    const struct qv_shape *os = &c->out[0]->shape;
    int8_t *out = c->out[0]->data;
    const int64_t cout = p->cout, cout_g = cout / p->groups;
    const int64_t pixels = os->dims[0] * os->dims[1] * os->dims[2];
    const size_t pack_g = qv_gemm_s8_packed_size(cout_g, p->k);
    int16_t *a = c->scratch;
    int8_t *img = (int8_t *)c->scratch + (size_t)p->block_rows * (size_t)p->kp * 2 +
                  qv_s8_align64(32);
    int64_t img_b = -1; /* sample held by img */
#ifdef QV_S8_X86
    const bool avx2 = qv_have_avx2();
#endif
    for (int64_t p0 = 0; p0 < pixels; p0 += p->block_rows) {
        const int64_t rows = pixels - p0 < p->block_rows ? pixels - p0 : p->block_rows;
        for (int64_t g = 0; g < p->groups; g++) {
            if (!p->padded)
                im2col(p, c, g, p0, rows, a);
#ifdef QV_S8_X86
            else if (avx2)
                im2col_padded_avx2(p, c, p0, rows, a, img, &img_b);
#endif
            else
                im2col_padded(p, c, p0, rows, a, img, &img_b);
            qv_gemm_s8_run_rq(a, rows, p->kp,
                              (const int16_t *)((const char *)p->packed + pack_g * g), cout_g,
                              &p->rq, g * cout_g, out + p0 * cout + g * cout_g, cout);
        }
    }
}

void qv_conv_2d_s8(const struct qv_kernel_ctx *c)
{
    const struct conv_params *p = c->params;
    if (!c->plain_loops && p->packed && c->scratch)
        conv_fast(p, c);
    else
        conv_plain(p, c);
}
