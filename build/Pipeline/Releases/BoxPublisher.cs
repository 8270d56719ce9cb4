using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Releases;

/// <summary>
/// PublishBoxes: puts every .box of the box directory, its metadata, SHA256SUMS, the release's box list and a
/// Vagrant catalog per box name (every published version) into the GitHub release of the version tag:
/// draft, upload, publish (GitHub's order; an immutable release refuses assets once published). A re-run
/// finishes a draft an earlier run left. Everything local is checked before the first request.
/// </summary>
public sealed class BoxPublisher(ReleaseSettings settings, string repositoryRoot, ArtifactsLayout artifacts, IBuildLog log, RetryTiming? timing = null, Func<HttpMessageHandler>? transport = null)
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
            throw new PipelineException("PublishBoxes was interrupted; run it again to finish (the release stays a draft until every asset is uploaded, and finished assets are kept).");
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
            var sha256 = await Sha256.OfFileAsync(box.Path, cancellationToken);
            if (box.RecordedSha256 is { } recorded && !string.Equals(recorded, sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new PipelineException($"{box.AssetName} no longer matches the sha256 in {box.MetadataAssetName} (the box changed after it was built); rebuild it with ./build.sh Boxes.");
            }
            published.Add(new PublishedBox(box.Name, version.BoxVersion, box.Provider, tag, box.AssetName, sha256));
            sums.Add((box.AssetName, sha256));
        }
        foreach (var metadata in boxes.Select(b => b.MetadataPath).Distinct(StringComparer.Ordinal))
        {
            sums.Add((Path.GetFileName(metadata), await Sha256.OfFileAsync(metadata, cancellationToken)));
        }

        // Names as GitHub will store them; two files that would end as one asset stop here, before any request.
        var files = boxes.Select(b => (b.Path, ContentType: "application/octet-stream"))
            .Concat(boxes.Select(b => b.MetadataPath).Distinct(StringComparer.Ordinal).Select(m => (Path: m, ContentType: "application/json")))
            .ToList();
        var generatedNames = new[] { Sha256Sums.AssetName, PublishedBox.ManifestAssetName }.Concat(boxes.Select(b => PublishedBox.CatalogAssetName(b.Name)).Distinct(StringComparer.Ordinal));
        var clash = files.Select(f => Path.GetFileName(f.Path)).Concat(generatedNames)
            .GroupBy(GitHubAssetName.Stored, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
        {
            throw new PipelineException($"{string.Join(" and ", clash.Distinct(StringComparer.Ordinal))} would all become the release asset {clash.Key}; rename the box or metadata file in {settings.BoxDirectory} so that it does not clash.");
        }
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var box in boxes) hashes[box.Path] = published.Single(p => p.Asset == box.AssetName).Sha256;
        foreach (var (path, _) in files.Where(f => !hashes.ContainsKey(f.Path))) hashes[path] = sums.Single(s => s.Asset == Path.GetFileName(path)).Sha256;

        var transportFactory = transport ?? (() => new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30) });
        var releases = new GitHubReleases(settings.ApiUrl, repository, token, transportFactory, timing, log);
        using var uploader = new AssetUploader(new GitHubRetryHandler(transportFactory(), timing, log), token, releases, log);

        var all = await releases.AllAsync(cancellationToken);
        var release = await DraftOrResumableAsync(releases, all, repository, tag, cancellationToken);
        var earlier = await EarlierBoxesAsync(releases, uploader, all, tag, cancellationToken);

        // Boxes and metadata first; the lists and catalogs name them as GitHub stored them, so they come last,
        // and a failed upload never leaves a catalog naming a missing box.
        var existing = (await releases.AssetsAsync(release, cancellationToken)).ToList();
        var stored = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, contentType) in files)
        {
            stored[Path.GetFileName(path)] = await PutAsync(releases, uploader, release, existing, path, hashes[path], contentType, cancellationToken);
        }
        published = published.Select(b => b with { Asset = stored[b.Asset] }).ToList();

        var staging = artifacts.Release(tag);
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        var generated = new List<(string Path, string ContentType)>
        {
            (Write(staging, Sha256Sums.AssetName, Sha256Sums.Format(sums.Select(s => (stored.GetValueOrDefault(s.Asset, s.Asset), s.Sha256)))), "text/plain"),
            (Write(staging, PublishedBox.ManifestAssetName, PublishedBox.ToManifest(published)), "application/json"),
        };
        var downloads = new ReleaseDownloads(settings.ApiUrl, repository);
        var catalogs = BoxCatalog.PerBox(earlier.Concat(published).Select(b => b.CatalogEntry(downloads)))
            .Select(c => (AssetName: PublishedBox.CatalogAssetName(c.Name), Json: c.ToJson())).ToList();
        generated.AddRange(catalogs.Select(c => (Write(staging, c.AssetName, c.Json), "application/json")));
        foreach (var (path, contentType) in generated)
        {
            await PutAsync(releases, uploader, release, existing, path, await Sha256.OfFileAsync(path, cancellationToken), contentType, cancellationToken);
        }

        if (release.Draft)
        {
            var latest = IsHighestRelease(version, all);
            await releases.PublishAsync(release, latest, cancellationToken);
            log.Information($"Published release {tag}{(latest ? " as the latest release" : $" (not marked latest: a higher version is published)")}.");
        }
        var versions = earlier.Select(b => b.Version).Append(version.BoxVersion).Distinct(StringComparer.Ordinal).Count();
        log.Information($"Published {boxes.Count} box(es) to release {tag} of {repository}; catalogs {string.Join(", ", catalogs.Select(c => c.AssetName))} list {versions} version(s).");
    }

    /// <summary>
    /// The release to fill: a new draft; an existing draft (an earlier run stopped: it is finished now); or a
    /// published release that is not immutable (its assets are replaced in place). A published immutable
    /// release accepts no asset at all, so it stops here, before anything is sent.
    /// </summary>
    private async Task<GitHubRelease> DraftOrResumableAsync(GitHubReleases releases, IReadOnlyList<GitHubRelease> all, string repository, string tag, CancellationToken cancellationToken)
    {
        var existing = all.FirstOrDefault(r => string.Equals(r.TagName, tag, StringComparison.Ordinal));
        if (existing is null)
        {
            var created = await releases.CreateDraftAsync(tag, cancellationToken);
            log.Information($"Created release {tag} in {repository} as a draft; it is published once every asset is uploaded.");
            return created;
        }
        if (existing.Draft)
        {
            log.Information($"Release {tag} exists in {repository} as a draft; finishing it (assets already uploaded with the same sha256 are kept).");
            return existing;
        }
        if (existing.Immutable)
        {
            throw new PipelineException($"Release {tag} of {repository} is published and immutable, so GitHub accepts no asset for it any more; publish the boxes under a new version tag.");
        }
        log.Warning($"Release {tag} of {repository} is already published; its assets are replaced in place, and downloads may fail until this run ends.");
        return existing;
    }

    /// <summary>
    /// Puts one file into the release and returns the name GitHub stored it under. An asset from an earlier
    /// run with the same sha256 (GitHub's digest) is kept; any other asset of that name is replaced.
    /// </summary>
    private async Task<string> PutAsync(GitHubReleases releases, AssetUploader uploader, GitHubRelease release, List<GitHubAsset> existing,
        string path, string sha256, string contentType, CancellationToken cancellationToken)
    {
        var name = Path.GetFileName(path);
        var stored = GitHubAssetName.Stored(name);
        var earlier = existing.Where(a => a.Name == name || a.Name == stored).ToList();
        if (earlier.Count == 1 && earlier[0].State == "uploaded" && string.Equals(earlier[0].Digest, "sha256:" + sha256, StringComparison.OrdinalIgnoreCase))
        {
            log.Information($"Kept asset {earlier[0].Name} of release {release.TagName}: already uploaded with the same sha256.");
            return earlier[0].Name;
        }
        foreach (var old in earlier)
        {
            log.Information($"Replacing asset {old.Name} of release {release.TagName}.");
            await releases.DeleteAssetAsync(release, old, cancellationToken);
            existing.Remove(old);
        }
        var uploaded = await uploader.UploadAsync(release, path, name, contentType, cancellationToken);
        existing.Add(uploaded);
        return uploaded.Name;
    }

    /// <summary>A release is GitHub's "latest" only when its version is the highest published plain vX.Y.Z.</summary>
    internal static bool IsHighestRelease(ReleaseVersion version, IEnumerable<GitHubRelease> releases) =>
        releases.Where(r => !r.Draft && r.TagName != version.Tag)
            .Select(r => ReleaseVersion.TryParse(r.TagName, out var other) ? other : null)
            .All(other => other is null || other.Order.CompareTo(version.Order) < 0);

    /// <summary>The boxes of every other published version release, read from their box lists.</summary>
    private async Task<List<PublishedBox>> EarlierBoxesAsync(
        GitHubReleases releases, AssetUploader uploader, IReadOnlyList<GitHubRelease> all, string tag, CancellationToken cancellationToken)
    {
        var boxes = new List<PublishedBox>();
        foreach (var other in all.Where(r => !r.Draft && r.TagName != tag && ReleaseVersion.TryParse(r.TagName, out _)))
        {
            var manifest = (await releases.AssetsAsync(other, cancellationToken)).FirstOrDefault(a => a.Name == PublishedBox.ManifestAssetName);
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
