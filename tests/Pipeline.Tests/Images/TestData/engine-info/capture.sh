#!/bin/sh
# Captures the Docker engine's GET /info (its RegistryConfig decides plain HTTP or HTTPS per registry) from
#  1. the shared engine as it runs here (default settings: only 127.0.0.0/8 insecure) -> default-engine.json;
#  2. a second, private dockerd started with two insecure registries (a CIDR and a host:port), because the
#     shared engine must not be restarted to change its list -> insecure-engine.json.
# Run as root from this folder: sh capture.sh. The private engine runs with its own roots, no iptables rules and
# in a network namespace of its own (unshare --net): with --bridge=none an engine deletes any interface named
# docker0 it sees, which would be the shared engine's. It is stopped and removed at the end.
set -eu
curl -sf --unix-socket /var/run/docker.sock http://localhost/v1.41/info > default-engine.json

work=$(mktemp -d /tmp/mcastlab-engine-XXXXXX)
unshare --net dockerd --data-root "$work/data" --exec-root "$work/exec" --pidfile "$work/dockerd.pid" \
    -H "unix://$work/docker.sock" --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
    --insecure-registry 10.213.7.0/24 --insecure-registry lan-registry.example:5000 > "$work/dockerd.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 60); do curl -sf --unix-socket "$work/docker.sock" http://localhost/_ping >/dev/null 2>&1 && break; sleep 0.5; done
curl -sf --unix-socket "$work/docker.sock" http://localhost/v1.41/info > insecure-engine.json
