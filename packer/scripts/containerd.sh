#!/usr/bin/env bash
# containerd as Kubernetes' runtime (dockershim is gone since 1.24): the CRI plugin on (Docker's
# containerd.io package ships it disabled) and the systemd cgroup driver, as kubelet expects.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "${MCASTLAB_SCRIPTS:-/tmp/mcastlab-scripts}/common.sh"

mcastlab_os >/dev/null
if ! command -v containerd >/dev/null 2>&1; then
  echo "containerd is missing: the k8s box derives from the docker box, build that first" >&2
  exit 1
fi

config=$(containerd config default | sed -E 's/SystemdCgroup = false/SystemdCgroup = true/')
if ! grep -q 'SystemdCgroup = true' <<<"${config}"; then
  echo "containerd's default config has no SystemdCgroup switch; this containerd version is not supported" >&2
  exit 1
fi
write_file /etc/containerd/config.toml 0644 <<<"${config}"
systemctl enable containerd
if [[ ${MCASTLAB_CHANGED} == yes ]]; then
  systemctl restart containerd
else
  systemctl start containerd
fi

write_file /etc/crictl.yaml 0644 <<'CRICTL'
runtime-endpoint: unix:///run/containerd/containerd.sock
image-endpoint: unix:///run/containerd/containerd.sock
CRICTL
