#!/usr/bin/env bash
# Benchmarks mcast against iperf 2.1.8 on one veth pair between two network namespaces it creates (root):
#   1. the highest send rate (datagrams/s, unpaced, TRIAL_SECONDS long);
#   2. the highest offered rate a receiver takes with <= 0.1% loss (binary search; the same mcast sender
#      offers the load to both receivers, so only the receiver differs);
# for 64- and 1470-byte payloads, then prints the mcast/iperf ratios.
# Usage: benchmarks/mcast-vs-iperf.sh            (MCAST=path/to/mcast to pick the binary; default: the
#        NativeAOT publish output, else `dotnet` on the Debug build; TRIAL_SECONDS=2, STEPS=6)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

trial_seconds=${TRIAL_SECONDS:-2}
steps=${STEPS:-6}
group=239.77.0.1
publish=src/McastTools/bin/Release/net10.0/linux-x64/publish/mcast
if [[ -n "${MCAST:-}" ]]; then
  mcast=("$MCAST")
elif [[ -x $publish ]]; then
  mcast=("$PWD/$publish")
else
  dotnet build src/McastTools -c Debug -v quiet >/dev/null
  mcast=(dotnet "$PWD/src/McastTools/bin/Debug/net10.0/mcast.dll")
fi
[[ $(id -u) == 0 ]] || { echo "benchmark: needs root to create network namespaces; run it as root." >&2; exit 2; }
command -v iperf >/dev/null || { echo "benchmark: iperf 2.1.8 is missing; apt-get install iperf." >&2; exit 2; }

. benchmarks/veth-segment.sh mcb

# wait_for FILE TEXT: until FILE contains TEXT (10 s at most).
wait_for() {
  for _ in $(seq 200); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  return 1
}

# mcast_send ARGS...: `mcast send` from the sender's namespace. Its stderr (the JSON diagnosis event) goes to a
# file, not into the table, and is shown when the send fails.
mcast_send() {
  ip netns exec "$snd" "${mcast[@]}" send "$@" 2>"$work/send.err" || { cat "$work/send.err" >&2; return 1; }
}

# Highest send rate, datagrams/s.
send_rate_mcast() {
  mcast_send --group "$group" --interface eth1 --rate 0 --length "$1" --duration "$trial_seconds" \
    | sed -n 's/.* \([0-9]*\) pps.*/\1/p'
}
send_rate_iperf() {
  local out
  out=$(ip netns exec "$snd" iperf -c "$group" -u -B 10.0.0.12 -b 100G -l "$1" -t "$trial_seconds")
  awk -v sent="$(sed -n 's/.*Sent \([0-9]*\) datagrams.*/\1/p' <<<"$out")" \
    '/ sec /{ split($3, t, "-"); secs = t[2] } END { printf "%d\n", sent / secs }' <<<"$out"
}

# Loss percent of one trial: RECEIVER (mcast|iperf) LENGTH PPS.
offer() {
  local receiver=$1 length=$2 pps=$3 out="$work/out" err="$work/err"
  : >"$out"; : >"$err"
  if [[ $receiver == mcast ]]; then
    ip netns exec "$rcv" "${mcast[@]}" recv --group "$group%eth1" --format json --interval 0 --idle-timeout 3 >"$out" 2>"$err" &
    pids=("$!"); wait_for "$err" "joined"
  else
    ip netns exec "$rcv" stdbuf -oL iperf -s -u -B "$group%eth1" >"$out" 2>"$err" &
    pids=("$!"); wait_for "$out" "Joining"
  fi
  mcast_send --group "$group" --interface eth1 --length "$length" \
    --rate "${pps}pps" --count $((pps * trial_seconds)) >/dev/null
  if [[ $receiver == mcast ]]; then
    wait "${pids[0]}" || true
    sed -n 's/.*"event":"summary".*"lossPercent":\([0-9.eE+-]*\),.*/\1/p' "$out" | head -1
  else
    wait_for "$out" "%)" || true
    kill "${pids[0]}" 2>/dev/null || true; wait "${pids[0]}" 2>/dev/null || true
    sed -n 's/.* \([0-9]*\)\/\([0-9]*\) (.*/\1 \2/p' "$out" | tail -1 | awk '{ if ($2 > 0) printf "%.4f\n", 100 * $1 / $2; else print 100 }'
  fi
  pids=()
}

# Highest offered rate (pps) with <= 0.1% loss, searched between 0 and CAP: RECEIVER LENGTH CAP.
max_clean_rate() {
  local receiver=$1 length=$2 lo=0 hi=$3 mid loss
  loss=$(offer "$receiver" "$length" "$hi")
  if awk -v l="${loss:-100}" 'BEGIN { exit !(l <= 0.1) }'; then echo "$hi"; return; fi
  for _ in $(seq "$steps"); do
    mid=$(((lo + hi) / 2))
    loss=$(offer "$receiver" "$length" "$mid")
    if awk -v l="${loss:-100}" 'BEGIN { exit !(l <= 0.1) }'; then lo=$mid; else hi=$mid; fi
  done
  echo "$lo"
}

echo "mcast: ${mcast[*]}"
echo "iperf: $(iperf -v 2>&1)"
echo "kernel $(uname -r), $(nproc) cores, ${trial_seconds} s per trial"
rows=()
for length in 64 1470; do
  m_send=$(send_rate_mcast "$length")
  i_send=$(send_rate_iperf "$length")
  # The offered load never exceeds what the sender managed unpaced.
  m_recv=$(max_clean_rate mcast "$length" "$m_send")
  i_recv=$(max_clean_rate iperf "$length" "$m_send")
  rows+=("$length send $m_send $i_send" "$length recv $m_recv $i_recv")
done

printf '\n%-8s %-34s %12s %12s %8s\n' payload measure mcast iperf ratio
for row in "${rows[@]}"; do
  read -r length kind m i <<<"$row"
  label="highest send rate (pps)"
  [[ $kind == recv ]] && label="highest rate with <=0.1% loss (pps)"
  awk -v l="$length" -v k="$label" -v m="$m" -v i="$i" \
    'BEGIN { printf "%-8s %-34s %12d %12d %8s\n", l, k, m, i, (i > 0 ? sprintf("%.2f", m / i) : "inf") }'
done
