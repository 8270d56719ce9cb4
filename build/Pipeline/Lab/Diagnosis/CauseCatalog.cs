namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>
/// The causes in the order they are tried: the sender's choice first (nothing can arrive if it leaves the
/// wrong way), then the receiver's join, the hosts' filters, the switch, and what happens on the way.
/// The first cause whose evidence is there names the failure.
/// </summary>
public static class CauseCatalog
{
    public static IReadOnlyList<Cause> All { get; } =
    [
        new NoRouteToGroup(),
        new SenderWrongInterface(),
        new ReceiverWrongInterface(),
        new SourceNotAllowed(),
        new MacvlanIsolation(),
        new ReversePathFilter(),
        new IgmpReportsBlocked(),
        new NoQuerier(),
        new MembershipExpired(),
        new TtlTooSmall(),
        new SocketBufferTooSmall(),
    ];

    /// <summary>The failed check with the diagnosis of the first cause that fits, or unchanged when none does.</summary>
    public static LabCheck Diagnose(FailedReceiver failed)
    {
        foreach (var cause in All)
        {
            if (cause.Evidence(failed) is { } evidence)
            {
                return failed.Check with { Diagnosis = new CheckDiagnosis(cause.Id, cause.Title, evidence, cause.Fix) };
            }
        }
        return failed.Check;
    }
}
