/* SPDX-License-Identifier: Apache-2.0 */
/* Checks and copies shared by several float kernels. */
#include <stdlib.h>
#include <string.h>

#include "engine/float/float_common.h"

enum qv_status qv_f32_check_window(const struct qv_kernel_ctx *c, bool dilation,
                                   struct qv_error *err)
{
    const struct qv_node *n = c->node;
    const struct qv_attrs *a = &n->attrs;
    const char *op = qv_op_name(n->op);
    if (c->in[0]->shape.rank != 4 || c->out[0]->shape.rank != 4)
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "%s '%s': input and output must be 4-D NHWC, got rank %d and %d", op,
                            n->name, c->in[0]->shape.rank, c->out[0]->shape.rank);
    if (!qv_f32_is_real(c->in[0]))
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "%s '%s': input '%s' is %s without quantization", op, n->name,
                            c->in[0]->t->name, qv_dtype_name(c->in[0]->t->dtype));
    if (a->stride_h < 1 || a->stride_w < 1)
        return qv_fail_node(err, QV_E_INPUT, c->node_index, "%s '%s': stride %dx%d must be >= 1",
                            op, n->name, a->stride_h, a->stride_w);
    if (dilation && (a->dilation_h < 1 || a->dilation_w < 1))
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "%s '%s': dilation %dx%d must be >= 1", op, n->name, a->dilation_h,
                            a->dilation_w);
    if (c->in[0]->shape.dims[0] != c->out[0]->shape.dims[0])
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "%s '%s': input batch %lld differs from output batch %lld", op, n->name,
                            (long long)c->in[0]->shape.dims[0],
                            (long long)c->out[0]->shape.dims[0]);
    return QV_OK;
}

enum qv_status qv_f32_unary_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_node *n = c->node;
    if (!qv_f32_is_real(c->in[0]))
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "%s '%s': input '%s' is %s without quantization", qv_op_name(n->op),
                            n->name, c->in[0]->t->name, qv_dtype_name(c->in[0]->t->dtype));
    if (qv_shape_elems(&c->in[0]->shape) != qv_shape_elems(&c->out[0]->shape))
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "%s '%s': input has %lld elements, output %lld", qv_op_name(n->op),
                            n->name, (long long)qv_shape_elems(&c->in[0]->shape),
                            (long long)qv_shape_elems(&c->out[0]->shape));
    return QV_OK;
}

void qv_f32_copy(const struct qv_kernel_ctx *c)
{
    const float *in = c->in[0]->data;
    float *out = c->out[0]->data;
    if (in != out)
        memmove(out, in, (size_t)qv_shape_elems(&c->out[0]->shape) * sizeof(float));
}

void *qv_f32_params_alloc(struct qv_kernel_ctx *c, size_t size, struct qv_error *err)
{
    void *p = aligned_alloc(64, qv_f32_align64(size ? size : 1));
    if (!p) {
        qv_fail_node(err, QV_E_NOMEM, c->node_index, "out of memory preparing %s '%s'",
                     qv_op_name(c->node->op), c->node->name ? c->node->name : "");
        return NULL;
    }
    memset(p, 0, qv_f32_align64(size ? size : 1));
    c->params = p;
    return p;
}
