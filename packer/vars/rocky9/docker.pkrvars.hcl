# docker-rocky9: the base box plus Docker CE; swap and firewalld off, SELinux permissive, br_netfilter.
# The base box version is pinned in mcastlab.json ("boxes") and passed by the pipeline.
box_name   = "docker-rocky9"
os         = "rocky9"
source_box = "rockylinux/9"
scripts    = ["repositories.sh", "host.sh", "docker.sh", "cleanup.sh"]
