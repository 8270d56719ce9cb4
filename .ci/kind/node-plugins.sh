#!/bin/sh
# Copies the CNI plugins the lab's attachment uses (macvlan, host-local) into each kind node's /opt/cni/bin,
# from this host's containernetworking-plugins package (the plugins the local lab uses too; kind's node image
# ships host-local but not macvlan). Usage: node-plugins.sh NODE...
set -eu
[ $# -ge 1 ] || { echo "usage: $0 NODE..." >&2; exit 2; }
for plugins in /usr/lib/cni /opt/cni/bin; do [ -x "$plugins/macvlan" ] && break; done
[ -x "$plugins/macvlan" ] || { echo "macvlan is not installed here: apt-get install containernetworking-plugins" >&2; exit 1; }
for node in "$@"; do
    for plugin in macvlan host-local; do docker cp "$plugins/$plugin" "$node:/opt/cni/bin/$plugin"; done
    echo "$node: macvlan and host-local from $plugins"
done
