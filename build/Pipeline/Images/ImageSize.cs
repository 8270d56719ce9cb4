using System.Globalization;

namespace McastLab.Pipeline.Images;

/// <summary>Image sizes as people read them (decimal megabytes, as 'docker images' shows them).</summary>
public static class ImageSize
{
    public static string Format(long bytes) => bytes >= 1_000_000
        ? (bytes / 1_000_000.0).ToString("0.00", CultureInfo.InvariantCulture) + " MB"
        : (bytes / 1_000.0).ToString("0.0", CultureInfo.InvariantCulture) + " kB";
}
