# One source for every box: Packer's vagrant builder starts the source box, provisions it and packages
# the result (package.box in output_directory). The build VM's synced folder is not needed.
source "vagrant" "box" {
  communicator    = "ssh"
  source_path     = var.source_box
  box_version     = var.source_box_version
  checksum        = var.source_box_checksum == "" ? "" : "sha256:${var.source_box_checksum}"
  provider        = var.provider
  output_dir      = var.output_directory
  add_force       = true
  teardown_method = "destroy"
  synced_folder   = ""
}
