using System.Security.Cryptography;
using System.Text;

namespace McastLab.Pipeline.Core;

/// <summary>
/// sha256 as lower-case hex, the form Vagrant catalogs, sha256sum, the pins in mcastlab.json and registry
/// digests use. Files are read as a stream (a box is gigabytes).
/// </summary>
public static class Sha256
{
    public static string OfFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static async Task<string> OfFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    public static string OfBytes(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string OfText(string text) => OfBytes(Encoding.UTF8.GetBytes(text));
}
