# What the first-boot scripts (cluster-init.sh, cluster-join.sh) both do to a node, sourced by them.
# kubernetes.sh installs it on the k8s box as /usr/local/lib/mcastlab/kubeadm-node.sh.

# kubelet must announce the segment's address, not the NAT address of eth0.
announce_node_ip() {
  printf 'KUBELET_EXTRA_ARGS=--node-ip=%s\n' "$1" >/etc/sysconfig/kubelet
}

# kubeadm SUBCOMMAND ARGS... against containerd, as every lab node runs it, skipping the preflight checks
# the box's OS fails though the lab works (CentOS 7's 3.10 kernel fails SystemVerification): kubernetes.sh
# wrote them from the var file into kubeadm-node.env beside this file.
# (bash 4.2 on CentOS 7 treats an empty array as unset under set -u, hence the ${x[@]+...} form.)
kubeadm_node() {
  local subcommand=$1 ignore=() env_file=${MCASTLAB_LIB:-/usr/local/lib/mcastlab}/kubeadm-node.env
  shift
  local MCASTLAB_KUBEADM_IGNORE_PREFLIGHT_ERRORS=
  # shellcheck source=/dev/null
  if [[ -f ${env_file} ]]; then . "${env_file}"; fi
  if [[ -n ${MCASTLAB_KUBEADM_IGNORE_PREFLIGHT_ERRORS} ]]; then
    ignore=(--ignore-preflight-errors="${MCASTLAB_KUBEADM_IGNORE_PREFLIGHT_ERRORS}")
  fi
  kubeadm "${subcommand}" ${ignore[@]+"${ignore[@]}"} "$@" --cri-socket unix:///run/containerd/containerd.sock
}
