#!/usr/bin/env python3
"""Small Keras models converted by the real TFLite converter, with expected
outputs and every intermediate tensor from litert (float), TFLM (int8,
int8 with float I/O) and litert BUILTIN_REF (int8).

Output: tests/fixtures/tflite/<name>/
  model_f32.tflite, model_int8.tflite, model_int8_fio.tflite
  input_f32.npy  [N=4, ...] float32
  input_int8.npy the same quantized with model_int8's input parameters
  expected/<variant>/output_<k>.npy, expected/<variant>/tensors/t<idx>.npy
    variants: f32_litert, int8_tflm, int8_fio_tflm, int8_litert_ref
and tests/fixtures/tflite/models.txt.

Usage: .venv/bin/python reference/make_tflite_fixtures.py
"""

import os
import shutil
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np  # noqa: E402

OUT = os.path.join(C.REPO, "tests", "fixtures", "tflite")
N = 4
N_CALIB = 64
SEED = 7321

SUPPORTED = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD", "SUB",
             "MUL", "AVERAGE_POOL_2D", "MAX_POOL_2D", "SOFTMAX", "LOGISTIC",
             "TANH", "RELU", "RELU6", "LEAKY_RELU", "HARD_SWISH",
             "CONCATENATION", "MEAN", "PAD", "RESHAPE", "SQUEEZE", "QUANTIZE",
             "DEQUANTIZE"}

tf = keras = L = None


def randomize_bn(model, rng):
    """Give BatchNormalization layers non-trivial statistics (they fold into
    the preceding conv, which is what real trained models look like)."""
    for layer in model.layers:
        if isinstance(layer, L.BatchNormalization):
            g, b, m, v = layer.get_weights()
            layer.set_weights([
                rng.uniform(0.5, 1.5, g.shape).astype(np.float32),
                rng.normal(0, 0.2, b.shape).astype(np.float32),
                rng.normal(0, 0.2, m.shape).astype(np.float32),
                rng.uniform(0.5, 2.0, v.shape).astype(np.float32)])


def relu_n1_to_1(x):
    return tf.clip_by_value(x, -1.0, 1.0)


def hard_swish(x):
    return x * tf.nn.relu6(x + 3.0) * (1.0 / 6.0)


# --------------------------------------------------------------------------
# models: each returns (keras model, description, input sampler)
# --------------------------------------------------------------------------

def image_sampler(shape, lo=0.0, hi=1.0):
    def sample(rng, n):
        # smooth-ish "images": low-frequency pattern plus noise
        base = rng.uniform(lo, hi, (n, 1, 1, shape[-1]))
        yy = np.linspace(0, np.pi, shape[0])[None, :, None, None]
        xx = np.linspace(0, np.pi, shape[1])[None, None, :, None]
        ph = rng.uniform(0, 2 * np.pi, (n, 1, 1, shape[-1]))
        pat = 0.5 + 0.5 * np.sin(yy * rng.uniform(0.5, 3) + xx * rng.uniform(0.5, 3) + ph)
        x = 0.6 * pat * (hi - lo) + lo + 0.4 * base + rng.normal(0, 0.05 * (hi - lo), (n,) + tuple(shape))
        return np.clip(x, lo, hi).astype(np.float32)
    return sample


def normal_sampler(shape, mu=0.0, sd=1.0):
    def sample(rng, n):
        return rng.normal(mu, sd, (n,) + tuple(shape)).astype(np.float32)
    return sample


def m_cnn_small():
    x = keras.Input((16, 16, 1))
    y = L.Conv2D(8, 3, padding="same", activation="relu")(x)
    y = L.Conv2D(12, 3, strides=2, padding="valid", activation="relu6")(y)
    y = L.MaxPooling2D(2, padding="same")(y)
    y = L.Conv2D(16, 3, padding="same", dilation_rate=2)(y)
    y = L.Flatten()(y)
    y = L.Dense(10)(y)
    y = L.Softmax()(y)
    return keras.Model(x, y), ("small CNN: conv SAME/relu, conv stride 2 VALID/relu6, "
                               "max pool SAME, dilated conv, flatten, dense, softmax"), \
        image_sampler((16, 16, 1))


def m_mobilenet_block():
    x = keras.Input((24, 24, 3))
    y = L.Conv2D(8, 3, strides=2, padding="same", use_bias=False)(x)
    y = L.BatchNormalization()(y)
    y = L.ReLU(6.0)(y)
    y = L.DepthwiseConv2D(3, padding="same", use_bias=False)(y)
    y = L.BatchNormalization()(y)
    y = L.ReLU(6.0)(y)
    y = L.Conv2D(16, 1, use_bias=False)(y)
    y = L.BatchNormalization()(y)
    y = L.ReLU(6.0)(y)
    y = L.DepthwiseConv2D(3, strides=2, depth_multiplier=2, padding="same")(y)
    y = L.ReLU(6.0)(y)
    y = L.Conv2D(24, 1)(y)
    y = L.GlobalAveragePooling2D()(y)
    y = L.Dense(5)(y)
    y = L.Softmax()(y)
    return keras.Model(x, y), ("MobileNet-ish: conv s2 + BN + relu6, depthwise 3x3, pointwise, "
                               "depthwise s2 depth_multiplier 2, global average (MEAN), dense, softmax"), \
        image_sampler((24, 24, 3))


def m_mlp():
    x = keras.Input((20,))
    y = L.Dense(32, activation="relu")(x)
    y = L.Dense(16, activation="tanh")(y)
    y = L.Dense(12, activation="sigmoid")(y)
    y = L.Dense(8, activation="relu6")(y)
    y = L.Dense(6)(y)
    y = L.Activation(relu_n1_to_1)(y)
    y = L.Dense(4)(y)
    y = L.Softmax()(y)
    return keras.Model(x, y), ("MLP: dense relu, tanh, sigmoid (logistic), relu6, relu_n1_to_1, "
                               "dense, softmax with beta 0.5 (edited)"), normal_sampler((20,), 0.0, 1.0)


def m_residual():
    x = keras.Input((12, 12, 8))
    y = L.Conv2D(8, 3, padding="same", activation="relu")(x)
    y = L.Conv2D(8, 3, padding="same")(y)
    y = L.Add()([x, y])
    y = L.ReLU()(y)
    z = L.Conv2D(12, 1, strides=2)(y)
    w = L.Conv2D(12, 3, strides=2, padding="same", activation="relu")(y)
    w = L.Conv2D(12, 3, padding="same")(w)
    y = L.Add()([z, w])
    y = L.ReLU(6.0)(y)
    y = L.AveragePooling2D(2)(y)
    y = L.Flatten()(y)
    y = L.Dense(3)(y)
    return keras.Model(x, y), ("residual blocks: conv relu, ADD with fused relu, projection "
                               "shortcut 1x1 s2, ADD with relu6, average pool, dense"), \
        normal_sampler((12, 12, 8), 0.2, 1.0)


def m_branchy():
    x = keras.Input((10, 10, 4))
    a = L.Conv2D(6, 1, activation="relu")(x)
    b = L.Conv2D(6, 3, padding="same", dilation_rate=2, activation="relu")(x)
    c = L.AveragePooling2D(3, strides=1, padding="same")(x)
    y = L.Concatenate(axis=-1)([a, b, c])
    g = L.GlobalAveragePooling2D(keepdims=True)(y)
    g = L.Dense(16, activation="sigmoid")(g)
    y = L.Multiply()([y, g])
    r = L.Conv2D(16, 1)(y)
    y = L.Subtract()([y, r])
    y = L.Conv2D(8, 3, strides=2, padding="valid", activation="relu")(y)
    y = L.GlobalAveragePooling2D()(y)
    y = L.Dense(4)(y)
    return keras.Model(x, y), ("branchy: 1x1 / dilated 3x3 / avg-pool branches, CONCATENATION on "
                               "channels, squeeze-excite gate (MEAN keep_dims, dense sigmoid, MUL "
                               "broadcast [1,10,10,16]x[1,1,1,16]), SUB, conv s2 VALID, MEAN, dense"), \
        image_sampler((10, 10, 4), -1.0, 1.0)


def m_dilated_dw():
    x = keras.Input((14, 14, 3))
    y = L.ZeroPadding2D(((1, 2), (0, 1)))(x)
    y = L.DepthwiseConv2D(3, dilation_rate=2, depth_multiplier=3, padding="valid")(y)
    y = L.LeakyReLU(negative_slope=0.2)(y)
    y = L.Conv2D(8, (3, 2), strides=(2, 1), padding="valid", dilation_rate=1)(y)
    y = L.Activation(hard_swish)(y)
    y = L.DepthwiseConv2D((2, 3), strides=(1, 2), padding="same", activation="relu")(y)
    y = L.MaxPooling2D(3, strides=2, padding="valid")(y)
    y = L.Flatten()(y)
    y = L.Dense(6, activation="tanh")(y)
    return keras.Model(x, y), ("PAD (asymmetric), depthwise dilation 2 depth_multiplier 3 VALID, "
                               "leaky relu 0.2, conv 3x2 stride (2,1), hard swish, depthwise "
                               "2x3 stride (1,2) relu, max pool 3 s2 VALID, dense tanh"), \
        image_sampler((14, 14, 3), -1.0, 1.0)


def m_sequence():
    x = keras.Input((6, 10))
    y = L.Dense(16, activation="relu")(x)          # FC keep_num_dims = true
    y = L.Dense(8)(y)
    z = L.Lambda(lambda t: tf.reduce_mean(t, axis=1, keepdims=True))(y)
    y = L.Subtract()([y, z])                       # [1,6,8] - [1,1,8]
    y = L.Activation("tanh")(y)
    y = L.Reshape((48,))(y)
    y = L.Dense(10, activation="relu")(y)
    y = L.Reshape((1, 10))(y)
    y = L.Lambda(lambda t: tf.reduce_mean(t, axis=2, keepdims=False))(y)
    return keras.Model(x, y), ("sequence: dense on rank-3 (FC keep_num_dims true) relu, MEAN axis 1 "
                               "keep_dims, SUB broadcast [1,6,8]-[1,1,8], tanh, RESHAPE, dense relu, "
                               "RESHAPE, MEAN axis 2 keep_dims false"), normal_sampler((6, 10), 0.0, 2.0)


def m_pad_squeeze():
    x = keras.Input((9, 9, 2))
    y = L.ZeroPadding2D(1)(x)
    y = L.Conv2D(6, 3, strides=(2, 2), padding="valid", activation=relu_n1_to_1)(y)
    y = L.Lambda(lambda t: tf.reduce_mean(t, axis=[1, 2], keepdims=True))(y)
    y = L.Lambda(lambda t: tf.squeeze(t, axis=[1, 2]))(y)
    y = L.Dense(5)(y)
    y = L.Reshape((1, 1, 5))(y)
    y = L.Softmax(axis=-1)(y)
    return keras.Model(x, y), ("ZeroPadding2D + conv s2 VALID (folded into one CONV_2D by the converter) "
                               "with fused relu_n1_to_1, MEAN [1,2] keep_dims, "
                               "squeeze + dense + reshape (the converter folds them into one FC with "
                               "keep_num_dims true on a rank-4 input), softmax on rank 4"), normal_sampler((9, 9, 2), 0.0, 1.5)


def m_hswish_net():
    x = keras.Input((16, 16, 3))
    y = L.Conv2D(8, 3, strides=2, padding="same")(x)
    y = L.Activation(hard_swish)(y)
    y = L.DepthwiseConv2D(5, padding="same")(y)
    y = L.Activation(hard_swish)(y)
    y = L.AveragePooling2D(3, strides=2, padding="valid")(y)
    y = L.Conv2D(12, 1, activation="relu6")(y)
    y = L.AveragePooling2D(2, strides=1, padding="same")(y)
    y = L.Flatten()(y)
    y = L.Dense(10)(y)
    y = L.Activation("sigmoid")(y)
    return keras.Model(x, y), ("hard swish net: conv s2, HARD_SWISH, depthwise 5x5, HARD_SWISH, "
                               "avg pool 3 s2 VALID, conv 1x1 relu6, avg pool 2 s1 SAME, dense, logistic"), \
        image_sampler((16, 16, 3), 0.0, 1.0)


def m_gates():
    x = keras.Input((12,))
    h = L.Dense(16)(x)
    i = L.Activation("sigmoid")(L.Dense(16)(x))
    f = L.Activation("tanh")(h)
    y = L.Lambda(lambda ts: ts[0] * ts[1] + (1.0 - ts[0]) * ts[2])([i, f, h])
    y = L.LeakyReLU(negative_slope=0.05)(y)
    y = L.Concatenate(axis=1)([y, x])
    y = L.Dense(8, activation="relu")(y)
    y = L.Lambda(lambda t: t * 0.25 + 1.0)(y)
    y = L.Dense(3)(y)
    return keras.Model(x, y), ("gated MLP: dense, logistic, tanh, constant SUB (1 - x), MUL, ADD, "
                               "leaky relu 0.05, CONCATENATION axis 1, dense relu, "
                               "x*0.25+1 (folded into the next dense by the converter), dense"), normal_sampler((12,), 0.0, 1.0)


def m_tiny():
    x = keras.Input((1,))
    y = L.Dense(1, activation="sigmoid")(x)
    return keras.Model(x, y), "tiny: one element in, FC 1x1 (the converter may lower it), logistic", \
        normal_sampler((1,), 0.0, 3.0)


def m_concat_axes():
    x = keras.Input((6, 6, 4))
    a = L.Conv2D(4, 3, padding="same", activation="relu")(x)
    b = L.MaxPooling2D(2, strides=1, padding="same")(x)
    y = L.Concatenate(axis=1)([a, b])            # height
    c = L.Conv2D(4, 1)(y)
    y = L.Concatenate(axis=2)([y, c])            # width
    y = L.Conv2D(6, 3, strides=3, padding="valid")(y)
    y = L.Activation("relu")(y)
    y = L.Lambda(lambda t: tf.reduce_mean(t, axis=[3], keepdims=True))(y)
    y = L.Flatten()(y)
    return keras.Model(x, y), ("CONCATENATION on axis 1 and axis 2, max pool s1 SAME, conv s3 VALID, "
                               "standalone RELU after conv (fused), MEAN over channels keep_dims, "
                               "RESHAPE"), normal_sampler((6, 6, 4), 0.0, 1.0)


MODELS = [
    ("cnn_small", m_cnn_small),
    ("mobilenet_block", m_mobilenet_block),
    ("mlp", m_mlp),
    ("residual", m_residual),
    ("branchy", m_branchy),
    ("dilated_dw", m_dilated_dw),
    ("sequence", m_sequence),
    ("pad_squeeze", m_pad_squeeze),
    ("hswish_net", m_hswish_net),
    ("gates", m_gates),
    ("concat_axes", m_concat_axes),
    ("tiny", m_tiny),
]

# post-conversion edits (recorded in models.txt): the converter never emits a
# softmax beta other than 1 (it folds beta into a MUL); set it in the flatbuffer
# of all three variants so the f32 and int8 models stay the same function.
SOFTMAX_BETA = {"mlp": 0.5}


def edit_beta(mb, beta):
    mt = C.load_model_t(mb)
    n = 0
    for op in mt.subgraphs[0].operators:
        if C.OP_NAMES[C.op_code(mt, op)] == "SOFTMAX":
            op.builtinOptions.beta = float(beta)
            n += 1
    assert n == 1
    return C.pack_model(mt)


def save_variant(d, variant, outs, tens):
    vd = os.path.join(d, "expected", variant)
    for k, y in enumerate(outs):
        C.save_npy(os.path.join(vd, "output_%d.npy" % k), y)
    for ti, arr in sorted(tens.items()):
        C.save_npy(os.path.join(vd, "tensors", "t%d.npy" % ti), arr)


def main():
    global tf, keras, L
    tf = C.import_tf()
    import keras as _k
    keras = _k
    L = keras.layers
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    lines = ["# name: description | ops (int8 model) | ops (f32 model) | notes"]
    summary = []
    for mi, (name, fn) in enumerate(MODELS):
        keras.utils.set_random_seed(SEED + mi)
        rng = np.random.default_rng([SEED, mi])
        model, desc, sampler = fn()
        randomize_bn(model, rng)
        calib = [[sampler(rng, 1)] for _ in range(N_CALIB)]
        x = sampler(rng, N)
        m32 = C.convert_keras(model, None, mode="f32")
        m8 = C.convert_keras(model, calib, mode="int8")
        mfio = C.convert_keras(model, calib, mode="int8_fio")
        notes = []
        if name in SOFTMAX_BETA:
            beta = SOFTMAX_BETA[name]
            m32, m8, mfio = (edit_beta(m, beta) for m in (m32, m8, mfio))
            notes.append("SoftmaxOptions.beta set to %g in all three files" % beta)
        for m in (m32, m8, mfio):
            mt = C.load_model_t(m)
            for ti in C.activation_tensors(mt):
                shp = mt.subgraphs[0].tensors[ti].shape
                if shp is None or len(shp) == 0 or int(shp[0]) != 1:
                    raise SystemExit("%s: tensor %d has shape %s (no leading 1)"
                                     % (name, ti, shp))
        ops8 = C.op_list(m8)
        ops32 = C.op_list(m32)
        bad = sorted(set(ops8) - SUPPORTED)
        if bad:
            raise SystemExit("%s: unsupported ops %s" % (name, bad))
        d = os.path.join(OUT, name)
        C.write_bytes(os.path.join(d, "model_f32.tflite"), m32)
        C.write_bytes(os.path.join(d, "model_int8.tflite"), m8)
        C.write_bytes(os.path.join(d, "model_int8_fio.tflite"), mfio)
        mt8 = C.load_model_t(m8)
        tin = mt8.subgraphs[0].tensors[mt8.subgraphs[0].inputs[0]]
        s, z = C.tensor_quant(tin)
        x8 = C.quantize_np(x, s[0], z[0])
        C.save_npy(os.path.join(d, "input_f32.npy"), x)
        C.save_npy(os.path.join(d, "input_int8.npy"), x8)

        o32, t32 = C.run_litert(m32, [x], ref=False)
        save_variant(d, "f32_litert", o32, t32)
        o8, t8 = C.run_tflm(m8, [x8])
        save_variant(d, "int8_tflm", o8, t8)
        ofio, tfio = C.run_tflm(mfio, [x])
        save_variant(d, "int8_fio_tflm", ofio, tfio)
        oref, tref = C.run_litert(m8, [x8], ref=True)
        save_variant(d, "int8_litert_ref", oref, tref)

        same_out = all(np.array_equal(a, b) for a, b in zip(o8, oref))
        nt_diff = sum(1 for i in t8 if not np.array_equal(t8[i], tref[i]))
        # how close is int8 to float, on the first output
        so, zo = C.tensor_quant(mt8.subgraphs[0].tensors[mt8.subgraphs[0].outputs[0]])
        deq = (o8[0].astype(np.float32) - zo[0]) * np.float32(so[0])
        err = float(np.max(np.abs(deq - o32[0])))
        rngf = float(np.max(np.abs(o32[0]))) or 1.0
        fio_vs_int8 = float(np.max(np.abs(ofio[0] - deq)))
        notes.append("tflm vs litert-ref: outputs %s, %d/%d tensors differ"
                     % ("same" if same_out else "differ", nt_diff, len(t8)))
        notes.append("int8 vs f32 max abs err %.4g (f32 max |y| %.4g)" % (err, rngf))
        if fio_vs_int8 > 0:
            notes.append("int8_fio output differs from dequantized int8 output by up to %.3g"
                         % fio_vs_int8)
        lines.append("%s: %s | %s | %s | %s" % (name, desc, " ".join(ops8), " ".join(ops32),
                                               "; ".join(notes)))
        summary.append((name, len(ops8), same_out, nt_diff))
        C.log("%-16s ops=%2d  tflm==litert_ref:%s (%d tensors differ)  int8 err %.3g / %.3g"
              % (name, len(ops8), same_out, nt_diff, err, rngf))
    C.write_text(os.path.join(OUT, "models.txt"), "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
