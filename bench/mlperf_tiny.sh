#!/bin/sh
# qvet beside its peers on the four MLPerf Tiny reference architectures (bench/mlperf_tiny/,
# made by reference/make_mlperf_tiny.py), int8 and float, in one run. Run by hand, never a test.
#
#   sh bench/mlperf_tiny.sh            (about 5 minutes on a 2-core machine)
#
# For each model: qvet's samples/s over a generated N-sample .npy (default 2000) as a whole
# process (`qvet eval`, with -j 1 and -j 2 when the CLI accepts -j), the int8 engine alone
# (build/bench/bench_int8, one thread, batch 64), then ai-edge-litert (XNNPACK) at 1 and 2
# threads and the tflite-micro interpreter (bench/peers_mlperf.py: whole process and
# inference loop), and the ratios. Prints what the machine is first. A shared or busy machine
# gives noisy figures: run it when the machine is quiet, and say so when it was not.
#
# Environment: PYTHON (default .venv/bin/python: the venv of reference/README.md), QVET
# (default build/cli/qvet), SAMPLES (2000), TFLM_SAMPLES (200: the tflite-micro interpreter
# runs only the first TFLM_SAMPLES samples, it is 20-100x slower; 0 = all), MODELS (default
# all four: kws_dscnn vww_mobilenet ic_resnet8 ad_autoencoder), INPUTS (directory of the
# generated inputs, default build/mlperf-inputs-SAMPLES; made when absent, never committed),
# REPEAT (1: every figure is the best of REPEAT runs; use 3 on a machine that is not quiet),
# TYPES (default "int8 f32"; "int8" times the int8 models only).
# With build/bench/bench_int8 (a -Dbench=true build) it also prints the machine's measured
# instruction peaks and, per model, the int8 engine's time and GMAC/s by op type against them.
set -eu
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
qvet=${QVET:-build/cli/qvet}
samples=${SAMPLES:-2000}
tflm_samples=${TFLM_SAMPLES:-200}
repeat=${REPEAT:-1}
models=${MODELS:-kws_dscnn vww_mobilenet ic_resnet8 ad_autoencoder}
types=${TYPES:-int8 f32}
inputs=${INPUTS:-build/mlperf-inputs-$samples}
[ -x "$py" ] || { echo "mlperf_tiny.sh: no Python venv at $py (set PYTHON): see reference/README.md" >&2; exit 2; }
for m in $models; do
    for k in f32 int8; do
        [ -f "bench/mlperf_tiny/${m}_$k.tflite" ] || {
            echo "mlperf_tiny.sh: bench/mlperf_tiny/${m}_$k.tflite missing: run reference/make_mlperf_tiny.py" >&2
            exit 2
        }
    done
done
ninja -C build cli/qvet >/dev/null
engine_bench=build/bench/bench_int8
ninja -C build bench/bench_int8 >/dev/null 2>&1 || engine_bench=""   # a -Dbench=false build

# ---- the machine ---------------------------------------------------------------------------
echo "== machine"
echo "cpu:    $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "cores:  $(nproc) online ($(grep -c '^processor' /proc/cpuinfo) logical in /proc/cpuinfo)"
echo "flags:  $(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -n 1 | tr ' ' '\n' |
    grep -E '^(avx2|fma|avx512.*|avx_vnni.*|amx.*)$' | tr '\n' ' ')"
echo "memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "load:   $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min; above ~0.5 the figures are noisy)"
echo "qvet:   $("$qvet" --version 2>&1 | head -n 1); OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-unset}"
"$py" -c 'from importlib import metadata as m; import tflite_micro as t
print("peers:  ai-edge-litert %s, tflite_micro %s" % (m.version("ai-edge-litert"), t.__version__))'
[ -n "$engine_bench" ] && "$engine_bench" --peaks

# ---- inputs and -j ---------------------------------------------------------------------------
if [ ! -f "$inputs/done" ]; then
    echo "== generating $samples inputs per model into $inputs"
    "$py" bench/peers_mlperf.py inputs "$inputs" --samples "$samples" >/dev/null
    : >"$inputs/done"
fi
if "$qvet" eval --help 2>&1 | grep -Eq -- '(^|[ ,])-j[ ,]|--jobs'; then
    jobs="1 2"
    echo "qvet eval accepts -j: timed with -j 1 and -j 2"
else
    jobs="-"
    echo "qvet eval has no -j option yet: one run with its default threading (-j columns n/a)"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
res=$tmp/results

# ---- runs --------------------------------------------------------------------------------------
for m in $models; do
    for k in $types; do
        model=bench/mlperf_tiny/${m}_$k.tflite
        data=$inputs/${m}_$k.npy
        engine=float
        [ "$k" = int8 ] && engine=int8
        echo "== $m $k" >&2
        for j in $jobs; do
            jopt=""
            [ "$j" = "-" ] || jopt="-j $j"
            # best of REPEAT runs: wall time and CPU time (user + system)
            # shellcheck disable=SC2086
            t=$("$py" bench/peers_mlperf.py run --repeat "$repeat" -- \
                "$qvet" eval "$model" "$data" --engine "$engine" -o "$tmp/pred.csv" $jopt)
            r=$(echo "$t" | awk -v n="$samples" '{ printf "%.1f", n / $2 }')
            c=$(echo "$t" | awk -v n="$samples" '{ printf "%.1f", n / $4 }')
            echo "  qvet eval $jopt: $r samples/s ($c per CPU-second)" >&2
            echo "$m $k qvet_j$j $r" >>"$res"
            echo "$m $k qvet_cpu_j$j $c" >>"$res"
        done
        if [ "$k" = int8 ] && [ -n "$engine_bench" ]; then
            r=$(OPENBLAS_NUM_THREADS=1 "$engine_bench" --model "$model" --input "$data" \
                --batch 64 --seconds 1 --fast-only | awk '/^qvet int8 fast, batch 64/ { print $6 }')
            echo "  qvet int8 engine only (1 thread, batch 64): $r samples/s" >&2
            echo "$m $k qvet_engine $r" >>"$res"
        fi
        "$py" bench/peers_mlperf.py time "$model" "$data" --tflm-samples "$tflm_samples" \
            --repeat "$repeat" |
            while read -r _ name _ n _ _ _ _ _ whole _ infer _ whole_cpu _ infer_cpu; do
                echo "  $name ($n samples): $whole samples/s whole process, $infer inference" \
                    "only ($whole_cpu / $infer_cpu per CPU-second)" >&2
                echo "$m $k ${name}_whole $whole" >>"$res"
                echo "$m $k ${name}_infer $infer" >>"$res"
                echo "$m $k ${name}_whole_cpu $whole_cpu" >>"$res"
                echo "$m $k ${name}_infer_cpu $infer_cpu" >>"$res"
            done
    done
done

# ---- table ------------------------------------------------------------------------------------
echo
echo "== samples/s ($samples samples; tflite-micro: first $tflm_samples; whole = process wall time; best of $repeat)"
awk -v jobs="$jobs" '
    { v[$1 " " $2 " " $3] = $4; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
    function g(m, k, key) { return ((m " " k " " key) in v) ? v[m " " k " " key] : "" }
    function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "n/a" : sprintf("%.2f", a / b) }
    function show(x) { return x == "" ? "n/a" : x }
    BEGIN {
        printf "| model | type | qvet -j1 | qvet -j2 | qvet engine | litert 1T whole / infer | "
        printf "litert 2T whole / infer | tflm whole / infer | qvet/litert 1T | qvet/litert 2T | "
        printf "engine/litert 1T infer | qvet/tflm |\n"
        printf "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    }
    END {
        for (i = 1; i <= n; i++) for (t = 1; t <= 2; t++) {
            m = order[i]; k = (t == 1) ? "int8" : "f32"
            q1 = (jobs == "-") ? g(m, k, "qvet_j-") : g(m, k, "qvet_j1")
            q2 = (jobs == "-") ? "" : g(m, k, "qvet_j2")
            e = g(m, k, "qvet_engine")
            l1w = g(m, k, "litert1_whole"); l1i = g(m, k, "litert1_infer")
            l2w = g(m, k, "litert2_whole"); l2i = g(m, k, "litert2_infer")
            tw = g(m, k, "tflm_whole"); ti = g(m, k, "tflm_infer")
            printf "| %s | %s | %s | %s | %s | %s / %s | %s / %s | %s / %s | %s | %s | %s | %s |\n",
                m, k, show(q1), show(q2), show(e), show(l1w), show(l1i), show(l2w), show(l2i),
                show(tw), show(ti), ratio(q1, l1w), ratio(q2 == "" ? q1 : q2, l2w),
                ratio(e, l1i), ratio(q1, ti)
        }
    }' "$res"
echo
echo "== samples per CPU-second, one-thread runs (user + system time: on a shared machine close"
echo "   to what the run would take alone; qvet: -j 1, or its default while it has no -j)"
awk -v jobs="$jobs" '
    { v[$1 " " $2 " " $3] = $4; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
    function g(m, k, key) { return ((m " " k " " key) in v) ? v[m " " k " " key] : "" }
    function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "n/a" : sprintf("%.2f", a / b) }
    function show(x) { return x == "" ? "n/a" : x }
    BEGIN {
        printf "| model | type | qvet | litert 1T whole / infer | tflm whole / infer | "
        printf "qvet/litert 1T whole | qvet/litert 1T infer | qvet/tflm infer |\n"
        printf "|---|---|---|---|---|---|---|---|\n"
    }
    END {
        for (i = 1; i <= n; i++) for (t = 1; t <= 2; t++) {
            m = order[i]; k = (t == 1) ? "int8" : "f32"
            q = (jobs == "-") ? g(m, k, "qvet_cpu_j-") : g(m, k, "qvet_cpu_j1")
            lw = g(m, k, "litert1_whole_cpu"); li = g(m, k, "litert1_infer_cpu")
            tw = g(m, k, "tflm_whole_cpu"); ti = g(m, k, "tflm_infer_cpu")
            printf "| %s | %s | %s | %s / %s | %s / %s | %s | %s | %s |\n", m, k, show(q),
                show(lw), show(li), show(tw), show(ti), ratio(q, lw), ratio(q, li), ratio(q, ti)
        }
    }' "$res"
echo
echo "qvet/litert 1T: qvet -j1 whole process over litert (XNNPACK, 1 thread) whole process;"
echo "qvet/litert 2T: qvet -j2 (or its default when there is no -j) over litert at 2 threads;"
echo "engine/litert 1T infer: qvet's int8 engine alone over litert's inference loop, 1 thread;"
echo "qvet/tflm: qvet -j1 whole process over the tflite-micro interpreter's inference loop alone"
echo "(conservative: the interpreter's start-up, large against $tflm_samples samples, is left out);"
echo "qvet/litert 1T infer (CPU table): qvet's whole process against litert's inference loop alone."

# ---- the int8 engine by op type ---------------------------------------------------------------
if [ -n "$engine_bench" ] && echo " $types " | grep -q ' int8 '; then
    echo
    echo "== int8 engine by op type (1 thread, batch 64, CPU time; the peaks above)"
    for m in $models; do
        echo "-- $m"
        OPENBLAS_NUM_THREADS=1 "$engine_bench" --model "bench/mlperf_tiny/${m}_int8.tflite" \
            --input "$inputs/${m}_int8.npy" --batch 64 --seconds 1 --fast-only --ops |
            sed -n '/^per op/,$p'
    done
fi
