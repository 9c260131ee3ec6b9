#!/usr/bin/env python3
"""Check that a .tflite written by qvet computes exactly what its source does.

Usage: check_roundtrip.py SOURCE.tflite QVET_WRITTEN.tflite INPUT.npy [INPUT.npy ...] [--verbose]

One INPUT.npy per model input, in order; each holds the samples for that input,
shape [N, ...] with the dtype of that input (a float32 file is quantized with the
source model's input parameters when the input is int8).  Both models run sample by sample
in the TFLite Micro interpreter (reference kernels); every output tensor is
compared byte for byte.

With --litert, both also run in ai-edge-litert (BUILTIN_REF kernels) and must agree there too.

Prints one line:  roundtrip PASS|FAIL: <k>/<N> samples byte-identical ...
Exit status: 0 all samples identical, 1 some differ, 2 bad usage / a model
cannot be loaded or run.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np, S  # noqa: E402


def io_signature(mt):
    g = mt.subgraphs[0]
    sig = []
    for ti in list(g.inputs) + list(g.outputs):
        t = g.tensors[ti]
        sig.append((tuple(int(x) for x in t.shape), int(t.type)))
    return sig, len(g.inputs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source")
    ap.add_argument("written")
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--litert", action="store_true",
                    help="also require byte-identical outputs in ai-edge-litert (reference kernels)")
    a = ap.parse_args()
    try:
        src = open(a.source, "rb").read()
        dst = open(a.written, "rb").read()
        xs = [np.load(p, allow_pickle=False) for p in a.inputs]
        ms, md = C.load_model_t(src), C.load_model_t(dst)
    except Exception as e:  # noqa: BLE001
        print("roundtrip ERROR: %s" % e)
        return 2
    sig_s, nin_s = io_signature(ms)
    sig_d, nin_d = io_signature(md)
    if nin_s != len(xs):
        print("roundtrip ERROR: %s has %d inputs, %d input files given"
              % (a.source, nin_s, len(xs)))
        return 2
    if sig_s != sig_d:
        print("roundtrip FAIL: input/output shapes or types differ: %s vs %s" % (sig_s, sig_d))
        return 1
    g = ms.subgraphs[0]
    for k, path in enumerate(a.inputs):
        tin = g.tensors[g.inputs[k]]
        x = xs[k]
        want = C.NP_DTYPES.get(tin.type)
        if want is None:
            print("roundtrip ERROR: unsupported input type %s" % C.TYPE_NAMES.get(tin.type))
            return 2
        if x.dtype != want:
            if x.dtype == np.float32 and tin.type == S.TensorType.INT8 and C.tensor_quant(tin):
                (s_,), (z,) = [v[:1] for v in C.tensor_quant(tin)]
                x = C.quantize_np(x, s_, z)
            else:
                print("roundtrip ERROR: %s has dtype %s, model input is %s"
                      % (path, x.dtype, np.dtype(want).name))
                return 2
        shape = tuple(int(v) for v in tin.shape)
        if x.ndim == len(shape) - 1:
            x = x[None]
        if tuple(x.shape[1:]) != shape[1:]:
            print("roundtrip ERROR: %s has shape %s, model input is %s"
                  % (path, list(x.shape), list(shape)))
            return 2
        xs[k] = x
    try:
        os_, _ = C.run_tflm(src, xs, want_tensors=False)
    except Exception as e:  # noqa: BLE001
        print("roundtrip ERROR: TFLM cannot run %s: %s" % (a.source, str(e).splitlines()[0]))
        return 2
    try:
        od, _ = C.run_tflm(dst, xs, want_tensors=False)
    except Exception as e:  # noqa: BLE001
        print("roundtrip FAIL: TFLM cannot run %s: %s" % (a.written, str(e).splitlines()[0]))
        return 1
    n = xs[0].shape[0]
    same, first_bad, worst = compare(os_, od, n, a.verbose)
    if same != n:
        print("roundtrip FAIL: %d/%d samples byte-identical in TFLM; first differing sample %d, "
              "max abs diff %g" % (same, n, first_bad, worst))
        return 1
    where = "TFLM %s" % C.versions(False)["tflite_micro"]
    if a.litert:
        try:
            ls, _ = C.run_litert(src, xs, ref=True, want_tensors=False)
            ld, _ = C.run_litert(dst, xs, ref=True, want_tensors=False)
        except Exception as e:  # noqa: BLE001
            print("roundtrip FAIL: ai-edge-litert cannot run them: %s" % str(e).splitlines()[0])
            return 1
        lsame, first_bad, worst = compare(ls, ld, n, a.verbose)
        if lsame != n:
            print("roundtrip FAIL: %d/%d samples byte-identical in ai-edge-litert; first "
                  "differing sample %d, max abs diff %g" % (lsame, n, first_bad, worst))
            return 1
        where += " and ai-edge-litert reference kernels"
    print("roundtrip PASS: %d/%d samples byte-identical (%d output%s, %s)"
          % (same, n, len(os_), "" if len(os_) == 1 else "s", where))
    return 0


def compare(os_, od, n, verbose):
    """Samples whose every output is byte-identical; the first that is not; the worst gap."""
    same, first_bad, worst = 0, None, 0.0
    for i in range(n):
        ok = all(p[i].tobytes() == q[i].tobytes() for p, q in zip(os_, od))
        if ok:
            same += 1
        else:
            if first_bad is None:
                first_bad = i
            for p, q in zip(os_, od):
                worst = max(worst, float(np.max(np.abs(p[i].astype(np.float64)
                                                       - q[i].astype(np.float64)))))
        if verbose:
            print("sample %d: %s" % (i, "identical" if ok else "DIFFERENT"))
    return same, first_bad, worst

if __name__ == "__main__":
    sys.exit(main())
