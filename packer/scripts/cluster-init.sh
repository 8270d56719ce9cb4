#!/usr/bin/env bash
# First boot of the k8s node (the Vagrantfile runs it as mcastlab-cluster-init): a single-node kubeadm
# cluster advertised on the lab segment, pods allowed on the control plane, flannel as the pod network.
# Idempotent: a node that already has a cluster only gets what is missing.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=kubeadm-node.sh
. "${MCASTLAB_LIB:-/usr/local/lib/mcastlab}/kubeadm-node.sh"

usage() {
  echo "usage: mcastlab-cluster-init --advertise-address IP --token TOKEN --node-name NAME --interface IFACE" \
    "--pod-cidr CIDR --flannel-url URL [--flannel-sha256 SHA256]" >&2
  exit 2
}

address="" token="" node="" interface="" cidr="" flannel_url="" flannel_sha256=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --advertise-address) address=$2 ;;
    --token) token=$2 ;;
    --node-name) node=$2 ;;
    --interface) interface=$2 ;;
    --pod-cidr) cidr=$2 ;;
    --flannel-url) flannel_url=$2 ;;
    --flannel-sha256) flannel_sha256=$2 ;;
    *) usage ;;
  esac
  shift 2 || usage
done
for value in "${address}" "${token}" "${node}" "${interface}" "${cidr}" "${flannel_url}"; do
  [[ -n ${value} ]] || usage
done

announce_node_ip "${address}"

if [[ ! -f /etc/kubernetes/admin.conf ]]; then
  kubeadm_node init \
    --kubernetes-version "$(kubeadm version -o short)" \
    --apiserver-advertise-address "${address}" \
    --apiserver-cert-extra-sans "${address}" \
    --pod-network-cidr "${cidr}" \
    --token "${token}" --token-ttl 0 \
    --node-name "${node}"
fi
# The folder first, as vagrant's: made by install's -D it would be root's, and kubectl as vagrant writes
# its cache there.
install -d -o vagrant -g vagrant -m 0700 /home/vagrant/.kube
install -o vagrant -g vagrant -m 0600 /etc/kubernetes/admin.conf /home/vagrant/.kube/config
export KUBECONFIG=/etc/kubernetes/admin.conf

# One node runs the lab's pods: let them onto the control plane.
taints=$(kubectl get node "${node}" -o jsonpath='{.spec.taints[*].key}')
if [[ " ${taints} " == *" node-role.kubernetes.io/control-plane "* ]]; then
  kubectl taint nodes "${node}" node-role.kubernetes.io/control-plane-
fi

if ! kubectl -n kube-flannel get daemonset kube-flannel-ds >/dev/null 2>&1; then
  manifest=$(mktemp --suffix=.yml)
  trap 'rm -f "${manifest}"' EXIT
  curl -fsSL -o "${manifest}" "${flannel_url}"
  if [[ -n ${flannel_sha256} ]]; then
    echo "${flannel_sha256}  ${manifest}" | sha256sum -c -
  else
    echo "warning: no sha256 pinned for ${flannel_url}; pin flannel-manifest-sha256 in mcastlab.json" >&2
  fi
  # flannel must carry pod traffic over the lab segment, not over the NAT interface.
  sed -i -E "s@^([[:space:]]*)- --kube-subnet-mgr\$@&\n\1- --iface=${interface}@" "${manifest}"
  kubectl apply -f "${manifest}"
fi
kubectl wait --for=condition=Ready "node/${node}" --timeout=300s
