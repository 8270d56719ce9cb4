using System.Globalization;

namespace McastLab.Pipeline.Lab;

/// <summary>
/// A soak's check "delivery-held" (--soak): every receiver that had to get everything got the stream to the end,
/// past the switch's membership interval. Per receiver it says when the first datagram came after its join (mcast
/// recv's clock starts at its join) and, if delivery stopped, when the last one came.
/// </summary>
public static class DeliveryHeld
{
    public const string Name = "delivery-held";

    /// <summary>Judged from the receivers' checks, already judged (they come before it in the plan).</summary>
    public static LabCheck Judge(LabExperiment experiment, IEnumerable<LabCheck> judged, int soakSeconds)
    {
        var expecting = experiment.Flows.SelectMany(f => f.Receivers).Where(r => r.Expect == Expectation.Everything).Select(r => r.Check).ToHashSet();
        var held = new List<string>();
        var stopped = new List<string>();
        foreach (var check in judged.Where(c => expecting.Contains(c.Name)))
        {
            var intervals = check.Intervals ?? [];
            var first = intervals.FirstOrDefault(i => i.Received > 0)?.Start;
            var last = intervals.LastOrDefault(i => i.Received > 0)?.End;
            var timing = first is { } f ? string.Create(CultureInfo.InvariantCulture, $"first datagram {f:0.00} s after the join")
                : check.Intervals is null ? "no per-second figures" : "no datagram";
            if (check.Sent is { } sent && check.Received >= sent) held.Add($"{check.Name}: {timing}, held to the end");
            else
            {
                var end = last is { } l ? string.Create(CultureInfo.InvariantCulture, $"delivery stopped at {l:0.0} s ({check.Received} of {check.Sent} datagrams)") : "nothing delivered";
                stopped.Add($"{check.Name}: {timing}, {end}");
            }
        }
        return new LabCheck
        {
            Name = Name,
            Passed = stopped.Count == 0 && held.Count > 0,
            Expected = "every receiver keeps the stream to the end",
            Detail = stopped.Count == 0
                ? string.Create(CultureInfo.InvariantCulture, $"Over the {soakSeconds} s soak every receiver kept the stream: {string.Join("; ", held)}.")
                : string.Create(CultureInfo.InvariantCulture, $"Over the {soakSeconds} s soak {stopped.Count} receiver(s) lost the stream: {string.Join("; ", stopped)}.")
                  + (held.Count > 0 ? $" Held: {string.Join("; ", held)}." : ""),
        };
    }
}
