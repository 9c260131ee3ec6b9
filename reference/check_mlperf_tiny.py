#!/usr/bin/env python3
"""Check that qvet reads and runs the eight MLPerf Tiny benchmark models of
bench/mlperf_tiny/ (made by make_mlperf_tiny.py) like the reference interpreters:

- int8 models: `qvet eval --engine int8` outputs and every intermediate tensor
  (`--save-tensors`) byte-identical to the tflite-micro interpreter (reference kernels) on
  N deterministic samples; on a difference the first differing node is named.  The count
  of elements where ai-edge-litert's default (XNNPACK) kernels differ from TFLM is printed
  for information.
- float models: `qvet eval --engine float` within 1e-5 relative (plus 1e-6 absolute) of
  ai-edge-litert's default kernels, element by element; where not (deep float32 models
  whose outputs come from cancelling sums), qvet's distance to litert, relative to each
  sample's output scale, must be within twice the distance between litert's XNNPACK and
  reference kernels.  The largest errors are printed, and each engine's distance to a
  float64 evaluation of the model (the exact answer all of them approximate).

Usage: .venv/bin/python reference/check_mlperf_tiny.py [QVET] [--samples N] [--only NAME]
       [--float-only]
QVET defaults to build/cli/qvet.  Exit 0 when everything agrees, 1 otherwise.
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np  # noqa: E402
import mlperf_tiny_data as D  # noqa: E402

RTOL = 1e-5
NO_DIFFERENCE = "no intermediate tensor differs"
ATOL = 1e-6


def qvet_eval(qvet, model, data, engine, tmp, tensors=False):
    out = os.path.join(tmp, "out.npy")
    cmd = [qvet, "eval", model, data, "--engine", engine, "--save-outputs", out,
           "-o", os.path.join(tmp, "pred.csv")]
    if tensors:
        cmd += ["--save-tensors", os.path.join(tmp, "tensors")]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s\nexit %d: %s" % (" ".join(cmd), r.returncode, r.stderr))
    return np.load(out)


def first_difference(qvet, model_bytes, model, data, xq, tmp):
    """Name the first node (in qvet's execution order) whose output differs from TFLM."""
    qvet_eval(qvet, model, data, "int8", tmp, tensors=True)
    _, tens = C.run_tflm(model_bytes, [xq], want_tensors=True)
    tdir = os.path.join(tmp, "tensors")
    with open(os.path.join(tdir, "index.csv")) as f:
        rows = sorted(csv.DictReader(f), key=lambda r: int(r["node"]))
    for r in rows:
        idx = int(r["file"][1:-4])
        q = np.load(os.path.join(tdir, r["file"]))
        t = tens[idx].reshape(q.shape)
        if not np.array_equal(q, t):
            d = np.abs(q.astype(np.int32) - t.astype(np.int32))
            return ("node %s %s (tensor %d %s): %d of %d elements differ, max %d"
                    % (r["node"], r["op"], idx, r["tensor"], int((d > 0).sum()), d.size,
                       int(d.max())))
    return NO_DIFFERENCE


def check_int8(qvet, name, n, tmp):
    path = D.model_path(name, "int8")
    mb = open(path, "rb").read()
    mt = C.load_model_t(mb)
    g = mt.subgraphs[0]
    (s,), (z,) = C.tensor_quant(g.tensors[g.inputs[0]])
    xq = D.quantize(D.inputs(name, n, D.SEED_CHECK), s, z)
    data = os.path.join(tmp, "x_int8.npy")
    np.save(data, xq)
    (ref,), _ = C.run_tflm(mb, [xq], want_tensors=False)
    (xnn,), _ = C.run_litert(mb, [xq], ref=False, want_tensors=False)
    got = qvet_eval(qvet, path, data, "int8", tmp).reshape(ref.shape)
    nx = int((xnn != ref).sum())
    if np.array_equal(got, ref) and got.dtype == ref.dtype:
        inner = first_difference(qvet, mb, path, data, xq, tmp)
        if inner == NO_DIFFERENCE:
            print("%-15s int8  identical to TFLM on %d samples (%d output elements, every "
                  "intermediate tensor too); litert XNNPACK differs from TFLM in %d output "
                  "elements" % (name, n, ref.size, nx))
            return True
        print("%-15s int8  outputs identical to TFLM, but an intermediate tensor DIFFERS: %s"
              % (name, inner))
        return False
    nd = int((got != ref).sum())
    print("%-15s int8  DIFFERS from TFLM: %d of %d output elements; first: %s"
          % (name, nd, ref.size, first_difference(qvet, mb, path, data, xq, tmp)))
    return False


def _scaled_err(a, b):
    """Largest |a - b| relative to the largest |b| of the same sample."""
    e = np.abs(a.astype(np.float64) - b.astype(np.float64)).reshape(len(b), -1)
    sc = np.maximum(np.abs(b.astype(np.float64)).reshape(len(b), -1).max(axis=1), 1e-30)
    return float((e / sc[:, None]).max())


def _pad_1d(n, k, stride, dil, same):
    """TFLite's output size and leading padding of one spatial dimension."""
    eff = (k - 1) * dil + 1
    if not same:
        return (n - eff + stride) // stride, 0
    out = (n + stride - 1) // stride
    return out, max((out - 1) * stride + eff - n, 0) // 2


def _act(h, act):
    if act == 0:
        return h
    if act == 1:
        return np.maximum(h, 0.0)
    if act == 3:
        return np.clip(h, 0.0, 6.0)
    return None


def _window(x, kh, kw, o, pad_value=0.0):
    """Zero-padded taps of x [N, H, W, C]: a generator of (ky, kx, view [N, OH, OW, C],
    inside mask [OH, OW]) for options o (strides, dilations, padding) and filter kh x kw."""
    n, h, w, c = x.shape
    dh = getattr(o, "dilationHFactor", 1) or 1
    dw = getattr(o, "dilationWFactor", 1) or 1
    oh, ph = _pad_1d(h, kh, o.strideH, dh, o.padding == 0)
    ow, pw = _pad_1d(w, kw, o.strideW, dw, o.padding == 0)
    big = np.full((n, h + 2 * (kh * dh + o.strideH * oh), w + 2 * (kw * dw + o.strideW * ow), c),
                  pad_value)
    big[:, ph:ph + h, pw:pw + w, :] = x
    ins = np.zeros(big.shape[1:3], bool)
    ins[ph:ph + h, pw:pw + w] = True
    for ky in range(kh):
        for kx in range(kw):
            ys = slice(ky * dh, ky * dh + o.strideH * (oh - 1) + 1, o.strideH)
            xs = slice(kx * dw, kx * dw + o.strideW * (ow - 1) + 1, o.strideW)
            yield ky, kx, big[:, ys, xs, :], ins[ys, xs]


def float64_eval(mb, x):
    """float64 evaluation of the float model (CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D,
    FULLY_CONNECTED, ADD, RESHAPE, SOFTMAX with the options these models use), or None for
    any other graph: the exact answer the float32 engines approximate (float64 rounding
    aside, about 1e-16 relative)."""
    mt = C.load_model_t(mb)
    g = mt.subgraphs[0]

    def const(i):
        t = g.tensors[i]
        b = mt.buffers[t.buffer]
        raw = bytes(bytearray(b.data)) if b.data is not None else mb[b.offset:b.offset + b.size]
        return np.frombuffer(raw, np.float32).reshape(t.shape).astype(np.float64)

    v = {g.inputs[0]: x.astype(np.float64).reshape([len(x)] + list(g.tensors[g.inputs[0]].shape[1:]))}
    for op in g.operators:
        name = C.OP_NAMES[C.op_code(mt, op)]
        o = op.builtinOptions
        a = v[op.inputs[0]]
        bias = (const(op.inputs[2]) if len(op.inputs) > 2 and op.inputs[2] >= 0 else 0.0)
        if name == "FULLY_CONNECTED":
            w = const(op.inputs[1])
            h = _act(a.reshape(-1, w.shape[1]) @ w.T + bias, o.fusedActivationFunction)
        elif name == "CONV_2D":
            w = const(op.inputs[1])          # [O, KH, KW, I]
            h = 0.0
            for ky, kx, tap, _ in _window(a, w.shape[1], w.shape[2], o):
                h = h + tap @ w[:, ky, kx, :].T
            h = _act(h + bias, o.fusedActivationFunction)
        elif name == "DEPTHWISE_CONV_2D":
            w = const(op.inputs[1])          # [1, KH, KW, C * M]
            if o.depthMultiplier != 1:
                return None
            h = 0.0
            for ky, kx, tap, _ in _window(a, w.shape[1], w.shape[2], o):
                h = h + tap * w[0, ky, kx, :]
            h = _act(h + bias, o.fusedActivationFunction)
        elif name == "AVERAGE_POOL_2D":
            s = cnt = 0.0
            for _, _, tap, ins in _window(a, o.filterHeight, o.filterWidth, o):
                s = s + tap
                cnt = cnt + ins
            h = _act(s / cnt[None, :, :, None], o.fusedActivationFunction)
        elif name == "ADD":
            h = _act(a + v[op.inputs[1]], o.fusedActivationFunction)
        elif name == "RESHAPE":
            h = a.reshape([len(x)] + list(g.tensors[op.outputs[0]].shape[1:]))
        elif name == "SOFTMAX":
            e = np.exp(o.beta * (a - a.max(axis=-1, keepdims=True)))
            h = e / e.sum(axis=-1, keepdims=True)
        else:
            return None
        if h is None:
            return None
        v[op.outputs[0]] = h.reshape([len(x)] + list(g.tensors[op.outputs[0]].shape[1:]))
    return v[g.outputs[0]]


def check_f32(qvet, name, n, tmp):
    """Pass when every element is within RTOL relative (+ ATOL) of litert's default
    kernels; failing that, when qvet's distance to litert, relative to each sample's
    output scale, is within twice the distance between litert's own two kernel sets
    (XNNPACK and the reference kernels): float32 summation-order noise of the same size
    as between two accepted implementations.  Every engine is also compared with a float64
    evaluation of the model (printed)."""
    path = D.model_path(name, "f32")
    mb = open(path, "rb").read()
    x = D.inputs(name, n, D.SEED_CHECK)
    data = os.path.join(tmp, "x_f32.npy")
    np.save(data, x)
    (xnn,), _ = C.run_litert(mb, [x], ref=False, want_tensors=False)
    (lref,), _ = C.run_litert(mb, [x], ref=True, want_tensors=False)
    got = qvet_eval(qvet, path, data, "float", tmp).reshape(xnn.shape)
    err = np.abs(got.astype(np.float64) - xnn.astype(np.float64))
    rel = float(np.max(err / np.maximum(np.abs(xnn), 1e-30)))
    strict = bool(np.all(err <= RTOL * np.abs(xnn) + ATOL))
    q_x, x_r = _scaled_err(got, xnn), _scaled_err(xnn, lref)
    ok = strict or q_x <= max(RTOL, 2.0 * x_r)
    verdict = ("within 1e-5 rel of" if strict else
               "within 2x the spread of litert's own kernel sets, of" if ok else
               "FARTHER than 2x litert's own kernel sets from")
    print("%-15s float %s litert on %d samples: max abs %.3g, max elementwise rel %.3g, "
          "max rel to output scale %.3g (litert XNNPACK vs reference kernels %.3g)"
          % (name, verdict, n, float(err.max()), rel, q_x, x_r))
    exact = float64_eval(mb, x)
    if exact is not None:
        e = exact.reshape(xnn.shape)
        print("%-15s float vs float64, rel to output scale: qvet %.3g, litert XNNPACK %.3g, "
              "litert reference %.3g" % (name, _scaled_err(got, e), _scaled_err(xnn, e),
                                         _scaled_err(lref, e)))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("qvet", nargs="?", default=os.path.join(C.REPO, "build", "cli", "qvet"))
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--only", choices=D.NAMES)
    ap.add_argument("--float-only", action="store_true", help="skip the int8 models")
    a = ap.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="qvet-mlperf-") as tmp:
        for name in D.NAMES:
            if a.only and name != a.only:
                continue
            if not a.float_only:
                ok &= check_int8(a.qvet, name, a.samples, tmp)
            ok &= check_f32(a.qvet, name, a.samples, tmp)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
