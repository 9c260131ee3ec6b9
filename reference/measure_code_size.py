#!/usr/bin/env python3
"""Per-op TFLM code-size estimates for src/budget/op_table.c (docs/budget.md, "Flash").

1. x86-64 bytes per op: the sum of `nm -S` sizes of the functions of the op's TFLM kernel in the
   tflite_micro wheel's _runtime.so (reference kernels, every dtype the kernel dispatches on, as a
   TFLM build links them): its Init/Prepare/Eval, the *_common helpers, the reference_ops /
   reference_integer_ops functions it instantiates and its Parse function. The name patterns are
   listed below; a function matched by several ops counts for each (shared helpers).
2. The same for the TFLM runtime every model needs (interpreter, allocator, planner, flatbuffer
   helpers, quantization helpers, logging).
3. Thumb-2/x86-64 density: qvet's own int8 kernels (src/engine/int8/*.c, the same arithmetic as
   TFLM's reference kernels) compiled with `gcc -Os` (x86-64) and `arm-none-eabi-gcc
   -mcpu=cortex-m4 -mthumb -Os` (text bytes of every object); their ratio scales step 1 and 2.

Prints a table: op, x86-64 bytes, estimated Cortex-M4 bytes. Needs binutils `nm`, gcc and
arm-none-eabi-gcc (Debian gcc-arm-none-eabi).
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

OPS = {
    "ADD": [r"^Add(Init|Prepare|Eval)$", r"^EvalAdd(Quantized)?$", r"^CalculateOpDataAdd$",
            r"BroadcastAdd6DSlow", r"^reference_(integer_)?ops::Add", r"^ParseAdd$",
            r"^Register_ADD$"],
    "AVERAGE_POOL_2D": [r"^Average", r"^PoolingPrepare$", r"^CalculateOpDataPooling$",
                        r"^PoolInit$", r"^ParsePool$", r"^Register_AVERAGE_POOL_2D$",
                        r"reference_(integer_)?ops::AveragePool"],
    "CONCATENATION": [r"^Concatenation", r"^EvalUnquantized", r"reference_ops::Concatenation",
                      r"^ParseConcatenation$", r"^Register_CONCATENATION$"],
    "CONV_2D": [r"^Conv(Init|Prepare|Eval|Params)", r"^CalculateOpDataConv$",
                r"reference_integer_ops::ConvPerChannel", r"reference_ops::Conv",
                r"^PopulateConvolutionQuantizationParams$", r"^ParseConv2D$",
                r"^Register_CONV_2D$"],
    "DEPTHWISE_CONV_2D": [r"^DepthwiseConv", r"^CalculateOpDataDepthwiseConv$",
                          r"reference_integer_ops::DepthwiseConvPerChannel",
                          r"reference_ops::DepthwiseConv", r"^PopulateConvolutionQuantizationParams$",
                          r"^ParseDepthwiseConv2D$", r"^Register_DEPTHWISE_CONV_2D$"],
    "DEQUANTIZE": [r"^Dequantize", r"reference_ops::Dequantize", r"^Register_DEQUANTIZE$"],
    "FULLY_CONNECTED": [r"^FullyConnected", r"^CalculateOpDataFullyConnected$",
                        r"reference_(integer_)?ops::FullyConnected", r"^ParseFullyConnected$",
                        r"^Register_FULLY_CONNECTED$", r"^GetQuantizedConvolutionMultipler$"],
    "LOGISTIC": [r"^Logistic", r"^CalculateArithmeticOpDataLogistic", r"reference_(integer_)?ops::Logistic",
                 r"^Register_LOGISTIC$"],
    "MAX_POOL_2D": [r"^MaxPool", r"^MaxEval", r"^PoolingPrepare$", r"^CalculateOpDataPooling$",
                    r"^PoolInit$", r"^ParsePool$", r"^Register_MAX_POOL_2D$",
                    r"reference_(integer_)?ops::MaxPool"],
    "MUL": [r"^Mul(Init|Prepare|Eval)", r"^EvalMul", r"^CalculateOpDataMul$",
            r"BroadcastMul", r"reference_(integer_)?ops::Mul", r"^ParseMul$", r"^Register_MUL$"],
    "RELU": [r"^Relu(Init|Prepare|Eval)$", r"^CalculateReluOpData", r"^ReluQuantized",
             r"^ReluFloat$", r"^Register_RELU$"],
    "RELU6": [r"^Relu6", r"^Register_RELU6$"],
    "RESHAPE": [r"^Reshape", r"^ParseReshape$", r"^Register_RESHAPE$"],
    "SOFTMAX": [r"^Softmax", r"^CalculateSoftmaxParams", r"reference_(integer_)?ops::Softmax",
                r"^ParseSoftmax$", r"^Register_SOFTMAX$"],
    "TANH": [r"^Tanh", r"^CalculateArithmeticOpData$", r"reference_(integer_)?ops::Tanh",
             r"^Register_TANH$"],
    "PAD": [r"^Pad(Init|Prepare|Eval)", r"reference_ops::Pad", r"^Register_PAD$"],
    "MEAN": [r"^(Prepare|Eval)Mean", r"^PrepareSimple$", r"^ResolveAxis$", r"^InitReduce$",
             r"QuantizedMeanOrSum", r"^Mean<", r"^EvalIntegerMean", r"reference_ops::Mean",
             r"reference_ops::QuantizedMeanOrSum", r"^ParseReducer$", r"^Register_MEAN$"],
    "SUB": [r"^Sub(Init|Prepare|Eval)", r"^EvalSub", r"^CalculateOpDataSub$", r"BroadcastSub",
            r"reference_(integer_)?ops::Sub", r"^ParseSub$", r"^Register_SUB$"],
    "SQUEEZE": [r"^Squeeze", r"^ParseSqueeze$", r"^Register_SQUEEZE$"],
    "PADV2": [r"^Pad(Init|Prepare|Eval)", r"reference_ops::Pad", r"^Register_PADV2$"],
    "LEAKY_RELU": [r"^LeakyRelu", r"^CalculateLeakyReluOpData", r"reference_(integer_)?ops::QuantizeLeakyRelu",
                   r"^ParseLeakyRelu$", r"^Register_LEAKY_RELU$"],
    "QUANTIZE": [r"^Quantize(Init|Prepare|Eval)", r"^PrepareQuantizeReference$",
                 r"^EvalQuantizeReference$", r"reference_ops::(Affine)?Quantize",
                 r"reference_ops::Requantize", r"^Register_QUANTIZE$"],
    "HARD_SWISH": [r"^HardSwish", r"reference_ops::HardSwish", r"^Register_HARD_SWISH$"],
}

RUNTIME = [r"^MicroInterpreter(::|Graph::|Context::)", r"^MicroAllocator::",
           r"^GreedyMemoryPlanner::", r"^SingleArenaBufferAllocator::",
           r"^AllocationInfoBuilder::", r"^MicroContext::", r"^internal::",
           r"^(tflite::)?FlatBufferVectorToTfLiteTypeArray$", r"^(tflite::)?NumSubgraphOperators$",
           r"^GetRegistrationFromOpCode$", r"^(tflite::)?GetBuiltinCode$", r"^ConvertTensorType$",
           r"^BytesRequiredForTensor$", r"^TfLiteIntArray", r"^TfLiteEvalTensorByteLength$",
           r"^QuantizeMultiplier", r"^CalculateActivationRange", r"^MicroPrintf$",
           r"^MicroVsnprintf$", r"^MicroSnprintf$", r"^DebugLog", r"^Align(Pointer|Size)",
           r"^micro::(Get|CreateWritable|HaveSameShapes|ValidateTensorIndexing)",
           r"^MicroMutableOpResolver", r"^(tflite::)?GetModel$"]


def symbols(so):
    out = subprocess.run(["nm", "-C", "-S", so], capture_output=True, text=True,
                         check=True).stdout
    syms = {}
    for line in out.splitlines():
        m = re.match(r"([0-9a-f]+) ([0-9a-f]+) ([tTwW]) (.*)", line)
        if not m or "pybind" in m.group(4) or "Recording" in m.group(4):
            continue
        name = m.group(4).replace("tflite::micro::", "").replace("(anonymous namespace)::", "")
        name = re.sub(r" \[clone.*", "", name)
        name = re.sub(r"^(void|TfLiteStatus|int|bool|float) ", "", name)
        short = re.sub(r"\(.*", "", name)
        syms[(m.group(1), short)] = int(m.group(2), 16)
    return syms


def total(syms, pats):
    return sum(s for (_, n), s in syms.items() if any(re.search(p, n) for p in pats))


def text_bytes(cc, flags, files, tmp):
    tot = 0
    for f in files:
        obj = os.path.join(tmp, os.path.basename(f) + ".o")
        subprocess.run([cc] + flags + ["-I" + os.path.join(REPO, "include"),
                                       "-I" + os.path.join(REPO, "src"), "-c", f, "-o", obj],
                       check=True)
        size = "arm-none-eabi-size" if "arm" in cc else "size"
        out = subprocess.run([size, obj], capture_output=True, text=True, check=True).stdout
        tot += int(out.splitlines()[1].split()[0])
    return tot


def main():
    import tflite_micro
    so = glob.glob(os.path.join(os.path.dirname(tflite_micro.__file__), "python", "tflite_micro",
                                "_runtime*.so"))[0]
    syms = symbols(so)
    files = sorted(glob.glob(os.path.join(REPO, "src", "engine", "int8", "*.c")))
    common = ["-std=c11", "-Os", "-D_POSIX_C_SOURCE=200809L", "-DQV_NO_SIMD"]
    with tempfile.TemporaryDirectory() as tmp:
        x86 = text_bytes("gcc", common + ["-fno-asynchronous-unwind-tables"], files, tmp)
        arm = text_bytes("arm-none-eabi-gcc", common + ["-mcpu=cortex-m4", "-mthumb",
                                                        "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"],
                         files, tmp)
    ratio = arm / x86
    print(f"# tflite_micro {tflite_micro.__version__}: {os.path.basename(so)}")
    print(f"# density: qvet int8 kernels {x86} bytes x86-64 -Os, {arm} bytes Cortex-M4 "
          f"Thumb-2 -Os: ratio {ratio:.3f}")
    rt = total(syms, RUNTIME)
    print(f"runtime x86-64 {rt} cortex-m4 {round(rt * ratio)}")
    for op, pats in OPS.items():
        b = total(syms, pats)
        print(f"{op:18s} x86-64 {b:6d} cortex-m4 {round(b * ratio):6d}")


if __name__ == "__main__":
    sys.exit(main())
