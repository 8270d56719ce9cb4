#!/usr/bin/env bash
# kubeadm, kubelet and kubectl from pkgs.k8s.io (one repository per minor; packages.cloud.google.com is
# gone), the control-plane images pre-pulled, and the first-boot scripts that init or join the cluster.
# The cluster itself is made at first boot, not here: see README "Boxes and the two-VM lab".
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "${MCASTLAB_SCRIPTS:-/tmp/mcastlab-scripts}/common.sh"

mcastlab_os >/dev/null
require MCASTLAB_KUBERNETES_MINOR
minor=${MCASTLAB_KUBERNETES_MINOR}
if [[ ! ${minor} =~ ^1\.[0-9]+$ ]]; then
  echo "MCASTLAB_KUBERNETES_MINOR must be a minor such as 1.34 (got ${minor})" >&2
  exit 1
fi
# The OS's newest minor, from its record in the pipeline (CentOS 7: 1.34, cgroup v1 only, which kubelet 1.35
# and newer refuse by default); empty when the OS has no limit.
max=${MCASTLAB_KUBERNETES_MINOR_MAX:-}
if [[ -n ${max} && ${minor#1.} -gt ${max#1.} ]]; then
  echo "Kubernetes ${minor} does not run on ${MCASTLAB_OS}: use ${max} or older there" >&2
  exit 1
fi

write_file /etc/yum.repos.d/kubernetes.repo 0644 <<REPO
[kubernetes]
name=Kubernetes v${minor}
baseurl=https://pkgs.k8s.io/core:/stable:/v${minor}/rpm/
enabled=1
gpgcheck=1
gpgkey=https://pkgs.k8s.io/core:/stable:/v${minor}/rpm/repodata/repomd.xml.key
exclude=kubelet kubeadm kubectl cri-tools kubernetes-cni
REPO

installed=$(rpm -q --qf '%{VERSION}' kubeadm 2>/dev/null || true)
if [[ ${installed} != "${minor}".* ]]; then
  "$(package_tool)" -y install --disableexcludes=kubernetes kubelet kubeadm kubectl
fi
# kubeadm starts kubelet at init or join, on first boot.
systemctl enable kubelet

version=$(kubeadm version -o short)
# kubelet's pods run in containerd's sandbox image: make it the pause image this kubeadm pulls.
set_sandbox_image /etc/containerd/config.toml "$(kubeadm config images list --kubernetes-version "${version}" | grep '/pause:')"
if [[ ${MCASTLAB_CHANGED} == yes ]]; then
  systemctl restart containerd
fi
kubeadm config images pull --kubernetes-version "${version}" \
  --cri-socket unix:///run/containerd/containerd.sock

# The first-boot scripts and what they share (kubeadm-node.sh, where they source it), with the OS's kubeadm
# preflight exceptions (kubeadm_ignore_preflight_errors in its k8s var file) beside it.
install -D -m 0644 "${MCASTLAB_SCRIPTS:-/tmp/mcastlab-scripts}/kubeadm-node.sh" /usr/local/lib/mcastlab/kubeadm-node.sh
write_file /usr/local/lib/mcastlab/kubeadm-node.env 0644 <<<"MCASTLAB_KUBEADM_IGNORE_PREFLIGHT_ERRORS=${MCASTLAB_KUBEADM_IGNORE_PREFLIGHT_ERRORS:-}"
install -m 0755 "${MCASTLAB_SCRIPTS:-/tmp/mcastlab-scripts}/cluster-init.sh" /usr/local/sbin/mcastlab-cluster-init
install -m 0755 "${MCASTLAB_SCRIPTS:-/tmp/mcastlab-scripts}/cluster-join.sh" /usr/local/sbin/mcastlab-cluster-join
kubeadm version -o short
