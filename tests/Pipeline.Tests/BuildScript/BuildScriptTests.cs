using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.BuildScript;

/// <summary>
/// ./build.sh as a user runs it: the real bootstrap, Cake and the graph. Alone, because the dry-run test
/// compares the whole checkout before and after.
/// </summary>
[Collection(nameof(BuildScriptTests))]
public sealed class BuildScriptTests
{
    private static async Task<ProcessResult> BuildAsync(IReadOnlyDictionary<string, string?>? environment, params string[] arguments) =>
        await new ProcessRunner(new CapturingLog(), new SecretMasker()).RunAsync(
            Path.Combine(RepositoryRoot.Path, "build.sh"), arguments,
            new ProcessOptions { AllowFailure = true, Environment = environment ?? new Dictionary<string, string?>(), Timeout = TimeSpan.FromMinutes(5) },
            TestContext.Current.CancellationToken);

    [Fact]
    public async Task Without_a_target_it_lists_targets_and_parameters_and_exits_0()
    {
        var result = await BuildAsync(null);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Targets:", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Prerequisites", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("--group", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("224.0.67.67", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_target_exits_non_zero_and_lists_the_targets()
    {
        var result = await BuildAsync(null, "Nope");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Target 'Nope' was not found; choose one of: Default, Prerequisites,", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tree_and_description_list_the_targets()
    {
        var tree = await BuildAsync(null, "--tree");
        Assert.Equal(0, tree.ExitCode);
        Assert.Contains("Test", tree.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Compile", tree.StandardOutput, StringComparison.Ordinal);
        var description = await BuildAsync(null, "--description");
        Assert.Equal(0, description.ExitCode);
        Assert.Contains("Runs every test project", description.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_rate_stops_Lab_before_any_target_with_one_sentence()
    {
        var result = await BuildAsync(null, "Lab", "--rate=fast");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Parameter --rate must be an iperf rate such as 1M, 500k or 200pps (got 'fast' from the command line).", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        // Nothing ran: Cake prints a task's name as it starts it.
        Assert.DoesNotContain("Prerequisites", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("local", true)]
    [InlineData("cluster", false)]
    public async Task Lab_asks_for_the_hosts_networking_tools_only_when_it_builds_the_lab_on_this_host(string backend, bool needsThem)
    {
        // Prerequisites alone checks what Lab needs; on a machine that lacks a program it names it as missing.
        var result = await BuildAsync(null, "Prerequisites", $"--lab-backend={backend}");
        var output = result.StandardOutput + result.StandardError;
        Assert.Contains("debootstrap", output, StringComparison.Ordinal);
        Assert.Equal(needsThem, output.Contains("macvlan", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_secret_from_the_environment_never_appears_in_the_output()
    {
        const string secret = "Zq9-registry-secret-77";
        var result = await BuildAsync(new Dictionary<string, string?> { ["MCASTLAB_REGISTRY_PASSWORD"] = secret });
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--registry-password", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_skip_of_an_unknown_target_is_refused()
    {
        var result = await BuildAsync(null, "Compile", "--skip=Restroe", "--dryrun");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("The --skip target 'Restroe' was not found", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dry_run_writes_nothing_and_shows_skipped_targets()
    {
        var before = Snapshot();
        var result = await BuildAsync(null, "Test", "--dryrun", "--skip=Restore");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("This was a dry run.", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task A_change_to_a_source_the_pipeline_links_from_elsewhere_rebuilds_the_pipeline_and_no_change_rebuilds_nothing()
    {
        var pipeline = Path.Combine(RepositoryRoot.Path, "build", "bin", "McastLab.Pipeline.dll");
        var linked = Path.Combine(RepositoryRoot.Path, "src", "McastTools", "Send", "Rate.cs");
        Assert.Contains("<Compile Include=\"../../src/McastTools/Send/Rate.cs\"", File.ReadAllText(Path.Combine(RepositoryRoot.Path, "build", "Pipeline", "Pipeline.csproj")), StringComparison.Ordinal);
        Assert.Equal(0, (await BuildAsync(null, "--tree")).ExitCode);
        var built = File.GetLastWriteTimeUtc(pipeline);

        Assert.Equal(0, (await BuildAsync(null, "--tree")).ExitCode);
        Assert.Equal(built, File.GetLastWriteTimeUtc(pipeline));

        var original = File.GetLastWriteTimeUtc(linked);
        try
        {
            // As an edit would: the linked file is now newer than the built pipeline.
            File.SetLastWriteTimeUtc(linked, built.AddSeconds(1) > DateTime.UtcNow ? built.AddSeconds(1) : DateTime.UtcNow);
            Assert.Equal(0, (await BuildAsync(null, "--tree")).ExitCode);
            Assert.True(File.GetLastWriteTimeUtc(pipeline) > built, "build.sh did not rebuild build/bin after src/McastTools/Send/Rate.cs (linked into Pipeline.csproj) changed.");
        }
        finally
        {
            File.SetLastWriteTimeUtc(linked, original);
        }
    }

    /// <summary>Every file of the checkout with its size and time, except what the running test host itself writes.</summary>
    private static SortedDictionary<string, (long, DateTime)> Snapshot()
    {
        var files = new SortedDictionary<string, (long, DateTime)>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(RepositoryRoot.Path, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(RepositoryRoot.Path, file);
            if (relative.StartsWith(".git/", StringComparison.Ordinal) || relative.StartsWith("artifacts/test-results", StringComparison.Ordinal)
                || relative.Contains("/TestResults/", StringComparison.Ordinal)) continue;
            var info = new FileInfo(file);
            files[relative] = (info.Length, info.LastWriteTimeUtc);
        }
        return files;
    }
}

[CollectionDefinition(nameof(BuildScriptTests), DisableParallelization = true)]
public sealed class RunsAlone;
