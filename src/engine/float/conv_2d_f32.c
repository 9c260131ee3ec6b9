/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CONV_2D, float32 (TFLite semantics): input [N,H,W,Cin], filter [Cout,KH,KW,Cin/groups],
 * optional bias [Cout], output [N,OH,OW,Cout]; stride, dilation, SAME/VALID (extra pixel at the
 * end), fused activation. Grouped convolution when the filter's Cin divides the input's.
 *
 * Fast path: the whole batch is one GEMM per group. A 1x1 / stride 1 / ungrouped conv multiplies
 * the input in place; otherwise the patches are unrolled (im2col, zero where padded) into scratch
 * [N*OH*OW][KH*KW*Cin_g] and multiplied by the filter transposed. Bias and activation follow.
 * The plain path is spec §6's loop: total += in*w in (ky, kx, ic) order, + bias, clamp.
 */
#include <limits.h>
#include <string.h>

#include "engine/kernel.h"
#include "engine/float/float_common.h"
#include "engine/float/gemm.h"

struct conv_geom {
    struct qv_f32_window w;
    int64_t groups, cin_g, cout_g, k;     /* k = KH*KW*Cin_g: one im2col row */
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

    struct conv_geom g;
    conv_geom(c, &g);
    int64_t m = g.w.n * g.w.out_h * g.w.out_w;
    if (m > INT_MAX || g.k > INT_MAX || cout > INT_MAX)
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "CONV_2D '%s': GEMM of %lld x %lld x %lld exceeds BLAS's int range",
                            n->name, (long long)m, (long long)g.k, (long long)cout);
    c->scratch_size = 0;
    if (!c->plain_loops && !conv_is_direct(&g))
        c->scratch_size = (size_t)m * (size_t)g.k * sizeof(float);
    return QV_OK;
}

/* Unrolls group grp's patches of the whole batch into col [N*OH*OW][KH*KW*Cin_g]. */
static void im2col(const struct conv_geom *g, int64_t grp, const float *in, float *col)
{
    const struct qv_f32_window *w = &g->w;
    size_t chunk = (size_t)g->cin_g * sizeof(float);
    for (int64_t b = 0; b < w->n; b++) {
        const float *img = in + b * w->in_h * w->in_w * w->in_c + grp * g->cin_g;
        for (int64_t oy = 0; oy < w->out_h; oy++) {
            for (int64_t ox = 0; ox < w->out_w; ox++) {
                int64_t y0 = oy * w->stride_h - w->pad_h, x0 = ox * w->stride_w - w->pad_w;
                for (int64_t ky = 0; ky < w->k_h; ky++) {
                    int64_t iy = y0 + ky * w->dil_h;
                    for (int64_t kx = 0; kx < w->k_w; kx++, col += g->cin_g) {
                        int64_t ix = x0 + kx * w->dil_w;
                        if (iy < 0 || iy >= w->in_h || ix < 0 || ix >= w->in_w)
                            memset(col, 0, chunk);
                        else
                            memcpy(col, img + (iy * w->in_w + ix) * w->in_c, chunk);
                    }
                }
            }
        }
    }
}

static void bias_act(const struct qv_kernel_ctx *c, int64_t rows, int64_t cout, float *out)
{
    const float *bias = c->n_in > 2 && c->in[2] ? c->in[2]->data : NULL;
    float lo, hi;
    qv_f32_act_range(c->node->attrs.act, &lo, &hi);
    for (int64_t r = 0; r < rows; r++, out += cout)
        for (int64_t o = 0; o < cout; o++)
            out[o] = qv_f32_clamp(out[o] + (bias ? bias[o] : 0.0f), lo, hi);
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

void qv_conv_2d_f32(const struct qv_kernel_ctx *c)
{
    struct conv_geom g;
    conv_geom(c, &g);
    if (c->plain_loops) {
        conv_plain(c, &g);
        return;
    }
    const float *in = c->in[0]->data, *filt = c->in[1]->data;
    float *out = c->out[0]->data;
    int64_t m = g.w.n * g.w.out_h * g.w.out_w;
    if (conv_is_direct(&g)) {
        qv_f32_gemm_nt(m, g.w.out_c, g.k, in, g.w.in_c, filt, g.k, out, g.w.out_c);
    } else {
        for (int64_t grp = 0; grp < g.groups; grp++) {
            im2col(&g, grp, in, c->scratch);
            qv_f32_gemm_nt(m, g.cout_g, g.k, c->scratch, g.k, filt + grp * g.cout_g * g.k, g.k,
                           out + grp * g.cout_g, g.w.out_c);
        }
    }
    bias_act(c, m, g.w.out_c, out);
}
