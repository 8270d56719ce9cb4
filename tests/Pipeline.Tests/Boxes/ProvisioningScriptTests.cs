using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Boxes;

/// <summary>The provisioning scripts through the real shellcheck, and the rules every one of them keeps.</summary>
public sealed class ProvisioningScriptTests
{
    private static readonly string Scripts = Path.Combine(BoxTestContext.RepositoryRoot, "packer", "scripts");

    public static TheoryData<string> ScriptNames() => new(Directory.EnumerateFiles(Scripts, "*.sh").Select(Path.GetFileName).OfType<string>().Order());

    [Theory]
    [MemberData(nameof(ScriptNames))]
    public async Task Shellcheck_finds_nothing_in_the_script(string script)
    {
        Assert.SkipUnless(BoxTestContext.Has("shellcheck"), "shellcheck is not installed");

        var result = await BoxTestContext.Runner().RunAsync("shellcheck", ["-x", "-s", "bash", script],
            new ProcessOptions { AllowFailure = true, WorkingDirectory = Scripts }, TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, $"shellcheck {script}:\n{result.StandardOutput}{result.StandardError}");
    }

    [Theory]
    [MemberData(nameof(ScriptNames))]
    public void Every_script_that_runs_stops_at_its_first_error(string script)
    {
        var text = File.ReadAllText(Path.Combine(Scripts, script));
        if (script == "common.sh")
        {
            Assert.DoesNotContain("#!/", text, StringComparison.Ordinal);
            return;
        }
        Assert.StartsWith("#!/usr/bin/env bash\n", text, StringComparison.Ordinal);
        Assert.Contains("\nset -euo pipefail\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_script_a_var_file_names_exists()
    {
        var varFiles = Directory.EnumerateFiles(Path.Combine(BoxTestContext.RepositoryRoot, "packer", "vars"), "*.pkrvars.hcl", SearchOption.AllDirectories).ToList();
        Assert.Equal(4, varFiles.Count);
        foreach (var file in varFiles)
        {
            var line = File.ReadAllLines(file).Single(l => l.StartsWith("scripts", StringComparison.Ordinal));
            var names = line[(line.IndexOf('[', StringComparison.Ordinal) + 1)..line.IndexOf(']', StringComparison.Ordinal)]
                .Split(',', StringSplitOptions.TrimEntries).Select(n => n.Trim('"'));
            Assert.All(names, name => Assert.True(File.Exists(Path.Combine(Scripts, name)), $"{file} names {name}, which is not in packer/scripts"));
        }
    }

    [Fact]
    public async Task The_write_file_function_changes_a_file_only_when_its_content_differs()
    {
        Assert.SkipUnless(BoxTestContext.Has("bash"), "bash is not installed");
        var scratch = Directory.CreateTempSubdirectory("mcastlab-script-");
        try
        {
            var target = Path.Combine(scratch.FullName, "etc", "example.conf");
            var script = $". '{Path.Combine(Scripts, "common.sh")}'\n" +
                         $"write_file '{target}' 0644 <<<'one'; echo \"first=$MCASTLAB_CHANGED\"\n" +
                         $"write_file '{target}' 0644 <<<'one'; echo \"again=$MCASTLAB_CHANGED\"\n" +
                         $"write_file '{target}' 0644 <<<'two'; echo \"changed=$MCASTLAB_CHANGED\"\n";

            var result = await BoxTestContext.Runner().RunAsync("bash", ["-euo", "pipefail", "-c", script], cancellationToken: TestContext.Current.CancellationToken);

            Assert.Contains("first=yes", result.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("again=no", result.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("changed=yes", result.StandardOutput, StringComparison.Ordinal);
            Assert.Equal("two\n", await File.ReadAllTextAsync(target, TestContext.Current.CancellationToken));
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
