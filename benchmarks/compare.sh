#!/usr/bin/env bash
# sockperf 3.7, iperf 2.1.8 and mcast side by side, in ONE run, on one veth segment between two network
# namespaces it creates (root), each tool with its own receiver:
#   1. throughput: each sender at its maximum for TRIAL_SECONDS, 64- and 1470-byte payloads: sent/s,
#      received/s and the delivered fraction, then mcast's ratios to the others;
#   2. latency under a fixed rate (LATENCY_RATE datagrams/s, 64 B): sockperf's `ul` percentiles (half the
#      round trip, sockperf's definition) next to mcast's one-way percentiles (sender timestamp to the
#      kernel's receive timestamp) and mcast's half round trip (send --rtt through mcast pong).
# Ends with the issue's acceptance line: mcast's delivered pps >= 2x sockperf's at 64 B with <= 0.1 % loss.
# Usage: benchmarks/compare.sh   (as root; MCAST=path/to/mcast, default artifacts/mcast/mcast from
#        ./build.sh McastTools; TRIAL_SECONDS=5, LATENCY_RATE=10000). Installs sockperf and iperf from
#        Debian when they are missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

trial_seconds=${TRIAL_SECONDS:-5}
latency_rate=${LATENCY_RATE:-10000}
mcast=${MCAST:-$PWD/artifacts/mcast/mcast}
[[ $(id -u) == 0 ]] || { echo "compare: needs root to create network namespaces; run it as root." >&2; exit 2; }
[[ -x $mcast ]] || { echo "compare: $mcast is missing; run './build.sh McastTools' or set MCAST=path/to/mcast." >&2; exit 2; }
missing=()
command -v sockperf >/dev/null || missing+=(sockperf)
command -v iperf >/dev/null || missing+=(iperf)
if ((${#missing[@]})); then
  echo "compare: installing ${missing[*]} from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi
sockperf_version=$(sockperf --version 2>&1 | head -1 || true)
[[ $sockperf_version == *"version 3.7"* ]] || echo "compare: warning: this is not sockperf 3.7: $sockperf_version" >&2
iperf_version=$(iperf -v 2>&1 || true)
[[ $iperf_version == *"2.1.8"* ]] || echo "compare: warning: this is not iperf 2.1.8: $iperf_version" >&2

. benchmarks/veth-segment.sh cmp
# sockperf's server sends warm-up datagrams to the group and needs a multicast route.
for ns in "$snd" "$rcv"; do ip -n "$ns" route add 224.0.0.0/4 dev eth1; done

# wait_for FILE TEXT: until FILE contains TEXT (20 s at most).
wait_for() {
  for _ in $(seq 400); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "compare: '$2' never appeared in $1: $(tail -3 "$1")" >&2
  return 1
}

# start NAME NS COMMAND...: runs a receiver in the background, output in $work/NAME.
start() {
  local name=$1 ns=$2
  shift 2
  ip netns exec "$ns" "$@" >"$work/$name" 2>&1 &
  pids+=("$!")
}

stop() {
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  pids=()
}

# mcast_send ARGS...: `mcast send` from the sender's namespace. Its stderr (the JSON diagnosis event) goes to a
# file, not into the tables, and is shown when the send fails.
mcast_send() {
  ip netns exec "$snd" "$mcast" send "$@" 2>"$work/mcast-send.err" || { cat "$work/mcast-send.err" >&2; return 1; }
}

# Each throughput function prints: sent received seconds (data datagrams, the sender's own duration).
throughput_sockperf() {
  local length=$1 out
  start sockperf-sr "$rcv" sockperf sr -i 239.77.0.2 -p 11111 --mc-rx-if 10.0.0.11
  wait_for "$work/sockperf-sr" "listen on"
  out=$(ip netns exec "$snd" sockperf tp -i 239.77.0.2 -p 11111 --mc-tx-if 10.0.0.12 -m "$length" -t "$trial_seconds" --mps=max 2>&1)
  sleep 1
  stop
  local sent secs received
  read -r sent secs < <(sed -n 's/.*Total of \([0-9]*\) messages sent in \([0-9.]*\) sec.*/\1 \2/p' <<<"$out")
  received=$(sed -n 's/.*Total \([0-9]*\) messages received.*/\1/p' "$work/sockperf-sr")
  echo "$sent ${received:-0} $secs"
}

throughput_iperf() {
  local length=$1 out
  start iperf-s "$rcv" stdbuf -oL iperf -s -u -B 239.77.0.3%eth1
  wait_for "$work/iperf-s" "Joining"
  out=$(ip netns exec "$snd" iperf -c 239.77.0.3 -u -B 10.0.0.12 -b 100G -l "$length" -t "$trial_seconds")
  wait_for "$work/iperf-s" "%)" || true
  stop
  # "Sent N" is the data datagrams plus two; the server's total counts its end-of-test datagram.
  local sent secs lost total
  sent=$(($(sed -n 's/.*Sent \([0-9]*\) datagrams.*/\1/p' <<<"$out") - 2))
  secs=$(awk '/ sec /{ split($3, t, "-"); s = t[2] } END { print s }' <<<"$out")
  read -r lost total < <(sed -n 's/.* \([0-9]*\)\/ *\([0-9]*\) (.*/\1 \2/p' "$work/iperf-s" | tail -1)
  echo "$sent $((total - lost - 1)) $secs"
}

throughput_mcast() {
  local length=$1 out
  start mcast-recv "$rcv" "$mcast" recv --group 239.77.0.4%eth1 --format json --interval 0 --idle-timeout 3
  wait_for "$work/mcast-recv" "joined"
  out=$(mcast_send --group 239.77.0.4 --interface eth1 --rate 0 --length "$length" --duration "$trial_seconds")
  wait "${pids[0]}" || true
  pids=()
  local sent secs received
  read -r sent secs < <(sed -n 's/mcast send: \([0-9]*\) datagrams .* in \([0-9.]*\) s:.*/\1 \2/p' <<<"$out")
  received=$(sed -n 's/.*"event":"summary".*"received":\([0-9]*\),.*/\1/p' "$work/mcast-recv" | head -1)
  echo "$sent ${received:-0} $secs"
}

# Each latency function prints p50 p90 p99 p99.9 max in microseconds.
latency_sockperf() {
  local out
  start sockperf-sr "$rcv" sockperf sr -i 239.77.0.2 -p 11111 --mc-rx-if 10.0.0.11
  wait_for "$work/sockperf-sr" "listen on"
  out=$(ip netns exec "$snd" sockperf ul -i 239.77.0.2 -p 11111 --mc-tx-if 10.0.0.12 -m 64 -t "$trial_seconds" --mps="$latency_rate" 2>&1)
  stop
  local p
  for p in 'percentile 50.000' 'percentile 90.000' 'percentile 99.000' 'percentile 99.900' '<MAX> observation'; do
    sed -n "s/.*$p = *\([0-9.]*\).*/\1/p" <<<"$out" | head -1
  done | paste -sd' '
}

latency_mcast_one_way() {
  start mcast-recv "$rcv" "$mcast" recv --group 239.77.0.4%eth1 --format json --interval 0 --idle-timeout 3
  wait_for "$work/mcast-recv" "joined"
  mcast_send --group 239.77.0.4 --interface eth1 --rate "${latency_rate}pps" --length 64 --duration "$trial_seconds" >/dev/null
  wait "${pids[0]}" || true
  pids=()
  local summary field
  summary=$(grep '"event":"summary"' "$work/mcast-recv" | head -1)
  for field in latencyP50Ms latencyP90Ms latencyP99Ms latencyP999Ms latencyMaxMs; do
    sed -n "s/.*\"$field\":\([0-9.eE+-]*\).*/\1/p" <<<"$summary" | awk '{ printf "%.3f\n", $1 * 1000 }'
  done | paste -sd' '
}

latency_mcast_half_rtt() {
  start mcast-pong "$rcv" "$mcast" pong --group 239.77.0.5%eth1 --idle-timeout 3
  wait_for "$work/mcast-pong" "joined"
  local out
  out=$(mcast_send --group 239.77.0.5 --interface eth1 --rate "${latency_rate}pps" --length 64 --duration "$trial_seconds" --rtt)
  wait "${pids[0]}" || true
  pids=()
  local word
  for word in p50 p90 p99 p99.9 max; do
    sed -n "s/.*rtt from .* $word \([0-9.]*\).*/\1/p" <<<"$out" | awk '{ printf "%.3f\n", $1 / 2 }'
  done | paste -sd' '
}

echo "compare: $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "compare: mcast $mcast; $sockperf_version; $iperf_version"
echo "compare: ${trial_seconds} s per trial, one veth pair, each tool with its own receiver"
echo
printf '%-8s %-9s %12s %12s %10s\n' payload tool "sent/s" "received/s" delivered
declare -A received_pps delivered
for length in 64 1470; do
  for tool in sockperf iperf mcast; do
    read -r sent received secs < <("throughput_$tool" "$length")
    received_pps[$tool.$length]=$(awk -v r="$received" -v s="$secs" 'BEGIN { printf "%d", (s > 0 ? r / s : 0) }')
    delivered[$tool.$length]=$(awk -v r="$received" -v s="$sent" 'BEGIN { printf "%.4f", (s > 0 ? r / s : 0) }')
    awk -v l="$length" -v t="$tool" -v sent="$sent" -v r="$received" -v s="$secs" -v d="${delivered[$tool.$length]}" \
      'BEGIN { printf "%-8s %-9s %12d %12d %9.2f%%\n", l, t, (s > 0 ? sent / s : 0), (s > 0 ? r / s : 0), 100 * d }'
  done
done

echo
printf '%-8s %-34s %10s %10s\n' payload "ratio of received/s" "mcast/sockperf" "mcast/iperf"
for length in 64 1470; do
  awk -v l="$length" -v m="${received_pps[mcast.$length]}" -v s="${received_pps[sockperf.$length]}" -v i="${received_pps[iperf.$length]}" \
    'BEGIN { printf "%-8s %-34s %14s %11s\n", l, "mcast over the other tool", (s > 0 ? sprintf("%.2f", m / s) : "inf"), (i > 0 ? sprintf("%.2f", m / i) : "inf") }'
done

echo
echo "latency at ${latency_rate} datagrams/s, 64 B, microseconds"
printf '%-40s %9s %9s %9s %9s %9s\n' measure p50 p90 p99 p99.9 max
read -r -a sp < <(latency_sockperf)
read -r -a ow < <(latency_mcast_one_way)
read -r -a rt < <(latency_mcast_half_rtt)
printf '%-40s %9s %9s %9s %9s %9s\n' "sockperf ul (half round trip)" "${sp[@]}"
printf '%-40s %9s %9s %9s %9s %9s\n' "mcast one-way (kernel receive stamp)" "${ow[@]}"
printf '%-40s %9s %9s %9s %9s %9s\n' "mcast send --rtt / 2 (via mcast pong)" "${rt[@]}"

echo
awk -v m="${received_pps[mcast.64]}" -v s="${received_pps[sockperf.64]}" -v d="${delivered[mcast.64]}" 'BEGIN {
  ok = m >= 2 * s && d >= 0.999
  printf "acceptance: mcast delivered %d/s at 64 B = %.2fx sockperf'\''s %d/s, loss %.3f%%: %s (needs >= 2x with <= 0.1%% loss)\n", m, (s > 0 ? m / s : 0), s, 100 * (1 - d), ok ? "MET" : "NOT MET"
}'
