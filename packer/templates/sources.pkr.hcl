# One source for every box: Packer's vagrant builder starts the source box, provisions it and packages
# the result (package.box in output_directory). The build VM's synced folder is not needed.
source "vagrant" "box" {
  communicator = "ssh"
  source_path  = var.source_box
  # Packer adds a .box file under box_name; build-vm.Vagrantfile reads what to boot from it (see locals).
  box_name        = local.build_vm_box
  box_version     = var.source_box_version
  skip_add        = local.source_is_registered
  template        = "${path.root}/build-vm.Vagrantfile"
  checksum        = var.source_box_checksum == "" ? "" : "sha256:${var.source_box_checksum}"
  provider        = var.provider
  output_dir      = var.output_directory
  add_force       = true
  teardown_method = "destroy"
  synced_folder   = ""
}
