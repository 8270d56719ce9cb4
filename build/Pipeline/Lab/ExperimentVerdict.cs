using System.Net;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Lab;

/// <summary>
/// The lab's one judge, for every backend: every planned check of the experiment from what the backend observed
/// (<see cref="LabObservations"/>), in the plan's order. Traffic goes to <see cref="FlowVerdict"/>; attachments,
/// addresses and cleanup are judged here. A planned check without an observation is never left out: it is
/// "not run" with the reason (the topology could not run it, the setup failed first) or failed.
/// </summary>
public static class ExperimentVerdict
{
    /// <summary>Said when a segment address is held twice.</summary>
    public const string PerNodeLeasesHint = " (host-local keeps its leases per node: on several nodes give each node its own range, see README)";

    public static IReadOnlyList<LabCheck> Judge(LabSettings lab, LabExperiment experiment, LabObservations observed)
    {
        var checks = new List<LabCheck>();
        if (observed.SetupFailure is { } setup) checks.Add(new LabCheck { Name = LabExperiment.SetupCheck, Passed = false, Detail = setup });
        var setupFirst = observed.SetupFailure is null ? null : "the lab's setup failed before it (see lab-setup)";
        var minimum = LabTraffic.MinimumDatagrams(lab.Rate, lab.DurationSeconds);
        foreach (var planned in experiment.Checks)
        {
            if (experiment.NotRun.TryGetValue(planned.Name, out var why))
            {
                checks.Add(LabCheck.NotRunBecause(planned, why));
                continue;
            }
            checks.Add(planned.Name switch
            {
                LabExperiment.AttachmentsCheck when observed.Pods.Count == 0 && setupFirst is not null => LabCheck.NotRunBecause(planned, setupFirst),
                LabExperiment.AttachmentsCheck => Attachments(lab, experiment, observed.Pods),
                LabExperiment.AddressesCheck when observed.Pods.Count == 0 && setupFirst is not null => LabCheck.NotRunBecause(planned, setupFirst),
                LabExperiment.AddressesCheck => SegmentAddresses(lab, observed),
                LabExperiment.CleanupCheck => Cleanup(planned, observed.Leftovers),
                DeliveryHeld.Name when observed.Flows.Count == 0 && setupFirst is not null => LabCheck.NotRunBecause(planned, setupFirst),
                DeliveryHeld.Name => DeliveryHeld.Judge(experiment, checks, lab.SoakSeconds),
                LeaveToLast.Name when observed.Flows.Count == 0 && setupFirst is not null => LabCheck.NotRunBecause(planned, setupFirst),
                LeaveToLast.Name => LeaveToLast.Judge(planned, observed.LeaveTiming),
                _ => Traffic(planned, experiment, observed, minimum, setupFirst),
            });
        }
        return checks;
    }

    private static LabCheck Traffic(PlannedCheck planned, LabExperiment experiment, LabObservations observed, long minimum, string? setupFirst)
    {
        var (flow, receiver) = experiment.ReceiverOf(planned.Name)
            ?? throw new InvalidOperationException($"The experiment plans {planned.Name} but has no receiver for it.");
        var ran = observed.Flows.FirstOrDefault(f => f.Flow == flow.Name);
        var output = ran?.Receivers.FirstOrDefault(r => r.Check == receiver.Check);
        if (ran is null || output is null)
        {
            return setupFirst is not null
                ? LabCheck.NotRunBecause(planned, setupFirst)
                : new LabCheck { Name = planned.Name, Passed = false, Direction = planned.Direction, Detail = $"The backend returned no output of this receiver (flow {flow.Name}), although it was to run it." };
        }
        return FlowVerdict.Judge(flow, receiver, ran.Sender, output.Output, output.Joined, minimum, ran.SenderAddress, output.Address);
    }

    /// <summary>
    /// Every planned pod was made; every interface it reports has an address; an attached pod has the lab's
    /// interface with an IPv4 address inside its attachment's range, the control pod has none; its plugins
    /// reported no problem (a failed CNI CHECK, a sandbox error).
    /// </summary>
    public static LabCheck Attachments(LabSettings lab, LabExperiment experiment, IReadOnlyList<PodObservation> pods)
    {
        var problems = new List<string>();
        foreach (var pod in experiment.Pods)
        {
            var seen = pods.FirstOrDefault(p => p.Pod.Key == pod.Key);
            if (seen is null)
            {
                problems.Add($"{pod.Key} was not made");
                continue;
            }
            problems.AddRange(seen.Problems.Select(p => $"{pod.Key}: {p.TrimEnd('.')}"));
            if (seen.NetworkStatus.Count == 0) problems.Add($"{pod.Key} reports no interfaces (no network-status)");
            problems.AddRange(seen.NetworkStatus.Where(e => e.Ips.Count == 0).Select(e => $"{pod.Key} has no address on {e.Interface}"));
            var attachment = seen.NetworkStatus.FirstOrDefault(e => e.Interface == lab.Interface);
            if (!pod.Attached)
            {
                if (attachment is not null) problems.Add($"{pod.Key} is to have only the cluster network but has {lab.Interface} from {attachment.Name}");
                continue;
            }
            var (start, end) = seen.AttachmentRange ?? (lab.RangeStart, lab.RangeEnd);
            if (attachment is null)
            {
                problems.Add($"{pod.Key} has no {lab.Interface} (it has {string.Join(", ", seen.NetworkStatus.Select(e => $"{e.Name}:{e.Interface}"))})");
            }
            else if (attachment.Ips.Count > 0 && Ipv4(attachment) is not { } address)
            {
                problems.Add($"{pod.Key} has no IPv4 address on {lab.Interface} ({string.Join(", ", attachment.Ips)})");
            }
            else if (Ipv4(attachment) is { } a && !LabSettings.IsBetween(a, start, end))
            {
                problems.Add($"{pod.Key} got {a} on {lab.Interface}, outside {start}-{end}");
            }
        }
        return new LabCheck
        {
            Name = LabExperiment.AttachmentsCheck,
            Passed = problems.Count == 0,
            Detail = problems.Count == 0
                ? $"All {experiment.Pods.Count} pod(s) got their interfaces with addresses: the attached ones {lab.Interface} from {lab.NetworkName} inside their range, the control only the cluster network; no plugin reported a problem."
                : string.Join("; ", problems) + ".",
        };
    }

    /// <summary>Every address on the segment has one owner: the pods' attachment addresses and the hosts'.</summary>
    public static LabCheck SegmentAddresses(LabSettings lab, LabObservations observed)
    {
        var owners = observed.Pods
            .Select(p => (Owner: p.Pod.Key, Entry: p.NetworkStatus.FirstOrDefault(e => e.Interface == lab.Interface)))
            .Where(o => o.Entry is not null && Ipv4(o.Entry) is not null)
            .Select(o => new SegmentAddress(o.Owner, Ipv4(o.Entry!)!.ToString()))
            .Concat(observed.HostSegmentAddresses)
            .ToList();
        var clashes = owners.GroupBy(o => o.Address).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key} is held by {string.Join(", ", g.Select(o => o.Owner))}").ToList();
        return new LabCheck
        {
            Name = LabExperiment.AddressesCheck,
            Passed = clashes.Count == 0,
            Detail = clashes.Count == 0
                ? $"All {owners.Count} addresses on the {lab.Interface} segment are unique."
                : string.Join("; ", clashes) + PerNodeLeasesHint + ".",
        };
    }

    /// <summary>Nothing of the run is left; a backend that did not look gets "not run", never a pass.</summary>
    public static LabCheck Cleanup(PlannedCheck planned, IReadOnlyList<string>? leftovers) => leftovers switch
    {
        null => LabCheck.NotRunBecause(planned, "the backend did not look for what the run left"),
        [] => new LabCheck { Name = planned.Name, Passed = true, Detail = "Nothing of the run was left: every container, namespace, link, attachment and address lease it made was removed." },
        _ => new LabCheck { Name = planned.Name, Passed = false, Detail = string.Join("; ", leftovers) + "." },
    };

    private static IPAddress? Ipv4(NetworkStatusEntry entry) =>
        entry.Ips.Select(ip => IPAddress.TryParse(ip.Split('/')[0], out var a) ? a : null)
            .FirstOrDefault(a => a?.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
}
