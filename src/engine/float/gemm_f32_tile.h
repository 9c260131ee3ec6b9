/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Template of one x86 GEMM micro-kernel (gemm_f32.h's order), included by gemm_f32_x86.c once
 * per kernel with these macros set (and undefined again here):
 *   KNAME        the tile function's name
 *   KMR, KNV     tile rows and vectors per row (1 or 2); ROWS(X) expands X(0) .. X(KMR - 1)
 *   KTARGET      the target attribute string
 *   VEC, MASK, LANES, V_ZERO(), V_LOADU(p), V_LOADM(p, m), V_STOREM(p, m, v), V_FMA(x, b, c),
 *   V_ADD(a, b), V_MIN(a, b), V_MAX(a, b), V_SET1(f), V_BCAST(p), MASK_FOR(n)
 * The running totals (T*) and a block's chain (A*) of every row stay in registers: rows are
 * named variables, rows >= mr are dead code once mr is a constant.
 */
#define KCAT2(a, b) a##b
#define KCAT(a, b) KCAT2(a, b)
#define KBODY KCAT(KNAME, _mr)

#if KNV == 2
#define T_DECL(r) VEC t0_##r = V_ZERO(), t1_##r = V_ZERO();
#define T_LOAD(r)                                                                                \
    if (r < mr) {                                                                                \
        t0_##r = V_LOADM(c + r * ldc, m0);                                                       \
        t1_##r = V_LOADM(c + r * ldc + LANES, m1);                                               \
    }
#define A_DECL(r) VEC a0_##r = V_ZERO(), a1_##r = V_ZERO();
#define A_FMA(r)                                                                                 \
    if (r < mr) {                                                                                \
        const VEC x = V_BCAST(p_##r + k);                                                        \
        a0_##r = V_FMA(x, b0, a0_##r);                                                           \
        a1_##r = V_FMA(x, b1, a1_##r);                                                           \
    }
#define A_ADD(r)                                                                                 \
    if (r < mr) {                                                                                \
        t0_##r = V_ADD(t0_##r, a0_##r);                                                          \
        t1_##r = V_ADD(t1_##r, a1_##r);                                                          \
    }
#define T_FINISH(r)                                                                              \
    if (r < mr) {                                                                                \
        t0_##r = V_MIN(hi, V_MAX(lo, V_ADD(t0_##r, bias0)));                                     \
        t1_##r = V_MIN(hi, V_MAX(lo, V_ADD(t1_##r, bias1)));                                     \
    }
#define T_STORE(r)                                                                               \
    if (r < mr) {                                                                                \
        V_STOREM(c + r * ldc, m0, t0_##r);                                                       \
        V_STOREM(c + r * ldc + LANES, m1, t1_##r);                                               \
    }
#else
#define T_DECL(r) VEC t0_##r = V_ZERO();
#define T_LOAD(r)                                                                                \
    if (r < mr)                                                                                  \
        t0_##r = V_LOADM(c + r * ldc, m0);
#define A_DECL(r) VEC a0_##r = V_ZERO();
#define A_FMA(r)                                                                                 \
    if (r < mr)                                                                                  \
        a0_##r = V_FMA(V_BCAST(p_##r + k), b0, a0_##r);
#define A_ADD(r)                                                                                 \
    if (r < mr)                                                                                  \
        t0_##r = V_ADD(t0_##r, a0_##r);
#define T_FINISH(r)                                                                              \
    if (r < mr)                                                                                  \
        t0_##r = V_MIN(hi, V_MAX(lo, V_ADD(t0_##r, bias0)));
#define T_STORE(r)                                                                               \
    if (r < mr)                                                                                  \
        V_STOREM(c + r * ldc, m0, t0_##r);
#endif
/* Row r's values of this tap (rows >= mr use row 0's offset: never read). */
#define P_DECL(r) const float *p_##r = a + ix[(r < mr ? r : 0) * idx_ld];

__attribute__((target(KTARGET), always_inline)) static inline void
KBODY(const int mr, const struct qv_sgemm_tile *t)
{
    const int64_t taps = t->taps, cin = t->cin, idx_ld = t->idx_ld, ldc = t->ldc;
    const float *const a = t->a;
    float *const c = t->c;
    const MASK m0 = MASK_FOR(t->nc);
#if KNV == 2
    const MASK m1 = MASK_FOR(t->nc - LANES);
#endif
    ROWS(T_DECL)
    if (t->accumulate) {
        ROWS(T_LOAD)
    }
    const float *b = t->b;
    for (int64_t tap = 0; tap < taps; tap++) {
        const int64_t *ix = t->idx + tap;
        ROWS(P_DECL)
        for (int64_t k0 = 0; k0 < cin; k0 += QV_SGEMM_BLOCK) {
            const int64_t k1 = cin - k0 < QV_SGEMM_BLOCK ? cin : k0 + QV_SGEMM_BLOCK;
            ROWS(A_DECL)
            if (k1 - k0 == QV_SGEMM_BLOCK) {   /* a whole block: a constant trip count */
                _Pragma("GCC unroll 4")
                for (int64_t j = 0; j < QV_SGEMM_BLOCK; j++, b += KNV * LANES) {
                    const int64_t k = k0 + j;
                    const VEC b0 = V_LOADU(b);
#if KNV == 2
                    const VEC b1 = V_LOADU(b + LANES);
#endif
                    ROWS(A_FMA)
                }
            } else {
                for (int64_t k = k0; k < k1; k++, b += KNV * LANES) {
                    const VEC b0 = V_LOADU(b);
#if KNV == 2
                    const VEC b1 = V_LOADU(b + LANES);
#endif
                    ROWS(A_FMA)
                }
            }
            ROWS(A_ADD)
        }
    }
    if (t->ep) {
        const VEC bias0 = V_LOADM(t->ep->bias + t->j0, m0);
#if KNV == 2
        const VEC bias1 = V_LOADM(t->ep->bias + t->j0 + LANES, m1);
#endif
        const VEC lo = V_SET1(t->ep->lo), hi = V_SET1(t->ep->hi);
        ROWS(T_FINISH)
    }
    ROWS(T_STORE)
}

#define KCASE(n)                                                                                 \
    case n: KBODY(n, t); break;

__attribute__((target(KTARGET))) static void KNAME(const struct qv_sgemm_tile *t)
{
    switch (t->mr) {
#if KMR >= 8
        KCASE(8)
#endif
#if KMR >= 7
        KCASE(7)
#endif
#if KMR >= 6
        KCASE(6) KCASE(5)
#endif
#if KMR >= 4
        KCASE(4)
#endif
        KCASE(3) KCASE(2)
    default: KBODY(1, t); break;
    }
}

#undef KCASE
#undef T_DECL
#undef T_LOAD
#undef A_DECL
#undef A_FMA
#undef A_ADD
#undef T_FINISH
#undef T_STORE
#undef P_DECL
#undef KBODY
#undef KCAT
#undef KCAT2
#undef KNAME
#undef KMR
#undef KNV
#undef ROWS
