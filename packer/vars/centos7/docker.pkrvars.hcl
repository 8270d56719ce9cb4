# docker-centos7: the base box plus Docker CE; swap and firewalld off, SELinux permissive, br_netfilter.
# The base box version is pinned in mcastlab.json ("boxes") and passed by the pipeline.
box_name   = "docker-centos7"
os         = "centos7"
source_box = "centos/7"
scripts    = ["repositories.sh", "host.sh", "docker.sh", "cleanup.sh"]
