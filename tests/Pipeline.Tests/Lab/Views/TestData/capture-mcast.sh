#!/usr/bin/env bash
# Captures real `mcast recv --format json` output for the views' fixture: iperf 2.1.8 sends 5 s at 1M
# (`iperf -c 224.0.67.67 -u --ttl 5 -t 5 -B 10.0.0.12`) across a veth pair between two namespaces to
# `mcast recv --group 224.0.67.67%eth1 --format json --interval 1`. "impaired" drops 3% at random and
# everything for one second at the receiver (iptables), and duplicates 2% at the sender (TEE); the
# kernel here has no netem, so nothing is reordered. Run as root from the repository root after
# ./build.sh McastTools:  tests/Pipeline.Tests/Lab/Views/TestData/capture-mcast.sh NAME [impaired]
# → mcast-recv-NAME.jsonl
set -euo pipefail
name=$1
out="$(cd "$(dirname "$0")" && pwd)/mcast-recv-$name.jsonl"
mcast=${MCAST:-$PWD/artifacts/mcast/mcast}
cleanup() { ip netns del vw15-src 2>/dev/null || true; ip netns del vw15-dst 2>/dev/null || true; }
trap cleanup EXIT
cleanup
ip netns add vw15-src; ip netns add vw15-dst
ip link add eth1 netns vw15-src type veth peer name eth1 netns vw15-dst
ip -n vw15-src addr add 10.0.0.12/24 dev eth1; ip -n vw15-dst addr add 10.0.0.13/24 dev eth1
for ns in vw15-src vw15-dst; do ip -n $ns link set eth1 up; ip -n $ns link set lo up; done
ip -n vw15-src route add 224.0.0.0/4 dev eth1
if [ "${2:-}" = impaired ]; then
  ip netns exec vw15-dst iptables -A INPUT -i eth1 -m statistic --mode random --probability 0.03 -j DROP
  ip netns exec vw15-src iptables -t mangle -A OUTPUT -o eth1 -m statistic --mode random --probability 0.02 -j TEE --gateway 10.0.0.13
  ( sleep 3.2; ip netns exec vw15-dst iptables -I INPUT -i eth1 -j DROP; sleep 1; ip netns exec vw15-dst iptables -D INPUT -i eth1 -j DROP ) &
fi
ip netns exec vw15-dst "$mcast" recv --group 224.0.67.67%eth1 --format json --interval 1 --idle-timeout 10 > "$out" &
receiver=$!
sleep 1
ip netns exec vw15-src iptables -V >/dev/null
ip netns exec vw15-src iperf -c 224.0.67.67 -u --ttl 5 -t 5 -B 10.0.0.12 >/dev/null
wait $receiver || true
