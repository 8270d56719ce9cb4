namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>
/// One cause of the catalog (docs/troubleshooting.md): its id (report.json's diagnosis.cause and the
/// --fault that injects it), a title, the fix, and its evidence rule (<see cref="CauseEvidence"/>): null
/// when what was seen does not point to it, else one sentence saying what was seen.
/// </summary>
public sealed record Cause(string Id, string Title, string Fix, Func<FailedReceiver, string?> Evidence);
