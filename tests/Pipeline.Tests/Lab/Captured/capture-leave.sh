#!/bin/bash
# usage: capture-leave.sh SNOOPING(0|1) QUERIER(0|1) OUTPREFIX ; the lab's leave-timing probe behind a Linux bridge
M="${MCAST:-dotnet /work/wt/diag3/src/McastTools/bin/Debug/net10.0/mcast.dll}"
P=leavecap$$
ip netns add ${P}sw; ip netns add ${P}s; ip netns add ${P}r
ip -n ${P}sw link add br0 type bridge
ip -n ${P}sw link set br0 type bridge mcast_snooping $1 mcast_query_interval 400 mcast_query_response_interval 100 mcast_startup_query_interval 100 mcast_membership_interval 1000
ip -n ${P}sw link set br0 type bridge mcast_querier $2
for n in s r; do
  ip link add ${P}$n netns ${P}sw type veth peer name eth1 netns ${P}$n
  ip -n ${P}sw link set ${P}$n master br0 up
  [ "$1" = 1 ] && bridge -n ${P}sw link set dev ${P}$n mcast_flood off
  ip -n ${P}$n link set eth1 up; ip -n ${P}$n link set lo up
done
ip -n ${P}s addr add 10.0.0.13/24 dev eth1; ip -n ${P}r addr add 10.0.0.12/24 dev eth1
ip -n ${P}sw link set br0 up
sleep 2
ip netns exec ${P}r $M recv --group 224.0.67.67 --port 5006 --format json --interval 1 --duration 40 --interface eth1 --leave-after 2 --idle-timeout 3 > $3-receiver.txt 2>/dev/null &
sleep 1.5
ip netns exec ${P}s $M send --group 224.0.67.67 --port 5006 --ttl 5 --rate 1M --duration 8 --interface eth1 > $3-sender.txt 2>/dev/null
wait
ip netns del ${P}sw; ip netns del ${P}s; ip netns del ${P}r
