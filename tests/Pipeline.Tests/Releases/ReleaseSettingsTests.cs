using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Releases;

namespace McastLab.Pipeline.Tests.Releases;

public sealed class ReleaseSettingsTests
{
    private static ReleaseSettings Resolve(Dictionary<string, string> commandLine, string? token = null)
    {
        var file = new Dictionary<string, string> { ["github-api-url"] = "https://api.github.com", ["box-directory"] = "artifacts/boxes", ["github-repository"] = "" };
        var resolved = ParameterResolver.Resolve(ParameterCatalog.All, file, commandLine, name => name == "GITHUB_TOKEN" ? token : null, ParameterCatalog.RunnerOptions);
        return ReleaseSettings.From(resolved);
    }

    [Fact]
    public void Defaults_leave_repository_tag_and_token_unset_so_other_targets_run()
    {
        var settings = Resolve([]);

        Assert.Equal((null, new Uri("https://api.github.com"), "artifacts/boxes", null, null), (settings.Repository, settings.ApiUrl, settings.BoxDirectory, settings.Tag, settings.Token));
    }

    [Fact]
    public void The_token_comes_from_GITHUB_TOKEN_and_never_from_the_command_line()
    {
        Assert.Equal("ghp_secret", Resolve([], token: "ghp_secret").Token);
        var error = Assert.Throws<ParameterException>(() => Resolve(new() { ["github-token"] = "ghp_secret" }));
        Assert.Contains("set GITHUB_TOKEN in the environment", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ghp_secret", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("github-repository", "just-a-name", "owner/name")]
    [InlineData("release-tag", "1.2.0", "a version tag such as v1.2.0")]
    [InlineData("release-tag", "v1.2", "a version tag such as v1.2.0")]
    [InlineData("github-api-url", "api.github.com", "an absolute http(s) URL")]
    public void Bad_values_stop_with_one_sentence(string name, string value, string expected)
    {
        var error = Assert.Throws<ParameterException>(() => Resolve(new() { [name] = value }));

        Assert.StartsWith($"Parameter --{name} must be {expected}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://api.github.com", "https://api.github.com/", "https://github.com/o/r/releases/download/v1.0.0/a%20b.box")]
    [InlineData("https://ghe.example.com", "https://ghe.example.com/api/v3/", "https://ghe.example.com/o/r/releases/download/v1.0.0/a%20b.box")]
    [InlineData("https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/", "https://ghe.example.com/o/r/releases/download/v1.0.0/a%20b.box")]
    [InlineData("https://api.octo.ghe.com", "https://api.octo.ghe.com/", "https://octo.ghe.com/o/r/releases/download/v1.0.0/a%20b.box")]
    [InlineData("https://api.octo.ghe.com/", "https://api.octo.ghe.com/", "https://octo.ghe.com/o/r/releases/download/v1.0.0/a%20b.box")]
    [InlineData("https://ghe.com.example.org", "https://ghe.com.example.org/api/v3/", "https://ghe.com.example.org/o/r/releases/download/v1.0.0/a%20b.box")]
    public void Enterprise_servers_use_api_v3_and_data_residency_hosts_do_not(string given, string api, string download)
    {
        Assert.Equal(api, GitHubReleases.ApiBase(new Uri(given)).AbsoluteUri);
        Assert.Equal(download, new ReleaseDownloads(new Uri(given), "o/r").Url("v1.0.0", "a b.box").AbsoluteUri);
    }

    [Fact]
    public void Box_versions_order_numerically()
    {
        Assert.True(ReleaseVersion.TryParse("v1.10.0", out var ten));
        Assert.True(ReleaseVersion.TryParse("v1.9.3", out var nine));
        Assert.Equal("1.10.0", ten.BoxVersion);
        Assert.True(ten.Order.CompareTo(nine.Order) > 0);
        Assert.False(ReleaseVersion.TryParse("v01.2.3", out _));
        Assert.False(ReleaseVersion.TryParse("release-1", out _));
    }
}
