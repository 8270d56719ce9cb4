using System.Text.RegularExpressions;

namespace McastLab.Pipeline.Boxes;

/// <summary>The version `packer version` reports, and what follows from it for our templates.</summary>
public sealed partial record PackerVersion(Version Version)
{
    /// <summary>Packer 1.7 introduced `packer init` and required_plugins; 1.6 rejects the block.</summary>
    public bool SupportsRequiredPlugins => Version >= new Version(1, 7);

    /// <summary>Reads "Packer v1.6.6" (1.6 and later) or a bare "1.9.4".</summary>
    public static PackerVersion Parse(string output)
    {
        var match = VersionPattern().Match(output);
        if (!match.Success)
        {
            throw new Core.PipelineException($"'packer version' printed no version ('{output.Trim()}'); reinstall Packer and run again.");
        }
        return new PackerVersion(Version.Parse(match.Groups[1].Value));
    }

    public override string ToString() => Version.ToString();

    [GeneratedRegex(@"v?(\d+\.\d+\.\d+)")]
    private static partial Regex VersionPattern();
}
