#!/bin/sh
# `qvet quantize` end to end against the TFLite converter on the same float model and the same
# calibration samples, process start included for both. Run by hand, never a test.
#
#   sh bench/quantize_vs_converter.sh        (about 3 minutes on a 2-core machine)
#
# Models: the shipped digits directory (its 200 calibration samples) and the four MLPerf Tiny
# architectures of bench/mlperf_tiny/ (N generated calibration samples each, default 200).
# The converter side is bench/converter_quantize.py: the converter's Calibrator and its
# mlir_quantize on the float .tflite (what TFLiteConverter does once it has the float model;
# converting from Keras or a SavedModel costs more). Each figure is the best of REPEAT runs
# (default 3) of the whole process, wall clock. A busy machine gives noisy figures: run it
# when the machine is quiet, and say so when it was not.
#
# Environment: PYTHON (default .venv/bin/python), QVET (build/cli/qvet), SAMPLES (200),
# REPEAT (3), MODELS (digits kws_dscnn vww_mobilenet ic_resnet8 ad_autoencoder).
set -eu
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
qvet=${QVET:-build/cli/qvet}
samples=${SAMPLES:-200}
repeat=${REPEAT:-3}
models=${MODELS:-digits kws_dscnn vww_mobilenet ic_resnet8 ad_autoencoder}
[ -x "$py" ] || { echo "quantize_vs_converter.sh: no Python venv at $py (set PYTHON)" >&2; exit 2; }
ninja -C build cli/qvet >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== machine"
echo "cpu:    $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores"
echo "load:   $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min; above ~0.5 the figures are noisy)"
echo "qvet:   $("$qvet" --version)"
"$py" -c 'from importlib import metadata as m; print("peer:   tensorflow %s" % m.version("tensorflow-cpu"))'

# best wall time in seconds of REPEAT runs of a command
best() {
    b=""
    i=0
    while [ $i -lt "$repeat" ]; do
        s=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || { echo "quantize_vs_converter.sh: failed: $*" >&2; exit 1; }
        e=$(date +%s.%N)
        t=$(echo "$e - $s" | bc -l)
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
        i=$((i + 1))
    done
    echo "$b"
}

printf '\n%-16s %8s %12s %12s %8s\n' model samples qvet_s converter_s ratio
for m in $models; do
    if [ "$m" = digits ]; then
        model=datasets/digits/model.tflite
        calib=datasets/digits/calib/inputs.npy
    else
        model=bench/mlperf_tiny/${m}_f32.tflite
        calib=$tmp/$m.npy
        "$py" -c "import sys, numpy as np; sys.path.insert(0, 'reference'); import mlperf_tiny_data as M
np.save('$calib', M.inputs('$m', $samples, M.SEED_CALIB))"
    fi
    n=$("$py" -c "import numpy as np; print(len(np.load('$calib', mmap_mode='r')))")
    tq=$(best "$qvet" quantize "$model" "$calib" -o "$tmp/q.tflite" -q)
    tc=$(best "$py" bench/converter_quantize.py "$model" "$calib" "$tmp/c.tflite")
    printf '%-16s %8d %12.3f %12.3f %7.1fx\n' "$m" "$n" "$tq" "$tc" "$(echo "$tc / $tq" | bc -l)"
done
