namespace McastLab.Pipeline.Lab;

/// <summary>
/// Why a check failed, as the diagnosis catalog names it (Lab/Diagnosis, docs/troubleshooting.md): the
/// cause's id, what was seen that points to it, and the fix. report.json's check.diagnosis.
/// </summary>
public sealed record CheckDiagnosis(string Cause, string Title, string Evidence, string Fix)
{
    /// <summary>The clause the log's failure sentence ends with.</summary>
    public string Sentence => $"cause {Cause} ({Title}): {Evidence.TrimEnd('.')}; fix: {Fix}";
}
