using System.Collections.Concurrent;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Tests;

/// <summary>Keeps every line the pipeline logged, for assertions.</summary>
internal sealed class CapturingLog : IBuildLog
{
    private readonly ConcurrentQueue<string> lines = new();

    public IReadOnlyList<string> Lines => [.. lines];

    public string Text => string.Join('\n', lines);

    public void Verbose(string message) => lines.Enqueue("verbose: " + message);

    public void Information(string message) => lines.Enqueue(message);

    public void Warning(string message) => lines.Enqueue("warning: " + message);

    public void Error(string message) => lines.Enqueue("error: " + message);
}
