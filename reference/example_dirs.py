"""Shared by the make_<name>.py scripts that write the example model directories of
datasets/ (besides digits): writing a directory, running the reference interpreters on
its golden set, and the task metrics quoted in each directory's README."""

import json
import os
import shutil

import common as C
from common import np


def write_dir(out, m32, m8, golden_x, labels, calib_x, manifest, label_fmt="%d"):
    """Write model.tflite, model_int8.tflite, golden/inputs.npy, golden/labels.csv (header
    `label`), calib/inputs.npy and qvet.json into a fresh `out`; then the reference outputs
    expected/output_f32_litert.npy (ai-edge-litert default kernels on model.tflite) and
    expected/output_int8_tflm.npy (TFLM on model_int8.tflite, golden inputs quantized with its
    input parameters).  Returns (float outputs, int8 outputs, int8 outputs dequantized)."""
    if os.path.isdir(out):
        shutil.rmtree(out)
    C.write_bytes(os.path.join(out, "model.tflite"), m32)
    C.write_bytes(os.path.join(out, "model_int8.tflite"), m8)
    C.save_npy(os.path.join(out, "golden", "inputs.npy"), golden_x.astype(np.float32))
    C.write_text(os.path.join(out, "golden", "labels.csv"),
                 "label\n" + "".join((label_fmt + "\n") % v for v in labels))
    C.save_npy(os.path.join(out, "calib", "inputs.npy"), calib_x.astype(np.float32))
    C.write_text(os.path.join(out, "qvet.json"), json.dumps(manifest, indent=2) + "\n")
    o32, _ = C.run_litert(m32, [golden_x.astype(np.float32)], ref=False, want_tensors=False)
    si, zi, so, zo = io_quant(m8)
    o8, _ = C.run_tflm(m8, [C.quantize_np(golden_x, si, zi)], want_tensors=False)
    C.save_npy(os.path.join(out, "expected", "output_f32_litert.npy"), o32[0])
    C.save_npy(os.path.join(out, "expected", "output_int8_tflm.npy"), o8[0])
    deq = (o8[0].astype(np.float32) - np.float32(zo)) * np.float32(so)
    return o32[0], o8[0], deq


def io_quant(m8):
    """(input scale, input zero point, output scale, output zero point) of an int8 model."""
    mt = C.load_model_t(m8)
    g = mt.subgraphs[0]
    (si,), (zi,) = C.tensor_quant(g.tensors[g.inputs[0]])
    (so,), (zo,) = C.tensor_quant(g.tensors[g.outputs[0]])
    return si, zi, so, zo


def auc(score, label):
    """Area under the ROC curve of `score` for binary `label` (1 = positive), ties
    counted one half (Mann-Whitney U)."""
    score = np.asarray(score, np.float64).ravel()
    label = np.asarray(label).ravel().astype(bool)
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(len(score))
    s = score[order]
    i = 0
    while i < len(s):                      # average ranks over ties
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[order[i:j + 1]] = 0.5 * (i + j) + 1.0
        i = j + 1
    npos, nneg = int(label.sum()), int((~label).sum())
    return float((ranks[label].sum() - npos * (npos + 1) / 2.0) / (npos * nneg))


def sqnr_db(ref, test):
    ref = np.asarray(ref, np.float64).ravel()
    err = np.asarray(test, np.float64).ravel() - ref
    return float(10.0 * np.log10(np.sum(ref * ref) / max(np.sum(err * err), 1e-300)))


def ops(m):
    return " ".join(C.op_list(m))


def n_params(model):
    return int(sum(np.prod(w.shape) for w in model.get_weights()))
