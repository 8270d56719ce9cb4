#!/usr/bin/env bash
# CentOS 7's package repositories (centos7's docker var file runs it before repositories.sh): the OS is
# end-of-life, its mirror list is gone and the last packages (7.9.2009) live on vault.centos.org.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "${MCASTLAB_SCRIPTS:-/tmp/mcastlab-scripts}/common.sh"

mcastlab_os >/dev/null
write_file /etc/yum.repos.d/CentOS-Base.repo 0644 <<'REPO'
# CentOS 7 is end-of-life: the packages stay on vault.centos.org (written by McastLab's centos7-vault.sh).
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
