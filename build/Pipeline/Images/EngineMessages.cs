using Docker.DotNet.Models;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Images;

/// <summary>
/// Reads the engine's JSON message stream of a build, pull, import or push: streams it to the log and keeps
/// what matters afterwards (the first error, digests). The engine reports most failures here, not as an HTTP
/// error. Synchronous on purpose: <see cref="Progress{T}"/> would post to the thread pool, so the last
/// messages (the error) could arrive after the call returned. With a <see cref="ToolLog"/> (builds), the
/// stream goes there instead: one line per step in the build log, every line in its file.
/// </summary>
public sealed class EngineMessages(IBuildLog log, bool quiet = false, ToolLog? output = null) : IProgress<JSONMessage>
{
    private readonly List<string> lines = [];
    private readonly Lock gate = new();

    /// <summary>The first error the engine sent, or null.</summary>
    public string? Error { get; private set; }

    public IReadOnlyList<string> Lines
    {
        get { lock (gate) return [.. lines]; }
    }

    public void Report(JSONMessage value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Error is { Message: { Length: > 0 } message })
        {
            var text = message.Trim();
            lock (gate)
            {
                Error ??= text;
                lines.Add(text);
            }
            if (output is not null) output.Line(text); // replayed with the rest by whoever fails on it
            else if (quiet) log.Verbose(text);
            else log.Error(text);
            return;
        }

        if (!string.IsNullOrEmpty(value.Stream))
        {
            foreach (var line in value.Stream.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                Keep(line);
                Show(line);
            }
            return;
        }

        if (!string.IsNullOrEmpty(value.Status))
        {
            var line = string.IsNullOrEmpty(value.ID) ? value.Status : $"{value.ID}: {value.Status}";
            // Progress bars repeat many times a second: verbose only.
            if (value.Progress is { Total: > 0 } progress)
            {
                log.Verbose($"{line} {progress.Current}/{progress.Total}");
                return;
            }
            Keep(line);
            Show(line);
        }
    }

    private void Show(string line)
    {
        if (output is not null) output.Line(line);
        else if (quiet) log.Verbose(line); else log.Information(line);
    }

    private void Keep(string line)
    {
        lock (gate) lines.Add(line);
    }
}
