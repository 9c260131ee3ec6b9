/* SPDX-License-Identifier: Apache-2.0 */
/* Broadcasting of the binary ops and the Q4 activations' parameters (kernels_s8.h). */
#include <math.h>

#include "engine/int8/kernels_s8.h"

void qv_q4_s8_params_init(struct qv_q4_s8_params *p, float s_in, int32_t z_in,
                          enum qv_rounding r)
{
    p->input_offset = -z_in;
    p->rounding = r;
    p->lut = NULL;
    const double real = (double)s_in * (double)(1 << (31 - 4));
    const double q = frexp(real, &p->shift);
    /* TFLM casts round(q * 2^31) to int32 without the 2^31 carry; keep it in range. */
    const int64_t qf = (int64_t)round(q * (double)((int64_t)1 << 31));
    p->multiplier = qf > INT32_MAX ? INT32_MAX : (int32_t)qf;
    p->radius = qv_input_radius(4, p->shift);
}

void qv_bcast_init(struct qv_bcast *bc, const struct qv_shape *a, const struct qv_shape *b,
                   const struct qv_shape *out)
{
    int32_t rank = out->rank > 0 ? out->rank : 1;
    bc->rank = rank;
    bc->same = qv_shape_equal(a, out) && qv_shape_equal(b, out);
    int64_t st_a = 1, st_b = 1;
    for (int32_t i = rank - 1; i >= 0; i--) {
        const int32_t ia = i - (rank - a->rank), ib = i - (rank - b->rank);
        const int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        bc->dims[i] = out->rank > 0 ? out->dims[i] : 1;
        bc->sa[i] = da == 1 ? 0 : st_a;
        bc->sb[i] = db == 1 ? 0 : st_b;
        st_a *= da;
        st_b *= db;
    }
}

int64_t qv_bcast_rows(const struct qv_bcast *bc)
{
    int64_t rows = 1;
    for (int32_t i = 0; i < bc->rank - 1; i++)
        rows *= bc->dims[i];
    return rows;
}

void qv_bcast_row_offsets(const struct qv_bcast *bc, int64_t r, int64_t *ret_a, int64_t *ret_b)
{
    int64_t oa = 0, ob = 0;
    for (int32_t i = bc->rank - 2; i >= 0; i--) {
        const int64_t idx = r % bc->dims[i];
        r /= bc->dims[i];
        oa += idx * bc->sa[i];
        ob += idx * bc->sb[i];
    }
    *ret_a = oa;
    *ret_b = ob;
}
