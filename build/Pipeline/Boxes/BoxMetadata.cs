using System.Text.Json;
using System.Text.Json.Serialization;

namespace McastLab.Pipeline.Boxes;

/// <summary>
/// What one build of one box was, written next to the box as bento does (artifacts/boxes/NAME.PROVIDER.json):
/// the box file, its size and sha256, when and from which git revision it was built, with which tools,
/// and the input hash that decides whether the next Boxes run may skip it.
/// </summary>
public sealed record BoxMetadata
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public required string Name { get; init; }
    public required string Version { get; init; }
    public required string Provider { get; init; }
    public required string Os { get; init; }

    /// <summary>File name of the box, next to this metadata file.</summary>
    public required string BoxFile { get; init; }

    public required long Size { get; init; }
    public required string Sha256 { get; init; }
    public required DateTimeOffset BuildTime { get; init; }
    public required double BuildSeconds { get; init; }
    public required string GitRevision { get; init; }
    public required string PackerVersion { get; init; }
    public required string VagrantVersion { get; init; }
    public required string SourceBox { get; init; }
    public string? SourceBoxVersion { get; init; }
    public required string InputHash { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, ToJson() + "\n");
    }

    /// <summary>
    /// What names a box in a metadata file: a file this type wrote, or one written by hand beside a box with only
    /// {"name": "docker-centos7", "provider": "virtualbox"} (the box then has the file's stem). Null fields are absent.
    /// </summary>
    public sealed record Naming(string? Name, string? Provider, string? BoxFile, string? Sha256);

    /// <summary>The naming fields of a metadata file's JSON (throws JsonException when it is not JSON).</summary>
    public static Naming ReadNaming(string json) => JsonSerializer.Deserialize<Naming>(json, Json) ?? new Naming(null, null, null, null);

    /// <summary>The metadata of the last build, or null when there is none (or it is unreadable: rebuild).</summary>
    public static BoxMetadata? TryRead(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<BoxMetadata>(File.ReadAllText(path), Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
