using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Processes;

/// <summary>
/// The quiet log of a long tool run (Docker build, debootstrap, dotnet publish, apt-get): every line goes to
/// artifacts/logs/&lt;target&gt;.log and to the verbose level (so --verbosity=diagnostic still shows it all), the
/// build log gets one line per step the <see cref="ToolSteps"/> recognise, and a failure replays every line.
/// </summary>
public sealed class ToolLog : IDisposable
{
    // A target's file starts empty once per build process, then collects each tool run of that target.
    private static readonly HashSet<string> Started = [];
    private static readonly Lock StartedGate = new();

    private readonly IBuildLog log;
    private readonly string title;
    private readonly ToolSteps? steps;
    private readonly StreamWriter? file;
    private readonly List<string> lines = [];
    private readonly Lock gate = new();

    /// <param name="log">The build log.</param>
    /// <param name="path">The file of the target (artifacts/logs/&lt;target&gt;.log), or null to keep the lines in memory only.</param>
    /// <param name="title">What runs, as step lines and the replay name it ("debootstrap", "docker build of mcastlab/iperf").</param>
    /// <param name="steps">Which lines start a step worth one line in the build log; null shows none.</param>
    public ToolLog(IBuildLog log, string? path, string title, ToolSteps? steps = null)
    {
        this.log = log;
        this.title = title;
        this.steps = steps;
        Path = path;
        if (path is null) return;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        bool append;
        lock (StartedGate) append = !Started.Add(System.IO.Path.GetFullPath(path));
        file = new StreamWriter(path, append) { AutoFlush = true };
        file.WriteLine($"== {title} ({DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC)");
    }

    /// <summary>The file every line goes to, or null.</summary>
    public string? Path { get; }

    public IReadOnlyList<string> Lines
    {
        get { lock (gate) return [.. lines]; }
    }

    /// <summary>One line of the tool's output (already masked).</summary>
    public void Line(string line)
    {
        string? step;
        lock (gate)
        {
            lines.Add(line);
            file?.WriteLine(line);
            step = steps?.Step(line);
        }
        log.Verbose(line);
        if (step is not null) log.Information($"  {title}: {step}");
    }

    /// <summary>On failure: every line the tool printed, so the lines that explain it are in the build log.</summary>
    public void Replay()
    {
        var all = Lines;
        log.Error($"{title} failed; its output ({all.Count} lines{(Path is null ? "" : ", also in " + Path)}):");
        foreach (var line in all) log.Information("  | " + line);
    }

    /// <summary>Where the full output is, for a closing line ("… (output: artifacts/logs/Images.log)").</summary>
    public string Where(string repositoryRoot) => Path is null ? "" : System.IO.Path.GetRelativePath(repositoryRoot, Path);

    public void Dispose() => file?.Dispose();
}
