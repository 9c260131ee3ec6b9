#!/usr/bin/env python3
"""Benchmark peer models for bench/peers/.

- mobilenet_f32.tflite / mobilenet_int8.tflite: MobileNet-style network
  (64x64x3 input, depthwise-separable blocks, width 1.0 of a small config),
  the int8 one full-integer with int8 input/output, input params 1/255, -128.
- cnn_f32.tflite: plain conv CNN (64x64x3 input), float32.
- input_int8.npy: 16 int8 samples for mobilenet_int8 (smooth random images
  in [0, 1] quantized with the model's input parameters).

Weights are random (seeded, BatchNorm statistics randomized): these models
exist to time interpreters, not to classify anything.

Usage: .venv/bin/python reference/make_bench_models.py
"""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np  # noqa: E402

OUT = os.path.join(C.REPO, "bench", "peers")
SEED = 4242
HW = 64


def images(rng, n):
    yy = np.linspace(0, 1, HW)[None, :, None, None]
    xx = np.linspace(0, 1, HW)[None, None, :, None]
    f = rng.uniform(1, 6, (n, 1, 1, 3))
    ph = rng.uniform(0, 6.3, (n, 1, 1, 3))
    x = 0.5 + 0.35 * np.sin(f * (yy + xx * rng.uniform(0.3, 2, (n, 1, 1, 3))) * 3.14 + ph)
    x = x + rng.normal(0, 0.08, (n, HW, HW, 3))
    x = np.clip(x, 0.0, 1.0).astype(np.float32)
    x[:, 0, 0, 0] = 0.0   # make every sample span exactly [0, 1]
    x[:, -1, -1, 0] = 1.0
    return x


def randomize_bn(model, rng, L):
    for layer in model.layers:
        if isinstance(layer, L.BatchNormalization):
            g, b, m, v = layer.get_weights()
            layer.set_weights([
                rng.uniform(0.6, 1.4, g.shape).astype(np.float32),
                rng.normal(0, 0.1, b.shape).astype(np.float32),
                rng.normal(0, 0.1, m.shape).astype(np.float32),
                rng.uniform(0.5, 1.5, v.shape).astype(np.float32)])


def main():
    C.import_tf()
    import keras
    L = keras.layers
    rng = np.random.default_rng(SEED)

    # MobileNet-style
    keras.utils.set_random_seed(SEED)
    x = keras.Input((HW, HW, 3))
    y = L.Conv2D(24, 3, strides=2, padding="same", use_bias=False)(x)
    y = L.BatchNormalization()(y)
    y = L.ReLU(6.0)(y)
    for cout, stride in [(32, 1), (64, 2), (64, 1), (128, 2), (128, 1), (128, 1), (256, 2)]:
        y = L.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(y)
        y = L.BatchNormalization()(y)
        y = L.ReLU(6.0)(y)
        y = L.Conv2D(cout, 1, use_bias=False)(y)
        y = L.BatchNormalization()(y)
        y = L.ReLU(6.0)(y)
    y = L.GlobalAveragePooling2D()(y)
    y = L.Dense(10)(y)
    y = L.Softmax()(y)
    mnet = keras.Model(x, y)
    randomize_bn(mnet, rng, L)

    # plain CNN
    keras.utils.set_random_seed(SEED + 1)
    x = keras.Input((HW, HW, 3))
    y = L.Conv2D(16, 3, strides=2, padding="same", activation="relu")(x)
    y = L.Conv2D(32, 3, padding="same", activation="relu")(y)
    y = L.MaxPooling2D(2)(y)
    y = L.Conv2D(64, 3, padding="same", activation="relu")(y)
    y = L.MaxPooling2D(2)(y)
    y = L.Conv2D(64, 3, padding="same", activation="relu")(y)
    y = L.GlobalAveragePooling2D()(y)
    y = L.Dense(10)(y)
    y = L.Softmax()(y)
    cnn = keras.Model(x, y)

    calib = [[images(rng, 1)] for _ in range(32)]
    m_f32 = C.convert_keras(mnet, None, mode="f32")
    m_i8 = C.convert_keras(mnet, calib, mode="int8")
    c_f32 = C.convert_keras(cnn, None, mode="f32")

    C.write_bytes(os.path.join(OUT, "mobilenet_f32.tflite"), m_f32)
    C.write_bytes(os.path.join(OUT, "mobilenet_int8.tflite"), m_i8)
    C.write_bytes(os.path.join(OUT, "cnn_f32.tflite"), c_f32)
    mt = C.load_model_t(m_i8)
    g = mt.subgraphs[0]
    (s,), (z,) = C.tensor_quant(g.tensors[g.inputs[0]])
    xin = C.quantize_np(images(rng, 16), s, z)
    C.save_npy(os.path.join(OUT, "input_int8.npy"), xin)
    for name, m in [("mobilenet_int8", m_i8), ("mobilenet_f32", m_f32), ("cnn_f32", c_f32)]:
        print("%-16s %7d bytes  %9d MACs  ops: %s" % (name, len(m), C.count_macs(m),
                                                     " ".join(sorted(set(C.op_list(m))))))
    print("mobilenet_int8 input: scale %.9g zero point %d" % (s, z))


if __name__ == "__main__":
    main()
