# Sourced by the benchmarks: one veth pair named eth1 on both sides between two network namespaces it
# creates, sender $snd (10.0.0.12) and receiver $rcv (10.0.0.11), a scratch folder $work, and a cleanup on
# exit that stops the processes in $pids and deletes the namespaces (and with them the links).
# Usage: . benchmarks/veth-segment.sh PREFIX   (PREFIX: three letters naming the benchmark)
prefix="$1$(printf '%05d' $((RANDOM % 100000)))"
snd=${prefix}s
rcv=${prefix}r
work=$(mktemp -d "/tmp/${prefix}.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  ip netns delete "$snd" 2>/dev/null || true
  ip netns delete "$rcv" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$snd"
ip netns add "$rcv"
ip link add "${prefix}a" netns "$snd" type veth peer name "${prefix}b" netns "$rcv"
ip -n "$snd" link set "${prefix}a" name eth1
ip -n "$rcv" link set "${prefix}b" name eth1
ip -n "$snd" addr add 10.0.0.12/24 dev eth1
ip -n "$rcv" addr add 10.0.0.11/24 dev eth1
for ns in "$snd" "$rcv"; do ip -n "$ns" link set lo up; ip -n "$ns" link set eth1 up; done
