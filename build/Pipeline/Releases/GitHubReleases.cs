using McastLab.Pipeline.Core;
using Octokit;
using Octokit.Internal;

namespace McastLab.Pipeline.Releases;

/// <summary>
/// The release calls PublishBoxes makes, through Octokit, each failure turned into one sentence.
/// Uploads do not go through here: Octokit buffers a whole request body (see <see cref="AssetUploader"/>).
/// </summary>
public sealed class GitHubReleases
{
    private readonly GitHubClient client;
    private readonly string owner;
    private readonly string name;
    private readonly string repository;
    private readonly Uri api;

    public GitHubReleases(Uri apiUrl, string repository, string token, Func<HttpMessageHandler> handler)
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
    }

    /// <summary>api.github.com as given; any other server is GitHub Enterprise, whose REST API lives under /api/v3/.</summary>
    public static Uri ApiBase(Uri apiUrl) =>
        string.Equals(apiUrl.Host, "api.github.com", StringComparison.OrdinalIgnoreCase)
            ? new Uri(apiUrl.GetLeftPart(UriPartial.Authority) + "/")
            : new Uri(apiUrl, "/api/v3/");

    /// <summary>All releases, drafts included (the tag lookup endpoint does not see drafts).</summary>
    public Task<IReadOnlyList<Release>> AllAsync() =>
        Call("list the releases", () => client.Repository.Release.GetAll(owner, name));

    public async Task<(Release Release, bool Created)> GetOrCreateAsync(string tag, IBuildLog log)
    {
        var existing = (await AllAsync()).FirstOrDefault(r => string.Equals(r.TagName, tag, StringComparison.Ordinal));
        if (existing is not null)
        {
            log.Information($"Release {tag} exists in {repository}{(existing.Draft ? " as a draft" : "")}; its assets are updated.");
            if (existing.Draft) log.Warning($"Release {tag} is a draft: its download URLs (and so the box catalog) work once it is published.");
            return (existing, false);
        }
        var created = await Call($"create the release {tag}", () => client.Repository.Release.Create(owner, name, new NewRelease(tag)
        {
            Name = $"McastLab {tag}",
            Body = "Vagrant boxes of the McastLab lab. Download a `*.metadata.json` catalog and run `vagrant box add ./<box>.metadata.json`; SHA256SUMS lists every file's sha256.",
        }));
        log.Information($"Created release {tag} in {repository}.");
        return (created, true);
    }

    public Task<IReadOnlyList<ReleaseAsset>> AssetsAsync(Release release) =>
        Call($"list the assets of release {release.TagName}", () => client.Repository.Release.GetAllAssets(owner, name, release.Id));

    public Task DeleteAssetAsync(Release release, ReleaseAsset asset) =>
        Call<object?>($"delete asset {asset.Name} of release {release.TagName}", async () =>
        {
            await client.Repository.Release.DeleteAsset(owner, name, asset.Id);
            return null;
        });

    private async Task<T> Call<T>(string action, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AuthorizationException)
        {
            throw new PipelineException($"GitHub rejected GITHUB_TOKEN when trying to {action} (401); set GITHUB_TOKEN to a valid token with contents:write on {repository}.");
        }
        catch (NotFoundException)
        {
            throw new PipelineException($"GitHub at {api} has no repository {repository} that GITHUB_TOKEN can see (404 when trying to {action}); check --github-repository and the token's access.");
        }
        catch (ForbiddenException e)
        {
            throw new PipelineException($"GitHub refused to {action} in {repository} (403: {e.Message}); give GITHUB_TOKEN contents:write permission.");
        }
        catch (ApiException e)
        {
            throw new PipelineException($"GitHub answered {(int)e.StatusCode} when trying to {action} in {repository} ({e.Message}); check the repository's state and run PublishBoxes again.");
        }
        catch (HttpRequestException e)
        {
            throw new PipelineException($"GitHub at {api} cannot be reached to {action} ({e.Message}); check --github-api-url and the network, then run again.");
        }
    }
}
