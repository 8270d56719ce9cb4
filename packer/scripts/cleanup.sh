#!/usr/bin/env bash
# Leaves a small, clean box: no package caches, no copied scripts, and an empty machine-id so that every
# VM made from the box gets its own (DHCP client ids and node identities derive from it).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "${MCASTLAB_SCRIPTS:-/tmp/mcastlab-scripts}/common.sh"

mcastlab_os >/dev/null
"$(package_tool)" clean all
rm -rf /var/cache/yum /var/cache/dnf
truncate -s 0 /etc/machine-id
rm -rf "${MCASTLAB_SCRIPTS:-/tmp/mcastlab-scripts}"
