#!/usr/bin/env python3
"""Time qvet's peers on one model: the TFLite Micro interpreter (reference
kernels) and ai-edge-litert (default optimized kernels, num_threads=1).

Usage:  peers.py MODEL.tflite [INPUT.npy] [--seconds S] [--only tflm|litert]

INPUT.npy: samples [N, ...] for the (single) model input.  If its dtype is
int8 and the model takes float32, it is read as an image quantized with
scale 1/255 and zero point -128 (what bench/peers/input_int8.npy is) and
dequantized; float32 for an int8 model is quantized with the model's input
parameters.  Without INPUT.npy, 16 seeded random samples of the model's
input shape and type are used.

Output (stdout), one line each:
  model <path> macs <MACs of CONV_2D/DEPTHWISE_CONV_2D/FULLY_CONNECTED>
  peer tflm samples_per_s <value>
  peer litert samples_per_s <value>

Each peer runs one warm-up invoke, then cycles over the samples until at
least --seconds (default 3) have passed, single-threaded.
Needs only numpy, tflite_micro and ai-edge-litert (no TensorFlow).
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "reference"))
import common as C  # noqa: E402
from common import np, S  # noqa: E402


def load_inputs(path, tin):
    dtype = C.NP_DTYPES[tin.type]
    shape = tuple(int(v) for v in tin.shape)
    if path is None:
        rng = np.random.default_rng(0)
        if dtype == np.float32:
            return rng.uniform(0.0, 1.0, (16,) + shape[1:]).astype(np.float32)
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max + 1, (16,) + shape[1:]).astype(dtype)
    x = np.load(path, allow_pickle=False)
    if x.dtype != dtype:
        if x.dtype == np.int8 and dtype == np.float32:
            x = ((x.astype(np.float32) + 128.0) / 255.0).astype(np.float32)
        elif x.dtype == np.float32 and tin.type == S.TensorType.INT8:
            q = C.tensor_quant(tin)
            x = C.quantize_np(x, q[0][0], q[1][0])
        else:
            raise SystemExit("peers: %s has dtype %s, model input is %s"
                             % (path, x.dtype, np.dtype(dtype).name))
    if tuple(x.shape[1:]) != shape[1:]:
        raise SystemExit("peers: %s has shape %s, model input is %s"
                         % (path, list(x.shape), list(shape)))
    return x


def time_loop(run_one, n, seconds):
    run_one(0)  # warm-up (and allocation)
    count = 0
    t0 = time.perf_counter()
    while True:
        for i in range(n):
            run_one(i)
        count += n
        el = time.perf_counter() - t0
        if el >= seconds:
            return count / el


def bench_tflm(model, x, seconds):
    ip = C.tflm_interpreter(model, preserve=False)

    def one(i):
        ip.set_input(x[i:i + 1], 0)
        ip.invoke()
        ip.get_output(0)
    return time_loop(one, x.shape[0], seconds)


def bench_litert(model, x, seconds):
    ip = C.litert_interpreter(model, ref=False, preserve=False, num_threads=1)
    iidx = ip.get_input_details()[0]["index"]
    oidx = ip.get_output_details()[0]["index"]

    def one(i):
        ip.set_tensor(iidx, x[i:i + 1])
        ip.invoke()
        ip.get_tensor(oidx)
    return time_loop(one, x.shape[0], seconds)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("inputs", nargs="?")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--only", choices=["tflm", "litert"])
    a = ap.parse_args()
    model = open(a.model, "rb").read()
    mt = C.load_model_t(model)
    g = mt.subgraphs[0]
    if len(g.inputs) != 1:
        raise SystemExit("peers: only single-input models are supported")
    x = np.ascontiguousarray(load_inputs(a.inputs, g.tensors[g.inputs[0]]))
    print("model %s macs %d" % (a.model, C.count_macs(mt)), flush=True)
    if a.only in (None, "tflm"):
        print("peer tflm samples_per_s %.3f" % bench_tflm(model, x, a.seconds), flush=True)
    if a.only in (None, "litert"):
        print("peer litert samples_per_s %.3f" % bench_litert(model, x, a.seconds), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
