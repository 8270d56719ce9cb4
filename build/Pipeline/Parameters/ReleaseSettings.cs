using McastLab.Pipeline.Core;
using System.Text.RegularExpressions;

namespace McastLab.Pipeline.Parameters;

/// <summary>
/// Where PublishBoxes publishes (section "releases" of mcastlab.json). The token is a secret: GITHUB_TOKEN only.
/// Repository and tag may stay unset for every other target, so they are checked when publishing starts.
/// </summary>
public sealed partial record ReleaseSettings(
    string? Repository,
    Uri ApiUrl,
    string BoxDirectory,
    string? Tag,
    string? Token)
{
    public static IReadOnlyList<ParameterDefinition> Definitions { get; } =
    [
        new("github-repository", "releases", "GitHub repository (owner/name) whose releases receive the boxes; CI passes its own."),
        new("github-api-url", "releases", "GitHub API base URL; a GitHub Enterprise server's URL makes it use /api/v3."),
        new("box-directory", "releases", "Directory (relative to the repository root) with the .box files and their metadata to publish.") { Form = ParameterForm.PathText },
        new("release-tag", "releases", "Version tag of the release the boxes go to, such as v1.2.0 (box version 1.2.0); per run, so command line only.") { CommandLineOnly = true },
        ParameterDefinition.Secret("github-token", "GITHUB_TOKEN", "GitHub token with contents:write on --github-repository (environment only).") with { Form = ParameterForm.Token },
    ];

    public static ReleaseSettings From(ResolvedParameters p)
    {
        var repository = p.Optional("github-repository");
        if (repository is not null && !RepositoryName().IsMatch(repository)) throw p.Invalid("github-repository", "owner/name, such as octo-org/mcastlab");
        if (!Uri.TryCreate(p.Text("github-api-url"), UriKind.Absolute, out var api) || api.Scheme is not ("https" or "http"))
        {
            throw p.Invalid("github-api-url", "an absolute http(s) URL such as https://api.github.com");
        }
        var tag = p.Optional("release-tag");
        if (tag is not null && !ReleaseVersion.TryParse(tag, out _)) throw p.Invalid("release-tag", "a version tag such as v1.2.0");
        return new ReleaseSettings(repository, api, p.Text("box-directory"), tag, p.Optional("github-token"));
    }

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex RepositoryName();
}
