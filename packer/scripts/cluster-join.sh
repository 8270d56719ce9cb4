#!/usr/bin/env bash
# First boot of a worker (the Vagrantfile runs it as mcastlab-cluster-join): joins the k8s node's cluster
# with the bootstrap token both were given. Idempotent: a node that has joined is left alone.
set -euo pipefail

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

printf 'KUBELET_EXTRA_ARGS=--node-ip=%s\n' "${address}" >/etc/sysconfig/kubelet

# (bash 4.2 on CentOS 7 treats an empty array as unset under set -u, hence the ${x[@]+...} form.)
ignore=()
if grep -q '^VERSION_ID="7"' /etc/os-release; then
  ignore=(--ignore-preflight-errors=SystemVerification)
fi

if [[ ! -f /etc/kubernetes/kubelet.conf ]]; then
  # The CA is not known before the control plane exists; on the lab's private segment the token alone
  # authenticates the join.
  kubeadm join "${control_plane}" ${ignore[@]+"${ignore[@]}"} \
    --token "${token}" \
    --discovery-token-unsafe-skip-ca-verification \
    --node-name "${node}" \
    --cri-socket unix:///run/containerd/containerd.sock
fi
