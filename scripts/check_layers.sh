#!/bin/sh
# Layer check (docs/architecture.md): a file in src/<layer>/ may include only headers of its own
# layer and of the layers below it. Order, lowest first (peers on one line may not include each
# other):
#     core < io, engine < run < quant, budget < analysis < report < cli
# A header belongs to a layer by its path: "core/...", "io/...", ... for private headers, and by
# name for the public ones in include/qvet/ (table below). qvet.h, the umbrella, includes every
# public header up to analysis.h, so it counts as analysis: report and cli may include it.
# Prints every violation as FILE:LINE: layer includes HEADER (layer) and exits 1 when there is
# one. Run by `meson test layers` (suite lint) and scripts/test.sh.
#   scripts/check_layers.sh [SOURCE_ROOT]
set -eu
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

# Known exceptions, each with its owner and the way out; an entry that no longer matches fails
# the check too, so the list only shrinks. Format: FILE HEADER
# (empty: the runner moved qvet run's output set to report/, above analysis). The self-test
# passes its own list in QV_LAYERS_ALLOWED.
allowed=${QV_LAYERS_ALLOWED-'
'}

found=$(mktemp)
trap 'rm -f "$found"' EXIT
for f in $(find src cli -name '*.c' -o -name '*.h' | sort); do
    case "$f" in
        cli/*) layer=cli ;;
        src/*) layer=$(echo "$f" | cut -d/ -f2) ;;
    esac
    awk -v file="$f" -v layer="$layer" '
    function rank(l) {
        if (l == "core") return 0
        if (l == "io" || l == "engine") return 1
        if (l == "run") return 2
        if (l == "quant" || l == "budget") return 3
        if (l == "analysis") return 4
        if (l == "report") return 5
        if (l == "cli") return 6
        return -1
    }
    function header_layer(h,   base) {
        if (h ~ /^qvet\//) {
            base = substr(h, 6)
            if (base ~ /^(error|graph|op_list|lifetime|version)\.h$/) return "core"
            if (base ~ /^(io|manifest)\.h$/) return "io"
            if (base == "engine.h") return "engine"
            if (base == "run.h") return "run"
            if (base == "quant.h") return "quant"
            if (base == "budget.h") return "budget"
            if (base == "analysis.h" || base == "metrics.h" || base == "layers.h") return "analysis"
            if (base == "report.h") return "report"
            if (base == "qvet.h") return "analysis"
            return "unknown"
        }
        if (split(h, parts, "/") > 1) return parts[1]
        return layer   # a header beside the file ("cli.h", "kernel.h")
    }
    /^[ \t]*#[ \t]*include[ \t]*"/ {
        h = $0
        sub(/^[^"]*"/, "", h)
        sub(/".*$/, "", h)
        hl = header_layer(h)
        if (rank(hl) < 0) {
            printf "%s:%d: %s includes \"%s\" of no known layer\n", file, NR, layer, h
            bad = 1
        } else if (hl != layer && rank(hl) >= rank(layer)) {
            printf "%s:%d: %s includes \"%s\" (%s)\n", file, NR, layer, h, hl
            bad = 1
        }
    }
    ' "$f" >>"$found"
done
status=0
while read -r file header; do
    [ -n "$file" ] || continue
    if ! grep -q "^$file:[0-9]*: [a-z]* includes \"$header\"" "$found"; then
        echo "$file: listed as including $header, which it no longer does: drop the exception"
        status=1
    fi
done <<EOT
$allowed
EOT
while IFS= read -r line; do
    file=${line%%:*}
    header=$(echo "$line" | sed 's/^[^"]*"//; s/".*$//')
    if printf '%s\n' "$allowed" | grep -qxF "$file $header"; then
        echo "$line: known exception"
    else
        echo "$line"
        status=1
    fi
done <"$found"
if [ $status -ne 0 ]; then
    echo "check_layers: includes against the layer order (docs/architecture.md)"
fi
exit $status
