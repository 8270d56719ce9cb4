# docker-centos7: the base box plus Docker CE; swap and firewalld off, SELinux permissive, br_netfilter.
# The base box version is pinned in mcastlab.json ("versions": centos7-box-version) and passed by the pipeline.
# CentOS 7 is end-of-life: centos7-vault.sh points its repositories at vault.centos.org first.
box_name   = "docker-centos7"
os         = "centos7"
os_release = "centos:7"
source_box = "centos/7"
scripts    = ["centos7-vault.sh", "repositories.sh", "host.sh", "docker.sh", "cleanup.sh"]
