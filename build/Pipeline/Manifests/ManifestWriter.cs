using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Manifests;

/// <summary>Writes generated files under the repository root, touching only those whose text changed.</summary>
public sealed class ManifestWriter(IBuildLog log, string repositoryRoot)
{
    /// <summary>Returns the files it changed; a second run with the same parameters changes none.</summary>
    public IReadOnlyList<string> Write(IEnumerable<ManifestFile> files)
    {
        var changed = new List<string>();
        foreach (var file in files)
        {
            var path = Path.Combine(repositoryRoot, file.Path);
            if (File.Exists(path) && File.ReadAllText(path) == file.Content)
            {
                log.Verbose($"{file.Path} is up to date");
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, file.Content);
            log.Information($"Wrote {file.Path}");
            changed.Add(file.Path);
        }
        log.Information(changed.Count == 0 ? "The manifests are up to date." : $"{changed.Count} manifest file(s) written.");
        return changed;
    }
}
