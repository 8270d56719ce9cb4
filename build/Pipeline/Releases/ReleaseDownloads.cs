namespace McastLab.Pipeline.Releases;

/// <summary>
/// The public download URL of a release asset: {web}/{owner}/{repo}/releases/download/{tag}/{asset}.
/// Built from the tag, not taken from the API, because a draft's URLs change when it is published.
/// </summary>
public sealed class ReleaseDownloads(Uri apiUrl, string repository)
{
    public Uri Web { get; } = GitHubHost.WebRoot(apiUrl);

    public Uri Url(string tag, string asset) =>
        new(Web, $"{repository}/releases/download/{Uri.EscapeDataString(tag)}/{Uri.EscapeDataString(asset)}");
}
