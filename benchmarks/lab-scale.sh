#!/usr/bin/env bash
# Measures the Lab step of `./build.sh Lab` (local backend) at several sizes (nodes x pods per node) and judges
# it against issue 23's targets: the warm 1x1 step <= 9 s and 4x16 <= 20 s at the default 5 s of traffic, every
# check passing, and no log line of the step wider than a terminal (WIDTH, 132 columns: a wide terminal).
# The first run builds what Lab needs (McastTools, images); every measured run skips those, so only the Lab step
# is timed, warm. Per size it prints the step's seconds (Cake's task summary), the lab's phases (from its log:
# hosts, pods, flows, cleanup), whether every check passed, the widest log line and the verdict. ROUNDS=N runs
# each size N times, interleaved (1x1, 4x16, 1x1, ...), so a busy machine weighs on every size alike, and then
# prints each size's median row (and the load average beside every row). DETAIL=1 also runs each size once at
# diagnostic verbosity and prints the lab's own breakdown ("Lab timings:" lines: the phases and the flows'
# milestones, then per Docker call, CNI plugin and ip how many ran and how long they took).
# WARMUP=0 skips the warm-up (what Lab needs is built already: an A/B of two checkouts run one after the other).
# Usage: benchmarks/lab-scale.sh        (as root; SIZES="1x1 4x16", DURATION=5, ROUNDS=1, WIDTH=132, DETAIL=0, WARMUP=1)
# Exit status: 0 when every size with a target met it, 1 otherwise (or when a check failed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

sizes=${SIZES:-"1x1 4x16"}
duration=${DURATION:-5}
rounds=${ROUNDS:-1}
width=${WIDTH:-132}
detail=${DETAIL:-0}
warmup=${WARMUP:-1}
[[ $(id -u) == 0 ]] || { echo "benchmark: the lab creates network namespaces and needs root; run it as root." >&2; exit 2; }

# Issue 23's targets (seconds of the warm Lab step at 5 s of traffic); other sizes are measured, not judged.
declare -A target=([1x1]=9 [4x16]=20)

log=$(mktemp /tmp/mcastlab-lab-scale.XXXXXX)
rows=$(mktemp /tmp/mcastlab-lab-scale-rows.XXXXXX)
trap 'rm -f "$log" "$rows"' EXIT
plain() { sed 's/\x1b\[[0-9;]*m//g' "$log"; }

if [[ $warmup == 1 ]]; then
  echo "warming up (McastTools, images, one 1x1 lab) ..."
  ./build.sh Lab --duration="$duration" >"$log" 2>&1 || { tail -40 "$log"; echo "benchmark: the warm-up lab failed (log above)." >&2; exit 1; }
fi
echo "load before measuring: $(uptime | sed 's/.*load average: //') (1, 5, 15 min; $(nproc) cores)"

failed=0
printf '%-5s %7s %7s %7s %7s %7s  %-6s %5s %5s  %s\n' size "Lab s" hosts pods flows cleanup checks width load1 verdict
for round in $(seq "$rounds"); do
  for size in $sizes; do
    nodes=${size%x*}
    pods=${size#*x}
    if ./build.sh Lab --nodes="$nodes" --pods="$pods" --duration="$duration" --skip=McastTools,Images >"$log" 2>&1; then checks=pass; else checks=FAIL; fi
    # Cake's summary row: "  Lab      00:00:21.1234567   Succeeded"
    seconds=$(plain | awk '$1 == "Lab" && $2 ~ /^[0-9]+:[0-9]+:[0-9.]+$/ { split($2, t, ":"); printf "%.1f", t[1] * 3600 + t[2] * 60 + t[3] }')
    # The lab's phase lines: "Hosts up: … in 1.0 s.", "Pods up: … in 1.5 s.", "… done in 9.7 s.", "Cleanup done in 1.0 s."
    phase() { plain | grep -E "$1" | sed -nE 's/.* in ([0-9.]+) s\.?$/\1/p' | tail -1; }
    hosts=$(phase '^Hosts up:'); podsup=$(phase '^Pods up:'); flows=$(phase 'receiver\(s\) done in'); cleanup=$(phase '^Cleanup done in')
    # Characters (not bytes: Cake's rules are box-drawing characters) of the widest line the Lab step logged.
    widest=$(plain | awk '/^ *Lab *$/ { on = 1 } on' | LC_ALL=C.UTF-8 wc -L)
    verdict=measured
    if [[ -n ${target[$size]:-} ]]; then
      if [[ $checks == pass && -n $seconds ]] && awk -v s="$seconds" -v t="${target[$size]}" 'BEGIN { exit !(s <= t) }'; then verdict="met (<= ${target[$size]} s)"; else verdict="NOT MET (<= ${target[$size]} s)"; failed=1; fi
    fi
    [[ $checks == pass ]] || failed=1
    if (( widest > width )); then verdict="$verdict; a line of $widest > $width columns"; failed=1; fi
    load1=$(cut -d' ' -f1 /proc/loadavg)
    printf '%-5s %7s %7s %7s %7s %7s  %-6s %5s %5s  %s\n' "$size" "${seconds:-?}" "${hosts:-?}" "${podsup:-?}" "${flows:-?}" "${cleanup:-?}" "$checks" "$widest" "$load1" "$verdict"
    echo "$size ${seconds:-?} ${hosts:-?} ${podsup:-?} ${flows:-?} ${cleanup:-?} $load1" >>"$rows"
    if [[ $checks != pass ]]; then plain | grep -E '^(check|.* FAIL )' | head -20 || true; fi
  done
done

if (( rounds > 1 )); then
  # Each column's median over the rounds, on its own (the row of medians is no single run).
  for size in $sizes; do
    printf '%-5s' "$size"
    for column in 2 3 4 5 6 7; do
      printf ' %7s' "$(awk -v s="$size" -v c="$column" '$1 == s && $c != "?" { print $c }' "$rows" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "?"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
    done
    echo "  median of $rounds (Lab s, hosts, pods, flows, cleanup, load1)"
  done
fi

if [[ $detail == 1 ]]; then
  for size in $sizes; do
    ./build.sh Lab --nodes="${size%x*}" --pods="${size#*x}" --duration="$duration" --skip=McastTools,Images --verbosity=diagnostic >"$log" 2>&1 || true
    plain | grep '^Lab timings:' | sed "s/^/$size: /"
  done
fi
echo "load after measuring: $(uptime | sed 's/.*load average: //')"
exit "$failed"
