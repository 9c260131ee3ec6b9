#!/usr/bin/env python3
"""The four MLPerf Tiny reference architectures for the benchmark in bench/mlperf_tiny/.

Built in Keras from their published definitions (the mlcommons/tiny training code,
v0.1 / v1.x `keras_model.py` of each benchmark, and the papers cited in bench/README.md):

- kws_dscnn: DS-CNN keyword spotting. Input 49x10x1 (MFCC), Conv2D 64@10x4 stride 2 SAME
  + BN + ReLU, then 4 x (DepthwiseConv2D 3x3 SAME + BN + ReLU, Conv2D 64@1x1 + BN + ReLU),
  AveragePooling2D 25x5, Flatten, Dense 12 softmax (Dropout layers are inference no-ops).
- vww_mobilenet: MobileNetV1 alpha 0.25, 96x96x3, 2 classes: Conv2D 8@3x3 stride 2, then
  13 depthwise-separable blocks (pointwise widths 16, 32, 32, 64, 64, 128, 128 x5, 256, 256;
  strides 2 at blocks 2, 4, 6, 12), ReLU, BN after every conv, AveragePooling2D over the
  3x3 map, Flatten, Dense 2 softmax.
- ic_resnet8: ResNet-8 (ResNet v1, EEMBC variant) for CIFAR-10, 32x32x3: Conv2D 16@3x3 +
  BN + ReLU, three residual stacks of 16, 32, 64 filters (two 3x3 convs with BN; stacks 2
  and 3 stride 2 with a 1x1 stride-2 conv on the shortcut), AveragePooling2D 8, Flatten,
  Dense 10 softmax.
- ad_autoencoder: the DCASE 2020 / MLPerf Tiny anomaly-detection autoencoder: 640 ->
  4 x (Dense 128 + BN + ReLU) -> Dense 8 + BN + ReLU -> 4 x (Dense 128 + BN + ReLU) ->
  Dense 640.
The L2 weight regularizers of the training code are left out (they only shape training).

WEIGHTS ARE NOT THE OFFICIAL ONES: He-normal random weights (seeded), then every
BatchNormalization layer in turn gets its moving mean/variance from the activations it
sees on the representative data and a random gamma (0.5..1.5) / beta (N(0.1, 0.2)), so
that every layer's activations have a trained-like spread (about half the ReLUs active)
instead of exploding or dying.  The models exist to time and verify engines, not to
classify anything.

Each model is converted by the TFLite converter to float32 (`<name>_f32.tflite`) and to
full-integer int8 with int8 input/output (`<name>_int8.tflite`; Optimize.DEFAULT,
TFLITE_BUILTINS_INT8, per-channel conv weights, per-tensor FC weights), calibrated on
300 deterministic samples of reference/mlperf_tiny_data.py.  Nothing else is written:
benchmark inputs are generated at bench time.

Usage: .venv/bin/python reference/make_mlperf_tiny.py        (~1 min, deterministic)
"""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np  # noqa: E402
import mlperf_tiny_data as D  # noqa: E402

SEED = 2024
N_CALIB = 300
N_BN = 128          # samples used to set each BatchNorm layer's statistics


def kws_dscnn(keras, L):
    x = inp = keras.Input(D.SHAPES["kws_dscnn"])
    x = L.Conv2D(64, (10, 4), strides=(2, 2), padding="same")(x)
    x = L.BatchNormalization()(x)
    x = L.Activation("relu")(x)
    x = L.Dropout(0.2)(x)
    for _ in range(4):
        x = L.DepthwiseConv2D((3, 3), padding="same")(x)
        x = L.BatchNormalization()(x)
        x = L.Activation("relu")(x)
        x = L.Conv2D(64, (1, 1), padding="same")(x)
        x = L.BatchNormalization()(x)
        x = L.Activation("relu")(x)
    x = L.Dropout(0.4)(x)
    x = L.AveragePooling2D(pool_size=(25, 5))(x)
    x = L.Flatten()(x)
    out = L.Dense(12, activation="softmax")(x)
    return keras.Model(inp, out, name="kws_dscnn")


def vww_mobilenet(keras, L):
    def conv_bn_relu(x, layer):
        x = layer(x)
        x = L.BatchNormalization()(x)
        return L.Activation("relu")(x)

    kw = dict(padding="same", kernel_initializer="he_normal")
    dw = dict(padding="same", depthwise_initializer="he_normal")
    x = inp = keras.Input(D.SHAPES["vww_mobilenet"])
    filters = 8                                   # 32 x alpha 0.25
    x = conv_bn_relu(x, L.Conv2D(filters, 3, strides=2, **kw))
    # (stride of the depthwise conv, widen the pointwise conv x2?) for blocks 1..13
    blocks = [(1, True), (2, True), (1, False), (2, True), (1, False), (2, True),
              (1, False), (1, False), (1, False), (1, False), (1, False),
              (2, True), (1, False)]
    for stride, widen in blocks:
        x = conv_bn_relu(x, L.DepthwiseConv2D(3, strides=stride, **dw))
        if widen:
            filters *= 2
        x = conv_bn_relu(x, L.Conv2D(filters, 1, strides=1, **kw))
    x = L.AveragePooling2D(pool_size=tuple(int(v) for v in x.shape[1:3]))(x)
    x = L.Flatten()(x)
    out = L.Dense(2, activation="softmax")(x)
    return keras.Model(inp, out, name="vww_mobilenet")


def ic_resnet8(keras, L):
    kw = dict(kernel_size=3, padding="same", kernel_initializer="he_normal")
    x = inp = keras.Input(D.SHAPES["ic_resnet8"])
    x = L.Conv2D(16, strides=1, **kw)(x)
    x = L.BatchNormalization()(x)
    x = L.Activation("relu")(x)
    for filters, stride in [(16, 1), (32, 2), (64, 2)]:
        y = L.Conv2D(filters, strides=stride, **kw)(x)
        y = L.BatchNormalization()(y)
        y = L.Activation("relu")(y)
        y = L.Conv2D(filters, strides=1, **kw)(y)
        y = L.BatchNormalization()(y)
        if stride != 1:
            x = L.Conv2D(filters, kernel_size=1, strides=stride, padding="same",
                         kernel_initializer="he_normal")(x)
        x = L.Add()([x, y])
        x = L.Activation("relu")(x)
    x = L.AveragePooling2D(pool_size=int(min(x.shape[1:3])))(x)
    x = L.Flatten()(x)
    out = L.Dense(10, activation="softmax", kernel_initializer="he_normal")(x)
    return keras.Model(inp, out, name="ic_resnet8")


def ad_autoencoder(keras, L):
    x = inp = keras.Input(D.SHAPES["ad_autoencoder"])
    for units in [128, 128, 128, 128, 8, 128, 128, 128, 128]:
        x = L.Dense(units)(x)
        x = L.BatchNormalization()(x)
        x = L.Activation("relu")(x)
    out = L.Dense(640)(x)
    return keras.Model(inp, out, name="ad_autoencoder")


BUILDERS = {"kws_dscnn": kws_dscnn, "vww_mobilenet": vww_mobilenet,
            "ic_resnet8": ic_resnet8, "ad_autoencoder": ad_autoencoder}


def init_batchnorm(keras, L, model, x, rng):
    """Give every BatchNormalization layer (in graph order) the statistics of what it sees
    on x, plus a random affine part, so activations look like a trained network's."""
    for layer in model.layers:
        if not isinstance(layer, L.BatchNormalization):
            continue
        sub = keras.Model(model.inputs, layer.input)
        a = np.asarray(sub.predict(x, verbose=0, batch_size=64), np.float64)
        axes = tuple(range(a.ndim - 1))
        mean = a.mean(axis=axes)
        var = a.var(axis=axes) + 1e-3
        c = mean.shape[0]
        layer.set_weights([rng.uniform(0.5, 1.5, c).astype(np.float32),
                           rng.normal(0.1, 0.2, c).astype(np.float32),
                           mean.astype(np.float32), var.astype(np.float32)])


def main():
    C.import_tf()
    import keras
    L = keras.layers
    rows = []
    for i, name in enumerate(D.NAMES):
        keras.utils.set_random_seed(SEED + i)
        model = BUILDERS[name](keras, L)
        calib = D.inputs(name, N_CALIB, D.SEED_CALIB)
        init_batchnorm(keras, L, model, calib[:N_BN], np.random.default_rng(SEED + i))
        m32 = C.convert_keras(model, None, mode="f32")
        m8 = C.convert_keras(model, [[calib[k:k + 1]] for k in range(N_CALIB)], mode="int8")
        C.write_bytes(D.model_path(name, "f32"), m32)
        C.write_bytes(D.model_path(name, "int8"), m8)
        params = int(sum(np.prod(w.shape) for w in model.get_weights()))
        rows.append((name, params, C.count_macs(m8), len(m32), len(m8),
                     " ".join(sorted(set(C.op_list(m8))))))
        C.log("%s: %d params, %d MACs, f32 %d bytes, int8 %d bytes" % rows[-1][:5])
    print("| model | Keras params | MACs | f32 bytes | int8 bytes | int8 ops |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %d | %d | %d | %d | %s |" % r)


if __name__ == "__main__":
    main()
