using System.Text.Json;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Releases;

/// <summary>
/// Reads a directory of .box files and the metadata that names them. A metadata file is JSON, either
/// <c>{"name": "docker-centos7", "provider": "virtualbox"}</c> beside the box with the same stem (or naming it
/// in "box_file", as the Boxes target writes it, with "sha256"), or a local Vagrant catalog whose provider
/// URLs end in the box's file name. Subdirectories (the Boxes target's local catalogs) are not read.
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
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(metadata));
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new PipelineException($"The box metadata {metadata} is not valid JSON ({e.Message}); fix it or rebuild the box.");
        }
        var name = Text(root, "name");
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new PipelineException($"The box metadata {metadata} has no \"name\" (such as docker-centos7 or mcastlab/docker-centos7); add it.");
        }

        if (Text(root, "provider") is { } provider)
        {
            var box = Text(root, "box_file") ?? Text(root, "box") ?? Path.GetFileNameWithoutExtension(metadata) + ".box";
            return [(Path.GetFileName(box), name, provider, Text(root, "sha256"))];
        }
        if (root.TryGetProperty("versions", out var versions) && versions.ValueKind == JsonValueKind.Array)
        {
            return versions.EnumerateArray()
                .Where(v => v.TryGetProperty("providers", out var p) && p.ValueKind == JsonValueKind.Array)
                .SelectMany(v => v.GetProperty("providers").EnumerateArray())
                .Select(p => (Url: Text(p, "url"), Provider: Text(p, "name"), Checksum: Text(p, "checksum_type") == "sha256" ? Text(p, "checksum") : null))
                .Where(p => p.Url is not null && p.Provider is not null)
                .Select(p => (FileName(p.Url!), name, p.Provider!, p.Checksum))
                .ToList();
        }
        throw new PipelineException($"The box metadata {metadata} has neither a \"provider\" nor a Vagrant \"versions\" list; add \"provider\": \"virtualbox\" (or the box's provider).");
    }

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    // Catalog URLs are file:// URLs or plain paths; the box is named by the last segment.
    private static string FileName(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? Path.GetFileName(Uri.UnescapeDataString(uri.AbsolutePath)) : Path.GetFileName(url);
}
