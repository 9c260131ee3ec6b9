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
# (default 3) of the whole process: wall clock, and CPU time (user + system, all threads),
# which a busy machine disturbs less. Run it when the machine is quiet, and say so when it was
# not.
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

# "WALL CPU": the best wall time and the best CPU time (seconds) of REPEAT runs of a command
best() {
    bw=""
    bc=""
    i=0
    while [ $i -lt "$repeat" ]; do
        /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$@" >/dev/null 2>&1 ||
            { echo "quantize_vs_converter.sh: failed: $*" >&2; exit 1; }
        w=$(cut -d' ' -f1 "$tmp/time")
        c=$(awk '{ print $2 + $3 }' "$tmp/time")
        if [ -z "$bw" ] || [ "$(echo "$w < $bw" | bc -l)" = 1 ]; then bw=$w; fi
        if [ -z "$bc" ] || [ "$(echo "$c < $bc" | bc -l)" = 1 ]; then bc=$c; fi
        i=$((i + 1))
    done
    echo "$bw $bc"
}

printf '\n%-16s %7s | %8s %8s %7s | %8s %8s %7s\n' model samples qvet_wall conv_wall ratio \
    qvet_cpu conv_cpu ratio
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
    set -- $(best "$qvet" quantize "$model" "$calib" -o "$tmp/q.tflite" -q)
    qw=$1 qc=$2
    set -- $(best "$py" bench/converter_quantize.py "$model" "$calib" "$tmp/c.tflite")
    cw=$1 cc=$2
    printf '%-16s %7d | %8.2f %8.2f %6.1fx | %8.2f %8.2f %6.1fx\n' "$m" "$n" "$qw" "$cw" \
        "$(echo "$cw / $qw" | bc -l)" "$qc" "$cc" "$(echo "$cc / ($qc + 0.005)" | bc -l)"
done
