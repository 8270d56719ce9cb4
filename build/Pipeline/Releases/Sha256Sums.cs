using System.Security.Cryptography;
using System.Text;

namespace McastLab.Pipeline.Releases;

/// <summary>sha256 of files, read in a stream (a box is gigabytes), and the SHA256SUMS text `sha256sum -c` checks.</summary>
public static class Sha256Sums
{
    public const string AssetName = "SHA256SUMS";

    public static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
        var hash = await SHA256.HashDataAsync(stream, cancellationToken);
        return Convert.ToHexStringLower(hash);
    }

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
