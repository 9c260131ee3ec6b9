/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CONV_2D int8 (docs/int8-arithmetic.md §5.1, §2.3): TFLM conv.cc / conv_common.cc
 * (CalculateOpDataConv, PopulateConvolutionQuantizationParams) and
 * reference_integer_ops::ConvPerChannel. x [N, H, W, Cin] int8, filter [Cout, KH, KW, Cin / groups]
 * int8 (zero point ignored), bias [Cout] int32 (optional), out [N, OH, OW, Cout] int8.
 *
 * Fast variants: per group, im2col of a block of output pixels (all samples of the batch) into
 * int16 rows whose out-of-image taps hold z_in, so that (x - z_in) = 0 there exactly; an int16
 * GEMM against prepacked weights gives sum(w * x); the input offset is folded in with the
 * per-channel weight sum: sum(w * (x - z_in)) = sum(w * x) - z_in * sum(w). Identical to the
 * plain loops.
 * Short kernel rows (one group, undilated columns, kw * Cin <= 16, not pointwise): each sample
 * is first copied into a z_in-bordered image (scratch), so every tap row is one run of
 * kw * Cin bytes without bounds checks (AVX2: one 16-byte widen per run).
 */
#include <string.h>

#include "core/ops/ops_common.h"
#include "engine/int8/node_s8.h"
#include "engine/int8/simd_s8.h"

/* ---- arithmetic ------------------------------------------------------------------------- */

/* Where the arrays of struct qv_conv_2d_s8_fast live in its block (byte offsets). */
struct fast_layout {
    size_t wsum, fold, rq, packed, pack_g;
    size_t igemm[QV_IGEMM_ISA_COUNT];   /* struct qv_conv_igemm_s8, then its block; or 0 */
    size_t size;
};

/* The indirect GEMM applies to one group (the VNNI variants' CONV_2D). */
static bool igemm_applies(const struct qv_dims *fd, int64_t groups, enum qv_igemm_isa isa)
{
    return isa != QV_IGEMM_C && groups == 1 && qv_igemm_isa_available(isa) && fd->n > 0;
}

/* Bytes of the igemm struct and its block for one instruction set. */
static size_t igemm_bytes(enum qv_igemm_isa isa, const struct qv_dims *in,
                          const struct qv_dims *fd, const struct qv_dims *out)
{
    return qv_s8_align64(sizeof(struct qv_conv_igemm_s8)) +
           qv_conv_igemm_s8_size(isa, out->h, out->w, fd->n, fd->h, fd->w, in->c);
}

static struct fast_layout fast_layout(const struct qv_dims *in, const struct qv_dims *fd,
                                      const struct qv_dims *out, int64_t groups)
{
    const int64_t cout = fd->n, k = fd->h * fd->w * fd->c;
    struct qv_s8_layout l;
    struct fast_layout f;
    qv_s8_layout_init(&l, sizeof(struct qv_conv_2d_s8_fast));
    f.wsum = qv_s8_layout_array(&l, cout, sizeof(int32_t));
    f.fold = qv_s8_layout_array(&l, cout, sizeof(int32_t));
    f.rq = qv_s8_layout_array(&l, 1, qv_rq_s8_size(cout));
    f.pack_g = qv_gemm_s8_packed_size(groups > 0 ? cout / groups : 0, k);
    f.packed = qv_s8_layout_array(&l, groups, f.pack_g);
    for (int i = 0; i < QV_IGEMM_ISA_COUNT; i++) {
        const bool on = igemm_applies(fd, groups, (enum qv_igemm_isa)i);
        f.igemm[i] = on ? qv_s8_layout_array(&l, 1, igemm_bytes((enum qv_igemm_isa)i, in, fd,
                                                                 out))
                        : 0;
    }
    f.size = l.size;
    return f;
}

size_t qv_conv_2d_s8_fast_size(const struct qv_dims *in_dims, const struct qv_dims *filter_dims,
                               const struct qv_dims *out_dims)
{
    const int64_t groups = filter_dims->c > 0 ? in_dims->c / filter_dims->c : 1;
    return fast_layout(in_dims, filter_dims, out_dims, groups).size;
}

struct qv_conv_2d_s8_fast *qv_conv_2d_s8_fast_init(void *mem, const struct qv_conv_2d_s8_params *p,
                                                   const struct qv_dims *in_dims,
                                                   const struct qv_dims *filter_dims,
                                                   const int8_t *filter, const int32_t *bias,
                                                   const struct qv_dims *out_dims,
                                                   int64_t max_pixels)
{
    const int64_t cout = filter_dims->n, fcin = filter_dims->c;
    const int64_t groups = in_dims->c / fcin, cout_g = cout / groups;
    const struct fast_layout l = fast_layout(in_dims, filter_dims, out_dims, groups);
    char *base = mem;
    struct qv_conv_2d_s8_fast *f = mem;
    memset(f, 0, sizeof(*f));
    f->groups = groups;
    f->k = filter_dims->h * filter_dims->w * fcin;
    f->kp = qv_gemm_kp(f->k);
    f->pack_g = l.pack_g;
    f->wsum = (int32_t *)(base + l.wsum);
    f->fold = (int32_t *)(base + l.fold);
    f->packed = (int16_t *)(base + l.packed);
    for (int64_t g = 0; g < groups; g++)
        qv_gemm_s8_pack(filter + g * cout_g * f->k, cout_g, f->k, f->k, 0,
                        (int16_t *)(base + l.packed + l.pack_g * (size_t)g), f->wsum + g * cout_g);
    qv_gemm_s8_fold(f->fold, f->wsum, bias, -p->input_offset, cout);
    qv_rq_s8_init(&f->rq, (int32_t *)(base + l.rq), cout, f->fold, p->multiplier, p->shift,
                  p->output_offset, p->act_min, p->act_max, p->rounding);
    /* About 256 KB of im2col rows per block, at least 4 and at most 1024 pixels. */
    f->block_rows = qv_gemm_s8_block_rows(f->kp, max_pixels);
    f->pointwise = filter_dims->h == 1 && filter_dims->w == 1 && p->stride_h == 1 &&
                   p->stride_w == 1 && p->pad_h == 0 && p->pad_w == 0 && groups == 1 &&
                   f->kp == f->k && out_dims->h == in_dims->h && out_dims->w == in_dims->w;
    f->padded = !f->pointwise && groups == 1 && p->dilation_w == 1 &&
                filter_dims->w * fcin <= 16 && out_dims->h > 0 && out_dims->w > 0;
    f->hp = (out_dims->h - 1) * p->stride_h + (filter_dims->h - 1) * p->dilation_h + 1;
    f->wp = (out_dims->w - 1) * p->stride_w + filter_dims->w;
    /* The VNNI variants' indirect GEMM, for every instruction set this CPU has; its vector
     * requantization needs M >= 0 (any rounding), and its offsets int32. */
    bool ok = in_dims->h * in_dims->w * in_dims->c < INT32_MAX / 2;
    for (int64_t c = 0; c < cout; c++)
        ok = ok && p->multiplier[c] >= 0;
    for (int i = 0; ok && i < QV_IGEMM_ISA_COUNT; i++) {
        if (!l.igemm[i])
            continue;
        struct qv_conv_igemm_s8 *ig = (struct qv_conv_igemm_s8 *)(base + l.igemm[i]);
        qv_conv_igemm_s8_init(ig, (char *)ig + qv_s8_align64(sizeof(*ig)), (enum qv_igemm_isa)i,
                              in_dims->h, in_dims->w, in_dims->c, out_dims->h, out_dims->w, cout,
                              filter_dims->h, filter_dims->w, p->stride_h, p->stride_w,
                              p->dilation_h, p->dilation_w, p->pad_h, p->pad_w, filter, bias,
                              -p->input_offset, p->multiplier, p->shift, p->output_offset,
                              p->act_min, p->act_max, p->rounding);
        f->igemm[i] = ig;
    }
    return f;
}

/* The indirect GEMM variant p runs, or NULL (the int16 GEMM). */
static const struct qv_conv_igemm_s8 *igemm_of(const struct qv_conv_2d_s8_params *p)
{
    return p->fast ? p->fast->igemm[qv_s8_variant_igemm(p->variant)] : NULL;
}

size_t qv_conv_2d_s8_get_buffer_size(const struct qv_conv_2d_s8_params *p,
                                     const struct qv_dims *in_dims)
{
    const struct qv_conv_2d_s8_fast *f = p->fast;
    if (p->variant == QV_S8_PLAIN || !f)
        return 0;
    if (igemm_of(p))
        return qv_conv_igemm_s8_get_buffer_size(igemm_of(p));
    size_t bytes = (size_t)f->block_rows * (size_t)f->kp * sizeof(int16_t);
    if (f->padded)
        bytes += qv_s8_align64(32) + (size_t)(f->hp * f->wp * in_dims->c) + 16;
    return bytes;
}

/* reference_integer_ops::ConvPerChannel, loop for loop. */
static void conv_plain(const struct qv_conv_2d_s8_params *p, const struct qv_dims *xd,
                       const int8_t *x, const struct qv_dims *fd, const int8_t *w,
                       const int32_t *bias, const struct qv_dims *od, int8_t *out)
{
    const int64_t h = xd->h, wd = xd->w, cin = xd->c, fcin = fd->c;
    const int64_t cout_g = fd->n / (cin / fcin);
    for (int64_t b = 0; b < od->n; b++) {
        for (int64_t oy = 0; oy < od->h; oy++) {
            const int64_t iy0 = oy * p->stride_h - p->pad_h;
            for (int64_t ox = 0; ox < od->w; ox++) {
                const int64_t ix0 = ox * p->stride_w - p->pad_w;
                for (int64_t oc = 0; oc < od->c; oc++) {
                    const int64_t g = oc / cout_g;
                    int32_t acc = 0;
                    for (int64_t ky = 0; ky < fd->h; ky++) {
                        const int64_t iy = iy0 + p->dilation_h * ky;
                        for (int64_t kx = 0; kx < fd->w; kx++) {
                            const int64_t ix = ix0 + p->dilation_w * kx;
                            if (ix < 0 || ix >= wd || iy < 0 || iy >= h)
                                continue;
                            const int8_t *xp = x + ((b * h + iy) * wd + ix) * cin + g * fcin;
                            const int8_t *wp = w + ((oc * fd->h + ky) * fd->w + kx) * fcin;
                            for (int64_t ic = 0; ic < fcin; ic++)
                                acc = qv_wrap_add(acc, wp[ic] * (xp[ic] + p->input_offset));
                        }
                    }
                    if (bias)
                        acc = qv_wrap_add(acc, bias[oc]);
                    acc = qv_wrap_add(qv_mbqm(acc, p->multiplier[oc], p->shift[oc], p->rounding),
                                      p->output_offset);
                    out[((b * od->h + oy) * od->w + ox) * od->c + oc] =
                        (int8_t)qv_clamp_i32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

/* What one run of the fast path works on. */
struct conv_run {
    const struct qv_conv_2d_s8_params *p;
    const struct qv_conv_2d_s8_fast *f;
    const struct qv_s8_blocks *blocks;
    const struct qv_dims *xd, *fd, *od;
    const int8_t *x;
};

/* A short int8 -> int16 copy (restrict: the int8 source cannot alias the destination). */
static inline void widen(int16_t *restrict dst, const int8_t *restrict src, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        dst[i] = src[i];
}

/* im2col of output pixels [p0, p0 + rows) of group g into int16 rows of kp. */
static void im2col(const struct conv_run *cr, int64_t g, int64_t p0, int64_t rows, int16_t *a)
{
    const struct qv_conv_2d_s8_params *p = cr->p;
    const struct qv_conv_2d_s8_fast *f = cr->f;
    const int64_t oh = cr->od->h, ow = cr->od->w, kh = cr->fd->h, kw = cr->fd->w;
    const int64_t h = cr->xd->h, wd = cr->xd->w, cin = cr->xd->c, fcin = cr->fd->c;
    const int8_t *x = cr->x;
    const int16_t zin = (int16_t)(-p->input_offset);
    if (f->pointwise) {
        /* Pointwise: the rows are the input pixels themselves. */
        cr->blocks->widen(x + p0 * cin, a, rows * cin);
        return;
    }
    /* Taps of one kernel row are one contiguous run of kw * cin input bytes when undilated. */
    const bool runs = p->dilation_w == 1 && f->groups == 1;
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
        const bool x_inside = ix0 >= 0 && ix0 + kw <= wd;
        int16_t *row = a + r * f->kp;
        for (int64_t ky = 0; ky < kh; ky++) {
            const int64_t iy = iy0 + p->dilation_h * ky;
            int16_t *dst = row + ky * kw * fcin;
            if (runs && x_inside && iy >= 0 && iy < h) {
                /* Short runs (few input channels): inline, no call per run. */
                if (kw * cin < 32)
                    widen(dst, x + ((b * h + iy) * wd + ix0) * cin, kw * cin);
                else
                    cr->blocks->widen(x + ((b * h + iy) * wd + ix0) * cin, dst, kw * cin);
                continue;
            }
            for (int64_t kx = 0; kx < kw; kx++, dst += fcin) {
                const int64_t ix = ix0 + p->dilation_w * kx;
                if (ix < 0 || ix >= wd || iy < 0 || iy >= h) {
                    for (int64_t ic = 0; ic < fcin; ic++)
                        dst[ic] = zin;
                } else {
                    widen(dst, x + ((b * h + iy) * wd + ix) * cin + g * fcin, fcin);
                }
            }
        }
        if (f->kp > f->k)
            row[f->k] = 0;
    }
}

/* Sample b of x with z_in borders: hp rows x wp columns x cin, from (-pad_h, -pad_w). */
static void pad_sample(const struct conv_run *cr, int64_t b, int8_t *img)
{
    const struct qv_conv_2d_s8_fast *f = cr->f;
    const int64_t h = cr->xd->h, wd = cr->xd->w, cin = cr->xd->c;
    const int64_t x0 = cr->p->pad_w, x1 = x0 + wd < f->wp ? x0 + wd : f->wp;
    memset(img, -cr->p->input_offset, (size_t)(f->hp * f->wp * cin));
    for (int64_t py = 0; py < f->hp && x1 > x0; py++) {
        const int64_t iy = py - cr->p->pad_h;
        if (iy >= 0 && iy < h)
            memcpy(img + (py * f->wp + x0) * cin, cr->x + (b * h + iy) * wd * cin,
                   (size_t)((x1 - x0) * cin));
    }
}

/*
 * Walks output pixels [p0, p0 + rows) as (b, oy, ox), refreshing img (pad_sample) when b differs
 * from *img_b, and sets src to the pixel's window corner in img.
 */
#define QV_PADDED_PIXELS(body)                                                                    \
    do {                                                                                          \
        const int64_t oh_ = cr->od->h, ow_ = cr->od->w, cin_ = cr->fd->c;                         \
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
                pad_sample(cr, b_, img);                                                          \
                *img_b = b_;                                                                      \
            }                                                                                     \
            const int8_t *src =                                                                   \
                img + (oy_ * cr->p->stride_h * f->wp + ox_ * cr->p->stride_w) * cin_;             \
            int16_t *row = a + r * f->kp;                                                         \
            body;                                                                                 \
            if (f->kp > f->k)                                                                     \
                row[f->k] = 0;                                                                    \
        }                                                                                         \
    } while (0)

/* im2col (one group) from the bordered copy: kh runs of kw * cin bytes per row. */
static void im2col_padded(const struct conv_run *cr, int64_t p0, int64_t rows, int16_t *a,
                          int8_t *img, int64_t *img_b)
{
    const struct qv_conv_2d_s8_fast *f = cr->f;
    const int64_t run = cr->fd->w * cr->fd->c, step = cr->p->dilation_h * f->wp * cr->fd->c;
    QV_PADDED_PIXELS({
        for (int64_t ky = 0; ky < cr->fd->h; ky++)
            widen(row + ky * run, src + ky * step, run);
    });
}

#ifdef QV_S8_X86
/*
 * im2col_padded with one 16-byte widen per run (run <= 16): a run's 32-byte store spills into
 * the next run's or row's place, written afterwards, and the block's last one into the scratch's
 * 32-byte slack; img has 16 bytes of slack for the loads.
 */
__attribute__((target("avx2"))) static void im2col_padded_avx2(const struct conv_run *cr,
                                                               int64_t p0, int64_t rows,
                                                               int16_t *a, int8_t *img,
                                                               int64_t *img_b)
{
    const struct qv_conv_2d_s8_fast *f = cr->f;
    const int64_t run = cr->fd->w * cr->fd->c, step = cr->p->dilation_h * f->wp * cr->fd->c;
    QV_PADDED_PIXELS({
        for (int64_t ky = 0; ky < cr->fd->h; ky++)
            _mm256_storeu_si256((__m256i *)(row + ky * run),
                                _mm256_cvtepi8_epi16(
                                    _mm_loadu_si128((const __m128i *)(src + ky * step))));
    });
}
#endif
#undef QV_PADDED_PIXELS

static void conv_fast(const struct conv_run *cr, void *scratch, int8_t *out)
{
    const struct qv_conv_2d_s8_fast *f = cr->f;
    const int64_t cout = cr->fd->n, cout_g = cout / f->groups;
    const int64_t pixels = cr->od->n * cr->od->h * cr->od->w;
    int16_t *a = scratch;
    int8_t *img = (int8_t *)scratch + (size_t)f->block_rows * (size_t)f->kp * 2 +
                  qv_s8_align64(32);
    int64_t img_b = -1; /* sample held by img */
    for (int64_t p0 = 0; p0 < pixels; p0 += f->block_rows) {
        const int64_t rows = pixels - p0 < f->block_rows ? pixels - p0 : f->block_rows;
        for (int64_t g = 0; g < f->groups; g++) {
            if (!f->padded)
                im2col(cr, g, p0, rows, a);
#ifdef QV_S8_X86
            else if (qv_s8_variant_avx2(cr->p->variant))
                im2col_padded_avx2(cr, p0, rows, a, img, &img_b);
#endif
            else
                im2col_padded(cr, p0, rows, a, img, &img_b);
            cr->blocks->gemm(a, rows, f->kp,
                             (const int16_t *)((const char *)f->packed + f->pack_g * (size_t)g),
                             cout_g, &f->rq, g * cout_g, out + p0 * cout + g * cout_g, cout);
        }
    }
}

void qv_conv_2d_s8(const struct qv_conv_2d_s8_params *p, void *scratch,
                   const struct qv_dims *in_dims, const int8_t *in,
                   const struct qv_dims *filter_dims, const int8_t *filter, const int32_t *bias,
                   const struct qv_dims *out_dims, int8_t *out)
{
    if (p->variant == QV_S8_PLAIN || !p->fast) {
        conv_plain(p, in_dims, in, filter_dims, filter, bias, out_dims, out);
        return;
    }
    if (igemm_of(p)) {
        qv_conv_igemm_s8(igemm_of(p), scratch, out_dims->n, in, out);
        return;
    }
    /* The int16 GEMM; its AVX2 blocks need rq.vec (prepare picks C otherwise). */
    const enum qv_s8_variant bv = p->fast->rq.vec ? p->variant : QV_S8_C;
    const struct conv_run cr = { p, p->fast, qv_s8_blocks(bv), in_dims, filter_dims, out_dims,
                                 in };
    conv_fast(&cr, scratch, out);
}

/* ---- engine glue ------------------------------------------------------------------------ */

/* The node's parameter block: the params, then multipliers, shifts and the fast block. */
struct conv_layout {
    size_t mult, shift, fast, size;
};

static struct conv_layout conv_layout(const struct qv_dims *xd, const struct qv_dims *fd,
                                      const struct qv_dims *od, bool fast)
{
    struct qv_s8_layout l;
    struct conv_layout c;
    qv_s8_layout_init(&l, sizeof(struct qv_conv_2d_s8_params));
    c.mult = qv_s8_layout_array(&l, fd->n, sizeof(int32_t));
    c.shift = qv_s8_layout_array(&l, fd->n, sizeof(int32_t));
    c.fast = qv_s8_layout_array(&l, fast ? 1 : 0, qv_conv_2d_s8_fast_size(xd, fd, od));
    c.size = l.size;
    return c;
}

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
    const struct qv_dims xd = qv_s8_dims(c->in[0]), fd = qv_s8_dims(c->in[1]);
    const struct qv_dims od = qv_s8_dims(c->out[0]);
    const int64_t groups = fd.c > 0 ? xd.c / fd.c : 0;
    if (groups < 1 || groups * fd.c != xd.c || fd.n % groups != 0 || od.c != fd.n)
        return qv_s8_fail(c, err, "filter '%s' [%lld, ., ., %lld] does not fit input depth %lld "
                          "and output depth %lld", qv_s8_in_name(c, 1), (long long)fd.n,
                          (long long)fd.c, (long long)xd.c, (long long)od.c);
    const int32_t *bias = qv_s8_in_data(c, 2);
    const bool constant = c->in[1]->t->data != NULL && (!bias || c->in[2]->t->data != NULL);
    enum qv_s8_variant v = constant ? qv_s8_node_variant(c) : QV_S8_PLAIN;
    const struct conv_layout l = conv_layout(&xd, &fd, &od, v != QV_S8_PLAIN);
    char *base = qv_s8_params_alloc(c, l.size, err);
    if (!base)
        return QV_E_NOMEM;
    struct qv_conv_2d_s8_params *p = (struct qv_conv_2d_s8_params *)base;
    int32_t *mult = (int32_t *)(base + l.mult), *shift = (int32_t *)(base + l.shift);
    if ((st = qv_s8_channel_multipliers(c, 1, fd.n, s_in, s_out, mult, shift, err)) != QV_OK)
        return st;
    p->multiplier = mult;
    p->shift = shift;
    p->input_offset = -z_in;
    p->output_offset = z_out;
    qv_activation_range_s8(a->act, s_out, z_out, &p->act_min, &p->act_max);
    p->stride_h = a->stride_h;
    p->stride_w = a->stride_w;
    p->dilation_h = a->dilation_h;
    p->dilation_w = a->dilation_w;
    p->rounding = c->rounding;
    qv_compute_padding(xd.h, (int32_t)fd.h, a->stride_h, a->dilation_h, a->padding, NULL,
                       &p->pad_h);
    qv_compute_padding(xd.w, (int32_t)fd.w, a->stride_w, a->dilation_w, a->padding, NULL,
                       &p->pad_w);
    if (v != QV_S8_PLAIN) {
        p->fast = qv_conv_2d_s8_fast_init(base + l.fast, p, &xd, &fd, c->in[1]->t->data, bias,
                                          &od, od.n * od.h * od.w);
        if (qv_s8_variant_igemm(v) != QV_IGEMM_C && !p->fast->igemm[qv_s8_variant_igemm(v)])
            v = QV_S8_AVX2;   /* no indirect GEMM here: the int16 GEMM */
        if (v == QV_S8_AVX2 && !p->fast->rq.vec)
            v = QV_S8_C;   /* the AVX2 requantization needs double rounding and M >= 0 */
    }
    p->variant = v;
    c->scratch_size = qv_conv_2d_s8_get_buffer_size(p, &xd);
    return QV_OK;
}

void qv_conv_2d_s8_eval(const struct qv_kernel_ctx *c)
{
    const struct qv_dims xd = qv_s8_dims(c->in[0]), fd = qv_s8_dims(c->in[1]);
    const struct qv_dims od = qv_s8_dims(c->out[0]);
    qv_conv_2d_s8(c->params, c->scratch, &xd, c->in[0]->data, &fd, c->in[1]->data,
                  qv_s8_in_data(c, 2), &od, c->out[0]->data);
}
