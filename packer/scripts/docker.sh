#!/usr/bin/env bash
# Docker CE, pinned (26.1.x is the last line built for el7), with the systemd cgroup driver that kubelet
# uses too. Its containerd.io package is the container runtime of the k8s boxes.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "${MCASTLAB_SCRIPTS:-/tmp/mcastlab-scripts}/common.sh"

mcastlab_os >/dev/null
require MCASTLAB_DOCKER_CE_VERSION
require MCASTLAB_CONTAINERD_IO_VERSION
version=${MCASTLAB_DOCKER_CE_VERSION}
containerd_version=${MCASTLAB_CONTAINERD_IO_VERSION}

write_file /etc/yum.repos.d/docker-ce.repo 0644 <<'REPO'
[docker-ce-stable]
name=Docker CE Stable - $basearch
baseurl=https://download.docker.com/linux/centos/$releasever/$basearch/stable
enabled=1
gpgcheck=1
gpgkey=https://download.docker.com/linux/centos/gpg
REPO

# Packages of the base box that conflict with Docker's (Rocky Linux's podman stack brings its own runc):
# remove_packages in the OS's docker var file.
while IFS= read -r package; do
  if rpm -q "${package}" >/dev/null 2>&1; then "$(package_tool)" -y remove "${package}"; fi
done < <(list_items MCASTLAB_REMOVE_PACKAGES)

# containerd.io is pinned too: it is the k8s boxes' container runtime, and part of the box's inputs.
installed=$(rpm -q --qf '%{VERSION}' docker-ce 2>/dev/null || true)
installed_containerd=$(rpm -q --qf '%{VERSION}' containerd.io 2>/dev/null || true)
if [[ ${installed} != "${version}" || ${installed_containerd} != "${containerd_version}" ]]; then
  "$(package_tool)" -y install "docker-ce-${version}" "docker-ce-cli-${version}" "containerd.io-${containerd_version}"
fi

write_file /etc/docker/daemon.json 0644 <<'JSON'
{
  "exec-opts": ["native.cgroupdriver=systemd"],
  "log-driver": "json-file",
  "log-opts": { "max-size": "10m", "max-file": "3" }
}
JSON
systemctl enable docker
if [[ ${MCASTLAB_CHANGED} == yes ]]; then
  systemctl restart docker
else
  systemctl start docker
fi
usermod -aG docker vagrant
docker version --format 'Docker {{.Server.Version}} is running'
