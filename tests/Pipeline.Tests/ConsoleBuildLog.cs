using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Tests;

/// <summary>A plain log for running steps outside Cake.</summary>
public sealed class ConsoleBuildLog(bool verbose = false) : IBuildLog
{
    public void Verbose(string message)
    {
        if (verbose) Console.WriteLine(message);
    }

    public void Information(string message) => Console.WriteLine(message);

    public void Warning(string message) => Console.Error.WriteLine("warning: " + message);

    public void Error(string message) => Console.Error.WriteLine("error: " + message);
}
