/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CONV_2D, float32 (TFLite semantics): input [N,H,W,Cin], filter [Cout,KH,KW,Cin/groups],
 * optional bias [Cout], output [N,OH,OW,Cout]; stride, dilation, SAME/VALID (extra pixel at the
 * end), fused activation. Grouped convolution when the filter's Cin divides the input's.
 *
 * Fast path (constant filter and bias): the filter is packed once at prepare for the float GEMM
 * (gemm_f32.h), whose per-element order is fixed (per tap (ky, kx), fused multiply-add chains
 * over blocks of 16 input channels added into a running total, then + bias, then the clamp), so
 * results do not depend on the batch. The GEMM reads each sample in place through a table of
 * offsets made at prepare, one per output pixel and tap (an indirect convolution, as
 * XNNPACK's): the input pixel the tap reads. When taps fall in the padding, each sample is first
 * copied into a zero border (scratch) and the table points into that copy. A 1x1 / stride 1 /
 * ungrouped conv is a dense GEMM on the whole batch. The plain path is
 * docs/int8-arithmetic.md §6's loop: total += in*w in (ky, kx, ic) order, + bias, clamp.
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

/* Set by prepare; absent for the plain loops (non-constant filter or bias). */
struct conv_params {
    const struct qv_sgemm_kernel *kv;
    size_t pack_g;         /* bytes of one group's packed filter */
    float *packed;         /* [groups] packed filters */
    float *bias;           /* [cout], zeros when the op has none */
    int64_t *idx;          /* [OH*OW][KH*KW]: offset of the pixel each tap reads, in a sample
                            * (bordered when `border`) */
    bool border;           /* copy each sample into a zero border first */
    int64_t top, left;     /* border above and left of the image */
    int64_t bh, bw;        /* bordered image (the image itself without a border) */
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

/* The border a sample needs so that every tap of every output pixel reads inside it. */
static void border_geom(const struct conv_geom *g, struct conv_params *p)
{
    const struct qv_f32_window *w = &g->w;
    const int64_t last_y = (w->out_h - 1) * w->stride_h - w->pad_h + (w->k_h - 1) * w->dil_h;
    const int64_t last_x = (w->out_w - 1) * w->stride_w - w->pad_w + (w->k_w - 1) * w->dil_w;
    const int64_t bottom = last_y > w->in_h - 1 ? last_y - (w->in_h - 1) : 0;
    const int64_t right = last_x > w->in_w - 1 ? last_x - (w->in_w - 1) : 0;
    p->top = w->pad_h > 0 ? w->pad_h : 0;
    p->left = w->pad_w > 0 ? w->pad_w : 0;
    p->border = p->top > 0 || p->left > 0 || bottom > 0 || right > 0;
    p->bh = p->top + w->in_h + bottom;
    p->bw = p->left + w->in_w + right;
}

/* Packs the filter per group, copies the bias (both constant) and makes the tap table. */
static enum qv_status prepare_gemm(struct qv_kernel_ctx *c, const struct conv_geom *g,
                                   struct qv_error *err)
{
    const struct qv_f32_window *w = &g->w;
    const struct qv_sgemm_kernel *kv = qv_sgemm_select(g->cout_g);
    const size_t pack_g = qv_sgemm_packed_size(kv, g->cout_g, g->k);
    const int64_t taps = w->k_h * w->k_w, opix = w->out_h * w->out_w;
    const size_t off_bias = qv_f32_align64(sizeof(struct conv_params));
    const size_t off_idx = off_bias + qv_f32_align64((size_t)w->out_c * sizeof(float));
    const size_t off_pack = off_idx + qv_f32_align64((size_t)(opix * taps) * sizeof(int64_t));
    struct conv_params *p = qv_f32_params_alloc(c, off_pack + pack_g * (size_t)g->groups, err);
    if (!p)
        return QV_E_NOMEM;
    p->kv = kv;
    p->pack_g = pack_g;
    p->bias = (float *)((char *)p + off_bias);
    p->idx = (int64_t *)((char *)p + off_idx);
    p->packed = (float *)((char *)p + off_pack);
    const float *filt = c->in[1]->data;
    for (int64_t grp = 0; grp < g->groups; grp++)
        qv_sgemm_pack(kv, filt + grp * g->cout_g * g->k, g->cout_g, g->k, g->k,
                      (float *)((char *)p->packed + pack_g * (size_t)grp));
    const struct qv_tensor_view *b = c->n_in > 2 ? c->in[2] : NULL;
    if (b)
        memcpy(p->bias, b->data, (size_t)w->out_c * sizeof(float));
    if (conv_is_direct(g))
        return QV_OK;
    /* Bordered coordinates are the image's plus (top, left): row oy's tap ky reads bordered row
     * oy * stride + ky * dilation. */
    border_geom(g, p);
    int64_t *idx = p->idx;
    for (int64_t oy = 0; oy < w->out_h; oy++)
        for (int64_t ox = 0; ox < w->out_w; ox++)
            for (int64_t ky = 0; ky < w->k_h; ky++)
                for (int64_t kx = 0; kx < w->k_w; kx++)
                    *idx++ = ((oy * w->stride_h + ky * w->dil_h + p->top - w->pad_h) * p->bw +
                              ox * w->stride_w + kx * w->dil_w + p->left - w->pad_w) *
                             w->in_c;
    if (p->border)
        c->scratch_size = (size_t)(p->bh * p->bw * w->in_c) * sizeof(float);
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
    /* Sample by sample: the tap table is one sample's. */
    const struct qv_f32_window *w = &g.w;
    const int64_t taps = w->k_h * w->k_w, opix = w->out_h * w->out_w;
    const int64_t in_sample = w->in_h * w->in_w * w->in_c;
    float *bordered = c->scratch;
    if (p->border)   /* the border stays zero; each sample overwrites the inside */
        memset(bordered, 0, (size_t)(p->bh * p->bw * w->in_c) * sizeof(float));
    for (int64_t b = 0; b < w->n; b++) {
        const float *src = in + b * in_sample;
        if (p->border) {
            for (int64_t y = 0; y < w->in_h; y++)
                memcpy(bordered + ((y + p->top) * p->bw + p->left) * w->in_c,
                       src + y * w->in_w * w->in_c, (size_t)(w->in_w * w->in_c) * sizeof(float));
            src = bordered;
        }
        for (int64_t grp = 0; grp < g.groups; grp++) {
            ep.bias = p->bias + grp * g.cout_g;
            qv_sgemm_run_indirect(p->kv, opix, g.cout_g, taps, g.cin_g, src + grp * g.cin_g,
                                  p->idx,
                                  (const float *)((const char *)p->packed +
                                                  p->pack_g * (size_t)grp),
                                  &ep, out + b * opix * cout + grp * g.cout_g, cout);
        }
    }
}
