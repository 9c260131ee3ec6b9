#!/usr/bin/env python3
"""Example model directory datasets/breast_cancer_ae/: an anomaly-detection autoencoder.

Real data, no download: the Wisconsin Diagnostic Breast Cancer data shipped inside
scikit-learn (sklearn.datasets.load_breast_cancer): 569 cases, 30 features computed from
a digitized image of a fine-needle aspirate of a breast mass (radius, texture, perimeter,
area, smoothness, ... of the cell nuclei: mean, standard error and worst value), 357
benign and 212 malignant.

Anomaly detection as it is done on sensors: an autoencoder learns to reconstruct the
*normal* (benign) cases only; a case it reconstructs badly is flagged.  The model computes
its own anomaly score, so the firmware compares one number with a threshold:

    score = tanh( mean((x - decoder(encoder(x)))^2) / s0 )

with s0 the 95th percentile of the training cases' reconstruction error (a monotonic map:
the same ranking, hence the same AUC, as the raw error; it bounds the score to [0, 1) so
that the int8 output keeps its resolution where the threshold lies instead of being
stretched by the largest anomalies).  Features are log1p-transformed and standardized with
the benign training cases' statistics (an elementwise map the firmware applies first).

Golden set: the 107 benign cases left out of training (label 0) and all 212 malignant
cases (label 1); none of them was seen in training or calibration.

Usage: .venv/bin/python reference/make_breast_cancer_ae.py     (~20 s, deterministic)
"""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np  # noqa: E402
import example_dirs as E  # noqa: E402

OUT = os.path.join(C.REPO, "datasets", "breast_cancer_ae")
SEED = 11
N_TRAIN = 250          # benign cases for training (and calibration)
EPOCHS = 300


def main():
    tf = C.import_tf()
    import keras
    import sklearn
    from sklearn.datasets import load_breast_cancer
    L = keras.layers

    d = load_breast_cancer()
    X = np.log1p(d.data.astype(np.float64))
    anomaly = (d.target == 0).astype(np.int64)        # sklearn: 0 malignant, 1 benign
    benign = np.flatnonzero(anomaly == 0)
    rng = np.random.default_rng(SEED)
    perm = rng.permutation(benign)
    tr = np.sort(perm[:N_TRAIN])
    gold = np.sort(np.concatenate([perm[N_TRAIN:], np.flatnonzero(anomaly == 1)]))
    mu, sd = X[tr].mean(axis=0), X[tr].std(axis=0)
    Z = ((X - mu) / sd).astype(np.float32)
    Ztr, Zg, yg = Z[tr], Z[gold], anomaly[gold]

    keras.utils.set_random_seed(SEED)
    inp = keras.Input((30,))
    h = L.Dense(16, activation="relu")(inp)
    h = L.Dense(6, activation="relu")(h)
    h = L.Dense(16, activation="relu")(h)
    rec = L.Dense(30)(h)
    ae = keras.Model(inp, rec)
    ae.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mse")
    ae.fit(Ztr, Ztr, epochs=EPOCHS, batch_size=16, verbose=0, shuffle=True)
    err_tr = np.mean((ae.predict(Ztr, verbose=0) - Ztr) ** 2, axis=1)
    s0 = float(np.float32(np.percentile(err_tr, 95)))

    def score(x):
        d_ = x - ae(x, training=False)
        return tf.math.tanh(tf.reduce_mean(d_ * d_, axis=-1, keepdims=True)
                            * np.float32(1.0 / s0))

    k_score = score(tf.constant(Zg)).numpy().ravel()
    k_auc = E.auc(k_score, yg)
    C.log("keras golden AUC %.4f (s0 %.5g)" % (k_auc, s0))

    m32 = C.convert_concrete(score, [[1, 30]], None, mode="f32")
    m8 = C.convert_concrete(score, [[1, 30]], [[Ztr[i:i + 1]] for i in range(N_TRAIN)],
                            mode="int8")
    manifest = {
        "name": "breast_cancer_ae",
        "model": "model.tflite",
        "int8_model": "model_int8.tflite",
        "task": "anomaly",
        "golden": {"inputs": "golden/inputs.npy", "labels": "golden/labels.csv"},
        "calibration": {"data": "calib/inputs.npy", "samples": N_TRAIN,
                        "method": "minmax", "per_channel": True},
        "targets": ["stm32f4", "nrf52840"],
        "gates": {"min_output_sqnr_db": 20.0},
    }
    o32, o8, d8 = E.write_dir(OUT, m32, m8, Zg, yg, Ztr, manifest)
    C.write_text(os.path.join(OUT, "standardize.csv"), "feature,name,mean,std\n" + "".join(
        "%d,%s,%.9g,%.9g\n" % (i, d.feature_names[i].replace(" ", "_"), mu[i], sd[i])
        for i in range(30)))
    s32, s8 = o32.ravel(), d8.ravel()
    auc32, auc8 = E.auc(s32, yg), E.auc(s8, yg)
    sq = E.sqnr_db(s32, s8)
    corr = float(np.corrcoef(s32, s8)[0, 1])
    si, zi, so, zo = E.io_quant(m8)
    v = C.versions()
    C.log("float AUC %.4f int8 AUC %.4f SQNR %.1f dB corr %.4f sizes %d %d"
          % (auc32, auc8, sq, corr, len(m32), len(m8)))
    nb, nm = int((yg == 0).sum()), int((yg == 1).sum())
    thr = float(np.tanh(1.0))     # error = s0, the training cases' 95th percentile
    readme = f"""# breast_cancer_ae — anomaly-detection autoencoder

**Data** (real, shipped inside a package, nothing downloaded): the Wisconsin Diagnostic
Breast Cancer data bundled with scikit-learn {sklearn.__version__}
(`sklearn.datasets.load_breast_cancer`): 569 cases, 30 features computed from a digitized
image of a fine-needle aspirate of a breast mass (mean, standard error and worst value of
radius, texture, perimeter, area, smoothness, compactness, concavity, concave points,
symmetry and fractal dimension of the cell nuclei); 357 benign, 212 malignant.
Origin: W. N. Street, W. H. Wolberg, O. L. Mangasarian (1993), UCI Machine Learning
Repository (CC BY 4.0); scikit-learn is BSD-3-Clause.

**Task**: `anomaly`. The autoencoder learned the benign cases only; the model outputs one
anomaly score in [0, 1): `tanh(mean((x - reconstruction)^2) / s0)`, s0 = {s0:.6g} (the 95th
percentile of the training cases' reconstruction error). Labels: 0 benign (normal), 1
malignant (anomaly).

**Made by** `reference/make_breast_cancer_ae.py` (deterministic; seed {SEED}):

- Features: `z = (log1p(feature) - mean) / std` with the {N_TRAIN} benign training cases'
  statistics (`standardize.csv`: the firmware applies the same map). Input `[N, 30]` float32.
- Split: {N_TRAIN} benign cases (seeded) train the autoencoder and are `calib/inputs.npy`;
  the golden set is everything else: {nb} benign (label 0) and {nm} malignant (label 1),
  `golden/inputs.npy` float32 `[{len(yg)}, 30]`, `golden/labels.csv` (header `label`).
- Autoencoder (Keras {v['keras']}, TensorFlow {v['tensorflow']}): Dense 16 + ReLU → Dense 6 +
  ReLU → Dense 16 + ReLU → Dense 30 ({E.n_params(ae)} parameters), MSE, Adam (lr 3e-3), batch
  16, {EPOCHS} epochs. The score (SUB, MUL, MEAN, MUL by 1/s0, TANH) is part of the model.
- `model.tflite`: float32 ({len(m32)} bytes). `model_int8.tflite`: TFLite converter, full
  integer with int8 input/output ({len(m8)} bytes; per-tensor dense weights), calibrated on
  the {N_TRAIN} training cases. int8 ops: {E.ops(m8)}. Input scale {float(si):.9g}, zero
  point {zi}; output scale {float(so):.9g}, zero point {zo}.
- `expected/output_f32_litert.npy` (ai-edge-litert {v['ai-edge-litert']}) and
  `expected/output_int8_tflm.npy` (TFLite Micro {v['tflite_micro']}, int8 codes).

**Measured** on the {len(yg)} golden cases:

| engine | ROC AUC (malignant vs benign) | flagged at score > tanh(1) = {thr:.4f} (malignant / benign) |
|---|---|---|
| Keras | {k_auc:.4f} | |
| float32 .tflite, litert | {auc32:.4f} | {int(np.sum(s32[yg == 1] > thr))}/{nm} / {int(np.sum(s32[yg == 0] > thr))}/{nb} |
| int8 .tflite, TFLM (dequantized) | {auc8:.4f} | {int(np.sum(s8[yg == 1] > thr))}/{nm} / {int(np.sum(s8[yg == 0] > thr))}/{nb} |

Float vs int8 score: correlation {corr:.4f}, SQNR {sq:.1f} dB, max |difference|
{float(np.max(np.abs(s8 - s32))):.4f}. Gate in `qvet.json`: output SQNR ≥ 20 dB.
"""
    C.write_text(os.path.join(OUT, "README.md"), readme)


if __name__ == "__main__":
    main()
