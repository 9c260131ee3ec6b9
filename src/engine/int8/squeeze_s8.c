/* SPDX-License-Identifier: Apache-2.0 */
/* SQUEEZE int8: TFLM squeeze.cc. A byte copy, like RESHAPE (spec §5.13). */
#include <string.h>

#include "core/op_impl.h"
#include "engine/int8/kernels_s8.h"

enum qv_status qv_squeeze_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_tensor *in = c->in[0]->t, *out = c->out[0]->t;
    if (in->dtype != out->dtype)
        return qv_s8_fail(c, err, "input '%s' is %s but output '%s' is %s", in->name,
                          qv_dtype_name(in->dtype), out->name, qv_dtype_name(out->dtype));
    if (qv_shape_elems(&c->in[0]->shape) != qv_shape_elems(&c->out[0]->shape))
        return qv_s8_fail(c, err, "input and output element counts differ");
    return QV_OK;
}

void qv_squeeze_s8(const struct qv_kernel_ctx *c)
{
    const size_t bytes =
        (size_t)qv_shape_elems(&c->in[0]->shape) * qv_dtype_size(c->in[0]->t->dtype);
    if (c->out[0]->data != c->in[0]->data)
        memmove(c->out[0]->data, c->in[0]->data, bytes);
}
