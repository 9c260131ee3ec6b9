"""Shared helpers for the qvet reference (oracle) scripts.

Everything here runs the *real* TFLite converter, the ai-edge-litert interpreter
and the TFLite Micro Python interpreter.  TensorFlow is imported lazily so that
scripts which only run interpreters (check_roundtrip.py, bench/peers/peers.py)
do not pay for it.
"""

import os
import sys
import platform
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import flatbuffers  # noqa: E402
from tflite_micro.tensorflow.lite.micro.python import (  # noqa: E402
    schema_py_generated as S,
)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

OP_NAMES = {v: k for k, v in vars(S.BuiltinOperator).items()
            if not k.startswith("_")}
TYPE_NAMES = {v: k for k, v in vars(S.TensorType).items()
              if not k.startswith("_")}
NP_DTYPES = {
    S.TensorType.FLOAT32: np.float32,
    S.TensorType.INT32: np.int32,
    S.TensorType.UINT8: np.uint8,
    S.TensorType.INT64: np.int64,
    S.TensorType.INT16: np.int16,
    S.TensorType.INT8: np.int8,
}
ACT_NAMES = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6",
             4: "TANH", 5: "SIGN_BIT"}


# --------------------------------------------------------------------------
# versions / environment
# --------------------------------------------------------------------------

def versions(with_tf=True):
    """Exact versions of every package that influences the fixtures."""
    import tflite_micro
    import ai_edge_litert
    from importlib import metadata
    v = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "tflite_micro": tflite_micro.__version__,
        "ai-edge-litert": metadata.version("ai-edge-litert"),
        "flatbuffers": metadata.version("flatbuffers"),
    }
    del ai_edge_litert
    if with_tf:
        v["tensorflow"] = metadata.version("tensorflow-cpu")
        v["keras"] = metadata.version("keras")
    return v


def import_tf():
    """Import TensorFlow quietly and deterministically (single thread)."""
    import logging
    import tensorflow as tf
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    try:
        import absl.logging
        absl.logging.set_verbosity(absl.logging.ERROR)
    except Exception:
        pass
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass
    try:
        tf.config.experimental.enable_op_determinism()
    except Exception:
        pass
    return tf


# --------------------------------------------------------------------------
# conversion
# --------------------------------------------------------------------------

def convert_concrete(fn, input_shapes, rep_data, mode="int8",
                     per_tensor_fc=True):
    """Convert a python function f(*float_inputs) with the TFLite converter.

    input_shapes: list of shapes (all float32 in the traced graph).
    rep_data: list of calibration samples, each a list of float32 arrays
              (one per input), or None for mode "f32".
    mode: "f32" (no quantization), "dynamic" (dynamic-range: int8 weights, float
          activations; rep_data unused), "int8" (full integer, int8 I/O),
          "int8_fio" (full integer body, float32 I/O),
          "int8_fin" (float32 input, int8 output),
          "int8_fout" (int8 input, float32 output).
    """
    tf = import_tf()
    specs = [tf.TensorSpec(s, tf.float32, name="x%d" % i)
             for i, s in enumerate(input_shapes)]
    cf = tf.function(fn, input_signature=specs).get_concrete_function()
    conv = tf.lite.TFLiteConverter.from_concrete_functions([cf])
    _configure(conv, rep_data, mode, per_tensor_fc)
    return bytes(conv.convert())


def convert_keras(model, rep_data, mode="int8", per_tensor_fc=True):
    """Convert a Keras 3 model (functional/sequential) via a concrete function."""
    tf = import_tf()
    specs = [tf.TensorSpec([1] + list(t.shape[1:]), tf.float32,
                           name="input_%d" % i)
             for i, t in enumerate(model.inputs)]

    @tf.function(input_signature=specs)
    def serve(*xs):
        y = model(list(xs) if len(xs) > 1 else xs[0], training=False)
        return y

    cf = serve.get_concrete_function()
    conv = tf.lite.TFLiteConverter.from_concrete_functions([cf])
    _configure(conv, rep_data, mode, per_tensor_fc)
    return bytes(conv.convert())


def _configure(conv, rep_data, mode, per_tensor_fc):
    tf = import_tf()
    if mode == "f32":
        return
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "dynamic":
        # dynamic-range (hybrid) quantization: int8 weights, float activations
        if per_tensor_fc:
            conv._experimental_disable_per_channel_quantization_for_dense_layers = True
        return

    def rep():
        for sample in rep_data:
            yield [np.asarray(a, np.float32) for a in sample]

    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    itype = {"int8": tf.int8, "int8_fio": tf.float32, "int8_fin": tf.float32,
             "int8_fout": tf.int8}[mode]
    otype = {"int8": tf.int8, "int8_fio": tf.float32, "int8_fin": tf.int8,
             "int8_fout": tf.float32}[mode]
    conv.inference_input_type = itype
    conv.inference_output_type = otype
    if per_tensor_fc:
        # The TFLite quantization spec (and qvet's PTQ) uses per-tensor FC
        # weights; recent converters default to per-channel.
        conv._experimental_disable_per_channel_quantization_for_dense_layers = True


# --------------------------------------------------------------------------
# flatbuffer access and editing
# --------------------------------------------------------------------------

def load_model_t(model_bytes):
    return S.ModelT.InitFromObj(S.Model.GetRootAsModel(bytearray(model_bytes), 0))


def _aligned_buffer_pack(self, builder):
    data = None
    if self.data is not None and len(self.data) > 0:
        raw = np.asarray(self.data, dtype=np.uint8).tobytes()
        builder.StartVector(1, len(raw), 16)
        builder.head = builder.head - len(raw)
        builder.Bytes[builder.head:builder.head + len(raw)] = raw
        data = builder.EndVector()
    S.BufferStart(builder)
    if data is not None:
        S.BufferAddData(builder, data)
    if self.offset:
        S.BufferAddOffset(builder, self.offset)
    if self.size:
        S.BufferAddSize(builder, self.size)
    return S.BufferEnd(builder)


S.BufferT.Pack = _aligned_buffer_pack


def pack_model(model_t):
    b = flatbuffers.Builder(4096)
    off = model_t.Pack(b)
    b.Finish(off, file_identifier=b"TFL3")
    return bytes(b.Output())


def op_code(model_t, op):
    oc = model_t.operatorCodes[op.opcodeIndex]
    return max(oc.builtinCode, oc.deprecatedBuiltinCode)


def op_list(model_bytes_or_t):
    m = model_bytes_or_t
    if not isinstance(m, S.ModelT):
        m = load_model_t(m)
    sg = m.subgraphs[0]
    return [OP_NAMES[op_code(m, op)] for op in (sg.operators or [])]


def is_const(model_t, tidx, sg=0):
    t = model_t.subgraphs[sg].tensors[tidx]
    if t.buffer is None or t.buffer == 0:
        return False
    buf = model_t.buffers[t.buffer]
    return buf.data is not None and len(buf.data) > 0


def activation_tensors(model_t, sg=0):
    """Indices of all non-constant tensors (inputs, outputs, intermediates)."""
    g = model_t.subgraphs[sg]
    used = set(g.inputs) | set(g.outputs)
    for op in g.operators or []:
        used |= {i for i in op.inputs if i >= 0}
        used |= set(op.outputs)
    return sorted(int(i) for i in used if not is_const(model_t, i, sg))


def tensor_quant(t):
    q = t.quantization
    if q is None or q.scale is None or q.zeroPoint is None \
            or len(q.scale) == 0:
        return None
    return [float(s) for s in q.scale], [int(z) for z in q.zeroPoint]


def prune(model_t):
    """Drop tensors, buffers and operator codes nothing refers to (in place)."""
    g = model_t.subgraphs[0]
    used = set(g.inputs) | set(g.outputs)
    for op in g.operators:
        used |= {i for i in op.inputs if i >= 0}
        used |= set(op.outputs)
    keep = sorted(used)
    remap = {old: new for new, old in enumerate(keep)}
    g.tensors = [g.tensors[i] for i in keep]
    g.inputs = [remap[i] for i in g.inputs]
    g.outputs = [remap[i] for i in g.outputs]
    for op in g.operators:
        op.inputs = [remap[i] if i >= 0 else i for i in op.inputs]
        op.outputs = [remap[i] for i in op.outputs]
        if op.intermediates is not None and len(op.intermediates):
            op.intermediates = [remap[i] for i in op.intermediates]
    for sd in model_t.signatureDefs or []:
        sd.inputs = [t for t in sd.inputs if t.tensorIndex in remap]
        sd.outputs = [t for t in sd.outputs if t.tensorIndex in remap]
        for t in sd.inputs + sd.outputs:
            t.tensorIndex = remap[t.tensorIndex]
    # buffers
    bused = {0} | {t.buffer for t in g.tensors}
    bused |= {md.buffer for md in model_t.metadata or []}
    bkeep = sorted(bused)
    bremap = {old: new for new, old in enumerate(bkeep)}
    model_t.buffers = [model_t.buffers[i] for i in bkeep]
    for t in g.tensors:
        t.buffer = bremap[t.buffer]
    for md in model_t.metadata or []:
        md.buffer = bremap[md.buffer]
    # operator codes
    okeep = sorted({op.opcodeIndex for op in g.operators})
    oremap = {old: new for new, old in enumerate(okeep)}
    model_t.operatorCodes = [model_t.operatorCodes[i] for i in okeep]
    for op in g.operators:
        op.opcodeIndex = oremap[op.opcodeIndex]
    return model_t


def set_opcode(model_t, op, builtin):
    """Point op at an operator code for `builtin` (adding one if needed)."""
    for i, oc in enumerate(model_t.operatorCodes):
        if max(oc.builtinCode, oc.deprecatedBuiltinCode) == builtin:
            op.opcodeIndex = i
            return
    oc = S.OperatorCodeT()
    oc.builtinCode = builtin
    oc.deprecatedBuiltinCode = min(builtin, 127)
    oc.version = 1
    model_t.operatorCodes.append(oc)
    op.opcodeIndex = len(model_t.operatorCodes) - 1


def isolate_op(model_t, op_index):
    """Keep only operator op_index; its non-constant inputs and its outputs
    become the subgraph inputs/outputs (in place, then pruned)."""
    g = model_t.subgraphs[0]
    op = g.operators[op_index]
    g.operators = [op]
    g.inputs = [i for i in op.inputs if i >= 0 and not is_const(model_t, i)]
    g.outputs = list(op.outputs)
    model_t.signatureDefs = None
    return prune(model_t)


def set_quant(t, scale, zp):
    q = t.quantization or S.QuantizationParametersT()
    q.scale = [float(np.float32(scale))]
    q.zeroPoint = [int(zp)]
    q.min = None
    q.max = None
    q.quantizedDimension = 0
    t.quantization = q


# --------------------------------------------------------------------------
# interpreters
# --------------------------------------------------------------------------

def _tensor_bytes(model_t):
    tot = 0
    for t in model_t.subgraphs[0].tensors:
        n = int(np.prod(t.shape)) if t.shape is not None and len(t.shape) else 1
        tot += n * 8
    return tot


def tflm_interpreter(model_bytes, preserve=True, arena_size=None):
    from tflite_micro import runtime as tflm
    if arena_size is None:
        mt = load_model_t(model_bytes)
        arena_size = 2 * len(model_bytes) + 2 * _tensor_bytes(mt) + 256 * 1024
    cfg = (tflm.InterpreterConfig.kPreserveAllTensors if preserve
           else tflm.InterpreterConfig.kAllocationRecording)
    return tflm.Interpreter.from_bytes(bytes(model_bytes), arena_size=arena_size,
                                       intrepreter_config=cfg)


def run_tflm(model_bytes, inputs, want_tensors=True):
    """Run TFLM (reference kernels) sample by sample.

    inputs: list (one per model input) of arrays [N, *shape[1:]].
    Returns (outputs, tensors): outputs is a list of [N, ...] arrays, tensors a
    dict {tensor index: [N, ...] array} of every non-constant tensor, read with
    Interpreter.GetTensor(idx, 0) from an interpreter created with
    InterpreterConfig.kPreserveAllTensors.
    """
    mt = load_model_t(model_bytes)
    g = mt.subgraphs[0]
    act = activation_tensors(mt) if want_tensors else []
    ip = tflm_interpreter(model_bytes, preserve=want_tensors)
    n = inputs[0].shape[0]
    outs = [[] for _ in g.outputs]
    tens = {i: [] for i in act}
    for s in range(n):
        for k in range(len(g.inputs)):
            ip.set_input(np.ascontiguousarray(inputs[k][s:s + 1]), k)
        ip.invoke()
        for k in range(len(g.outputs)):
            outs[k].append(np.array(ip.get_output(k), copy=True))
        for i in act:
            d = ip.GetTensor(i, 0)
            arr = np.array(d["tensor_data"], copy=True)
            shp = g.tensors[i].shape
            shape = tuple(int(x) for x in (shp if shp is not None else []))
            tens[i].append(arr.reshape(shape))
    outs = [np.concatenate(o, 0) for o in outs]
    tens = {i: np.concatenate(v, 0) for i, v in tens.items()}
    return outs, tens


def litert_interpreter(model_bytes, ref=False, preserve=True, num_threads=1):
    from ai_edge_litert import interpreter as lrt
    rt = (lrt.OpResolverType.BUILTIN_REF if ref else lrt.OpResolverType.AUTO)
    ip = lrt.Interpreter(model_content=bytes(model_bytes),
                         experimental_op_resolver_type=rt,
                         experimental_preserve_all_tensors=preserve,
                         num_threads=num_threads)
    ip.allocate_tensors()
    return ip


def run_litert(model_bytes, inputs, ref=False, want_tensors=True):
    """Run ai-edge-litert; ref=True uses OpResolverType.BUILTIN_REF."""
    mt = load_model_t(model_bytes)
    act = activation_tensors(mt) if want_tensors else []
    ip = litert_interpreter(model_bytes, ref=ref, preserve=want_tensors)
    idet = ip.get_input_details()
    odet = ip.get_output_details()
    # litert orders input/output details like the subgraph's inputs/outputs
    g = mt.subgraphs[0]
    imap = {d["index"]: d for d in idet}
    omap = {d["index"]: d for d in odet}
    n = inputs[0].shape[0]
    outs = [[] for _ in g.outputs]
    tens = {i: [] for i in act}
    for s in range(n):
        for k, ti in enumerate(g.inputs):
            ip.set_tensor(imap[ti]["index"], np.ascontiguousarray(inputs[k][s:s + 1]))
        ip.invoke()
        for k, ti in enumerate(g.outputs):
            outs[k].append(np.array(ip.get_tensor(omap[ti]["index"]), copy=True))
        for i in act:
            tens[i].append(np.array(ip.get_tensor(i), copy=True))
    outs = [np.concatenate(o, 0) for o in outs]
    tens = {i: np.concatenate(v, 0) for i, v in tens.items()}
    return outs, tens


# --------------------------------------------------------------------------
# MACs
# --------------------------------------------------------------------------

def count_macs(model_bytes_or_t, per_op=False):
    """Multiply-accumulates of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED
    (one MAC per weight tap per output element; biases, pools and elementwise
    ops are not counted).  Works on float and int8 models."""
    m = model_bytes_or_t
    if not isinstance(m, S.ModelT):
        m = load_model_t(m)
    g = m.subgraphs[0]
    total = 0
    rows = []
    for op in g.operators or []:
        name = OP_NAMES[op_code(m, op)]
        out = g.tensors[op.outputs[0]]
        out_elems = int(np.prod(out.shape))
        macs = 0
        if name == "CONV_2D":
            w = g.tensors[op.inputs[1]].shape       # [Cout, KH, KW, Cin/groups]
            macs = out_elems * int(w[1]) * int(w[2]) * int(w[3])
        elif name == "DEPTHWISE_CONV_2D":
            w = g.tensors[op.inputs[1]].shape       # [1, KH, KW, Cout]
            macs = out_elems * int(w[1]) * int(w[2])
        elif name == "FULLY_CONNECTED":
            w = g.tensors[op.inputs[1]].shape       # [units, depth]
            macs = out_elems * int(w[1])
        total += macs
        rows.append((name, macs))
    return (total, rows) if per_op else total


# --------------------------------------------------------------------------
# misc
# --------------------------------------------------------------------------

def quantize_np(x, scale, zp, dtype=np.int8):
    """TFLite QUANTIZE: round half away from zero of x/scale (float32), +zp, clamp."""
    x = np.asarray(x, np.float32)
    q = x / np.float32(scale)
    r = np.trunc(q)
    frac = q - r                       # exact in float32
    r = r + np.sign(q) * (np.abs(frac) >= np.float32(0.5))
    q = r
    info = np.iinfo(dtype)
    return np.clip(q.astype(np.int64) + int(zp), info.min, info.max).astype(dtype)


def save_npy(path, arr):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, np.ascontiguousarray(arr), allow_pickle=False)


def write_bytes(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def model_io(model_t):
    g = model_t.subgraphs[0]
    return ([g.tensors[i] for i in g.inputs], [g.tensors[i] for i in g.outputs])


def log(*a):
    print(*a, file=sys.stderr, flush=True)
