#!/usr/bin/env bash
# First boot of a worker (the Vagrantfile runs it as mcastlab-cluster-join): joins the k8s node's cluster
# with the bootstrap token both were given. Idempotent: a node that has joined is left alone.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=kubeadm-node.sh
. "${MCASTLAB_LIB:-/usr/local/lib/mcastlab}/kubeadm-node.sh"

usage() {
  echo "usage: mcastlab-cluster-join --control-plane IP:PORT --token TOKEN --node-ip IP --node-name NAME" >&2
  exit 2
}

control_plane="" token="" address="" node=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --control-plane) control_plane=$2 ;;
    --token) token=$2 ;;
    --node-ip) address=$2 ;;
    --node-name) node=$2 ;;
    *) usage ;;
  esac
  shift 2 || usage
done
for value in "${control_plane}" "${token}" "${address}" "${node}"; do
  [[ -n ${value} ]] || usage
done

announce_node_ip "${address}"

if [[ ! -f /etc/kubernetes/kubelet.conf ]]; then
  # The CA is not known before the control plane exists; on the lab's private segment the token alone
  # authenticates the join.
  kubeadm_node join "${control_plane}" \
    --token "${token}" \
    --discovery-token-unsafe-skip-ca-verification \
    --node-name "${node}"
fi
