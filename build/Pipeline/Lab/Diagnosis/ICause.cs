namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>
/// One cause of the catalog (docs/troubleshooting.md): its id (report.json's diagnosis.cause and the
/// --fault that injects it), a title, the fix, and the evidence it needs: null when what was seen does not
/// point to it, else one sentence saying what was seen.
/// </summary>
public interface ICause
{
    string Id { get; }

    string Title { get; }

    string Fix { get; }

    string? Evidence(FailedReceiver f);
}
