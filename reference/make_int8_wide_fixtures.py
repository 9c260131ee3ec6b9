#!/usr/bin/env python3
"""Freezes a few hundred of check_int8_wide.py's trained-layer-like int8 cases as fixtures.

Walks the same deterministic case stream as check_int8_wide.py (int8_wide.make(op, index)) and
keeps small cases (model + inputs + outputs <= 24 KiB): first every case whose outputs are
sensitive to how the requantization multiplier is formed (where a multiplier from the float
product s_in*s_w gives another output than the tflite-micro interpreter), up to half of each
op's quota, then the other small cases in stream order.  Each kept case is run in the
tflite-micro interpreter (reference kernels); the script's numpy oracle must agree with it.

Output (deleted and rewritten): tests/fixtures/int8_wide/<op>_<index>/{model.tflite,
input_0.npy (int8 [4, ...]), output_0.npy (TFLM)} and cases.txt.  Deterministic.

Usage: .venv/bin/python reference/make_int8_wide_fixtures.py
"""

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np  # noqa: E402
import int8_wide as W  # noqa: E402

OUT = os.path.join(C.REPO, "tests", "fixtures", "int8_wide")
MAX_BYTES = 24 * 1024
# per stream row: (quota, indices scanned)
QUOTA = {"FULLY_CONNECTED per-tensor": 90, "FULLY_CONNECTED per-channel": 50,
         "CONV_2D": 90, "DEPTHWISE_CONV_2D": 90}
SCAN = {"FULLY_CONNECTED": 3000, "CONV_2D": 2000, "DEPTHWISE_CONV_2D": 2000}


def row_key(p):
    if p["op"] == "FULLY_CONNECTED":
        return "FULLY_CONNECTED " + ("per-channel" if p["geom"]["per_channel"] else "per-tensor")
    return p["op"]


def main():
    tf = C.import_tf()
    picked = {k: [] for k in QUOTA}        # row -> [(index, p, sensitive)]
    for op in W.OPS:
        rows = [k for k in QUOTA if k.startswith(op)]
        sens = {k: [] for k in rows}
        plain = {k: [] for k in rows}
        for i in range(SCAN[op]):
            p = W.make(op, i, tf)
            k = row_key(p)
            size = len(p["model"]) + 2 * p["x"].nbytes + \
                p["x"].shape[0] * int(np.prod(W.output_shape(op, p["geom"])))
            if size > MAX_BYTES:
                continue
            o = W.oracle(p, p["x"])
            f = W.oracle(p, p["x"], product="float")
            n_sens = int(np.sum(o != f))
            if n_sens and len(sens[k]) < QUOTA[k] // 2:
                sens[k].append((i, p, n_sens))
            elif len(plain[k]) < QUOTA[k]:
                plain[k].append((i, p, n_sens))
        for k in rows:
            chosen = sens[k] + plain[k][:QUOTA[k] - len(sens[k])]
            picked[k] = sorted(chosen, key=lambda t: t[0])
            C.log("%s: %d cases (%d multiplier-sensitive)" % (k, len(chosen), len(sens[k])))
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    lines = ["# case_id op index source tie_hunted float_product_sensitive_elements | layer"]
    total = 0
    for k in QUOTA:
        for i, p, n_sens in picked[k]:
            outs, _ = C.run_tflm(p["model"], [p["x"]], want_tensors=False)
            y = outs[0]
            orc = W.oracle(p, p["x"]).reshape(y.shape)
            if not np.array_equal(orc, y):
                C.log("%s %d: the oracle differs from TFLM in %d elements" %
                      (p["op"], i, int(np.sum(orc != y))))
                return 1
            cid = "%s_%04d" % (p["op"].lower(), i)
            d = os.path.join(OUT, cid)
            C.write_bytes(os.path.join(d, "model.tflite"), p["model"])
            C.save_npy(os.path.join(d, "input_0.npy"), p["x"])
            C.save_npy(os.path.join(d, "output_0.npy"), y)
            total += sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
            lines.append("%s %s %d %s %s %d | %s" % (
                cid, p["op"], i, p["source"].split(" ")[0], "yes" if p["tie_hunted"] else "no",
                n_sens, W.describe(p)))
    lines.sort(key=lambda s: (s[0] != "#", s))
    C.write_text(os.path.join(OUT, "cases.txt"), "\n".join(lines) + "\n")
    print("%d cases, %.2f MB" % (len(lines) - 1, total / 1e6))
    return 0


if __name__ == "__main__":
    sys.exit(main())
