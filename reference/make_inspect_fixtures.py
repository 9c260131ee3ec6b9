"""Models that qvet reads but cannot (fully) run, for `qvet inspect` and the refusals of
eval/run: tests/fixtures/inspect/.

  lstm.tflite       UNIDIRECTIONAL_SEQUENCE_LSTM (8 units over [1, 5, 3], 24 inputs with the
                    optional peephole/projection/norm ones omitted) then FULLY_CONNECTED (8 -> 2),
                    built with the schema's object API the way the converter lays out its fused
                    LSTM (the converter of TF 2.21 lowers a Keras 3 LSTM to a WHILE loop instead):
                    two variable state tensors. Checked to run in ai-edge-litert.
  lstm_while.tflite the converter's own output for Keras LSTM(8) + Dense(2): a WHILE operator
                    running a second subgraph (control flow qvet does not run).
  transpose.tflite  tf.transpose between two float ops: TRANSPOSE (which TFLM runs, qvet not).
  hybrid.tflite     Dense(64 -> 32) -> ReLU -> Dense(32 -> 4) converted with dynamic-range
                    quantization (Optimize.DEFAULT, no representative dataset): int8 weights
                    under float activations, i.e. two hybrid FULLY_CONNECTED operators.

Deterministic (fixed seeds, single-threaded TF). Prints the operators of each model.
Run: .venv/bin/python reference/make_inspect_fixtures.py
"""

import os

import numpy as np

from common import (REPO, S, import_tf, op_list, pack_model, write_bytes, log,
                    run_litert)

OUT = os.path.join(REPO, "tests", "fixtures", "inspect")


def keras_to_tflite(model, input_shape, hybrid=False):
    tf = import_tf()
    spec = tf.TensorSpec(input_shape, tf.float32, name="x")

    @tf.function(input_signature=[spec])
    def serve(x):
        return model(x, training=False)

    conv = tf.lite.TFLiteConverter.from_concrete_functions([serve.get_concrete_function()])
    if hybrid:
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
    return bytes(conv.convert())


def _tensor(name, shape, buffer=0, variable=False, ttype=None):
    t = S.TensorT()
    t.name = name.encode()
    t.shape = list(shape)
    t.type = S.TensorType.FLOAT32 if ttype is None else ttype
    t.buffer = buffer
    t.isVariable = variable
    return t


def lstm():
    rng = np.random.default_rng(7)
    n_in, units, steps = 3, 8, 5
    m = S.ModelT()
    m.version = 3
    m.description = b"qvet fixture: fused LSTM"
    m.buffers = [S.BufferT()]
    tensors, inputs = [], []

    def const(name, shape):
        b = S.BufferT()
        b.data = list(rng.uniform(-0.5, 0.5, size=shape).astype(np.float32).tobytes())
        m.buffers.append(b)
        tensors.append(_tensor(name, shape, buffer=len(m.buffers) - 1))
        return len(tensors) - 1

    tensors.append(_tensor("x", [1, steps, n_in]))
    x = 0
    # input order of UNIDIRECTIONAL_SEQUENCE_LSTM (lstm_shared.h): x, 4 input weights
    # (i, f, c, o), 4 recurrent weights, 3 peepholes, 4 biases, projection w/b, 2 states,
    # 4 layer norm coefficients
    w_in = [const("w_%s" % g, [units, n_in]) for g in "ifco"]
    w_rec = [const("r_%s" % g, [units, units]) for g in "ifco"]
    bias = [const("b_%s" % g, [units]) for g in "ifco"]
    tensors.append(_tensor("h_state", [1, units], variable=True))
    h = len(tensors) - 1
    tensors.append(_tensor("c_state", [1, units], variable=True))
    c = len(tensors) - 1
    tensors.append(_tensor("seq", [1, steps, units]))
    seq = len(tensors) - 1
    inputs = [x] + w_in + w_rec + [-1, -1, -1] + bias + [-1, -1] + [h, c] + [-1] * 4
    assert len(inputs) == 24
    # last time step: STRIDED_SLICE is avoided; FC reads the whole sequence as [5, 8]
    fc_w = const("fc_w", [2, units])
    fc_b = const("fc_b", [2])
    tensors.append(_tensor("y", [steps, 2]))
    y = len(tensors) - 1

    def opcode(code):
        oc = S.OperatorCodeT()
        oc.builtinCode = code
        oc.deprecatedBuiltinCode = min(code, 127)
        oc.version = 1
        return oc

    m.operatorCodes = [opcode(S.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM),
                       opcode(S.BuiltinOperator.FULLY_CONNECTED)]
    lstm_op = S.OperatorT()
    lstm_op.opcodeIndex = 0
    lstm_op.inputs = inputs
    lstm_op.outputs = [seq]
    lstm_op.builtinOptionsType = S.BuiltinOptions.UnidirectionalSequenceLSTMOptions
    opts = S.UnidirectionalSequenceLSTMOptionsT()
    opts.fusedActivationFunction = S.ActivationFunctionType.TANH
    opts.timeMajor = False
    lstm_op.builtinOptions = opts
    fc = S.OperatorT()
    fc.opcodeIndex = 1
    fc.inputs = [seq, fc_w, fc_b]
    fc.outputs = [y]
    fc.builtinOptionsType = S.BuiltinOptions.FullyConnectedOptions
    fc.builtinOptions = S.FullyConnectedOptionsT()
    sg = S.SubGraphT()
    sg.tensors = tensors
    sg.inputs = [x]
    sg.outputs = [y]
    sg.operators = [lstm_op, fc]
    sg.name = b"main"
    m.subgraphs = [sg]
    data = pack_model(m)
    # a valid model: the TFLite interpreter runs it
    out, _ = run_litert(data, [rng.uniform(-1, 1, (1, steps, n_in)).astype(np.float32)],
                     want_tensors=False)
    log("lstm.tflite runs in litert: output %s" % (np.asarray(out[0]).shape,))
    return data


def lstm_while():
    tf = import_tf()
    tf.keras.utils.set_random_seed(7)
    m = tf.keras.Sequential([tf.keras.Input((5, 3), batch_size=1),
                             tf.keras.layers.LSTM(8),
                             tf.keras.layers.Dense(2)])
    return keras_to_tflite(m, [1, 5, 3])


def transpose():
    tf = import_tf()
    spec = tf.TensorSpec([1, 4, 6], tf.float32, name="x")

    @tf.function(input_signature=[spec])
    def f(x):
        return tf.nn.relu(tf.transpose(tf.nn.relu(x), [0, 2, 1]))

    conv = tf.lite.TFLiteConverter.from_concrete_functions([f.get_concrete_function()])
    return bytes(conv.convert())


def hybrid():
    tf = import_tf()
    tf.keras.utils.set_random_seed(11)
    m = tf.keras.Sequential([tf.keras.Input((64,), batch_size=1),
                             tf.keras.layers.Dense(32, activation="relu"),
                             tf.keras.layers.Dense(4)])
    return keras_to_tflite(m, [1, 64], hybrid=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    np.random.seed(0)
    for name, make in (("lstm", lstm), ("lstm_while", lstm_while), ("transpose", transpose),
                       ("hybrid", hybrid)):
        data = make()
        write_bytes(os.path.join(OUT, name + ".tflite"), data)
        log("%s.tflite: %d bytes, ops %s" % (name, len(data), op_list(data)))


if __name__ == "__main__":
    main()
