# Inputs of every box. The per-box var files (vars/<os>/<box>.pkrvars.hcl) name the box, its OS and its scripts,
# and hold what the scripts do differently on that OS; the pipeline passes the pins from mcastlab.json (-var),
# what its OS record knows (kubernetes_minor_max), and where the source box and the output go.

variable "box_name" {
  type        = string
  description = "Name of the box this build makes, e.g. docker-centos7."
}

variable "os" {
  type        = string
  description = "The OS of the box, such as centos7 (its var files are in vars/<os>/)."
}

variable "os_release" {
  type        = string
  description = "ID:VERSION_ID major of the source box's /etc/os-release, such as centos:7: the scripts refuse any other system."
}

variable "remove_packages" {
  type        = list(string)
  default     = []
  description = "Packages of the base box that conflict with Docker's containerd.io (Rocky Linux's podman stack), removed before Docker goes in."
}

variable "kubeadm_ignore_preflight_errors" {
  type        = string
  default     = ""
  description = "kubeadm preflight checks the nodes skip at init and join, comma-separated (CentOS 7's 3.10 kernel fails SystemVerification)."
}

variable "kubernetes_minor_max" {
  type        = string
  default     = ""
  description = "Newest Kubernetes minor the OS runs (CentOS 7: 1.34, cgroup v1 only); empty for no limit. From the pipeline's OS record."
}

variable "source_box" {
  type        = string
  description = "Vagrant Cloud name of the base box, or the path of the .box file this box derives from."
}

variable "source_box_version" {
  type        = string
  default     = ""
  description = "Exact version of a Vagrant Cloud base box; empty for a .box file."
}

variable "source_box_checksum" {
  type        = string
  default     = ""
  description = "sha256 of a .box file source, checked before the build starts; empty when not pinned."
}

variable "provider" {
  type        = string
  default     = "virtualbox"
  description = "Vagrant provider that runs the build VM and that the box is for: virtualbox or libvirt."
}

variable "output_directory" {
  type        = string
  default     = "../../artifacts/boxes/build"
  description = "Directory the packaged box (package.box) is written to; it must not exist yet."
}

variable "scripts_directory" {
  type        = string
  default     = ""
  description = "Directory of the provisioning scripts; empty means packer/scripts next to the templates."
}

variable "scripts" {
  type        = list(string)
  description = "Provisioning scripts of this box, in order (file names in scripts_directory)."
}

variable "docker_ce_version" {
  type        = string
  default     = ""
  description = "Docker CE version to install (26.1.4 is the last el7 line); from mcastlab.json."
}

variable "containerd_io_version" {
  type        = string
  default     = ""
  description = "containerd.io version from Docker's repository, the k8s boxes' runtime; from mcastlab.json."
}

variable "kubernetes_minor" {
  type        = string
  default     = ""
  description = "Kubernetes minor of the pkgs.k8s.io repository (at most 1.34 on CentOS 7); from mcastlab.json."
}

locals {
  scripts_directory = var.scripts_directory == "" ? "${path.root}/../scripts" : var.scripts_directory

  # What the build VM boots. Packer's own Vagrantfile boots a .box file by its path, which Vagrant adds
  # once under that name and reuses ever after (hashicorp/packer#8245), and boots a catalog box at its
  # newest installed version. So build-vm.Vagrantfile boots box_name instead:
  # - a .box file: the name Packer adds it under, unique to its sha256 (the pipeline removes it afterwards);
  # - a catalog box (ORG/NAME): NAME@VERSION, the pinned version (Packer uses box_name only for .box files);
  # - a bare name such as docker-centos7: a box already registered with Vagrant, booted as it is (no
  #   `vagrant box add`, which would look the name up in the public catalog).
  # (Packer 1.6 locals cannot read each other, hence the repeated tests: ".box" suffix, "/" in the name.)
  build_vm_box = (trimsuffix(var.source_box, ".box") != var.source_box
    ? "mcastlab-${var.box_name}-from-${substr(var.source_box_checksum, 0, 16)}"
    : (replace(var.source_box, "/", "") == var.source_box ? var.source_box : "${var.source_box}@${var.source_box_version}"))
  source_is_registered = trimsuffix(var.source_box, ".box") == var.source_box && replace(var.source_box, "/", "") == var.source_box
}
