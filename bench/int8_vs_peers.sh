#!/bin/sh
# int8 throughput of qvet beside its peers, in one run: times the tflite-micro interpreter and
# ai-edge-litert (bench/peers/peers.py, single thread) on the MobileNet-style model, then qvet's
# int8 emulator on the same model and inputs, and prints the ratios. Run by hand, never a test.
# Needs the Python venv of reference/ (see reference/README.md) and a build in build/.
#   sh bench/int8_vs_peers.sh [MODEL.tflite INPUT.npy]
set -eu
cd "$(dirname "$0")/.."
model=${1:-bench/peers/mobilenet_int8.tflite}
input=${2:-bench/peers/input_int8.npy}
py=${PYTHON:-.venv/bin/python}
[ -x "$py" ] || { echo "no Python venv at $py: see reference/README.md" >&2; exit 2; }
ninja -C build bench/bench_int8 >/dev/null
peers=$("$py" bench/peers/peers.py "$model" "$input")
echo "$peers"
tflm=$(echo "$peers" | awk '$1 == "peer" && $2 == "tflm" { print $4 }')
litert=$(echo "$peers" | awk '$1 == "peer" && $2 == "litert" { print $4 }')
OPENBLAS_NUM_THREADS=1 build/bench/bench_int8 --model "$model" --input "$input" \
    --peer "tflm=$tflm" --peer "litert=$litert"
