# docker-rocky9: the base box plus Docker CE; swap and firewalld off, SELinux permissive, br_netfilter.
# The base box version is pinned in mcastlab.json ("versions": rocky9-box-version) and passed by the pipeline.
# Rocky Linux's podman stack brings a runc that conflicts with Docker's containerd.io: it goes first.
box_name        = "docker-rocky9"
os              = "rocky9"
os_release      = "rocky:9"
source_box      = "rockylinux/9"
scripts         = ["repositories.sh", "host.sh", "docker.sh", "cleanup.sh"]
remove_packages = ["podman", "buildah", "runc"]
