/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Template of the vector DEPTHWISE_CONV_2D (depth multiplier 1; kernels_f32.h's order),
 * included by depthwise_conv_2d_f32_x86.c once per instruction set with KNAME, KTARGET, VEC,
 * MASK, LANES, V_ZERO, V_LOADU, V_LOADM, V_STOREU, V_STOREM, V_MUL, V_ADD, V_MIN, V_MAX,
 * V_SET1 and MASK_FOR set (KNAME undefined again here). Lanes are channels: a
 * vector of one output pixel's channels adds its taps' products one by one, in (ky, kx) order,
 * as the scalar loop does for each channel. A 3 x 3 window inside the image is unrolled with
 * the filter in registers (the same operations in the same order).
 */

/* First and one-past-last tap k with 0 <= o + k * d < n, k < taps (an empty range when none). */
#define DW_RANGE(o, d, n, taps, k0, k1)                                                            \
    do {                                                                                           \
        k0 = (o) >= 0 ? 0 : (-(o) + (d) - 1) / (d);                                                \
        k1 = (n) - 1 - (o) < 0 ? 0 : ((n) - 1 - (o)) / (d) + 1;                                    \
        k1 = k1 < (taps) ? k1 : (taps);                                                            \
        k0 = k0 < k1 ? k0 : k1;                                                                    \
    } while (0)

/* One vector of channels [c0, c0 + LANES) of pixel (y0, x0)'s window; LOAD(p) reads it. */
#define DW_VECTOR(LOAD, STORE)                                                                     \
    do {                                                                                           \
        VEC acc = V_ZERO();                                                                        \
        for (int64_t ky = ky0; ky < ky1; ky++) {                                                   \
            const float *row = img + ((y0 + ky * dh) * id->w + x0) * C + c0;                       \
            const float *fr = filt + ky * KW * C + c0;                                             \
            for (int64_t kx = kx0; kx < kx1; kx++)                                                 \
                acc = V_ADD(acc, V_MUL(LOAD(row + kx * dw * C), LOAD(fr + kx * C)));               \
        }                                                                                          \
        const VEC bv = bias ? LOAD(bias + c0) : V_ZERO();                                          \
        STORE(o + c0, V_MIN(hi, V_MAX(lo, V_ADD(acc, bv))));                                       \
    } while (0)

/* The same for a 3 x 3 window inside the image, unrolled, the filter's taps in f0 .. f8. */
#define DW3_PIXEL(LOAD, STORE)                                                                     \
    do {                                                                                           \
        const float *r0 = img + (y0 * id->w + x0) * C + c0;                                        \
        const float *r1 = r0 + dh * id->w * C, *r2 = r1 + dh * id->w * C;                          \
        VEC acc = V_ZERO();                                                                        \
        acc = V_ADD(acc, V_MUL(LOAD(r0), f0));                                                     \
        acc = V_ADD(acc, V_MUL(LOAD(r0 + dw * C), f1));                                            \
        acc = V_ADD(acc, V_MUL(LOAD(r0 + 2 * dw * C), f2));                                        \
        acc = V_ADD(acc, V_MUL(LOAD(r1), f3));                                                     \
        acc = V_ADD(acc, V_MUL(LOAD(r1 + dw * C), f4));                                            \
        acc = V_ADD(acc, V_MUL(LOAD(r1 + 2 * dw * C), f5));                                        \
        acc = V_ADD(acc, V_MUL(LOAD(r2), f6));                                                     \
        acc = V_ADD(acc, V_MUL(LOAD(r2 + dw * C), f7));                                            \
        acc = V_ADD(acc, V_MUL(LOAD(r2 + 2 * dw * C), f8));                                        \
        STORE(o + c0, V_MIN(hi, V_MAX(lo, V_ADD(acc, bv3))));                                      \
    } while (0)

/* Four adjacent pixels (ox .. ox + 3) whose 3 x 3 windows lie inside the image: four
 * independent chains interleaved (one chain is bound by the addition's latency). */
#define DW3_TAP(LOAD, j, rr, t, f)                                                                 \
    a##j = V_ADD(a##j, V_MUL(LOAD(rr + (j) * sx + (t) * dw * C), f))
#define DW3_TAPS(LOAD, rr, t, f)                                                                   \
    do {                                                                                           \
        DW3_TAP(LOAD, 0, rr, t, f);                                                                \
        DW3_TAP(LOAD, 1, rr, t, f);                                                                \
        DW3_TAP(LOAD, 2, rr, t, f);                                                                \
        DW3_TAP(LOAD, 3, rr, t, f);                                                                \
    } while (0)
#define DW3_STORE4(STORE, j) STORE(o + (j) * C + c0, V_MIN(hi, V_MAX(lo, V_ADD(a##j, bv3))))
#define DW3_PIXEL4(LOAD, STORE)                                                                    \
    do {                                                                                           \
        const int64_t sx = p->stride_w * C;                                                        \
        const float *r0 = img + (y0 * id->w + x0) * C + c0;                                        \
        const float *r1 = r0 + dh * id->w * C, *r2 = r1 + dh * id->w * C;                          \
        VEC a0 = V_ZERO(), a1 = V_ZERO(), a2 = V_ZERO(), a3 = V_ZERO();                            \
        DW3_TAPS(LOAD, r0, 0, f0);                                                                 \
        DW3_TAPS(LOAD, r0, 1, f1);                                                                 \
        DW3_TAPS(LOAD, r0, 2, f2);                                                                 \
        DW3_TAPS(LOAD, r1, 0, f3);                                                                 \
        DW3_TAPS(LOAD, r1, 1, f4);                                                                 \
        DW3_TAPS(LOAD, r1, 2, f5);                                                                 \
        DW3_TAPS(LOAD, r2, 0, f6);                                                                 \
        DW3_TAPS(LOAD, r2, 1, f7);                                                                 \
        DW3_TAPS(LOAD, r2, 2, f8);                                                                 \
        DW3_STORE4(STORE, 0);                                                                      \
        DW3_STORE4(STORE, 1);                                                                      \
        DW3_STORE4(STORE, 2);                                                                      \
        DW3_STORE4(STORE, 3);                                                                      \
    } while (0)

/*
 * Channels [c0, c0 + LANES) of every output pixel of one sample (channel blocks outermost, so
 * that a 3 x 3 filter's nine vectors stay in registers over the whole image); pixels whose
 * window is cut by the border, and other filter sizes, take DW_VECTOR.
 */
#define DW_CHANNELS(LOAD, STORE)                                                                   \
    do {                                                                                           \
        VEC f0 = V_ZERO(), f1 = V_ZERO(), f2 = V_ZERO(), f3 = V_ZERO(), f4 = V_ZERO();             \
        VEC f5 = V_ZERO(), f6 = V_ZERO(), f7 = V_ZERO(), f8 = V_ZERO();                            \
        const VEC bv3 = bias ? LOAD(bias + c0) : V_ZERO();                                         \
        if (k3) {                                                                                  \
            f0 = LOAD(filt + 0 * C + c0);                                                          \
            f1 = LOAD(filt + 1 * C + c0);                                                          \
            f2 = LOAD(filt + 2 * C + c0);                                                          \
            f3 = LOAD(filt + 3 * C + c0);                                                          \
            f4 = LOAD(filt + 4 * C + c0);                                                          \
            f5 = LOAD(filt + 5 * C + c0);                                                          \
            f6 = LOAD(filt + 6 * C + c0);                                                          \
            f7 = LOAD(filt + 7 * C + c0);                                                          \
            f8 = LOAD(filt + 8 * C + c0);                                                          \
        }                                                                                          \
        for (int64_t oy = 0; oy < od->h; oy++) {                                                   \
            const int64_t y0 = oy * p->stride_h - p->pad_h;                                        \
            int64_t ky0, ky1;                                                                      \
            DW_RANGE(y0, dh, id->h, KH, ky0, ky1);                                                 \
            for (int64_t ox = 0; ox < od->w; ox++) {                                               \
                const int64_t x0 = ox * p->stride_w - p->pad_w;                                    \
                int64_t kx0, kx1;                                                                  \
                DW_RANGE(x0, dw, id->w, KW, kx0, kx1);                                             \
                float *o = outb + (oy * od->w + ox) * C;                                           \
                /* windows inside the image: ox's and ox + 3's, so the ones between too */         \
                if (k3 && ky0 == 0 && ky1 == 3 && kx0 == 0 && x0 >= 0 && ox + 3 < od->w &&         \
                    x0 + 3 * p->stride_w + 2 * dw < id->w) {                                       \
                    DW3_PIXEL4(LOAD, STORE);                                                       \
                    ox += 3;                                                                       \
                    continue;                                                                      \
                }                                                                                  \
                if (k3 && ky0 == 0 && ky1 == 3 && kx0 == 0 && kx1 == 3)                            \
                    DW3_PIXEL(LOAD, STORE);                                                        \
                else                                                                               \
                    DW_VECTOR(LOAD, STORE);                                                        \
            }                                                                                      \
        }                                                                                          \
    } while (0)

/* Four vectors of channels [c0, c0 + 4 * LANES) of pixel (y0, x0): four independent chains. */
#define DW_VECTOR4()                                                                               \
    do {                                                                                           \
        VEC a0 = V_ZERO(), a1 = V_ZERO(), a2 = V_ZERO(), a3 = V_ZERO();                            \
        for (int64_t ky = ky0; ky < ky1; ky++) {                                                   \
            const float *row = img + ((y0 + ky * dh) * id->w + x0) * C + c0;                       \
            const float *fr = filt + ky * KW * C + c0;                                             \
            for (int64_t kx = kx0; kx < kx1; kx++) {                                               \
                const float *x = row + kx * dw * C, *f = fr + kx * C;                              \
                a0 = V_ADD(a0, V_MUL(V_LOADU(x), V_LOADU(f)));                                     \
                a1 = V_ADD(a1, V_MUL(V_LOADU(x + LANES), V_LOADU(f + LANES)));                     \
                a2 = V_ADD(a2, V_MUL(V_LOADU(x + 2 * LANES), V_LOADU(f + 2 * LANES)));             \
                a3 = V_ADD(a3, V_MUL(V_LOADU(x + 3 * LANES), V_LOADU(f + 3 * LANES)));             \
            }                                                                                      \
        }                                                                                          \
        const VEC z = V_ZERO();                                                                    \
        const float *bc = bias ? bias + c0 : NULL;                                                 \
        V_STOREU(o + c0, V_MIN(hi, V_MAX(lo, V_ADD(a0, bc ? V_LOADU(bc) : z))));                   \
        V_STOREU(o + c0 + LANES, V_MIN(hi, V_MAX(lo, V_ADD(a1, bc ? V_LOADU(bc + LANES) : z))));   \
        V_STOREU(o + c0 + 2 * LANES,                                                               \
                 V_MIN(hi, V_MAX(lo, V_ADD(a2, bc ? V_LOADU(bc + 2 * LANES) : z))));               \
        V_STOREU(o + c0 + 3 * LANES,                                                               \
                 V_MIN(hi, V_MAX(lo, V_ADD(a3, bc ? V_LOADU(bc + 3 * LANES) : z))));               \
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
    const bool k3 = KH == 3 && KW == 3;
    const VEC lo = V_SET1(p->act_min), hi = V_SET1(p->act_max);
    const int64_t full = C / LANES * LANES;
    const MASK m = MASK_FOR(C - full);
    for (int64_t b = 0; b < od->n; b++) {
        const float *img = in + b * id->h * id->w * C;
        float *outb = out + b * od->h * od->w * C;
        if (C >= 4 * LANES) {
            /* Many channels: pixel by pixel, four vectors of channels at a time (independent
             * chains), the rest one vector at a time. */
            for (int64_t oy = 0; oy < od->h; oy++) {
                const int64_t y0 = oy * p->stride_h - p->pad_h;
                int64_t ky0, ky1;
                DW_RANGE(y0, dh, id->h, KH, ky0, ky1);
                for (int64_t ox = 0; ox < od->w; ox++) {
                    const int64_t x0 = ox * p->stride_w - p->pad_w;
                    int64_t kx0, kx1;
                    DW_RANGE(x0, dw, id->w, KW, kx0, kx1);
                    float *o = outb + (oy * od->w + ox) * C;
                    int64_t c0 = 0;
                    for (; c0 + 4 * LANES <= C; c0 += 4 * LANES)
                        DW_VECTOR4();
                    for (; c0 < full; c0 += LANES)
                        DW_VECTOR(DW_LOAD_FULL, DW_STORE_FULL);
                    if (c0 < C)
                        DW_VECTOR(DW_LOAD_TAIL, DW_STORE_TAIL);
                }
            }
            continue;
        }
        int64_t c0 = 0;
        for (; c0 < full; c0 += LANES)
            DW_CHANNELS(DW_LOAD_FULL, DW_STORE_FULL);
        if (c0 < C)
            DW_CHANNELS(DW_LOAD_TAIL, DW_STORE_TAIL);
    }
}

#undef DW_RANGE
#undef DW_VECTOR
#undef DW_VECTOR4
#undef DW3_PIXEL
#undef DW3_TAP
#undef DW3_TAPS
#undef DW3_STORE4
#undef DW3_PIXEL4
#undef DW_CHANNELS
#undef DW_LOAD_FULL
#undef DW_STORE_FULL
#undef DW_LOAD_TAIL
#undef DW_STORE_TAIL
#undef KNAME
