#!/usr/bin/env python3
"""Checks a qvet binary against the tflite-micro interpreter on thousands of trained-layer-like
single-op int8 models (FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D; see int8_wide.py).

For every case (op, index) it builds the model (every 25th by the real TFLite converter), runs
the tflite-micro interpreter (reference kernels) on its 4 int8 samples, then
`qvet eval --engine int8 --save-outputs` with and without --plain-loops, and counts the output
elements that differ from TFLM.  It also checks its own numpy oracle against TFLM and counts
the elements where a multiplier built from the float product (float)(s_in*s_w)/s_out would give
another output than TFLM (the "float-product sensitive" elements: what the check can see of
that class of bug).  With --litert it also runs ai-edge-litert's BUILTIN_REF interpreter and
tells which multiplier product and rounding reproduce it.

Several binaries may be given (e.g. builds before and after a fix): the cases are generated and
run in TFLM once, and each binary gets its own table.  Prints one row per op (FULLY_CONNECTED
split into per-tensor and per-channel) and exits 1 if a qvet differs anywhere (or refuses a
model), 0 otherwise, 2 on bad usage.

Usage: .venv/bin/python reference/check_int8_wide.py QVET [QVET...] [--cases N] [--ops LIST]
           [--start I] [--no-converter] [--litert] [--save-failures DIR] [--quiet]
  --cases N   cases per op (default 3000 FULLY_CONNECTED, 2000 CONV_2D, 2000 DEPTHWISE_CONV_2D)
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np  # noqa: E402
import int8_wide as W  # noqa: E402

DEFAULT_CASES = {"FULLY_CONNECTED": 3000, "CONV_2D": 2000, "DEPTHWISE_CONV_2D": 2000}
SHORT = {"FC": "FULLY_CONNECTED", "CONV": "CONV_2D", "DW": "DEPTHWISE_CONV_2D"}


def run_qvet(qvet, model, inp, out, plain):
    cmd = [qvet, "eval", "--engine", "int8", "--save-outputs", out,
           "-o", os.path.join(os.path.dirname(out), "pred.csv"), model, inp]
    if plain:
        cmd.append("--plain-loops")
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return None, "exit %d: %s" % (r.returncode, r.stderr.strip()[-300:])
    return np.load(out), None


def row_key(p):
    if p["op"] == "FULLY_CONNECTED":
        return "FULLY_CONNECTED per-channel" if p["geom"]["per_channel"] \
            else "FULLY_CONNECTED per-tensor"
    return p["op"]


class Stats:
    FIELDS = ("cases", "converter", "elements", "fast", "plain", "cases_differ", "refused",
              "sensitive", "sensitive_cases", "oracle", "litert_differ", "litert_cases",
              "litert_refused")

    def __init__(self):
        self.rows = {}
        self.litert = {}

    def row(self, k):
        return self.rows.setdefault(k, dict.fromkeys(self.FIELDS, 0))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("qvet", nargs="+")
    ap.add_argument("--cases", type=int, help="cases per op")
    ap.add_argument("--ops", default="FC,CONV,DW", help="comma list of FC, CONV, DW")
    ap.add_argument("--start", type=int, default=0, help="first case index")
    ap.add_argument("--no-converter", action="store_true",
                    help="build every case directly (no TensorFlow import)")
    ap.add_argument("--litert", action="store_true",
                    help="also run ai-edge-litert BUILTIN_REF and analyse its arithmetic")
    ap.add_argument("--save-failures", metavar="DIR",
                    help="copy each differing case (model, input, TFLM output) into DIR")
    ap.add_argument("--quiet", action="store_true")
    try:
        a = ap.parse_args()
        ops = [SHORT[o.strip().upper()] for o in a.ops.split(",")]
    except (KeyError, SystemExit):
        return 2
    for q in a.qvet:
        if not os.access(q, os.X_OK):
            print("check_int8_wide: %s is not an executable" % q, file=sys.stderr)
            return 2
    tf = None if a.no_converter else C.import_tf()
    st = {q: Stats() for q in a.qvet}
    tmp = tempfile.mkdtemp(prefix="qvet-wide-")
    t0 = time.time()
    try:
        for op in ops:
            n = a.cases if a.cases is not None else DEFAULT_CASES[op]
            for i in range(a.start, a.start + n):
                check_case(a, op, i, tf, tmp, st)
                if not a.quiet and (i - a.start + 1) % 250 == 0:
                    C.log("%s: %d/%d cases (%.0f s)" % (op, i - a.start + 1, n, time.time() - t0))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    bad = 0
    for q in a.qvet:
        report(st[q], q, a, time.time() - t0)
        bad += sum(r["fast"] + r["plain"] + r["refused"] + r["oracle"]
                   for r in st[q].rows.values())
    return 1 if bad else 0


def check_case(a, op, i, tf, tmp, stats):
    p = W.make(op, i, tf)
    model = os.path.join(tmp, "model.tflite")
    inp = os.path.join(tmp, "input.npy")
    C.write_bytes(model, p["model"])
    C.save_npy(inp, p["x"])
    want = C.run_tflm(p["model"], [p["x"]], want_tensors=False)[0][0]
    # the numpy oracle must agree with TFLM (it is what the sensitivity figure relies on)
    orc = W.oracle(p, p["x"]).reshape(want.shape)
    n_orc = int(np.sum(orc != want))
    flt = W.oracle(p, p["x"], product="float").reshape(want.shape)
    sens = int(np.sum(flt != want))
    lr = None
    for q, st in stats.items():
        r = st.row(row_key(p))
        r["cases"] += 1
        r["converter"] += p["source"] == "converter"
        r["elements"] += want.size
        r["oracle"] += n_orc
        r["sensitive"] += sens
        r["sensitive_cases"] += sens > 0
        run_binary(a, q, op, i, p, model, inp, want, tmp, r)
        if a.litert:
            lr = litert_analysis(p, want, st, r, lr)


def run_binary(a, qvet, op, i, p, model, inp, want, tmp, r):
    differ = False
    for plain in (False, True):
        got, err = run_qvet(qvet, model, inp, os.path.join(tmp, "out.npy"), plain)
        key = "plain" if plain else "fast"
        if got is None:
            r["refused"] += 1
            differ = True
            C.log("%s %d [%s, %s]: qvet %s" % (op, i, os.path.basename(qvet), key, err))
            continue
        d = int(np.sum(got.reshape(want.shape) != want)) if got.size == want.size else want.size
        r[key] += d
        if d:
            differ = True
            if not a.quiet:
                C.log("%s %d [%s, %s]: %d of %d elements differ (%s)" % (
                    op, i, os.path.basename(qvet), key, d, want.size, W.describe(p)))
    r["cases_differ"] += differ
    if differ and a.save_failures:
        d = os.path.join(a.save_failures, "%s_%05d" % (op.lower(), i))
        C.write_bytes(os.path.join(d, "model.tflite"), p["model"])
        C.save_npy(os.path.join(d, "input_0.npy"), p["x"])
        C.save_npy(os.path.join(d, "output_0.npy"), want)


def litert_analysis(p, want, st, r, lr):
    """litert BUILTIN_REF on the case (lr: its outputs if already computed; returned)."""
    if lr is None:
        try:
            lr = C.run_litert(p["model"], [p["x"]], ref=True, want_tensors=False)[0][0]
        except RuntimeError:      # e.g. TFLite's int8 CONV_2D requires a bias
            lr = "refused"
    if isinstance(lr, str):
        r["litert_refused"] += 1
        return lr
    lr = lr.reshape(want.shape)
    dl = int(np.sum(lr != want))
    r["litert_differ"] += dl
    r["litert_cases"] += dl > 0
    v = st.litert.setdefault(row_key(p), {})
    for prod in ("double", "float"):
        for rnd in ("double", "single"):
            o = W.oracle(p, p["x"], product=prod, rounding=rnd).reshape(want.shape)
            v[(prod, rnd)] = v.get((prod, rnd), 0) + int(np.sum(o != lr))
    return lr


def report(st, qvet, a, secs):
    print("\nqvet binary: %s" % qvet)
    print("cases from index %d; %.0f s" % (a.start, secs))
    hdr = ("%-28s %6s %5s %11s %10s %10s %7s %7s %11s %6s" %
           ("op", "cases", "conv", "elements", "diff_fast", "diff_plain", "cases≠", "refused",
            "float-prod", "oracle"))
    print(hdr)
    tot = dict.fromkeys(Stats.FIELDS, 0)
    for k in sorted(st.rows):
        r = st.rows[k]
        for f in Stats.FIELDS:
            tot[f] += r[f]
        print("%-28s %6d %5d %11d %10d %10d %7d %7d %5d (%3d) %6d" %
              (k, r["cases"], r["converter"], r["elements"], r["fast"], r["plain"],
               r["cases_differ"], r["refused"], r["sensitive"], r["sensitive_cases"],
               r["oracle"]))
    r = tot
    print("%-28s %6d %5d %11d %10d %10d %7d %7d %5d (%3d) %6d" %
          ("total", r["cases"], r["converter"], r["elements"], r["fast"], r["plain"],
           r["cases_differ"], r["refused"], r["sensitive"], r["sensitive_cases"], r["oracle"]))
    print("columns: conv = converter-made cases; diff_* = output elements where qvet differs "
          "from TFLM (fast path / --plain-loops); float-prod = elements (cases) where a "
          "multiplier from the float product s_in*s_w would differ from TFLM; oracle = elements "
          "where this script's numpy oracle differs from TFLM")
    if a.litert:
        print("\nai-edge-litert BUILTIN_REF: elements differing from TFLM, and from the oracle "
              "with each multiplier product / rounding")
        for k in sorted(st.litert):
            v = st.litert[k]
            print("%-28s vs TFLM %d (%d cases, %d refused); %s" % (
                k, st.rows[k]["litert_differ"], st.rows[k]["litert_cases"],
                st.rows[k]["litert_refused"],
                ", ".join("%s product + %s rounding: %d" % (p, rd, v[(p, rd)])
                          for p, rd in sorted(v))))


if __name__ == "__main__":
    sys.exit(main())
