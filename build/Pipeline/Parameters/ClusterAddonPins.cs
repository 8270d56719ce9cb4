using System.Text.RegularExpressions;

namespace McastLab.Pipeline.Parameters;

/// <summary>A file fetched from the internet, pinned to a release (never a branch) and its sha256.</summary>
public sealed record PinnedFile(string Name, string Version, Uri Url, string Sha256, string Sha256Parameter);

/// <summary>
/// The cluster add-ons the Vagrant lab installs from upstream release files (section "versions"): Multus as a
/// manifest with its moving <c>:snapshot</c> image rewritten to the release, and flannel.
/// </summary>
public sealed partial record ClusterAddonPins(PinnedFile Multus, string MultusImage, PinnedFile Flannel)
{
    public static IReadOnlyList<ParameterDefinition> Definitions { get; } =
    [
        new("multus-version", "versions", "Multus release tag the cluster installs.") { Form = ParameterForm.ReleaseTag },
        new("multus-manifest-url", "versions", "URL of the Multus DaemonSet manifest at that release tag (never a branch)."),
        new("multus-manifest-sha256", "versions", "sha256 of that manifest; a download that differs stops the lab."),
        new("multus-image", "versions", "Image that replaces the manifest's moving :snapshot image (tagged with the release)."),
        new("flannel-version", "versions", "flannel release whose kube-flannel.yml the cluster applies.") { Form = ParameterForm.ReleaseTag },
        new("flannel-manifest-url", "versions", "URL of kube-flannel.yml among that release's assets."),
        new("flannel-manifest-sha256", "versions", "sha256 of that kube-flannel.yml."),
    ];

    public static ClusterAddonPins From(ResolvedParameters p)
    {
        var multus = Pin(p, "Multus", "multus");
        var image = p.Text("multus-image");
        var tag = image[(image.LastIndexOf(':') + 1)..];
        if (!image.Contains(':', StringComparison.Ordinal) || !(tag == multus.Version || tag.StartsWith(multus.Version + "-", StringComparison.Ordinal)))
        {
            throw p.Invalid("multus-image", $"an image tagged with --multus-version {multus.Version}, such as ghcr.io/k8snetworkplumbingwg/multus-cni:{multus.Version}-thick");
        }
        return new ClusterAddonPins(multus, image, Pin(p, "flannel", "flannel"));
    }

    private static PinnedFile Pin(ResolvedParameters p, string name, string prefix)
    {
        var version = p.Text($"{prefix}-version");
        if (!Uri.TryCreate(p.Text($"{prefix}-manifest-url"), UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps)
        {
            throw p.Invalid($"{prefix}-manifest-url", "an https URL");
        }
        var segments = url.AbsolutePath.Split('/');
        if (!segments.Contains(version) || segments.Any(s => s is "master" or "main" or "latest" or "HEAD"))
        {
            throw p.Invalid($"{prefix}-manifest-url", $"a URL of the release {version} (containing /{version}/), not of a branch or 'latest'");
        }
        var sha256 = p.Text($"{prefix}-manifest-sha256");
        if (!Sha256().IsMatch(sha256))
        {
            throw p.Invalid($"{prefix}-manifest-sha256", "a sha256 of 64 lower-case hex digits");
        }
        return new PinnedFile(name, version, url, sha256, $"{prefix}-manifest-sha256");
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256();
}
