#!/bin/sh
# Self-test of scripts/check_layers.sh on small trees: a clean one passes, an include of a
# higher layer (or of a peer) fails naming file and line, a stale exception fails.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mk() { mkdir -p "$tmp/$1/$(dirname "$2")"; printf '%s\n' "$3" >"$tmp/$1/$2"; }
fail() { echo "test_check_layers: $*"; exit 1; }
# an exception list of the self-test's own (the real one may be empty)
QV_LAYERS_ALLOWED='
src/analysis/job.c report/report.h
'
export QV_LAYERS_ALLOWED

# clean: core includes core, engine includes core, cli includes the umbrella
mk ok src/core/a.c '#include "qvet/graph.h"'
mk ok src/engine/b.c '#include "core/ops/ops_common.h"'
mk ok src/report/r.c '#include "qvet/qvet.h"'
mk ok cli/c.c '#include "qvet/qvet.h"'
mk ok src/analysis/job.c '#include "report/report.h"'   # the listed exception
sh "$here/check_layers.sh" "$tmp/ok" >/dev/null || fail "a clean tree fails"

# core including engine; io including its peer engine; run including quant
for bad in 'src/core/x.c:#include "qvet/engine.h"' 'src/io/x.c:#include "engine/kernel.h"' \
           'src/run/x.c:#include "qvet/quant.h"' 'src/io/x.c:#include "qvet/qvet.h"'; do
    rm -rf "$tmp/bad"
    cp -r "$tmp/ok" "$tmp/bad"
    mk bad "${bad%%:*}" "${bad#*:}"
    if out=$(sh "$here/check_layers.sh" "$tmp/bad"); then
        fail "violation not found: $bad"
    fi
    echo "$out" | grep -q "^${bad%%:*}:1: " || fail "violation not named: $out"
done

# the exception's file no longer includes the header: the stale entry fails
rm -rf "$tmp/stale"
cp -r "$tmp/ok" "$tmp/stale"
mk stale src/analysis/job.c '#include "qvet/analysis.h"'
if sh "$here/check_layers.sh" "$tmp/stale" >/dev/null; then
    fail "a stale exception passes"
fi
echo "test_check_layers: ok"
