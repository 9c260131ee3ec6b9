#!/usr/bin/env python3
"""Single-op full-integer int8 fixtures for qvet's bit-exact int8 emulator.

For every case a tiny float graph is traced with tf.function, converted by the
real TFLite converter (Optimize.DEFAULT, representative dataset drawn from a
per-case distribution, TFLITE_BUILTINS_INT8, int8 I/O), checked to contain
exactly the intended operator (with the intended fused activation / options),
and run through the TFLite Micro Python interpreter (reference kernels) and
ai-edge-litert's BUILTIN_REF interpreter.

Output: tests/fixtures/int8_ops/<case_id>/{model.tflite, input_<k>.npy,
output_<k>.npy, tensors/t<idx>.npy} plus tests/fixtures/int8_ops/cases.txt
(one line per case) and cases.json (per-case details: op options, tensor
shapes and quantization, calibration ranges, edits, litert comparison).  Re-running reproduces the same bytes.

Usage: .venv/bin/python reference/make_int8_op_fixtures.py [--only OP] [--keep]
"""

import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np, S  # noqa: E402

OUT = os.path.join(C.REPO, "tests", "fixtures", "int8_ops")
N_SAMPLES = 3
SEED = 20240611
ACTS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
ACT_CODE = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}

tf = None  # imported in main()
RANGES = []  # calibration ranges of the case being generated (per input)
ACT_OPS = {"SOFTMAX", "LOGISTIC", "TANH", "HARD_SWISH", "LEAKY_RELU", "RELU",
           "RELU6"}


# --------------------------------------------------------------------------
# distributions
# --------------------------------------------------------------------------

def pick_range(rng, style=None):
    """A float calibration range (lo, hi).  The styles make the converter pick
    widely varying scales and zero points, including the extremes."""
    styles = ["sym", "pos", "neg", "asym", "asym", "sym", "tiny", "large",
              "pos", "skew"]
    if style is None:
        style = styles[int(rng.integers(len(styles)))]
    a = float(10 ** rng.uniform(-1.5, 2.0))
    if style == "sym":
        return (-a, a), style
    if style == "pos":            # zero point -128
        return (0.0, a), style
    if style == "neg":            # zero point 127
        return (-a, 0.0), style
    if style == "asym":
        f = float(rng.uniform(0.05, 0.95))
        return (-a * f, a * (1 - f)), style
    if style == "skew":           # zero point near an edge but not on it
        f = float(rng.uniform(0.005, 0.03))
        return ((-a * f, a) if rng.random() < 0.5 else (-a, a * f)), style
    if style == "tiny":           # scale about 1e-4
        a = 255e-4 * float(rng.uniform(0.8, 1.2))
        f = float(rng.uniform(0.2, 0.8))
        return (-a * f, a * (1 - f)), style
    if style == "large":          # scale about 50
        a = 255 * 50.0 * float(rng.uniform(0.8, 1.2))
        f = float(rng.uniform(0.0, 1.0))
        return (-a * f, a * (1 - f)), style
    raise ValueError(style)


def calib(rng, shapes, ranges, n=24):
    """Calibration samples; the first two hit the exact range ends."""
    out = []
    for s in range(n):
        sample = []
        for shp, (lo, hi) in zip(shapes, ranges):
            x = rng.uniform(lo, hi, shp).astype(np.float32)
            if s == 0:
                x.flat[0] = lo
                x.flat[-1] = hi
            sample.append(x)
        out.append(sample)
    return out


def int8_inputs(rng, shape, edges, zp=0):
    n = int(np.prod(shape[1:]))
    if not edges:
        x = rng.integers(-128, 128, (N_SAMPLES, n))
    else:
        pool = np.array([-128, -127, -126, 125, 126, 127,
                         zp - 1, zp, zp + 1], np.int64)
        x = rng.choice(pool, (N_SAMPLES, n))
        mix = rng.random((N_SAMPLES, n)) < 0.25
        x = np.where(mix, rng.integers(-128, 128, (N_SAMPLES, n)), x)
    x = np.clip(x, -128, 127)
    return x.astype(np.int8).reshape((N_SAMPLES,) + tuple(shape[1:]))


def act_fn(name):
    if name == "NONE":
        return lambda y: y
    if name == "RELU":
        return tf.nn.relu
    if name == "RELU6":
        return tf.nn.relu6
    if name == "RELU_N1_TO_1":
        return lambda y: tf.clip_by_value(y, -1.0, 1.0)
    raise ValueError(name)


def wscale(rng, fan_in, in_range, act):
    """Weight std so that the pre-activation std lands in a range that suits
    the fused activation (wide for NONE/RELU, O(1) for RELU6/RELU_N1_TO_1)."""
    lo, hi = in_range
    in_std = max((hi - lo) / np.sqrt(12.0), 1e-12)
    if act == "RELU6":
        target = float(rng.uniform(1.0, 8.0))
    elif act == "RELU_N1_TO_1":
        target = float(rng.uniform(0.3, 1.5))
    else:
        target = float(10 ** rng.uniform(-3.0, 3.0))
    return target / (np.sqrt(max(fan_in, 1)) * in_std)


def out_len(n, k, s, d, pad):
    eff = (k - 1) * d + 1
    if pad == "SAME":
        return (n + s - 1) // s
    return (n + s - eff) // s


# --------------------------------------------------------------------------
# case generators: each returns a dict or None (invalid draw)
#   fn, shapes, ranges, op, opts (expected builtin options subset),
#   mode (converter mode), edit (ModelT -> str description) ...
# --------------------------------------------------------------------------

def g_conv_2d(rng, i):
    H = int(rng.integers(1, 13)); W = int(rng.integers(1, 13))
    if i % 10 == 0:
        H = W = 1
    cin = int(rng.integers(1, 9)); cout = int(rng.integers(1, 9))
    kh = int(rng.choice([1, 2, 3, 5])); kw = kh if rng.random() < 0.7 else int(rng.choice([1, 2, 3]))
    sh = int(rng.integers(1, 4)); sw = sh if rng.random() < 0.7 else int(rng.integers(1, 4))
    dh = dw = 1
    if rng.random() < 0.35:
        dh = int(rng.integers(1, 4)); dw = int(rng.integers(1, 4))
    pad = "SAME" if rng.random() < 0.5 else "VALID"
    if out_len(H, kh, sh, dh, pad) < 1 or out_len(W, kw, sw, dw, pad) < 1:
        pad = "SAME"
    act = ACTS[i % 4]
    ws = wscale(rng, kh * kw * cin, RANGES[0], act)
    w = (rng.standard_normal((kh, kw, cin, cout)) * ws).astype(np.float32)
    b = (rng.standard_normal(cout) * ws * rng.uniform(0, 3)).astype(np.float32)
    use_bias = rng.random() < 0.85
    a = act_fn(act)

    def fn(x):
        y = tf.nn.conv2d(x, w, strides=[1, sh, sw, 1], padding=pad,
                         dilations=[1, dh, dw, 1])
        if use_bias:
            y = y + b
        return a(y)
    return dict(fn=fn, shapes=[[1, H, W, cin]], op="CONV_2D",
                opts=dict(strideH=sh, strideW=sw, dilationHFactor=dh,
                          dilationWFactor=dw, padding=0 if pad == "SAME" else 1,
                          fusedActivationFunction=ACT_CODE[act]))


def g_depthwise_conv_2d(rng, i):
    H = int(rng.integers(1, 13)); W = int(rng.integers(1, 13))
    if i % 10 == 0:
        H = W = 1
    cin = int(rng.integers(1, 9)); dm = 1 + i % 3
    kh = int(rng.choice([1, 2, 3, 5])); kw = kh if rng.random() < 0.7 else int(rng.choice([1, 2, 3]))
    sh = int(rng.integers(1, 4)); sw = sh if rng.random() < 0.7 else int(rng.integers(1, 4))
    dh = dw = 1
    if rng.random() < 0.35:
        dh = int(rng.integers(1, 4)); dw = int(rng.integers(1, 4))
    pad = "SAME" if rng.random() < 0.5 else "VALID"
    if out_len(H, kh, sh, dh, pad) < 1 or out_len(W, kw, sw, dw, pad) < 1:
        pad = "SAME"
    act = ACTS[(i // 3) % 4]
    ws = wscale(rng, kh * kw, RANGES[0], act)
    w = (rng.standard_normal((kh, kw, cin, dm)) * ws).astype(np.float32)
    b = (rng.standard_normal(cin * dm) * ws * rng.uniform(0, 3)).astype(np.float32)
    use_bias = rng.random() < 0.85
    a = act_fn(act)

    def fn(x):
        y = tf.raw_ops.DepthwiseConv2dNative(
            input=x, filter=w, strides=[1, sh, sw, 1], padding=pad,
            dilations=[1, dh, dw, 1])
        if use_bias:
            y = y + b
        return a(y)
    return dict(fn=fn, shapes=[[1, H, W, cin]], op="DEPTHWISE_CONV_2D",
                opts=dict(strideH=sh, strideW=sw, dilationHFactor=dh,
                          dilationWFactor=dw, depthMultiplier=dm,
                          padding=0 if pad == "SAME" else 1,
                          fusedActivationFunction=ACT_CODE[act]))


def g_fully_connected(rng, i):
    kind = ["r2", "r2", "r3keep", "r3flat", "r2"][i % 5]
    D = int(rng.integers(1, 65)); U = int(rng.integers(1, 33))
    if i % 11 == 0:
        D, U = 1, 1
    T = int(rng.integers(1, 6))
    act = ACTS[(i // 5 + i) % 4]
    ws = wscale(rng, D, RANGES[0], act)
    w = (rng.standard_normal((D, U)) * ws).astype(np.float32)
    b = (rng.standard_normal(U) * ws * rng.uniform(0, 3)).astype(np.float32)
    use_bias = rng.random() < 0.8
    per_channel = (i % 9 == 4)
    a = act_fn(act)
    if kind == "r2":
        shape, keep = [1, D], False
    elif kind == "r3keep":
        shape, keep = [1, T, D], True
    else:
        shape, keep = [1, 1, D], False

    def fn(x):
        if kind == "r3flat":
            x = tf.reshape(x, [-1, D])
        y = tf.matmul(x, w)
        if use_bias:
            y = y + b
        return a(y)
    return dict(fn=fn, shapes=[shape], op="FULLY_CONNECTED",
                per_tensor_fc=not per_channel,
                note="per-channel weights" if per_channel else "",
                opts=dict(keepNumDims=keep,
                          fusedActivationFunction=ACT_CODE[act]))


BCAST_PAIRS = [
    ([1, 4, 4, 3], [1, 4, 4, 3]),
    ([1, 4, 4, 3], [1, 1, 1, 3]),
    ([1, 4, 4, 3], [1, 4, 1, 3]),
    ([1, 1, 1, 3], [1, 4, 4, 3]),
    ([1, 2, 5, 1], [1, 2, 1, 6]),
    ([1, 3, 6], [1, 1, 6]),
    ([1, 7], [1, 7]),
    ([1, 7], [1, 1]),
    ([1, 1], [1, 1]),
    ([1, 5, 3, 2], [1, 5, 3, 1]),
    ([1, 2, 3, 4], [1, 1, 3, 1]),
    ([1, 8, 8, 2], [1, 8, 8, 2]),
    ([1, 6, 1, 4], [1, 1, 5, 4]),
    ([1, 3, 4], [1, 3, 4]),
]


def g_binary(opname, tfop):
    def gen(rng, i):
        sa, sb = BCAST_PAIRS[i % len(BCAST_PAIRS)]
        act = ACTS[(i // len(BCAST_PAIRS) + i) % 4]
        a = act_fn(act)
        const = (i % 7 == 6)
        if const:
            c = rng.uniform(*pick_range(rng)[0], sb).astype(np.float32)

            def fn(x):
                return a(tfop(x, c))
            return dict(fn=fn, shapes=[sa], op=opname, note="constant operand",
                        opts=dict(fusedActivationFunction=ACT_CODE[act]))

        def fn(x, y):
            return a(tfop(x, y))
        return dict(fn=fn, shapes=[sa, sb], op=opname,
                    opts=dict(fusedActivationFunction=ACT_CODE[act]))
    return gen


def g_pool(opname):
    def gen(rng, i):
        H = int(rng.integers(1, 13)); W = int(rng.integers(1, 13))
        Cc = int(rng.integers(1, 9))
        kh = int(rng.integers(1, 5)); kw = kh if rng.random() < 0.6 else int(rng.integers(1, 5))
        sh = int(rng.integers(1, 4)); sw = sh if rng.random() < 0.6 else int(rng.integers(1, 4))
        pad = "SAME" if rng.random() < 0.5 else "VALID"
        if out_len(H, kh, sh, 1, pad) < 1 or out_len(W, kw, sw, 1, pad) < 1:
            pad = "SAME"
        act = ACTS[i % 4]
        a = act_fn(act)
        p = tf.nn.max_pool2d if opname == "MAX_POOL_2D" else tf.nn.avg_pool2d

        def fn(x):
            return a(p(x, ksize=[kh, kw], strides=[sh, sw], padding=pad))
        return dict(fn=fn, shapes=[[1, H, W, Cc]], op=opname,
                    opts=dict(filterHeight=kh, filterWidth=kw, strideH=sh,
                              strideW=sw, padding=0 if pad == "SAME" else 1,
                              fusedActivationFunction=ACT_CODE[act]))
    return gen


def rand_shape(rng, i, max_elems=400):
    kind = i % 4
    if kind == 0:
        return [1, int(rng.integers(1, 41))]
    if kind == 1:
        return [1, int(rng.integers(1, 7)), int(rng.integers(1, 9))]
    if kind == 2:
        return [1, int(rng.integers(1, 7)), int(rng.integers(1, 7)), int(rng.integers(1, 9))]
    return [1, 1]


def g_softmax(rng, i):
    shape = rand_shape(rng, i)
    if i % 4 == 3:
        shape = [1, int(rng.integers(1, 4))]
    betas = [1.0, 1.0, 0.5, 2.0, 0.1, 1.7, 0.25, 1.0, 3.0, 0.75]
    beta = betas[i % len(betas)]
    edit = None
    if beta != 1.0:
        def edit(mt, beta=beta):
            op = mt.subgraphs[0].operators[0]
            op.builtinOptions.beta = float(beta)
            return "SoftmaxOptions.beta set to %r (converter folds beta into a MUL)" % beta
    return dict(fn=lambda x: tf.nn.softmax(x), shapes=[shape], op="SOFTMAX",
                edit=edit, opts=dict(beta=float(np.float32(beta))))


def g_unary(opname, f):
    def gen(rng, i):
        return dict(fn=f, shapes=[rand_shape(rng, i)], op=opname, opts={})
    return gen


def g_leaky(rng, i):
    alphas = [0.01, 0.1, 0.2, 0.3, 0.5, 0.9, 0.05, 0.25, 0.7, 0.15]
    al = alphas[i % len(alphas)]
    return dict(fn=lambda x: tf.nn.leaky_relu(x, al), shapes=[rand_shape(rng, i)],
                op="LEAKY_RELU", opts=dict(alpha=float(np.float32(al))))


def g_hard_swish(rng, i):
    def fn(x):
        return x * tf.nn.relu6(x + 3.0) * (1.0 / 6.0)
    return dict(fn=fn, shapes=[rand_shape(rng, i)], op="HARD_SWISH", opts={})


def g_concat(rng, i):
    n = 2 + i % 3
    rank = [4, 4, 3, 2][(i // 3) % 4]
    base = [1] + [int(rng.integers(1, 6)) for _ in range(rank - 1)]
    axis = int(rng.integers(1, rank))
    shapes = []
    for _ in range(n):
        s = list(base)
        s[axis] = int(rng.integers(1, 5))
        shapes.append(s)
    use_neg = rng.random() < 0.25
    ax = axis - rank if use_neg else axis

    def fn(*xs):
        return tf.concat(list(xs), axis=ax)
    return dict(fn=fn, shapes=shapes, op="CONCATENATION",
                opts=dict(fusedActivationFunction=0))


MEAN_CFG = [
    ([1, 4, 4, 3], [1, 2], True), ([1, 4, 4, 3], [1, 2], False),
    ([1, 5, 3, 6], [1, 2], False), ([1, 7, 7, 2], [1, 2], True),
    ([1, 3, 4, 5], [1], True), ([1, 3, 4, 5], [2], False),
    ([1, 3, 4, 5], [3], True), ([1, 3, 4, 5], [3], False),
    ([1, 3, 4, 5], [1, 2, 3], False), ([1, 6, 5], [1], False),
    ([1, 6, 5], [2], True), ([1, 9], [1], True), ([1, 1, 1, 4], [1, 2], False),
    ([1, 2, 8, 3], [-1], False), ([1, 8, 8, 1], [1, 2], True),
    ([1, 5, 5, 4], [2, 1], False),
]


def g_mean(rng, i):
    shape, axes, keep = MEAN_CFG[i % len(MEAN_CFG)]
    if i >= len(MEAN_CFG):
        shape = [1] + [int(rng.integers(1, 7)) for _ in shape[1:]]

    def fn(x):
        return tf.reduce_mean(x, axis=axes, keepdims=keep)
    return dict(fn=fn, shapes=[shape], op="MEAN", opts=dict(keepDims=keep))


def g_pad(rng, i):
    rank = [4, 4, 3, 2][i % 4]
    shape = [1] + [int(rng.integers(1, 6)) for _ in range(rank - 1)]
    pads = [[0, 0]] + [[int(rng.integers(0, 3)), int(rng.integers(0, 3))]
                       for _ in range(rank - 1)]
    if all(p == [0, 0] for p in pads):
        pads[1] = [1, 0]

    def fn(x):
        return tf.pad(x, pads)
    return dict(fn=fn, shapes=[shape], op="PAD", opts={})


def g_reshape(rng, i):
    cfgs = [([1, 2, 3, 4], [1, 24]), ([1, 24], [1, 2, 3, 4]), ([1, 4, 4, 2], [1, 16, 2]),
            ([1, 6, 5], [1, 30]), ([1, 1, 1, 7], [1, 7]), ([1, 3, 8], [1, 4, 6]),
            ([1, 10], [1, 2, 5]), ([1, 2, 2, 2], [1, 8, 1]), ([1, 1], [1, 1, 1, 1]),
            ([1, 3, 3, 4], [1, 9, 4])]
    src, dst = cfgs[i % len(cfgs)]

    def fn(x):
        return tf.reshape(x, dst)
    return dict(fn=fn, shapes=[src], op="RESHAPE", opts={})


def g_squeeze(rng, i):
    cfgs = [([1, 3, 1, 4], [2]), ([1, 1, 1, 5], [1, 2]), ([1, 4, 1], [2]),
            ([1, 1, 6], [1]), ([1, 2, 3, 1], [3]), ([1, 1, 1, 1], [1, 2, 3]),
            ([1, 1, 5, 1], [1, 3]), ([1, 7, 1, 1], [-1])]
    src, dims = cfgs[i % len(cfgs)]

    def fn(x):
        return tf.squeeze(x, dims)

    def edit(mt, dims=dims):
        # The converter always lowers tf.squeeze to RESHAPE; rewrite it as the
        # SQUEEZE builtin (same tensors, squeeze_dims option, no shape input).
        op = mt.subgraphs[0].operators[0]
        C.set_opcode(mt, op, S.BuiltinOperator.SQUEEZE)
        op.inputs = [op.inputs[0]]
        op.builtinOptionsType = S.BuiltinOptions.SqueezeOptions
        so = S.SqueezeOptionsT()
        so.squeezeDims = list(dims)
        op.builtinOptions = so
        C.prune(mt)
        return "RESHAPE rewritten as SQUEEZE(squeeze_dims=%s)" % list(dims)
    return dict(fn=fn, shapes=[src], op="SQUEEZE", pre_op="RESHAPE", edit=edit,
                opts={})


def g_quantize(rng, i):
    shape = rand_shape(rng, i)
    if i % 2 == 0:
        # float -> int8: the input QUANTIZE of a float-input model, isolated
        def edit(mt):
            g = mt.subgraphs[0]
            k = [C.OP_NAMES[C.op_code(mt, o)] for o in g.operators].index("QUANTIZE")
            C.isolate_op(mt, k)
            return "input QUANTIZE of a float-input model isolated (other ops removed)"
        return dict(fn=lambda x: tf.nn.relu(x), shapes=[shape], op="QUANTIZE",
                    mode="int8_fin", edit=edit, pre_op=None, opts={},
                    note="float32 -> int8")
    # int8 -> int8 requantize: isolate the input QUANTIZE and turn its float
    # input into an int8 tensor with other quantization parameters.
    factor = [0.5, 2.0, 1.0, 0.01, 37.0][i // 2 % 5] * float(rng.uniform(0.7, 1.4))
    z_in = int(rng.choice([-128, 127, 0, int(rng.integers(-128, 128))]))

    def edit(mt, factor=factor, z_in=z_in):
        g = mt.subgraphs[0]
        k = [C.OP_NAMES[C.op_code(mt, o)] for o in g.operators].index("QUANTIZE")
        C.isolate_op(mt, k)
        s_in = C.tensor_quant(g.tensors[g.outputs[0]])[0][0] * factor
        t = g.tensors[g.inputs[0]]
        t.type = S.TensorType.INT8
        C.set_quant(t, s_in, z_in)
        return ("input QUANTIZE isolated; its input made int8 with scale %.9g zp %d "
                "(int8->int8 requantize)" % (np.float32(s_in), z_in))
    return dict(fn=lambda x: tf.nn.relu(x), shapes=[shape], op="QUANTIZE",
                mode="int8_fin", edit=edit, pre_op=None, opts={},
                note="int8 -> int8 requantize")


def g_dequantize(rng, i):
    shape = rand_shape(rng, i)

    def edit(mt):
        g = mt.subgraphs[0]
        k = [C.OP_NAMES[C.op_code(mt, o)] for o in g.operators].index("DEQUANTIZE")
        C.isolate_op(mt, k)
        return "output DEQUANTIZE of a float-output model isolated (other ops removed)"
    return dict(fn=lambda x: tf.nn.relu(x), shapes=[shape], op="DEQUANTIZE",
                mode="int8_fout", edit=edit, pre_op=None, opts={},
                note="int8 -> float32")


def build_generators():
    return [
        ("CONV_2D", g_conv_2d, 33),
        ("DEPTHWISE_CONV_2D", g_depthwise_conv_2d, 30),
        ("FULLY_CONNECTED", g_fully_connected, 25),
        ("ADD", g_binary("ADD", tf.add), 16),
        ("SUB", g_binary("SUB", tf.subtract), 16),
        ("MUL", g_binary("MUL", tf.multiply), 16),
        ("AVERAGE_POOL_2D", g_pool("AVERAGE_POOL_2D"), 13),
        ("MAX_POOL_2D", g_pool("MAX_POOL_2D"), 13),
        ("SOFTMAX", g_softmax, 13),
        ("LOGISTIC", g_unary("LOGISTIC", tf.sigmoid), 10),
        ("TANH", g_unary("TANH", tf.tanh), 10),
        ("RELU", g_unary("RELU", tf.nn.relu), 8),
        ("RELU6", g_unary("RELU6", tf.nn.relu6), 8),
        ("LEAKY_RELU", g_leaky, 9),
        ("HARD_SWISH", g_hard_swish, 9),
        ("CONCATENATION", g_concat, 13),
        ("MEAN", g_mean, 16),
        ("PAD", g_pad, 9),
        ("RESHAPE", g_reshape, 7),
        ("SQUEEZE", g_squeeze, 7),
        ("QUANTIZE", g_quantize, 12),
        ("DEQUANTIZE", g_dequantize, 7),
    ]


# --------------------------------------------------------------------------
# pipeline
# --------------------------------------------------------------------------

def check_ops(mt, case):
    names = C.op_list(mt)
    if names != [case["op"]]:
        return "ops %s != [%s]" % (names, case["op"])
    op = mt.subgraphs[0].operators[0]
    o = op.builtinOptions
    for k, v in case["opts"].items():
        got = getattr(o, k, None) if o is not None else None
        if isinstance(v, float):
            if got is None or np.float32(got) != np.float32(v):
                return "option %s=%r, wanted %r" % (k, got, v)
        elif got != v:
            return "option %s=%r, wanted %r" % (k, got, v)
    g = mt.subgraphs[0]
    for ti in list(g.inputs) + list(g.outputs):
        shp = g.tensors[ti].shape
        if shp is None or len(shp) == 0 or int(shp[0]) != 1:
            return "I/O tensor %d has no leading dim 1" % ti
    for ti in C.activation_tensors(mt):
        shp = g.tensors[ti].shape
        if shp is None or len(shp) == 0 or int(shp[0]) != 1:
            return "activation tensor %d has no leading dim 1" % ti
    return None


def options_dict(op):
    o = op.builtinOptions
    if o is None:
        return {}
    d = {}
    for k, v in vars(o).items():
        if v is None:
            continue
        if isinstance(v, (np.ndarray, list)):
            v = [int(x) for x in v]
        elif isinstance(v, (bool, np.bool_)):
            v = bool(v)
        elif isinstance(v, (int, np.integer)):
            v = int(v)
        elif isinstance(v, (float, np.floating)):
            v = float(v)
        d[k] = v
    return d


def tensor_desc(mt, ti):
    t = mt.subgraphs[0].tensors[ti]
    q = C.tensor_quant(t)
    d = dict(index=int(ti), shape=[int(x) for x in t.shape],
             dtype=C.TYPE_NAMES[t.type].lower())
    if q is not None:
        d["scale"] = q[0] if len(q[0]) > 1 else q[0][0]
        d["zero_point"] = q[1] if len(q[1]) > 1 else q[1][0]
    return d


def make_case(op, gen, i, rng):
    ranges, styles = [], []
    for _ in range(4):
        r, st = pick_range(rng)
        if op in ACT_OPS and rng.random() < 0.5:
            a = float(rng.uniform(0.5, 12.0))
            f = float(rng.uniform(0.0, 1.0))
            r, st = (-a * f, a * (1 - f)), "act"
        ranges.append(r)
        styles.append(st)
    RANGES[:] = ranges
    case = gen(rng, i)
    if case is None:
        return None, "invalid draw"
    mode = case.get("mode", "int8")
    shapes = case["shapes"]
    ranges, styles = ranges[:len(shapes)], styles[:len(shapes)]
    data = calib(rng, shapes, ranges)
    try:
        mb = C.convert_concrete(case["fn"], shapes, data, mode=mode,
                                per_tensor_fc=case.get("per_tensor_fc", True))
    except Exception as e:  # noqa: BLE001
        return None, "converter failed: %s" % str(e).splitlines()[0][:200]
    mt = C.load_model_t(mb)
    edited = None
    if case.get("edit") is not None:
        pre = case.get("pre_op", op)
        if pre is not None and C.op_list(mt) != [pre]:
            return None, "pre-edit ops %s" % C.op_list(mt)
        edited = case["edit"](mt)
        mb = C.pack_model(mt)
        mt = C.load_model_t(mb)
    err = check_ops(mt, case)
    if err:
        return None, err
    g = mt.subgraphs[0]
    # inputs
    edges = (i % 3 == 2)
    inputs = []
    for k, ti in enumerate(g.inputs):
        t = g.tensors[ti]
        shp = [int(x) for x in t.shape]
        if t.type == S.TensorType.INT8:
            zp = C.tensor_quant(t)[1][0]
            inputs.append(int8_inputs(rng, shp, edges, zp))
        elif t.type == S.TensorType.FLOAT32:
            lo, hi = ranges[k]
            span = max(hi - lo, 1e-6)
            x = rng.uniform(lo - 0.2 * span, hi + 0.2 * span,
                            [N_SAMPLES] + shp[1:]).astype(np.float32)
            qo = C.tensor_quant(g.tensors[g.operators[0].outputs[0]])
            s = np.float32(qo[0][0])
            # exact half-way points (k + 0.5) * s to exercise rounding
            kk = rng.integers(-100, 100, x.shape).astype(np.float32)
            ties = ((kk + np.float32(0.5)) * s).astype(np.float32)
            x = np.where(rng.random(x.shape) < 0.3, ties, x).astype(np.float32)
            inputs.append(x)
        else:
            return None, "unsupported input type %d" % t.type
    try:
        outs, tens = C.run_tflm(mb, inputs)
    except Exception as e:  # noqa: BLE001
        return None, "TFLM failed: %s" % str(e).splitlines()[0][:200]
    try:
        routs, _ = C.run_litert(mb, inputs, ref=True, want_tensors=False)
        same = all(a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
                   for a, b in zip(outs, routs))
        ndiff = sum(int(np.sum(a != b)) for a, b in zip(outs, routs)
                    if a.shape == b.shape)
        maxdiff = max((int(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
                       if a.size and a.dtype != np.float32 else
                       float(np.max(np.abs(a - b))) if a.size else 0)
                      for a, b in zip(outs, routs))
    except Exception as e:  # noqa: BLE001
        same, ndiff, maxdiff = False, -1, -1
        edited = (edited or "") + " [litert failed: %s]" % str(e)[:100]
    op0 = g.operators[0]
    meta = dict(
        op=op,
        options=options_dict(op0),
        inputs=[tensor_desc(mt, ti) for ti in g.inputs],
        outputs=[tensor_desc(mt, ti) for ti in g.outputs],
        op_inputs=[tensor_desc(mt, ti) if ti >= 0 else None for ti in op0.inputs],
        calibration_ranges=[[float(lo), float(hi)] for lo, hi in ranges],
        calibration_styles=styles,
        converter_mode=mode,
        input_values="edges" if edges else "uniform",
        edited=edited,
        note=case.get("note", ""),
        tflm_vs_litert_ref="same" if same else "differ",
        litert_ref_elements_differing=ndiff,
        litert_ref_max_abs_diff=maxdiff,
    )
    return dict(model=mb, inputs=inputs, outputs=outs, tensors=tens, meta=meta), None


def write_case(case_dir, res):
    if os.path.isdir(case_dir):
        shutil.rmtree(case_dir)
    C.write_bytes(os.path.join(case_dir, "model.tflite"), res["model"])
    for k, x in enumerate(res["inputs"]):
        C.save_npy(os.path.join(case_dir, "input_%d.npy" % k), x)
    for k, y in enumerate(res["outputs"]):
        C.save_npy(os.path.join(case_dir, "output_%d.npy" % k), y)
    for ti, arr in sorted(res["tensors"].items()):
        C.save_npy(os.path.join(case_dir, "tensors", "t%d.npy" % ti), arr)


def main():
    global tf
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", help="generate only this op (debugging; "
                    "does not rewrite cases.txt)")
    args = ap.parse_args()
    tf = C.import_tf()
    gens = build_generators()
    if args.only:
        gens = [g for g in gens if g[0] == args.only]
    else:
        if os.path.isdir(OUT):
            shutil.rmtree(OUT)
    os.makedirs(OUT, exist_ok=True)
    lines = []
    metas = {}
    skipped = []
    for opi, (op, gen, count) in enumerate(gens):
        made = 0
        attempt = 0
        while made < count and attempt < count * 3:
            rng = np.random.default_rng([SEED, opi if not args.only else
                                         [g[0] for g in build_generators()].index(op),
                                         attempt])
            res, err = make_case(op, gen, attempt, rng)
            attempt += 1
            if res is None:
                skipped.append((op, attempt - 1, err))
                C.log("skip %s #%d: %s" % (op, attempt - 1, err))
                continue
            cid = "%s_%03d" % (op.lower(), made)
            write_case(os.path.join(OUT, cid), res)
            m = res["meta"]
            metas[cid] = m
            lines.append("%s %s %d %d %s" % (cid, op, len(m["inputs"]),
                                              len(m["outputs"]),
                                              m["tflm_vs_litert_ref"]))
            made += 1
        C.log("%s: %d cases (%d attempts)" % (op, made, attempt))
    if not args.only:
        hdr = "# case_id op_name n_inputs n_outputs tflm_vs_litert_ref(same|differ)\n"
        C.write_text(os.path.join(OUT, "cases.txt"), hdr + "\n".join(lines) + "\n")
        C.write_text(os.path.join(OUT, "cases.json"),
                     json.dumps(metas, indent=None, sort_keys=True)
                     .replace('}, "', '},\n "') + "\n")
        C.write_text(os.path.join(OUT, "skipped.txt"),
                     "# op attempt reason (draws rejected by the generator; "
                     "not fixtures)\n" +
                     "".join("%s %d %s\n" % s for s in skipped))
    print("%d cases, %d skipped draws" % (len(lines), len(skipped)))


if __name__ == "__main__":
    main()
