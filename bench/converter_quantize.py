#!/usr/bin/env python3
"""The TFLite converter's post-training quantization of a float .tflite, as one process:
its Calibrator over CALIB.npy (one sample per invocation, as a representative dataset is fed)
then mlir_quantize (per-channel, int8 I/O) -- what TFLiteConverter does once it has the float
model. The peer of `qvet quantize MODEL CALIB.npy -o OUT.tflite` in
bench/quantize_vs_converter.sh.

Usage: python bench/converter_quantize.py MODEL.tflite CALIB.npy OUT.tflite
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow.lite.python.optimize import calibrator  # noqa: E402
from tensorflow.lite.python import convert  # noqa: E402


def main():
    model, data, out = sys.argv[1:4]
    x = np.load(data).astype(np.float32)
    m = calibrator.add_intermediate_tensors(open(model, "rb").read())
    cal = calibrator.Calibrator(m)

    def gen():
        for i in range(len(x)):
            yield [x[i:i + 1]]
    calibrated = cal.calibrate(gen)
    q = convert.mlir_quantize(calibrated, disable_per_channel=False, input_data_type=tf.int8,
                              output_data_type=tf.int8,
                              disable_per_channel_for_dense_layers=False)
    with open(out, "wb") as f:
        f.write(q)


if __name__ == "__main__":
    main()
