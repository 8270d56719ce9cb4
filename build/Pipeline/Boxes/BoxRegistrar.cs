using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Boxes;

/// <summary>
/// Registers the built boxes with Vagrant through their catalogs (artifacts/boxes/NAME/metadata.json), so
/// Vagrant knows their names and versions and checks their sha256; --force replaces an older registration.
/// </summary>
public sealed class BoxRegistrar(ProcessRunner runner, IBuildLog log, BoxLayout layout, BoxSettings settings, VagrantArguments vagrant)
{
    public async Task<IReadOnlyList<string>> RegisterAsync(CancellationToken cancellationToken = default)
    {
        var catalogs = new List<string>();
        foreach (var role in Enum.GetValues<BoxRole>())
        {
            var catalog = WriteCatalog(role);
            log.Information($"Registering {settings.BoxName(role)} ({layout.Provider}) from {catalog}");
            await runner.RunAsync("vagrant", vagrant.BoxAdd(catalog), cancellationToken: cancellationToken);
            catalogs.Add(catalog);
        }
        return catalogs;
    }

    /// <summary>The catalog of one box from the build metadata of every provider built so far.</summary>
    public string WriteCatalog(BoxRole role)
    {
        var name = settings.BoxName(role);
        var builds = Directory.Exists(layout.BoxesDirectory)
            ? Directory.EnumerateFiles(layout.BoxesDirectory, $"{name}.*.json")
                .Select(BoxMetadata.TryRead)
                .OfType<BoxMetadata>()
                .Where(m => m.Name == name && File.Exists(Path.Combine(layout.BoxesDirectory, m.BoxFile)))
                .ToList()
            : [];
        if (!builds.Any(b => b.Provider == layout.Provider))
        {
            throw new PipelineException($"{name} is not built for {layout.Provider} (no {layout.MetadataFile(role)}); run ./build.sh Boxes first.");
        }
        var path = layout.CatalogFile(role);
        BoxCatalog.From(builds, layout.BoxesDirectory).Write(path);
        return path;
    }
}
