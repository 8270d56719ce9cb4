namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>A firewall drops the receiver's IGMP reports, so a snooping switch never forwards the group to it (kube-ovn#3080).</summary>
public sealed class IgmpReportsBlocked() : Cause(
    "igmp-blocked",
    "IGMP reports blocked",
    "let IGMP out (iptables -D OUTPUT -p igmp -j DROP, or allow protocol 2 in the node's and pods' firewall / NetworkPolicy)")
{
    public override string? Evidence(FailedReceiver f)
    {
        var rule = f.ReceiverPlace?.DropRules.FirstOrDefault(r => r.Contains("igmp", StringComparison.OrdinalIgnoreCase) || r.Contains("-p 2 ", StringComparison.Ordinal));
        if (rule is null) return null;
        var port = f.ReceiverPort;
        var notRegistered = f.Switch is { Snooping: true } sw && port is not null && !sw.GroupPorts.Contains(port);
        return $"a firewall rule where the receiver is drops IGMP ({rule.Trim()}){(notRegistered ? $", and the switch's group entry (bridge mdb) does not hold the receiver's port {port}" : "")}.";
    }
}
