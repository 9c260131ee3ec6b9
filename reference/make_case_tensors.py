#!/usr/bin/env python3
"""Completes a regression case directory under tests/fixtures/cases/ with TFLM's tensors.

A case directory holds `model_int8.tflite`, `input.npy` (int8 [N, ...], one graph input) and
`expected_tflm.npy` (the tflite-micro interpreter's output, as reported).  This script re-runs
the model in the tflite-micro interpreter (reference kernels, kPreserveAllTensors), checks that
the output reproduces `expected_tflm.npy` byte for byte (exit 1 if not), and writes every
non-constant tensor except the graph input as `tensors/t<idx>.npy` ([N, ...]) so the C test can
name the first layer that differs.  Deterministic.

Usage: .venv/bin/python reference/make_case_tensors.py tests/fixtures/cases/NAME
"""

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np  # noqa: E402


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    d = sys.argv[1]
    with open(os.path.join(d, "model_int8.tflite"), "rb") as f:
        mb = f.read()
    x = np.load(os.path.join(d, "input.npy"))
    want = np.load(os.path.join(d, "expected_tflm.npy"))
    outs, tens = C.run_tflm(mb, [x])
    if outs[0].dtype != want.dtype or not np.array_equal(outs[0].reshape(want.shape), want):
        C.log("%s: TFLM output differs from expected_tflm.npy" % d)
        return 1
    mt = C.load_model_t(mb)
    g = mt.subgraphs[0]
    out_dir = os.path.join(d, "tensors")
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    n = 0
    for ti, arr in sorted(tens.items()):
        if ti in set(int(i) for i in g.inputs):
            continue
        C.save_npy(os.path.join(out_dir, "t%d.npy" % ti), arr)
        n += 1
    print("%s: TFLM reproduces expected_tflm.npy; %d tensors written" % (d, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
