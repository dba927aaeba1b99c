#!/usr/bin/env bash
# Times candidate preview configs before distilling one: each gets random weights, goes through
# the shipped export path (models/export/random_preview.py -> tfjs_export.py) and the real browser
# benchmark (tests/bench/preview.ts, wasm backend) with a models folder holding only the server
# model and the candidate. Weights do not change the speed, so the numbers hold for a distilled
# model of the same config. Needs a production build (`npx next build`).
#
#   tests/bench/preview-configs.sh OUT.md 'spade ngf 8, hidden 16|--ngf 8 --nhidden 16' ...
#
# Each argument is 'label|random_preview.py flags'. Every candidate is timed ROUNDS times (default
# 2), interleaved, under flock /tmp/bench.lock, so other benchmarks on the machine never overlap.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$1
shift
rounds=${ROUNDS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq 1 $#); do
  spec=${!i}
  mkdir -p "$work/$i"
  cp -rs "$PWD/models/landscape" "$work/$i/landscape"  # symlinked files: the registry skips symlinked folders
  # shellcheck disable=SC2086  # the flags are meant to split
  /usr/bin/python3 -m models.export.random_preview "$work/$i/landscape-preview" ${spec#*|} > /dev/null
done
declare -a rows size
for r in $(seq 1 "$rounds"); do
  for i in $(seq 1 $#); do
    row=$(flock /tmp/bench.lock env MODELS_DIR="$work/$i" PREVIEW_BACKENDS=wasm npx tsx tests/bench/preview.ts 2>/dev/null | grep '^| wasm |')
    # '| wasm | p50 | p95 | worker run p50 | MB | load |' -> 'p50 / p95 (run)'
    rows[$i]="${rows[$i]:-}$(echo "$row" | awk -F'|' '{gsub(/ /, "", $3); gsub(/ /, "", $4); gsub(/ /, "", $5); printf "%s / %s (%s)", $3, $4, $5}') ; "
    size[$i]=$(echo "$row" | awk -F'|' '{gsub(/^ +| +$/, "", $6); print $6}')
    echo "round $r: ${!i%%|*}: $row" >&2
  done
done
{
  echo "| config | random_preview.py flags | wasm stroke -> preview p50 / p95 ms (worker run p50), per round | download |"
  echo "|---|---|---|---:|"
  for i in $(seq 1 $#); do
    spec=${!i}
    echo "| ${spec%%|*} | \`${spec#*|}\` | ${rows[$i]%; } | ${size[$i]} |"
  done
} > "$out"
cat "$out"
