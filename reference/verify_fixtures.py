#!/usr/bin/env python3
"""Re-run the committed oracle fixtures through the interpreters and check
that they still reproduce bit for bit (guards against a changed environment
or a hand-edited fixture).  No TensorFlow needed.

Checks: tests/fixtures/int8_ops (TFLM outputs and tensors, litert-ref column),
tests/fixtures/tflite (int8_tflm, int8_fio_tflm, int8_litert_ref exactly;
f32_litert within 1e-5 relative), the expected/ outputs of datasets/digits,
basic_motions, tecator and breast_cancer_ae, and the issue 8 sets: cases/fc-per-tensor-lsb,
int8_wide (TFLM), multi_input (TFLM exactly, f32 litert within 1e-5), hybrid and mixed
(litert BUILTIN_REF exactly).

Usage: .venv/bin/python reference/verify_fixtures.py   (exit 0 = all match)
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np  # noqa: E402

FIX = os.path.join(C.REPO, "tests", "fixtures")


def same(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


def check_dir(model, inputs, vdir, outs, tens, exact=True):
    bad = []
    k = 0
    while os.path.exists(os.path.join(vdir, "output_%d.npy" % k)):
        want = np.load(os.path.join(vdir, "output_%d.npy" % k))
        got = outs[k]
        if exact and not same(want, got):
            bad.append("output_%d" % k)
        if not exact and not np.allclose(want, got, rtol=1e-5, atol=1e-6):
            bad.append("output_%d" % k)
        k += 1
    td = os.path.join(vdir, "tensors")
    for f in sorted(os.listdir(td)) if os.path.isdir(td) else []:
        ti = int(f[1:-4])
        want = np.load(os.path.join(td, f))
        got = tens.get(ti)
        if got is None:
            bad.append("%s missing" % f)
        elif exact and not same(want, got):
            bad.append(f)
        elif not exact and not np.allclose(want, got, rtol=1e-5, atol=1e-6):
            bad.append(f)
    return bad


def main():
    fails = 0
    checked = 0
    d = os.path.join(FIX, "int8_ops")
    for line in open(os.path.join(d, "cases.txt")):
        if line.startswith("#") or not line.strip():
            continue
        cid, op, nin, nout, ref = line.split()
        cd = os.path.join(d, cid)
        model = open(os.path.join(cd, "model.tflite"), "rb").read()
        xs = [np.load(os.path.join(cd, "input_%d.npy" % k)) for k in range(int(nin))]
        outs, tens = C.run_tflm(model, xs)
        bad = check_dir(model, xs, cd, outs, tens)
        routs, _ = C.run_litert(model, xs, ref=True, want_tensors=False)
        r = "same" if all(same(a, b) for a, b in zip(outs, routs)) else "differ"
        if r != ref:
            bad.append("litert-ref column %s, now %s" % (ref, r))
        checked += 1
        if bad:
            fails += 1
            print("FAIL int8_ops/%s: %s" % (cid, ", ".join(bad[:5])))
    d = os.path.join(FIX, "tflite")
    for name in sorted(os.listdir(d)):
        md = os.path.join(d, name)
        if not os.path.isdir(md):
            continue
        x32 = np.load(os.path.join(md, "input_f32.npy"))
        x8 = np.load(os.path.join(md, "input_int8.npy"))
        rd = lambda f: open(os.path.join(md, f), "rb").read()  # noqa: E731
        runs = [
            ("int8_tflm", lambda: C.run_tflm(rd("model_int8.tflite"), [x8]), True),
            ("int8_fio_tflm", lambda: C.run_tflm(rd("model_int8_fio.tflite"), [x32]), True),
            ("int8_litert_ref", lambda: C.run_litert(rd("model_int8.tflite"), [x8], ref=True), True),
            ("f32_litert", lambda: C.run_litert(rd("model_f32.tflite"), [x32]), False),
        ]
        for variant, run, exact in runs:
            outs, tens = run()
            bad = check_dir(None, None, os.path.join(md, "expected", variant), outs, tens, exact)
            checked += 1
            if bad:
                fails += 1
                print("FAIL tflite/%s/%s: %s" % (name, variant, ", ".join(bad[:5])))
    for name in ["digits", "basic_motions", "tecator", "breast_cancer_ae"]:
        dd = os.path.join(C.REPO, "datasets", name)
        m8 = open(os.path.join(dd, "model_int8.tflite"), "rb").read()
        m32 = open(os.path.join(dd, "model.tflite"), "rb").read()
        xg = np.load(os.path.join(dd, "golden", "inputs.npy"))
        g = C.load_model_t(m8).subgraphs[0]
        (s,), (z,) = C.tensor_quant(g.tensors[g.inputs[0]])
        o8, _ = C.run_tflm(m8, [C.quantize_np(xg, s, z)], want_tensors=False)
        o32, _ = C.run_litert(m32, [xg], want_tensors=False)
        checked += 1
        ex = os.path.join(dd, "expected")
        if not same(o8[0], np.load(os.path.join(ex, "output_int8_tflm.npy"))) or \
                not np.allclose(o32[0], np.load(os.path.join(ex, "output_f32_litert.npy")),
                                rtol=1e-5, atol=1e-6):
            fails += 1
            print("FAIL datasets/%s/expected" % name)
    for label, bad in issue8_sets():
        checked += 1
        if bad:
            fails += 1
            print("FAIL %s: %s" % (label, ", ".join(bad[:5])))
    print("%d passed, %d failed" % (checked - fails, fails))
    return 1 if fails else 0


def issue8_sets():
    """(label, problems) for cases/, int8_wide/, multi_input/, hybrid/ and mixed/."""
    rd = lambda d, f: open(os.path.join(d, f), "rb").read()  # noqa: E731
    d = os.path.join(FIX, "cases", "fc-per-tensor-lsb")
    x = np.load(os.path.join(d, "input.npy"))
    outs, tens = C.run_tflm(rd(d, "model_int8.tflite"), [x])
    bad = [] if same(outs[0], np.load(os.path.join(d, "expected_tflm.npy"))) else ["output"]
    yield "cases/fc-per-tensor-lsb", bad + check_dir(None, None, d, outs, tens)
    d = os.path.join(FIX, "int8_wide")
    for line in open(os.path.join(d, "cases.txt")):
        if line.startswith("#") or not line.strip():
            continue
        cd = os.path.join(d, line.split()[0])
        outs, tens = C.run_tflm(rd(cd, "model.tflite"), [np.load(os.path.join(cd, "input_0.npy"))],
                                want_tensors=False)
        yield "int8_wide/" + line.split()[0], check_dir(None, None, cd, outs, {})
    d = os.path.join(FIX, "multi_input")
    x32 = [np.load(os.path.join(d, n + ".npy")) for n in ("audio", "state")]
    x8 = [np.load(os.path.join(d, n + "_int8.npy")) for n in ("audio", "state")]
    for variant, run, exact in [
            ("int8_tflm", lambda: C.run_tflm(rd(d, "model_int8.tflite"), x8), True),
            ("int8_fio_tflm", lambda: C.run_tflm(rd(d, "model_int8_fio.tflite"), x32), True),
            ("int8_litert_ref", lambda: C.run_litert(rd(d, "model_int8.tflite"), x8, ref=True,
                                                     want_tensors=False), True),
            ("f32_litert", lambda: C.run_litert(rd(d, "model_f32.tflite"), x32), False)]:
        outs, tens = run()
        yield "multi_input/" + variant, check_dir(None, None, os.path.join(
            d, "expected", variant), outs, tens, exact)
    for sub in ("hybrid", "mixed"):
        d = os.path.join(FIX, sub)
        for name in sorted(os.listdir(d)):
            md = os.path.join(d, name)
            if not os.path.isdir(md):
                continue
            x = np.load(os.path.join(md, "input.npy"))
            outs, tens = C.run_litert(rd(md, "model.tflite"), [x], ref=True)
            yield "%s/%s/ref" % (sub, name), check_dir(None, None, os.path.join(
                md, "expected", "ref"), outs, tens)


if __name__ == "__main__":
    sys.exit(main())
