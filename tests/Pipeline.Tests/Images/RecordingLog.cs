using System.Collections.Concurrent;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Tests.Images;

/// <summary>Keeps every line a step logs, with its level, so tests can assert on what a user would read.</summary>
public sealed class RecordingLog : IBuildLog
{
    private readonly ConcurrentQueue<(string Level, string Message)> lines = new();

    public IReadOnlyList<(string Level, string Message)> Lines => [.. lines];

    public IEnumerable<string> At(string level) => lines.Where(l => l.Level == level).Select(l => l.Message);

    public string Text => string.Join('\n', lines.Select(l => $"{l.Level}: {l.Message}"));

    public void Verbose(string message) => lines.Enqueue(("verbose", message));

    public void Information(string message) => lines.Enqueue(("information", message));

    public void Warning(string message) => lines.Enqueue(("warning", message));

    public void Error(string message) => lines.Enqueue(("error", message));
}
