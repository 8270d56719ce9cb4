namespace McastLab.Pipeline.Lab;

/// <summary>What a program of the lab left behind: its exit code and output (a container's, a VM command's, or a followed pod log's).</summary>
public sealed record ContainerOutcome(int ExitCode, string Stdout, string Stderr);
