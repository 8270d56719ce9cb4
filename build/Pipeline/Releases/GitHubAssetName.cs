using System.Text.RegularExpressions;

namespace McastLab.Pipeline.Releases;

/// <summary>
/// The name GitHub stores an uploaded asset under. It renames names with special characters: every run of
/// characters other than letters, digits, '_' and '-' (dots included) becomes one '.', and leading or
/// trailing dots go ("docker centos7 (vb)~1.box" → "docker.centos7.vb.1.box"). The upload's answer is the
/// authority on the name (it is what catalogs use); this prediction only finds an earlier upload of the same
/// file, to keep or replace it.
/// </summary>
public static partial class GitHubAssetName
{
    public static string Stored(string name) => Special().Replace(name, ".").Trim('.');

    [GeneratedRegex("[^A-Za-z0-9_-]+")]
    private static partial Regex Special();
}
