#!/usr/bin/env python3
"""Example model directory datasets/basic_motions/: a sensor time-series classifier.

Real data, no download: BasicMotions (UEA multivariate time-series archive), shipped
inside the sktime package (sktime/datasets/data/BasicMotions/*.ts, read with
sktime.datasets.load_basic_motions).  A smart watch's 3-axis accelerometer and 3-axis
gyroscope at 10 Hz, 10 s recordings of four activities (standing, walking, running,
badminton) by four people; 40 training and 40 test recordings.

Each recording is cut into 5-second windows (50 steps, hop 1 s: 6 windows per
recording); windows of the training recordings train a small 1-D CNN (Conv2D with k x 1
kernels over [time, 1, channel]); windows of the test recordings are the golden set, so
that no recording is in both.  Channels are standardized with the training windows'
per-channel mean and standard deviation (printed in the README: the firmware does the
same before calling the model).

Usage: .venv/bin/python reference/make_basic_motions.py     (~20 s, deterministic)
"""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np  # noqa: E402
import example_dirs as E  # noqa: E402

OUT = os.path.join(C.REPO, "datasets", "basic_motions")
SEED = 7
WIN = 50
HOP = 10
N_CALIB = 100
EPOCHS = 60
CLASSES = ["standing", "walking", "running", "badminton"]
CHANNELS = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]


def windows(X, y):
    """[n, 6, 100] recordings -> [n * k, WIN, 6] windows, labels, recording index."""
    xs, ys, rec = [], [], []
    for i in range(X.shape[0]):
        for s in range(0, X.shape[2] - WIN + 1, HOP):
            xs.append(X[i, :, s:s + WIN].T)
            ys.append(CLASSES.index(y[i]))
            rec.append(i)
    return np.array(xs), np.array(ys, np.int64), np.array(rec)


def main():
    C.import_tf()
    import keras
    import sktime
    from sktime.datasets import load_basic_motions
    L = keras.layers

    Xtr, ytr = load_basic_motions(split="train", return_type="numpy3D")
    Xte, yte = load_basic_motions(split="test", return_type="numpy3D")
    wtr, ltr, _ = windows(Xtr, ytr)
    wte, lte, rte = windows(Xte, yte)
    mean = wtr.reshape(-1, 6).mean(axis=0)
    std = wtr.reshape(-1, 6).std(axis=0)
    wtr = ((wtr - mean) / std).astype(np.float32)
    wte = ((wte - mean) / std).astype(np.float32)
    rng = np.random.default_rng(SEED)
    perm = rng.permutation(len(ltr))
    wtr, ltr = wtr[perm], ltr[perm]

    keras.utils.set_random_seed(SEED)
    inp = keras.Input((WIN, 6))
    h = L.Reshape((WIN, 1, 6))(inp)
    h = L.Conv2D(16, (5, 1), padding="same", activation="relu")(h)
    h = L.MaxPooling2D((2, 1))(h)
    h = L.Conv2D(24, (5, 1), padding="same", activation="relu")(h)
    h = L.MaxPooling2D((2, 1))(h)
    h = L.Conv2D(32, (3, 1), padding="same", activation="relu")(h)
    h = L.GlobalAveragePooling2D()(h)
    h = L.Dense(len(CLASSES))(h)
    out = L.Softmax()(h)
    model = keras.Model(inp, out)
    model.compile(optimizer=keras.optimizers.Adam(2e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(wtr, ltr, epochs=EPOCHS, batch_size=16, verbose=0, shuffle=True)
    keras_acc = float(np.mean(np.argmax(model.predict(wte, verbose=0), 1) == lte))
    C.log("keras golden accuracy %.4f" % keras_acc)

    calib = wtr[np.sort(np.random.default_rng(SEED + 1).choice(len(ltr), N_CALIB,
                                                                replace=False))]
    m32 = C.convert_keras(model, None, mode="f32")
    m8 = C.convert_keras(model, [[calib[i:i + 1]] for i in range(N_CALIB)], mode="int8")
    manifest = {
        "name": "basic_motions",
        "model": "model.tflite",
        "int8_model": "model_int8.tflite",
        "task": "classification",
        "golden": {"inputs": "golden/inputs.npy", "labels": "golden/labels.csv"},
        "calibration": {"data": "calib/inputs.npy", "samples": N_CALIB,
                        "method": "minmax", "per_channel": True},
        "targets": ["stm32f4", "nrf52840"],
        "gates": {"max_accuracy_drop": 0.03, "min_agreement": 0.95,
                  "min_output_sqnr_db": 15.0},
    }
    o32, o8, d8 = E.write_dir(OUT, m32, m8, wte, lte, calib, manifest)
    p32, p8 = np.argmax(o32, 1), np.argmax(o8, 1)
    acc32, acc8 = float(np.mean(p32 == lte)), float(np.mean(p8 == lte))
    agree = float(np.mean(p32 == p8))
    sq = E.sqnr_db(o32, d8)
    si, zi, so, zo = E.io_quant(m8)
    v = C.versions()
    C.log("float %.4f int8 %.4f agreement %.4f sqnr %.1f dB sizes %d %d"
          % (acc32, acc8, agree, sq, len(m32), len(m8)))
    counts = ", ".join("%s %d" % (c, int((lte == i).sum())) for i, c in enumerate(CLASSES))
    readme = f"""# basic_motions — sensor time-series classifier (smart-watch IMU)

**Data** (real, shipped inside a package, nothing downloaded): *BasicMotions* from the UEA
multivariate time-series classification archive, as bundled with sktime {sktime.__version__}
(`sktime/datasets/data/BasicMotions/BasicMotions_{{TRAIN,TEST}}.ts`, loaded with
`sktime.datasets.load_basic_motions`). Four students wore a smart watch whose 3-axis
accelerometer and 3-axis gyroscope were sampled at 10 Hz for 10 s while they were standing,
walking, running or playing badminton, five times each: 80 recordings of 6 x 100 values,
split by the archive into 40 training and 40 test recordings.
License: sktime is BSD-3-Clause; the UEA/UCR archive data are published for research use
with the request to cite Bagnall et al., "The UEA multivariate time series classification
archive, 2018" (arXiv:1811.00075).

**Task**: `classification`, 4 classes: {", ".join("%d %s" % (i, c) for i, c in enumerate(CLASSES))}.

**Made by** `reference/make_basic_motions.py` (deterministic; seed {SEED}):

- Every recording is cut into 5 s windows (50 steps, hop {HOP} steps: 6 windows per
  recording). Windows of the 40 training recordings ({len(ltr)}) train the model; windows of
  the 40 test recordings are the golden set ({len(lte)}: {counts}), so no recording is in
  both.
- Input `[N, 50, 6]` float32, channels {", ".join(CHANNELS)} standardized with the training
  windows' per-channel statistics (the firmware must do the same):
  mean = [{", ".join("%.6g" % m for m in mean)}],
  std = [{", ".join("%.6g" % s for s in std)}].
- Model (Keras {v['keras']}, TensorFlow {v['tensorflow']}): Reshape to `[50, 1, 6]` →
  Conv2D 16@5x1 SAME + ReLU → MaxPool 2x1 → Conv2D 24@5x1 + ReLU → MaxPool 2x1 →
  Conv2D 32@3x1 + ReLU → GlobalAveragePooling → Dense 4 → Softmax; {E.n_params(model)}
  parameters, {C.count_macs(m32)} MACs. Adam (lr 2e-3), batch 16, {EPOCHS} epochs.
- `model.tflite`: float32 ({len(m32)} bytes). `model_int8.tflite`: TFLite converter, full
  integer with int8 input/output ({len(m8)} bytes; Optimize.DEFAULT, TFLITE_BUILTINS_INT8,
  per-channel conv weights, per-tensor dense weights), calibrated on `calib/inputs.npy`
  ({N_CALIB} training windows). int8 ops: {E.ops(m8)}. Input scale {float(si):.9g}, zero
  point {zi}; output scale {float(so):.9g}, zero point {zo}.
- `golden/inputs.npy` float32 `[{len(lte)}, 50, 6]`, `golden/labels.csv` (header `label`).
- `expected/output_f32_litert.npy`: ai-edge-litert {v['ai-edge-litert']} on `model.tflite`;
  `expected/output_int8_tflm.npy`: TFLite Micro ({v['tflite_micro']}) on `model_int8.tflite`
  with the golden inputs quantized by its input parameters.

**Measured** on the {len(lte)} golden windows:

| engine | top-1 accuracy |
|---|---|
| Keras | {keras_acc:.4f} |
| float32 .tflite, litert | {acc32:.4f} |
| int8 .tflite, TFLM | {acc8:.4f} |

Float/int8 agreement {agree:.4f}; output SQNR (int8 dequantized vs float) {sq:.1f} dB.
Gates in `qvet.json`: accuracy drop ≤ 0.03, agreement ≥ 0.95, output SQNR ≥ 15 dB.
"""
    C.write_text(os.path.join(OUT, "README.md"), readme)


if __name__ == "__main__":
    main()
