using System.Text.Json;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Releases;

/// <summary>
/// Reads a directory of .box files and the metadata that names them. A metadata file is either what the Boxes
/// target writes beside each box (<see cref="BoxMetadata"/>, naming it in "box_file", with "sha256"), the same
/// written by hand with only <c>{"name": "docker-centos7", "provider": "virtualbox"}</c> beside the box with the
/// same stem, or a local Vagrant catalog (<see cref="BoxCatalog"/>) whose provider URLs end in the box's file name.
/// Subdirectories (the Boxes target's local catalogs) are not read.
/// </summary>
public static class BoxDirectory
{
    public static IReadOnlyList<BoxFile> Read(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new PipelineException($"The box directory {directory} does not exist; run ./build.sh Boxes first or set --box-directory to the directory that holds the .box files.");
        }
        var boxes = Directory.GetFiles(directory, "*.box").Order(StringComparer.Ordinal).ToList();
        if (boxes.Count == 0)
        {
            throw new PipelineException($"The box directory {directory} holds no .box file; run ./build.sh Boxes first or set --box-directory to the directory that holds them.");
        }

        var described = new Dictionary<string, (string Name, string Provider, string Metadata, string? Sha256)>(StringComparer.Ordinal);
        foreach (var metadata in Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            foreach (var (file, name, provider, sha256) in Describe(metadata))
            {
                if (described.TryGetValue(file, out var earlier) && earlier.Metadata != metadata)
                {
                    throw new PipelineException($"{file} is described by both {Path.GetFileName(earlier.Metadata)} and {Path.GetFileName(metadata)}; keep one metadata file per box.");
                }
                described[file] = (name, provider, metadata, sha256);
            }
        }

        return boxes.Select(box =>
        {
            var file = Path.GetFileName(box);
            if (!described.TryGetValue(file, out var d))
            {
                throw new PipelineException($"{file} has no metadata in {directory}; add {Path.GetFileNameWithoutExtension(file)}.json with {{\"name\": \"docker-centos7\", \"provider\": \"virtualbox\"}} beside it.");
            }
            return new BoxFile(box, d.Name, d.Provider, d.Metadata, d.Sha256);
        }).ToList();
    }

    private static List<(string File, string Name, string Provider, string? Sha256)> Describe(string metadata)
    {
        var json = File.ReadAllText(metadata);
        BoxMetadata.Naming naming;
        BoxCatalog? catalog;
        try
        {
            naming = BoxMetadata.ReadNaming(json);
            catalog = naming.Provider is null ? BoxCatalog.Parse(json) : null;
        }
        catch (JsonException e)
        {
            throw new PipelineException($"The box metadata {metadata} is not valid JSON of a box or a catalog ({e.Message}); fix it or rebuild the box.");
        }
        if (string.IsNullOrWhiteSpace(naming.Name))
        {
            throw new PipelineException($"The box metadata {metadata} has no \"name\" (such as docker-centos7 or mcastlab/docker-centos7); add it.");
        }

        if (naming.Provider is { } provider)
        {
            var box = naming.BoxFile ?? Path.GetFileNameWithoutExtension(metadata) + ".box";
            return [(Path.GetFileName(box), naming.Name, provider, naming.Sha256)];
        }
        if (catalog is not null)
        {
            return [.. catalog.Files().Select(f => (FileName(f.Url), naming.Name, f.Provider, f.Sha256))];
        }
        throw new PipelineException($"The box metadata {metadata} has neither a \"provider\" nor a Vagrant \"versions\" list; add \"provider\": \"virtualbox\" (or the box's provider).");
    }

    // Catalog URLs are file:// URLs or plain paths; the box is named by the last segment.
    private static string FileName(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? Path.GetFileName(Uri.UnescapeDataString(uri.AbsolutePath)) : Path.GetFileName(url);
}
