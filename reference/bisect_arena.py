#!/usr/bin/env python3
"""Smallest tensor arena with which the tflite-micro Python interpreter loads AND invokes a model.

For every int8 model qvet ships as a fixture (tests/fixtures/int8_ops/*/model.tflite,
tests/fixtures/tflite/*/*int8*.tflite, datasets/*/model_int8.tflite, bench/peers/*int8*.tflite)
this bisects `arena_size` of `tflite_micro.runtime.Interpreter.from_bytes` (default
InterpreterConfig.kAllocationRecording, i.e. a RecordingMicroAllocator over a GreedyMemoryPlanner,
reference kernels) until it finds N such that:

  * N bytes: the interpreter is created (AllocateTensors succeeds), every input is set to zeros
    and invoke() returns without error;
  * N - 1 bytes: one of those steps fails.

Each trial runs in a forked child (a too-small arena can crash the interpreter rather than
raise), with stdout/stderr silenced. After the bisection the script also checks N .. N + 63 all
succeed (the requirement is monotonic in the arena size; this guards the bisection).

TFLM's own arena_used_bytes()/print_allocations totals undercount the requirement (they miss the
transient peaks of Prepare and of memory planning), so they are recorded for information only.

Output: tests/fixtures/arena/tflm_host64.csv (path relative to the repository, file size, minimum
arena, and the recorded head/tail bytes at the minimum) with a header naming the versions.
  --check   recompute and compare with the committed file (exit 1 on any difference)
  --only S  only models whose path contains S (prints, writes nothing)
"""

import argparse
import glob
import os
import re
import sys

import numpy as np
from tflite_micro.python.tflite_micro import runtime as rt

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "tests", "fixtures", "arena", "tflm_host64.csv")
PATTERNS = [
    "tests/fixtures/int8_ops/*/model.tflite",
    "tests/fixtures/tflite/*/*int8*.tflite",
    "datasets/*/model_int8.tflite",
    "bench/peers/*int8*.tflite",
    "bench/mlperf_tiny/*int8*.tflite",
]


def models():
    out = []
    for pat in PATTERNS:
        out += sorted(glob.glob(os.path.join(REPO, pat)))
    return [os.path.relpath(p, REPO) for p in out]


def _trial(model, size, report_fd):
    it = rt.Interpreter.from_bytes(model, arena_size=size)
    i = 0
    while True:
        try:
            d = it.get_input_details(i)
        except Exception:
            break
        it.set_input(np.zeros(d["shape"], dtype=d["dtype"]), i)
        i += 1
    it.invoke()
    if report_fd is not None:
        os.dup2(report_fd, 1)
        os.dup2(report_fd, 2)
        it.print_allocations()
        sys.stdout.flush()


def ok(model, size, want_report=False):
    """True when `size` bytes suffice; with want_report also the print_allocations text."""
    rfd, wfd = os.pipe() if want_report else (None, None)
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        try:
            _trial(model, size, wfd)
            os._exit(0)
        except BaseException:
            os._exit(1)
    text = ""
    if want_report:
        os.close(wfd)
        with os.fdopen(rfd) as f:
            text = f.read()
    _, st = os.waitpid(pid, 0)
    good = os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0
    return (good, text) if want_report else good


def bisect(model):
    lo, hi = 0, 1 << 12
    while not ok(model, hi):
        lo, hi = hi, hi * 2
        if hi > 1 << 30:
            raise RuntimeError("no arena up to 1 GiB works")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(model, mid):
            hi = mid
        else:
            lo = mid
    for extra in range(1, 64):
        if not ok(model, hi + extra):
            raise RuntimeError(f"not monotonic: {hi} works, {hi + extra} fails")
    if ok(model, hi - 1):
        raise RuntimeError(f"bisection error at {hi}")
    good, text = ok(model, hi, want_report=True)
    m_head = re.search(r"allocation head (\d+) bytes", text)
    m_tail = re.search(r"allocation tail (\d+) bytes", text)
    return hi, int(m_head.group(1)) if m_head else -1, int(m_tail.group(1)) if m_tail else -1


def header():
    import tflite_micro
    return ("# Minimum tensor arena (bytes) of the tflite-micro Python interpreter, found by\n"
            "# reference/bisect_arena.py: load + invoke succeed with arena_min bytes and fail\n"
            "# with one byte less. recorded_head/recorded_tail: what print_allocations reports\n"
            "# at arena_min (informational; it misses transient peaks).\n"
            f"# tflite_micro {tflite_micro.__version__}, numpy {np.__version__}, "
            f"{sys.platform} {os.uname().machine}\n"
            "path,file_bytes,arena_min,recorded_head,recorded_tail\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--only")
    args = ap.parse_args()
    rows = []
    for rel in models():
        if args.only and args.only not in rel:
            continue
        data = open(os.path.join(REPO, rel), "rb").read()
        n, head, tail = bisect(data)
        rows.append(f"{rel},{len(data)},{n},{head},{tail}\n")
        if args.only:
            print(rows[-1], end="")
    if args.only:
        return 0
    text = header() + "".join(rows)
    if args.check:
        old = open(OUT).read()
        strip = lambda s: [line for line in s.splitlines() if not line.startswith("#")]
        if strip(old) != strip(text):
            for a, b in zip(strip(old), strip(text)):
                if a != b:
                    print("differs:", a, "->", b)
            return 1
        print(f"{len(rows)} models: identical to {os.path.relpath(OUT, REPO)}")
        return 0
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, OUT)
    print(f"wrote {os.path.relpath(OUT, REPO)}: {len(rows)} models")
    return 0


if __name__ == "__main__":
    sys.exit(main())
