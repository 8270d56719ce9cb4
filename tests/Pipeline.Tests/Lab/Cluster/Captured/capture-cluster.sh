#!/bin/bash
# Captures for the cluster backend's stub: run as root. Namespaces mclcap-a (sender), mclcap-b (pod), mclcap-c (cluster network peer).
set -eu
M=${MCAST:-mcast}   # the mcast command (dotnet build src/McastTools -o DIR; MCAST=DIR/mcast)
OUT=$1
for n in mclcap-a mclcap-b mclcap-c; do ip netns add $n; done
trap 'for n in mclcap-a mclcap-b mclcap-c; do ip netns del $n; done' EXIT
ip link add mclcapx type veth peer name mclcapy
ip link set mclcapx netns mclcap-a; ip link set mclcapy netns mclcap-b
ip -n mclcap-a link set mclcapx name eth1; ip -n mclcap-b link set mclcapy name eth1
ip link add mclcapz type veth peer name mclcapw
ip link set mclcapz netns mclcap-b; ip link set mclcapw netns mclcap-c
ip -n mclcap-b link set mclcapz name eth0
ip -n mclcap-a addr add 10.0.0.12/24 dev eth1; ip -n mclcap-a addr add 10.0.0.254/24 dev eth1
ip -n mclcap-b addr add 10.0.0.13/24 dev eth1; ip -n mclcap-b addr add 10.244.0.5/24 dev eth0
ip -n mclcap-c addr add 10.244.0.1/24 dev mclcapw
for n in mclcap-a mclcap-b mclcap-c; do ip -n $n link set lo up; done
ip -n mclcap-a link set eth1 up; ip -n mclcap-b link set eth1 up; ip -n mclcap-b link set eth0 up; ip -n mclcap-c link set mclcapw up
ip -n mclcap-a route add 224.0.0.0/4 dev eth1
# 1: the control: joined on eth0 while iperf sends on the segment, stopped by SIGTERM as a deleted pod is.
ip netns exec mclcap-b $M recv --group 224.0.67.67 --port 5002 --interface eth0 --format json --interval 1 > $OUT/mcast-recv-control-eth0.jsonl 2>$OUT/mcast-recv-control-eth0.stderr &
R=$!
sleep 1
ip netns exec mclcap-a iperf -c 224.0.67.67 -u --ttl 5 -t 5 -b 1M -B 10.0.0.12 -p 5002 > /dev/null
sleep 1
kill -TERM $R; wait $R || echo $? > $OUT/mcast-recv-control-eth0.exit
# 2: a sender at the range's last address (the two-VM lab's sender pod).
ip netns exec mclcap-b $M recv --group 224.0.67.67 --port 5002 --interface eth1 --format json --interval 1 --duration 65 --expect-packets 400 --max-loss 0 > $OUT/mcast-recv-from-254.jsonl 2>/dev/null &
R=$!
sleep 1
ip netns exec mclcap-a iperf -c 224.0.67.67 -u --ttl 5 -t 5 -b 1M -B 10.0.0.254 -p 5002 > $OUT/iperf-client-from-254.txt
wait $R
