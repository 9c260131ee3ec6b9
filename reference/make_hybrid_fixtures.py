#!/usr/bin/env python3
"""Hybrid (dynamic-range quantized) fixtures: int8 weights, float32 activations.

Every model is made by the real TFLite converter with Optimize.DEFAULT and no representative
dataset (dynamic-range quantization).  The converter then stores the weights of CONV_2D,
DEPTHWISE_CONV_2D and FULLY_CONNECTED as int8 (per-channel symmetric; FULLY_CONNECTED per-tensor
when per-channel dense quantization is disabled) -- but only weight tensors with at least 1024
elements; smaller ones stay float32, so a "hybrid" model can mix hybrid and float layers.
TFLite runs the int8-weight layers with its hybrid kernels, which quantize the float input on
the fly (see tests/fixtures/MANIFEST.md, "hybrid/").

Per model directory tests/fixtures/hybrid/<name>/:
  model.tflite                        the converter's hybrid model
  input.npy                           float32 [4, ...] (realistic, an outlier spike, all zeros,
                                      uniform)
  expected/ref/output_0.npy,          ai-edge-litert with OpResolverType.BUILTIN_REF (TFLite's
  expected/ref/tensors/t<idx>.npy     reference kernels), every non-constant tensor
  expected/ideal/output_0.npy,        the same graph with the int8 weights dequantized to
  expected/ideal/tensors/t<idx>.npy   float32 (w_q * scale), run with BUILTIN_REF: the ideal
                                      float computation on dequantized weights
plus cases.txt (name, ops, which layers are hybrid, max |ref - ideal| of the output) and
emulation.txt (for every hybrid node: the numpy emulation of the hybrid arithmetic that
reproduces the reference kernel, and its max deviation).  Deterministic.

Usage: .venv/bin/python reference/make_hybrid_fixtures.py
"""

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np, S  # noqa: E402

OUT = os.path.join(C.REPO, "tests", "fixtures", "hybrid")
SEED = 20261129
N = 4                      # samples of the single-op models (2 for the DS-CNN models)
TENSORS_FOR = ("ds_cnn_128",)   # multi-layer models whose every tensor is kept
F32 = np.float32


# --------------------------------------------------------------------------
# models
# --------------------------------------------------------------------------

def ds_cnn(keras, ch):
    """The MLPerf Tiny keyword-spotting DS-CNN (Hello Edge): conv 10x4/2 + 4 x (depthwise 3x3 +
    pointwise 1x1), BatchNorm + ReLU after each, average pool, dense 12, softmax."""
    L = keras.layers
    inp = keras.Input((49, 10, 1), batch_size=1)
    x = L.Conv2D(ch, (10, 4), strides=(2, 2), padding="same", use_bias=True)(inp)
    x = L.BatchNormalization()(x)
    x = L.ReLU()(x)
    for _ in range(4):
        x = L.DepthwiseConv2D(3, padding="same")(x)
        x = L.BatchNormalization()(x)
        x = L.ReLU()(x)
        x = L.Conv2D(ch, 1)(x)
        x = L.BatchNormalization()(x)
        x = L.ReLU()(x)
    x = L.AveragePooling2D(pool_size=(25, 5))(x)
    x = L.Flatten()(x)
    x = L.Dense(12)(x)
    x = L.Softmax()(x)
    return keras.Model(inp, x)


def single(keras, kind, shape, **kw):
    L = keras.layers
    inp = keras.Input(shape[1:], batch_size=1)
    if kind == "conv":
        y = L.Conv2D(**kw)(inp)
    elif kind == "dw":
        y = L.DepthwiseConv2D(**kw)(inp)
    else:
        y = L.Dense(**kw)(inp)
    return keras.Model(inp, y)


def models(keras):
    """(name, keras model, per_tensor_fc, description)"""
    out = [
        ("conv_3x3_relu", single(keras, "conv", [1, 8, 8, 8], filters=32, kernel_size=3,
                                 padding="same", activation="relu"), False,
         "CONV_2D 3x3 SAME, 8->32, ReLU"),
        ("conv_kws_stem", single(keras, "conv", [1, 49, 10, 1], filters=32,
                                 kernel_size=(10, 4), strides=2, padding="same"), False,
         "CONV_2D 10x4 stride 2 SAME, 1->32 (a DS-CNN stem)"),
        ("conv_3x3_s2_relu6", single(keras, "conv", [1, 15, 15, 16], filters=24, kernel_size=3,
                                     strides=2, padding="valid", activation="relu6"), False,
         "CONV_2D 3x3 stride 2 VALID, 16->24, ReLU6"),
        ("conv_1x1", single(keras, "conv", [1, 6, 6, 32], filters=64, kernel_size=1), False,
         "CONV_2D 1x1, 32->64"),
        ("dw_3x3_relu", single(keras, "dw", [1, 6, 6, 128], kernel_size=3, padding="same",
                               activation="relu"), False,
         "DEPTHWISE_CONV_2D 3x3 SAME, 128 channels, ReLU"),
        ("dw_3x3_s2_dm2", single(keras, "dw", [1, 9, 9, 64], kernel_size=3, strides=2,
                                 depth_multiplier=2, padding="valid"), False,
         "DEPTHWISE_CONV_2D 3x3 stride 2 VALID, depth multiplier 2, 64->128"),
        ("dw_3x3_d2_relu6", single(keras, "dw", [1, 9, 5, 144], kernel_size=3,
                                   dilation_rate=2, padding="same", activation="relu6"), False,
         "DEPTHWISE_CONV_2D 3x3 dilation 2 SAME, 144 channels, ReLU6"),
        ("fc_per_channel_relu", single(keras, "fc", [1, 256], units=64, activation="relu"),
         False, "FULLY_CONNECTED 256->64 ReLU, per-channel weights (converter default)"),
        ("fc_per_channel_relu_symmetric", None, False,
         "fc_per_channel_relu with FullyConnectedOptions.asymmetric_quantize_inputs cleared "
         "(edited after conversion): the symmetric input quantization path"),
        ("fc_per_tensor", single(keras, "fc", [1, 640], units=128), True,
         "FULLY_CONNECTED 640->128, per-tensor weights"),
        ("fc_rows_keepdims", single(keras, "fc", [1, 4, 96], units=48), False,
         "FULLY_CONNECTED [1,4,96]->[1,4,48] (4 rows, each quantized on its own)"),
        ("ds_cnn_64", ds_cnn(keras, 64), False,
         "MLPerf Tiny DS-CNN KWS structure, 64 channels: depthwise (576 weights) and the final "
         "dense (768) stay float32 (< 1024 elements), conv stem and pointwise convs hybrid"),
        ("ds_cnn_128", ds_cnn(keras, 128), False,
         "DS-CNN with 128 channels: every CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED hybrid"),
    ]
    return out


def randomize(model, rng):
    """Trained-looking weights: per-channel varying scales, BatchNorm statistics randomized."""
    for layer in model.layers:
        ws = layer.get_weights()
        if not ws:
            continue
        if layer.__class__.__name__ == "BatchNormalization":
            g, b, m, v = ws
            ws = [rng.uniform(0.5, 1.5, g.shape), rng.normal(0, 0.3, b.shape),
                  rng.normal(0, 0.5, m.shape), rng.uniform(0.3, 2.0, v.shape)]
        else:
            new = []
            for w in ws:
                if w.ndim >= 2:
                    ch = w.shape[-1]
                    fan = int(np.prod(w.shape[:-1])) if layer.__class__.__name__ != \
                        "DepthwiseConv2D" else int(np.prod(w.shape[:2]))
                    sig = np.sqrt(2.0 / fan) * np.exp(rng.normal(0, 0.4, ch))
                    new.append(rng.standard_t(6, w.shape) * sig)
                else:
                    new.append(rng.normal(0, 0.2, w.shape))
            ws = new
        layer.set_weights([np.asarray(w, np.float32) for w in ws])


def inputs_for(shape, rng, n):
    """n (2 or 4) float32 samples: realistic, a spike (one element 40x the rest: the
    per-sample input scale follows it), all zeros, uniform [-1, 1]."""
    shp = list(shape[1:])
    x = np.zeros([4] + shp, np.float32)
    x[0] = rng.normal(0, 1.0, shp) * (1 + 0.5 * np.sin(np.arange(int(np.prod(shp)))).reshape(shp))
    x[1] = rng.normal(0, 0.5, shp)
    x[1].flat[int(rng.integers(int(np.prod(shp))))] = 20.0
    x[3] = rng.uniform(-1, 1, shp)
    return x[:n].astype(np.float32)


# --------------------------------------------------------------------------
# dequantized copy: the ideal float computation
# --------------------------------------------------------------------------

def dequantized(mb):
    """The same model with every int8 weight tensor replaced by float32 w_q * scale."""
    mt = C.load_model_t(mb)
    g = mt.subgraphs[0]
    for ti, t in enumerate(g.tensors):
        if t.type != S.TensorType.INT8 or not C.is_const(mt, ti):
            continue
        q = t.quantization
        w = np.frombuffer(bytes(bytearray(mt.buffers[t.buffer].data)), np.int8)
        w = w.reshape([int(s) for s in t.shape]).astype(np.float32)
        sc = np.asarray(q.scale, np.float32)
        if sc.size > 1:
            shp = [1] * w.ndim
            shp[q.quantizedDimension] = sc.size
            sc = sc.reshape(shp)
        wf = (w * sc).astype(np.float32)
        mt.buffers[t.buffer].data = np.frombuffer(wf.tobytes(), np.uint8)
        t.type = S.TensorType.FLOAT32
        t.quantization = None
    return C.pack_model(mt)


# --------------------------------------------------------------------------
# numpy emulation of TFLite's hybrid kernels (to document what the reference kernels do)
# --------------------------------------------------------------------------

def round_away(x):
    x = np.asarray(x, np.float64)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def sym_quant(v):
    """tensor_utils::SymmetricQuantizeFloats: scale = max|v| / 127 (float32), q = round(v *
    (127 / max|v|)) half away from zero, clamped to [-127, 127]; all-zero -> scale 1."""
    v = v.astype(F32)
    r = F32(max(abs(float(v.min())), abs(float(v.max()))))
    if r == 0:
        return np.zeros(v.shape, np.int32), F32(1.0), 0
    sf = F32(r / F32(127.0))
    inv = F32(F32(127.0) / r)
    q = np.clip(round_away((v * inv).astype(F32)), -127, 127).astype(np.int32)
    return q, sf, 0


def asym_quant(v):
    """tensor_utils::AsymmetricQuantizeFloats as observed: range [min(0, min v), max(0, max v)];
    scale = (float)((double)(rmax - rmin) / 255) with rmax - rmin formed in float (a scale from
    a double difference is 1 ulp off on some inputs); zero point from the end with the smaller
    error (double arithmetic), rounded half away from zero; inv = (float)(1 / scale);
    q = round(zp + v * inv) half away from zero, clamped to [-128, 127], where zp + v * inv is
    evaluated without rounding the product to float (a double or a fused multiply-add: rounding
    the product first differs on ~0.1% of the elements of some layers); an all-zero input
    gives q = 0."""
    v = v.astype(F32)
    rmin = F32(min(F32(0), v.min()))
    rmax = F32(max(F32(0), v.max()))
    if rmin == rmax:
        return np.zeros(v.shape, np.int32), F32(1.0), 0
    scale = float(F32(rmax - rmin)) / 255.0
    rmin, rmax = float(rmin), float(rmax)
    zmin, zmax = -128.0 - rmin / scale, 127.0 - rmax / scale
    emin, emax = 128.0 + abs(rmin / scale), 127.0 + abs(rmax / scale)
    zd = zmin if emin < emax else zmax
    zp = -128 if zd <= -128 else 127 if zd >= 127 else int(round_away(zd))
    sf = F32(scale)
    inv = F32(1.0 / float(sf))
    q = np.clip(round_away(zp + v.astype(np.float64) * float(inv)), -128, 127)
    return q.astype(np.int32), sf, zp


def act_clamp(y, act):
    if act == 1:
        return np.maximum(y, F32(0))
    if act == 3:
        return np.clip(y, F32(0), F32(6))
    if act == 2:
        return np.clip(y, F32(-1), F32(1))
    return y


def scale_acc(acc, sf, pcs, order):
    """The int32 accumulator to float with the input scale sf and the channel scales pcs (None:
    per-tensor, already folded into sf), in one of three float32 orders."""
    a = np.asarray(acc).astype(F32)
    if pcs is None:
        return (a * F32(sf)).astype(F32)
    if order == "a*w*s":
        return ((a * pcs).astype(F32) * F32(sf)).astype(F32)
    if order == "a*s*w":
        return ((a * F32(sf)).astype(F32) * pcs).astype(F32)
    return (a * (pcs * F32(sf)).astype(F32)).astype(F32)        # a*(w*s)


def emulate(mt, op, x, variant):
    """One hybrid node on its float input x (batch 1 tensor as stored).  variant: (input
    quantization 'sym'|'asym', scale order, see scale_acc)."""
    g = mt.subgraphs[0]
    name = C.OP_NAMES[C.op_code(mt, op)]
    wt = g.tensors[op.inputs[1]]
    w = np.frombuffer(bytes(bytearray(mt.buffers[wt.buffer].data)), np.int8)
    w = w.reshape([int(s) for s in wt.shape]).astype(np.int64)
    ws = np.asarray(wt.quantization.scale, F32)
    b = None
    if len(op.inputs) > 2 and op.inputs[2] >= 0:
        bt = g.tensors[op.inputs[2]]
        b = np.frombuffer(bytes(bytearray(mt.buffers[bt.buffer].data)), F32)
    opt = op.builtinOptions
    quant = sym_quant if variant[0] == "sym" else asym_quant
    if name == "FULLY_CONNECTED":
        d = w.shape[1]
        rows = x.reshape(-1, d)
        out = []
        for r in rows:
            q, sf, off = quant(r)
            if ws.size == 1:
                sf = F32(sf * ws[0])
                pcs = None
            else:
                pcs = ws
            dot = (w @ q.astype(np.int64)) - (w.sum(1) * off)
            y = scale_acc(dot, sf, pcs, variant[1])
            y = (b + y).astype(F32) if b is not None else y
            out.append(y)
        return act_clamp(np.stack(out).astype(F32), opt.fusedActivationFunction)
    # CONV_2D / DEPTHWISE_CONV_2D: the whole image quantized at once (batch 1)
    import int8_wide as Wd
    q, sf, off = quant(x.reshape(-1))
    q = q.reshape(x.shape).astype(np.int64)
    geom = dict(h=x.shape[1], w=x.shape[2], sh=opt.strideH, sw=opt.strideW,
                dh=opt.dilationHFactor, dw=opt.dilationWFactor,
                same=opt.padding == S.Padding.SAME, kh=w.shape[1], kw=w.shape[2],
                dm=getattr(opt, "depthMultiplier", 1))
    geom["oh"] = Wd.out_size(geom["h"], geom["kh"], geom["sh"], geom["dh"], geom["same"])
    geom["ow"] = Wd.out_size(geom["w"], geom["kw"], geom["sw"], geom["dw"], geom["same"])
    acc = Wd.accumulate(name, geom, q, off, w, None)
    y = scale_acc(acc, sf, ws, variant[1])
    if b is not None:
        y = (y + b).astype(F32)
    return act_clamp(y, opt.fusedActivationFunction)


VARIANTS = [(q, o) for q in ("sym", "asym") for o in ("a*w*s", "a*s*w", "a*(w*s)")]


def analyse(mb, tens):
    """For every hybrid node: which emulation variant reproduces litert BUILTIN_REF, and how
    closely (max |diff| over the samples, bit-exact element share)."""
    mt = C.load_model_t(mb)
    g = mt.subgraphs[0]
    rows = []
    for k, op in enumerate(g.operators):
        name = C.OP_NAMES[C.op_code(mt, op)]
        if len(op.inputs) < 2 or g.tensors[op.inputs[1]].type != S.TensorType.INT8:
            continue
        xin = tens[op.inputs[0]]
        yref = tens[op.outputs[0]]
        res = []
        for v in VARIANTS:
            errs, exact, tot = 0.0, 0, 0
            for s in range(xin.shape[0]):
                y = emulate(mt, op, xin[s:s + 1], v).reshape(yref[s].shape)
                d = np.abs(y.astype(np.float64) - yref[s].astype(np.float64))
                errs = max(errs, float(d.max()))
                exact += int(np.sum(y == yref[s]))
                tot += y.size
            res.append((exact / tot, -errs, v))
        best = max(res, key=lambda t: (t[0], t[1]))
        exact_variants = [r[2] for r in res if r[0] == 1.0]
        opt = op.builtinOptions
        rows.append(dict(node=k, op=name, weights=len(g.tensors[op.inputs[1]].quantization.scale),
                         asym_flag=getattr(opt, "asymmetricQuantizeInputs", None),
                         variants=exact_variants or [best[2]], exact=best[0],
                         max_abs=-best[1]))
    return rows


def main():
    tf = C.import_tf()
    import keras
    keras.utils.set_random_seed(SEED)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    cases = ["# name | ops | hybrid nodes (weight scales) | max |ref - ideal| of output 0 | "
             "description"]
    emul = ["# name node op weight_scales asymmetric_quantize_inputs_option "
            "bit_exact_emulations(input quantization,scale order|...) "
            "bit_exact_share_of_best max_abs_diff_of_best"]
    for i, (name, model, per_tensor_fc, desc) in enumerate(models(keras)):
        rng = np.random.default_rng([SEED, i])
        if name.endswith("_symmetric"):
            # the converter always sets asymmetric_quantize_inputs on hybrid FULLY_CONNECTED;
            # this copy of the previous model has it cleared (symmetric per-row quantization)
            mt = C.load_model_t(mb)
            mt.subgraphs[0].operators[0].builtinOptions.asymmetricQuantizeInputs = False
            mb = C.pack_model(mt)
        else:
            randomize(model, rng)
            mb = C.convert_keras(model, None, mode="dynamic", per_tensor_fc=per_tensor_fc)
        mt = C.load_model_t(mb)
        g = mt.subgraphs[0]
        shape = [int(s) for s in g.tensors[g.inputs[0]].shape]
        multi = len(g.operators) > 1
        x = inputs_for(shape, rng, 2 if multi else N)
        d = os.path.join(OUT, name)
        C.write_bytes(os.path.join(d, "model.tflite"), mb)
        C.save_npy(os.path.join(d, "input.npy"), x)
        outs, tens = C.run_litert(mb, [x], ref=True)
        if name in TENSORS_FOR:
            for ti, arr in sorted(tens.items()):
                if ti not in g.inputs:
                    C.save_npy(os.path.join(d, "expected", "ref", "tensors", "t%d.npy" % ti), arr)
        C.save_npy(os.path.join(d, "expected", "ref", "output_0.npy"), outs[0])
        ideal = dequantized(mb)
        iouts, _ = C.run_litert(ideal, [x], ref=True, want_tensors=False)
        C.save_npy(os.path.join(d, "expected", "ideal", "output_0.npy"), iouts[0])
        hyb = []
        for k, op in enumerate(g.operators):
            if len(op.inputs) > 1 and op.inputs[1] >= 0 and \
                    g.tensors[op.inputs[1]].type == S.TensorType.INT8:
                hyb.append("%d:%s(%d)" % (k, C.OP_NAMES[C.op_code(mt, op)],
                                          len(g.tensors[op.inputs[1]].quantization.scale)))
        diff = float(np.max(np.abs(outs[0].astype(np.float64) - iouts[0])))
        cases.append("%s | %s | %s | %.3g | %s" % (name, " ".join(C.op_list(mt)), " ".join(hyb),
                                                   diff, desc))
        for r in analyse(mb, tens):
            emul.append("%s %d %s %d %s %s %.4f %.3g" % (
                name, r["node"], r["op"], r["weights"], r["asym_flag"],
                "|".join("%s,%s" % v for v in r["variants"]), r["exact"], r["max_abs"]))
        C.log("%s: %s; max |ref - ideal| %.3g" % (name, " ".join(hyb), diff))
    C.write_text(os.path.join(OUT, "cases.txt"), "\n".join(cases) + "\n")
    C.write_text(os.path.join(OUT, "emulation.txt"), "\n".join(emul) + "\n")
    print("\n".join(emul))
    return 0


if __name__ == "__main__":
    sys.exit(main())
