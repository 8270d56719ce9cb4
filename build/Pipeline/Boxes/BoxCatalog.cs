using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace McastLab.Pipeline.Boxes;

/// <summary>
/// A Vagrant box catalog (metadata.json): the box's name and, per version, each provider's box file URL with its
/// sha256. `vagrant box add --force metadata.json` registers the box under its name and version and checks the
/// sha256. The one writer and reader of catalogs: the local ones RegisterBoxes adds (file URLs) and the ones
/// PublishBoxes attaches to a release (download URLs; Vagrant 2.3 takes a catalog from a local file or a server
/// that sends JSON, not from a release asset sent as application/octet-stream, hence download-then-add).
/// </summary>
public sealed record BoxCatalog(string Name, IReadOnlyList<BoxCatalog.CatalogVersion> Versions)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public sealed record CatalogVersion(string Version, IReadOnlyList<CatalogProvider> Providers);

    public sealed record CatalogProvider(string Name, string Url, string ChecksumType, string Checksum);

    /// <summary>One box file in a catalog: its box name, version, provider, where Vagrant downloads it, its sha256.</summary>
    public sealed record Entry(string Name, string Version, string Provider, Uri Url, string Sha256);

    /// <summary>
    /// The catalog of one box: versions in numeric order (1.10.0 after 1.9.0, as Vagrant compares them), the
    /// providers of each by name.
    /// </summary>
    public static BoxCatalog Of(IEnumerable<Entry> entries)
    {
        var list = entries.ToList();
        var names = list.Select(e => e.Name).Distinct(StringComparer.Ordinal).ToList();
        if (names.Count != 1) throw new ArgumentException("A catalog holds the builds of exactly one box.", nameof(entries));
        var versions = list
            .GroupBy(e => e.Version, StringComparer.Ordinal)
            .OrderBy(g => g.Key, VersionOrder.Instance)
            .Select(g => new CatalogVersion(g.Key, g
                .OrderBy(e => e.Provider, StringComparer.Ordinal)
                .Select(e => new CatalogProvider(e.Provider, e.Url.AbsoluteUri, "sha256", e.Sha256))
                .ToList()))
            .ToList();
        return new BoxCatalog(names[0], versions);
    }

    /// <summary>One catalog per box name, in name order.</summary>
    public static IReadOnlyList<BoxCatalog> PerBox(IEnumerable<Entry> entries) =>
        [.. entries.GroupBy(e => e.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(Of)];

    /// <summary>The local catalog of the builds of one box (any providers): box files by absolute file URL.</summary>
    public static BoxCatalog From(IReadOnlyCollection<BoxMetadata> builds, string boxesDirectory) =>
        Of(builds.Select(b => new Entry(b.Name, b.Version, b.Provider, new Uri(Path.GetFullPath(Path.Combine(boxesDirectory, b.BoxFile))), b.Sha256)));

    /// <summary>A catalog as Vagrant reads it; null when the text is JSON but no catalog (no name or no versions).</summary>
    public static BoxCatalog? Parse(string json)
    {
        var catalog = JsonSerializer.Deserialize<BoxCatalog>(json, Json);
        return catalog is { Name: not null, Versions: not null } ? catalog : null;
    }

    /// <summary>Every box file the catalog names, with the sha256 it pins (when its checksum type is sha256).</summary>
    public IEnumerable<(string Url, string Provider, string? Sha256)> Files() =>
        Versions.Where(v => v.Providers is not null)
            .SelectMany(v => v.Providers)
            .Where(p => p.Url is not null && p.Name is not null)
            .Select(p => (p.Url, p.Name, p.ChecksumType == "sha256" ? p.Checksum : null));

    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, ToJson());
    }

    /// <summary>Box versions are numbers and dots (2004.01, 20261202.100000, 1.2.0): compared part by part as numbers.</summary>
    private sealed class VersionOrder : IComparer<string>
    {
        public static readonly VersionOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = (x ?? "").Split('.');
            var b = (y ?? "").Split('.');
            for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                var byNumber = decimal.TryParse(a[i], NumberStyles.None, CultureInfo.InvariantCulture, out var m)
                    && decimal.TryParse(b[i], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                    ? m.CompareTo(n)
                    : string.CompareOrdinal(a[i], b[i]);
                if (byNumber != 0) return byNumber;
            }
            return a.Length.CompareTo(b.Length);
        }
    }
}
