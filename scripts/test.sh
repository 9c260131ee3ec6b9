#!/bin/sh
# The whole test suite: warning-free gcc (debugoptimized, release) and clang builds, the unit and
# CLI suites, the same suites under ASan+UBSan, and a short fuzz run of the TFLite reader. Installs what is missing first. Idempotent. Prints "tests: N passed,
# M failed" last and exits non-zero when anything failed.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh --test

failed=0
summary() {
    # meson test's closing counts: "Ok: N", "Fail: N"
    ok=$(grep -E '^Ok: ' "$1" | awk '{print $2}' | tail -n 1)
    fl=$(grep -E '^Fail: ' "$1" | awk '{print $2}' | tail -n 1)
    passed_total=$((passed_total + ${ok:-0}))
    failed_total=$((failed_total + ${fl:-0}))
}
passed_total=0
failed_total=0
log=$(mktemp)

# Warnings are errors here (not a default of the build): the normal build, a gcc release build,
# and a clang build must all compile warning-free.
meson configure build -Dwerror=true >/dev/null
if ! ninja -C build >"$log" 2>&1; then
    grep -E 'error|warning' "$log" | head -n 40
    echo "tests: build/ does not compile warning-free"
    exit 1
fi
echo "== warning-free builds: gcc release (build-release/), clang (build-clang/)"
for variant in release clang; do
    dir=build-$variant
    if [ ! -f $dir/build.ninja ]; then
        if [ $variant = clang ]; then
            CC=clang meson setup $dir -Dwerror=true -Dtests=false -Dbench=false \
                --buildtype=debugoptimized >/dev/null
        else
            meson setup $dir -Dwerror=true -Dtests=false --buildtype=release >/dev/null
        fi
    fi
    if ninja -C $dir >"$log" 2>&1; then
        passed_total=$((passed_total + 1))
    else
        failed=1
        failed_total=$((failed_total + 1))
        grep -E 'error|warning' "$log" | head -n 40
    fi
done

echo "== unit and CLI tests (build/)"
if ! meson test -C build --print-errorlogs >"$log" 2>&1; then failed=1; fi
cat "$log"
summary "$log"

echo "== the same suites under ASan + UBSan (build-asan/)"
if [ ! -f build-asan/build.ninja ]; then
    meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbench=false \
        -Dwerror=true --buildtype=debug >/dev/null
fi
ninja -C build-asan >/dev/null
if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
     UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
     meson test -C build-asan --print-errorlogs --timeout-multiplier 3 >"$log" 2>&1; then
    failed=1
fi
cat "$log"
summary "$log"

if [ -x fuzz/run.sh ]; then
    echo "== fuzz smoke run of the TFLite reader (60 s)"
    if fuzz/run.sh 60 >"$log" 2>&1; then
        passed_total=$((passed_total + 1))
        tail -n 3 "$log"
    else
        failed=1
        failed_total=$((failed_total + 1))
        tail -n 40 "$log"
    fi
fi
rm -f "$log"

echo "tests: $passed_total passed, $failed_total failed"
exit $failed
