#!/usr/bin/env python3
"""Shipped example model directory datasets/digits/ with real data.

Trains a tiny Keras CNN on scikit-learn's bundled 8x8 digits dataset (it ships
inside the scikit-learn package; nothing is downloaded), converts it to a
float32 .tflite and a full-integer int8 .tflite (calibrated on 200 training
samples), and writes golden / calibration data, qvet.json, expected outputs
(litert float, TFLM int8) and a README with the measured accuracies.

Usage: .venv/bin/python reference/make_digits.py
"""

import json
import os
import shutil
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np  # noqa: E402

OUT = os.path.join(C.REPO, "datasets", "digits")
SEED = 1234
N_TEST = 360
N_CALIB = 200
EPOCHS = 80


def main():
    tf = C.import_tf()
    import keras
    from sklearn.datasets import load_digits
    import sklearn
    L = keras.layers

    d = load_digits()
    X = (d.images.astype(np.float32) / 16.0).reshape(-1, 8, 8, 1)
    y = d.target.astype(np.int64)
    # stratified, seeded split: N_TEST held-out rows
    rng = np.random.default_rng(SEED)
    test_idx = []
    per_class = N_TEST // 10
    for c in range(10):
        idx = np.flatnonzero(y == c)
        test_idx.extend(rng.choice(idx, per_class, replace=False).tolist())
    test_idx = np.array(sorted(test_idx))
    train_mask = np.ones(len(y), bool)
    train_mask[test_idx] = False
    Xtr, ytr = X[train_mask], y[train_mask]
    Xte, yte = X[test_idx], y[test_idx]
    perm = rng.permutation(len(ytr))
    Xtr, ytr = Xtr[perm], ytr[perm]

    keras.utils.set_random_seed(SEED)
    inp = keras.Input((8, 8, 1))
    h = L.Conv2D(8, 3, padding="same", activation="relu")(inp)
    h = L.DepthwiseConv2D(3, padding="same", depth_multiplier=2, activation="relu")(h)
    h = L.MaxPooling2D(2)(h)
    h = L.Conv2D(16, 1, activation="relu")(h)
    h = L.AveragePooling2D(2)(h)
    h = L.Flatten()(h)
    h = L.Dense(10)(h)
    out = L.Softmax()(h)
    model = keras.Model(inp, out)
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(Xtr, ytr, epochs=EPOCHS, batch_size=32, verbose=0, shuffle=True)
    keras_acc = float(np.mean(np.argmax(model.predict(Xte, verbose=0), 1) == yte))
    C.log("keras test accuracy %.4f" % keras_acc)

    calib_idx = np.random.default_rng(SEED + 1).choice(len(ytr), N_CALIB, replace=False)
    Xcal = Xtr[np.sort(calib_idx)]
    m32 = C.convert_keras(model, None, mode="f32")
    m8 = C.convert_keras(model, [[Xcal[i:i + 1]] for i in range(N_CALIB)], mode="int8")

    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    C.write_bytes(os.path.join(OUT, "model.tflite"), m32)
    C.write_bytes(os.path.join(OUT, "model_int8.tflite"), m8)
    C.save_npy(os.path.join(OUT, "golden", "inputs.npy"), Xte)
    C.write_text(os.path.join(OUT, "golden", "labels.csv"),
                 "label\n" + "".join("%d\n" % v for v in yte))
    C.save_npy(os.path.join(OUT, "calib", "inputs.npy"), Xcal)
    manifest = {
        "name": "digits",
        "model": "model.tflite",
        "int8_model": "model_int8.tflite",
        "task": "classification",
        "golden": {"inputs": "golden/inputs.npy", "labels": "golden/labels.csv"},
        "calibration": {"data": "calib/inputs.npy", "samples": 200,
                        "method": "minmax", "per_channel": True},
        "targets": ["stm32f4", "nrf52840"],
        "gates": {"max_accuracy_drop": 0.02, "min_agreement": 0.97},
    }
    C.write_text(os.path.join(OUT, "qvet.json"), json.dumps(manifest, indent=2) + "\n")

    # expected outputs
    o32, _ = C.run_litert(m32, [Xte], ref=False, want_tensors=False)
    mt8 = C.load_model_t(m8)
    g = mt8.subgraphs[0]
    (si,), (zi,) = C.tensor_quant(g.tensors[g.inputs[0]])
    (so,), (zo,) = C.tensor_quant(g.tensors[g.outputs[0]])
    Xte8 = C.quantize_np(Xte, si, zi)
    o8, _ = C.run_tflm(m8, [Xte8], want_tensors=False)
    C.save_npy(os.path.join(OUT, "expected", "output_f32_litert.npy"), o32[0])
    C.save_npy(os.path.join(OUT, "expected", "output_int8_tflm.npy"), o8[0])
    p32 = np.argmax(o32[0], 1)
    p8 = np.argmax(o8[0], 1)   # ties: first index, like numpy/C argmax loops
    acc32 = float(np.mean(p32 == yte))
    acc8 = float(np.mean(p8 == yte))
    agree = float(np.mean(p32 == p8))
    n_params = int(sum(np.prod(w.shape) for w in model.get_weights()))
    macs = C.count_macs(m32)
    C.log("float %.4f  int8 %.4f  agreement %.4f  size f32 %d int8 %d"
          % (acc32, acc8, agree, len(m32), len(m8)))
    v = C.versions()
    ops = " ".join(C.op_list(m8))
    readme = f"""# digits — shipped example model directory

Real data, no download: the 8x8 grayscale handwritten digits that ship inside
scikit-learn (`sklearn.datasets.load_digits`, scikit-learn {sklearn.__version__}; 1797 images,
10 classes; a copy of the test set of the UCI "Optical Recognition of Handwritten
Digits" data). Pixels 0..16 are scaled to [0, 1] and shaped `[N, 8, 8, 1]` (NHWC).

Made by `reference/make_digits.py` (deterministic; seed {SEED}).

- Split: {N_TEST} held-out rows (36 per class, seeded) → `golden/inputs.npy` (float32
  `[{N_TEST},8,8,1]`) and `golden/labels.csv` (header `label`); the other {len(ytr)} rows train
  the model. `calib/inputs.npy` = {N_CALIB} training rows (float32 `[{N_CALIB},8,8,1]`).
- Model (Keras {v['keras']}, TensorFlow {v['tensorflow']}): Conv2D 8@3x3 SAME + ReLU →
  DepthwiseConv2D 3x3 depth_multiplier 2 + ReLU → MaxPool 2 → Conv2D 16@1x1 + ReLU →
  AveragePool 2 → Flatten → Dense 10 → Softmax; {n_params} parameters, {macs} MACs.
  Adam (lr 3e-3), batch 32, {EPOCHS} epochs, sparse categorical cross-entropy.
- `model.tflite`: float32 ({len(m32)} bytes). `model_int8.tflite`: full-integer int8 with int8
  input/output ({len(m8)} bytes), TFLite converter (Optimize.DEFAULT, TFLITE_BUILTINS_INT8,
  per-channel conv weights, per-tensor dense weights) calibrated on `calib/inputs.npy`.
  int8 ops: {ops}. Input quantization: scale {float(si):.9g}, zero point {zi};
  output: scale {float(so):.9g}, zero point {zo}.
- `expected/output_f32_litert.npy`: ai-edge-litert {v['ai-edge-litert']} (default kernels) on
  `model.tflite` over the golden inputs, float32 `[{N_TEST},10]`.
  `expected/output_int8_tflm.npy`: TFLite Micro ({v['tflite_micro']}, reference kernels) on
  `model_int8.tflite`, fed the golden inputs quantized with the model's input parameters
  (round half away from zero, + zero point, clamp), int8 `[{N_TEST},10]`.

Measured on the {N_TEST} golden rows:

| engine | top-1 accuracy |
|---|---|
| Keras (training framework) | {keras_acc:.4f} |
| float32 .tflite, litert | {acc32:.4f} |
| int8 .tflite, TFLM | {acc8:.4f} |

Float/int8 top-1 agreement: {agree:.4f}. Accuracy drop float → int8: {acc32 - acc8:+.4f}.
"""
    C.write_text(os.path.join(OUT, "README.md"), readme)


if __name__ == "__main__":
    main()
