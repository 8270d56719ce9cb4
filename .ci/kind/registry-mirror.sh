#!/bin/sh
# Lets kind nodes pull what ./build.sh Push put in the registry at 127.0.0.1:PORT on this host: inside a node
# 127.0.0.1 is the node itself, so containerd is told (hosts.toml in /etc/containerd/certs.d, read at each pull)
# to fetch 127.0.0.1:PORT from this host's address on the nodes' network, over plain HTTP.
# Usage: registry-mirror.sh PORT NODE...   (the registry must listen on that address too, e.g. addr :PORT)
set -eu
[ $# -ge 2 ] || { echo "usage: $0 PORT NODE..." >&2; exit 2; }
port=$1; shift
for node in "$@"; do
    network=$(docker inspect -f '{{range $name, $n := .NetworkSettings.Networks}}{{$name}} {{end}}' "$node" | cut -d' ' -f1)
    gateway=$(docker network inspect -f '{{range .IPAM.Config}}{{.Gateway}} {{end}}' "$network" | cut -d' ' -f1)
    [ -n "$gateway" ] || { echo "$node: its network $network has no gateway address" >&2; exit 1; }
    docker exec "$node" mkdir -p "/etc/containerd/certs.d/127.0.0.1:$port"
    printf 'server = "http://127.0.0.1:%s"\n\n[host."http://%s:%s"]\n  capabilities = ["pull", "resolve"]\n' "$port" "$gateway" "$port" |
        docker exec -i "$node" sh -c "cat > '/etc/containerd/certs.d/127.0.0.1:$port/hosts.toml'"
    echo "$node: 127.0.0.1:$port from http://$gateway:$port"
done
