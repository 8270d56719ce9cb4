using System.Net;
using System.Net.Http.Headers;
using McastLab.Pipeline.Releases;

namespace McastLab.Pipeline.Tests.Releases;

public sealed class GitHubRetryHandlerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Cap = TimeSpan.FromMinutes(5);

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, true)]
    [InlineData(HttpStatusCode.BadGateway, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.Forbidden, false)] // a missing permission: retrying cannot help
    [InlineData(HttpStatusCode.UnprocessableEntity, false)]
    [InlineData(HttpStatusCode.NotFound, false)]
    public void Retries_only_what_GitHub_asks_to_retry(HttpStatusCode status, bool transient)
    {
        using var response = new HttpResponseMessage(status);

        Assert.Equal(transient, GitHubRetryHandler.IsTransient(response));
    }

    [Fact]
    public void A_secondary_rate_limit_waits_for_Retry_After()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.Forbidden);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(60));

        Assert.True(GitHubRetryHandler.IsTransient(response));
        Assert.Equal(TimeSpan.FromSeconds(60), GitHubRetryHandler.RequestedDelay(response, new FixedClock(Now), Cap));
    }

    [Fact]
    public void Retry_After_as_a_date_counts_from_now()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(Now.AddSeconds(42));

        Assert.Equal(TimeSpan.FromSeconds(42), GitHubRetryHandler.RequestedDelay(response, new FixedClock(Now), Cap));
    }

    [Fact]
    public void A_spent_primary_limit_waits_until_its_reset()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.Forbidden);
        response.Headers.Add("x-ratelimit-remaining", "0");
        response.Headers.Add("x-ratelimit-reset", Now.AddSeconds(30).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(GitHubRetryHandler.IsTransient(response));
        Assert.Equal(TimeSpan.FromSeconds(31), GitHubRetryHandler.RequestedDelay(response, new FixedClock(Now), Cap));
    }

    [Fact]
    public void Waits_no_longer_than_the_cap_and_backs_off_when_GitHub_names_no_time()
    {
        using var far = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        far.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromHours(3));
        using var silent = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);

        Assert.Equal(Cap, GitHubRetryHandler.RequestedDelay(far, new FixedClock(Now), Cap));
        Assert.Null(GitHubRetryHandler.RequestedDelay(silent, new FixedClock(Now), Cap));
    }

    [Theory]
    [InlineData("{\"message\": \"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.\"}", true)]
    [InlineData("{\"message\": \"Resource not accessible by integration\"}", false)]
    public async Task A_403_is_a_secondary_rate_limit_only_when_GitHub_says_so(string body, bool limited)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.Forbidden) { Content = new StringContent(body) };

        Assert.Equal(limited, await GitHubRetryHandler.IsSecondaryRateLimitAsync(response));
        Assert.Equal(body, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
