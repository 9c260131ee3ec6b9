#!/usr/bin/env python3
"""Float models for the quantization tests (tests/fixtures/quant/<name>/).

Each directory holds model_f32.tflite (the TFLite converter, no optimizations) and calib.npy
(float32 calibration samples). reference/quant_parity.py then compares qvet's int8 model with
the converter's on them, and --freeze stores the converter's results for the C test.

  awkward_conv   a conv whose output channels hold the cases real trained models contain:
                 all-zero weights, denormal weights, weights exactly on half steps, weights
                 below the converter's smallest range (1e-6), a bias too large for
                 input scale x weight scale (the converter raises the scale), a normal one;
                 then a depthwise conv with a zero channel and a dense layer with a zero
                 row and a huge bias
  constant       a branch that is constant 0 on the calibration set (zero range) added to a
                 normal one; concatenation with the graph input; PADV2 with a constant value;
                 reshape read by two ops; standalone RELU and RELU6 after a concatenation
  hybrid         the dynamic-range ("hybrid") conversion of a small CNN: int8 weights with
                 float activations; model_f32_dequant.tflite is the same float model with
                 the int8 weights dequantized (qvet must quantize both alike)
  outliers       a digits classifier whose inputs carry rare sensor glitches (a hot pixel of
                 value 100 where pixels are 0..1, in 0.5% of the samples; 1% in training):
                 min/max calibration spends the input range on them. golden.npy/labels.csv
                 (glitches at the same rate) measure accuracy.

Usage: .venv/bin/python reference/make_quant_fixtures.py
"""

import os
import shutil
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np  # noqa: E402

OUT = os.path.join(C.REPO, "tests", "fixtures", "quant")
SEED = 4242
keras = L = tf = None


def awkward_conv(rng):
    x = keras.Input((8, 8, 3))
    conv = L.Conv2D(7, 3, padding="same", activation="relu6")
    y = conv(x)
    dw = L.DepthwiseConv2D(3, padding="same")
    y = dw(y)
    y = L.Flatten()(y)
    dense = L.Dense(6)
    y = dense(y)
    model = keras.Model(x, y)
    w = rng.normal(0, 0.3, (3, 3, 3, 7)).astype(np.float32)
    w[..., 0] = 0.0                                          # all zero
    w[..., 1] = rng.choice([-1, 1], (3, 3, 3)) * np.float32(3e-40)   # denormal
    s = np.float32(2.0 ** -7)                                # half steps: amax = 127 s
    half = (rng.integers(-120, 120, (3, 3, 3)) + 0.5).astype(np.float32) * s
    half[0, 0, 0] = 127 * s
    w[..., 2] = half
    w[..., 3] = rng.normal(0, 2e-8, (3, 3, 3)).astype(np.float32)   # below 1e-6
    w[..., 4] = rng.normal(0, 1e-3, (3, 3, 3)).astype(np.float32)   # small, with huge bias
    b = rng.normal(0, 0.1, 7).astype(np.float32)
    b[4] = 3.0e5
    conv.set_weights([w, b])
    wd = rng.normal(0, 0.4, (3, 3, 7, 1)).astype(np.float32)
    wd[..., 5, 0] = 0.0
    dw.set_weights([wd, rng.normal(0, 0.1, 7).astype(np.float32)])
    wf = rng.normal(0, 0.05, (8 * 8 * 7, 6)).astype(np.float32)
    wf[:, 2] = 0.0
    bf = rng.normal(0, 0.1, 6).astype(np.float32)
    bf[4] = 5.0e4
    dense.set_weights([wf, bf])
    calib = rng.uniform(-1, 1, (24, 8, 8, 3)).astype(np.float32)
    return model, calib


def constant_model(rng):
    def fn(x):
        a = tf.nn.relu(x - 10.0)                    # x < 1: always 0
        k = tf.constant(rng.normal(0, 0.5, (1, 1, 4, 4)).astype(np.float32))
        b = tf.nn.conv2d(x, k, 1, "SAME")
        s = a + b
        c = tf.concat([s, x], axis=3)
        c = tf.nn.relu(c)
        r = tf.reshape(c, (1, 6, 6, 8))
        p = tf.pad(r, [[0, 0], [1, 1], [1, 1], [0, 0]], constant_values=0.5)
        q = tf.nn.max_pool2d(p, 2, 2, "VALID")
        m = tf.reduce_mean(r, axis=[1, 2], keepdims=True)
        out = tf.nn.relu6(q * 2.0 - 1.0) + m
        return out
    calib = rng.uniform(-1, 1, (16, 6, 6, 4)).astype(np.float32)
    m32 = C.convert_concrete(fn, [[1, 6, 6, 4]], None, mode="f32")
    return m32, calib


def hybrid_model(rng):
    x = keras.Input((10, 10, 2))
    y = L.Conv2D(6, 3, activation="relu")(x)
    y = L.Flatten()(y)
    y = L.Dense(4)(y)
    model = keras.Model(x, y)
    calib = rng.uniform(0, 1, (16, 10, 10, 2)).astype(np.float32)
    tf_ = C.import_tf()
    spec = tf_.TensorSpec([1, 10, 10, 2], tf_.float32)

    @tf_.function(input_signature=[spec])
    def serve(v):
        return model(v, training=False)
    conv = tf_.lite.TFLiteConverter.from_concrete_functions([serve.get_concrete_function()])
    conv.optimizations = [tf_.lite.Optimize.DEFAULT]   # no dataset: dynamic range (hybrid)
    hybrid = bytes(conv.convert())
    return hybrid, calib


def dequantize_model(model_bytes):
    """The hybrid model with every int8 constant replaced by its float32 dequantization."""
    mt = C.load_model_t(model_bytes)
    g = mt.subgraphs[0]
    n = 0
    for t in g.tensors:
        q = C.tensor_quant(t)
        if q is None or t.type != C.S.TensorType.INT8 or t.buffer == 0:
            continue
        buf = mt.buffers[t.buffer]
        if buf.data is None or len(buf.data) == 0:
            continue
        v = np.frombuffer(bytes(np.asarray(buf.data, np.uint8)), np.int8).astype(np.float64)
        shape = [int(d) for d in t.shape]
        v = v.reshape(shape)
        scales, zps = q
        axis = t.quantization.quantizedDimension if len(scales) > 1 else 0
        bshape = [1] * len(shape)
        if len(scales) > 1:
            bshape[axis] = len(scales)
        s = np.asarray(scales, np.float64).reshape(bshape)
        z = np.asarray(zps, np.float64).reshape(bshape)
        f = (s * (v - z)).astype(np.float32)
        buf.data = np.frombuffer(f.tobytes(), np.uint8)
        t.type = C.S.TensorType.FLOAT32
        t.quantization = None
        n += 1
    assert n > 0
    return C.pack_model(mt)


def outliers_model(rng):
    from sklearn.datasets import load_digits
    d = load_digits()
    X = (d.images.astype(np.float32) / 16.0).reshape(-1, 8, 8, 1)
    y = d.target.astype(np.int64)
    idx = rng.permutation(len(y))
    X, y = X[idx], y[idx]
    tr, te = slice(0, 1200), slice(1200, None)

    def glitch(a, rate):
        a = a.copy()
        hit = rng.uniform(0, 1, len(a)) < rate
        hit[0] = True      # at least one glitch in every set
        for i in np.flatnonzero(hit):
            yy, xx = rng.integers(0, 8, 2)
            a[i, yy, xx, 0] = 100.0
        return a
    keras.utils.set_random_seed(SEED)
    x = keras.Input((8, 8, 1))
    h = L.Conv2D(12, 3, padding="same", activation="relu")(x)
    h = L.MaxPooling2D(2)(h)
    h = L.Conv2D(16, 3, padding="same", activation="relu")(h)
    h = L.GlobalAveragePooling2D()(h)
    h = L.Dense(10)(h)
    model = keras.Model(x, h)
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(glitch(X[tr], 0.01), y[tr], epochs=60, batch_size=32, verbose=0)
    calib = glitch(X[tr][:200], 0.005)
    golden = glitch(X[te], 0.005)
    return model, calib, golden, y[te]


def main():
    global keras, L, tf
    tf = C.import_tf()
    import keras as _k
    keras = _k
    L = keras.layers
    if os.path.isdir(OUT):
        for name in ("awkward_conv", "constant", "hybrid", "outliers"):
            shutil.rmtree(os.path.join(OUT, name), ignore_errors=True)
    rng = np.random.default_rng(SEED)
    keras.utils.set_random_seed(SEED)

    model, calib = awkward_conv(rng)
    d = os.path.join(OUT, "awkward_conv")
    C.write_bytes(os.path.join(d, "model_f32.tflite"), C.convert_keras(model, None, mode="f32"))
    C.save_npy(os.path.join(d, "calib.npy"), calib)

    m32, calib = constant_model(rng)
    d = os.path.join(OUT, "constant")
    C.write_bytes(os.path.join(d, "model_f32.tflite"), m32)
    C.save_npy(os.path.join(d, "calib.npy"), calib)

    hybrid, calib = hybrid_model(rng)
    d = os.path.join(OUT, "hybrid")
    C.write_bytes(os.path.join(d, "model_hybrid.tflite"), hybrid)
    C.write_bytes(os.path.join(d, "model_f32.tflite"), dequantize_model(hybrid))
    C.save_npy(os.path.join(d, "calib.npy"), calib)

    model, calib, golden, labels = outliers_model(rng)
    d = os.path.join(OUT, "outliers")
    C.write_bytes(os.path.join(d, "model_f32.tflite"), C.convert_keras(model, None, mode="f32"))
    C.save_npy(os.path.join(d, "calib.npy"), calib)
    C.save_npy(os.path.join(d, "golden.npy"), golden)
    C.write_text(os.path.join(d, "labels.csv"), "label\n" + "".join("%d\n" % v for v in labels))
    C.log("wrote %s" % OUT)


if __name__ == "__main__":
    main()
