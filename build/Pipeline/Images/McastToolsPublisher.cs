using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Images;

/// <summary>
/// Publishes src/McastTools as one NativeAOT linux-x64 binary, the only file the mcast image needs. dotnet's
/// output goes to artifacts/logs/McastTools.log (shown in full if the publish fails).
/// </summary>
public sealed class McastToolsPublisher(ProcessRunner runner, IBuildLog log, string repositoryRoot, string? logDirectory = null)
{
    public const string LogFile = "McastTools.log";

    public const string Project = "src/McastTools/McastTools.csproj";
    public const string Binary = "mcast";

    /// <summary>Returns the path of the published binary.</summary>
    public async Task<string> PublishAsync(string outputDirectory, CancellationToken cancellationToken = default)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        // Every publish of the project shares its obj folder: two at once (the Lab and Images test fixtures run
        // in parallel) wrote one object file together and the link failed on undefined symbols.
        await using var exclusive = await LockAsync(repositoryRoot, cancellationToken);
        using var output = new ToolLog(log, logDirectory is null ? null : Path.Combine(logDirectory, LogFile), "dotnet publish");
        await runner.RunAsync("dotnet",
            ["publish", Path.Combine(repositoryRoot, Project), "--runtime", "linux-x64", "--configuration", "Release",
             "--output", outputDirectory, "--nologo"],
            new ProcessOptions { WorkingDirectory = repositoryRoot, Output = output }, cancellationToken);
        var binary = Path.Combine(outputDirectory, Binary);
        if (!File.Exists(binary))
        {
            throw new PipelineException($"dotnet publish finished but {binary} is missing; check that {Project} sets AssemblyName 'mcast' and PublishAot, then run again.");
        }
        log.Information($"Published {Path.GetRelativePath(repositoryRoot, binary)} ({ImageSize.Format(new FileInfo(binary).Length)}) in {watch.Elapsed.TotalSeconds:0.0} s{(output.Path is null ? "" : $"; dotnet's output: {output.Where(repositoryRoot)}")}.");
        return binary;
    }

    /// <summary>
    /// Holds the project's publish lock (flock on obj/publish.lock) until disposed, waiting while another
    /// process or task holds it.
    /// </summary>
    public static async Task<FileStream> LockAsync(string repositoryRoot, CancellationToken cancellationToken)
    {
        var path = Path.Combine(repositoryRoot, Path.GetDirectoryName(Project)!, "obj", "publish.lock");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
        }
    }
}
