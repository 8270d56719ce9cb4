namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>
/// One cause of the catalog (docs/troubleshooting.md): its id (report.json's diagnosis.cause and the
/// --fault that injects it), a title, the fix, and the evidence it needs: null when what was seen does not
/// point to it, else one sentence saying what was seen.
/// </summary>
public abstract class Cause(string id, string title, string fix)
{
    public string Id { get; } = id;

    public string Title { get; } = title;

    public string Fix { get; } = fix;

    public abstract string? Evidence(FailedReceiver f);
}
