"""The four MLPerf Tiny benchmark models of bench/mlperf_tiny/ and their inputs.

Numpy only (no TensorFlow): imported by reference/make_mlperf_tiny.py (representative
data for the converter), reference/check_mlperf_tiny.py and bench/peers_mlperf.py
(benchmark inputs, generated at bench time, never committed).

The inputs are synthetic but shaped like the real ones (value ranges, smoothness), so
that the int8 models see activations of realistic spread.  They are deterministic: a
given (model, n, seed) always gives the same float32 array on any machine (numpy's
PCG64 generator and float64 arithmetic rounded once to float32).
"""

import os

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO, "bench", "mlperf_tiny")

# name, input shape (without batch), classes/outputs, what it is
MODELS = [
    ("kws_dscnn", (49, 10, 1), 12,
     "DS-CNN keyword spotting (MFCC 49x10, 12 classes)"),
    ("vww_mobilenet", (96, 96, 3), 2,
     "MobileNetV1 alpha 0.25 visual wake words (96x96 RGB, 2 classes)"),
    ("ic_resnet8", (32, 32, 3), 10,
     "ResNet-8 image classification (CIFAR-10 32x32 RGB, 10 classes)"),
    ("ad_autoencoder", (640,), 640,
     "FC autoencoder anomaly detection (640 log-mel features)"),
]
NAMES = [m[0] for m in MODELS]
SHAPES = {m[0]: m[1] for m in MODELS}

# seeds of the data streams (distinct per use so that calibration and bench inputs differ)
SEED_CALIB = 101
SEED_BENCH = 202
SEED_CHECK = 303


def model_path(name, kind):
    """kind: 'f32' or 'int8'."""
    return os.path.join(OUT_DIR, "%s_%s.tflite" % (name, kind))


def _smooth(rng, n, length, width):
    """n random series of `length` values, smoothed by a moving average of `width`."""
    x = rng.normal(0.0, 1.0, (n, length + width - 1))
    k = np.ones(width) / np.sqrt(width)
    out = np.empty((n, length))
    for i in range(n):
        out[i] = np.convolve(x[i], k, mode="valid")
    return out


def _images(rng, n, hw):
    """Smooth colour gradients and stripes with pixel noise, in [0, 1]."""
    yy = np.linspace(0.0, 1.0, hw)[None, :, None, None]
    xx = np.linspace(0.0, 1.0, hw)[None, None, :, None]
    f = rng.uniform(0.5, 5.0, (n, 1, 1, 3))
    a = rng.uniform(0.2, 2.0, (n, 1, 1, 3))
    ph = rng.uniform(0.0, 6.3, (n, 1, 1, 3))
    base = rng.uniform(0.25, 0.75, (n, 1, 1, 3))
    amp = rng.uniform(0.1, 0.45, (n, 1, 1, 3))
    x = base + amp * np.sin(np.pi * f * (yy + a * xx) + ph)
    x = x + rng.normal(0.0, 0.06, (n, hw, hw, 3))
    x = np.clip(x, 0.0, 1.0)
    x[:, 0, 0, 0] = 0.0        # every sample spans exactly [0, 1]
    x[:, -1, -1, 0] = 1.0
    return x


def _mfcc(rng, n):
    """MFCC-like [n, 49, 10, 1]: coefficient 0 (energy) large and negative-leaning,
    higher coefficients smaller; smooth over the 49 frames."""
    scale = np.array([40.0, 18, 12, 9, 7, 6, 5, 4, 3.5, 3])
    mean = np.array([-60.0, 8, -4, 3, -2, 1.5, -1, 0.8, -0.5, 0.3])
    out = np.empty((n, 49, 10))
    for k in range(10):
        s = _smooth(rng, n, 49, 5)
        out[:, :, k] = mean[k] + rng.normal(0, 0.3, (n, 1)) * scale[k] + s * 0.5 * scale[k]
    return out[..., None]


def _logmel(rng, n):
    """Log-mel-like [n, 640] = 5 frames x 128 mel bands (dB-like, about -80..0):
    a smooth spectral envelope per sample, small frame-to-frame changes."""
    env = _smooth(rng, n, 128, 9) * 6.0 + np.linspace(-20.0, -55.0, 128)[None, :]
    level = rng.uniform(-10.0, 5.0, (n, 1))
    frames = [env + level + rng.normal(0.0, 2.0, (n, 128)) for _ in range(5)]
    return np.clip(np.concatenate(frames, axis=1), -90.0, 10.0)


CHUNK = 250


def inputs(name, n, seed):
    """float32 [n, *shape] inputs for model `name`, deterministic in (name, seed): made in
    chunks of CHUNK samples, each from its own generator, so that the first k samples are
    the same whatever n (and memory stays small for n in the thousands)."""
    if name not in NAMES:
        raise ValueError("unknown MLPerf Tiny model %r" % name)
    out = np.empty((n,) + SHAPES[name], np.float32)
    for c in range(0, n, CHUNK):
        rng = np.random.default_rng([seed, NAMES.index(name), c // CHUNK])
        out[c:c + CHUNK] = _chunk(name, rng, CHUNK)[:n - c]
    return out


def _chunk(name, rng, n):
    if name == "kws_dscnn":
        x = _mfcc(rng, n)
    elif name == "vww_mobilenet":
        x = _images(rng, n, 96)
    elif name == "ic_resnet8":
        x = _images(rng, n, 32)
    elif name == "ad_autoencoder":
        x = _logmel(rng, n)
    return x.astype(np.float32)


def quantize(x, scale, zp):
    """TFLite QUANTIZE of float32 data: round half away from zero, + zp, clamp to int8."""
    q = np.asarray(x, np.float32) / np.float32(scale)
    r = np.trunc(q)
    r = r + np.sign(q) * (np.abs(q - r) >= np.float32(0.5))
    return np.clip(r.astype(np.int64) + int(zp), -128, 127).astype(np.int8)
