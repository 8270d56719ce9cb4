using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Manifests;

/// <summary>
/// Writes generated files under a root (the repository, or a lab run's folder), touching only those whose
/// text changed, and says so in one line (each file at --verbosity=diagnostic). In a folder that only
/// generated files fill (manifests/nodes/), a file no longer generated is removed, so fewer --nodes leave
/// no stale node behind.
/// </summary>
public sealed class ManifestWriter(IBuildLog log, string root, string? rootName = null)
{
    /// <summary>Returns the files it changed or removed; a second run with the same parameters changes none.</summary>
    public IReadOnlyList<string> Write(IEnumerable<ManifestFile> files, IReadOnlyList<string>? generatedDirectories = null)
    {
        var changed = new List<string>();
        var generated = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var path = Path.GetFullPath(Path.Combine(root, file.Path));
            generated.Add(path);
            if (File.Exists(path) && File.ReadAllText(path) == file.Content)
            {
                log.Verbose($"{file.Path} is up to date");
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, file.Content);
            log.Verbose($"Wrote {file.Path}");
            changed.Add(file.Path);
        }
        var removed = (generatedDirectories ?? []).SelectMany(directory => RemoveStale(Path.Combine(root, directory), generated)).ToList();
        var where = rootName is null ? "" : $" in {rootName}";
        // Into a run folder (the Lab step) a count: every file is new there, and each is named at diagnostic verbosity.
        var wrote = changed.Count == 0 ? $"The manifests{where} are up to date."
            : rootName is null ? $"Wrote {changed.Count} manifest file(s): {string.Join(", ", changed)}." : $"Wrote {changed.Count} manifest file(s){where}.";
        log.Information(removed.Count == 0 ? wrote : $"{wrote} Removed {removed.Count} no longer generated: {string.Join(", ", removed)}.");
        return [.. changed, .. removed];
    }

    /// <summary>Deletes the files of a generated folder that were not generated now, then its empty folders.</summary>
    private List<string> RemoveStale(string directory, HashSet<string> generated)
    {
        if (!Directory.Exists(directory)) return [];
        var stale = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Select(Path.GetFullPath).Where(f => !generated.Contains(f)).ToList();
        stale.ForEach(File.Delete);
        // Deepest first, so a node's folder goes before the folder holding it.
        foreach (var folder in Directory.EnumerateDirectories(directory, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).Append(directory).ToList())
        {
            if (!Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        }
        return [.. stale.Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))];
    }
}
