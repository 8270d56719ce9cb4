namespace McastLab.Pipeline.Processes;

/// <summary>What a finished program left: exit code and its output (secrets already masked).</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Duration);
