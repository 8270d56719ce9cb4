namespace McastLab.Pipeline.Lab;

/// <summary>A step after the verdict that may add to the report from what the backend observed (Lab/Diagnosis names causes).</summary>
public delegate LabReport AfterVerdict(LabReport report, LabExperiment experiment, LabObservations observed, Parameters.LabSettings lab);

/// <summary>
/// One lab run with any backend: ask the backend for its topology, plan the one experiment from it, have the
/// backend realize and run it, and judge what it observed into the report. The same steps for every backend.
/// </summary>
public static class LabRunner
{
    /// <summary>The whole run with this backend: discover, plan, run, judge (and <paramref name="afterVerdict"/>, when given).</summary>
    public static async Task<LabReport> RunAsync(this ILabBackend backend, LabRequest request, CancellationToken cancellationToken, AfterVerdict? afterVerdict = null)
    {
        var started = DateTimeOffset.UtcNow;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var topology = await backend.DiscoverAsync(request, cancellationToken);
        var experiment = LabExperiment.Plan(request.Settings, topology);
        var observed = await backend.RunAsync(request, experiment, cancellationToken);
        var facts = LabRunFacts.Of(backend.Run.Value, request, experiment, topology, observed.Location) with { Diagnostics = observed.Diagnostics };
        var report = LabReport.Of(backend.Name, facts, started, watch.Elapsed, experiment, observed, request.Settings);
        return afterVerdict is null ? report : afterVerdict(report, experiment, observed, request.Settings);
    }
}
