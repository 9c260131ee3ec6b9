#!/usr/bin/env python3
"""Single-op float32 fixtures for qvet's float engine (tests/fixtures/float_ops/).

An independent numpy oracle of TFLite's float kernels (computed in float64 and rounded to
float32 once; TFLite's own float32 accumulation differs from it far below the 1e-5 relative /
1e-6 absolute tolerance the tests use). For every op and option combination it writes

    tests/fixtures/float_ops/<case>/model.json   qvet native model (one node)
    tests/fixtures/float_ops/<case>/model.bin    constants, 16-byte aligned, little-endian
    tests/fixtures/float_ops/<case>/input_K.npy  graph input K, N=3 samples stacked on dim 0
    tests/fixtures/float_ops/<case>/expected_0.npy
    tests/fixtures/float_ops/cases.txt           one case name per line

Needs only numpy. Deterministic (fixed seed per case). Run from anywhere:
    .venv/bin/python reference/make_float_fixtures.py
"""

import json
import os
import shutil
import sys
import zlib

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "tests", "fixtures", "float_ops")
N = 3  # samples per input file

ACT_RANGE = {"NONE": (-np.inf, np.inf), "RELU": (0.0, np.inf),
             "RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}


def act(x, a):
    lo, hi = ACT_RANGE[a]
    return np.minimum(np.maximum(x, lo), hi)


# ---------------------------------------------------------------------------------------------
# oracle kernels (NHWC, float64)
# ---------------------------------------------------------------------------------------------

def out_pad(n, k, s, d, padding):
    """TFLite ComputeOutSize / ComputePaddingHeightWidth: (out, pad_before)."""
    eff = (k - 1) * d + 1
    out = (n + s - 1) // s if padding == "SAME" else (n + s - eff) // s
    total = (out - 1) * s + eff - n
    return out, max(total, 0) // 2


def conv2d(x, w, b, a):
    n, h, wd, cin = x.shape
    cout, kh, kw, cin_g = w.shape
    groups = cin // cin_g
    cout_g = cout // groups
    sh, sw, dh, dw = a["stride_h"], a["stride_w"], a["dilation_h"], a["dilation_w"]
    oh, ph = out_pad(h, kh, sh, dh, a["padding"])
    ow, pw = out_pad(wd, kw, sw, dw, a["padding"])
    y = np.zeros((n, oh, ow, cout))
    for oy in range(oh):
        for ox in range(ow):
            for ky in range(kh):
                iy = oy * sh - ph + ky * dh
                if iy < 0 or iy >= h:
                    continue
                for kx in range(kw):
                    ix = ox * sw - pw + kx * dw
                    if ix < 0 or ix >= wd:
                        continue
                    for g in range(groups):
                        px = x[:, iy, ix, g * cin_g:(g + 1) * cin_g]          # [n, cin_g]
                        wk = w[g * cout_g:(g + 1) * cout_g, ky, kx, :]        # [cout_g, cin_g]
                        y[:, oy, ox, g * cout_g:(g + 1) * cout_g] += px @ wk.T
    if b is not None:
        y += b
    return act(y, a["activation"])


def depthwise(x, w, b, a):
    n, h, wd, cin = x.shape
    _, kh, kw, cout = w.shape
    dm = a["depth_multiplier"]
    sh, sw, dh, dw = a["stride_h"], a["stride_w"], a["dilation_h"], a["dilation_w"]
    oh, ph = out_pad(h, kh, sh, dh, a["padding"])
    ow, pw = out_pad(wd, kw, sw, dw, a["padding"])
    xr = np.repeat(x, dm, axis=3)  # channel ic*dm + m reads input channel ic
    y = np.zeros((n, oh, ow, cout))
    for oy in range(oh):
        for ox in range(ow):
            for ky in range(kh):
                iy = oy * sh - ph + ky * dh
                if iy < 0 or iy >= h:
                    continue
                for kx in range(kw):
                    ix = ox * sw - pw + kx * dw
                    if 0 <= ix < wd:
                        y[:, oy, ox, :] += xr[:, iy, ix, :] * w[0, ky, kx, :]
    if b is not None:
        y += b
    return act(y, a["activation"])


def fully_connected(x, w, b, a):
    units, depth = w.shape
    rows = x.reshape(-1, depth) @ w.T
    if b is not None:
        rows += b
    rows = act(rows, a["activation"])
    if a.get("keep_num_dims"):
        return rows.reshape(x.shape[:-1] + (units,))
    return rows.reshape(x.shape[0], -1)


def pool(x, a, kind):
    n, h, wd, c = x.shape
    kh, kw, sh, sw = a["filter_h"], a["filter_w"], a["stride_h"], a["stride_w"]
    oh, ph = out_pad(h, kh, sh, 1, a["padding"])
    ow, pw = out_pad(wd, kw, sw, 1, a["padding"])
    y = np.zeros((n, oh, ow, c))
    for oy in range(oh):
        for ox in range(ow):
            y0, x0 = oy * sh - ph, ox * sw - pw
            win = x[:, max(y0, 0):min(y0 + kh, h), max(x0, 0):min(x0 + kw, wd), :]
            # AVERAGE divides by the in-image cell count; MAX never sees padding.
            y[:, oy, ox, :] = win.mean(axis=(1, 2)) if kind == "avg" else win.max(axis=(1, 2))
    return act(y, a["activation"])


def softmax(x, beta):
    z = (x - x.max(axis=-1, keepdims=True)) * beta
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def logistic(x):
    # reference_ops::Logistic cutoffs
    return np.where(x > 16.619047164916992, 1.0,
                    np.where(x < -9.0, np.exp(x), 1.0 / (1.0 + np.exp(-x))))


def quantize(x32, scale, zp, qmin, qmax):
    v = (x32 / np.float32(scale)).astype(np.float64)        # float32 division, as TFLite
    q = np.sign(v) * np.floor(np.abs(v) + 0.5)              # roundf: ties away from zero
    q = np.clip(q + zp, qmin, qmax)
    return np.float64(np.float32(scale)) * (q - zp)


QRANGE = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767)}


# ---------------------------------------------------------------------------------------------
# model writer
# ---------------------------------------------------------------------------------------------

class Model:
    def __init__(self, name):
        self.name = name
        self.tensors = []
        self.blob = bytearray()
        self.inputs = []
        self.input_data = []

    def _add(self, name, dtype, shape, quant=None):
        t = {"name": name, "dtype": dtype, "shape": [int(d) for d in shape]}
        if quant is not None:
            scale, zp, axis = quant
            t["quant"] = {"scale": [float(s) for s in np.atleast_1d(scale)],
                          "zero_point": [int(z) for z in np.atleast_1d(zp)], "axis": int(axis)}
        self.tensors.append(t)
        return len(self.tensors) - 1

    def input(self, name, sample_shape, data, quant=None, dtype="float32"):
        """A graph input: stored shape [1, ...]; data [N, ...] float32 (real values)."""
        i = self._add(name, dtype, (1,) + tuple(sample_shape), quant)
        self.inputs.append(i)
        self.input_data.append(np.ascontiguousarray(data, dtype=np.float32))
        return i

    def const(self, name, arr, dtype="float32", quant=None):
        raw = np.ascontiguousarray(arr).astype({"float32": "<f4", "int32": "<i4",
                                                "int8": "i1"}[dtype]).tobytes()
        while len(self.blob) % 16:
            self.blob.append(0)
        i = self._add(name, dtype, np.shape(arr), quant)
        self.tensors[i]["data"] = {"offset": len(self.blob), "size": len(raw)}
        self.blob += raw
        return i

    def output(self, name, shape, dtype="float32", quant=None):
        return self._add(name, dtype, shape, quant)

    def write(self, op, inputs, out, attrs, expected):
        d = os.path.join(OUT, self.name)
        os.makedirs(d, exist_ok=True)
        model = {"format": "qvet-model", "version": 1, "name": self.name,
                 "weights": "model.bin", "tensors": self.tensors,
                 "nodes": [{"op": op, "name": self.name, "inputs": inputs, "outputs": [out],
                            "attrs": attrs}],
                 "inputs": self.inputs, "outputs": [out]}
        with open(os.path.join(d, "model.json"), "w") as f:
            f.write(compact_json(model))
        with open(os.path.join(d, "model.bin"), "wb") as f:
            f.write(bytes(self.blob))
        for k, arr in enumerate(self.input_data):
            np.save(os.path.join(d, "input_%d.npy" % k), arr)
        np.save(os.path.join(d, "expected_0.npy"), np.asarray(expected, dtype=np.float32))


def compact_json(model):
    """One line per tensor and node: small files that still diff well."""
    def dump(v):
        return json.dumps(v, separators=(", ", ": "))
    lines = ["{"]
    for k in ("format", "version", "name", "weights"):
        lines.append("  %s: %s," % (dump(k), dump(model[k])))
    for k in ("tensors", "nodes"):
        lines.append("  %s: [" % dump(k))
        lines.append(",\n".join("    " + dump(v) for v in model[k]))
        lines.append("  ],")
    lines.append("  \"inputs\": %s," % dump(model["inputs"]))
    lines.append("  \"outputs\": %s" % dump(model["outputs"]))
    lines.append("}")
    return "\n".join(lines) + "\n"


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def f32(a):
    """Round to float32 and back: the values the C side sees."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def emit(name, op, attrs, build):
    """build(model, rng) -> (inputs, out_shape, expected, out dtype/quant kwargs)."""
    m = Model(name)
    rng = rng_for(name)
    inputs, expected, okw = build(m, rng)
    exp = np.asarray(expected)
    out = m.output("y", (1,) + exp.shape[1:], **okw)
    m.write(op, inputs, out, attrs, exp)
    return name


def conv_attrs(padding, s, d, activation, **kw):
    a = {"padding": padding, "stride_h": s[0], "stride_w": s[1], "dilation_h": d[0],
         "dilation_w": d[1], "activation": activation}
    a.update(kw)
    return a


# ---------------------------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------------------------

def gen_all():
    names = []

    # CONV_2D: padding x stride x dilation x activation x bias, grouped, 1x1, int8 weights.
    conv_specs = []
    for padding in ("SAME", "VALID"):
        for s in ((1, 1), (2, 2), (2, 1)):
            for d in ((1, 1), (2, 2)):
                if s != (1, 1) and d != (1, 1):
                    continue  # TFLite allows it; keep the grid small
                conv_specs.append((padding, s, d))
    acts = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
    for i, (padding, s, d) in enumerate(conv_specs):
        a = acts[i % 4]
        names.append(conv_case("conv_%s_s%d%d_d%d_%s" % (padding.lower(), s[0], s[1], d[0],
                                                         a.lower()),
                               (7, 6, 3), (4, 3, 3, 3), conv_attrs(padding, s, d, a),
                               bias=(i % 3 != 2)))
    for a in acts:
        names.append(conv_case("conv_3x3_same_%s" % a.lower(), (5, 5, 2), (3, 3, 3, 2),
                               conv_attrs("SAME", (1, 1), (1, 1), a), scale=3.0))
    names.append(conv_case("conv_1x1_direct", (4, 5, 6), (7, 1, 1, 6),
                           conv_attrs("SAME", (1, 1), (1, 1), "NONE")))
    names.append(conv_case("conv_1x1_stride2", (5, 5, 4), (3, 1, 1, 4),
                           conv_attrs("VALID", (2, 2), (1, 1), "RELU")))
    names.append(conv_case("conv_5x3_valid", (8, 6, 2), (3, 5, 3, 2),
                           conv_attrs("VALID", (1, 2), (1, 1), "NONE")))
    names.append(conv_case("conv_groups2", (5, 5, 4), (6, 3, 3, 2),
                           conv_attrs("SAME", (1, 1), (1, 1), "NONE")))
    names.append(conv_case("conv_groups4_s2", (6, 6, 8), (8, 3, 3, 2),
                           conv_attrs("SAME", (2, 2), (1, 1), "RELU")))
    names.append(conv_case("conv_int8_weights", (5, 5, 3), (4, 3, 3, 3),
                           conv_attrs("SAME", (1, 1), (1, 1), "NONE"), int8=True))
    names.append(conv_case("conv_no_bias_omitted", (5, 5, 3), (2, 3, 3, 3),
                           conv_attrs("VALID", (1, 1), (1, 1), "NONE"), bias="omitted"))

    # DEPTHWISE_CONV_2D
    i = 0
    for padding in ("SAME", "VALID"):
        for s, d in (((1, 1), (1, 1)), ((2, 2), (1, 1)), ((1, 1), (2, 2))):
            for dm in (1, 2):
                a = acts[i % 4]
                i += 1
                names.append(dw_case("dw_%s_s%d_d%d_m%d_%s" % (padding.lower(), s[0], d[0], dm,
                                                               a.lower()),
                                     (7, 7, 3), 3, dm,
                                     conv_attrs(padding, s, d, a, depth_multiplier=dm),
                                     bias=(i % 2 == 0)))
    names.append(dw_case("dw_5x5_m3", (6, 6, 2), 5, 3,
                         conv_attrs("SAME", (1, 1), (1, 1), "RELU6", depth_multiplier=3)))
    names.append(dw_case("dw_int8_weights", (5, 5, 4), 3, 1,
                         conv_attrs("SAME", (1, 1), (1, 1), "NONE", depth_multiplier=1),
                         int8=True))

    # FULLY_CONNECTED
    for a in acts:
        names.append(fc_case("fc_%s" % a.lower(), (10,), 6, {"activation": a}))
    names.append(fc_case("fc_no_bias", (12,), 5, {"activation": "NONE"}, bias=False))
    names.append(fc_case("fc_keep_num_dims", (4, 6), 3,
                         {"activation": "RELU", "keep_num_dims": True}))
    names.append(fc_case("fc_keep_num_dims_4d", (2, 3, 5), 4,
                         {"activation": "NONE", "keep_num_dims": True}))
    names.append(fc_case("fc_flatten_4d", (3, 3, 2), 5, {"activation": "NONE"}))

    # pools
    for kind, op in (("avg", "AVERAGE_POOL_2D"), ("max", "MAX_POOL_2D")):
        j = 0
        for padding in ("SAME", "VALID"):
            for k, s in ((2, 2), (3, 1), (3, 2)):
                a = acts[j % 4]
                j += 1
                names.append(pool_case("%spool_%s_k%d_s%d_%s" % (kind, padding.lower(), k, s,
                                                                  a.lower()),
                                       op, kind, (7, 6, 3),
                                       {"padding": padding, "stride_h": s, "stride_w": s,
                                        "filter_h": k, "filter_w": k, "activation": a}))
        names.append(pool_case("%spool_3x2_s21" % kind, op, kind, (6, 7, 2),
                               {"padding": "SAME", "stride_h": 2, "stride_w": 1, "filter_h": 3,
                                "filter_w": 2, "activation": "NONE"}))

    # ADD / SUB / MUL broadcasting
    bshapes = [
        ("same", (4, 5), (4, 5), False),
        ("scalar", (4, 5), (), True),
        ("row", (3, 4, 5), (5,), True),
        ("col", (3, 4, 5), (4, 1), True),
        ("both", (4, 1, 3), (1, 5, 1), False),
        ("rank5", (2, 1, 3, 1), (1, 4, 1, 2), False),
        ("rank7", (2, 1, 2, 1, 3, 1), (2, 1, 1, 1, 3, 2), True),
        ("rank8", (2, 1, 3, 1, 1, 2, 1), (1, 4, 1, 1, 3, 1, 1), False),
        ("chan", (4, 4, 3), (1, 1, 3), True),
    ]
    j = 0
    for op in ("ADD", "SUB", "MUL"):
        for tag, sa, sb, const_b in bshapes:
            a = acts[j % 4]
            j += 1
            names.append(binary_case("%s_%s_%s" % (op.lower(), tag, a.lower()), op, sa, sb,
                                     const_b, a))

    # RESHAPE / SQUEEZE
    names.append(simple_case("reshape_new_shape", "RESHAPE", (2, 3, 4),
                             {"new_shape": [1, 6, -1]}, lambda x: x.reshape(x.shape[0], 6, 4)))
    names.append(reshape_input_case())
    names.append(simple_case("squeeze_dims", "SQUEEZE", (1, 3, 1, 4),
                             {"squeeze_dims": [1, -2]}, lambda x: x.reshape(x.shape[0], 3, 4)))
    names.append(simple_case("squeeze_all", "SQUEEZE", (1, 5, 1),
                             {}, lambda x: x.reshape(x.shape[0], 5), all_dims=True))

    # SOFTMAX
    for beta, shape in ((1.0, (10,)), (0.5, (3, 4, 6)), (2.0, (2, 7)), (1.0, (5, 5, 3))):
        names.append(simple_case("softmax_b%s_r%d" % (str(beta).replace(".", "p"),
                                                      len(shape) + 1),
                                 "SOFTMAX", shape, {"beta": beta},
                                 lambda x, b=beta: softmax(x, np.float64(np.float32(b))),
                                 scale=4.0))

    # pointwise activations (wide ranges cross every cutoff)
    names.append(simple_case("logistic", "LOGISTIC", (4, 6), {}, logistic, scale=20.0))
    names.append(simple_case("tanh", "TANH", (4, 6), {}, np.tanh, scale=6.0))
    names.append(simple_case("relu", "RELU", (4, 6), {}, lambda x: np.maximum(x, 0), scale=4.0))
    names.append(simple_case("relu6", "RELU6", (4, 6), {}, lambda x: np.clip(x, 0, 6),
                             scale=10.0))
    for alpha in (0.2, 0.01, -0.5):
        names.append(simple_case("leaky_relu_%s" % str(alpha).replace(".", "p").replace("-",
                                                                                        "m"),
                                 "LEAKY_RELU", (3, 5), {"alpha": alpha},
                                 lambda x, al=alpha: np.where(x > 0, x,
                                                              x * np.float64(np.float32(al))),
                                 scale=4.0))
    names.append(simple_case("hard_swish", "HARD_SWISH", (4, 6), {},
                             lambda x: x * np.clip(x + 3, 0, 6) / 6, scale=6.0))

    # CONCATENATION
    names.append(concat_case("concat_axis_m1", [(2, 3), (2, 1), (2, 4)], -1, "NONE", [False] * 3))
    names.append(concat_case("concat_axis1_relu", [(2, 3), (4, 3)], 1, "RELU", [False, True]))
    names.append(concat_case("concat_axis2_4d_relu6", [(3, 2, 2), (3, 1, 2)], 2, "RELU6",
                             [False, False]))
    names.append(concat_case("concat_axis3_n1to1", [(2, 2, 1), (2, 2, 3)], 3, "RELU_N1_TO_1",
                             [True, False]))
    names.append(concat_case("concat_single", [(3, 2)], -1, "NONE", [False]))

    # MEAN
    for tag, shape, axes, keep in (("hw_keep", (4, 5, 3), [1, 2], True),
                                   ("hw", (4, 5, 3), [1, 2], False),
                                   ("last", (3, 6), [-1], False),
                                   ("last_keep", (3, 6), [-1], True),
                                   ("dup_neg", (2, 3, 4), [2, -1, -3], False),
                                   ("mid", (2, 3, 4), [2], True)):
        names.append(mean_case("mean_" + tag, shape, axes, keep))

    # PAD / PADV2
    names.append(pad_case("pad_4d", "PAD", (3, 4, 2), [[0, 0], [1, 2], [0, 1], [0, 0]], None))
    names.append(pad_case("pad_2d", "PAD", (5,), [[0, 0], [3, 1]], None))
    names.append(pad_case("pad_channels", "PAD", (2, 2, 3), [[0, 0], [0, 0], [0, 0], [1, 2]],
                          None))
    names.append(pad_case("padv2_value", "PADV2", (3, 3, 2), [[0, 0], [1, 1], [2, 0], [0, 0]],
                          -2.5))
    names.append(pad_case("padv2_default", "PADV2", (3, 2), [[0, 0], [1, 1], [0, 2]], "omit"))

    # QUANTIZE / DEQUANTIZE
    for tag, dtype, scale, zp in (("int8", "int8", 0.05, -3), ("int8_coarse", "int8", 0.5, 10),
                                  ("uint8", "uint8", 0.04, 128), ("int16", "int16", 0.001, 0)):
        names.append(quantize_case("quantize_" + tag, dtype, scale, zp))
    names.append(dequantize_case())
    return names


def weights(rng, shape, fan_in):
    return f32(rng.uniform(-1, 1, shape) / np.sqrt(fan_in))


def add_bias(m, rng, n, bias, int8, wscale=None, in_scale=None):
    if bias is True:
        b = f32(rng.uniform(-0.5, 0.5, n))
        return m.const("b", b), b
    if bias == "omitted":
        return -1, None
    return None, None


def conv_case(name, xs, ws, attrs, bias=True, scale=1.0, int8=False):
    def build(m, rng):
        x = f32(rng.uniform(-scale, scale, (N,) + xs))
        xi = m.input("x", xs, x)
        fan = ws[1] * ws[2] * ws[3]
        if int8:
            # per-channel symmetric int8 weights and int32 bias (scale s_in*s_w, s_in = 1/64)
            q = rng.integers(-127, 128, ws).astype(np.int8)
            sw = f32(rng.uniform(0.5, 1.5, ws[0]) / 127 / np.sqrt(fan))
            w = f32(sw.reshape(-1, 1, 1, 1) * q)
            wi = m.const("w", q, "int8", (sw, np.zeros(ws[0], int), 0))
            bs = f32(sw / 64.0)
            bq = rng.integers(-2000, 2000, ws[0]).astype(np.int32)
            b = f32(f32(bs) * bq)
            bi = m.const("b", bq, "int32", (bs, np.zeros(ws[0], int), 0))
        else:
            w = weights(rng, ws, fan)
            wi = m.const("w", w)
            bi, b = add_bias(m, rng, ws[0], bias, False)
        ins = [xi, wi] + ([bi] if bi is not None else [])
        return ins, conv2d(x, w, b, attrs), {}
    return emit(name, "CONV_2D", attrs, build)


def dw_case(name, xs, k, dm, attrs, bias=True, int8=False):
    def build(m, rng):
        x = f32(rng.uniform(-1, 1, (N,) + xs))
        xi = m.input("x", xs, x)
        cout = xs[2] * dm
        ws = (1, k, k, cout)
        if int8:
            q = rng.integers(-127, 128, ws).astype(np.int8)
            sw = f32(rng.uniform(0.5, 1.5, cout) / 127 / k)
            w = f32(sw * q)
            wi = m.const("w", q, "int8", (sw, np.zeros(cout, int), 3))
        else:
            w = weights(rng, ws, k * k)
            wi = m.const("w", w)
        bi, b = add_bias(m, rng, cout, bias, False)
        ins = [xi, wi] + ([bi] if bi is not None else [])
        return ins, depthwise(x, w, b, attrs), {}
    return emit(name, "DEPTHWISE_CONV_2D", attrs, build)


def fc_case(name, xs, units, attrs, bias=True):
    def build(m, rng):
        x = f32(rng.uniform(-1, 1, (N,) + xs))
        xi = m.input("x", xs, x)
        depth = xs[-1] if attrs.get("keep_num_dims") else int(np.prod(xs))
        w = weights(rng, (units, depth), depth)
        wi = m.const("w", w)
        bi, b = add_bias(m, rng, units, bias, False)
        ins = [xi, wi] + ([bi] if bi is not None else [])
        if attrs.get("keep_num_dims"):
            y = act(x @ w.T + (b if b is not None else 0), attrs["activation"])
        else:
            y = act(x.reshape(N, depth) @ w.T + (b if b is not None else 0),
                    attrs["activation"])
        return ins, y, {}
    return emit(name, "FULLY_CONNECTED", attrs, build)


def pool_case(name, op, kind, xs, attrs):
    def build(m, rng):
        x = f32(rng.uniform(-3, 3, (N,) + xs))
        return [m.input("x", xs, x)], pool(x, attrs, kind), {}
    return emit(name, op, attrs, build)


def binary_case(name, op, sa, sb, const_b, activation):
    fn = {"ADD": np.add, "SUB": np.subtract, "MUL": np.multiply}[op]

    def build(m, rng):
        a = f32(rng.uniform(-2, 2, (N,) + sa))
        ai = m.input("a", sa, a)
        if const_b:
            b = f32(rng.uniform(-2, 2, sb))
            bi = m.const("b", b)
        else:
            b = f32(rng.uniform(-2, 2, (N,) + sb))
            # both graph inputs carry the batch on dim 0, so they must have the same rank
            assert len(sa) == len(sb)
            bi = m.input("b", sb, b)
        y = fn(a, b)  # numpy right-aligns a constant b against [N, ...]
        return [ai, bi], act(y, activation), {}
    return emit(name, op, {"activation": activation}, build)


def simple_case(name, op, xs, attrs, fn, scale=1.0, all_dims=False):
    def build(m, rng):
        x = f32(rng.uniform(-scale, scale, (N,) + xs))
        return [m.input("x", xs, x)], fn(x), {}
    if all_dims:
        # SQUEEZE of every size-1 dim also drops the model's batch dim: model [1,5,1] -> [5].
        m = Model(name)
        rng = rng_for(name)
        x = f32(rng.uniform(-scale, scale, (N,) + xs))
        xi = m.input("x", xs, x)
        out = m.output("y", (5,))
        m.write(op, [xi], out, attrs, x.reshape(N, 5))
        return name
    return emit(name, op, attrs, build)


def reshape_input_case():
    def build(m, rng):
        x = f32(rng.uniform(-1, 1, (N, 4, 3)))
        xi = m.input("x", (4, 3), x)
        si = m.const("shape", np.array([1, 2, 6], np.int32), "int32")
        return [xi, si], x.reshape(N, 2, 6), {}
    return emit("reshape_shape_input", "RESHAPE", {}, build)


def concat_case(name, shapes, axis, activation, const):
    def build(m, rng):
        ins, parts = [], []
        for k, (s, c) in enumerate(zip(shapes, const)):
            if c:
                v = f32(rng.uniform(-2, 2, (1,) + s))
                ins.append(m.const("c%d" % k, v))
                parts.append(np.broadcast_to(v, (N,) + s))
            else:
                v = f32(rng.uniform(-2, 2, (N,) + s))
                ins.append(m.input("x%d" % k, s, v))
                parts.append(v)
        return ins, act(np.concatenate(parts, axis=axis), activation), {}
    return emit(name, "CONCATENATION", {"axis": axis, "activation": activation}, build)


def mean_case(name, xs, axes, keep):
    def build(m, rng):
        x = f32(rng.uniform(-2, 2, (N,) + xs))
        xi = m.input("x", xs, x)
        ai = m.const("axes", np.array(axes, np.int32), "int32")
        rank = len(xs) + 1
        ax = tuple(sorted({a % rank for a in axes}))
        return [xi, ai], x.mean(axis=ax, keepdims=keep), {}
    return emit(name, "MEAN", {"keep_dims": keep}, build)


def pad_case(name, op, xs, pads, value):
    def build(m, rng):
        x = f32(rng.uniform(-2, 2, (N,) + xs))
        xi = m.input("x", xs, x)
        pi = m.const("paddings", np.array(pads, np.int32), "int32")
        ins = [xi, pi]
        cv = 0.0
        if value == "omit":
            ins.append(-1)
        elif value is not None:
            cv = float(np.float32(value))
            ins.append(m.const("constant_values", np.array([value], np.float32)))
        return ins, np.pad(x, pads, constant_values=cv), {}
    return emit(name, op, {}, build)


def quantize_case(name, dtype, scale, zp):
    qmin, qmax = QRANGE[dtype]

    def build(m, rng):
        span = (qmax - qmin) * scale
        x = f32(rng.uniform(-0.6 * span, 0.6 * span, (N, 4, 8)) + scale * (zp * 0))
        xi = m.input("x", (4, 8), x)
        y = quantize(np.asarray(x, np.float32), scale, zp, qmin, qmax)
        return [xi], y, {"dtype": dtype, "quant": (np.float32(scale), zp, 0)}
    return emit(name, "QUANTIZE", {}, build)


def dequantize_case():
    def build(m, rng):
        s, z = np.float32(0.1), 5
        q = rng.integers(-128, 128, (N, 2, 5))
        x = f32(np.float64(s) * (q - z))   # the float engine holds int8 inputs as real values
        xi = m.input("x", (2, 5), x, quant=(s, z, 0), dtype="int8")
        return [xi], x, {}
    return emit("dequantize_int8", "DEQUANTIZE", {}, build)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    names = gen_all()
    assert len(names) == len(set(names)), "duplicate case names"
    with open(os.path.join(OUT, "cases.txt"), "w") as f:
        f.write("# single-op float32 fixtures: made by reference/make_float_fixtures.py\n")
        for n in names:
            f.write(n + "\n")
    print("%d cases in %s (numpy %s)" % (len(names), OUT, np.__version__), file=sys.stderr)


if __name__ == "__main__":
    main()
