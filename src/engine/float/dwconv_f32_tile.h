/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Template of the vector DEPTHWISE_CONV_2D (depth multiplier 1; kernels_f32.h's order),
 * included by depthwise_conv_2d_f32_x86.c once per instruction set with KNAME, KTARGET, VEC,
 * MASK, LANES, V_ZERO, V_LOADU, V_LOADM, V_STOREU, V_STOREM, V_MUL, V_ADD, V_MIN, V_MAX,
 * V_SET1 and MASK_FOR set (KNAME undefined again here). Lanes are channels: a
 * vector of one output pixel's channels adds its taps' products one by one, in (ky, kx) order,
 * as the scalar loop does for each channel.
 */

/* First and one-past-last tap k with 0 <= o + k * d < n, k < taps (an empty range when none). */
#define DW_RANGE(o, d, n, taps, k0, k1)                                                          \
    do {                                                                                         \
        k0 = (o) >= 0 ? 0 : (-(o) + (d) - 1) / (d);                                              \
        k1 = (n) - 1 - (o) < 0 ? 0 : ((n) - 1 - (o)) / (d) + 1;                                  \
        k1 = k1 < (taps) ? k1 : (taps);                                                          \
        k0 = k0 < k1 ? k0 : k1;                                                                  \
    } while (0)

/* One vector of channels [c0, c0 + LANES) of pixel (y0, x0)'s window; LOAD(p) reads it. */
#define DW_VECTOR(LOAD, STORE)                                                                   \
    do {                                                                                         \
        VEC acc = V_ZERO();                                                                      \
        for (int64_t ky = ky0; ky < ky1; ky++) {                                                 \
            const float *row = img + ((y0 + ky * dh) * id->w + x0) * C + c0;                     \
            const float *fr = filt + ky * KW * C + c0;                                           \
            for (int64_t kx = kx0; kx < kx1; kx++)                                               \
                acc = V_ADD(acc, V_MUL(LOAD(row + kx * dw * C), LOAD(fr + kx * C)));             \
        }                                                                                        \
        const VEC bv = bias ? LOAD(bias + c0) : V_ZERO();                                        \
        STORE(o + c0, V_MIN(hi, V_MAX(lo, V_ADD(acc, bv))));                                     \
    } while (0)

#define DW_LOAD_FULL(p) V_LOADU(p)
#define DW_STORE_FULL(p, v) V_STOREU((p), (v))
#define DW_LOAD_TAIL(p) V_LOADM((p), m)
#define DW_STORE_TAIL(p, v) V_STOREM((p), m, (v))

__attribute__((target(KTARGET))) void
KNAME(const struct qv_depthwise_conv_2d_f32_params *p, const struct qv_dims *id, const float *in,
      const struct qv_dims *fd, const float *filt, const float *bias, const struct qv_dims *od,
      float *out)
{
    const int64_t C = od->c, KH = fd->h, KW = fd->w, dh = p->dilation_h, dw = p->dilation_w;
    const VEC lo = V_SET1(p->act_min), hi = V_SET1(p->act_max);
    const int64_t full = C / LANES * LANES;
    const MASK m = MASK_FOR(C - full);
    for (int64_t b = 0; b < od->n; b++) {
        const float *img = in + b * id->h * id->w * C;
        for (int64_t oy = 0; oy < od->h; oy++) {
            const int64_t y0 = oy * p->stride_h - p->pad_h;
            int64_t ky0, ky1;
            DW_RANGE(y0, dh, id->h, KH, ky0, ky1);
            for (int64_t ox = 0; ox < od->w; ox++) {
                const int64_t x0 = ox * p->stride_w - p->pad_w;
                int64_t kx0, kx1;
                DW_RANGE(x0, dw, id->w, KW, kx0, kx1);
                float *o = out + ((b * od->h + oy) * od->w + ox) * C;
                int64_t c0 = 0;
                for (; c0 < full; c0 += LANES)
                    DW_VECTOR(DW_LOAD_FULL, DW_STORE_FULL);
                if (c0 < C)
                    DW_VECTOR(DW_LOAD_TAIL, DW_STORE_TAIL);
            }
        }
    }
}

#undef DW_RANGE
#undef DW_VECTOR
#undef DW_LOAD_FULL
#undef DW_STORE_FULL
#undef DW_LOAD_TAIL
#undef DW_STORE_TAIL
#undef KNAME
