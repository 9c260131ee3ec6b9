#!/usr/bin/env python3
"""Converter parity of `qvet quantize` (issue 9).

For every float model (tests/fixtures/tflite/*/model_f32.tflite, tests/fixtures/quant/*/model_f32.tflite,
datasets/*/model.tflite, bench/mlperf_tiny/*_f32.tflite, bench/peers/*_f32.tflite) and one
calibration set:

  converter  the TFLite converter's own post-training path on the float .tflite: its
             Calibrator (the TFLite interpreter logging min/max of every tensor) followed by
             its MLIR quantizer (mlir_quantize: per-channel weights, int8 I/O) -- what
             TFLiteConverter does after producing the float model;
  qvet A     `qvet quantize MODEL --stats conv.json`: the converter's calibrated ranges fed to
             qvet, so the parameter derivation is compared alone;
  qvet B     `qvet quantize MODEL CALIB.npy`: qvet's own calibration (float engine) + derivation;
  qvet C     the same with --converter-ranges (the converter's in-place logging artefact).

It compares every quantized tensor of the converter's model with qvet's tensor of the same
name: int8 weights and int32 biases byte for byte, weight/bias scales and zero points, and
activation scales (float32 ulps) and zero points. Then it runs qvet B's model, and its float-I/O
variant (--io float), in the tflite-micro interpreter and requires outputs byte-identical to
qvet's int8 emulator (`qvet eval`).

Usage: .venv/bin/python reference/quant_parity.py [--qvet build/cli/qvet] [--json OUT]
       [--freeze]   also (re)write tests/fixtures/quant/parity/<model>/ for the C test
Exit status 1 when qvet A differs from the converter anywhere, or TFLM differs from qvet.
"""

import argparse
import glob
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np  # noqa: E402

N_CALIB = 32
SEED = 9001


def converter_quantize(f32, calib, per_channel=True):
    """(calibrated float model, int8 model) from the converter's calibrate + quantize."""
    tf = C.import_tf()
    from tensorflow.lite.python.optimize import calibrator
    from tensorflow.lite.python import convert
    m = calibrator.add_intermediate_tensors(f32)
    cal = calibrator.Calibrator(m)

    def gen():
        for s in calib:
            yield [s[None, ...]]
    calibrated = cal.calibrate(gen)
    q = convert.mlir_quantize(calibrated, disable_per_channel=not per_channel,
                              input_data_type=tf.int8, output_data_type=tf.int8,
                              disable_per_channel_for_dense_layers=False)
    return bytes(calibrated), bytes(q)


def float_activations(mt):
    """Indices of float32 tensors that are graph inputs or op outputs (what qvet calibrates)."""
    g = mt.subgraphs[0]
    acts = set(int(i) for i in g.inputs)
    for op in g.operators:
        acts |= set(int(i) for i in op.outputs)
    return sorted(i for i in acts if g.tensors[i].type == C.S.TensorType.FLOAT32
                  and not C.is_const(mt, i))


def stats_from_calibrated(f32, calibrated, n_samples):
    """A min/max-only qvet statistics file holding the converter's calibrated ranges."""
    mf = C.load_model_t(f32)
    mc = C.load_model_t(calibrated)
    gf, gc = mf.subgraphs[0], mc.subgraphs[0]
    tensors = []
    for i in float_activations(mf):
        tf_, tc = gf.tensors[i], gc.tensors[i]
        assert tf_.name == tc.name, (tf_.name, tc.name)
        q = tc.quantization
        shape = [int(d) for d in (tf_.shape if tf_.shape is not None else [])]
        n = int(np.prod(shape)) if shape else 1
        tensors.append({"index": i, "name": tf_.name.decode(), "shape": shape,
                        "count": n * n_samples, "samples": n_samples,
                        "min": float(np.float32(q.min[0])), "max": float(np.float32(q.max[0]))})
    return {"format": "qvet-calibration", "version": 1, "samples": n_samples,
            "tensors": tensors}


def f32_bits(x):
    return struct.unpack("<i", struct.pack("<f", float(x)))[0]


def ulps(a, b):
    return abs(f32_bits(a) - f32_bits(b))


def tensor_pairs(mc, mq):
    """(converter tensor, qvet tensor) pairs from the operators taken in order: both models
    hold the same ops (qvet's requantizing QUANTIZE ops, if any, are skipped and reported)."""
    gc, gq = mc.subgraphs[0], mq.subgraphs[0]
    pairs, notes = {}, []
    for a, b in zip(gc.inputs, gq.inputs):
        pairs[int(a)] = int(b)
    j = 0
    for op in gc.operators:
        code = C.op_code(mc, op)
        while j < len(gq.operators) and C.op_code(mq, gq.operators[j]) != code:
            notes.append("qvet has an extra %s" % C.OP_NAMES[C.op_code(mq, gq.operators[j])])
            j += 1
        if j == len(gq.operators):
            notes.append("qvet lacks %s" % C.OP_NAMES[code])
            break
        oq = gq.operators[j]
        j += 1
        for a, b in list(zip(op.inputs, oq.inputs)) + list(zip(op.outputs, oq.outputs)):
            if a >= 0 and b >= 0:
                pairs.setdefault(int(a), int(b))
    return pairs, notes


def compare(conv_bytes, qvet_bytes):
    """Figures of qvet's model against the converter's, tensor by tensor."""
    mc, mq = C.load_model_t(conv_bytes), C.load_model_t(qvet_bytes)
    gc, gq = mc.subgraphs[0], mq.subgraphs[0]
    pairs, notes = tensor_pairs(mc, mq)
    r = {"weights": 0, "weights_same": 0, "biases": 0, "biases_same": 0,
         "weight_scales": 0, "weight_scales_same": 0, "bias_scales": 0, "bias_scales_same": 0,
         "acts": 0, "act_scales_same": 0, "act_zp_same": 0, "act_max_ulps": 0,
         "act_ulps_differing": 0, "missing": notes, "differences": []}
    for i, t in enumerate(gc.tensors):
        q = C.tensor_quant(t)
        if q is None or i not in pairs:
            continue
        name = t.name.decode()
        u = gq.tensors[pairs[i]]
        qu = C.tensor_quant(u)
        const = C.is_const(mc, i)
        if const and t.type in (C.S.TensorType.INT8, C.S.TensorType.INT32):
            kind = "weights" if t.type == C.S.TensorType.INT8 else "biases"
            r[kind] += 1
            dc = bytes(mc.buffers[t.buffer].data)
            du = bytes(mq.buffers[u.buffer].data) if C.is_const(mq, pairs[i]) else b""
            same = dc == du and u.type == t.type
            r[kind + "_same"] += same
            skind = "weight_scales" if kind == "weights" else "bias_scales"
            r[skind] += 1
            ssame = qu is not None and [f32_bits(s) for s in q[0]] == \
                [f32_bits(s) for s in qu[0]] and list(q[1]) == list(qu[1])
            r[skind + "_same"] += ssame
            if not same or not ssame:
                nd = -1
                if len(dc) == len(du):
                    dt = np.int8 if kind == "weights" else np.int32
                    nd = int(np.sum(np.frombuffer(dc, dt) != np.frombuffer(du, dt)))
                r["differences"].append("%s %s: %s values differ, scales %s" % (
                    kind, name, nd, "same" if ssame else "differ"))
        elif not const:
            r["acts"] += 1
            s_same = qu is not None and f32_bits(q[0][0]) == f32_bits(qu[0][0])
            z_same = qu is not None and q[1][0] == qu[1][0]
            r["act_scales_same"] += s_same
            r["act_zp_same"] += z_same
            if qu is not None:
                r["act_max_ulps"] = max(r["act_max_ulps"], ulps(q[0][0], qu[0][0]))
                r["act_ulps_differing"] += not s_same
            if not s_same or not z_same:
                r["differences"].append("activation %s: scale %.9g vs %.9g (%s ulps), zp %d vs %d"
                                        % (name, q[0][0], qu[0][0] if qu else float("nan"),
                                           ulps(q[0][0], qu[0][0]) if qu else "-", q[1][0],
                                           qu[1][0] if qu else 0))
    return r


def exact(r):
    return (r["weights"] == r["weights_same"] and r["biases"] == r["biases_same"] and
            r["weight_scales"] == r["weight_scales_same"] and
            r["bias_scales"] == r["bias_scales_same"] and r["acts"] == r["act_scales_same"] and
            r["acts"] == r["act_zp_same"] and not r["missing"])


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stderr))
    return p.stdout


def tflm_matches_qvet(qvet, model_bytes, model_path, x, tmp):
    """Outputs of qvet's int8 model in TFLM and in qvet's emulator: byte-identical?"""
    mt = C.load_model_t(model_bytes)
    g = mt.subgraphs[0]
    if g.tensors[g.inputs[0]].type == C.S.TensorType.FLOAT32:
        xq = x                                       # float I/O: the model quantizes
    else:
        (si,), (zi,) = C.tensor_quant(g.tensors[g.inputs[0]])
        xq = C.quantize_np(x, si, zi)
    xin = os.path.join(tmp, "x_int8.npy")
    np.save(xin, xq)
    out_path = os.path.join(tmp, "qvet_out.npy")
    run([qvet, "eval", model_path, xin, "--engine", "int8", "--save-outputs", out_path,
         "-o", os.path.join(tmp, "pred.csv")])
    ours = np.load(out_path)
    tflm, _ = C.run_tflm(model_bytes, [xq], want_tensors=False)
    return bool(np.array_equal(ours, tflm[0])), int(np.sum(ours != tflm[0]))


def calib_for(name, x_example, rng):
    """N_CALIB samples like x_example (uniform within its per-element range, plus itself)."""
    lo, hi = x_example.min(axis=0), x_example.max(axis=0)
    span = np.maximum(hi - lo, 1e-3)
    n_extra = N_CALIB - len(x_example)
    extra = rng.uniform(lo - 0.1 * span, hi + 0.1 * span, (n_extra,) + x_example.shape[1:])
    return np.concatenate([x_example, extra.astype(np.float32)], 0)


def model_list():
    repo = C.REPO
    out = []
    for d in sorted(glob.glob(os.path.join(repo, "tests/fixtures/tflite/*/model_f32.tflite"))):
        name = os.path.basename(os.path.dirname(d))
        x = np.load(os.path.join(os.path.dirname(d), "input_f32.npy")).astype(np.float32)
        out.append(("fixture/" + name, d, ("like", x)))
    for d in sorted(glob.glob(os.path.join(repo, "tests/fixtures/quant/*/model_f32.tflite"))):
        name = os.path.basename(os.path.dirname(d))
        x = np.load(os.path.join(os.path.dirname(d), "calib.npy")).astype(np.float32)
        out.append(("quant/" + name, d, ("file", x)))
    for d in sorted(glob.glob(os.path.join(repo, "datasets/*/model.tflite"))):
        name = os.path.basename(os.path.dirname(d))
        man = os.path.join(os.path.dirname(d), "qvet.json")
        calib = os.path.join(os.path.dirname(d), "calib", "inputs.npy")
        if not os.path.exists(calib):
            calib = os.path.join(os.path.dirname(d), "golden", "inputs.npy")
        x = np.load(calib).astype(np.float32)
        if os.path.exists(man):
            m = json.load(open(man))
            pre = m.get("preprocess")
            if pre:
                x = (x * np.float32(pre.get("scale", 1.0)) +
                     np.float32(pre.get("offset", 0.0))).astype(np.float32)
            n = m.get("calibration", {}).get("samples")
            if n:
                x = x[:n]
        out.append(("dataset/" + name, d, ("file", x[:200])))
    import mlperf_tiny_data as M
    for name in M.NAMES:
        d = M.model_path(name, "f32")
        if os.path.exists(d):
            out.append(("mlperf/" + name, d, ("file", M.inputs(name, 32, M.SEED_CALIB))))
    for d in sorted(glob.glob(os.path.join(repo, "bench/peers/*_f32.tflite"))):
        name = os.path.basename(d)[:-len("_f32.tflite")]
        mt = C.load_model_t(open(d, "rb").read())
        t = mt.subgraphs[0].tensors[mt.subgraphs[0].inputs[0]]
        shape = tuple(int(v) for v in t.shape[1:])
        out.append(("bench/" + name, d, ("uniform", shape)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qvet", default=os.path.join(C.REPO, "build", "cli", "qvet"))
    ap.add_argument("--json")
    ap.add_argument("--only", help="substring of the model names to run")
    ap.add_argument("--freeze", action="store_true")
    ap.add_argument("--verbose", action="store_true", help="list qvet B's differences")
    args = ap.parse_args()
    rng = np.random.default_rng(SEED)
    results = {}
    failed = False
    for name, path, src in model_list():
        if args.only and args.only not in name:
            continue
        kind, v = src
        if kind == "like":
            x = calib_for(name, v, rng)
        elif kind == "uniform":
            x = rng.uniform(0, 1, (16,) + v).astype(np.float32)
        else:
            x = v
        f32 = open(path, "rb").read()
        with tempfile.TemporaryDirectory() as tmp:
            calibrated, conv = converter_quantize(f32, list(x))
            stats = stats_from_calibrated(f32, calibrated, len(x))
            sp = os.path.join(tmp, "conv_stats.json")
            json.dump(stats, open(sp, "w"))
            xp = os.path.join(tmp, "calib.npy")
            np.save(xp, x)
            qa, qb = os.path.join(tmp, "a.tflite"), os.path.join(tmp, "b.tflite")
            qc = os.path.join(tmp, "c.tflite")
            run([args.qvet, "quantize", path, "--stats", sp, "-o", qa, "-q"])
            run([args.qvet, "quantize", path, xp, "-o", qb, "-q"])
            run([args.qvet, "quantize", path, xp, "-o", qc, "-q", "--converter-ranges"])
            ra = compare(conv, open(qa, "rb").read())
            rb = compare(conv, open(qb, "rb").read())
            rc = compare(conv, open(qc, "rb").read())
            same, ndiff = tflm_matches_qvet(args.qvet, open(qb, "rb").read(), qb, x, tmp)
            qf = os.path.join(tmp, "f.tflite")
            run([args.qvet, "quantize", path, xp, "-o", qf, "-q", "--io", "float"])
            same_f, ndiff_f = tflm_matches_qvet(args.qvet, open(qf, "rb").read(), qf, x, tmp)
            same, ndiff = same and same_f, ndiff + ndiff_f
            results[name] = {"derivation": ra, "end_to_end": rb, "end_to_end_converter_ranges": rc,
                             "tflm_identical": same,
                             "tflm_differing_elements": ndiff, "calib_samples": len(x)}
            ok = exact(ra) and same
            failed |= not ok
            print("%-24s A %s  weights %d/%d biases %d/%d wscales %d/%d acts %d/%d zp %d/%d | "
                  "B weights %d/%d biases %d/%d act scales %d/%d (max %d ulps) zp %d/%d | "
                  "C act scales %d/%d (max %d ulps) zp %d/%d biases %d/%d | TFLM %s" % (
                      name, "exact" if exact(ra) else "DIFF",
                      ra["weights_same"], ra["weights"], ra["biases_same"], ra["biases"],
                      ra["weight_scales_same"], ra["weight_scales"], ra["act_scales_same"],
                      ra["acts"], ra["act_zp_same"], ra["acts"],
                      rb["weights_same"], rb["weights"], rb["biases_same"], rb["biases"],
                      rb["act_scales_same"], rb["acts"], rb["act_max_ulps"], rb["act_zp_same"],
                      rb["acts"], rc["act_scales_same"], rc["acts"], rc["act_max_ulps"],
                      rc["act_zp_same"], rc["acts"], rc["biases_same"], rc["biases"],
                      "identical" if same else "DIFFERS (%d)" % ndiff), flush=True)
            for d in ra["differences"][:8] + ["missing " + m for m in ra["missing"][:4]]:
                print("    A:", d)
            if args.verbose:
                for d in rb["differences"]:
                    print("    B:", d)
            if args.freeze:
                out = os.path.join(C.REPO, "tests", "fixtures", "quant", "parity",
                                   name.replace("/", "_"))
                os.makedirs(out, exist_ok=True)
                shutil.copy(sp, os.path.join(out, "conv_stats.json"))
                if x.nbytes <= 256 * 1024:       # small sets: the C test calibrates too
                    np.save(os.path.join(out, "calib.npy"), x)
                C.write_bytes(os.path.join(out, "converter_int8.tflite"), conv)
                C.write_text(os.path.join(out, "model_path.txt"),
                             os.path.relpath(path, C.REPO) + "\n")
    if args.freeze:
        d = os.path.join(C.REPO, "tests", "fixtures", "quant", "parity")
        names = sorted(n for n in os.listdir(d) if os.path.isdir(os.path.join(d, n)))
        v = C.versions()
        C.write_text(os.path.join(d, "cases.txt"), "".join(n + "\n" for n in names))
        C.write_text(os.path.join(d, "VERSIONS"), "made by reference/quant_parity.py --freeze "
                     "(tensorflow %s, ai-edge-litert %s, tflite_micro %s, numpy %s)\n" % (
                         v["tensorflow"], v["ai-edge-litert"], v["tflite_micro"], v["numpy"]))
    if args.json:
        json.dump(results, open(args.json, "w"), indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
