#!/usr/bin/env python3
"""Mixed-precision fixtures (issue 7): int8 models with some layers left float, and the
opposite, made by the TFLite converter through tf.lite.experimental.QuantizationDebugger
(QuantizationDebugOptions(denylisted_nodes=..., denylisted_ops=...),
get_nondebug_quantized_model()).

The base model (seeded Keras, BatchNorm statistics randomized, trained-looking weights):
  x [1, 12, 12, 3] -> CONV_2D 3x3 8 ReLU (conv1) -> DEPTHWISE_CONV_2D 3x3 ReLU (dw1)
  -> CONV_2D 1x1 16 ReLU (pw1) -> ADD with a 1x1 CONV_2D shortcut of dw1 (res)
  -> MEAN (global pool) -> FULLY_CONNECTED 10 (fc) -> SOFTMAX
Variants (tests/fixtures/mixed/<name>/model.tflite):
  int8_all          nothing denylisted (float I/O; reference for the others)
  float_dw          denylisted_nodes = [dw1's output]: one float layer among int8 ones
  float_fc_ops      denylisted_ops = ['FULLY_CONNECTED']
  float_dw_add      denylisted_nodes = [dw1, the ADD]: two float layers, one of them elementwise
  int8_pw_only      denylisted_nodes = every node but pw1: one int8 layer among float ones
Per variant: input.npy (float32 [4, 16, 16, 3]: N(0, 1), one at the calibration range ends, one
beyond it, zeros), expected/ref/output_0.npy and expected/ref/tensors/t<idx>.npy (every
non-constant tensor, ai-edge-litert BUILTIN_REF), and in nodes.txt each node's op, input and
output dtypes (which QUANTIZE / DEQUANTIZE the converter put at the borders).
expected/float/output_0.npy: the float32 model (no quantization) on the same input.
Deterministic.

Usage: .venv/bin/python reference/make_mixed_fixtures.py
"""

import os
import shutil
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from common import np  # noqa: E402

OUT = os.path.join(C.REPO, "tests", "fixtures", "mixed")
SEED = 777
N_CALIB = 32


def build(keras, rng):
    L = keras.layers
    inp = keras.Input((12, 12, 3), batch_size=1)
    h = L.Conv2D(8, 3, padding="same", name="conv1")(inp)
    h = L.BatchNormalization(name="bn1")(h)
    h = L.ReLU(name="relu1")(h)
    d = L.DepthwiseConv2D(3, padding="same", activation="relu", name="dw1")(h)
    p = L.Conv2D(16, 1, activation="relu", name="pw1")(d)
    s = L.Conv2D(16, 1, name="short")(d)
    h = L.Add(name="res")([p, s])
    h = L.GlobalAveragePooling2D(name="gap")(h)
    h = L.Dense(10, name="fc")(h)
    out = L.Softmax(name="sm")(h)
    m = keras.Model(inp, out)
    for layer in m.layers:
        ws = layer.get_weights()
        if not ws:
            continue
        if layer.name == "bn1":
            g, b, mu, v = ws
            ws = [rng.uniform(0.5, 1.5, g.shape), rng.normal(0, 0.3, b.shape),
                  rng.normal(0, 0.5, mu.shape), rng.uniform(0.3, 2.0, v.shape)]
        else:
            ws = [w * np.exp(rng.normal(0, 0.3, w.shape[-1])) if w.ndim > 1
                  else rng.normal(0, 0.2, w.shape) for w in ws]
        layer.set_weights([np.asarray(w, np.float32) for w in ws])
    return m


def node_table(mb):
    mt = C.load_model_t(mb)
    g = mt.subgraphs[0]
    rows = []
    for k, op in enumerate(g.operators):
        ins = ["%s:%s" % (g.tensors[i].name.decode(), C.TYPE_NAMES[g.tensors[i].type].lower())
               for i in op.inputs if i >= 0 and not C.is_const(mt, i)]
        outs = ["%s:%s" % (g.tensors[i].name.decode(), C.TYPE_NAMES[g.tensors[i].type].lower())
                for i in op.outputs]
        w = ""
        if len(op.inputs) > 1 and op.inputs[1] >= 0 and C.is_const(mt, op.inputs[1]):
            w = " weights:%s" % C.TYPE_NAMES[g.tensors[op.inputs[1]].type].lower()
        rows.append("%d %s in %s -> out %s%s" % (k, C.OP_NAMES[C.op_code(mt, op)],
                                                 " ".join(ins), " ".join(outs), w))
    return rows


def main():
    tf = C.import_tf()
    import keras
    keras.utils.set_random_seed(SEED)
    rng = np.random.default_rng(SEED)
    model = build(keras, rng)

    @tf.function(input_signature=[tf.TensorSpec([1, 12, 12, 3], tf.float32, name="x")])
    def serve(x):
        return model(x, training=False)
    cf = serve.get_concrete_function()
    calib = [rng.normal(0, 1, (1, 12, 12, 3)).astype(np.float32) for _ in range(N_CALIB)]
    calib[0].flat[0], calib[0].flat[1] = -3.5, 3.5

    def rep():
        for c in calib:
            yield [c]

    def converter():
        c = tf.lite.TFLiteConverter.from_concrete_functions([cf])
        c.optimizations = [tf.lite.Optimize.DEFAULT]
        c.representative_dataset = rep
        return c

    full = converter().convert()
    mt = C.load_model_t(full)
    g = mt.subgraphs[0]
    by_layer = {}
    for k, op in enumerate(g.operators):
        nm = g.tensors[op.outputs[0]].name.decode()
        if C.OP_NAMES[C.op_code(mt, op)] == "SOFTMAX":
            by_layer.setdefault("sm", nm)
        for layer in ("conv1", "dw1", "pw1", "short", "res", "gap", "fc"):
            if "/%s_1/" % layer in nm or nm.endswith("/%s_1" % layer) or \
                    "/%s/" % layer in nm:
                by_layer.setdefault(layer, nm)
    all_nodes = [g.tensors[op.outputs[0]].name.decode() for op in g.operators
                 if C.OP_NAMES[C.op_code(mt, op)] not in ("QUANTIZE", "DEQUANTIZE")]
    variants = [
        ("int8_all", dict()),
        ("float_dw", dict(denylisted_nodes=[by_layer["dw1"]])),
        ("float_fc_ops", dict(denylisted_ops=["FULLY_CONNECTED"])),
        ("float_dw_add", dict(denylisted_nodes=[by_layer["dw1"], by_layer["res"]])),
        ("int8_pw_only", dict(denylisted_nodes=[n for n in all_nodes if n != by_layer["pw1"]])),
    ]
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    x = np.stack([rng.normal(0, 1, (12, 12, 3)),
                  np.where(rng.random((12, 12, 3)) < 0.5, -3.5, 3.5),
                  rng.normal(0, 3, (12, 12, 3)),
                  np.zeros((12, 12, 3))]).astype(np.float32)
    f32 = C.convert_concrete(lambda v: model(v, training=False), [[1, 12, 12, 3]], None, "f32")
    fo, _ = C.run_litert(f32, [x], ref=True, want_tensors=False)
    summary = ["# name | denylist | ops | float compute nodes | max |out - float model|"]
    for name, opts in variants:
        dbg_opts = tf.lite.experimental.QuantizationDebugOptions(**opts)
        dbg = tf.lite.experimental.QuantizationDebugger(converter=converter(), debug_dataset=rep,
                                                        debug_options=dbg_opts)
        mb = bytes(dbg.get_nondebug_quantized_model())
        d = os.path.join(OUT, name)
        C.write_bytes(os.path.join(d, "model.tflite"), mb)
        C.save_npy(os.path.join(d, "input.npy"), x)
        outs, tens = C.run_litert(mb, [x], ref=True)
        gg = C.load_model_t(mb).subgraphs[0]
        C.save_npy(os.path.join(d, "expected", "ref", "output_0.npy"), outs[0])
        for ti, arr in sorted(tens.items()):
            if ti not in gg.inputs:
                C.save_npy(os.path.join(d, "expected", "ref", "tensors", "t%d.npy" % ti), arr)
        C.save_npy(os.path.join(d, "expected", "float", "output_0.npy"), fo[0])
        rows = node_table(mb)
        C.write_text(os.path.join(d, "nodes.txt"), "\n".join(rows) + "\n")
        fl = [r.split(" ")[1] for r in rows
              if " out " in r and r.split(" -> out ")[1].split(" ")[0].endswith(":float32")
              and r.split(" ")[1] not in ("DEQUANTIZE",)]
        label = {v: k for k, v in by_layer.items()}
        deny = "; ".join("%s=[%s]" % (k, ", ".join(label.get(n, n) for n in v))
                         for k, v in opts.items())
        summary.append("%s | %s | %s | %s | %.3g" % (
            name, deny or "-", " ".join(C.op_list(mb)), " ".join(fl) or "-",
            float(np.max(np.abs(outs[0] - fo[0])))))
        C.log(summary[-1])
    C.write_text(os.path.join(OUT, "cases.txt"), "\n".join(summary) + "\n")
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
