#!/usr/bin/env python3
"""Accuracy of qvet's int8 models against the TFLite converter's (issue 9, docs/quant.md).

For every model directory in datasets/ (and tests/fixtures/quant/outliers, a model whose
inputs carry rare glitches): the converter's int8 model from the directory's calibration set
(its Calibrator + mlir_quantize on model.tflite, per-channel, int8 I/O -- see quant_parity.py),
qvet's default int8 model (`qvet quantize DIR`, same samples), and qvet with each observer.
Every int8 model is run by `qvet eval` (the int8 emulator, bit-exact with tflite-micro) over the
golden set; the task metric is computed here from the dequantized outputs: accuracy
(classification), RMSE (regression), ROC AUC of the score (anomaly).

Usage: .venv/bin/python reference/quant_quality.py [--qvet build/cli/qvet] [--markdown]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np  # noqa: E402
import quant_parity as P  # noqa: E402

METHODS = ["minmax", "ema", "percentile", "kl", "mse", "auto"]
EXTRA = {"minmax+bias-correction": ["--method", "minmax", "--bias-correction"]}


def directories():
    out = []
    for d in sorted(os.listdir(os.path.join(C.REPO, "datasets"))):
        path = os.path.join(C.REPO, "datasets", d)
        if os.path.exists(os.path.join(path, "qvet.json")):
            out.append((d, path))
    return out


def load_dir(path):
    """(model, calib x, golden x, labels, task) with preprocessing applied to the data."""
    m = json.load(open(os.path.join(path, "qvet.json")))
    cal = m.get("calibration", {})
    x_cal = np.load(os.path.join(path, cal.get("data", "calib/inputs.npy"))).astype(np.float32)
    if cal.get("samples"):
        x_cal = x_cal[:cal["samples"]]
    g = m.get("golden", {})
    x_gold = np.load(os.path.join(path, g.get("inputs", "golden/inputs.npy"))).astype(np.float32)
    labels = np.loadtxt(os.path.join(path, g.get("labels", "golden/labels.csv")), skiprows=1,
                        delimiter=",", ndmin=1)
    pre = m.get("preprocess")
    if pre:
        s, o = np.float32(pre.get("scale", 1.0)), np.float32(pre.get("offset", 0.0))
        x_cal = (x_cal * s + o).astype(np.float32)
        x_gold = (x_gold * s + o).astype(np.float32)
    return (os.path.join(path, m.get("model", "model.tflite")), x_cal, x_gold, labels,
            m.get("task", "classification"))


def auc(score, labels):
    pos, neg = score[labels == 1], score[labels == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    s = 0.0
    for p in pos:
        s += np.sum(p > neg) + 0.5 * np.sum(p == neg)
    return s / (len(pos) * len(neg))


def metric(task, y, labels):
    y = y.reshape(len(y), -1)
    if task == "classification":
        return float(np.mean(np.argmax(y, 1) == labels.astype(np.int64)))
    if task == "regression":
        return float(np.sqrt(np.mean((y[:, 0] - labels) ** 2)))
    if task == "anomaly":
        return float(auc(y[:, 0], labels.astype(np.int64)))
    return float("nan")


def outputs(qvet, model, x, tmp):
    """Output 0 of `model` over x in real units (int8 outputs dequantized)."""
    xp = os.path.join(tmp, "x.npy")
    np.save(xp, x)
    op = os.path.join(tmp, "y.npy")
    subprocess.run([qvet, "eval", model, xp, "--save-outputs", op, "-o",
                    os.path.join(tmp, "p.csv")], check=True, capture_output=True)
    y = np.load(op)
    mt = C.load_model_t(open(model, "rb").read())
    t = mt.subgraphs[0].tensors[mt.subgraphs[0].outputs[0]]
    q = C.tensor_quant(t)
    if q is not None and t.type != C.S.TensorType.FLOAT32:
        y = (y.astype(np.float64) - q[1][0]) * q[0][0]
    return y.astype(np.float64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qvet", default=os.path.join(C.REPO, "build", "cli", "qvet"))
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    rows = []
    dirs = directories()
    out_dir = os.path.join(C.REPO, "tests", "fixtures", "quant", "outliers")
    dirs.append(("outliers (glitchy inputs)", None))
    for name, path in dirs:
        if path is None:
            model = os.path.join(out_dir, "model_f32.tflite")
            x_cal = np.load(os.path.join(out_dir, "calib.npy"))
            x_gold = np.load(os.path.join(out_dir, "golden.npy"))
            labels = np.loadtxt(os.path.join(out_dir, "labels.csv"), skiprows=1, ndmin=1)
            task = "classification"
        else:
            model, x_cal, x_gold, labels, task = load_dir(path)
        with tempfile.TemporaryDirectory() as tmp:
            _, conv = P.converter_quantize(open(model, "rb").read(), list(x_cal))
            cp = os.path.join(tmp, "conv.tflite")
            C.write_bytes(cp, conv)
            xc = os.path.join(tmp, "calib.npy")
            np.save(xc, x_cal)
            row = {"name": name, "task": task, "n": len(x_gold), "calib": len(x_cal)}
            row["float"] = metric(task, outputs(args.qvet, model, x_gold, tmp), labels)
            row["converter"] = metric(task, outputs(args.qvet, cp, x_gold, tmp), labels)
            runs = [(m, ["--method", m]) for m in METHODS] + list(EXTRA.items())
            for m, flags in runs:
                qp = os.path.join(tmp, "q.tflite")
                subprocess.run([args.qvet, "quantize", model, xc, "-o", qp, "-q"] + flags,
                               check=True, capture_output=True)
                row[m] = metric(task, outputs(args.qvet, qp, x_gold, tmp), labels)
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.markdown:
        unit = {"classification": "accuracy", "regression": "RMSE", "anomaly": "ROC AUC"}
        print("\n| model (golden samples) | metric | float | converter | qvet default (minmax) |"
              " ema | percentile | kl | mse | auto | minmax + bias correction |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print("| %s (%d) | %s | %.4f | %.4f | %s |" % (
                r["name"], r["n"], unit.get(r["task"], r["task"]), r["float"], r["converter"],
                " | ".join("%.4f" % r[m] for m in METHODS + list(EXTRA))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
