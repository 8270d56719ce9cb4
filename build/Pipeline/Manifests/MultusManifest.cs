using System.Text.RegularExpressions;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Downloads;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Manifests;

/// <summary>
/// The Multus release manifest as the cluster applies it: the pinned file, checked by sha256, with its
/// moving <c>:snapshot</c> image (which follows the main branch) replaced by the release's image, and its
/// daemon's memory limit raised.
/// </summary>
public static partial class MultusManifest
{
    /// <summary>
    /// The thick daemon's memory limit. v4.3.0's manifest limits it to 50Mi, and the daemon uses about that
    /// right after install (multus-cni#1349) and more when many pods start at once (#1346), so it is
    /// OOM-killed and the rollout never finishes. The request (what scheduling reserves) stays as released.
    /// </summary>
    public const string DaemonMemoryLimit = "256Mi";

    /// <summary>Downloads (or reuses) the pinned manifest and returns its text with the image pinned and the limit raised.</summary>
    public static async Task<string> FetchAsync(PinnedDownload download, ClusterAddonPins pins, CancellationToken cancellationToken = default)
    {
        var path = await download.FetchAsync(pins.Multus, cancellationToken);
        return RaiseMemoryLimit(PinImage(await File.ReadAllTextAsync(path, cancellationToken), pins.MultusImage));
    }

    /// <summary>
    /// Sets every container memory limit of the manifest (v4.3.0 has one: the daemon's) to
    /// <see cref="DaemonMemoryLimit"/>; a manifest without a limit has none to be OOM-killed by and stays as it is.
    /// </summary>
    public static string RaiseMemoryLimit(string manifest) =>
        MemoryLimit().Replace(manifest, m => m.Groups["head"].Value + m.Groups["quote"].Value + DaemonMemoryLimit + m.Groups["quote"].Value);

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

    // "limits:" and, among the lines indented deeper below it, the first "memory:" and its value.
    [GeneratedRegex(@"(?<head>^(?<indent>[ \t]*)limits:[ \t]*\n(?:\k<indent>[ \t]+(?!memory:)\S[^\n]*\n)*?\k<indent>[ \t]+memory:[ \t]*)(?<quote>[""']?)[0-9.]+[A-Za-z]*\k<quote>", RegexOptions.Multiline)]
    private static partial Regex MemoryLimit();

    [GeneratedRegex(@"(?<key>\bimage:\s*)(?<quote>[""']?)[^\s""']+/multus-cni:snapshot[\w.-]*\k<quote>")]
    private static partial Regex SnapshotImage();
}
