#!/usr/bin/env bash
# Package repositories that still answer. CentOS 7 is end-of-life: its mirror list is gone and the last
# packages (7.9.2009) live on vault.centos.org. Rocky Linux 9 keeps its own mirrors.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "${MCASTLAB_SCRIPTS:-/tmp/mcastlab-scripts}/common.sh"

os=$(mcastlab_os)
if [[ ${os} == centos7 ]]; then
  write_file /etc/yum.repos.d/CentOS-Base.repo 0644 <<'REPO'
# CentOS 7 is end-of-life: the packages stay on vault.centos.org (written by McastLab's repositories.sh).
[base]
name=CentOS-7.9.2009 - Base
baseurl=https://vault.centos.org/7.9.2009/os/$basearch/
gpgcheck=1
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7

[updates]
name=CentOS-7.9.2009 - Updates
baseurl=https://vault.centos.org/7.9.2009/updates/$basearch/
gpgcheck=1
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7

[extras]
name=CentOS-7.9.2009 - Extras
baseurl=https://vault.centos.org/7.9.2009/extras/$basearch/
gpgcheck=1
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7
REPO
  if [[ ${MCASTLAB_CHANGED} == yes ]]; then
    yum clean all
  fi
fi
"$(package_tool)" -y makecache
