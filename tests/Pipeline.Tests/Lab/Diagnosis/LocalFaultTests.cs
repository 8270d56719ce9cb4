using McastLab.Pipeline.Core;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Diagnosis;
using McastLab.Pipeline.Lab.Local;
using McastLab.Pipeline.Lab.Views;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Lab.Diagnosis;

/// <summary>
/// Each --fault breaks the local lab with real kernel state, and the lab must fail naming exactly that
/// cause: in report.json (check.diagnosis), in report.html beside the check, and in the log's failure
/// sentence. Then the snooping segments over a soak longer than the membership interval, and the switch's leave
/// latency after it (leave-to-last). Root and Docker (CI).
/// </summary>
[Collection(typeof(LocalLabGroup))]
public sealed class LocalFaultTests(LabHost host)
{
    private readonly ConsoleBuildLog log = new();

    private void RequireHost() => Assert.SkipWhen(host.Missing is not null, $"The local lab needs {host.Missing}.");

    /// <summary>A run as the Lab target makes it: the verdict, then the diagnosis of each failed check.</summary>
    private async Task<LabReport> RunAsync(Func<LabSettings, LabSettings> change)
    {
        var lab = new LocalLab(new ProcessRunner(log, new SecretMasker()), log);
        var report = await lab.RunAsync(host.Request(change), TestContext.Current.CancellationToken, FailureDiagnosis.Explain);
        report.Print(log);
        (await HostInventory.TakeAsync(lab.Run)).AssertEmpty();
        return report;
    }

    [Theory]
    [InlineData(LabFault.NoRoute, LabSegment.Flood, "no-route")]
    [InlineData(LabFault.SenderWrongInterface, LabSegment.Flood, "sender-wrong-interface")]
    [InlineData(LabFault.ReceiverWrongInterface, LabSegment.Flood, "receiver-wrong-interface")]
    [InlineData(LabFault.RpFilter, LabSegment.Flood, "rp-filter")]
    [InlineData(LabFault.MacvlanIsolation, LabSegment.Flood, "macvlan-isolation")]
    [InlineData(LabFault.SourceNotAllowed, LabSegment.Flood, "source-not-allowed")]
    [InlineData(LabFault.TtlTooSmall, LabSegment.Flood, "ttl-too-small")]
    [InlineData(LabFault.IgmpBlocked, LabSegment.Snooping, "igmp-blocked")]
    [InlineData(LabFault.NoQuerier, LabSegment.Snooping, "no-querier")]
    [InlineData(LabFault.MembershipExpired, LabSegment.Snooping, "membership-expired")]
    [InlineData(LabFault.SocketBufferTooSmall, LabSegment.Flood, "socket-buffer-too-small")]
    public async Task A_fault_fails_the_lab_naming_exactly_its_cause(LabFault fault, LabSegment segment, string cause)
    {
        RequireHost();

        var report = await RunAsync(s => s with { DurationSeconds = 5, Fault = fault, Segment = segment });

        var failed = report.Failed.ToList();
        Assert.NotEmpty(failed);
        // Every failed check is a receiver's, and each names the injected cause: no other, none missing.
        Assert.All(failed, c => Assert.Equal(cause, c.Diagnosis?.Cause));
        Assert.All(failed, c => Assert.False(string.IsNullOrWhiteSpace(c.Diagnosis!.Evidence)));
        Assert.Contains($"\"cause\": \"{cause}\"", report.ToJson(), StringComparison.Ordinal);
        Assert.Equal(cause, LabReport.FromJson(report.ToJson()).Failed.First().Diagnosis?.Cause);
        Assert.Contains($"data-cause=\"{cause}\"", HtmlReport.Render(report), StringComparison.Ordinal);
        var failure = Assert.Throws<PipelineException>(() => report.EnsurePassed("report.json"));
        Assert.Contains($"{failed[0].Name}: {cause}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_snooping_segment_without_a_querier_fails_a_soak_naming_the_missing_querier()
    {
        RequireHost();
        Assert.True(SwitchSegment.Snooping.MembershipIntervalCs / 100 < 15, "the soak must outlast a membership");

        var report = await RunAsync(s => s with { Segment = LabSegment.SnoopingNoQuerier, SoakSeconds = 15, DurationSeconds = 15 });

        var held = report.Checks.Single(c => c.Name == DeliveryHeld.Name);
        Assert.Equal(CheckStatus.Failed, held.Status);
        Assert.Equal("no-querier", held.Diagnosis?.Cause);
        Assert.All(report.Failed, c => Assert.Equal("no-querier", c.Diagnosis?.Cause));
        // Nothing crosses a switch without a querier, so there is no delivery whose end a leave could time.
        Assert.Equal(CheckStatus.NotRun, report.Checks.Single(c => c.Name == LeaveToLast.Name).Status);
    }

    [Fact]
    public async Task A_snooping_segment_with_its_querier_holds_delivery_over_a_soak_longer_than_the_membership()
    {
        RequireHost();
        Assert.True(SwitchSegment.Snooping.MembershipIntervalCs / 100 < 15, "the soak must outlast a membership");

        var report = await RunAsync(s => s with { Segment = LabSegment.Snooping, SoakSeconds = 15, DurationSeconds = 15 });

        Assert.True(report.Passed, string.Join(" ", report.Failed.Select(c => $"{c.Name}: {c.Detail}")));
        var held = report.Checks.Single(c => c.Name == DeliveryHeld.Name);
        Assert.Contains("held to the end", held.Detail, StringComparison.Ordinal);
        Assert.Matches(@"first datagram \d+\.\d\d s after the join", held.Detail);
        // The switch pruned mcastsrc's port after its receiver left, while the sender still sent.
        var leave = report.Checks.Single(c => c.Name == LeaveToLast.Name);
        Assert.Contains("pruned its port", leave.Detail, StringComparison.Ordinal);
        Assert.NotNull(leave.LeaveToLastSeconds);
    }
}
