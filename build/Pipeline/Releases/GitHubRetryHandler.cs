using System.Globalization;
using System.Net;
using McastLab.Pipeline.Core;
using Polly;
using Polly.Retry;

namespace McastLab.Pipeline.Releases;

/// <summary>How long and how often GitHub calls are retried; tests shorten the delays.</summary>
public sealed record RetryTiming(int MaxRetries, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    public static RetryTiming Default { get; } = new(5, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(5));

    /// <summary>GitHub asks for at least a minute after a secondary rate limit that names no time.</summary>
    public TimeSpan SecondaryLimitWait { get; init; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// What GitHub asks a client to retry, and how long to wait: 5xx; 429 and 403 secondary rate limits (Retry-After,
/// else at least a minute, doubling); a spent primary limit (x-ratelimit-remaining 0) until x-ratelimit-reset.
/// One rule for both ways the pipeline talks to GitHub: Octokit's calls (<see cref="GitHubReleases"/>) and the
/// streamed uploads (<see cref="GitHubRetryHandler"/>).
/// </summary>
public static class GitHubRetryRule
{
    /// <summary>One answer reduced to what the rule reads: status, a header lookup and the error message.</summary>
    public sealed record Answer(HttpStatusCode Status, Func<string, string?> Header, string? Message)
    {
        public bool RemainingIsZero => Header("x-ratelimit-remaining") == "0";

        public bool IsSecondaryLimit =>
            Status == HttpStatusCode.TooManyRequests
            || (Status == HttpStatusCode.Forbidden && Message?.Contains("secondary rate limit", StringComparison.OrdinalIgnoreCase) == true);
    }

    public static bool ShouldRetry(Answer answer) => answer.Status switch
    {
        HttpStatusCode.TooManyRequests => true,
        >= HttpStatusCode.InternalServerError => true,
        HttpStatusCode.Forbidden => answer.Header("Retry-After") is not null || answer.RemainingIsZero || answer.IsSecondaryLimit,
        _ => false,
    };

    /// <summary>The wait before retry number <paramref name="attempt"/> (0-based), or null to back off exponentially.</summary>
    public static TimeSpan? Wait(Answer answer, int attempt, TimeProvider clock, RetryTiming timing)
    {
        TimeSpan? wait = null;
        if (answer.Header("Retry-After") is { } retryAfter)
        {
            if (int.TryParse(retryAfter, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) wait = TimeSpan.FromSeconds(seconds);
            else if (DateTimeOffset.TryParse(retryAfter, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)) wait = date - clock.GetUtcNow();
        }
        else if (answer.RemainingIsZero && answer.Header("x-ratelimit-reset") is { } reset
            && long.TryParse(reset, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
        {
            wait = DateTimeOffset.FromUnixTimeSeconds(epoch) - clock.GetUtcNow() + TimeSpan.FromSeconds(1);
        }
        else if (answer.IsSecondaryLimit)
        {
            // "Wait for at least one minute", and longer each time the limit is hit again.
            wait = timing.SecondaryLimitWait * Math.Pow(2, Math.Min(attempt, 10));
        }
        if (wait is null) return null;
        if (wait < TimeSpan.Zero) return TimeSpan.Zero;
        return wait > timing.MaxDelay ? timing.MaxDelay : wait;
    }

    /// <summary>A retry strategy for any outcome the caller can reduce to an <see cref="Answer"/>.</summary>
    internal static TOptions Options<TOptions, T>(TOptions options, RetryTiming timing, TimeProvider clock, IBuildLog log, Func<Outcome<T>, ValueTask<Answer?>> answer, Func<Outcome<T>, bool> networkFailure, Func<Outcome<T>, string> describe)
        where TOptions : RetryStrategyOptions<T>
    {
        options.MaxRetryAttempts = timing.MaxRetries;
        options.Delay = timing.BaseDelay;
        options.MaxDelay = timing.MaxDelay;
        options.BackoffType = DelayBackoffType.Exponential;
        options.UseJitter = true;
        options.ShouldHandle = async args => networkFailure(args.Outcome) || (await answer(args.Outcome) is { } a && ShouldRetry(a));
        options.DelayGenerator = async args => await answer(args.Outcome) is { } a ? Wait(a, args.AttemptNumber, clock, timing) : null;
        options.OnRetry = args =>
        {
            log.Warning($"GitHub {describe(args.Outcome)}; retry {args.AttemptNumber + 1} of {timing.MaxRetries} in {args.RetryDelay.TotalSeconds:0.##} s.");
            return ValueTask.CompletedTask;
        };
        return options;
    }
}

/// <summary>
/// Retries the streamed uploads as <see cref="GitHubRetryRule"/> says. It sits under an HttpClient without a
/// timeout of its own, so a long Retry-After is waited out, not cut short. An upload is re-sent from the start
/// of its file (a FileStream seeks back).
/// </summary>
public sealed class GitHubRetryHandler : DelegatingHandler
{
    private readonly ResiliencePipeline<HttpResponseMessage> pipeline;

    public GitHubRetryHandler(HttpMessageHandler inner, RetryTiming timing, IBuildLog log, TimeProvider? time = null)
        : base(inner)
    {
        var clock = time ?? TimeProvider.System;
        var options = GitHubRetryRule.Options<RetryStrategyOptions<HttpResponseMessage>, HttpResponseMessage>(new RetryStrategyOptions<HttpResponseMessage>(), timing, clock, log,
            async outcome => outcome.Result is { } response ? await AnswerOf(response) : null,
            outcome => outcome.Exception is HttpRequestException,
            outcome => outcome.Result is { } response
                ? $"answered {(int)response.StatusCode} {response.ReasonPhrase} to {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath}"
                : $"failed ({outcome.Exception?.Message})");
        var onRetry = options.OnRetry!;
        options.OnRetry = async args =>
        {
            await onRetry(args);
            args.Outcome.Result?.Dispose();
        };
        pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = clock }.AddRetry(options).Build();
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        pipeline.ExecuteAsync(async token => await base.SendAsync(request, token), cancellationToken).AsTask();

    /// <summary>The response as the rule reads it; a 403's small JSON body is buffered so the caller can still read it.</summary>
    internal static async Task<GitHubRetryRule.Answer> AnswerOf(HttpResponseMessage response)
    {
        string? message = null;
        if (response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests)
        {
            await response.Content.LoadIntoBufferAsync();
            message = await response.Content.ReadAsStringAsync();
        }
        return new GitHubRetryRule.Answer(response.StatusCode, name => Header(response, name), message);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
