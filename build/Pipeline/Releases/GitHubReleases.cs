using System.Net;
using McastLab.Pipeline.Core;
using Octokit;
using Octokit.Internal;
using Polly;
using Polly.Retry;

namespace McastLab.Pipeline.Releases;

/// <summary>A release as PublishBoxes reads it, with the "immutable" flag Octokit's model does not carry.</summary>
public sealed class GitHubRelease
{
    public long Id { get; set; }
    public string TagName { get; set; } = "";
    public bool Draft { get; set; }
    public bool Prerelease { get; set; }
    public bool Immutable { get; set; }
    public string UploadUrl { get; set; } = "";
}

/// <summary>A release asset, with the "digest" (sha256:…) GitHub reports for uploads and Octokit's model lacks.</summary>
public sealed class GitHubAsset
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public string State { get; set; } = "";
    public long Size { get; set; }
    public string? Digest { get; set; }
    public string Url { get; set; } = "";
}

/// <summary>
/// The release calls PublishBoxes makes, through Octokit, each failure turned into one sentence. Retries wrap
/// each whole Octokit call: inside it Octokit bounds a request by 100 s, which would cut a long Retry-After short.
/// Uploads do not go through here: Octokit buffers a whole request body (see <see cref="AssetUploader"/>).
/// </summary>
public sealed class GitHubReleases
{
    private readonly GitHubClient client;
    private readonly ApiConnection rest;
    private readonly string owner;
    private readonly string name;
    private readonly string repository;
    private readonly Uri api;
    private readonly ResiliencePipeline retry;

    public GitHubReleases(Uri apiUrl, string repository, string token, Func<HttpMessageHandler> handler, RetryTiming timing, IBuildLog log, TimeProvider? time = null)
    {
        api = ApiBase(apiUrl);
        this.repository = repository;
        (owner, name) = (repository.Split('/')[0], repository.Split('/')[1]);
        var connection = new Connection(
            new ProductHeaderValue("McastLab"),
            api,
            new InMemoryCredentialStore(new Credentials(token)),
            new HttpClientAdapter(handler),
            new SimpleJsonSerializer());
        client = new GitHubClient(connection);
        rest = new ApiConnection(connection);
        var clock = time ?? TimeProvider.System;
        retry = new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddRetry(GitHubRetryRule.Options<RetryStrategyOptions, object>(new RetryStrategyOptions(), timing, clock, log,
                outcome => ValueTask.FromResult(outcome.Exception is ApiException e ? AnswerOf(e) : null),
                // A refused connection, or Octokit's own per-request timeout (not Ctrl+C, which ends the pipeline).
                outcome => outcome.Exception is HttpRequestException or TaskCanceledException,
                outcome => outcome.Exception is ApiException e ? $"answered {(int)e.StatusCode} {e.StatusCode}" : $"failed ({outcome.Exception?.Message})"))
            .Build();
    }

    /// <summary>
    /// Where the REST API lives: api.github.com and api.SUBDOMAIN.ghe.com (Enterprise Cloud with data residency)
    /// at their root; any other host is a GitHub Enterprise Server, whose API is under /api/v3/.
    /// </summary>
    public static Uri ApiBase(Uri apiUrl) =>
        GitHubHost.IsCloudApi(apiUrl)
            ? new Uri(apiUrl.GetLeftPart(UriPartial.Authority) + "/")
            : new Uri(apiUrl, "/api/v3/");

    /// <summary>All releases, drafts included (the tag lookup endpoint does not see drafts).</summary>
    public Task<IReadOnlyList<GitHubRelease>> AllAsync(CancellationToken cancellationToken = default) =>
        Call("list the releases", () => rest.GetAll<GitHubRelease>(ApiUrls.Releases(owner, name)), cancellationToken);

    /// <summary>A new draft: nobody sees it, and its assets can change until <see cref="PublishAsync"/>.</summary>
    public async Task<GitHubRelease> CreateDraftAsync(string tag, CancellationToken cancellationToken = default)
    {
        var created = await Call($"create the release {tag}", () => client.Repository.Release.Create(owner, name, new NewRelease(tag)
        {
            Name = $"McastLab {tag}",
            Draft = true,
            Body = "Vagrant boxes of the McastLab lab. Download a `*.metadata.json` catalog and run `vagrant box add ./<box>.metadata.json`; SHA256SUMS lists every file's sha256.",
        }), cancellationToken);
        return new GitHubRelease { Id = created.Id, TagName = created.TagName, Draft = created.Draft, Prerelease = created.Prerelease, UploadUrl = created.UploadUrl };
    }

    /// <summary>Publishes a draft; <paramref name="latest"/> says whether it becomes the repository's latest release.</summary>
    public Task PublishAsync(GitHubRelease release, bool latest, CancellationToken cancellationToken = default) =>
        Call<object?>($"publish the release {release.TagName}", async () =>
        {
            await client.Repository.Release.Edit(owner, name, release.Id, new ReleaseUpdate
            {
                Draft = false,
                MakeLatest = latest ? MakeLatestQualifier.True : MakeLatestQualifier.False,
            });
            return null;
        }, cancellationToken);

    public Task<IReadOnlyList<GitHubAsset>> AssetsAsync(GitHubRelease release, CancellationToken cancellationToken = default) =>
        Call($"list the assets of release {release.TagName}", () => rest.GetAll<GitHubAsset>(new Uri($"repos/{owner}/{name}/releases/{release.Id}/assets", UriKind.Relative)), cancellationToken);

    public Task DeleteAssetAsync(GitHubRelease release, GitHubAsset asset, CancellationToken cancellationToken = default) =>
        Call<object?>($"delete asset {asset.Name} of release {release.TagName}", async () =>
        {
            // Octokit's DeleteAsset takes an int id; github.com's asset ids passed 2^31.
            await rest.Delete(new Uri($"repos/{owner}/{name}/releases/assets/{asset.Id}", UriKind.Relative));
            return null;
        }, cancellationToken);

    private static GitHubRetryRule.Answer AnswerOf(ApiException e)
    {
        var headers = e.HttpResponse?.Headers;
        return new GitHubRetryRule.Answer(e.StatusCode,
            header => headers?.FirstOrDefault(h => string.Equals(h.Key, header, StringComparison.OrdinalIgnoreCase)).Value,
            e.ApiError?.Message ?? e.Message);
    }

    private async Task<T> Call<T>(string action, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await retry.ExecuteAsync(async _ => await call(), cancellationToken);
        }
        catch (AuthorizationException)
        {
            throw new PipelineException($"GitHub rejected GITHUB_TOKEN when trying to {action} (401); set GITHUB_TOKEN to a valid token with contents:write on {repository}.");
        }
        catch (NotFoundException)
        {
            throw new PipelineException($"GitHub at {api} has no repository {repository} that GITHUB_TOKEN can see (404 when trying to {action}); check --github-repository, --github-api-url and the token's access.");
        }
        catch (ApiException e) when (e.StatusCode is HttpStatusCode.TooManyRequests || GitHubRetryRule.ShouldRetry(AnswerOf(e)))
        {
            throw new PipelineException($"GitHub answered {(int)e.StatusCode} when trying to {action} in {repository} ({e.Message}) on every retry; wait a few minutes for GitHub (or its rate limit) to recover, then run PublishBoxes again.");
        }
        catch (ForbiddenException e)
        {
            throw new PipelineException($"GitHub refused to {action} in {repository} (403: {e.Message}); give GITHUB_TOKEN contents:write permission.");
        }
        catch (ApiException e)
        {
            throw new PipelineException($"GitHub answered {(int)e.StatusCode} when trying to {action} in {repository} ({e.Message}); check the repository's state and run PublishBoxes again.");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new PipelineException($"GitHub at {api} cannot be reached to {action} ({e.Message}); check --github-api-url and the network, then run again.");
        }
    }
}
