using CliWrap;
using CliWrap.Buffered;
using Docker.DotNet;
using Docker.DotNet.Models;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// The built images' root file systems on this machine, so the lab runs their programs as processes (a chroot,
/// <see cref="LabPrograms"/>) instead of a container per program, which costs Docker about 0.14 CPU seconds each.
/// Each image is exported once (docker create + export, the flattened file system with its owners, modes and
/// device nodes) into a directory named after its image id, so a rebuilt image gets a new directory and an
/// unchanged one is never exported again. The directory is made under a temporary name and renamed when
/// complete, so a run never uses a half-extracted one, and two runs exporting the same image both succeed.
/// </summary>
public sealed class ImageFilesystems(DockerClient docker, LabRunId run, string root = ImageFilesystems.DefaultRoot, LabTimings? timings = null)
{
    /// <summary>Outside any checkout, kept across runs (the iperf image takes seconds to export).</summary>
    public const string DefaultRoot = "/var/lib/mcastlab/rootfs";

    /// <summary>
    /// An entry is removed once no run has used it for this long: every commit builds images with new ids (their
    /// revision label), so entries pile up; an image used again later is simply exported again.
    /// </summary>
    public static readonly TimeSpan UnusedLifetime = TimeSpan.FromDays(1);

    private readonly LabTimings timings = timings ?? new LabTimings();

    public string Root => root;

    /// <summary>The image's root file system (exported now if this image id has none yet) and how its config says to run it.</summary>
    public async Task<ImageFilesystem> GetAsync(string image, CancellationToken cancellationToken)
    {
        ImageInspectResponse inspected;
        try
        {
            inspected = await docker.Images.InspectImageAsync(image, cancellationToken);
        }
        catch (DockerImageNotFoundException)
        {
            throw new PipelineException($"The image {image} is not in the Docker engine; build it with './build.sh Images' (Lab depends on it), then run again.");
        }
        var directory = Path.Combine(root, inspected.ID.Replace("sha256:", "", StringComparison.Ordinal));
        var exported = false;
        if (!Directory.Exists(directory))
        {
            await timings.TimeAsync("image export", () => ExportAsync(image, directory, cancellationToken));
            exported = true;
        }
        // Marks it as used, for the removal of entries nobody uses any more.
        Directory.SetLastWriteTimeUtc(directory, DateTime.UtcNow);
        if (exported) RemoveUnused();
        return ImageFilesystem.From(image, inspected.ID, directory, inspected.Config ?? new DockerOCIImageConfig(), exported);
    }

    private async Task ExportAsync(string image, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(root);
        var partial = $"{directory}.partial-{run.Value}";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);
        // A container is the engine's way to a flattened file system; it never starts. The run label lets a
        // later run remove it should this one be killed meanwhile.
        var created = await docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = run.Name($"export-{Guid.NewGuid().ToString("N")[..8]}"),
            Image = image,
            Labels = new Dictionary<string, string> { [ContainerLabels.Run] = run.Value, [ContainerLabels.Role] = "export" },
        }, cancellationToken);
        try
        {
            await using var tarball = await docker.Containers.ExportContainerAsync(created.ID, cancellationToken);
            // GNU tar as root keeps what a container would see: numeric owners, modes, device nodes, links.
            var result = await Cli.Wrap("tar")
                .WithArguments(["-x", "--numeric-owner", "-f", "-", "-C", partial])
                .WithStandardInputPipe(PipeSource.FromStream(tarball))
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cancellationToken);
            if (result.ExitCode != 0)
            {
                throw new PipelineException($"Extracting the file system of {image} into {partial} failed ({result.StandardError.Trim()}); check the free space under {root} and run again.");
            }
        }
        catch
        {
            Directory.Delete(partial, recursive: true);
            throw;
        }
        finally
        {
            try
            {
                await docker.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
            }
            catch (DockerContainerNotFoundException)
            {
                // Gone already.
            }
        }
        try
        {
            Directory.Move(partial, directory);
        }
        catch (IOException) when (Directory.Exists(directory))
        {
            // Another run exported the same image first: use its copy.
            Directory.Delete(partial, recursive: true);
        }
    }

    /// <summary>
    /// Removes entries unused for <see cref="UnusedLifetime"/> (a lab that started with one has long finished),
    /// and partial ones a killed run left.
    /// </summary>
    private void RemoveUnused()
    {
        foreach (var entry in new DirectoryInfo(root).GetDirectories())
        {
            var partialOf = entry.Name.Split(".partial-") is [_, var owner] ? LabRunId.FromName(owner) : null;
            var unused = partialOf is not null
                ? partialOf != run && !LabRunLock.IsLive(partialOf)
                : DateTime.UtcNow - entry.LastWriteTimeUtc > UnusedLifetime;
            if (unused) entry.Delete(recursive: true);
        }
    }
}

/// <summary>
/// An image's exported root file system and what its config says about running it: the entrypoint and
/// default arguments, the environment, the user and group (numeric, or names from its /etc/passwd and
/// /etc/group, as the engine resolves them) and the working directory.
/// </summary>
public sealed record ImageFilesystem(string Image, string Id, string Directory, IReadOnlyList<string> Entrypoint, IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Environment, int Uid, int Gid, string WorkingDirectory, bool Exported)
{
    public static ImageFilesystem From(string image, string id, string directory, DockerOCIImageConfig config, bool exported)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in config.Env ?? [])
        {
            var at = entry.IndexOf('=', StringComparison.Ordinal);
            if (at > 0) environment[entry[..at]] = entry[(at + 1)..];
        }
        var (uid, gid, home) = User(image, directory, config.User ?? "");
        // The engine's defaults: HOME from the user's passwd entry, else /; a PATH when the image gives none.
        environment.TryAdd("HOME", home);
        environment.TryAdd("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        return new ImageFilesystem(image, id, directory, [.. config.Entrypoint ?? []], [.. config.Cmd ?? []], environment, uid, gid,
            string.IsNullOrEmpty(config.WorkingDir) ? "/" : config.WorkingDir, exported);
    }

    /// <summary>"uid[:gid]" or names, resolved in the image's own /etc/passwd and /etc/group; empty is root.</summary>
    private static (int Uid, int Gid, string Home) User(string image, string directory, string user)
    {
        var parts = user.Split(':', 2);
        var passwd = Table(directory, "passwd");
        var entry = parts[0].Length == 0 ? passwd.FirstOrDefault(p => p[2] == "0")
            : passwd.FirstOrDefault(p => p[0] == parts[0] || (p[2] == parts[0] && int.TryParse(parts[0], out _)));
        int uid;
        if (parts[0].Length == 0) uid = 0;
        else if (int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var number)) uid = number;
        else if (entry is not null) uid = int.Parse(entry[2], System.Globalization.CultureInfo.InvariantCulture);
        else throw new PipelineException($"The image {image} runs as user '{parts[0]}', which its /etc/passwd does not name; give it a numeric USER (uid:gid) and rebuild it.");

        int gid;
        if (parts.Length == 1) gid = entry is not null && int.TryParse(entry[3], System.Globalization.CultureInfo.InvariantCulture, out var g) ? g : 0;
        else if (int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var number)) gid = number;
        else if (Table(directory, "group").FirstOrDefault(p => p[0] == parts[1]) is { } group) gid = int.Parse(group[2], System.Globalization.CultureInfo.InvariantCulture);
        else throw new PipelineException($"The image {image} runs as group '{parts[1]}', which its /etc/group does not name; give it a numeric USER (uid:gid) and rebuild it.");

        return (uid, gid, entry is { Length: > 5 } && entry[5].Length > 0 ? entry[5] : "/");
    }

    /// <summary>The colon-separated rows of /etc/passwd or /etc/group in the image (none when it has no such file: a scratch image).</summary>
    private static List<string[]> Table(string directory, string name)
    {
        var path = Path.Combine(directory, "etc", name);
        return File.Exists(path)
            ? [.. File.ReadAllLines(path).Select(line => line.Split(':')).Where(fields => fields.Length >= 3 && int.TryParse(fields[2], out _))]
            : [];
    }

    /// <summary>The command line the engine would run: the entrypoint, then the given arguments (or the image's own).</summary>
    public IReadOnlyList<string> CommandLine(IReadOnlyList<string>? arguments) => [.. Entrypoint, .. arguments ?? Command];

    /// <summary>
    /// Where the program (the command line's first word) is inside the file system, found as the runtime finds
    /// it: a path as given, a bare name on the image's PATH; null when it is not there or not executable.
    /// </summary>
    public string? ProgramPath(string program)
    {
        var candidates = program.Contains('/', StringComparison.Ordinal)
            ? [program]
            : Environment["PATH"].Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => d.TrimEnd('/') + "/" + program);
        foreach (var candidate in candidates)
        {
            var onDisk = Resolve(candidate);
            if (onDisk is not null && File.Exists(onDisk) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(onDisk) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>A path inside the image as a path on this machine, following symbolic links within the image's root.</summary>
    private string? Resolve(string inside)
    {
        var current = "/";
        var pending = new Stack<string>(inside.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        for (var hops = 0; pending.Count > 0; )
        {
            var part = pending.Pop();
            if (part == ".") continue;
            if (part == "..") { current = Path.GetDirectoryName(current.TrimEnd('/')) ?? "/"; continue; }
            var next = current.TrimEnd('/') + "/" + part;
            var onDisk = Path.Combine(Directory, next.TrimStart('/'));
            var info = new FileInfo(onDisk);
            if (info.LinkTarget is { } target)
            {
                if (++hops > 40) return null;
                foreach (var p in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse()) pending.Push(p);
                if (target.StartsWith('/')) current = "/";
                continue;
            }
            current = next;
        }
        return Path.Combine(Directory, current.TrimStart('/'));
    }
}
