using System.Globalization;

namespace McastLab.Pipeline.Lab.Views;

/// <summary>The run's facts (<see cref="LabRunFacts"/>) as the views list them: name and text, in one order for every backend.</summary>
public static class RunFacts
{
    /// <summary>The row of a run's diagnostics folder, which report.html links.</summary>
    public const string DiagnosticsKey = "diagnostics";

    /// <summary>A fact only the local backend has (its segment, fault and soak), on the others.</summary>
    public const string NotApplicable = "not applicable (the cluster's own network)";

    public static IReadOnlyList<KeyValuePair<string, string>> Of(LabReport report)
    {
        var run = report.Run;
        string N(int n) => n.ToString(CultureInfo.InvariantCulture);
        return
        [
            new("backend", report.Backend),
            new("run", run.Id),
            new("where", run.Location),
            new("nodes", string.Join(", ", run.Nodes)),
            new("pods per node", N(run.PodsPerNode)),
            new("outside host", run.OutsideHost ? LabExperiment.SourceHost : "none"),
            new("group", run.Group),
            new("flows", string.Join(", ", run.Flows.Select(f => $"{f.Name} :{N(f.Port)}"))),
            new("rate", run.Rate),
            new("ttl", N(run.Ttl)),
            new("duration", $"{N(run.DurationSeconds)} s"),
            new("network", run.Network),
            new("segment", run.Segment ?? NotApplicable),
            new("fault", run.Fault ?? NotApplicable),
            new("soak", run.SoakSeconds is { } soak ? soak == 0 ? "none" : $"{N(soak)} s" : NotApplicable),
            new("mcast image", run.McastImage),
            new("iperf image", run.IperfImage),
            .. run.Diagnostics is { } folder ? [new KeyValuePair<string, string>(DiagnosticsKey, folder)] : Array.Empty<KeyValuePair<string, string>>(),
        ];
    }
}
