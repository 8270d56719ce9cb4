#!/usr/bin/env bash
# Recaptures every tool output the lab's tests replay (README.md beside it lists each file), with today's
# binaries: `mcast` built from this tree and Debian's iperf 2.1.8, run with the lab's exact arguments
# (LabExperiment.SenderArguments / ReceiverArguments at the default parameters: group 224.0.67.67, ttl 5,
# 5 s at 1M, at least 400 datagrams expected, each flow on its own port). Root; namespaces named experiment-cap-*:
#   experiment-cap-src  "mcastsrc"/the sender pod: eth1 10.0.0.12 and 10.0.0.254
#   experiment-cap-pod  a receiving pod: eth1 10.0.0.13 on the segment, eth0 10.244.0.5 on a separate cluster network
#   experiment-cap-srv  the iperf-server pod: eth1 10.0.0.14
#   experiment-cap-sw   the segment's bridge, and the cluster network's far end (10.244.0.1)
# Usage: sudo tests/Pipeline.Tests/Lab/Captured/capture.sh [OUTPUT_DIRECTORY]   (default: this directory)
set -euo pipefail
# Job control: background programs keep their SIGINT (a non-interactive shell would start them ignoring it),
# so they can be stopped the way the lab stops them.
set -m
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../../.." && pwd)
out=$(cd "${1:-$here}" && pwd)
bin=$(mktemp -d /tmp/experiment-cap-bin.XXXXXX)
names=(experiment-cap-src experiment-cap-pod experiment-cap-srv experiment-cap-sw)
cleanup() {
  for n in "${names[@]}"; do ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$bin" /tmp/experiment-cap-ipam /tmp/experiment-cap-log.*
}
trap cleanup EXIT
cleanup
bin=$(mktemp -d /tmp/experiment-cap-bin.XXXXXX)

dotnet build "$root/src/McastTools" -c Release -o "$bin" --nologo -v q > /dev/null
M="$bin/mcast"
echo "mcast built from $(git -C "$root" describe --always --dirty 2>/dev/null || echo this tree)" > "$out/tool-versions.txt"
iperf -v >> "$out/tool-versions.txt" 2>&1 || true

G=224.0.67.67
for n in "${names[@]}"; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip -n experiment-cap-sw link add br0 type bridge
ip -n experiment-cap-sw link set br0 up
for n in src pod srv; do
  ip -n experiment-cap-sw link add "p-$n" type veth peer name eth1 netns "experiment-cap-$n"
  ip -n experiment-cap-sw link set "p-$n" master br0 up
  ip -n "experiment-cap-$n" link set eth1 up
  ip -n "experiment-cap-$n" route add 224.0.0.0/4 dev eth1
done
ip -n experiment-cap-src addr add 10.0.0.12/24 dev eth1
ip -n experiment-cap-src addr add 10.0.0.254/24 dev eth1
ip -n experiment-cap-pod addr add 10.0.0.13/24 dev eth1
ip -n experiment-cap-srv addr add 10.0.0.14/24 dev eth1
ip -n experiment-cap-sw link add cni0 type veth peer name eth0 netns experiment-cap-pod
ip -n experiment-cap-sw addr add 10.244.0.1/24 dev cni0
ip -n experiment-cap-sw link set cni0 up
ip -n experiment-cap-pod addr add 10.244.0.5/24 dev eth0
ip -n experiment-cap-pod link set eth0 up

on() { local n=$1; shift; ip netns exec "experiment-cap-$n" "$@"; }
# Started in the background as `(start ...) &`: exec makes $! the program itself, for stop().
# The lab's receiver: `mcast recv` expecting everything (ReceiverArguments, Expectation.Everything).
recv_all() { exec ip netns exec "experiment-cap-$1" "$M" recv --group $G --port "$2" --format json --interval 1 --duration 65 --interface eth1 --expect-packets 400 --max-loss 0; }
# The lab's receiver that must hear nothing (control, node): no expectation, stopped by a signal.
recv_none() { exec ip netns exec "experiment-cap-$1" "$M" recv --group $G --port "$2" --format json --interval 1 --duration 65 --interface "$3"; }
iperf_client() { on src iperf -c $G -u --ttl 5 -t 5 -b 1M -p "$1" -B "$2"; }
mcast_send() { on src "$M" send --group $G --port "$1" --ttl 5 --rate 1M --duration 5 --bind "$2"; }
iperf_server() { exec ip netns exec experiment-cap-srv iperf -s -u -B "$G%eth1" -i 1 -p "$1"; }
stop() { kill "-$1" "$2"; wait "$2" && echo 0 || echo $?; }
# Waits (up to a minute) until a receiver says it joined: on a loaded machine a fixed sleep is not enough.
joined() { for _ in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "no '$2' in $1" >&2; return 1; }
log=$(mktemp /tmp/experiment-cap-log.XXXXXX)

# 1. outside-to-pods: the walkthrough's iperf client on mcastsrc; mcast recv in a pod, iperf's server in another.
(recv_all pod 5001 > "$out/mcast-recv.jsonl" 2> "$out/mcast-recv.stderr") & r=$!
(iperf_server 5001 > "$out/iperf-server-from-iperf.txt" 2>&1) & s=$!
joined "$out/mcast-recv.stderr" joined; joined "$out/iperf-server-from-iperf.txt" Joining
iperf_client 5001 10.0.0.12 > "$out/iperf-client.txt"
wait $r
sleep 1; stop INT $s > /dev/null

# 2. pod-bind: `mcast send --bind`; iperf's server (the walkthrough's receiver pod) and mcast recv hear it.
(recv_all pod 5004 > "$out/mcast-recv-from-mcast-send.jsonl" 2> "$log.2") & r=$!
(iperf_server 5004 > "$out/iperf-server.txt" 2>&1) & s=$!
joined "$log.2" joined; joined "$out/iperf-server.txt" Joining
mcast_send 5004 10.0.0.12 > "$out/mcast-send.txt" 2>&1
wait $r
sleep 1; stop INT $s > /dev/null

# 3. The negative control: joined on eth0 (the cluster network) during a send on the segment; stopped with
#    SIGTERM, as deleting its pod does (the cluster backend).
(recv_none pod 5002 eth0 > "$out/mcast-recv-control-eth0.jsonl" 2> "$out/mcast-recv-control-eth0.stderr") & r=$!
joined "$out/mcast-recv-control-eth0.stderr" joined
iperf_client 5002 10.0.0.12 > /dev/null
sleep 1
stop TERM $r > "$out/mcast-recv-control-eth0.exit"

# 4. The two-VM lab's sender pod, bound to the range's last address.
(recv_all pod 5002 > "$out/mcast-recv-from-254.jsonl" 2> "$log.4") & r=$!
joined "$log.4" joined
iperf_client 5002 10.0.0.254 > "$out/iperf-client-from-254.txt"
wait $r
# ... and its mcast send flows (by route, --interface), bound to the same address.
(recv_all pod 5003 > "$out/mcast-recv-from-mcast-send-254.jsonl" 2> "$log.4b") & r=$!
joined "$log.4b" joined
mcast_send 5003 10.0.0.254 > "$out/mcast-send-from-254.txt" 2>&1
wait $r

# 5. Exactly one datagram (iperf id 50) dropped on the way into the pod; a receiver beside it gets them all.
on pod iptables -A INPUT -p udp --dport 5001 -m u32 --u32 "0>>22&0x3C@8=50" -j DROP
(recv_all pod 5001 > "$out/mcast-recv-one-missing.jsonl" 2> "$log.5") & r=$!
(recv_all srv 5001 > "$out/mcast-recv-one-missing-beside.jsonl" 2> "$log.5b") & b=$!
joined "$log.5" joined; joined "$log.5b" joined
iperf_client 5001 10.0.0.12 > "$out/iperf-client-one-missing.txt"
wait $r || true; wait $b
on pod iptables -F INPUT

# 6. Every datagram twice: the sender's kernel clones each one (iptables TEE) to the pod; the receiver beside it gets each once.
on src iptables -t mangle -A POSTROUTING -p udp --dport 5003 -j TEE --gateway 10.0.0.13
(recv_all pod 5003 > "$out/mcast-recv-duplicated.jsonl" 2> "$log.6") & r=$!
(recv_all srv 5003 > "$out/mcast-recv-duplicated-beside.jsonl" 2> "$log.6b") & b=$!
joined "$log.6" joined; joined "$log.6b" joined
mcast_send 5003 10.0.0.12 > "$out/mcast-send-duplicated.txt" 2>&1
wait $r || true; wait $b
on src iptables -t mangle -F POSTROUTING

# 7. Junk on the flow's port beside the real stream: 20 datagrams of text from another socket of mcastsrc.
(recv_all pod 5005 > "$out/mcast-recv-with-junk.jsonl" 2> "$log.7") & r=$!
joined "$log.7" joined
mcast_send 5005 10.0.0.12 > "$out/mcast-send-with-junk.txt" 2>&1 & j=$!
for i in $(seq 20); do on src bash -c "echo not-an-iperf-datagram-$i > /dev/udp/$G/5005"; sleep 0.1; done
wait $j
wait $r || true

# 8. A control that hears only junk (no valid datagram): stopped with SIGINT, as the local lab stops it.
(recv_none pod 5006 eth1 > "$out/mcast-recv-only-invalid.jsonl" 2> "$log.8") & r=$!
joined "$log.8" joined
for i in $(seq 20); do on src bash -c "echo not-an-iperf-datagram-$i > /dev/udp/$G/5006"; sleep 0.05; done
sleep 1
stop INT $r > /dev/null

# 9. iperf's server that heard nothing before it was stopped (SIGINT, as the local lab stops it).
(iperf_server 5007 > "$out/iperf-server-heard-nothing.txt" 2>&1) & s=$!
joined "$out/iperf-server-heard-nothing.txt" Joining; sleep 2; stop INT $s > /dev/null

# 10. A receiver that cannot join: its interface does not exist in its namespace.
set +e
on pod "$M" recv --group $G --port 5001 --format json --interval 1 --duration 65 --interface eth9 --expect-packets 400 --max-loss 0 \
  > "$out/mcast-recv-unknown-interface.jsonl" 2> "$out/mcast-recv-unknown-interface.stderr"
echo $? > "$out/mcast-recv-unknown-interface.exit"
# 11. A sender killed two seconds in: it prints no count.
on src timeout -s KILL 2 iperf -c $G -u --ttl 5 -t 5 -b 1M -p 5001 -B 10.0.0.12 > "$out/iperf-client-killed.txt"
echo $? > "$out/iperf-client-killed.exit"
set -e

# 13. A full socket queue: the receiver (uid 65534, so its buffer is net.core.rmem_max) is stopped (SIGSTOP) while
#     mcast send bursts 2 s at 200M, resumed, then a second short send makes the socket report its drops
#     (SO_RXQ_OVFL comes with the next datagram); stopped with SIGINT.
(exec ip netns exec experiment-cap-pod setpriv --reuid=65534 --regid=65534 --clear-groups "$M" recv --group $G --port 5008 --format json --interval 1 --duration 65 --interface eth1 --expect-packets 400 --max-loss 0 \
  > "$out/mcast-recv-kernel-drops.jsonl" 2> "$log.13") & r=$!
joined "$log.13" joined
kill -STOP $r
on src "$M" send --group $G --port 5008 --ttl 5 --rate 200M --duration 2 > /dev/null 2>&1
# What the host side sees at once: the namespace's UDP counters (RcvbufErrors).
on pod cat /proc/net/snmp > "$out/snmp-kernel-drops.txt"
kill -CONT $r
mcast_send 5008 10.0.0.12 > /dev/null 2>&1
stop INT $r > /dev/null

# 12. CNI ADD results of the views' pods (Debian's containernetworking-plugins): eth0 from bridge + host-local
#     (the cluster network), eth1 from macvlan + host-local with the lab's attachment config; control: eth0 only.
export CNI_PATH=/usr/lib/cni CNI_COMMAND=ADD
for pod in pod-1 pod-2 sender control; do
  ns="experiment-cap-cni-$pod"; names+=("$ns")
  ip netns add "$ns"
  export CNI_CONTAINERID="experimentcap$pod" CNI_NETNS="/run/netns/$ns"
  CNI_IFNAME=eth0 ip netns exec experiment-cap-sw /usr/lib/cni/bridge > "$out/cni-$pod-eth0.json" <<'CONF'
{"cniVersion":"1.0.0","name":"cbr0","type":"bridge","bridge":"cni1","isDefaultGateway":true,
 "ipam":{"type":"host-local","subnet":"10.244.0.0/24","dataDir":"/tmp/experiment-cap-ipam"}}
CONF
  [ "$pod" = control ] && continue
  CNI_IFNAME=eth1 CNI_ARGS="IgnoreUnknown=true;K8S_POD_NAMESPACE=default;K8S_POD_NAME=$pod" ip netns exec experiment-cap-sw /usr/lib/cni/macvlan > "$out/cni-$pod-eth1.json" <<'CONF'
{"cniVersion":"1.0.0","name":"eth1-multicast","type":"macvlan","master":"br0","mode":"bridge",
 "ipam":{"type":"host-local","subnet":"10.0.0.0/24","rangeStart":"10.0.0.13","rangeEnd":"10.0.0.254",
 "routes":[{"dst":"224.0.0.0/4"}],"dataDir":"/tmp/experiment-cap-ipam"}}
CONF
done
echo "captured into $out"
