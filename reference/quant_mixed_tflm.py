#!/usr/bin/env python3
"""Mixed-precision models of `qvet quantize --keep-float` in the tflite-micro interpreter.

For every float model quant_parity.py covers and its calibration set (the first 64 samples),
two mixed models: the nodes at even positions kept float (the rest int8), then the odd ones.
Each runs in qvet's engine (`qvet eval --engine int8`, which picks every node's kernel family
from its tensors' dtypes) and in TFLM, and the float outputs are compared element by element.

The int8 kernels are bit-exact with TFLM's; the float kernels are not (their sums run in
another order), so a float node can leave an ulp of difference, and a later QUANTIZE can round
that across a step boundary on a rare element. The check fails (exit 1) when a model does not
build or run, or when an output differs by more than 5 % of the output's magnitude.

Usage: .venv/bin/python reference/quant_mixed_tflm.py [--qvet build/cli/qvet] [--only NAME]
"""

import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import quant_parity as P  # noqa: E402
from common import np  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qvet", default=os.path.join(C.REPO, "build", "cli", "qvet"))
    ap.add_argument("--only", help="substring of the model names to run")
    args = ap.parse_args()
    rng = np.random.default_rng(P.SEED)
    failed = False
    n_models = n_identical = 0
    for name, path, src in P.model_list():
        kind, v = src
        if kind == "like":
            x = P.calib_for(name, v, rng)
        elif kind == "uniform":
            x = rng.uniform(0, 1, (16,) + v).astype(np.float32)
        else:
            x = v
        if args.only and args.only not in name:
            continue
        x = x[:64]
        n_nodes = len(C.load_model_t(open(path, "rb").read()).subgraphs[0].operators)
        cols = []
        with tempfile.TemporaryDirectory() as tmp:
            xp = os.path.join(tmp, "x.npy")
            np.save(xp, x)
            for parity in (0, 1):
                keep = ",".join(str(i) for i in range(n_nodes) if i % 2 == parity)
                if not keep:
                    continue
                q = os.path.join(tmp, "mixed.tflite")
                p = subprocess.run([args.qvet, "quantize", path, xp, "-o", q, "-q",
                                    "--keep-float", keep], capture_output=True, text=True)
                if p.returncode:
                    cols.append("%s float: qvet failed: %s" % (("even", "odd")[parity],
                                                              p.stderr.strip()))
                    failed = True
                    continue
                out = os.path.join(tmp, "out.npy")
                P.run([args.qvet, "eval", q, xp, "--engine", "int8", "--save-outputs", out,
                       "-o", os.path.join(tmp, "pred.csv")])
                ours = np.load(out)
                tflm, _ = C.run_tflm(open(q, "rb").read(), [x], want_tensors=False)
                t = tflm[0].reshape(ours.shape)
                d = np.abs(ours.astype(np.float64) - t)
                n_models += 1
                n_identical += bool(np.array_equal(ours, t))
                bad = d.max() > 0.05 * max(np.abs(t).max(), 1e-30)
                failed |= bad
                cols.append("%s float: %s" % (
                    ("even", "odd")[parity],
                    "identical" if np.array_equal(ours, t) else
                    "%d/%d differ, max %.3g of %.3g%s" % (int((d > 0).sum()), d.size, d.max(),
                                                          np.abs(t).max(),
                                                          " TOO FAR" if bad else "")))
        print("%-26s %s" % (name, " | ".join(cols)), flush=True)
    print("%d of %d mixed models byte-identical in TFLM and qvet" % (n_identical, n_models))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
