#!/usr/bin/env python3
"""Writes report-contract.json: the captured report.json of a real `./build.sh Lab` (report-captured.json)
extended with the fields of the report contract the lab is growing (docs: the views' README section).

Captured: everything in report-captured.json; the interval events in mcast-recv-*.jsonl (capture-mcast.sh);
the CNI ADD results in cni-*.json (capture-cni.sh).
Extended per the contract: `hosts[]`; `direction`, `sender`, `receiver`, `interface` of the traffic checks;
`intervals` (the captured interval events, renamed: outOfOrder -> reordered); the failing `k8s/pod-1` takes its
figures from the impaired capture (its summary event) and the pod-to-pod check those of a clean capture;
`pods[]` with `networkStatus` built from the CNI results as Multus writes them, and the pods' `podAddress`
taken from those results so that checks and pods agree.
Run from this directory: python3 extend-report.py
"""
import json

def events(name, kind):
    with open(f"mcast-recv-{name}.jsonl") as f:
        return [e for e in map(json.loads, filter(str.strip, f)) if e["event"] == kind]

def intervals(name):
    return [{"start": e["start"], "end": e["end"], "received": e["received"], "lost": e["lost"],
             "reordered": e["outOfOrder"], "duplicates": e["duplicates"]} for e in events(name, "interval")]

def figures(name):
    s = events(name, "summary")[0]
    return {"received": s["received"], "lost": s["lost"], "reordered": s["outOfOrder"],
            "duplicates": s["duplicates"], "jitterMs": s["jitterMs"], "ttlSeen": s["ttl"]}

def status(pod, ifname, network, default):
    with open(f"cni-{pod}-{ifname}.json") as f:
        result = json.load(f)
    index = next(i for i, x in enumerate(result["interfaces"]) if x["name"] == ifname)
    return {"name": network, "interface": ifname,
            "ips": [ip["address"].split("/")[0] for ip in result["ips"] if ip["interface"] == index],
            "mac": result["interfaces"][index]["mac"], "default": default}

with open("report-captured.json") as f:
    report = json.load(f)
checks = {c["name"]: c for c in report["checks"]}

report["hosts"] = [{"name": "k8s", "addresses": [checks["outside-kubernetes"]["podAddress"]]},
                   {"name": "mcastsrc", "addresses": ["10.0.0.12"]}]
checks["outside-kubernetes"].update(direction="outside-to-node", sender="mcastsrc", receiver="k8s", interface="eth1",
                                    intervals=intervals("outside"), **figures("outside"))
pod1 = figures("pod-1")
checks["k8s/pod-1"].update(passed=False, direction="outside-to-pod", sender="mcastsrc", receiver="k8s/pod-1",
                           interface="eth1", intervals=intervals("pod-1"), **pod1)
checks["k8s/pod-1"]["detail"] = (f"mcast recv got {pod1['received']} of {checks['k8s/pod-1']['sent']} datagrams sent, "
                                 f"{pod1['lost']} lost, {pod1['duplicates']} duplicated; expected none lost.")
checks["negative-control"].update(direction="outside-to-pod", sender="mcastsrc", receiver="k8s/control",
                                  interface="eth0", intervals=[])
checks["k8s/iperf-pod"].update(direction="outside-to-pod", sender="mcastsrc", receiver="k8s/iperf-pod", interface="eth1")
pod_to_pod = dict(name="k8s/pod-2-from-pod-1", passed=True, direction="pod-to-pod-same-node", sender="k8s/pod-1",
                  receiver="k8s/pod-2", interface="eth1", sent=checks["outside-kubernetes"]["sent"],
                  podAddress=status("pod-2", "eth1", "", False)["ips"][0], intervals=intervals("pod-to-pod"),
                  **figures("pod-to-pod"))
pod_to_pod["detail"] = f"mcast recv got all {pod_to_pod['received']} datagrams sent, none lost (TTL {pod_to_pod['ttlSeen']})."
for pod in ["pod-1", "iperf-pod"]:
    checks[f"k8s/{pod}"]["podAddress"] = status(pod, "eth1", "", False)["ips"][0]
order = ["outside-kubernetes", "cni-attachments", "k8s/pod-1", "negative-control", "k8s/iperf-pod"]
report["checks"] = [checks[n] for n in order] + [pod_to_pod, checks["cleanup"]]
report["pods"] = [{"node": "k8s", "name": pod,
                   "networkStatus": [status(pod, "eth0", "cbr0", True)]
                                    + ([] if pod == "control" else [status(pod, "eth1", "default/eth1-multicast", False)])}
                  for pod in ["pod-1", "pod-2", "iperf-pod", "control"]]

with open("report-contract.json", "w") as f:
    json.dump(report, f, indent=2)
    f.write("\n")
