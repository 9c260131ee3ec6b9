#!/bin/sh
# Round-trips every fixture model through `qvet export --format tflite` and checks with
# reference/check_roundtrip.py that TFLite Micro computes byte-identical outputs for the source
# and the written model, and ai-edge-litert (reference kernels) too.
#   reference/check_roundtrip_all.sh [BUILD_DIR]      (default: build; QVET_BIN overrides)
# Exit status: 0 all pass, 1 something failed.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
qvet=${QVET_BIN:-$root/$build/cli/qvet}
py=${PYTHON:-$root/.venv/bin/python}
fx=$root/tests/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 skip=0

check() { # MODEL INPUT.npy [INPUT.npy ...]
    if [ ! -f "$2" ]; then
        skip=$((skip + 1))
        return
    fi
    if ! "$qvet" export "$1" --format tflite -o "$tmp/out.tflite" >"$tmp/log" 2>&1; then
        echo "FAIL export $1: $(cat "$tmp/log")"
        fail=$((fail + 1))
        return
    fi
    model=$1
    shift
    line=$("$py" "$root/reference/check_roundtrip.py" --litert "$model" "$tmp/out.tflite" "$@" 2>&1 | tail -1)
    case $line in
    "roundtrip PASS"*) pass=$((pass + 1)) ;;
    *) echo "FAIL $model: $line"; fail=$((fail + 1)) ;;
    esac
}

for d in "$fx"/int8_ops/*/; do
    [ -f "$d/model.tflite" ] || continue
    check "$d/model.tflite" "$d"input_*.npy
done
for d in "$fx"/tflite/*/; do
    check "$d/model_f32.tflite" "$d/input_f32.npy"
    check "$d/model_int8.tflite" "$d/input_int8.npy"
    check "$d/model_int8_fio.tflite" "$d/input_f32.npy"
done
echo "roundtrip: $pass passed, $fail failed, $skip skipped (no input file)"
[ "$fail" -eq 0 ]
