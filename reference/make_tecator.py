#!/usr/bin/env python3
"""Example model directory datasets/tecator/: a regression model on a sensor spectrum.

Real data, no download: the Tecator data set shipped inside the sktime package
(sktime/datasets/data/Tecator/*.ts, read with sktime.datasets.load_tecator): 215 finely
chopped meat samples, each a 100-channel near-infrared absorbance spectrum (850-1050 nm,
Tecator Infratec food analyzer) with the fat content (%) measured by chemical analysis.
sktime's train/test split (172/43) is kept: the test part is the golden set.

The model reads the spectrum standardized per wavelength (training mean and standard
deviation, an affine map the firmware applies) and outputs the fat content in percent: a
small CNN over the spectral axis (Conv2D with k x 1 kernels on [100, 1, 1]) trained on the
target standardized; the last layer is then rescaled so that the model's output is in
percent (no extra ops).

Usage: .venv/bin/python reference/make_tecator.py     (~30 s, deterministic)
"""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np  # noqa: E402
import example_dirs as E  # noqa: E402

OUT = os.path.join(C.REPO, "datasets", "tecator")
SEED = 3
EPOCHS = 400
N_CALIB = 172          # every training spectrum


def main():
    C.import_tf()
    import keras
    import sktime
    from sktime.datasets import load_tecator
    L = keras.layers

    Xtr, ytr = load_tecator(split="train", return_type="numpy2D")
    Xte, yte = load_tecator(split="test", return_type="numpy2D")
    Xtr, Xte = np.asarray(Xtr, np.float64), np.asarray(Xte, np.float64)
    ytr, yte = np.asarray(ytr, np.float64), np.asarray(yte, np.float64)
    mu, sd = Xtr.mean(axis=0), Xtr.std(axis=0)
    Ztr = ((Xtr - mu) / sd).astype(np.float32)
    Zte = ((Xte - mu) / sd).astype(np.float32)
    ym, ys = float(ytr.mean()), float(ytr.std())

    keras.utils.set_random_seed(SEED)
    inp = keras.Input((100,))
    h = L.Reshape((100, 1, 1))(inp)
    h = L.Conv2D(8, (5, 1), strides=(2, 1), activation="relu")(h)
    h = L.Conv2D(16, (5, 1), strides=(2, 1), activation="relu")(h)
    h = L.Flatten()(h)
    h = L.Dense(16, activation="relu")(h)
    last = L.Dense(1)
    out = last(h)
    model = keras.Model(inp, out)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mse")
    model.fit(Ztr, ((ytr - ym) / ys).astype(np.float32), epochs=EPOCHS, batch_size=16,
              verbose=0, shuffle=True)
    w, b = last.get_weights()
    last.set_weights([(w * ys).astype(np.float32), (b * ys + ym).astype(np.float32)])
    pk = model.predict(Zte, verbose=0).ravel()
    k_rmse = float(np.sqrt(np.mean((pk - yte) ** 2)))
    C.log("keras golden RMSE %.4f" % k_rmse)

    calib = Ztr[:N_CALIB]
    m32 = C.convert_keras(model, None, mode="f32")
    m8 = C.convert_keras(model, [[calib[i:i + 1]] for i in range(N_CALIB)], mode="int8")
    manifest = {
        "name": "tecator",
        "model": "model.tflite",
        "int8_model": "model_int8.tflite",
        "task": "regression",
        "golden": {"inputs": "golden/inputs.npy", "labels": "golden/labels.csv"},
        "calibration": {"data": "calib/inputs.npy", "samples": N_CALIB,
                        "method": "minmax", "per_channel": True},
        "targets": ["stm32f4", "nrf52840"],
        "gates": {"min_output_sqnr_db": 25.0},
    }
    o32, o8, d8 = E.write_dir(OUT, m32, m8, Zte, yte, calib, manifest, label_fmt="%.6g")
    C.write_text(os.path.join(OUT, "standardize.csv"), "channel,mean,std\n" + "".join(
        "%d,%.9g,%.9g\n" % (i, mu[i], sd[i]) for i in range(100)))
    p32, p8 = o32.ravel().astype(np.float64), d8.ravel().astype(np.float64)

    def metrics(p):
        e = p - yte
        return float(np.mean(np.abs(e))), float(np.sqrt(np.mean(e * e))), float(np.max(np.abs(e)))

    mae32, rmse32, max32 = metrics(p32)
    mae8, rmse8, max8 = metrics(p8)
    dq = p8 - p32
    sq = E.sqnr_db(p32, p8)
    si, zi, so, zo = E.io_quant(m8)
    v = C.versions()
    C.log("float MAE %.3f RMSE %.3f | int8 MAE %.3f RMSE %.3f | SQNR %.1f dB | sizes %d %d"
          % (mae32, rmse32, mae8, rmse8, sq, len(m32), len(m8)))
    readme = f"""# tecator — regression on a near-infrared spectrum (fat content of meat)

**Data** (real, shipped inside a package, nothing downloaded): the *Tecator* data set as
bundled with sktime {sktime.__version__} (`sktime/datasets/data/Tecator/Tecator_{{TRAIN,TEST}}.ts`,
loaded with `sktime.datasets.load_tecator`): 215 samples of finely chopped meat, each a
100-channel near-infrared absorbance spectrum (850–1050 nm, recorded on a Tecator Infratec
Food and Feed Analyzer) with the fat content in percent from chemical analysis
({yte.min():.1f}–{yte.max():.1f} % in the golden set). sktime's split is kept: 172 training and
43 test spectra. Origin: StatLib (Borggaard & Thodberg, Anal. Chem. 64 (1992) 545–551;
H. H. Thodberg, Danish Meat Research Institute), OpenML data set 505; StatLib's terms allow
free use and redistribution with this acknowledgement. sktime is BSD-3-Clause.

**Task**: `regression`: one output, the fat content in percent.

**Made by** `reference/make_tecator.py` (deterministic; seed {SEED}):

- Input `[N, 100]` float32: the absorbance spectrum standardized per wavelength,
  `(a - mean) / std`, with the training spectra's mean and standard deviation (an affine map
  the firmware applies before the model; the 100 pairs are in `standardize.csv`).
- Model (Keras {v['keras']}, TensorFlow {v['tensorflow']}): Reshape to `[100, 1, 1]` →
  Conv2D 8@5x1 stride 2 + ReLU → Conv2D 16@5x1 stride 2 + ReLU → Flatten → Dense 16 +
  ReLU → Dense 1; {E.n_params(model)} parameters, {C.count_macs(m32)} MACs. Trained on the
  standardized target (mean {ym:.4f}, std {ys:.4f}), MSE, Adam (lr 3e-3), batch 16,
  {EPOCHS} epochs; then the last Dense layer was rescaled so that the output is in percent.
- `model.tflite`: float32 ({len(m32)} bytes). `model_int8.tflite`: TFLite converter, full
  integer with int8 input/output ({len(m8)} bytes), calibrated on `calib/inputs.npy` (the
  {N_CALIB} training spectra). int8 ops: {E.ops(m8)}. Input scale {float(si):.9g}, zero point
  {zi}; output scale {float(so):.9g} % per step, zero point {zo}.
- `golden/inputs.npy` float32 `[{len(yte)}, 100]`, `golden/labels.csv` (header `label`, fat %).
- `expected/output_f32_litert.npy` (ai-edge-litert {v['ai-edge-litert']}, `model.tflite`) and
  `expected/output_int8_tflm.npy` (TFLite Micro {v['tflite_micro']}, `model_int8.tflite`, int8
  codes; fat % = (code − ({zo})) × {float(so):.9g}).

**Measured** on the {len(yte)} golden spectra (fat %):

| engine | MAE | RMSE | max error |
|---|---|---|---|
| Keras | | {k_rmse:.3f} | |
| float32 .tflite, litert | {mae32:.3f} | {rmse32:.3f} | {max32:.3f} |
| int8 .tflite, TFLM (dequantized) | {mae8:.3f} | {rmse8:.3f} | {max8:.3f} |

int8 vs float: mean |difference| {np.mean(np.abs(dq)):.3f} %, max {np.max(np.abs(dq)):.3f} %;
output SQNR {sq:.1f} dB. Gate in `qvet.json`: output SQNR ≥ 25 dB.
"""
    C.write_text(os.path.join(OUT, "README.md"), readme)


if __name__ == "__main__":
    main()
