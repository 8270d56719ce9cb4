using System.Globalization;
using System.Text.RegularExpressions;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Images;

/// <summary>
/// What the images are built from, read from git: the version (the tag on HEAD, else `git describe`), the
/// commit, its time (the image's "created", so an unchanged checkout rebuilds to the same image) and the origin.
/// </summary>
public sealed partial record SourceVersion(string Version, string Revision, DateTimeOffset Created, string Source)
{
    public static async Task<SourceVersion> ReadAsync(ProcessRunner runner, string repositoryRoot, CancellationToken cancellationToken = default)
    {
        async Task<string?> Git(params string[] arguments)
        {
            var result = await runner.RunAsync("git", ["-C", repositoryRoot, .. arguments],
                new ProcessOptions { Quiet = true, AllowFailure = true, Timeout = TimeSpan.FromSeconds(30) }, cancellationToken);
            return result.ExitCode == 0 ? result.StandardOutput.Trim() : null;
        }

        var revision = await Git("rev-parse", "HEAD")
            ?? throw new PipelineException($"{repositoryRoot} is not a git checkout with a commit; the image version comes from git, so build from a clone and run again.");
        var describe = await Git("describe", "--tags", "--always", "--dirty", "--abbrev=7") ?? revision[..7];
        var created = DateTimeOffset.Parse(await Git("show", "-s", "--format=%cI", "HEAD") ?? "", CultureInfo.InvariantCulture);
        var origin = await Git("config", "--get", "remote.origin.url");
        var source = string.IsNullOrEmpty(origin) ? new Uri(Path.GetFullPath(repositoryRoot)).AbsoluteUri : WithoutCredentials(origin);
        return new SourceVersion(VersionFromDescribe(describe, revision), revision, created, source);
    }

    /// <summary>
    /// "v1.2.0" → "1.2.0"; "v1.2.0-3-gabc1234" → "1.2.0-3-gabc1234"; no tag ("abc1234") → "0.0.0-gabc1234";
    /// a "-dirty" suffix stays. The result is a valid image tag.
    /// </summary>
    public static string VersionFromDescribe(string describe, string revision)
    {
        var dirty = describe.EndsWith("-dirty", StringComparison.Ordinal);
        var core = dirty ? describe[..^"-dirty".Length] : describe;
        string version;
        if (revision.StartsWith(core, StringComparison.OrdinalIgnoreCase))
        {
            version = "0.0.0-g" + core;
        }
        else
        {
            version = LeadingV().IsMatch(core) ? core[1..] : core;
        }
        if (dirty) version += "-dirty";
        version = InvalidTagCharacters().Replace(version, "-").TrimStart('.', '-');
        return version.Length > 128 ? version[..128] : version;
    }

    private static string WithoutCredentials(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.UserInfo)
            ? new UriBuilder(uri) { UserName = "", Password = "" }.Uri.AbsoluteUri
            : url;

    [GeneratedRegex("^[vV][0-9]")]
    private static partial Regex LeadingV();

    [GeneratedRegex("[^A-Za-z0-9_.-]")]
    private static partial Regex InvalidTagCharacters();
}
