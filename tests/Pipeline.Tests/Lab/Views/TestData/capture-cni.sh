#!/usr/bin/env bash
# Captures real CNI ADD results (Debian's containernetworking-plugins 1.1.1) for the pods of the views' fixture:
# eth0 from bridge + host-local (the primary network's role, pod subnet 10.244.0.0/24), eth1 from macvlan +
# host-local with the lab's NetworkAttachmentDefinition config; the control pod gets eth0 only.
# Run as root from this directory: ./capture-cni.sh  → cni-<pod>-<ifname>.json
set -euo pipefail
pods=(pod-1 pod-2 iperf-pod control)
cleanup() { for p in "${pods[@]}"; do ip netns del "vw15-$p" 2>/dev/null || true; done; ip netns del vw15-node 2>/dev/null || true; rm -rf /tmp/vw15-ipam; }
trap cleanup EXIT
cleanup
ip netns add vw15-node
ip -n vw15-node link add eth1 type veth peer name eth1-peer
ip -n vw15-node addr add 10.0.0.11/24 dev eth1; ip -n vw15-node link set eth1 up
export CNI_PATH=/usr/lib/cni CNI_COMMAND=ADD
for pod in "${pods[@]}"; do
  ip netns add "vw15-$pod"
  export CNI_CONTAINERID="vw15$pod" CNI_NETNS="/run/netns/vw15-$pod"
  CNI_IFNAME=eth0 ip netns exec vw15-node /usr/lib/cni/bridge > "cni-$pod-eth0.json" <<'CONF'
{"cniVersion":"1.0.0","name":"cbr0","type":"bridge","bridge":"cni0","isDefaultGateway":true,
 "ipam":{"type":"host-local","subnet":"10.244.0.0/24","dataDir":"/tmp/vw15-ipam"}}
CONF
  [ "$pod" = control ] && continue
  CNI_IFNAME=eth1 CNI_ARGS="IgnoreUnknown=true;K8S_POD_NAMESPACE=default;K8S_POD_NAME=$pod" ip netns exec vw15-node /usr/lib/cni/macvlan > "cni-$pod-eth1.json" <<'CONF'
{"cniVersion":"1.0.0","name":"eth1-multicast","type":"macvlan","master":"eth1","mode":"bridge",
 "ipam":{"type":"host-local","subnet":"10.0.0.0/24","rangeStart":"10.0.0.13","rangeEnd":"10.0.0.254","gateway":"10.0.0.1",
 "routes":[{"dst":"224.0.0.0/4","gw":"10.0.0.1"}],"dataDir":"/tmp/vw15-ipam"}}
CONF
done
