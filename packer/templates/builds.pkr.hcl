# The scripts run as root, stop at their first error, and are idempotent (a re-run changes nothing).
build {
  name    = "box"
  sources = ["source.vagrant.box"]

  # Packer's file upload (scp) does not create a missing destination folder: the scripts would land as one
  # file named mcastlab-scripts. So the folder is made first, and the upload fills it. Every box needs this,
  # since cleanup.sh removes the folder from the box it leaves behind.
  provisioner "shell" {
    inline = ["mkdir -p /tmp/mcastlab-scripts"]
  }

  # The k8s boxes install first-boot scripts (cluster-init.sh, cluster-join.sh, kubeadm-node.sh) from this copy.
  provisioner "file" {
    source      = "${local.scripts_directory}/"
    destination = "/tmp/mcastlab-scripts"
  }

  provisioner "shell" {
    execute_command = "sudo {{ .Vars }} bash '{{ .Path }}'"
    environment_vars = [
      "MCASTLAB_OS=${var.os}",
      "MCASTLAB_OS_RELEASE_ID=${var.os_release}",
      "MCASTLAB_REMOVE_PACKAGES=${join(",", var.remove_packages)}",
      "MCASTLAB_KUBEADM_IGNORE_PREFLIGHT_ERRORS=${var.kubeadm_ignore_preflight_errors}",
      "MCASTLAB_KUBERNETES_MINOR_MAX=${var.kubernetes_minor_max}",
      "MCASTLAB_DOCKER_CE_VERSION=${var.docker_ce_version}",
      "MCASTLAB_CONTAINERD_IO_VERSION=${var.containerd_io_version}",
      "MCASTLAB_KUBERNETES_MINOR=${var.kubernetes_minor}",
      "MCASTLAB_SCRIPTS=/tmp/mcastlab-scripts",
    ]
    scripts = [for script in var.scripts : "${local.scripts_directory}/${script}"]
  }
}
