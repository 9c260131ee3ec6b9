/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CONV_2D, float32 (TFLite semantics): input [N,H,W,Cin], filter [Cout,KH,KW,Cin/groups],
 * optional bias [Cout], output [N,OH,OW,Cout]; stride, dilation, SAME/VALID (extra pixel at the
 * end), fused activation. Grouped convolution when the filter's Cin divides the input's.
 *
 * Fast path (constant filter and bias): the filter is packed once at prepare for the float GEMM
 * (gemm_f32.h), whose per-element order is fixed (a fused multiply-add chain over (ky, kx, ic),
 * then + bias, then the clamp), so results do not depend on the batch. Output pixels of the batch
 * go in blocks: each block's patches are unrolled (im2col, zero where padded) into scratch
 * [pixels][KH*KW*Cin_g] sized for cache, independent of the batch; a 1x1 / stride 1 / ungrouped
 * conv multiplies the input in place. The plain path is docs/int8-arithmetic.md §6's loop: total +=
 * in*w in (ky, kx, ic) order, + bias, clamp.
 */
#include <string.h>

#include "engine/kernel.h"
#include "engine/float/float_common.h"
#include "engine/float/gemm_f32.h"
#include "engine/float/hybrid_f32.h"

struct conv_geom {
    struct qv_f32_window w;
    int64_t groups, cin_g, cout_g, k;     /* k = KH*KW*Cin_g: one im2col row */
};

/* Set by prepare; kv NULL means the plain loops (non-constant filter or bias). */
struct conv_params {
    const struct qv_sgemm_kernel *kv;
    int64_t block;         /* output pixels per im2col block */
    size_t pack_g;         /* bytes of one group's packed filter */
    float *packed;         /* [groups] packed filters */
    float *bias;           /* [cout], zeros when the op has none */
};

static void conv_geom(const struct qv_kernel_ctx *c, struct conv_geom *g)
{
    const struct qv_shape *fs = &c->in[1]->shape;
    const struct qv_attrs *a = &c->node->attrs;
    qv_f32_window_init(&g->w, c, fs->dims[1], fs->dims[2], a->dilation_h, a->dilation_w);
    g->cin_g = fs->dims[3];
    g->groups = g->w.in_c / g->cin_g;
    g->cout_g = g->w.out_c / g->groups;
    g->k = g->w.k_h * g->w.k_w * g->cin_g;
}

/* Input used as the GEMM's A matrix directly: every output pixel is one input pixel. */
static bool conv_is_direct(const struct conv_geom *g)
{
    return g->groups == 1 && g->w.k_h == 1 && g->w.k_w == 1 && g->w.stride_h == 1 &&
           g->w.stride_w == 1 && g->w.pad_h == 0 && g->w.pad_w == 0 &&
           g->w.out_h == g->w.in_h && g->w.out_w == g->w.in_w;
}

/* Packs the filter per group and copies the bias (both constant). */
static enum qv_status prepare_gemm(struct qv_kernel_ctx *c, const struct conv_geom *g,
                                   struct qv_error *err)
{
    const struct qv_sgemm_kernel *kv = qv_sgemm_select(g->cout_g);
    const size_t pack_g = qv_sgemm_packed_size(kv, g->cout_g, g->k);
    const size_t off_bias = qv_f32_align64(sizeof(struct conv_params));
    const size_t off_pack = off_bias + qv_f32_align64((size_t)g->w.out_c * sizeof(float));
    struct conv_params *p = qv_f32_params_alloc(c, off_pack + pack_g * (size_t)g->groups, err);
    if (!p)
        return QV_E_NOMEM;
    p->kv = kv;
    p->pack_g = pack_g;
    p->bias = (float *)((char *)p + off_bias);
    p->packed = (float *)((char *)p + off_pack);
    const float *filt = c->in[1]->data;
    for (int64_t grp = 0; grp < g->groups; grp++)
        qv_sgemm_pack(kv, filt + grp * g->cout_g * g->k, g->cout_g, g->k, g->k,
                      (float *)((char *)p->packed + pack_g * (size_t)grp));
    const struct qv_tensor_view *b = c->n_in > 2 ? c->in[2] : NULL;
    if (b)
        memcpy(p->bias, b->data, (size_t)g->w.out_c * sizeof(float));
    /* About 128 KB of im2col rows per block (a multiple of the tile rows), at most all the
     * pixels of the planned batch. */
    const int64_t pixels = g->w.n * g->w.out_h * g->w.out_w;
    int64_t block = (int64_t)(32 * 1024) / (g->k > 0 ? g->k : 1);
    block = block < kv->mr ? kv->mr : (block > 1024 ? 1024 : block / kv->mr * kv->mr);
    p->block = block < pixels ? block : (pixels > 0 ? pixels : 1);
    if (!conv_is_direct(g))
        c->scratch_size = (size_t)p->block * (size_t)g->k * sizeof(float);
    return QV_OK;
}

enum qv_status qv_conv_2d_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_node *n = c->node;
    enum qv_status st = qv_f32_check_window(c, true, err);
    if (st != QV_OK)
        return st;
    const struct qv_tensor_view *f = c->in[1];
    const struct qv_tensor_view *b = c->n_in > 2 ? c->in[2] : NULL;
    if (f->shape.rank != 4 || !qv_f32_is_real(f))
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "CONV_2D '%s': filter '%s' must be a 4-D float or quantized tensor",
                            n->name, f->t->name);
    if (b && (!qv_f32_is_real(b) || qv_shape_elems(&b->shape) != c->out[0]->shape.dims[3]))
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "CONV_2D '%s': bias '%s' must hold %lld float or quantized values",
                            n->name, b->t->name, (long long)c->out[0]->shape.dims[3]);
    int64_t cin = c->in[0]->shape.dims[3], fcin = f->shape.dims[3], cout = f->shape.dims[0];
    if (fcin < 1 || cin % fcin != 0 || cout % (cin / fcin) != 0 ||
        cout != c->out[0]->shape.dims[3])
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "CONV_2D '%s': filter [%lld, ., ., %lld] does not fit %lld input "
                            "and %lld output channels",
                            n->name, (long long)cout, (long long)fcin, (long long)cin,
                            (long long)c->out[0]->shape.dims[3]);
    if (c->hybrid)
        return qv_hybrid_prepare(c, err);
    struct conv_geom g;
    conv_geom(c, &g);
    const bool constant = f->t->data != NULL && (!b || b->t->data != NULL);
    if (c->plain_loops || !constant)
        return QV_OK;
    return prepare_gemm(c, &g, err);
}

/* Unrolls group grp's patches of output pixels [p0, p0 + rows) into col [rows][k]. */
static void im2col(const struct conv_geom *g, int64_t grp, const float *in, int64_t p0,
                   int64_t rows, float *col)
{
    const struct qv_f32_window *w = &g->w;
    const size_t chunk = (size_t)g->cin_g * sizeof(float);
    int64_t b = p0 / (w->out_h * w->out_w), oy = p0 % (w->out_h * w->out_w) / w->out_w;
    int64_t ox = p0 % w->out_w;
    for (int64_t r = 0; r < rows; r++, ox++) {
        if (ox == w->out_w) {
            ox = 0;
            if (++oy == w->out_h) {
                oy = 0;
                b++;
            }
        }
        const float *img = in + b * w->in_h * w->in_w * w->in_c + grp * g->cin_g;
        const int64_t y0 = oy * w->stride_h - w->pad_h, x0 = ox * w->stride_w - w->pad_w;
        for (int64_t ky = 0; ky < w->k_h; ky++) {
            const int64_t iy = y0 + ky * w->dil_h;
            for (int64_t kx = 0; kx < w->k_w; kx++, col += g->cin_g) {
                const int64_t ix = x0 + kx * w->dil_w;
                if (iy < 0 || iy >= w->in_h || ix < 0 || ix >= w->in_w)
                    memset(col, 0, chunk);
                else
                    memcpy(col, img + (iy * w->in_w + ix) * w->in_c, chunk);
            }
        }
    }
}

static void conv_plain(const struct qv_kernel_ctx *c, const struct conv_geom *g)
{
    const struct qv_f32_window *w = &g->w;
    const float *in = c->in[0]->data, *filt = c->in[1]->data;
    const float *bias = c->n_in > 2 && c->in[2] ? c->in[2]->data : NULL;
    float *out = c->out[0]->data;
    float lo, hi;
    qv_f32_act_range(c->node->attrs.act, &lo, &hi);
    for (int64_t b = 0; b < w->n; b++) {
        for (int64_t oy = 0; oy < w->out_h; oy++) {
            for (int64_t ox = 0; ox < w->out_w; ox++) {
                int64_t y0 = oy * w->stride_h - w->pad_h, x0 = ox * w->stride_w - w->pad_w;
                for (int64_t oc = 0; oc < w->out_c; oc++) {
                    int64_t ic0 = (oc / g->cout_g) * g->cin_g;
                    const float *f = filt + oc * g->k;
                    float total = 0.0f;
                    for (int64_t ky = 0; ky < w->k_h; ky++) {
                        int64_t iy = y0 + ky * w->dil_h;
                        for (int64_t kx = 0; kx < w->k_w; kx++) {
                            int64_t ix = x0 + kx * w->dil_w;
                            if (iy < 0 || iy >= w->in_h || ix < 0 || ix >= w->in_w)
                                continue;
                            const float *px = in + ((b * w->in_h + iy) * w->in_w + ix) * w->in_c;
                            const float *fk = f + (ky * w->k_w + kx) * g->cin_g;
                            for (int64_t ic = 0; ic < g->cin_g; ic++)
                                total += px[ic0 + ic] * fk[ic];
                        }
                    }
                    *out++ = qv_f32_clamp(total + (bias ? bias[oc] : 0.0f), lo, hi);
                }
            }
        }
    }
}

/* NHWC dims of a rank-4 view. */
static struct qv_dims dims4(const struct qv_tensor_view *v)
{
    return (struct qv_dims){ v->shape.dims[0], v->shape.dims[1], v->shape.dims[2],
                             v->shape.dims[3] };
}

void qv_conv_2d_f32_eval(const struct qv_kernel_ctx *c)
{
    if (c->hybrid) {
        const struct qv_dims xd = dims4(c->in[0]), fd = dims4(c->in[1]), od = dims4(c->out[0]);
        qv_conv_2d_hybrid(c->params, c->scratch, &xd, c->in[0]->data, &fd, c->in[1]->t->data,
                          c->n_in > 2 && c->in[2] ? c->in[2]->data : NULL, &od, c->out[0]->data);
        return;
    }
    const struct conv_params *p = c->params;
    struct conv_geom g;
    conv_geom(c, &g);
    if (!p) {
        conv_plain(c, &g);
        return;
    }
    const float *in = c->in[0]->data;
    float *out = c->out[0]->data;
    const int64_t pixels = g.w.n * g.w.out_h * g.w.out_w, cout = g.w.out_c;
    struct qv_sgemm_epilogue ep;
    qv_f32_act_range(c->node->attrs.act, &ep.lo, &ep.hi);
    if (conv_is_direct(&g)) {
        ep.bias = p->bias;
        qv_sgemm_run(p->kv, pixels, cout, g.k, in, g.w.in_c, p->packed, &ep, out, cout);
        return;
    }
    for (int64_t p0 = 0; p0 < pixels; p0 += p->block) {
        const int64_t rows = pixels - p0 < p->block ? pixels - p0 : p->block;
        for (int64_t grp = 0; grp < g.groups; grp++) {
            im2col(&g, grp, in, p0, rows, c->scratch);
            ep.bias = p->bias + grp * g.cout_g;
            qv_sgemm_run(p->kv, rows, g.cout_g, g.k, c->scratch, g.k,
                         (const float *)((const char *)p->packed + p->pack_g * (size_t)grp), &ep,
                         out + p0 * cout + grp * g.cout_g, cout);
        }
    }
}
