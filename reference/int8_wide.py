"""Single-op int8 models that look like trained layers, and an exact numpy oracle for them.

Used by make_int8_wide_fixtures.py (freezes a few hundred cases as fixtures) and
check_int8_wide.py (generates thousands, runs the tflite-micro interpreter and qvet).

Why the 300 converter-made cases of make_int8_op_fixtures.py never showed the per-tensor
FULLY_CONNECTED multiplier bug (float product s_in*s_w instead of TFLM's double product): the two
31-bit multipliers differ by about 2^-24 relative, so an output differs only when the exact
rescaled accumulator y = acc*M (in output LSBs, before the zero point) lies within about
|y| * 4e-8 of a rounding boundary.  That is ~1e-6 per element for |y| ~ 50; those 22 per-tensor
cases had about 2,000 output elements in all.  What finds it: many elements (wide layers, several
rows and samples), |y| large (outputs spread over the whole int8 range, zero points at an edge),
and some cases whose output scale is nudged (by < 0.05%) so that outputs sit within 2e-6 LSB of
a rounding boundary ("tie-hunted" cases), which makes any multiplier-precision difference show.

A case is drawn deterministically from (op, index): numpy Generator seeded [SEED, op, index].
Everything about it (geometry, weights, scales, inputs) follows from that seed.

Model construction: the TFLite schema object API (schema_py_generated from the tflite_micro
package), packed with common.pack_model; one operator, tensors named x, w, b, y.  Every ~25th
case is instead made by the real TFLite converter from the same float layer (realism check).
"""

import math
import os
import sys

from common import np, S
import common as C

SEED = 20261128
OPS = ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D")
N_SAMPLES = 4
CONVERTER_EVERY = 25       # case index % 25 == 12 -> converter-made
TIE_WINDOW = 2e-6          # LSB distance to a rounding boundary counted as "near a tie"
ACT = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}
ACT_NAME = {v: k for k, v in ACT.items()}
INT32_MAX = 2**31 - 1


# --------------------------------------------------------------------------
# TFLM arithmetic (exact, vectorized): QuantizeMultiplier, MultiplyByQuantizedMultiplier
# --------------------------------------------------------------------------

def quantize_multiplier(real):
    """TFLM QuantizeMultiplier: (q31, shift) with real ~= q31 * 2^(shift - 31)."""
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = int(math.floor(q * (1 << 31) + 0.5))   # TfLiteRound, q > 0
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift, q_fixed = 0, 0
    return q_fixed, shift


def _trunc_div(a, d):
    """C++ integer division (toward zero) of int64 array a by positive d."""
    q = np.abs(a) // d
    return np.where(a < 0, -q, q)


def mbqm_double(acc, mult, shift):
    """MultiplyByQuantizedMultiplier, double rounding (TFLM's default).  acc int64 [..., C],
    mult/shift int64 [C] (broadcast).  acc * 2^left must fit int32 (checked by the caller)."""
    acc = np.asarray(acc, np.int64)
    mult = np.asarray(mult, np.int64)
    shift = np.asarray(shift, np.int64)
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    a = acc * (np.int64(1) << left)
    ab = a * mult
    nudge = np.where(ab >= 0, np.int64(1 << 30), np.int64(1 - (1 << 30)))
    hi = _trunc_div(ab + nudge, np.int64(1 << 31))
    mask = (np.int64(1) << right) - 1
    rem = hi & mask
    thr = (mask >> 1) + (hi < 0)
    return (hi >> right) + (rem > thr)


def mbqm_single(acc, mult, shift):
    """MultiplyByQuantizedMultiplier with TFLITE_SINGLE_ROUNDING (for the litert analysis)."""
    acc = np.asarray(acc, np.int64)
    mult = np.asarray(mult, np.int64)
    total = 31 - np.asarray(shift, np.int64)
    # python ints: acc * mult can exceed int64 when acc ~ 2^31 and mult ~ 2^31 (2^62 fits).
    rnd = np.int64(1) << (total - 1)
    return (acc * mult + rnd) >> total


def tflite_round_f32(x):
    """TfLiteRound of a float32 value (half away from zero), as Python int."""
    x = float(np.float32(x))
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def act_range(act, s_out, z_out):
    """CalculateActivationRangeQuantized for int8 (f / scale in float32, TfLiteRound)."""
    def q(f):
        return z_out + tflite_round_f32(np.float32(f) / np.float32(s_out))
    lo, hi = -128, 127
    if act == ACT["RELU"]:
        lo = max(lo, q(0.0))
    elif act == ACT["RELU6"]:
        lo, hi = max(lo, q(0.0)), min(hi, q(6.0))
    elif act == ACT["RELU_N1_TO_1"]:
        lo, hi = max(lo, q(-1.0)), min(hi, q(1.0))
    return lo, hi


def multipliers(s_in, s_w, s_out, product="double"):
    """Per-channel (q31, shift) arrays.  product: 'double' (double)s_in*(double)s_w/s_out, as
    TFLM; 'float' (double)(float)(s_in*s_w)/s_out, the product qvet used before the fix."""
    s_in, s_out = np.float32(s_in), np.float32(s_out)
    ms, ss = [], []
    for sw in np.asarray(s_w, np.float32).ravel():
        if product == "double":
            real = float(s_in) * float(sw) / float(s_out)
        else:
            real = float(np.float32(s_in * sw)) / float(s_out)
        m, s = quantize_multiplier(real)
        ms.append(m)
        ss.append(s)
    return np.array(ms, np.int64), np.array(ss, np.int64)


# --------------------------------------------------------------------------
# accumulators (int64, exact): sum((x - z_in) * w) + bias, per output element
# --------------------------------------------------------------------------

def out_size(n, k, s, d, same):
    eff = (k - 1) * d + 1
    return (n + s - 1) // s if same else (n + s - eff) // s


def pad_before(n, k, s, d, same):
    """TFLM ComputePaddingHeightWidth: the smaller half goes before."""
    eff = (k - 1) * d + 1
    o = out_size(n, k, s, d, same)
    total = max(0, (o - 1) * s + eff - n)
    return total // 2


def _taps(xs, g, ky, kx, oh, ow):
    """Input rows of tap (ky, kx) for every output pixel: xs is zero-padded [N, Hp, Wp, C]."""
    y0 = ky * g["dh"]
    x0 = kx * g["dw"]
    return xs[:, y0:y0 + (oh - 1) * g["sh"] + 1:g["sh"], x0:x0 + (ow - 1) * g["sw"] + 1:g["sw"], :]


def _padded(x, z_in, g):
    """(x - z_in) as float64 (exact) with zero padding: TFLM skips out-of-image taps."""
    n, h, w, c = x.shape
    oh, ow = g["oh"], g["ow"]
    pt = pad_before(h, g["kh"], g["sh"], g["dh"], g["same"])
    pl = pad_before(w, g["kw"], g["sw"], g["dw"], g["same"])
    hp = max(h + pt, (oh - 1) * g["sh"] + (g["kh"] - 1) * g["dh"] + 1)
    wp = max(w + pl, (ow - 1) * g["sw"] + (g["kw"] - 1) * g["dw"] + 1)
    xs = np.zeros((n, hp, wp, c), np.float64)
    xs[:, pt:pt + h, pl:pl + w, :] = x.astype(np.float64) - z_in
    return xs


def accumulate(op, g, x, z_in, w, bias):
    """Exact accumulators (int64) of op on int8 input x ([N, ...]) with int8 weights w."""
    if op == "FULLY_CONNECTED":
        xs = x.astype(np.float64).reshape(x.shape[0], -1, w.shape[1]) - z_in
        acc = xs @ w.astype(np.float64).T                      # [N, T, U]
        acc = acc.reshape(x.shape[:-1] + (w.shape[0],))
    elif op == "CONV_2D":
        xs = _padded(x, z_in, g)
        cout, kh, kw, fcin = w.shape
        groups = x.shape[3] // fcin
        cpg = cout // groups
        acc = np.zeros((x.shape[0], g["oh"], g["ow"], cout), np.float64)
        wf = w.astype(np.float64)
        for ky in range(kh):
            for kx in range(kw):
                t = _taps(xs, g, ky, kx, g["oh"], g["ow"])
                for gi in range(groups):
                    acc[..., gi * cpg:(gi + 1) * cpg] += \
                        t[..., gi * fcin:(gi + 1) * fcin] @ wf[gi * cpg:(gi + 1) * cpg, ky, kx, :].T
    else:  # DEPTHWISE_CONV_2D
        xs = _padded(x, z_in, g)
        dm = g["dm"]
        _, kh, kw, cout = w.shape
        acc = np.zeros((x.shape[0], g["oh"], g["ow"], cout), np.float64)
        wf = w.astype(np.float64)
        for ky in range(kh):
            for kx in range(kw):
                t = _taps(xs, g, ky, kx, g["oh"], g["ow"])
                acc += np.repeat(t, dm, axis=3) * wf[0, ky, kx, :]
    acc = np.rint(acc).astype(np.int64)
    if bias is not None:
        acc = acc + bias.astype(np.int64)
    return acc


def oracle(case, x, product="double", rounding="double"):
    """int8 output of the case's layer on x, as TFLM computes it (product/rounding variants for
    the analysis of other implementations)."""
    acc = accumulate(case["op"], case["geom"], x, case["z_in"], case["w"], case["b"])
    m, s = multipliers(case["s_in"], case["s_w"], case["s_out"], product)
    f = mbqm_double if rounding == "double" else mbqm_single
    y = f(acc, m, s) + case["z_out"]
    lo, hi = act_range(case["act"], case["s_out"], case["z_out"])
    return np.clip(y, lo, hi).astype(np.int8)


# --------------------------------------------------------------------------
# drawing a trained-looking layer
# --------------------------------------------------------------------------

def _loguniform_int(rng, lo, hi):
    return int(round(math.exp(rng.uniform(math.log(lo), math.log(hi)))))


def _choice(rng, items, p=None):
    return items[int(rng.choice(len(items), p=p))]


def draw_geometry(op, rng):
    if op == "FULLY_CONNECTED":
        while True:
            d = _loguniform_int(rng, 16, 4096)
            u = _loguniform_int(rng, 1, 1024)
            if d * u <= (1 << 20):
                break
        t = 1 if rng.random() < 0.6 else int(rng.integers(2, 9))
        return dict(depth=d, units=u, rows=t, keep=t > 1,
                    per_channel=bool(rng.random() < 0.4))
    sizes = [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32]
    chans = [1, 3, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]
    for _ in range(1000):
        h = _choice(rng, sizes)
        w = h if rng.random() < 0.75 else _choice(rng, sizes)
        if op == "CONV_2D":
            k = _choice(rng, [(1, 1), (3, 3), (5, 5), (7, 7), (1, 3), (3, 1), (1, 5), (5, 1),
                              (1, 7), (7, 1), (2, 2), (4, 4)],
                        p=[.35, .38, .08, .05, .02, .02, .015, .015, .01, .01, .025, .025])
            cin = _choice(rng, chans)
            cout = _choice(rng, chans[1:])
            dm = 1
        else:
            k = _choice(rng, [(3, 3), (5, 5), (7, 7), (1, 1), (2, 2), (4, 4), (3, 5), (5, 3),
                              (9, 9)],
                        p=[.62, .18, .06, .03, .02, .02, .03, .02, .02])
            cin = _choice(rng, [1, 3, 8, 16, 24, 32, 64, 96, 128, 144, 192, 256, 384, 512, 576,
                                960])
            dm = _choice(rng, [1, 2, 3, 4], p=[.85, .08, .04, .03]) if cin <= 64 else 1
            cout = cin * dm
        sh = _choice(rng, [1, 2, 3], p=[.7, .27, .03])
        sw = sh if rng.random() < 0.92 else _choice(rng, [1, 2])
        dh = dw = 1
        if sh == 1 and sw == 1 and rng.random() < 0.15:
            dh = _choice(rng, [2, 3, 4], p=[.7, .2, .1])
            dw = dh if rng.random() < 0.8 else _choice(rng, [1, 2])
        same = bool(rng.random() < 0.65)
        groups = 1
        if op == "CONV_2D" and cin >= 8 and rng.random() < 0.05:
            groups = _choice(rng, [g for g in (2, 4, 8) if cin % g == 0 and cout % g == 0] or [1])
        # first layers: few channels, bigger images
        if op == "CONV_2D" and rng.random() < 0.08:
            cin = _choice(rng, [1, 3])
            h = _choice(rng, [28, 32, 40, 49])
            w = _choice(rng, [10, 28, 32, 40])
            groups = 1
        oh = out_size(h, k[0], sh, dh, same)
        ow = out_size(w, k[1], sw, dw, same)
        if oh < 1 or ow < 1:
            continue
        fan = k[0] * k[1] * (cin // groups if op == "CONV_2D" else 1)
        macs = oh * ow * cout * fan
        weights = cout * fan
        if macs > 3_000_000 or weights > 400_000:
            continue
        return dict(h=h, w=w, cin=cin, cout=cout, kh=k[0], kw=k[1], sh=sh, sw=sw, dh=dh, dw=dw,
                    same=same, dm=dm, groups=groups, oh=oh, ow=ow,
                    per_channel=bool(op == "DEPTHWISE_CONV_2D" or rng.random() < 0.93))
    raise RuntimeError("no geometry")


def input_quant(rng):
    """A realistic activation range -> (s_in, z_in, sampler(shape) of real values)."""
    style = _choice(rng, ["relu", "relu", "relu6", "sym", "asym", "neg", "tanh", "skew"])
    a = float(10 ** rng.uniform(-2, 1.5))
    if style == "relu":
        lo, hi = 0.0, a
    elif style == "relu6":
        lo, hi = 0.0, 6.0
    elif style == "sym":
        lo, hi = -a, a
    elif style == "asym":
        f = float(rng.uniform(0.1, 0.9))
        lo, hi = -a * f, a * (1 - f)
    elif style == "neg":
        lo, hi = -a, 0.0
    elif style == "tanh":
        lo, hi = -1.0, 1.0
    else:
        f = float(rng.uniform(0.01, 0.08))
        lo, hi = (-a * f, a) if rng.random() < 0.5 else (-a, a * f)
    s = np.float32((hi - lo) / 255.0)
    z = int(np.clip(tflite_round_f32(np.float32(-128.0) - np.float32(lo) / s), -128, 127))

    def sample(shape, r):
        if style in ("relu", "relu6"):
            v = r.standard_normal(shape) * hi * 0.35 + hi * float(r.uniform(-0.2, 0.2))
            v = np.maximum(v, 0.0)
        elif style == "tanh":
            v = np.tanh(r.standard_normal(shape) * 1.2)
        else:
            mid, half = (lo + hi) / 2, (hi - lo) / 2
            v = mid + r.standard_normal(shape) * half * 0.4
        return np.clip(v, lo, hi)
    return s, z, style, sample


def draw_weights(op, g, rng):
    """Float weights like a trained layer, and their int8 quantization.
    Returns (w_float, w_q int8, s_w float32 array [C] or [1])."""
    if op == "FULLY_CONNECTED":
        shape, axis, fan = (g["units"], g["depth"]), 0, g["depth"]
    elif op == "CONV_2D":
        fcin = g["cin"] // g["groups"]
        shape, axis, fan = (g["cout"], g["kh"], g["kw"], fcin), 0, g["kh"] * g["kw"] * fcin
    else:
        shape, axis, fan = (1, g["kh"], g["kw"], g["cout"]), 3, g["kh"] * g["kw"]
    nch = shape[axis]
    df = _choice(rng, [3.0, 5.0, 10.0, np.inf])
    base = math.sqrt(2.0 / fan) * float(rng.uniform(0.3, 2.0))
    spread = float(rng.uniform(0.2, 1.0))
    sig = base * np.exp(rng.standard_normal(nch) * spread)
    dead = rng.random(nch) < float(rng.choice([0.0, 0.02, 0.05]))
    sig = np.where(dead, sig * 10 ** rng.uniform(-5, -2, nch), sig)
    z = rng.standard_t(df, shape) if np.isfinite(df) else rng.standard_normal(shape)
    bshape = [1] * len(shape)
    bshape[axis] = nch
    wf = (z * sig.reshape(bshape)).astype(np.float32)
    if g["per_channel"]:
        red = tuple(i for i in range(len(shape)) if i != axis)
        mx = np.max(np.abs(wf), axis=red)
        s_w = (np.maximum(mx, 1e-30) / np.float32(127.0)).astype(np.float32)
        wq = np.clip(np.rint(wf / s_w.reshape(bshape)), -127, 127).astype(np.int8)
    else:
        s_w = np.array([np.max(np.abs(wf)) / np.float32(127.0)], np.float32)
        wq = np.clip(np.rint(wf / s_w[0]), -127, 127).astype(np.int8)
    return wf, wq, s_w


def widen_scales(op, wf, wq, s_w, s_in, breal, chans):
    """Per-channel weight scales of `chans` raised so that |bias| / (s_in * s_w) <= 2^30, the
    weights of those channels requantized (the TFLite quantizer's bias-overflow adjustment)."""
    axis = 3 if op == "DEPTHWISE_CONV_2D" else 0
    s_w = s_w.copy()
    wq = wq.copy()
    for c in np.nonzero(chans)[0]:
        need = np.float32(abs(breal[c]) / (float(s_in) * float(1 << 30)) * 1.01)
        s_w[c] = max(s_w[c], need)
        sl = [slice(None)] * wf.ndim
        sl[axis] = c
        wq[tuple(sl)] = np.clip(np.rint(wf[tuple(sl)] / s_w[c]), -127, 127).astype(np.int8)
    s_b = (np.float32(s_in) * s_w).astype(np.float32)
    return s_w, wq, s_b


def _act_draw(op, rng):
    p = {"FULLY_CONNECTED": [.45, .40, .10, .05], "CONV_2D": [.30, .45, .20, .05],
         "DEPTHWISE_CONV_2D": [.25, .30, .40, .05]}[op]
    return _choice(rng, ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"], p=p)


def input_shape(op, g):
    if op == "FULLY_CONNECTED":
        return [1, g["rows"], g["depth"]] if g["keep"] else [1, g["depth"]]
    return [1, g["h"], g["w"], g["cin"]]


def output_shape(op, g):
    if op == "FULLY_CONNECTED":
        return [1, g["rows"], g["units"]] if g["keep"] else [1, g["units"]]
    return [1, g["oh"], g["ow"], g["cout"]]


def test_inputs(op, g, s_in, z_in, sample, wq, rng):
    """N_SAMPLES int8 inputs: realistic, edge values, extreme/aligned, uniform."""
    shp = input_shape(op, g)[1:]
    xs = []
    real = sample([1] + shp, rng)
    xs.append(C.quantize_np(real, s_in, z_in)[0])
    pool = np.array([-128, -127, -126, 125, 126, 127, z_in - 1, z_in, z_in + 1], np.int64)
    e = rng.choice(pool, shp)
    e = np.where(rng.random(shp) < 0.25, rng.integers(-128, 128, shp), e)
    xs.append(np.clip(e, -128, 127).astype(np.int8))
    if op == "FULLY_CONNECTED":
        u = int(rng.integers(wq.shape[0]))
        al = np.where(wq[u] > 0, 127, -128)
        if rng.random() < 0.5:
            al = -1 - al
        xs.append(np.broadcast_to(al, shp).astype(np.int8))
    else:
        xs.append(np.where(rng.random(shp) < 0.5, -128, 127).astype(np.int8))
    xs.append(rng.integers(-128, 128, shp).astype(np.int8))
    return np.stack(xs)


def draw_case(op, index):
    """The case (op, index): a dict with everything needed to build, run and check it."""
    rng = np.random.default_rng([SEED, OPS.index(op), index])
    g = draw_geometry(op, rng)
    s_in, z_in, in_style, sample = input_quant(rng)
    wf, wq, s_w = draw_weights(op, g, rng)
    act = ACT[_act_draw(op, rng)]
    nch = wq.shape[0] if op != "DEPTHWISE_CONV_2D" else wq.shape[3]
    s_b = (np.float32(s_in) * np.broadcast_to(s_w, (nch,))).astype(np.float32)  # as converted
    # calibration: realistic inputs -> real accumulators without bias
    calib = np.stack([C.quantize_np(sample([1] + input_shape(op, g)[1:], rng), s_in, z_in)[0]
                      for _ in range(6)])
    case = dict(op=op, index=index, geom=g, s_in=float(s_in), z_in=z_in, w=wq, b=None,
                s_w=s_w, act=act, s_out=1.0, z_out=0)
    acc0 = accumulate(op, g, calib, z_in, wq, None).astype(np.float64)
    real0 = acc0 * s_b.astype(np.float64)
    flat = real0.reshape(-1, nch)
    sd = float(np.std(flat)) + 1e-30
    has_bias = rng.random() < 0.92
    if has_bias:
        bmean = sd * float(rng.uniform(-1.2, 1.2))
        breal = bmean + rng.standard_normal(nch) * sd * float(rng.uniform(0.0, 1.5))
        bq = np.rint(breal / s_b.astype(np.float64))
        fan = int(np.prod(wq.shape)) // nch
        bound = INT32_MAX - fan * 255 * 127
        big = np.abs(bq) > (1 << 30)
        if np.any(big) and g["per_channel"]:
            # near-dead channels: the converter widens the weight scale until the bias fits
            s_w, wq, s_b = widen_scales(op, wf, wq, s_w, s_in, breal, big)
            case.update(w=wq, s_w=s_w)
            acc0 = accumulate(op, g, calib, z_in, wq, None).astype(np.float64)
            bq = np.rint(breal / s_b.astype(np.float64))
        bq = np.clip(bq, -(1 << 30), 1 << 30)
        case["b"] = np.clip(bq, -bound, bound).astype(np.int32)
    real = (acc0 + (case["b"].astype(np.float64) if has_bias else 0)) * s_b.astype(np.float64)
    if has_bias and rng.random() < 0.05:
        # a few channels with biases up to the int32 limit (TFLM's sum cannot overflow):
        # they saturate; kept out of the output range like outliers a calibration clips
        k = rng.choice(nch, min(nch, 3), replace=False)
        bq = case["b"].astype(np.float64)
        bq[k] = rng.choice([-1, 1], len(k)) * rng.uniform(0.5, 1.0, len(k)) * bound
        case["b"] = np.clip(np.rint(bq), -bound, bound).astype(np.int32)
    # output quantization from the calibration outputs (as the converter derives it)
    lo, hi = float(np.min(real)), float(np.max(real))
    if act in (ACT["RELU"], ACT["RELU6"]):
        lo = 0.0
        hi = max(hi, 1e-6)
        if act == ACT["RELU6"]:
            hi = min(hi, 6.0) if hi > 0.05 else 6.0
    elif act == ACT["RELU_N1_TO_1"]:
        lo, hi = -1.0, 1.0
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    r = rng.random()
    f = 1.0 if r < 0.6 else float(rng.uniform(0.5, 0.95)) if r < 0.85 else float(rng.uniform(1.2, 4.0))
    span = max((hi - lo) * f, 1e-9)
    if act == ACT["RELU6"] or act == ACT["RELU_N1_TO_1"]:
        span = hi - lo
    s_out = np.float32(span / 255.0)
    frac = -lo / (hi - lo) if hi > lo else 0.5
    z_out = int(np.clip(tflite_round_f32(np.float32(-128.0 + 255.0 * frac)), -128, 127))
    case.update(s_out=float(s_out), z_out=z_out)
    case["x"] = test_inputs(op, g, s_in, z_in, sample, wq, rng)
    case["tie_hunted"] = bool(rng.random() < 0.35)
    if case["tie_hunted"]:
        case["s_out"] = float(hunt_ties(case))
    # TFLM computes acc * 2^left in int32: keep cases where that is defined
    if left_shift_overflows(case, case["x"]):
        _, sh = multipliers(case["s_in"], case["s_w"], case["s_out"])
        case["s_out"] = float(np.float32(case["s_out"] * 2.0 ** (int(np.max(sh)) + 1)))
    case.update(in_style=in_style, wf=wf, converter=(index % CONVERTER_EVERY == 12))
    return case


def left_shift_overflows(case, x):
    """True when TFLM's MultiplyByQuantizedMultiplier would overflow int32 computing
    acc * 2^shift (multiplier >= 1) on inputs x: undefined behaviour, not a test case."""
    _, sh = multipliers(case["s_in"], case["s_w"], case["s_out"])
    if np.max(sh) <= 0:
        return False
    acc = accumulate(case["op"], case["geom"], x, case["z_in"], case["w"], case["b"])
    return bool(np.any(np.abs(acc) * (np.int64(1) << np.maximum(sh, 0)) > INT32_MAX))


def hunt_ties(case):
    """An output scale within +-4000 float32 ulps of case['s_out'] that puts the most output
    elements (of the test inputs) within TIE_WINDOW LSB of a rounding boundary of TFLM's
    requantization.  With double rounding the boundary is not at k + 0.5: the high multiply
    rounds acc*M/2^31 to an integer u (1/2^r of an LSB, r the right shift), then u is rounded
    by 2^r half away from zero, so the result flips where |u| crosses (k + 0.5)*2^r - 0.5, i.e.
    |y| = k + 0.5 - 2^-(r+1) LSB (k + 0.5 when r = 0)."""
    acc = accumulate(case["op"], case["geom"], case["x"], case["z_in"], case["w"], case["b"])
    nch = acc.shape[-1]
    s_w = np.broadcast_to(np.asarray(case["s_w"], np.float32), (nch,))
    s_prod = float(np.float32(case["s_in"])) * s_w.astype(np.float64)
    s0 = np.float32(case["s_out"])
    _, shift = multipliers(case["s_in"], s_w, s0)
    r = np.broadcast_to(np.maximum(-shift, 0), acc.shape).reshape(-1)
    yv = (acc.astype(np.float64) * s_prod).reshape(-1)            # y * s_out (real value)
    keep = np.abs(yv) > 0
    yv, r = np.abs(yv[keep]), r[keep]
    if yv.size > 20000:
        step = yv.size // 20000 + 1
        yv, r = yv[::step], r[::step]
    bits = np.arange(-4000, 4001, dtype=np.int64) + np.int64(np.float32(s0).view(np.int32))
    cand = bits.astype(np.int32).view(np.float32).astype(np.float64)   # increasing
    y0 = yv / float(s0)
    ok = (y0 > 0.5) & (y0 < 300)
    yv, y0, r = yv[ok], y0[ok], r[ok]
    if yv.size == 0:
        return s0
    off = np.where(r > 0, 0.5 - np.ldexp(1.0, -(r + 1).astype(np.int32)), 0.5)
    counts = np.zeros(cand.size, np.int64)
    base = np.floor(y0)
    for dt in (-1.0, 0.0, 1.0):
        t = base + dt + off                   # critical |y| values near y0
        good = t > TIE_WINDOW
        lo_s = yv[good] / (t[good] + TIE_WINDOW)
        hi_s = yv[good] / (t[good] - TIE_WINDOW)
        i0 = np.searchsorted(cand, lo_s, side="left")
        i1 = np.searchsorted(cand, hi_s, side="right")
        for a, b in zip(i0[i1 > i0], i1[i1 > i0]):
            counts[a:b] += 1
    best = int(np.argmax(counts))
    if counts[best] == 0:
        return s0
    return np.float32(cand[best])


# --------------------------------------------------------------------------
# building the .tflite
# --------------------------------------------------------------------------

def _tensor(name, shape, ttype, buffer, scale=None, zp=None, qdim=0):
    t = S.TensorT()
    t.name = name
    t.shape = np.array(shape, np.int32)
    t.type = ttype
    t.buffer = buffer
    if scale is not None:
        q = S.QuantizationParametersT()
        q.scale = [float(np.float32(s)) for s in np.atleast_1d(scale)]
        q.zeroPoint = [int(z) for z in np.atleast_1d(zp)]
        q.quantizedDimension = qdim
        t.quantization = q
    return t


def _buffer(arr=None):
    b = S.BufferT()
    if arr is not None:
        b.data = np.frombuffer(np.ascontiguousarray(arr).tobytes(), np.uint8)
    return b


def build_model(case):
    op, g = case["op"], case["geom"]
    m = S.ModelT()
    m.version = 3
    m.description = "qvet int8_wide %s %d" % (op, case["index"])
    oc = S.OperatorCodeT()
    code = getattr(S.BuiltinOperator, op)
    oc.builtinCode = code
    oc.deprecatedBuiltinCode = min(code, 127)
    oc.version = {"FULLY_CONNECTED": 5 if g.get("keep") else 4}.get(op, 3)
    m.operatorCodes = [oc]
    nch = len(np.atleast_1d(case["s_w"]))
    cout = case["w"].shape[3] if op == "DEPTHWISE_CONV_2D" else case["w"].shape[0]
    s_w = np.asarray(case["s_w"], np.float32)
    tensors = [
        _tensor("x", input_shape(op, g), S.TensorType.INT8, 0, case["s_in"], case["z_in"]),
        _tensor("w", case["w"].shape, S.TensorType.INT8, 1, s_w, np.zeros(nch, np.int64),
                qdim=3 if op == "DEPTHWISE_CONV_2D" else 0),
    ]
    buffers = [_buffer(), _buffer(case["w"])]
    inputs = [0, 1]
    if case["b"] is not None:
        s_b = (np.float32(case["s_in"]) * np.broadcast_to(s_w, (cout,))).astype(np.float32)
        if nch == 1:
            s_b = s_b[:1]
        tensors.append(_tensor("b", [cout], S.TensorType.INT32, 2, s_b,
                               np.zeros(len(s_b), np.int64)))
        buffers.append(_buffer(case["b"].astype("<i4")))
        inputs.append(2)
    elif op == "FULLY_CONNECTED":
        inputs.append(-1)
    tensors.append(_tensor("y", output_shape(op, g), S.TensorType.INT8, 0, case["s_out"],
                           case["z_out"]))
    sg = S.SubGraphT()
    sg.name = "main"
    sg.tensors = tensors
    sg.inputs = [0]
    sg.outputs = [len(tensors) - 1]
    o = S.OperatorT()
    o.opcodeIndex = 0
    o.inputs = inputs
    o.outputs = [len(tensors) - 1]
    if op == "FULLY_CONNECTED":
        opt = S.FullyConnectedOptionsT()
        opt.fusedActivationFunction = case["act"]
        opt.keepNumDims = bool(g["keep"])
        o.builtinOptionsType = S.BuiltinOptions.FullyConnectedOptions
    else:
        opt = S.Conv2DOptionsT() if op == "CONV_2D" else S.DepthwiseConv2DOptionsT()
        opt.padding = S.Padding.SAME if g["same"] else S.Padding.VALID
        opt.strideH, opt.strideW = g["sh"], g["sw"]
        opt.dilationHFactor, opt.dilationWFactor = g["dh"], g["dw"]
        opt.fusedActivationFunction = case["act"]
        if op == "DEPTHWISE_CONV_2D":
            opt.depthMultiplier = g["dm"]
            o.builtinOptionsType = S.BuiltinOptions.DepthwiseConv2DOptions
        else:
            o.builtinOptionsType = S.BuiltinOptions.Conv2DOptions
    o.builtinOptions = opt
    sg.operators = [o]
    m.subgraphs = [sg]
    m.buffers = buffers
    return C.pack_model(m)


# --------------------------------------------------------------------------
# converter-made variant of a case
# --------------------------------------------------------------------------

class quiet_stderr:
    """Silences file descriptor 2 (the converter's C++ logging) inside a with block."""

    def __enter__(self):
        sys.stderr.flush()
        self.saved = os.dup(2)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)

    def __exit__(self, *exc):
        os.dup2(self.saved, 2)
        os.close(self.saved)
        return False


def convert_case(case, tf):
    """Replace the case's model by one the TFLite converter makes from the float layer
    (same float weights; calibration from the case's input distribution).  Returns
    (model bytes, reason) with bytes None when the converter's graph is not the one op."""
    op, g = case["op"], case["geom"]
    rng = np.random.default_rng([SEED, OPS.index(op), case["index"], 1])
    _, _, _, sample = input_quant(np.random.default_rng([SEED, OPS.index(op), case["index"]]))
    wf = case["wf"]
    act = ACT_NAME[case["act"]]
    nch = wf.shape[3] if op == "DEPTHWISE_CONV_2D" else wf.shape[0]
    bf = None
    if case["b"] is not None:
        s_b = np.float32(case["s_in"]) * np.broadcast_to(np.asarray(case["s_w"], np.float32),
                                                         (nch,))
        bf = (case["b"].astype(np.float64) * s_b).astype(np.float32)
    if op == "CONV_2D" and (g["groups"] != 1 or (g["dh"] > 1 and (g["sh"] > 1 or g["sw"] > 1))):
        return None, "grouped or strided dilated conv: no converter variant"

    def a_fn(y):
        if act == "RELU":
            return tf.nn.relu(y)
        if act == "RELU6":
            return tf.nn.relu6(y)
        if act == "RELU_N1_TO_1":
            return tf.clip_by_value(y, -1.0, 1.0)
        return y

    pad = "SAME" if g.get("same") else "VALID"
    if op == "FULLY_CONNECTED":
        wt = wf.T.copy()

        def fn(x):
            y = tf.matmul(x, wt)
            return a_fn(y + bf if bf is not None else y)
    elif op == "CONV_2D":
        wt = np.transpose(wf, (1, 2, 3, 0)).copy()

        def fn(x):
            y = tf.nn.conv2d(x, wt, strides=[1, g["sh"], g["sw"], 1], padding=pad,
                             dilations=[1, g["dh"], g["dw"], 1])
            return a_fn(y + bf if bf is not None else y)
    else:
        wt = wf.reshape(g["kh"], g["kw"], g["cin"], g["dm"])

        def fn(x):
            y = tf.raw_ops.DepthwiseConv2dNative(
                input=x, filter=wt, strides=[1, g["sh"], g["sw"], 1], padding=pad,
                dilations=[1, g["dh"], g["dw"], 1])
            return a_fn(y + bf if bf is not None else y)
    shp = input_shape(op, g)
    calib = [[sample(shp, rng).astype(np.float32)] for _ in range(16)]
    try:
        with quiet_stderr():
            mb = C.convert_concrete(fn, [shp], calib, mode="int8",
                                    per_tensor_fc=not g.get("per_channel", True))
    except Exception as e:  # noqa: BLE001
        return None, "converter failed: %s" % str(e).splitlines()[0][:120]
    mt = C.load_model_t(mb)
    if C.op_list(mt) != [op]:
        return None, "converter made %s" % C.op_list(mt)
    sg = mt.subgraphs[0]
    for ti in list(sg.inputs) + list(sg.outputs):
        if int(sg.tensors[ti].shape[0]) != 1:
            return None, "leading dim not 1"
    return mb, None


def model_params(mb):
    """(op, s_in, z_in, s_w array, s_out, z_out, w int8, b int32|None, act, geom-like dict) read
    back from a one-op model, so the oracle can run on converter-made models too."""
    mt = C.load_model_t(mb)
    sg = mt.subgraphs[0]
    o = sg.operators[0]
    op = C.OP_NAMES[C.op_code(mt, o)]

    def q(ti):
        return C.tensor_quant(sg.tensors[ti])

    def data(ti):
        t = sg.tensors[ti]
        raw = bytes(bytearray(mt.buffers[t.buffer].data))
        return np.frombuffer(raw, C.NP_DTYPES[t.type]).reshape([int(s) for s in t.shape])
    x, w = sg.tensors[o.inputs[0]], sg.tensors[o.inputs[1]]
    y = sg.tensors[o.outputs[0]]
    b = data(o.inputs[2]) if len(o.inputs) > 2 and o.inputs[2] >= 0 else None
    opt = o.builtinOptions
    xs, ys = [int(s) for s in x.shape], [int(s) for s in y.shape]
    ws = [int(s) for s in w.shape]
    if op == "FULLY_CONNECTED":
        geom = dict(depth=ws[1], units=ws[0], rows=int(np.prod(xs[:-1])), keep=bool(opt.keepNumDims),
                    per_channel=len(q(o.inputs[1])[0]) > 1)
    else:
        same = opt.padding == S.Padding.SAME
        geom = dict(h=xs[1], w=xs[2], cin=xs[3], cout=ys[3], kh=ws[1], kw=ws[2], sh=opt.strideH,
                    sw=opt.strideW, dh=opt.dilationHFactor, dw=opt.dilationWFactor, same=same,
                    dm=getattr(opt, "depthMultiplier", 1), oh=ys[1], ow=ys[2],
                    groups=xs[3] // ws[3] if op == "CONV_2D" else 1,
                    per_channel=len(q(o.inputs[1])[0]) > 1)
    return dict(op=op, geom=geom, s_in=q(o.inputs[0])[0][0], z_in=q(o.inputs[0])[1][0],
                s_w=np.array(q(o.inputs[1])[0], np.float32), w=data(o.inputs[1]), b=b,
                s_out=q(o.outputs[0])[0][0], z_out=q(o.outputs[0])[1][0],
                act=opt.fusedActivationFunction)


def make(op, index, tf=None):
    """Final form of case (op, index): dict with model bytes, int8 inputs [N, ...] and the
    parameters read back from the model (so converter-made cases use their own).  tf: the
    tensorflow module, needed for converter-made cases (without it they are built directly)."""
    case = draw_case(op, index)
    mb, note = None, ""
    if case["converter"] and tf is not None:
        mb, why = convert_case(case, tf)
        note = "converter" if mb is not None else "direct (%s)" % why
    if mb is None:
        mb = build_model(case)
        note = note or "direct"
    p = model_params(mb)
    if note == "converter":
        # test inputs for the converter's own input quantization
        rng = np.random.default_rng([SEED, OPS.index(op), index, 2])
        _, _, _, sample = input_quant(np.random.default_rng([SEED, OPS.index(op), index]))
        x = test_inputs(op, p["geom"], p["s_in"], p["z_in"], sample, p["w"], rng)
        if left_shift_overflows(p, x):
            # e.g. a fused RELU6 whose calibration outputs were all <= 0: output scale ~1e-8,
            # multiplier ~1e4, and TFLM's int32 acc * 2^shift overflows (undefined)
            mb = build_model(case)
            note = "direct (the converter's model overflows TFLM's int32 left shift)"
            p = model_params(mb)
        else:
            case["x"] = x
    p.update(index=index, model=mb, x=case["x"], source=note, tie_hunted=case["tie_hunted"],
             in_style=case["in_style"])
    return p


def describe(p):
    g = p["geom"]
    if p["op"] == "FULLY_CONNECTED":
        geo = "D%d U%d T%d %s" % (g["depth"], g["units"], g["rows"],
                                  "per-channel" if g["per_channel"] else "per-tensor")
    else:
        geo = "%dx%dx%d->%d k%dx%d s%d,%d d%d,%d %s%s%s" % (
            g["h"], g["w"], g["cin"], g["cout"], g["kh"], g["kw"], g["sh"], g["sw"], g["dh"],
            g["dw"], "SAME" if g["same"] else "VALID",
            " dm%d" % g["dm"] if p["op"] == "DEPTHWISE_CONV_2D" else "",
            " groups%d" % g["groups"] if g.get("groups", 1) > 1 else "")
    return "%s zin %d zout %d act %s%s" % (geo, p["z_in"], p["z_out"], ACT_NAME[p["act"]],
                                           " tie-hunted" if p["tie_hunted"] else "")
