#!/bin/sh
# Installs what qvet needs from Debian's packages (only what is missing), then configures and
# builds into build/. Idempotent. With --test, also what the test suite needs (clang and its
# fuzzer runtime for the fuzz smoke run; chromium for the report.html browser test;
# gcc-arm-none-eabi for the Cortex-M4 flash check of qvet budget, skipped without it; GNU
# parallel for the shard test; libxml2-utils' xmllint for the junit.xml schema check).
set -eu
cd "$(dirname "$0")/.."

pkgs="gcc libc6-dev meson ninja-build pkg-config libcjson-dev libcsv-dev libopenblas-dev zlib1g-dev check"
if [ "${1:-}" = "--test" ]; then
    pkgs="$pkgs parallel libxml2-utils clang libclang-rt-14-dev chromium gcc-arm-none-eabi"
fi

missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -n "$missing" ]; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    echo "setup: installing$missing" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing \
        >/dev/null
fi

if [ ! -f build/build.ninja ]; then
    meson setup build --buildtype=debugoptimized >/dev/null
fi
ninja -C build >/dev/null
echo "setup: built build/cli/qvet" >&2
