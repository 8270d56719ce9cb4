using System.Globalization;
using System.Text.RegularExpressions;

namespace McastLab.Pipeline.Core;

/// <summary>A release tag such as v1.2.0 and the box version Vagrant sees (1.2.0), ordered numerically.</summary>
public sealed partial record ReleaseVersion(string Tag, int Major, int Minor, int Patch)
{
    public string BoxVersion => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}.{Patch}");

    public static bool TryParse(string? tag, out ReleaseVersion version)
    {
        version = null!;
        var match = tag is null ? null : Pattern().Match(tag);
        if (match is not { Success: true }) return false;
        if (!int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(match.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var minor)
            || !int.TryParse(match.Groups[3].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var patch))
        {
            return false;
        }
        version = new ReleaseVersion(tag!, major, minor, patch);
        return true;
    }

    /// <summary>Numeric order: 1.10.0 after 1.9.0.</summary>
    public (int, int, int) Order => (Major, Minor, Patch);

    // Vagrant compares box versions numerically (X.Y.Z); pre-release suffixes would not sort as people expect.
    [GeneratedRegex(@"^v(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$")]
    private static partial Regex Pattern();
}
