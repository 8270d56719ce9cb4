#!/bin/sh
# Gives two kind nodes (containers) a second interface on one L2 segment, as Multus' own e2e does: a veth pair
# whose ends become eth1 in each node's network namespace. Usage: second-interface.sh NODE1 NODE2 [NAME]
# Run as root on the host of the nodes' engine.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 NODE1 NODE2 [INTERFACE]" >&2; exit 2; }
name=${3:-eth1}
first=$(docker inspect -f '{{.State.Pid}}' "$1")
second=$(docker inspect -f '{{.State.Pid}}' "$2")
# Temporary names on the host, unique per pair, then moved and renamed inside the nodes.
a="mcl$first"; b="mcl$second"
ip link add "$a" type veth peer name "$b"
ip link set "$a" netns "$first" name "$name"
ip link set "$b" netns "$second" name "$name"
nsenter -t "$first" -n ip link set "$name" up
nsenter -t "$second" -n ip link set "$name" up
echo "$1 and $2 share $name"
