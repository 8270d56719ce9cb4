using System.Collections.Concurrent;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Tests;

/// <summary>Keeps every line the pipeline logged, with its level, for assertions on what a user would read.</summary>
public sealed class CapturingLog : IBuildLog
{
    private readonly ConcurrentQueue<(string Level, string Message)> lines = new();

    /// <summary>Each line as shown: information plain, other levels prefixed ("warning: ...").</summary>
    public IReadOnlyList<string> Lines => [.. lines.Select(l => l.Level == "information" ? l.Message : $"{l.Level}: {l.Message}")];

    public string Text => string.Join('\n', Lines);

    /// <summary>The messages of one level: verbose, information, warning or error.</summary>
    public IEnumerable<string> At(string level) => lines.Where(l => l.Level == level).Select(l => l.Message);

    public void Verbose(string message) => lines.Enqueue(("verbose", message));

    public void Information(string message) => lines.Enqueue(("information", message));

    public void Warning(string message) => lines.Enqueue(("warning", message));

    public void Error(string message) => lines.Enqueue(("error", message));
}
