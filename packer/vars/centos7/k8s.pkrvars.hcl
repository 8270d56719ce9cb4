# k8s-centos7: derived from docker-centos7 (the pipeline passes the .box file it has just built; by hand,
# the box of that name that ./build.sh Boxes registered, booted as it is) plus containerd for CRI, kubeadm, kubelet and kubectl.
# CentOS 7's 3.10 kernel fails kubeadm's SystemVerification check; everything the lab needs works on it.
box_name                        = "k8s-centos7"
os                              = "centos7"
os_release                      = "centos:7"
source_box                      = "docker-centos7"
scripts                         = ["containerd.sh", "kubernetes.sh", "cleanup.sh"]
kubeadm_ignore_preflight_errors = "SystemVerification"
