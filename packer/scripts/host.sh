#!/usr/bin/env bash
# What kubeadm and macvlan need from the host: swap off, br_netfilter and forwarding, SELinux permissive,
# firewalld off (its default zone drops the multicast and the pod traffic of the lab).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "${MCASTLAB_SCRIPTS:-/tmp/mcastlab-scripts}/common.sh"

mcastlab_os >/dev/null

# Swap: off now and at every boot (kubelet refuses to start with swap on by default).
swapoff -a
sed -i -E 's@^([^#].*[[:space:]]swap[[:space:]].*)$@# \1@' /etc/fstab

write_file /etc/modules-load.d/mcastlab-kubernetes.conf 0644 <<'MODULES'
overlay
br_netfilter
MODULES
modprobe overlay
modprobe br_netfilter

write_file /etc/sysctl.d/90-mcastlab-kubernetes.conf 0644 <<'SYSCTL'
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.ipv4.ip_forward = 1
SYSCTL
sysctl --system >/dev/null

if command -v getenforce >/dev/null 2>&1 && [[ $(getenforce) == Enforcing ]]; then
  setenforce 0
fi
if [[ -f /etc/selinux/config ]]; then
  sed -i -E 's/^SELINUX=enforcing$/SELINUX=permissive/' /etc/selinux/config
fi

if systemctl list-unit-files firewalld.service >/dev/null 2>&1 && systemctl is-enabled --quiet firewalld 2>/dev/null; then
  systemctl disable --now firewalld
fi

# tcpdump: to watch the multicast stream on eth1 when something does not arrive.
read -r -a packages <<<"$(missing_tool_packages)"
if [[ ${#packages[@]} -gt 0 ]]; then
  "$(package_tool)" -y install "${packages[@]}"
fi
