using Docker.DotNet;
using Docker.DotNet.Models;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Images;

/// <summary>
/// Provides the base image both images build on. Kept when the engine has it; else pulled; else (no public
/// registry, air-gapped labs) made from Debian packages: debootstrap minbase, trimmed like Debian's -slim
/// images, imported under the same tag. Never rebuilt while the engine has that tag.
/// </summary>
public sealed class BaseImageBuilder(IDockerClient docker, ProcessRunner runner, IBuildLog log, ImageSettings settings, string workDirectory)
{
    /// <summary>The base image's log file under artifacts/logs, named for the target.</summary>
    public const string LogFile = "BaseImage.log";

    private static readonly TimeSpan PullTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan DebootstrapTimeout = TimeSpan.FromMinutes(40);

    /// <summary>Keeps dpkg from unpacking documentation in later layers too (apt-get in the iperf image).</summary>
    internal const string DpkgExcludes = """
        # McastLab base image: no documentation, manuals or translations (as in Debian's -slim images).
        path-exclude /usr/share/doc/*
        path-include /usr/share/doc/*/copyright
        path-exclude /usr/share/man/*
        path-exclude /usr/share/info/*
        path-exclude /usr/share/locale/*
        path-exclude /usr/share/lintian/*
        path-exclude /usr/share/linda/*

        """;

    /// <summary>Keeps apt's downloaded packages out of every layer.</summary>
    internal const string AptClean = """
        DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
        APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
        Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";

        """;

    /// <summary>Directories whose contents the trim removes (relative to the root file system).</summary>
    internal static IReadOnlyList<string> TrimmedDirectories { get; } =
    [
        "usr/share/man", "usr/share/info", "usr/share/locale", "usr/share/lintian", "usr/share/linda",
        "var/lib/apt/lists", "var/cache/apt", "var/cache/debconf/templates.dat-old", "var/log", "tmp", "var/tmp",
    ];

    public async Task<string> EnsureAsync(CancellationToken cancellationToken = default)
    {
        var name = ImageName.Parse(settings.BaseImage);
        if (await ImageSizeAsync(docker, settings.BaseImage, cancellationToken) is { } present)
        {
            log.Information($"Base image {settings.BaseImage} is present ({ImageSize.Format(present)}); not rebuilt.");
            return settings.BaseImage;
        }
        if (await TryPullAsync(name, cancellationToken))
        {
            return settings.BaseImage;
        }
        await BuildFromDebianAsync(name, cancellationToken);
        return settings.BaseImage;
    }

    internal static async Task<long?> ImageSizeAsync(IDockerClient docker, string reference, CancellationToken cancellationToken)
    {
        try
        {
            return (await docker.Images.InspectImageAsync(reference, cancellationToken)).Size;
        }
        catch (DockerImageNotFoundException)
        {
            return null;
        }
    }

    private async Task<bool> TryPullAsync(ImageName name, CancellationToken cancellationToken)
    {
        log.Information($"Base image {name} is not in the engine; trying to pull it.");
        // Without a reachable registry this fails in a second; that is expected, so not shown as an error.
        var messages = new EngineMessages(log, quiet: true);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PullTimeout);
        try
        {
            await docker.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = name.Repository, Tag = name.Tag }, null, messages, timeout.Token);
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException
                                      || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var reason = e is DockerApiException api ? ImageBuilder.EngineError(api) : e.Message;
            log.Information($"Pulling {name} failed ({FirstLine(reason)}); building it from Debian packages instead.");
            return false;
        }
        if (messages.Error is { } error)
        {
            log.Information($"Pulling {name} failed ({FirstLine(error)}); building it from Debian packages instead.");
            return false;
        }
        log.Information($"Pulled {name}.");
        return true;
    }

    private async Task BuildFromDebianAsync(ImageName name, CancellationToken cancellationToken)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new PipelineException($"Building the base image {name} with debootstrap needs root; run './build.sh BaseImage' as root (or load {name} into the engine) and run again.");
        }
        // Its own directory per build: two builds at once (the pipeline and a test run) must not share a tree.
        var work = Path.Combine(workDirectory, "base-image", $"{DateTime.UtcNow:yyyyMMddHHmmss}-{Environment.ProcessId}");
        var rootfs = Path.Combine(work, "rootfs");
        var tarball = Path.Combine(work, "rootfs.tar");
        Directory.CreateDirectory(work);
        try
        {
            log.Information($"Building {name} from Debian {settings.DebianSuite} ({settings.DebianMirror}) with debootstrap --variant=minbase; this takes a few minutes.");
            // One line per debootstrap phase; every line in artifacts/logs/BaseImage.log, all of them shown if it fails.
            using (var output = new ToolLog(log, Path.Combine(workDirectory, "logs", LogFile), "debootstrap", PhaseSteps.Debootstrap()))
            {
                await runner.RunAsync("debootstrap",
                    ["--variant=minbase", "--force-check-gpg", settings.DebianSuite, rootfs, settings.DebianMirror],
                    new ProcessOptions { Timeout = DebootstrapTimeout, Output = output }, cancellationToken);
            }
            Trim(rootfs);
            await runner.RunAsync("tar", ["--numeric-owner", "--xattrs", "-C", rootfs, "-cf", tarball, "."], cancellationToken: cancellationToken);
            await ImportAsync(name, tarball, cancellationToken);
        }
        finally
        {
            await RemoveTreeAsync(rootfs);
            File.Delete(tarball);
            if (!Directory.EnumerateFileSystemEntries(work).Any()) Directory.Delete(work);
        }
        var size = await ImageSizeAsync(docker, name.ToString(), cancellationToken)
            ?? throw new PipelineException($"The engine accepted the import of {name} but does not list it; check 'docker images' and the engine's log, then run again.");
        log.Information($"Base image {name}: {ImageSize.Format(size)}.");
    }

    /// <summary>Removes what a container never needs: documentation, caches, logs, apt lists.</summary>
    internal void Trim(string rootfs)
    {
        var before = DirectorySize(rootfs);
        foreach (var directory in TrimmedDirectories.Select(d => Path.Combine(rootfs, d)))
        {
            if (File.Exists(directory)) File.Delete(directory);
            // A link would lead out of the tree, possibly into the host's own directories: never follow one.
            if (!Directory.Exists(directory) || new DirectoryInfo(directory).LinkTarget is not null) continue;
            foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo sub && sub.LinkTarget is null) sub.Delete(recursive: true); else entry.Delete();
            }
        }
        var doc = Path.Combine(rootfs, "usr/share/doc");
        if (Directory.Exists(doc) && new DirectoryInfo(doc).LinkTarget is null)
        {
            // Keep each package's copyright file, as Debian's -slim images do.
            // Symbolic links are left alone: they may point outside the tree (the host's files are not ours to delete).
            var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };
            foreach (var file in Directory.EnumerateFiles(doc, "*", options).Where(f => Path.GetFileName(f) != "copyright"))
            {
                File.Delete(file);
            }
        }
        WriteConfig(Path.Combine(rootfs, "etc/dpkg/dpkg.cfg.d/mcastlab-slim"), DpkgExcludes);
        WriteConfig(Path.Combine(rootfs, "etc/apt/apt.conf.d/mcastlab-clean"), AptClean);
        log.Information($"Trimmed the root file system from {ImageSize.Format(before)} to {ImageSize.Format(DirectorySize(rootfs))}.");
    }

    private static void WriteConfig(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private async Task ImportAsync(ImageName name, string tarball, CancellationToken cancellationToken)
    {
        log.Information($"Importing the root file system as {name}.");
        var messages = new EngineMessages(log);
        await using (var stream = File.OpenRead(tarball))
        {
            await docker.Images.CreateImageAsync(
                new ImagesCreateParameters
                {
                    FromSrc = "-",
                    Repo = name.Repository,
                    Tag = name.Tag,
                    Message = $"debootstrap --variant=minbase {settings.DebianSuite} {settings.DebianMirror}, trimmed",
                    Changes = ["CMD [\"bash\"]"],
                },
                stream, null, messages, cancellationToken);
        }
        if (messages.Error is { } error)
        {
            throw new PipelineException($"The engine refused to import the base image {name}: {error}; check the engine's log and run again.");
        }
    }

    /// <summary>
    /// Deletes a debootstrap tree. debootstrap mounts /proc and /sys inside it; an interrupted run can leave them
    /// mounted, so unmount first and never cross into another file system.
    /// </summary>
    private async Task RemoveTreeAsync(string rootfs)
    {
        if (!Directory.Exists(rootfs)) return;
        var prefix = Path.GetFullPath(rootfs).TrimEnd('/') + "/";
        var mounts = File.ReadAllLines("/proc/self/mounts")
            .Select(line => line.Split(' ')[1].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(point => point.StartsWith(prefix, StringComparison.Ordinal))
            .OrderByDescending(point => point.Length);
        foreach (var point in mounts)
        {
            await runner.RunAsync("umount", ["--lazy", point], new ProcessOptions { Quiet = true, AllowFailure = true });
        }
        await runner.RunAsync("rm", ["-rf", "--one-file-system", rootfs], new ProcessOptions { Quiet = true });
    }

    private static long DirectorySize(string root) =>
        new DirectoryInfo(root).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true })
            .Where(f => f.LinkTarget is null)
            .Sum(f => f.Length);

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
