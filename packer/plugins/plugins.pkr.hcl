# Plugins for Packer >= 1.7 only. Debian's Packer 1.6.6 rejects this block (its vagrant builder is built in),
# so it lives outside templates/: the pipeline stages it next to the templates when Packer is 1.7 or newer
# and runs `packer init` there first. 1.9.x is the last MPL-licensed Packer; newer ones are BSL.
packer {
  required_version = ">= 1.7.0"
  required_plugins {
    vagrant = {
      source  = "github.com/hashicorp/vagrant"
      version = "= 1.1.6"
    }
  }
}
