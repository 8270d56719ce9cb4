using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab;

/// <summary>
/// The outcome of one lab run: every check with its figures. Written to artifacts/lab/report.json, shown
/// as a short table, and turned into one failure naming each failed check.
/// </summary>
public sealed record LabReport
{
    public const string FileName = "report.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Which backend ran the lab: "local", "cluster" or "vagrant".</summary>
    public required string Backend { get; init; }

    public required DateTimeOffset Started { get; init; }

    public required double DurationSeconds { get; init; }

    /// <summary>What was run, with the same fields for every backend.</summary>
    public required LabRunFacts Run { get; init; }

    public required IReadOnlyList<LabCheck> Checks { get; init; }

    /// <summary>Every pod with its interfaces as Multus reports them (k8s.v1.cni.cncf.io/network-status).</summary>
    public IReadOnlyList<PodReport> Pods { get; init; } = [];

    /// <summary>The hosts on the segment and their addresses (mcastsrc, the nodes), for drawing the topology.</summary>
    public IReadOnlyList<HostReport> Hosts { get; init; } = [];

    /// <summary>Some check ran and passed, and none failed (a check not run, with its reason, fails nothing).</summary>
    [JsonIgnore]
    public bool Passed => Checks.Any(c => c.Status == CheckStatus.Passed) && !Failed.Any();

    [JsonIgnore]
    public IEnumerable<LabCheck> Failed => Checks.Where(c => c.Status == CheckStatus.Failed);

    /// <summary>The report of a run: the backend's observations judged against the experiment (<see cref="ExperimentVerdict"/>).</summary>
    public static LabReport Of(string backend, LabRunFacts run, DateTimeOffset started, TimeSpan took, LabExperiment experiment, LabObservations observed, Parameters.LabSettings lab) => new()
    {
        Backend = backend,
        Started = started,
        DurationSeconds = Math.Round(took.TotalSeconds, 1),
        Run = run,
        Checks = ExperimentVerdict.Judge(lab, experiment, observed),
        Pods = [.. observed.Pods.Select(p => new PodReport(p.Pod.Node, p.Pod.Name, p.NetworkStatus))],
        Hosts = observed.Hosts,
    };

    /// <summary>report.json read back, as another reader of the contract would.</summary>
    public static LabReport FromJson(string json) =>
        JsonSerializer.Deserialize<LabReport>(json, Json) ?? throw new JsonException("report.json is null.");

    /// <summary>Writes report.json into the directory (created when missing) and returns its path.</summary>
    public string Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        File.WriteAllText(path, ToJson() + "\n");
        return path;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The table the log shows: one row per check, figures that were not measured as '-'.</summary>
    public IReadOnlyList<string> Table()
    {
        string[] header = ["check", "result", "sent", "received", "lost", "reordered", "dup", "jitter ms", "ttl", "pod address"];
        var rows = Checks.Select(c => new[]
        {
            c.Name, Verdict(c), Figure(c.Sent), Figure(c.Received), Figure(c.Lost), Figure(c.Reordered),
            Figure(c.Duplicates), c.JitterMs is { } j ? j.ToString("0.000", CultureInfo.InvariantCulture) : "-",
            Figure(c.TtlSeen), c.PodAddress ?? "-",
        }).ToList();
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd();
        return [Line(header), .. rows.Select(Line)];
    }

    /// <summary>Logs the table, and under it the detail of every failed check.</summary>
    public void Print(IBuildLog log)
    {
        foreach (var line in Table()) log.Information(line);
        foreach (var check in Failed) log.Error($"{check.Name}: {check.Detail ?? "failed"}{(check.Diagnosis is { } d ? " " + d.Sentence : "")}");
        foreach (var check in Checks.Where(c => c.Status == CheckStatus.NotRun)) log.Warning($"{check.Name} not run: {check.NotRunReason}.");
    }

    /// <summary>"pass", "FAIL" or "not run", as the table and the views show a check.</summary>
    public static string Verdict(LabCheck check) => check.Status switch
    {
        CheckStatus.Passed => "pass",
        CheckStatus.Failed => "FAIL",
        _ => "not run",
    };

    /// <summary>Throws one PipelineException naming each failed check; returns quietly when all passed.</summary>
    public void EnsurePassed(string reportPath)
    {
        if (!Checks.Any(c => c.Status != CheckStatus.NotRun))
        {
            throw new PipelineException($"The lab ran no checks; see the log above and {reportPath}.");
        }
        var failed = Failed.ToList();
        if (failed.Count == 0) return;
        var names = string.Join(", ", failed.Select(c => c.Diagnosis is { } d ? $"{c.Name}: {d.Cause}" : c.Name));
        throw new PipelineException(
            $"The lab failed {failed.Count} of {Checks.Count} check(s) ({names}); see their details above and in {reportPath}.");
    }

    private static string Figure(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

    private static string Figure(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";
}

/// <summary>What a run was, the same fields whatever the backend: report.json's "run".</summary>
/// <param name="Id">The run's id (its containers', namespaces' or Kubernetes namespace's mark).</param>
/// <param name="Location">Where it ran, in the backend's words.</param>
/// <param name="Nodes">The nodes the experiment used, in order.</param>
/// <param name="OutsideHost">Whether an outside host (mcastsrc) was on the segment.</param>
/// <param name="Flows">Each flow's name and port.</param>
public sealed record LabRunFacts(
    [property: JsonPropertyName("run")] string Id,
    string Location,
    string Group,
    IReadOnlyList<string> Nodes,
    int PodsPerNode,
    bool OutsideHost,
    string Rate,
    int Ttl,
    int DurationSeconds,
    string Network,
    string McastImage,
    string IperfImage,
    IReadOnlyList<FlowPort> Flows)
{
    public static LabRunFacts Of(string id, LabRequest request, LabExperiment experiment, BackendTopology topology, string location)
    {
        var s = request.Settings;
        return new LabRunFacts(id, location, s.Group.ToString(), experiment.Nodes, topology.PodsPerNode, topology.OutsideHost, s.Rate, s.Ttl,
            s.DurationSeconds, s.NetworkName, request.McastImage, request.IperfImage,
            [.. experiment.Flows.Select(f => new FlowPort(f.Name, f.Port))])
        {
            // Only the local backend builds the segment and can break it; elsewhere they are the cluster's own.
            Segment = s.Backend == Parameters.LabBackend.Local ? Parameters.LabFaultForms.Written(s.Segment) : null,
            Fault = s.Backend == Parameters.LabBackend.Local ? Parameters.LabFaultForms.Written(s.Fault) : null,
            SoakSeconds = s.Backend == Parameters.LabBackend.Local ? s.SoakSeconds : null,
        };
    }

    /// <summary>The local lab's L2 segment (--segment: flood, snooping, snooping-no-querier); null where the backend does not build it (cluster, vagrant).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Segment { get; init; }

    /// <summary>The fault injected (--fault: "none" or a cause id); null where faults cannot be injected (cluster, vagrant).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Fault { get; init; }

    /// <summary>The soak's seconds (--soak; 0: none); null where there is no soak (cluster, vagrant).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int? SoakSeconds { get; init; }

    /// <summary>Where the backend saved what the cluster said about a run that did not go as planned (relative to report.json's folder); null: nothing saved.</summary>
    public string? Diagnostics { get; init; }
}

/// <summary>A flow of the run and the port it used.</summary>
public sealed record FlowPort(string Name, int Port);

/// <summary>A pod of the run: its node, name and network-status entries (eth0 from the cluster network, eth1 from the attachment).</summary>
public sealed record PodReport(string Node, string Name, IReadOnlyList<NetworkStatusEntry> NetworkStatus);

/// <summary>A host on the lab's segment and its addresses.</summary>
public sealed record HostReport(string Name, IReadOnlyList<string> Addresses);

/// <summary>
/// One entry of Multus' k8s.v1.cni.cncf.io/network-status annotation: the network ("cbr0" for the cluster
/// network, "namespace/name" for an attachment), the interface, its addresses and MAC, and whether it holds the
/// default route.
/// </summary>
public sealed record NetworkStatusEntry
{
    public required string Name { get; init; }
    public required string Interface { get; init; }
    public IReadOnlyList<string> Ips { get; init; } = [];
    public string? Mac { get; init; }
    public bool Default { get; init; }
    public IReadOnlyList<string>? Gateway { get; init; }
}
