using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Manifests;

/// <summary>
/// Writes generated files under a root (the repository, or a lab run's folder), touching only those whose
/// text changed, and says so in one line (each file at --verbosity=diagnostic).
/// </summary>
public sealed class ManifestWriter(IBuildLog log, string root, string? rootName = null)
{
    /// <summary>Returns the files it changed; a second run with the same parameters changes none.</summary>
    public IReadOnlyList<string> Write(IEnumerable<ManifestFile> files)
    {
        var changed = new List<string>();
        foreach (var file in files)
        {
            var path = Path.Combine(root, file.Path);
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
        var where = rootName is null ? "" : $" in {rootName}";
        log.Information(changed.Count == 0 ? $"The manifests{where} are up to date." : $"Wrote {changed.Count} manifest file(s){where}: {string.Join(", ", changed)}.");
        return changed;
    }
}
