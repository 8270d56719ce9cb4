using System.Formats.Tar;

namespace McastLab.Pipeline.Images;

/// <summary>
/// The tar stream the engine builds from: the Dockerfile and exactly the files the image copies (not a whole
/// directory, so nothing stray is sent or invalidates the cache). Timestamps are fixed; the engine's cache
/// looks at content, mode and names.
/// </summary>
public static class BuildContext
{
    public const string DockerfileName = "Dockerfile";

    private static readonly DateTimeOffset FixedTime = DateTimeOffset.UnixEpoch;

    /// <param name="dockerfile">Path of the Dockerfile on disk.</param>
    /// <param name="files">Name in the context → path on disk.</param>
    public static async Task<MemoryStream> CreateAsync(string dockerfile, IReadOnlyDictionary<string, string> files, CancellationToken cancellationToken = default)
    {
        var stream = new MemoryStream();
        await using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            await AddAsync(writer, DockerfileName, dockerfile, cancellationToken);
            foreach (var (name, path) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                await AddAsync(writer, name, path, cancellationToken);
            }
        }
        stream.Position = 0;
        return stream;
    }

    private static async Task AddAsync(TarWriter writer, string name, string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The build context needs {path}, which does not exist.", path);
        }
        var executable = !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0;
        await using var content = File.OpenRead(path);
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = content,
            ModificationTime = FixedTime,
            // Root-owned and read-only for everyone else: the images run as a non-root user that must not change them.
            Mode = executable
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            Uid = 0,
            Gid = 0,
        };
        await writer.WriteEntryAsync(entry, cancellationToken);
    }
}
