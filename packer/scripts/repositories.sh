#!/usr/bin/env bash
# The package metadata, from repositories that answer: an OS whose mirrors are gone points them elsewhere first
# (a script of its own in its docker var file, such as centos7-vault.sh).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "${MCASTLAB_SCRIPTS:-/tmp/mcastlab-scripts}/common.sh"

mcastlab_os >/dev/null
"$(package_tool)" -y makecache
