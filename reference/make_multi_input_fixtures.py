#!/usr/bin/env python3
"""Two-input model fixtures (audio features + a state vector) and hostile multi-input data.

The model: a small keyword-spotting-style classifier with two inputs,
  audio [1, 49, 10, 1]  (MFCC-like features: 49 frames x 10 coefficients)
  state [1, 16]         (a context vector, e.g. the state a streaming model carries)
audio -> CONV_2D 5x3/2 -> DEPTHWISE_CONV_2D 3x3 -> CONV_2D 1x1 -> MEAN (global pool);
state -> FULLY_CONNECTED 16; both CONCATENATION -> FULLY_CONNECTED 32 -> FULLY_CONNECTED 6 ->
SOFTMAX.  Trained (seeded, single thread) on a synthetic task that needs both inputs: 6 classes
= 3 audio patterns x 2 contexts carried by the state.

Output tests/fixtures/multi_input/ (deleted and rewritten):
  model_f32.tflite, model_int8.tflite (int8 I/O), model_int8_fio.tflite (int8 body, float I/O)
  inputs.npz                 float32 arrays named after the model's input tensors ('audio',
                             'state'), N = 32 samples (stored members)
  audio.npy, state.npy       the same arrays, one .npy per input
  inputs_compressed.npz      the same, written by numpy.savez_compressed (deflate members)
  inputs_int8.npz, audio_int8.npy, state_int8.npy   quantized with model_int8's input
                             parameters (round half away from zero of x / scale, + zero point)
  labels.csv (header 'label'), labels.npy (int64)
  expected/f32_litert/        ai-edge-litert (default resolver) on model_f32
  expected/int8_tflm/         tflite-micro on model_int8 with the int8 inputs
  expected/int8_fio_tflm/     tflite-micro on model_int8_fio with the float inputs
  expected/int8_litert_ref/   ai-edge-litert BUILTIN_REF on model_int8 (output_0.npy only)
      each with output_0.npy and tensors/t<idx>.npy (every non-constant tensor)
  model_dir/                  qvet.json + model.tflite + model_int8.tflite + golden/inputs.npz
                              + golden/labels.csv
  model_dir_npy/              the same with one .npy per input (golden/audio.npy, state.npy)
Hostile data, tests/fixtures/hostile/: mi_model.tflite (= model_f32) and mi_*.npz / mi_*.npy,
listed in hostile/multi_input_cases.txt.  Deterministic.

Usage: .venv/bin/python reference/make_multi_input_fixtures.py
"""

import io
import json
import os
import shutil
import sys
import zipfile

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np  # noqa: E402

OUT = os.path.join(C.REPO, "tests", "fixtures", "multi_input")
HOSTILE = os.path.join(C.REPO, "tests", "fixtures", "hostile")
SEED = 4242
N_GOLDEN = 32
N_TRAIN = 3000
N_CALIB = 100
EPOCHS = 12
CLASSES = 6


def synth(rng, n):
    """Synthetic audio features + state: class = 3 * context + pattern."""
    pattern = rng.integers(0, 3, n)
    context = rng.integers(0, 2, n)
    t = np.arange(49)[:, None]
    f = np.arange(10)[None, :]
    audio = rng.normal(0, 1.0, (n, 49, 10)).astype(np.float32)
    centers = [(3, 2), (6, 5), (2, 8)]            # (frequency centre, width) per pattern
    for i in range(n):
        fc, wd = centers[pattern[i]]
        t0 = rng.integers(8, 40)
        blob = np.exp(-((t - t0) ** 2) / (2 * 4.0 ** 2) - ((f - fc) ** 2) / (2 * (wd / 3) ** 2))
        audio[i] += (1.1 * blob).astype(np.float32)
    audio -= 0.3                                  # features with an offset, as MFCCs have
    state = rng.normal(0, 1.0, (n, 16)).astype(np.float32)
    state[:, :4] += np.where(context[:, None] == 1, 0.6, -0.6).astype(np.float32)
    y = 3 * context + pattern
    return audio[..., None].astype(np.float32), state.astype(np.float32), y.astype(np.int64)


def build_model(keras):
    L = keras.layers
    a = keras.Input((49, 10, 1), batch_size=1, name="audio")
    s = keras.Input((16,), batch_size=1, name="state")
    h = L.Conv2D(8, (5, 3), strides=2, padding="same", activation="relu")(a)
    h = L.DepthwiseConv2D(3, padding="same", activation="relu")(h)
    h = L.Conv2D(16, 1, activation="relu")(h)
    h = L.GlobalAveragePooling2D()(h)
    g = L.Dense(16, activation="relu")(s)
    h = L.Concatenate()([h, g])
    h = L.Dense(32, activation="relu")(h)
    h = L.Dense(CLASSES)(h)
    out = L.Softmax()(h)
    return keras.Model([a, s], out)


def convert(model, tf, mode, calib):
    specs = [tf.TensorSpec([1, 49, 10, 1], tf.float32, name="audio"),
             tf.TensorSpec([1, 16], tf.float32, name="state")]

    @tf.function(input_signature=specs)
    def serve(audio, state):
        return model([audio, state], training=False)

    conv = tf.lite.TFLiteConverter.from_concrete_functions([serve.get_concrete_function()])
    C._configure(conv, calib, mode, True)
    return bytes(conv.convert())


def input_order(mb):
    """Model input tensor names in subgraph input order."""
    mt = C.load_model_t(mb)
    g = mt.subgraphs[0]
    return [g.tensors[i].name.decode() for i in g.inputs], mt


def save_expected(d, outs, tens, skip):
    for k, y in enumerate(outs):
        C.save_npy(os.path.join(d, "output_%d.npy" % k), y)
    for ti, arr in sorted(tens.items()):
        if ti not in skip:
            C.save_npy(os.path.join(d, "tensors", "t%d.npy" % ti), arr)


def savez(path, arrays, compressed=False):
    """numpy .npz with a fixed member order and zip timestamps (byte-identical reruns)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", mode) as z:
        for name, arr in arrays:
            buf = io.BytesIO()
            np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = mode
            info.external_attr = 0o644 << 16
            z.writestr(info, buf.getvalue())


def write_model_dir(d, m32, m8, golden, labels_csv):
    man = {"name": "two_input_kws", "model": "model.tflite", "int8_model": "model_int8.tflite",
           "task": "classification",
           "golden": {"inputs": golden, "labels": "golden/labels.csv"}}
    C.write_bytes(os.path.join(d, "model.tflite"), m32)
    C.write_bytes(os.path.join(d, "model_int8.tflite"), m8)
    C.write_text(os.path.join(d, "golden", "labels.csv"), labels_csv)
    C.write_text(os.path.join(d, "qvet.json"), json.dumps(man, indent=2) + "\n")


def main():
    tf = C.import_tf()
    import keras
    keras.utils.set_random_seed(SEED)
    rng = np.random.default_rng(SEED)
    atr, st_, ytr = synth(rng, N_TRAIN)
    ag, sg, yg = synth(rng, N_GOLDEN)
    model = build_model(keras)
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit([atr, st_], ytr, epochs=EPOCHS, batch_size=32, verbose=0, shuffle=True)
    pred = np.argmax(model.predict([ag, sg], verbose=0), 1)
    C.log("keras golden accuracy %.3f" % float(np.mean(pred == yg)))
    calib = [[atr[i:i + 1], st_[i:i + 1]] for i in range(N_CALIB)]
    m32 = convert(model, tf, "f32", None)
    m8 = convert(model, tf, "int8", calib)
    mfio = convert(model, tf, "int8_fio", calib)

    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    names, mt8 = input_order(m8)
    assert sorted(names) == ["audio", "state"], names
    for mb in (m32, mfio):
        assert input_order(mb)[0] == names, "input order differs between variants"
    data = {"audio": ag, "state": sg}
    C.write_bytes(os.path.join(OUT, "model_f32.tflite"), m32)
    C.write_bytes(os.path.join(OUT, "model_int8.tflite"), m8)
    C.write_bytes(os.path.join(OUT, "model_int8_fio.tflite"), mfio)
    savez(os.path.join(OUT, "inputs.npz"), [(n, data[n]) for n in names])
    savez(os.path.join(OUT, "inputs_compressed.npz"), [(n, data[n]) for n in names], True)
    g8 = mt8.subgraphs[0]
    data8 = {}
    for k, ti in enumerate(g8.inputs):
        sc, zp = C.tensor_quant(g8.tensors[ti])
        data8[names[k]] = C.quantize_np(data[names[k]], sc[0], zp[0])
    savez(os.path.join(OUT, "inputs_int8.npz"), [(n, data8[n]) for n in names])
    for n in names:
        C.save_npy(os.path.join(OUT, n + ".npy"), data[n])
        C.save_npy(os.path.join(OUT, n + "_int8.npy"), data8[n])
    labels_csv = "label\n" + "".join("%d\n" % v for v in yg)
    C.write_text(os.path.join(OUT, "labels.csv"), labels_csv)
    C.save_npy(os.path.join(OUT, "labels.npy"), yg)
    x32 = [data[n] for n in names]
    x8 = [data8[n] for n in names]
    g32 = C.load_model_t(m32).subgraphs[0]
    o, t = C.run_litert(m32, x32, ref=False)
    save_expected(os.path.join(OUT, "expected", "f32_litert"), o, t, set(g32.inputs))
    acc32 = float(np.mean(np.argmax(o[0], 1) == yg))
    o, t = C.run_tflm(m8, x8)
    save_expected(os.path.join(OUT, "expected", "int8_tflm"), o, t, set(g8.inputs))
    acc8 = float(np.mean(np.argmax(o[0], 1) == yg))
    gf = C.load_model_t(mfio).subgraphs[0]
    o, t = C.run_tflm(mfio, x32)
    save_expected(os.path.join(OUT, "expected", "int8_fio_tflm"), o, t, set(gf.inputs))
    o, _ = C.run_litert(m8, x8, ref=True, want_tensors=False)
    save_expected(os.path.join(OUT, "expected", "int8_litert_ref"), o, {}, set())
    write_model_dir(os.path.join(OUT, "model_dir"), m32, m8, "golden/inputs.npz", labels_csv)
    savez(os.path.join(OUT, "model_dir", "golden", "inputs.npz"), [(n, data[n]) for n in names])
    d = os.path.join(OUT, "model_dir_npy")
    write_model_dir(d, m32, m8, {n: "golden/%s.npy" % n for n in names}, labels_csv)
    for n in names:
        C.save_npy(os.path.join(d, "golden", n + ".npy"), data[n])
    C.write_text(os.path.join(OUT, "info.txt"),
                 "inputs (subgraph order): %s\nshapes: audio [1, 49, 10, 1], state [1, 16]\n"
                 "int8 input quantization: %s\n"
                 "golden accuracy: keras %.3f, f32 litert %.3f, int8 TFLM %.3f (N = %d)\n" % (
                     ", ".join(names),
                     "; ".join("%s scale %.9g zero point %d" % (
                         names[k], C.tensor_quant(g8.tensors[ti])[0][0],
                         C.tensor_quant(g8.tensors[ti])[1][0])
                         for k, ti in enumerate(g8.inputs)),
                     float(np.mean(pred == yg)), acc32, acc8, N_GOLDEN))
    hostile(m32, names, data)
    print(open(os.path.join(OUT, "info.txt")).read(), end="")
    return 0


def hostile(m32, names, data):
    """Bad multi-input data files for the float model (hostile/mi_*)."""
    H = HOSTILE
    for f in os.listdir(H):
        if f.startswith("mi_"):
            os.remove(os.path.join(H, f))
    C.write_bytes(os.path.join(H, "mi_model.tflite"), m32)
    a, s = data["audio"][:4], data["state"][:4]      # 4 samples keep the files small
    savez(os.path.join(H, "mi_missing_input.npz"), [("audio", a)])
    savez(os.path.join(H, "mi_misnamed.npz"), [("audio", a), ("stat", s)])
    savez(os.path.join(H, "mi_wrong_count.npz"), [("audio", a), ("state", s[:-1])])
    savez(os.path.join(H, "mi_wrong_shape.npz"), [("audio", a), ("state", s[:, :15])])
    savez(os.path.join(H, "mi_wrong_dtype.npz"), [("audio", a), ("state", s.astype(np.complex64))])
    # an object array member (numpy pickles it): must be refused, never unpickled
    buf = io.BytesIO()
    np.save(buf, np.array([{"x": 1}] * 4, dtype=object), allow_pickle=True)
    with zipfile.ZipFile(os.path.join(H, "mi_pickled.npz"), "w") as z:
        z.writestr(zipfile.ZipInfo("audio.npy", date_time=(1980, 1, 1, 0, 0, 0)),
                   io.BytesIO(_npy_bytes(a)).getvalue())
        z.writestr(zipfile.ZipInfo("state.npy", date_time=(1980, 1, 1, 0, 0, 0)), buf.getvalue())
    C.write_text(os.path.join(H, "mi_not_zip.npz"), "audio,state\n1,2\n")
    savez(os.path.join(H, "mi_tmp_full.npz"), [("audio", a), ("state", s)])
    raw = open(os.path.join(H, "mi_tmp_full.npz"), "rb").read()
    os.remove(os.path.join(H, "mi_tmp_full.npz"))
    C.write_bytes(os.path.join(H, "mi_truncated.npz"), raw[:len(raw) // 2])
    C.save_npy(os.path.join(H, "mi_audio.npy"), a)
    C.save_npy(os.path.join(H, "mi_state_wrong_count.npy"), s[:-1])
    C.save_npy(os.path.join(H, "mi_state_wrong_shape.npy"), s.reshape(4, 4, 4))
    lines = [
        "# Hostile multi-input data for the two-input model mi_model.tflite (= multi_input/",
        "# model_f32.tflite; inputs %s: audio [1, 49, 10, 1], state [1, 16], float32); the data"
        "\n# files hold 4 samples." %
        " then ".join(names),
        "# What each error must name (the file, the array, the numbers at fault), as",
        "# exit code | texts stderr must contain (separated by ' && ') | qvet arguments;",
        "# hostile/cases.txt runs them with one text each (CASES_TXT in the script).",
        "2 | mi_missing_input.npz && state | eval mi_model.tflite mi_missing_input.npz",
        "2 | mi_misnamed.npz && state && stat | eval mi_model.tflite mi_misnamed.npz",
        "2 | mi_wrong_count.npz && state && 3 && 4 | eval mi_model.tflite mi_wrong_count.npz",
        "2 | mi_wrong_shape.npz && state && 15 && 16 | eval mi_model.tflite mi_wrong_shape.npz",
        "2 | mi_wrong_dtype.npz && state && complex64 | eval mi_model.tflite mi_wrong_dtype.npz",
        "2 | mi_pickled.npz && state && object | eval mi_model.tflite mi_pickled.npz",
        "2 | mi_not_zip.npz && byte 0 | eval mi_model.tflite mi_not_zip.npz",
        "2 | mi_truncated.npz && byte | eval mi_model.tflite mi_truncated.npz",
        "2 | mi_state_wrong_count.npy && 3 && 4 | "
        "eval mi_model.tflite mi_audio.npy mi_state_wrong_count.npy",
        "2 | mi_state_wrong_shape.npy && [4, 4] && 16 | "
        "eval mi_model.tflite mi_audio.npy mi_state_wrong_shape.npy",
    ]
    C.write_text(os.path.join(H, "multi_input_cases.txt"), "\n".join(lines) + "\n")
    print("hostile/cases.txt lines:\n" + "\n".join(CASES_TXT))


CASES_TXT = [
    "2 | input 1 'state' | eval mi_model.tflite mi_missing_input.npz",
    "2 | 'stat' | eval mi_model.tflite mi_misnamed.npz",
    "2 | holds 3 samples | eval mi_model.tflite mi_wrong_count.npz",
    "2 | shape [15] | eval mi_model.tflite mi_wrong_shape.npz",
    "2 | '<c8' | eval mi_model.tflite mi_wrong_dtype.npz",
    "2 | member 'state.npy': npy header | eval mi_model.tflite mi_pickled.npz",
    "2 | mi_not_zip.npz: byte 0: | eval mi_model.tflite mi_not_zip.npz",
    "2 | mi_truncated.npz: byte | eval mi_model.tflite mi_truncated.npz",
    "2 | holds 3 samples | eval mi_model.tflite mi_audio.npy mi_state_wrong_count.npy",
    "2 | shape [4, 4] | eval mi_model.tflite mi_audio.npy mi_state_wrong_shape.npy",
]


def _npy_bytes(a):
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


if __name__ == "__main__":
    sys.exit(main())
