using McastLab.Pipeline.Releases;

namespace McastLab.Pipeline.Tests.Releases;

/// <summary>
/// A Retry-After longer than Octokit's 100 s request timeout, waited out for real (the test takes about 110 s;
/// it is a class of its own so it runs beside the others). Retries that ran inside Octokit's request ended here
/// in a TaskCanceledException after 100 s.
/// </summary>
public sealed class LongRetryAfterTests : IDisposable
{
    private readonly PublishWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    [Fact]
    public async Task A_Retry_After_of_110_s_on_the_release_list_is_waited_out()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        workspace.AddBox("docker-centos7-virtualbox");
        stub.Fail("GET", "/api/v3/repos/octo-org/mcastlab/releases", 429, 1, ("Retry-After", "110"));

        await workspace.Publisher(stub, "v1.0.0", PublishWorkspace.FastRetries with { MaxDelay = TimeSpan.FromMinutes(5) }).PublishAsync(TestContext.Current.CancellationToken);

        Assert.Contains(workspace.Log.Lines, l => l.Contains("answered 429", StringComparison.Ordinal) && l.EndsWith("retry 1 of 4 in 110 s.", StringComparison.Ordinal));
        Assert.False(stub.Release("v1.0.0").Draft);
    }
}
