using System.Net;
using System.Net.Http.Headers;
using McastLab.Pipeline.Releases;

namespace McastLab.Pipeline.Tests.Releases;

public sealed class GitHubRetryRuleTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private static readonly RetryTiming Timing = RetryTiming.Default;
    private static readonly TimeProvider Clock = new FixedClock(Now);

    private static Task<GitHubRetryRule.Answer> Answer(HttpResponseMessage response) => GitHubRetryHandler.AnswerOf(response);

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, true)]
    [InlineData(HttpStatusCode.BadGateway, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.Forbidden, false)] // a missing permission: retrying cannot help
    [InlineData(HttpStatusCode.UnprocessableEntity, false)]
    [InlineData(HttpStatusCode.NotFound, false)]
    public async Task Retries_only_what_GitHub_asks_to_retry(HttpStatusCode status, bool transient)
    {
        using var response = new HttpResponseMessage(status) { Content = new StringContent("{\"message\": \"Resource not accessible by integration\"}") };

        Assert.Equal(transient, GitHubRetryRule.ShouldRetry(await Answer(response)));
    }

    [Fact]
    public async Task A_secondary_rate_limit_waits_for_Retry_After()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.Forbidden);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(60));

        Assert.True(GitHubRetryRule.ShouldRetry(await Answer(response)));
        Assert.Equal(TimeSpan.FromSeconds(60), GitHubRetryRule.Wait(await Answer(response), 0, Clock, Timing));
    }

    [Fact]
    public async Task Retry_After_as_a_date_counts_from_now()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(Now.AddSeconds(42));

        Assert.Equal(TimeSpan.FromSeconds(42), GitHubRetryRule.Wait(await Answer(response), 0, Clock, Timing));
    }

    [Fact]
    public async Task A_spent_primary_limit_waits_until_its_reset()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.Forbidden);
        response.Headers.Add("x-ratelimit-remaining", "0");
        response.Headers.Add("x-ratelimit-reset", Now.AddSeconds(30).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(GitHubRetryRule.ShouldRetry(await Answer(response)));
        Assert.Equal(TimeSpan.FromSeconds(31), GitHubRetryRule.Wait(await Answer(response), 0, Clock, Timing));
    }

    [Fact]
    public async Task Waits_no_longer_than_the_cap_and_backs_off_when_GitHub_names_no_time()
    {
        using var far = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        far.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromHours(3));
        using var silent = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);

        Assert.Equal(Timing.MaxDelay, GitHubRetryRule.Wait(await Answer(far), 0, Clock, Timing));
        Assert.Null(GitHubRetryRule.Wait(await Answer(silent), 0, Clock, Timing));
    }

    [Theory]
    [InlineData(HttpStatusCode.Forbidden, "{\"message\": \"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.\"}")]
    [InlineData(HttpStatusCode.TooManyRequests, "{\"message\": \"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.\"}")]
    [InlineData(HttpStatusCode.TooManyRequests, "")] // a bare 429
    public async Task A_secondary_limit_without_Retry_After_waits_a_minute_then_longer(HttpStatusCode status, string body)
    {
        using var response = new HttpResponseMessage(status) { Content = new StringContent(body) };
        var answer = await Answer(response);

        Assert.True(GitHubRetryRule.ShouldRetry(answer));
        Assert.Equal(TimeSpan.FromMinutes(1), GitHubRetryRule.Wait(answer, 0, Clock, Timing));
        Assert.Equal(TimeSpan.FromMinutes(2), GitHubRetryRule.Wait(answer, 1, Clock, Timing));
        Assert.Equal(body, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
