# k8s-rocky9: derived from docker-rocky9 (the pipeline passes the .box file it has just built; by hand,
# the box of that name that ./build.sh Boxes registered, booted as it is) plus containerd for CRI, kubeadm, kubelet and kubectl.
box_name   = "k8s-rocky9"
os         = "rocky9"
os_release = "rocky:9"
source_box = "docker-rocky9"
scripts    = ["containerd.sh", "kubernetes.sh", "cleanup.sh"]
