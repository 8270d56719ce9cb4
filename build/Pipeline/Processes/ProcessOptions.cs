namespace McastLab.Pipeline.Processes;

/// <summary>How to run one program. The defaults suit most build tools.</summary>
public sealed record ProcessOptions
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Extra environment variables for the child (secrets go here, never into arguments).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    public string? StandardInput { get; init; }

    /// <summary>Stream the output at verbose level only (version probes, chatty tools); it is still captured.</summary>
    public bool Quiet { get; init; }

    /// <summary>Capture the output without streaming it to the log at all: machine-readable state the caller parses (`ip -j`), not for people.</summary>
    public bool CaptureOnly { get; init; }

    /// <summary>Exit codes that count as success.</summary>
    public IReadOnlySet<int> SuccessCodes { get; init; } = new HashSet<int> { 0 };

    /// <summary>Return the result instead of throwing on other exit codes.</summary>
    public bool AllowFailure { get; init; }

    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// A long tool's quiet log: its output goes there (file, verbose level, one line per step) instead of
    /// streaming to the build log, and is replayed in full when the program fails.
    /// </summary>
    public ToolLog? Output { get; init; }
}
