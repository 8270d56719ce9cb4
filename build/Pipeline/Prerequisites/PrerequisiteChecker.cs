using McastLab.Pipeline.Core;
using McastLab.Pipeline.Graph;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Prerequisites;

/// <summary>
/// Checks the programs the requested targets need and prints what it found. As root on Debian/Ubuntu it
/// installs what is missing with apt-get (then what a committed npm lock pins, with `npm ci`) and starts the
/// Docker engine; elsewhere it stops with the command to run.
/// </summary>
/// <param name="repositoryRoot">Where the npm projects of <see cref="Requirement.NpmProject"/> are (default: the current directory).</param>
public sealed class PrerequisiteChecker(ProcessRunner runner, IBuildLog log, HostFacts host, IReadOnlyList<Requirement>? catalog = null, string? logDirectory = null, string? repositoryRoot = null)
{
    /// <summary>apt-get's output, under the logs directory (shown in full if it fails).</summary>
    public const string LogFile = "Prerequisites.log";

    private readonly IReadOnlyList<Requirement> catalog = catalog ?? PrerequisiteCatalog.All;

    /// <summary>The main job whose needs `./build.sh Prerequisites` prepares when it is the requested target itself.</summary>
    public const string MainTarget = "Lab";

    /// <summary>
    /// Prepares what the requested target and everything it depends on need. `./build.sh Prerequisites` lists
    /// each program with its version; as another target's dependency it says so in one line (the list at verbose).
    /// </summary>
    public Task<IReadOnlyList<Finding>> EnsureForAsync(string requestedTarget, TargetGraph graph, CancellationToken cancellationToken = default)
    {
        var alone = string.Equals(requestedTarget, "Prerequisites", StringComparison.OrdinalIgnoreCase);
        var target = alone ? MainTarget : requestedTarget;
        if (alone) log.Information($"Checking what {target} needs:");
        return EnsureAsync(graph.Needs(target), alone ? null : target, cancellationToken);
    }

    /// <summary>Prepares the named programs (names in the catalog).</summary>
    public Task<IReadOnlyList<Finding>> EnsureAsync(IReadOnlyCollection<string> programs, CancellationToken cancellationToken = default) =>
        EnsureAsync(programs, null, cancellationToken);

    /// <param name="briefFor">The target to name in a one-line summary instead of the list, or null for the list.</param>
    private async Task<IReadOnlyList<Finding>> EnsureAsync(IReadOnlyCollection<string> programs, string? briefFor, CancellationToken cancellationToken)
    {
        void Show(string line)
        {
            if (briefFor is null) log.Information(line); else log.Verbose(line);
        }

        var unknown = programs.Where(p => catalog.All(r => r.Program != p)).ToList();
        if (unknown.Count > 0)
        {
            throw new PipelineException($"A target needs {string.Join(", ", unknown)}, which the prerequisite catalog does not list; add it to PrerequisiteCatalog.All or fix the name in build/build.cake.");
        }
        // A program npm installs needs npm itself, whether the target names it or not.
        var npmNeeded = catalog.Any(r => r.NpmProject is not null && programs.Contains(r.Program));
        var requirements = catalog.Where(r => programs.Contains(r.Program) || (npmNeeded && r.Program == "npm")).ToList();
        var engine = new DockerEngine(runner, log, host);
        var needsEngine = requirements.Any(r => r.Program == "dockerd");
        if (needsEngine && await engine.ServerVersionAsync(cancellationToken) is not null)
        {
            // An engine that already answers (possibly remote, through DOCKER_HOST) needs no local dockerd.
            requirements.RemoveAll(r => r.Program == "dockerd");
        }
        var findings = await DetectAsync(requirements, cancellationToken);
        var missing = findings.Where(f => !f.Found).Select(f => f.Requirement).ToList();
        if (missing.Count > 0)
        {
            // apt first: it brings npm (only when none is present), which the npm-pinned programs need.
            var fromApt = missing.Where(r => r.NpmProject is null).ToList();
            if (fromApt.Count > 0) await InstallAsync(fromApt, cancellationToken);
            foreach (var pinned in missing.Where(r => r.NpmProject is not null)) await NpmInstallAsync(pinned, cancellationToken);
            findings = await DetectAsync(requirements, cancellationToken);
            var stillMissing = findings.Where(f => !f.Found).Select(f => f.Requirement).ToList();
            if (stillMissing.Count > 0)
            {
                var tools = stillMissing.Any(r => r.NpmProject is null) ? "apt-get" : "npm ci";
                throw new PipelineException($"{tools} finished but {string.Join(", ", stillMissing.Select(r => r.Program))} still cannot be found; check the {tools} output above.");
            }
        }
        foreach (var finding in findings)
        {
            Show($"  {finding.Requirement.Program,-16} {finding.Version ?? "(no version reported)"}  [{finding.Location}]");
        }

        if (needsEngine)
        {
            var version = await engine.EnsureRunningAsync(cancellationToken);
            Show($"  {"docker engine",-16} {version}");
        }
        if (briefFor is not null)
        {
            var names = findings.Select(f => f.Requirement.Program).Concat(needsEngine ? ["docker engine"] : []).ToList();
            log.Information(names.Count == 0
                ? $"{briefFor} needs no programs."
                : $"{briefFor} needs {string.Join(", ", names)}: all there ('./build.sh Prerequisites' lists their versions).");
        }
        return findings;
    }

    public async Task<IReadOnlyList<Finding>> DetectAsync(IEnumerable<Requirement> requirements, CancellationToken cancellationToken = default)
    {
        var findings = new List<Finding>();
        foreach (var requirement in requirements)
        {
            var location = Locate(requirement);
            var version = location is null ? null : await VersionAsync(location, requirement, cancellationToken);
            findings.Add(new Finding(requirement, location, version));
        }
        return findings;
    }

    private string Root => repositoryRoot ?? Directory.GetCurrentDirectory();

    private string? Locate(Requirement requirement)
    {
        if (requirement.NpmProject is { } project)
        {
            // Installed, and from the committed lock as it is now (npm ci writes node_modules/.package-lock.json).
            var folder = Path.Combine(Root, project);
            var program = Path.Combine(folder, "node_modules", ".bin", requirement.Program);
            var installed = new FileInfo(Path.Combine(folder, "node_modules", ".package-lock.json"));
            var current = installed.Exists && installed.LastWriteTimeUtc >= File.GetLastWriteTimeUtc(Path.Combine(folder, "package-lock.json"));
            return File.Exists(program) && current ? program : null;
        }
        if (requirement.Directories.Count == 0) return runner.Locator.Find(requirement.Program);
        return requirement.Directories
            .Select(directory => Path.Combine(directory, requirement.Program))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>The first output line that carries a version number (iperf prints its version on stderr and exits 1).</summary>
    private async Task<string?> VersionAsync(string location, Requirement requirement, CancellationToken cancellationToken)
    {
        if (requirement.NpmProject is { } project) return $"pinned by {project}/package-lock.json";
        var result = await runner.RunAsync(location, requirement.VersionArguments,
            new ProcessOptions { Quiet = true, AllowFailure = true, Timeout = TimeSpan.FromSeconds(30) }, cancellationToken);
        var lines = (result.StandardOutput + "\n" + result.StandardError)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.FirstOrDefault(line => line.Any(char.IsDigit)) ?? lines.FirstOrDefault();
    }

    /// <summary>`npm ci` of the committed lock: exactly the pinned versions, no install scripts run.</summary>
    private async Task NpmInstallAsync(Requirement requirement, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Root, requirement.NpmProject!);
        var npm = runner.Locator.Find("npm")
            ?? throw new PipelineException($"npm was not found to install {requirement.Program}; install it (on Debian/Ubuntu: sudo apt-get install -y npm) and run again.");
        if (!File.Exists(Path.Combine(folder, "package-lock.json")))
        {
            throw new PipelineException($"{requirement.NpmProject}/package-lock.json is missing, so {requirement.Program} has no pinned version to install; restore it from git and run again.");
        }
        log.Information($"Missing {requirement.Program}: installing it with npm ci from {requirement.NpmProject}/package-lock.json.");
        var file = logDirectory is null ? null : Path.Combine(logDirectory, LogFile);
        using var output = new ToolLog(log, file, $"npm ci --prefix {requirement.NpmProject}");
        await runner.RunAsync(npm, ["ci", "--prefix", folder, "--ignore-scripts", "--no-audit", "--no-fund"], new ProcessOptions { Output = output }, cancellationToken);
    }

    private async Task InstallAsync(IReadOnlyList<Requirement> missing, CancellationToken cancellationToken)
    {
        var programs = string.Join(", ", missing.Select(r => r.Program));
        var packages = missing.Select(r => r.AptPackage).Distinct().ToList();
        var command = "apt-get install -y " + string.Join(' ', packages);
        if (!host.IsDebianLike || runner.Locator.Find("apt-get") is null)
        {
            throw new PipelineException($"Missing {programs}; install the packages {string.Join(", ", packages)} with your system's package manager (on Debian/Ubuntu: sudo {command}) and run again.");
        }
        if (!host.IsRoot)
        {
            throw new PipelineException($"Missing {programs}; install them with 'sudo {command}' and run again.");
        }

        log.Information($"Missing {programs}: installing {string.Join(' ', packages)} with apt-get.");
        var environment = new Dictionary<string, string?> { ["DEBIAN_FRONTEND"] = "noninteractive" };
        var file = logDirectory is null ? null : Path.Combine(logDirectory, LogFile);
        // One line per apt phase (fetching, unpacking, setting up); everything in the file.
        using (var output = new ToolLog(log, file, "apt-get update", PhaseSteps.Apt()))
        {
            await runner.RunAsync("apt-get", ["update", "-q"], new ProcessOptions { Environment = environment, Output = output }, cancellationToken);
        }
        using (var output = new ToolLog(log, file, "apt-get install", PhaseSteps.Apt()))
        {
            await runner.RunAsync("apt-get", ["install", "-y", "-q", "--no-install-recommends", .. packages], new ProcessOptions { Environment = environment, Output = output }, cancellationToken);
        }
    }
}
