# shellcheck shell=bash disable=SC2034  # MCASTLAB_CHANGED is read by the scripts that source this file
# Sourced by the provisioning scripts: which OS this is, and a file writer that touches only what changes
# (so that a re-run restarts nothing and the scripts stay idempotent).

# Prints the OS the var file names (MCASTLAB_OS) once /etc/os-release shows the system the var file says it
# runs (MCASTLAB_OS_RELEASE_ID, ID:VERSION_ID major such as centos:7); fails on any other system. What differs
# between OSes comes from the var files as data, so no script names an OS.
mcastlab_os() {
  local id version
  if [[ -z ${MCASTLAB_OS:-} || -z ${MCASTLAB_OS_RELEASE_ID:-} ]]; then
    echo "MCASTLAB_OS and MCASTLAB_OS_RELEASE_ID are not set: the var file (packer/vars/<os>/) sets os and os_release" >&2
    return 1
  fi
  # (MCASTLAB_OS_RELEASE: the tests point it at another os-release.)
  # shellcheck source=/dev/null
  id=$(. "${MCASTLAB_OS_RELEASE:-/etc/os-release}" && echo "${ID}")
  # shellcheck source=/dev/null
  version=$(. "${MCASTLAB_OS_RELEASE:-/etc/os-release}" && echo "${VERSION_ID%%.*}")
  if [[ ${id}:${version} != "${MCASTLAB_OS_RELEASE_ID}" ]]; then
    echo "the var file says ${MCASTLAB_OS} (${MCASTLAB_OS_RELEASE_ID}) but the source box runs ${id}:${version}: fix source_box or os_release" >&2
    return 1
  fi
  echo "${MCASTLAB_OS}"
}

# The comma-separated list in the environment variable NAME, one item per line (none for an empty list).
list_items() {
  local item items
  IFS=, read -ra items <<<"${!1:-}"
  for item in ${items[@]+"${items[@]}"}; do
    [[ -n ${item} ]] && echo "${item}"
  done
  return 0
}

MCASTLAB_CHANGED=no

# write_file PATH MODE < CONTENT: replaces PATH only when CONTENT differs; sets MCASTLAB_CHANGED=yes|no.
write_file() {
  local path=$1 mode=$2 staged
  staged=$(mktemp)
  cat >"${staged}"
  if [[ -f ${path} ]] && cmp -s "${staged}" "${path}"; then
    rm -f "${staged}"
    MCASTLAB_CHANGED=no
    return 0
  fi
  install -D -m "${mode}" "${staged}" "${path}"
  rm -f "${staged}"
  echo "wrote ${path}"
  MCASTLAB_CHANGED=yes
}

# The package tool of the system: yum on CentOS 7, dnf on Rocky Linux 9.
package_tool() {
  if command -v dnf >/dev/null 2>&1; then echo dnf; else echo yum; fi
}

# require NAME: stops with a message when the environment variable NAME is empty.
require() {
  if [[ -z ${!1:-} ]]; then
    echo "${1} is not set: the pipeline passes it from mcastlab.json (packer -var)" >&2
    return 1
  fi
}

# The packages of the lab's tools (curl, tcpdump) that this system lacks. EL9 images carry curl-minimal,
# which provides curl and conflicts with the curl package, so curl is asked for only when no curl runs.
missing_tool_packages() {
  local tool packages=()
  for tool in curl tcpdump; do
    command -v "${tool}" >/dev/null 2>&1 || packages+=("${tool}")
  done
  echo "${packages[*]+${packages[*]}}"
}

# set_sandbox_image CONFIG IMAGE: points containerd's CRI sandbox (pause) image at IMAGE, the one kubeadm
# pulls and expects (containerd's default differs); sets MCASTLAB_CHANGED=yes|no. containerd 1.x names
# the key sandbox_image, 2.x sandbox.
set_sandbox_image() {
  local config=$1 image=$2
  if ! grep -Eq '^[[:space:]]*sandbox(_image)?[[:space:]]*=' "${config}"; then
    echo "${config} has no sandbox_image (containerd 1.x) or sandbox (2.x) setting; this containerd is not supported" >&2
    return 1
  fi
  # (Not a pipe: write_file must run in this shell to set MCASTLAB_CHANGED.)
  write_file "${config}" 0644 < <(sed -E "s@^([[:space:]]*sandbox(_image)?[[:space:]]*=[[:space:]]*).*\$@\1\"${image}\"@" "${config}")
}
