#!/usr/bin/env python3
"""qvet's peers on the MLPerf Tiny benchmark models (bench/mlperf_tiny/): times
ai-edge-litert (default kernels = XNNPACK) at 1 and 2 threads and the tflite-micro
interpreter (reference kernels) on the same inputs qvet gets.  Run by hand via
bench/mlperf_tiny.sh, never a test.

  peers_mlperf.py inputs DIR [--samples N]
      writes DIR/<model>_f32.npy (float32) and DIR/<model>_int8.npy (the same samples
      quantized with the int8 model's input parameters) for the four models: N (default
      2000) deterministic samples of reference/mlperf_tiny_data.py (seed SEED_BENCH).
  peers_mlperf.py time MODEL DATA [--peers litert1,litert2,tflm] [--tflm-samples N]
                       [--repeat R]
      times each peer in a child process of its own; one line per peer:
        peer NAME samples N whole_s S infer_s S whole_sps X infer_sps Y whole_cpu_sps A
             infer_cpu_sps B
      whole = the child's wall time from spawn to exit (Python start, imports, loading
      the model and DATA, interpreter set-up, every sample, exit); infer = the sample
      loop only (set input, invoke, read output; one untimed warm-up invoke before).
      The tflite-micro interpreter runs only the first --tflm-samples samples (default
      200; 0 = all): it is 20-100x slower, and rates are per sample.  --repeat R runs
      each peer R times and keeps the best whole and the best infer time.
      Also whole_cpu_sps / infer_cpu_sps: samples per CPU-second (user + system time of the
      child, or of its loop); for a one-thread peer on a shared machine that is close to
      what a quiet machine gives (for 2 threads it is not a throughput).
  peers_mlperf.py run [--repeat R] -- CMD ARGS...
      runs CMD R times; prints "wall_s W cpu_s C" (the best of each), C = user + system
      time of CMD and its children (the driver times qvet with it).
  peers_mlperf.py child PEER THREADS MODEL DATA N      (internal: one timed peer)

Needs numpy, tflite_micro and ai-edge-litert (no TensorFlow).
"""

import argparse
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.join(HERE, "..", "reference")


def child(peer, threads, model, data, n):
    t_start = time.perf_counter()
    sys.path.insert(0, REF)
    import numpy as np
    x = np.load(data, allow_pickle=False)
    if n > 0:
        x = x[:n]
    x = np.ascontiguousarray(x)
    mb = open(model, "rb").read()
    if peer == "tflm":
        from tflite_micro import runtime as tflm
        ip = tflm.Interpreter.from_bytes(mb, arena_size=4 * len(mb) + 8 * 1024 * 1024,
                                         intrepreter_config=tflm.InterpreterConfig
                                         .kAllocationRecording)

        def one(i):
            ip.set_input(x[i:i + 1], 0)
            ip.invoke()
            ip.get_output(0)
    else:
        from ai_edge_litert import interpreter as lrt
        ip = lrt.Interpreter(model_content=mb, num_threads=threads,
                             experimental_op_resolver_type=lrt.OpResolverType.AUTO)
        ip.allocate_tensors()
        iidx = ip.get_input_details()[0]["index"]
        oidx = ip.get_output_details()[0]["index"]

        def one(i):
            ip.set_tensor(iidx, x[i:i + 1])
            ip.invoke()
            ip.get_tensor(oidx)
    want = np.dtype(np.int8) if "int8" in os.path.basename(model) else np.dtype(np.float32)
    if x.dtype != want:
        raise SystemExit("peers_mlperf: %s is %s, %s wants %s" % (data, x.dtype, model, want))
    one(0)                                    # warm-up: allocation, XNNPACK packing
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(x.shape[0]):
        one(i)
    t1, c1 = time.perf_counter(), time.process_time()
    print("infer_s %.6f infer_cpu_s %.6f samples %d setup_s %.6f"
          % (t1 - t0, c1 - c0, x.shape[0], t0 - t_start), flush=True)


PEERS = {"litert1": ("litert", 1), "litert2": ("litert", 2), "tflm": ("tflm", 1)}


def time_peers(model, data, peers, tflm_samples, repeat):
    for name in peers:
        kind, threads = PEERS[name]
        n = tflm_samples if kind == "tflm" else 0
        cmd = [sys.executable, os.path.abspath(__file__), "child", kind, str(threads),
               model, data, str(n)]
        whole = infer = whole_cpu = infer_cpu = float("inf")
        for _ in range(repeat):                # best of `repeat` runs, each timed alone
            wall, cpu, out = run_timed(cmd)
            f = dict(zip(*[iter(out.split())] * 2))
            whole, whole_cpu = min(whole, wall), min(whole_cpu, cpu)
            infer, infer_cpu = min(infer, float(f["infer_s"])), min(infer_cpu,
                                                                      float(f["infer_cpu_s"]))
            samples = int(f["samples"])
        print("peer %s samples %d whole_s %.4f infer_s %.4f whole_sps %.2f infer_sps %.2f "
              "whole_cpu_sps %.2f infer_cpu_sps %.2f"
              % (name, samples, whole, infer, samples / whole, samples / infer,
                 samples / max(whole_cpu, 1e-9), samples / max(infer_cpu, 1e-9)), flush=True)


def run_timed(cmd):
    """Run cmd; (wall seconds, CPU seconds user+system of it and its children, stdout).
    On a shared machine the CPU time of a one-thread run is what it would take alone."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        raise SystemExit("peers_mlperf: exit %d: %s" % (r.returncode, " ".join(cmd)))
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu, r.stdout


def make_inputs(out, n):
    sys.path.insert(0, REF)
    import numpy as np
    import mlperf_tiny_data as D
    import common as C
    os.makedirs(out, exist_ok=True)
    for name in D.NAMES:
        x = D.inputs(name, n, D.SEED_BENCH)
        mt = C.load_model_t(open(D.model_path(name, "int8"), "rb").read())
        g = mt.subgraphs[0]
        (s,), (z,) = C.tensor_quant(g.tensors[g.inputs[0]])
        for kind, arr in [("f32", x), ("int8", D.quantize(x, s, z))]:
            path = os.path.join(out, "%s_%s.npy" % (name, kind))
            tmp = path + ".tmp.npy"
            np.save(tmp, arr, allow_pickle=False)
            os.replace(tmp, path)
        print("inputs %s %d samples" % (name, n), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a_in = sub.add_parser("inputs")
    a_in.add_argument("dir")
    a_in.add_argument("--samples", type=int, default=2000)
    a_t = sub.add_parser("time")
    a_t.add_argument("model")
    a_t.add_argument("data")
    a_t.add_argument("--peers", default="litert1,litert2,tflm")
    a_t.add_argument("--tflm-samples", type=int, default=200)
    a_t.add_argument("--repeat", type=int, default=1)
    a_r = sub.add_parser("run")
    a_r.add_argument("--repeat", type=int, default=1)
    a_r.add_argument("command", nargs=argparse.REMAINDER)
    a_c = sub.add_parser("child")
    a_c.add_argument("peer", choices=["litert", "tflm"])
    a_c.add_argument("threads", type=int)
    a_c.add_argument("model")
    a_c.add_argument("data")
    a_c.add_argument("n", type=int)
    a = ap.parse_args()
    if a.cmd == "inputs":
        make_inputs(a.dir, a.samples)
    elif a.cmd == "time":
        peers = [p for p in a.peers.split(",") if p]
        bad = [p for p in peers if p not in PEERS]
        if bad:
            ap.error("unknown peer %s (known: %s)" % (bad[0], ", ".join(PEERS)))
        if a.repeat < 1:
            ap.error("--repeat must be at least 1")
        time_peers(a.model, a.data, peers, a.tflm_samples, a.repeat)
    elif a.cmd == "run":
        cmd = a.command[1:] if a.command and a.command[0] == "--" else a.command
        if not cmd or a.repeat < 1:
            ap.error("run needs a command (and --repeat of at least 1)")
        runs = [run_timed(cmd)[:2] for _ in range(a.repeat)]
        print("wall_s %.6f cpu_s %.6f" % (min(w for w, _ in runs), min(c for _, c in runs)))
    else:
        child(a.peer, a.threads, a.model, a.data, a.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
