using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.DotNet;

/// <summary>Clean, restore, compile and test McastLab.sln with the dotnet CLI; with <paramref name="skipsFail"/> (CI) a skipped test fails Test.</summary>
public sealed class DotNetSolution(ProcessRunner runner, IBuildLog log, string repositoryRoot, string configuration, bool skipsFail = false)
{
    public const string SolutionFile = "McastLab.sln";

    private static readonly string[] ProjectRoots = ["src", "tests", "build/Pipeline", "benchmarks"];

    private string Solution => Path.Combine(repositoryRoot, SolutionFile);

    private ArtifactsLayout Artifacts => new(repositoryRoot);

    public string TestResults => Artifacts.TestResults;

    /// <summary>Removes artifacts/ and the projects' bin/ and obj/. build/bin (the pipeline Cake runs from) stays.</summary>
    public void Clean()
    {
        var targets = new List<string> { Artifacts.Directory };
        foreach (var root in ProjectRoots.Select(r => Path.Combine(repositoryRoot, r)).Where(Directory.Exists))
        {
            targets.AddRange(Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories)
                .Where(d => Path.GetFileName(d) is "bin" or "obj"));
        }
        foreach (var directory in targets.Where(Directory.Exists))
        {
            log.Information("Removing " + Path.GetRelativePath(repositoryRoot, directory));
            Directory.Delete(directory, recursive: true);
        }
    }

    public Task RestoreAsync(CancellationToken cancellationToken = default) =>
        runner.RunAsync("dotnet", ["restore", Solution, "--nologo"], cancellationToken: cancellationToken);

    public Task CompileAsync(CancellationToken cancellationToken = default) =>
        runner.RunAsync("dotnet", ["build", Solution, "--configuration", configuration, "--no-restore", "--nologo"], cancellationToken: cancellationToken);

    /// <summary>Runs every test project, then prints one closing line counted from the result files.</summary>
    public async Task<TestSummary> TestAsync(CancellationToken cancellationToken = default)
    {
        if (Directory.Exists(TestResults)) Directory.Delete(TestResults, recursive: true);
        var result = await runner.RunAsync("dotnet",
            ["test", Solution, "--configuration", configuration, "--no-build", "--nologo",
             "--logger", "trx", "--logger", "console;verbosity=normal", "--results-directory", TestResults],
            new ProcessOptions { AllowFailure = true }, cancellationToken);
        var summary = TestSummary.Read(TestResults);
        foreach (var skipped in summary.Skipped)
        {
            log.Warning($"Skipped {skipped.Name}: {skipped.Reason}");
        }
        log.Information($"Tests: {summary.Passed} passed, {summary.Failed} failed, {summary.Skipped.Count} skipped");
        if (summary.Failure(result.ExitCode, skipsFail) is { } failure)
        {
            throw new PipelineException($"{failure}; see the output above and the results in {Path.GetRelativePath(repositoryRoot, TestResults)}.");
        }
        return summary;
    }
}
