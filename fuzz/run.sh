#!/bin/sh
# Builds the libFuzzer harness with clang (ASan + UBSan, coverage on the whole library) and fuzzes
# the TFLite reader/writer for SECONDS (default 60) from the seed corpus in fuzz/corpus/tflite.
#   fuzz/run.sh [SECONDS] [extra libFuzzer flags...]
# QVET_FUZZ_BUILD: build directory (default build-fuzz). Findings land in the build directory
# (crash-*, leak-*, timeout-*) and make the script exit non-zero.
set -eu
secs=${1:-60}
if [ $# -gt 0 ]; then shift; fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=${QVET_FUZZ_BUILD:-$root/build-fuzz}
if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" "$root" -Dfuzz=true -Dtests=false -Dbench=false \
        -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized \
        "-Dc_args=['-fsanitize=fuzzer-no-link','-Wno-unknown-warning-option']"
fi
ninja -C "$build" fuzz/fuzz_tflite
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp "$root"/fuzz/corpus/tflite/* "$corpus"/
cd "$build"
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
    ./fuzz/fuzz_tflite -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -dict="$root/fuzz/tflite.dict" -print_final_stats=1 "$@" "$corpus"
