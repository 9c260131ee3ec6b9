/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ADD / SUB / MUL with numpy broadcasting up to rank 8 and a fused activation (TFLite
 * BroadcastBinaryFunction semantics: out = act(a op b)). Same-shape and scalar operands take flat
 * loops; anything else walks the output with a rank-8 index whose innermost dimension is a
 * strided loop (stride 0 on a broadcast operand). The same-shape loop has AVX2 and AVX-512
 * variants (the same operations per element: op, then the clamp as qv_f32_clamp; chosen at
 * prepare, kernels_f32.h's enum qv_f32_variant).
 */
#include <string.h>

#include "engine/float/float_common.h"
#include "engine/float/gemm_f32_x86.h"
#include "engine/float/kernels_f32.h"

/* Set by prepare: the same-shape loop's variant. */
struct binary_params {
    enum qv_f32_variant variant;
};

enum qv_status qv_f32_binary_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_node *n = c->node;
    const struct qv_shape *os = &c->out[0]->shape;
    for (int k = 0; k < 2; k++) {
        const struct qv_tensor_view *v = c->in[k];
        if (!qv_f32_is_real(v))
            return qv_fail_node(err, QV_E_INPUT, c->node_index,
                                "%s '%s': input '%s' is %s without quantization",
                                qv_op_name(n->op), n->name, v->t->name,
                                qv_dtype_name(v->t->dtype));
        if (v->shape.rank > os->rank)
            return qv_fail_node(err, QV_E_INPUT, c->node_index,
                                "%s '%s': input '%s' has rank %d above the output's %d",
                                qv_op_name(n->op), n->name, v->t->name, v->shape.rank, os->rank);
        for (int32_t d = 0; d < v->shape.rank; d++) {
            int64_t id = v->shape.dims[d], od = os->dims[os->rank - v->shape.rank + d];
            if (id != od && id != 1)
                return qv_fail_node(err, QV_E_INPUT, c->node_index,
                                    "%s '%s': input '%s' dim %d is %lld, cannot broadcast to %lld",
                                    qv_op_name(n->op), n->name, v->t->name, d, (long long)id,
                                    (long long)od);
        }
    }
    struct binary_params *p = qv_f32_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    p->variant = c->plain_loops ? QV_F32_C : qv_f32_variant_best();
    return QV_OK;
}

/* One loop per op so the operation is resolved outside the element loop. */
#define BINARY_LOOPS(NAME, EXPR)                                                                 \
    static void NAME##_strided(int64_t len, const float *a, int64_t sa, const float *b,         \
                               int64_t sb, float *out, float lo, float hi)                      \
    {                                                                                            \
        for (int64_t i = 0; i < len; i++) {                                                      \
            float x = a[i * sa], y = b[i * sb];                                                  \
            out[i] = qv_f32_clamp(EXPR, lo, hi);                                                 \
        }                                                                                        \
    }                                                                                            \
    static void NAME##_flat(int64_t len, const float *a, const float *b, float *out, float lo,  \
                            float hi)                                                            \
    {                                                                                            \
        for (int64_t i = 0; i < len; i++) {                                                      \
            float x = a[i], y = b[i];                                                            \
            out[i] = qv_f32_clamp(EXPR, lo, hi);                                                 \
        }                                                                                        \
    }

BINARY_LOOPS(add, x + y)
BINARY_LOOPS(sub, x - y)
BINARY_LOOPS(mul, x * y)

typedef void (*strided_fn)(int64_t, const float *, int64_t, const float *, int64_t, float *,
                           float, float);
typedef void (*flat_fn)(int64_t, const float *, const float *, float *, float, float);

#ifdef QV_F32_X86
#include <immintrin.h>

/* Vectors of the flat loop, the tail by the C loop; min(hi, max(lo, v)) with v second is
 * qv_f32_clamp bit for bit (NaN and -0 included). */
#define FLAT_VEC(NAME, TARGET, VEC, LANES, LOAD, STORE, SET1, OP, MIN, MAX, CNAME)            \
    __attribute__((target(TARGET))) static void NAME(int64_t len, const float *a,               \
                                                     const float *b, float *out, float lo,       \
                                                     float hi)                                   \
    {                                                                                            \
        const VEC vlo = SET1(lo), vhi = SET1(hi);                                                \
        int64_t i = 0;                                                                           \
        for (; i + LANES <= len; i += LANES)                                                     \
            STORE(out + i, MIN(vhi, MAX(vlo, OP(LOAD(a + i), LOAD(b + i)))));                    \
        CNAME(len - i, a + i, b + i, out + i, lo, hi);                                           \
    }
#define FLAT_AVX2(NAME, OP, CNAME)                                                               \
    FLAT_VEC(NAME, "avx2", __m256, 8, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps, OP,    \
             _mm256_min_ps, _mm256_max_ps, CNAME)
#define FLAT_AVX512(NAME, OP, CNAME)                                                             \
    FLAT_VEC(NAME, "avx512f", __m512, 16, _mm512_loadu_ps, _mm512_storeu_ps, _mm512_set1_ps,    \
             OP, _mm512_min_ps, _mm512_max_ps, CNAME)

FLAT_AVX2(add_flat_avx2, _mm256_add_ps, add_flat)
FLAT_AVX2(sub_flat_avx2, _mm256_sub_ps, sub_flat)
FLAT_AVX2(mul_flat_avx2, _mm256_mul_ps, mul_flat)
FLAT_AVX512(add_flat_avx512, _mm512_add_ps, add_flat)
FLAT_AVX512(sub_flat_avx512, _mm512_sub_ps, sub_flat)
FLAT_AVX512(mul_flat_avx512, _mm512_mul_ps, mul_flat)
#endif

/* The same-shape loops by variant and op (a NULL entry: the C loop). */
static const flat_fn flat_variants[QV_F32_VARIANT_COUNT][3] = {
    [QV_F32_C] = { add_flat, sub_flat, mul_flat },
#ifdef QV_F32_X86
    [QV_F32_AVX2] = { add_flat_avx2, sub_flat_avx2, mul_flat_avx2 },
    [QV_F32_AVX512] = { add_flat_avx512, sub_flat_avx512, mul_flat_avx512 },
#endif
};

void qv_f32_binary_flat(enum qv_f32_variant v, enum qv_f32_binop op, int64_t len, const float *a,
                        const float *b, float *out, float lo, float hi)
{
    const flat_fn f = flat_variants[v][op];
    (f ? f : flat_variants[QV_F32_C][op])(len, a, b, out, lo, hi);
}

/* Element strides of v aligned to the output's rank; 0 where v broadcasts. */
static void broadcast_strides(const struct qv_shape *v, const struct qv_shape *os,
                              int64_t strides[QV_MAX_RANK])
{
    int64_t s = 1;
    for (int32_t d = os->rank - 1; d >= 0; d--) {
        int32_t vd = d - (os->rank - v->rank);
        int64_t dim = vd >= 0 ? v->dims[vd] : 1;
        strides[d] = dim == 1 ? 0 : s;
        s *= dim;
    }
}

void qv_f32_binary(const struct qv_kernel_ctx *c, enum qv_f32_binop op)
{
    static const strided_fn strided[] = { add_strided, sub_strided, mul_strided };
    const struct qv_shape *as = &c->in[0]->shape, *bs = &c->in[1]->shape;
    const struct qv_shape *os = &c->out[0]->shape;
    const float *a = c->in[0]->data, *b = c->in[1]->data;
    float *out = c->out[0]->data;
    float lo, hi;
    qv_f32_act_range(c->node->attrs.act, &lo, &hi);

    int64_t total = qv_shape_elems(os);
    if (total == 0)
        return;
    int64_t na = qv_shape_elems(as), nb = qv_shape_elems(bs);
    if (na == total && nb == total) {          /* same shape (or only leading 1s differ) */
        qv_f32_binary_flat(((const struct binary_params *)c->params)->variant, op, total, a, b,
                           out, lo, hi);
        return;
    }
    if (nb == 1) {
        strided[op](total, a, 1, b, 0, out, lo, hi);
        return;
    }
    if (na == 1) {
        strided[op](total, a, 0, b, 1, out, lo, hi);
        return;
    }

    /* General walk: rank >= 2 here (a rank-1 output would have hit a fast path). */
    int64_t sa[QV_MAX_RANK], sb[QV_MAX_RANK], idx[QV_MAX_RANK] = { 0 };
    broadcast_strides(as, os, sa);
    broadcast_strides(bs, os, sb);
    int32_t r = os->rank;
    int64_t inner = os->dims[r - 1], rows = total / inner;
    int64_t oa = 0, ob = 0;
    for (int64_t row = 0; row < rows; row++) {
        strided[op](inner, a + oa, sa[r - 1], b + ob, sb[r - 1], out + row * inner, lo, hi);
        /* Advance the index over dims 0..r-2, keeping the operand offsets in step. */
        for (int32_t d = r - 2; d >= 0; d--) {
            idx[d]++;
            oa += sa[d];
            ob += sb[d];
            if (idx[d] < os->dims[d])
                break;
            oa -= sa[d] * os->dims[d];
            ob -= sb[d] * os->dims[d];
            idx[d] = 0;
        }
    }
}
