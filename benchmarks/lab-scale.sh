#!/usr/bin/env bash
# Measures the Lab step of `./build.sh Lab` (local backend) at several sizes: 1x1, 1x8, 3x8 and 4x16
# (nodes x pods per node). The first run builds what Lab needs (McastTools, images); every measured run skips
# those, so only the Lab step is timed, warm. Prints one line per size with the Lab step's seconds (from
# Cake's task summary) and whether every check passed.
# Usage: benchmarks/lab-scale.sh           (as root; SIZES="1x1 4x16" to choose sizes, DURATION=5 seconds per send)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

sizes=${SIZES:-"1x1 1x8 3x8 4x16"}
duration=${DURATION:-5}
[[ $(id -u) == 0 ]] || { echo "benchmark: the lab creates network namespaces and needs root; run it as root." >&2; exit 2; }

log=$(mktemp /tmp/mcastlab-lab-scale.XXXXXX)
trap 'rm -f "$log"' EXIT

echo "warming up (McastTools, images, one 1x1 lab) ..."
./build.sh Lab --duration="$duration" >"$log" 2>&1 || { tail -40 "$log"; echo "benchmark: the warm-up lab failed (log above)." >&2; exit 1; }

printf '%-6s %10s  %s\n' size "Lab step" result
for size in $sizes; do
  nodes=${size%x*}
  pods=${size#*x}
  if ./build.sh Lab --nodes="$nodes" --pods="$pods" --duration="$duration" --skip=McastTools,Images >"$log" 2>&1; then result=pass; else result=FAIL; fi
  # Cake's summary row: "  Lab      00:00:21.1234567   Succeeded"
  seconds=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '$1 == "Lab" && $2 ~ /^[0-9]+:[0-9]+:[0-9.]+$/ { split($2, t, ":"); printf "%.1f", t[1] * 3600 + t[2] * 60 + t[3] }')
  printf '%-6s %9ss  %s\n' "$size" "${seconds:-?}" "$result"
done
