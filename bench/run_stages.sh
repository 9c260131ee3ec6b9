#!/bin/sh
# Wall time of `qvet run` split by stage (--timings: load, ptq, run, budget, reports) on a
# shipped model directory whose golden set is tiled TIMES times, at each thread count given.
# Run by hand on a quiet machine (the load average is printed with each figure); never in tests.
#   bench/run_stages.sh [DIR] [TIMES] [JOBS...]
# Default: datasets/basic_motions (the largest shipped directory) x100, -j 1 and -j 2 (an
# MLPerf Tiny model: x1).
# DIR may also name an MLPerf Tiny bench model (kws_dscnn, vww_mobilenet, ic_resnet8,
# ad_autoencoder): its float and int8 models from bench/mlperf_tiny/ with a golden set of
# SAMPLES (default 2000) int8 input codes made by bench/peers_mlperf.py (PYTHON, default
# .venv/bin/python, with numpy; kept in INPUTS, default build/mlperf-inputs-SAMPLES, the
# directory bench/mlperf_tiny.sh uses), no labels (the int8 codes are the usual MCU test set).
# QVET (default build/cli/qvet) is the binary; QVET_RUN_FLAGS adds options (--no-own-ptq, ...).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
qvet=${QVET:-$root/build/cli/qvet}
dir=${1:-$root/datasets/basic_motions}
times=${2:-}
[ $# -ge 2 ] && shift 2 || shift $#
jobs=${*:-1 2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
name=$(basename "$dir")
case "$name" in
kws_dscnn | vww_mobilenet | ic_resnet8 | ad_autoencoder)
    samples=${SAMPLES:-2000}
    inputs=${INPUTS:-$root/build/mlperf-inputs-$samples}
    if [ ! -f "$inputs/done" ]; then
        echo "generating $samples inputs per MLPerf Tiny model into $inputs"
        "${PYTHON:-$root/.venv/bin/python}" "$root/bench/peers_mlperf.py" inputs "$inputs" \
            --samples "$samples" >/dev/null
        : >"$inputs/done"
    fi
    times=${times:-1}
    task=classification
    [ "$name" = ad_autoencoder ] && task=anomaly
    mkdir -p "$work/$name/golden"
    cp "$root/bench/mlperf_tiny/${name}_f32.tflite" "$work/$name/model.tflite"
    cp "$root/bench/mlperf_tiny/${name}_int8.tflite" "$work/$name/model_int8.tflite"
    cp "$inputs/${name}_int8.npy" "$work/$name/golden/inputs.npy"
    printf '{"name": "%s", "task": "%s", "golden": {"inputs": "golden/inputs.npy"}}\n' \
        "$name" "$task" >"$work/$name/qvet.json"
    ;;
*)
    times=${times:-100}
    cp -r "$dir" "$work/$name"
    rm -rf "$work/$name/qvet-out"
    ;;
esac
# The golden set's .npy inputs and CSV labels, repeated `times` times (python3, no numpy).
python3 - "$work/$name" "$times" <<'EOF'
import ast, json, os, struct, sys
d, times = sys.argv[1], int(sys.argv[2])
m = json.load(open(os.path.join(d, "qvet.json")))
g = m["golden"]
inputs = g["inputs"] if isinstance(g["inputs"], list) else [g["inputs"]]
for rel in inputs:
    p = os.path.join(d, rel)
    b = open(p, "rb").read()
    major = b[6]
    hl, off = (struct.unpack("<H", b[8:10])[0], 10) if major == 1 else \
              (struct.unpack("<I", b[8:12])[0], 12)
    h = ast.literal_eval(b[off:off + hl].decode("latin1"))
    h["shape"] = (h["shape"][0] * times,) + tuple(h["shape"][1:])
    text = repr(h).encode("latin1")
    pad = (-(off + len(text) + 1)) % 64
    text += b" " * pad + b"\n"
    head = b[:6] + bytes([major, 0]) + (struct.pack("<H", len(text)) if major == 1
                                       else struct.pack("<I", len(text)))
    with open(p, "wb") as f:
        f.write(head + text + b[off + hl:] * times)
if g.get("labels", "").endswith(".csv"):
    p = os.path.join(d, g["labels"])
    lines = open(p).read().splitlines()
    head, rows = (lines[:1], lines[1:]) if not lines[0].lstrip("-").replace(".", "").isdigit() \
        else ([], lines)
    open(p, "w").write("\n".join(head + rows * times) + "\n")
EOF
echo "qvet run $name, golden set x$times; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for j in $jobs; do
    # shellcheck disable=SC2086
    "$qvet" run -q --timings -j "$j" ${QVET_RUN_FLAGS:-} -o "$work/out" "$work/$name" \
        2>&1 >/dev/null | sed "s/^/  /"
    echo "    (load average $(cut -d' ' -f1-3 /proc/loadavg))"
done
