namespace McastLab.McastTools.Cli;

/// <summary>A mistake in the command line: one sentence saying what is wrong and what to do (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);
