using System.Globalization;
using System.Text.RegularExpressions;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Images;

/// <summary>
/// What the images are built from, read from git: the version (the tag on HEAD, else `git describe`), the
/// commit, its time (the image's "created", so an unchanged checkout rebuilds to the same image), the origin as
/// a web URL (null when the origin is none: a local path, a file URL, no remote), and whether this is the
/// newest release (<see cref="Latest"/>).
/// </summary>
public sealed partial record SourceVersion(string Version, string Revision, DateTimeOffset Created, string? Source)
{
    /// <summary>
    /// HEAD is exactly a plain release tag vMAJOR.MINOR.PATCH (clean checkout) and no plain tag of the
    /// repository is higher: only then does an image move :latest. Pre-releases (v1.2.0-rc.1), patches on an
    /// older line and builds between tags publish their own tag only. The tags are the repository's own
    /// (`git tag`), which the release workflow fetches with the history.
    /// </summary>
    public bool Latest { get; init; }

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
        var source = string.IsNullOrEmpty(origin) ? null : SourceUrl(origin);
        var tags = (await Git("tag", "--list", "v*") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new SourceVersion(VersionFromDescribe(describe, revision), revision, created, source) { Latest = IsLatest(describe, tags) };
    }

    /// <summary>The rule of <see cref="Latest"/>: describe names a plain release tag, and none of the tags is higher.</summary>
    public static bool IsLatest(string describe, IEnumerable<string> tags)
    {
        if (!ReleaseVersion.TryParse(describe, out var head)) return false; // also false for -dirty and -N-gHASH
        return tags.All(tag => !ReleaseVersion.TryParse(tag, out var other) || other.Order.CompareTo(head.Order) <= 0);
    }

    /// <summary>
    /// The origin as the web URL of the repository, which ghcr.io needs in org.opencontainers.image.source to
    /// link a package to its repository: git@github.com:o/r.git, ssh://git@github.com/o/r.git and
    /// https://user:token@github.com/o/r.git all become https://github.com/o/r. Credentials never stay. A remote
    /// that names no web host (a local path, file://, a relative path) gives null: the label is left out rather
    /// than carrying a path of the machine that built the image.
    /// </summary>
    public static string? SourceUrl(string remote)
    {
        var url = remote.Trim();
        var scpLike = ScpLike().Match(url);
        if (scpLike.Success) url = $"https://{scpLike.Groups[1].Value}/{scpLike.Groups[2].Value.TrimStart('/')}";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http" or "ssh" or "git" or "git+ssh") || uri.Host.Length == 0) return null;
        var path = uri.AbsolutePath.TrimEnd('/');
        if (path.EndsWith(".git", StringComparison.Ordinal)) path = path[..^4];
        var scheme = uri.Scheme == "http" ? "http" : "https";
        // An ssh port (ssh://host:2222/…) is not the web server's.
        var port = uri.Scheme is "https" or "http" && !uri.IsDefaultPort ? $":{uri.Port}" : "";
        return $"{scheme}://{uri.Host}{port}{path}";
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

    // user@host:path (scp-like ssh syntax, as GitHub shows it); not C:\ or a URL.
    [GeneratedRegex(@"^(?:[^@/\s]+@)?([A-Za-z0-9.-]+\.[A-Za-z]{2,}):(?!//)(.+)$")]
    private static partial Regex ScpLike();

    [GeneratedRegex("^[vV][0-9]")]
    private static partial Regex LeadingV();

    [GeneratedRegex("[^A-Za-z0-9_.-]")]
    private static partial Regex InvalidTagCharacters();
}
