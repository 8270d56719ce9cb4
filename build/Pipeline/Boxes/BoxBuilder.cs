using System.Diagnostics;
using System.Globalization;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Boxes;

/// <summary>
/// Builds one box with Packer (the docker box from the base box, the k8s box from the docker box) unless
/// its inputs are those of the last build, and writes its box file and metadata to artifacts/boxes/.
/// </summary>
public sealed class BoxBuilder(ProcessRunner runner, IBuildLog log, BoxLayout layout, BoxSettings settings, Func<DateTimeOffset>? clock = null)
{
    private readonly Func<DateTimeOffset> clock = clock ?? (() => DateTimeOffset.UtcNow);
    private readonly BoxInputs inputs = new(layout, settings);
    private readonly PackerArguments packer = new(layout, settings);

    public async Task<BoxMetadata> BuildAsync(BoxRole role, CancellationToken cancellationToken = default)
    {
        var name = settings.BoxName(role);
        var source = Source(role);
        var inputHash = inputs.Hash(role, (source as BoxSource.File)?.Sha256);
        var last = BoxMetadata.TryRead(layout.MetadataFile(role));
        if (BoxInputs.IsCurrent(last, inputHash, layout.BoxFile(role)))
        {
            log.Information($"{name} ({layout.Provider}) is up to date: its templates, scripts and pins are those of the build of {last!.BuildTime:u}; skipping Packer.");
            return last;
        }

        var packerVersion = PackerVersion.Parse((await runner.RunAsync("packer", ["version"], Quiet(), cancellationToken)).StandardOutput);
        var vagrantVersion = (await runner.RunAsync("vagrant", VagrantArguments.Version(), Quiet(), cancellationToken)).StandardOutput.Trim();
        var templates = await TemplatesAsync(packerVersion, cancellationToken);

        log.Information($"Building {name} for {layout.Provider} with Packer {packerVersion} (this boots a VM and takes a while).");
        var started = clock();
        var watch = Stopwatch.StartNew();
        var output = layout.BuildDirectory(role);
        try
        {
            await runner.RunAsync("packer", packer.Build(role, templates, source), new ProcessOptions { WorkingDirectory = layout.RepositoryRoot }, cancellationToken);
            var packaged = Path.Combine(output, "package.box");
            if (!File.Exists(packaged))
            {
                throw new PipelineException($"Packer finished but left no {packaged}; see its output above.");
            }
            File.Move(packaged, layout.BoxFile(role), overwrite: true);
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
            // Also after a failure or Ctrl+C: the registration exists only for this build.
            if (source is BoxSource.File derived)
            {
                await new BuildVmBox(runner, log, layout.Provider).RemoveAsync(BuildVmBox.Name(name, derived.Sha256), CancellationToken.None);
            }
        }

        var metadata = new BoxMetadata
        {
            Name = name,
            Version = settings.Version ?? started.ToString("yyyyMMdd.HHmmss", CultureInfo.InvariantCulture),
            Provider = layout.Provider,
            Os = settings.Os.Name,
            BoxFile = Path.GetFileName(layout.BoxFile(role)),
            Size = new FileInfo(layout.BoxFile(role)).Length,
            Sha256 = Sha256.OfFile(layout.BoxFile(role)),
            BuildTime = started,
            BuildSeconds = Math.Round(watch.Elapsed.TotalSeconds, 1),
            GitRevision = await GitRevisionAsync(cancellationToken),
            PackerVersion = packerVersion.ToString(),
            VagrantVersion = vagrantVersion,
            SourceBox = source is BoxSource.File file ? Path.GetFileName(file.Path) : settings.Os.BaseBox,
            SourceBoxVersion = source is BoxSource.Catalog catalog ? catalog.Version : null,
            InputHash = inputHash,
        };
        // Written last: a build that failed half-way never matches the input hash.
        metadata.Write(layout.MetadataFile(role));
        log.Information($"{name}: {layout.BoxFile(role)} ({metadata.Size / (1024.0 * 1024.0):0.0} MiB, sha256 {metadata.Sha256}).");
        return metadata;
    }

    /// <summary>The docker box starts from the pinned base box; the k8s box from the docker box just built.</summary>
    public BoxSource Source(BoxRole role)
    {
        if (role == BoxRole.Docker) return new BoxSource.Catalog(settings.Pins.BaseBoxVersion);
        var docker = BoxMetadata.TryRead(layout.MetadataFile(BoxRole.Docker));
        if (docker is null || !File.Exists(layout.BoxFile(BoxRole.Docker)))
        {
            throw new PipelineException($"The k8s box derives from {settings.BoxName(BoxRole.Docker)}, which is not built for {layout.Provider} yet; run ./build.sh Boxes.");
        }
        return new BoxSource.File(layout.BoxFile(BoxRole.Docker), docker.Sha256);
    }

    /// <summary>Packer 1.6 takes the templates as they are; 1.7 and newer also get the plugins file and `packer init`.</summary>
    private async Task<string> TemplatesAsync(PackerVersion version, CancellationToken cancellationToken)
    {
        if (!version.SupportsRequiredPlugins) return layout.TemplatesDirectory;
        var staged = layout.StagedTemplatesDirectory;
        if (Directory.Exists(staged)) Directory.Delete(staged, recursive: true);
        Directory.CreateDirectory(staged);
        foreach (var file in layout.TemplateFiles.Append(layout.PluginsFile))
        {
            File.Copy(file, Path.Combine(staged, Path.GetFileName(file)));
        }
        await runner.RunAsync("packer", PackerArguments.Init(staged), cancellationToken: cancellationToken);
        return staged;
    }

    private async Task<string> GitRevisionAsync(CancellationToken cancellationToken)
    {
        if (runner.Locator.Find("git") is null) return "unknown";
        var options = Quiet() with { AllowFailure = true, WorkingDirectory = layout.RepositoryRoot };
        var revision = await runner.RunAsync("git", ["rev-parse", "HEAD"], options, cancellationToken);
        if (revision.ExitCode != 0) return "unknown";
        var status = await runner.RunAsync("git", ["status", "--porcelain", "--", "packer"], options, cancellationToken);
        return revision.StandardOutput.Trim() + (status.StandardOutput.Trim().Length > 0 ? "-dirty" : "");
    }

    private static ProcessOptions Quiet() => new() { Quiet = true, Timeout = TimeSpan.FromSeconds(60) };
}
