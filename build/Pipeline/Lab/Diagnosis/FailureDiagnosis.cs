using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>
/// The step after the verdict (<see cref="ExperimentVerdict"/>): every failed receiver check gets the diagnosis of
/// the first cause of <see cref="CauseCatalog"/> whose evidence is in what the backend observed (the probes'
/// events in the programs' outputs, the host side it could see). A failed <see cref="DeliveryHeld"/> check takes
/// the cause of the first receiver it names that has one. Checks that passed, or that no cause fits, stay as they were.
/// </summary>
public static class FailureDiagnosis
{
    /// <summary>The report with its failed checks diagnosed (the <see cref="LabRunner"/> step Lab/Target passes).</summary>
    public static LabReport Explain(LabReport report, LabExperiment experiment, LabObservations observed, LabSettings lab)
    {
        if (!report.Failed.Any()) return report;
        var checks = report.Checks.Select(c => c.Status == CheckStatus.Failed ? Diagnose(c, experiment, observed, lab) : c).ToList();
        var diagnosed = checks.Where(c => c.Diagnosis is not null).ToList();
        for (var i = 0; i < checks.Count; i++)
        {
            if (checks[i] is not { Name: DeliveryHeld.Name, Status: CheckStatus.Failed, Diagnosis: null } held) continue;
            // The receivers that lost the stream are named in its detail, "NAME: ...".
            var cause = diagnosed.FirstOrDefault(c => held.Detail?.Contains(c.Name + ":", StringComparison.Ordinal) == true)?.Diagnosis;
            checks[i] = held with { Diagnosis = cause };
        }
        return report with { Checks = checks };
    }

    private static LabCheck Diagnose(LabCheck check, LabExperiment experiment, LabObservations observed, LabSettings lab)
    {
        if (experiment.ReceiverOf(check.Name) is not { } found) return check;
        var (flow, receiver) = found;
        var ran = observed.Flows.FirstOrDefault(f => f.Flow == flow.Name);
        var output = ran?.Receivers.FirstOrDefault(r => r.Check == receiver.Check);
        if (ran is null || output is null) return check;
        return CauseCatalog.Diagnose(FailedReceiver.From(check, flow, receiver, lab.Interface, lab.Ttl, ran, output, observed.HostSide));
    }
}
