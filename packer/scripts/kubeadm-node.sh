# What the first-boot scripts (cluster-init.sh, cluster-join.sh) both do to a node, sourced by them.
# kubernetes.sh installs it on the k8s box as /usr/local/lib/mcastlab/kubeadm-node.sh.

# kubelet must announce the segment's address, not the NAT address of eth0.
announce_node_ip() {
  printf 'KUBELET_EXTRA_ARGS=--node-ip=%s\n' "$1" >/etc/sysconfig/kubelet
}

# kubeadm SUBCOMMAND ARGS... against containerd, as every lab node runs it.
# CentOS 7's 3.10 kernel fails kubeadm's kernel check; everything the lab needs works on it.
# (MCASTLAB_OS_RELEASE: the tests point it at a CentOS 7 and a Rocky 9 os-release.)
# (bash 4.2 on CentOS 7 treats an empty array as unset under set -u, hence the ${x[@]+...} form.)
kubeadm_node() {
  local subcommand=$1 ignore=()
  shift
  if grep -q '^VERSION_ID="7"' "${MCASTLAB_OS_RELEASE:-/etc/os-release}"; then
    ignore=(--ignore-preflight-errors=SystemVerification)
  fi
  kubeadm "${subcommand}" ${ignore[@]+"${ignore[@]}"} "$@" --cri-socket unix:///run/containerd/containerd.sock
}
