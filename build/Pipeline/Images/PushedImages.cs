using System.Text.Json;

namespace McastLab.Pipeline.Images;

/// <summary>
/// The digests Push confirmed, kept in artifacts/images/pushed.json (one entry per reference, the newest push
/// wins), so a later Lab whose nodes pull the images can name them by digest.
/// </summary>
public sealed class PushedImages(string directory)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string Path => System.IO.Path.Combine(directory, "pushed.json");

    public IReadOnlyDictionary<string, PushedImage> Read()
    {
        if (!File.Exists(Path)) return new Dictionary<string, PushedImage>();
        var entries = JsonSerializer.Deserialize<List<PushedImage>>(File.ReadAllText(Path), Json) ?? [];
        return entries.ToDictionary(e => e.Reference, StringComparer.Ordinal);
    }

    /// <summary>Adds or replaces the entries of these references; the others stay.</summary>
    public void Record(IEnumerable<PushedImage> pushed)
    {
        var entries = new Dictionary<string, PushedImage>(Read(), StringComparer.Ordinal);
        foreach (var image in pushed) entries[image.Reference] = image;
        Directory.CreateDirectory(directory);
        var temporary = Path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(entries.Values.OrderBy(e => e.Reference, StringComparer.Ordinal).ToList(), Json) + "\n");
        File.Move(temporary, Path, overwrite: true);
    }
}
