using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;
using Octokit;

namespace McastLab.Pipeline.Releases;

/// <summary>
/// PublishBoxes: puts every .box of the box directory, its metadata, SHA256SUMS, the release's box list and a
/// Vagrant catalog per box name (every published version) into the GitHub release of the version tag.
/// Assets of the same name are replaced. Everything is checked before the first request.
/// </summary>
public sealed class BoxPublisher(ReleaseSettings settings, string repositoryRoot, string artifacts, IBuildLog log, RetryTiming? timing = null)
{
    private readonly RetryTiming timing = timing ?? RetryTiming.Default;

    public async Task PublishAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await PublishBoxesAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // An interrupted upload may leave a half-made asset; the next run replaces assets of the same name.
            throw new PipelineException("PublishBoxes was interrupted; run it again to finish (it replaces the assets it had uploaded).");
        }
    }

    private async Task PublishBoxesAsync(CancellationToken cancellationToken)
    {
        var repository = settings.Repository
            ?? throw new PipelineException("PublishBoxes needs the GitHub repository; pass --github-repository=owner/name (CI passes its own) or set it in mcastlab.json.");
        var tag = settings.Tag
            ?? throw new PipelineException("PublishBoxes needs the version tag of the release; pass --release-tag=v1.2.0 (CI passes the pushed tag).");
        var token = settings.Token
            ?? throw new PipelineException("PublishBoxes needs a GitHub token; set GITHUB_TOKEN in the environment to a token with contents:write on " + repository + ".");
        if (!ReleaseVersion.TryParse(tag, out var version))
        {
            throw new PipelineException($"--release-tag {tag} is not a version tag; use the form v1.2.0.");
        }

        var boxes = BoxDirectory.Read(Path.GetFullPath(Path.Combine(repositoryRoot, settings.BoxDirectory)));
        foreach (var box in boxes) AssetUploader.RefuseTooLarge(box.Path);

        log.Information($"Hashing {boxes.Count} box(es) for release {tag}.");
        var published = new List<PublishedBox>();
        var sums = new List<(string Asset, string Sha256)>();
        foreach (var box in boxes)
        {
            var sha256 = await Sha256Sums.HashAsync(box.Path, cancellationToken);
            if (box.RecordedSha256 is { } recorded && !string.Equals(recorded, sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new PipelineException($"{box.AssetName} no longer matches the sha256 in {box.MetadataAssetName} (the box changed after it was built); rebuild it with ./build.sh Boxes.");
            }
            published.Add(new PublishedBox(box.Name, version.BoxVersion, box.Provider, tag, box.AssetName, sha256));
            sums.Add((box.AssetName, sha256));
        }
        foreach (var metadata in boxes.Select(b => b.MetadataPath).Distinct(StringComparer.Ordinal))
        {
            sums.Add((Path.GetFileName(metadata), await Sha256Sums.HashAsync(metadata, cancellationToken)));
        }

        Func<HttpMessageHandler> handler = () => new GitHubRetryHandler(new SocketsHttpHandler(), timing, log);
        var releases = new GitHubReleases(settings.ApiUrl, repository, token, handler);
        using var uploader = new AssetUploader(handler(), token, releases, log);

        var all = await releases.AllAsync();
        var (release, _) = await releases.GetOrCreateAsync(tag, log);
        var earlier = await EarlierBoxesAsync(releases, uploader, all, tag, cancellationToken);

        var staging = Path.Combine(artifacts, "releases", tag);
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        var generated = new List<(string Path, string ContentType)>
        {
            (Write(staging, Sha256Sums.AssetName, Sha256Sums.Format(sums)), "text/plain"),
            (Write(staging, PublishedBox.ManifestAssetName, PublishedBox.ToManifest(published)), "application/json"),
        };
        var catalogs = BoxCatalog.Build(earlier.Concat(published), new ReleaseDownloads(settings.ApiUrl, repository));
        generated.AddRange(catalogs.Select(c => (Write(staging, c.AssetName, c.Json), "application/json")));

        // Boxes first and the catalogs last: a failed upload never leaves a catalog naming a missing box.
        var uploads = boxes.Select(b => (b.Path, ContentType: "application/octet-stream"))
            .Concat(boxes.Select(b => b.MetadataPath).Distinct(StringComparer.Ordinal).Select(m => (Path: m, ContentType: "application/json")))
            .Concat(generated)
            .ToList();
        var clash = uploads.GroupBy(u => Path.GetFileName(u.Path), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
        {
            throw new PipelineException($"Two files would become the release asset {clash.Key}; rename the box or metadata file in {settings.BoxDirectory} so that it does not clash with a generated asset.");
        }

        var existing = await releases.AssetsAsync(release);
        foreach (var (path, contentType) in uploads)
        {
            var name = Path.GetFileName(path);
            foreach (var old in existing.Where(a => a.Name == name))
            {
                log.Information($"Replacing asset {name} of release {tag}.");
                await releases.DeleteAssetAsync(release, old);
            }
            await uploader.UploadAsync(release, path, name, contentType, cancellationToken);
        }

        var versions = earlier.Select(b => b.Version).Append(version.BoxVersion).Distinct(StringComparer.Ordinal).Count();
        log.Information($"Published {boxes.Count} box(es) to release {tag} of {repository}; catalogs {string.Join(", ", catalogs.Select(c => c.AssetName))} list {versions} version(s).");
    }

    /// <summary>The boxes of every other published version release, read from their box lists.</summary>
    private async Task<List<PublishedBox>> EarlierBoxesAsync(
        GitHubReleases releases, AssetUploader uploader, IReadOnlyList<Release> all, string tag, CancellationToken cancellationToken)
    {
        var boxes = new List<PublishedBox>();
        foreach (var other in all.Where(r => !r.Draft && r.TagName != tag && ReleaseVersion.TryParse(r.TagName, out _)))
        {
            var manifest = (await releases.AssetsAsync(other)).FirstOrDefault(a => a.Name == PublishedBox.ManifestAssetName);
            if (manifest is null) continue;
            try
            {
                boxes.AddRange(PublishedBox.FromManifest(await uploader.DownloadTextAsync(manifest, cancellationToken)));
            }
            catch (System.Text.Json.JsonException)
            {
                log.Warning($"Release {other.TagName} has an unreadable {PublishedBox.ManifestAssetName}; its boxes are left out of the catalog.");
            }
        }
        return boxes;
    }

    private static string Write(string directory, string name, string text)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
