#!/usr/bin/env python3
"""Hostile quantization parameters for every int8 op qvet runs (issue 8, item 5).

Each file is a valid single-op int8 fixture of tests/fixtures/int8_ops/ (one with a single graph
input, so `qvet eval FILE INPUT` runs it) with one quantization parameter replaced:
  zero points 100000, -2^31, 2^31-1, 128, -129, 2^40 (beyond int32: the schema stores int64);
  scales 3e38, 0, -0.5, NaN, +Inf, -Inf, 1.4e-45 and 1e-39 (denormals);
on the op's int8 input or output (alternating from op to op, so every value is on an input for
some ops and on an output for the others); for CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED
also on the weights (zero point 100000 on a per-channel filter, scale NaN / 0 / -0.5 / Inf /
denormal in one channel) and the bias (scale NaN, 3e38); and, for every op whose kernel
rescales with a multiplier (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, SUB, MUL, MEAN,
RELU, LEAKY_RELU, HARD_SWISH, QUANTIZE int8->int8), an output scale 2^40 times smaller than the
input (times filter) scale: a multiplier of ~2^40 that no 31-bit fixed-point multiplier with a
shift of at most 31 can represent.  The tflite-micro interpreter's Prepare does not refuse all of
these; qvet must (exit 2 naming the file, the tensor and the value), or be stricter.  Not
included (valid in TFLM): multipliers below 2^-31, which TFLM flushes to zero.

Output (deleted and rewritten): tests/fixtures/hostile/quant/<op>__<tensor>_<field>_<value>.tflite,
<op>_input.npy (the base fixture's input) and cases.txt:
  exit | file | tensor index 'name' (role) | field | bad value | qvet arguments
The base models are checked first (qvet eval exits 0 on each when QVET is given).

Usage: .venv/bin/python reference/make_hostile_quant_fixtures.py [QVET]
"""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np, S  # noqa: E402

SRC = os.path.join(C.REPO, "tests", "fixtures", "int8_ops")
OUT = os.path.join(C.REPO, "tests", "fixtures", "hostile", "quant")

ZPS = [("zp_100000", 100000), ("zp_int32_min", -2**31), ("zp_int32_max", 2**31 - 1),
       ("zp_128", 128), ("zp_-129", -129), ("zp_2^40", 2**40)]
SCALES = [("scale_3e38", 3e38), ("scale_0", 0.0), ("scale_-0.5", -0.5),
          ("scale_nan", float("nan")), ("scale_inf", float("inf")),
          ("scale_-inf", float("-inf")), ("scale_denormal_min", 1.4e-45),
          ("scale_denormal", 1e-39)]
WEIGHTED = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")
RESCALING = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD", "SUB", "MUL", "MEAN",
             "RELU", "LEAKY_RELU", "HARD_SWISH", "QUANTIZE")
# every int8 op of include/qvet/op_list.h
OPS = ["ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEQUANTIZE",
       "FULLY_CONNECTED", "LOGISTIC", "MAX_POOL_2D", "MUL", "RELU", "RELU6", "RESHAPE",
       "SOFTMAX", "TANH", "PAD", "MEAN", "SUB", "SQUEEZE", "PADV2", "LEAKY_RELU", "QUANTIZE",
       "HARD_SWISH"]


def cases():
    rows = []
    for line in open(os.path.join(SRC, "cases.txt")):
        if line.startswith("#"):
            continue
        cid, op, n_in = line.split()[:3]
        rows.append((cid, op, int(n_in)))
    return rows


def base_for(op, rows):
    """(model bytes, inputs, note) of a one-input int8_ops case for op (edited for
    CONCATENATION, PADV2 and int8->int8 QUANTIZE)."""
    want = {"PADV2": "PAD", "CONCATENATION": "CONCATENATION"}.get(op, op)
    for cid, o, n_in in rows:
        if o != want:
            continue
        d = os.path.join(SRC, cid)
        mb = open(os.path.join(d, "model.tflite"), "rb").read()
        mt = C.load_model_t(mb)
        g = mt.subgraphs[0]
        if op == "QUANTIZE":
            # the int8 -> int8 requantize (its multiplier can be made unrepresentable)
            if g.tensors[g.inputs[0]].type != S.TensorType.INT8:
                continue
        if op == "CONCATENATION":
            # second input made a constant so that one graph input remains
            x1 = np.load(os.path.join(d, "input_1.npy"))[0:1]
            t = g.tensors[g.inputs[1]]
            mt.buffers.append(S.BufferT())
            mt.buffers[-1].data = np.frombuffer(x1.astype(np.int8).tobytes(), np.uint8)
            t.buffer = len(mt.buffers) - 1
            g.inputs = [g.inputs[0]]
            mb = C.pack_model(mt)
            return mb, [np.load(os.path.join(d, "input_0.npy"))], \
                "%s with input 1 made a constant" % cid
        if n_in != 1:
            continue
        note = cid
        if op == "PADV2":
            C.set_opcode(mt, g.operators[0], S.BuiltinOperator.PADV2)
            g.operators[0].builtinOptionsType = S.BuiltinOptions.PadV2Options
            g.operators[0].builtinOptions = S.PadV2OptionsT()
            mb = C.pack_model(C.prune(mt))
            note = "%s rewritten as PADV2 (no constant_values input)" % cid
        return mb, [np.load(os.path.join(d, "input_0.npy"))], note
    raise RuntimeError("no base case for %s" % op)


def roles(mt):
    """{role: tensor index} for the single operator: in, out, w, b (when int8/int32 const)."""
    g = mt.subgraphs[0]
    op = g.operators[0]
    r = {}
    x = g.tensors[op.inputs[0]]
    if x.type == S.TensorType.INT8:
        r["in"] = int(op.inputs[0])
    y = g.tensors[op.outputs[0]]
    if y.type == S.TensorType.INT8:
        r["out"] = int(op.outputs[0])
    name = C.OP_NAMES[C.op_code(mt, op)]
    if name in WEIGHTED:
        r["w"] = int(op.inputs[1])
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            r["b"] = int(op.inputs[2])
    return r


def edited(mb, ti, field, value, channel=None):
    mt = C.load_model_t(mb)
    t = mt.subgraphs[0].tensors[ti]
    q = t.quantization
    if field == "zero_point":
        zp = [int(z) for z in q.zeroPoint]
        zp[channel or 0] = int(value)
        q.zeroPoint = zp
    else:
        sc = [float(s) for s in q.scale]
        sc[channel or 0] = float(np.float32(value))
        q.scale = sc
    return C.pack_model(mt), t.name.decode()


def scale_of(mt, ti):
    return float(C.tensor_quant(mt.subgraphs[0].tensors[ti])[0][0])


def main():
    qvet = sys.argv[1] if len(sys.argv) > 1 else None
    rows = cases()
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    lines = ["# Hostile quantization parameters (reference/make_hostile_quant_fixtures.py). One "
             "case a line:",
             "#   exit | file | tensor index 'name' (role) | field | bad value | qvet arguments",
             "# Every case must exit 2 with a message naming the file, the tensor and the value "
             "(no crash, no",
             "# sanitizer report). Bases: see the end of this file."]
    bases = []
    for k, op in enumerate(OPS):
        mb, xs, note = base_for(op, rows)
        low = op.lower()
        inp = "%s_input.npy" % low
        C.save_npy(os.path.join(OUT, inp), xs[0])
        if qvet:
            C.write_bytes(os.path.join(OUT, "base.tflite"), mb)
            r = subprocess.run([qvet, "eval", "--engine", "int8", "-o",
                                os.path.join(OUT, "p.csv"), os.path.join(OUT, "base.tflite"),
                                os.path.join(OUT, inp)], capture_output=True, text=True)
            for f in ("base.tflite", "p.csv"):
                if os.path.exists(os.path.join(OUT, f)):
                    os.remove(os.path.join(OUT, f))
            if r.returncode != 0:
                C.log("%s: qvet refuses the valid base: %s" % (op, r.stderr.strip()))
                return 1
        mt = C.load_model_t(mb)
        rl = roles(mt)
        bases.append("# base %s: %s" % (op, note))
        variants = []
        io_roles = [x for x in ("in", "out") if x in rl]
        for j, (label, v) in enumerate(ZPS + SCALES):
            role = io_roles[(j + k) % len(io_roles)]
            field = "zero_point" if label.startswith("zp") else "scale"
            variants.append((role, field, v, label, None))
        if op in WEIGHTED:
            pc = len(C.tensor_quant(mt.subgraphs[0].tensors[rl["w"]])[0]) > 1
            ch = 1 if pc else 0
            variants.append(("w", "zero_point", 100000, "zp_100000", 0))
            for label, v in [("scale_nan", float("nan")), ("scale_0", 0.0),
                             ("scale_-0.5", -0.5), ("scale_inf", float("inf")),
                             ("scale_denormal", 1e-39)]:
                variants.append(("w", "scale", v, label, ch))
            if "b" in rl:
                variants.append(("b", "scale", float("nan"), "scale_nan", 0))
                variants.append(("b", "scale", 3e38, "scale_3e38", 0))
        if op in RESCALING:
            s = scale_of(mt, rl["in"])
            if op in WEIGHTED:
                s *= max(C.tensor_quant(mt.subgraphs[0].tensors[rl["w"]])[0])
            variants.append(("out", "scale", s * 2.0 ** -40, "multiplier_2^40", None))
        for role, field, v, label, ch in variants:
            ti = rl[role]
            emb, tname = edited(mb, ti, field, v, ch)
            chs = "" if ch is None else "%d" % ch
            fname = "%s__%s%s_%s.tflite" % (low, role, chs, label)
            C.write_bytes(os.path.join(OUT, fname), emb)
            shown = ("%d" % v) if field == "zero_point" else ("%.9g" % np.float32(v))
            fld = field if ch is None else "%s[%d]" % (field, ch)
            lines.append("2 | %s | tensor %d '%s' (%s) | %s | %s | eval %s %s" % (
                fname, ti, tname, {"in": "input", "out": "output", "w": "weights",
                                   "b": "bias"}[role], fld, shown, fname, inp))
    C.write_text(os.path.join(OUT, "cases.txt"), "\n".join(lines + bases) + "\n")
    print("%d hostile files for %d ops" % (len(lines) - 4, len(OPS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
