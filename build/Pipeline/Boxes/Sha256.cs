using System.Security.Cryptography;

namespace McastLab.Pipeline.Boxes;

/// <summary>sha256 of files and texts as lower-case hex, the form Vagrant catalogs and sha256sum use.</summary>
public static class Sha256
{
    public static string OfFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static string OfText(string text) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
