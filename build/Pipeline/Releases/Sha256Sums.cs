using System.Text;

namespace McastLab.Pipeline.Releases;

/// <summary>The SHA256SUMS text `sha256sum -c` checks (the sums come from <see cref="Core.Sha256"/>).</summary>
public static class Sha256Sums
{
    public const string AssetName = "SHA256SUMS";

    public static string Format(IEnumerable<(string Asset, string Sha256)> entries)
    {
        var text = new StringBuilder();
        foreach (var (asset, sha256) in entries.OrderBy(e => e.Asset, StringComparer.Ordinal))
        {
            text.Append(sha256).Append("  ").Append(asset).Append('\n');
        }
        return text.ToString();
    }
}
