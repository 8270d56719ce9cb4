using System.Text.RegularExpressions;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Manifests;

/// <summary>
/// The Multus release manifest as the cluster applies it: the pinned file, checked by sha256, with its
/// moving <c>:snapshot</c> image (which follows the main branch) replaced by the release's image.
/// </summary>
public static partial class MultusManifest
{
    /// <summary>Downloads (or reuses) the pinned manifest and returns its text with the image pinned.</summary>
    public static async Task<string> FetchAsync(PinnedDownload download, ClusterAddonPins pins, CancellationToken cancellationToken = default)
    {
        var path = await download.FetchAsync(pins.Multus, cancellationToken);
        return PinImage(await File.ReadAllTextAsync(path, cancellationToken), pins.MultusImage);
    }

    public static string PinImage(string manifest, string image)
    {
        var count = 0;
        var pinned = SnapshotImage().Replace(manifest, m =>
        {
            count++;
            return m.Groups["key"].Value + m.Groups["quote"].Value + image + m.Groups["quote"].Value;
        });
        if (count == 0)
        {
            throw new PipelineException("The Multus manifest has no ':snapshot' image to pin; the pinned release changed its layout, so check multus-manifest-url and multus-image.");
        }
        return pinned;
    }

    [GeneratedRegex(@"(?<key>\bimage:\s*)(?<quote>[""']?)[^\s""']+/multus-cni:snapshot[\w.-]*\k<quote>")]
    private static partial Regex SnapshotImage();
}
