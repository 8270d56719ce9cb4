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
}

/// <summary>
/// Retries what GitHub asks to retry: 5xx, 429, secondary rate limits (403 with Retry-After, or whose message
/// says so: then at least a minute, as GitHub asks) and a spent primary limit (x-ratelimit-remaining 0) once
/// it resets. Retry-After and x-ratelimit-reset are honoured; otherwise the wait backs off exponentially. Both Octokit's and the upload's HTTP calls go through it.
/// An upload is re-sent from the start of its file (a FileStream seeks back).
/// </summary>
public sealed class GitHubRetryHandler : DelegatingHandler
{
    private readonly ResiliencePipeline<HttpResponseMessage> pipeline;

    public GitHubRetryHandler(HttpMessageHandler inner, RetryTiming timing, IBuildLog log, TimeProvider? time = null)
        : base(inner)
    {
        var clock = time ?? TimeProvider.System;
        pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = timing.MaxRetries,
                Delay = timing.BaseDelay,
                MaxDelay = timing.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = async args => args.Outcome switch
                {
                    { Exception: HttpRequestException } => true,
                    { Result: { } response } => IsTransient(response) || await IsSecondaryRateLimitAsync(response),
                    _ => false,
                },
                DelayGenerator = async args => args.Outcome.Result is not { } response ? null
                    : RequestedDelay(response, clock, timing.MaxDelay)
                      ?? (await IsSecondaryRateLimitAsync(response) ? Min(SecondaryLimitWait, timing.MaxDelay) : null),
                OnRetry = args =>
                {
                    var why = args.Outcome.Result is { } response
                        ? $"answered {(int)response.StatusCode} {response.ReasonPhrase}"
                        : $"failed ({args.Outcome.Exception?.Message})";
                    var request = args.Outcome.Result?.RequestMessage;
                    log.Warning($"GitHub {why}{(request is null ? "" : $" to {request.Method} {request.RequestUri?.AbsolutePath}")}; retry {args.AttemptNumber + 1} of {timing.MaxRetries} in {args.RetryDelay.TotalSeconds:0.##} s.");
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        pipeline.ExecuteAsync(async token => await base.SendAsync(request, token), cancellationToken).AsTask();

    internal static bool IsTransient(HttpResponseMessage response) => response.StatusCode switch
    {
        HttpStatusCode.TooManyRequests => true,
        >= HttpStatusCode.InternalServerError => true,
        HttpStatusCode.Forbidden => response.Headers.RetryAfter is not null || RemainingIsZero(response),
        _ => false,
    };

    /// <summary>The wait GitHub asked for (Retry-After, else the primary limit's reset), or null to back off.</summary>
    internal static TimeSpan? RequestedDelay(HttpResponseMessage response, TimeProvider clock, TimeSpan maxDelay)
    {
        TimeSpan? wait = null;
        if (response.Headers.RetryAfter is { } retryAfter)
        {
            wait = retryAfter.Delta ?? (retryAfter.Date - clock.GetUtcNow());
        }
        else if (RemainingIsZero(response) && Header(response, "x-ratelimit-reset") is { } reset
            && long.TryParse(reset, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
        {
            wait = DateTimeOffset.FromUnixTimeSeconds(epoch) - clock.GetUtcNow() + TimeSpan.FromSeconds(1);
        }
        if (wait is null) return null;
        if (wait < TimeSpan.Zero) return TimeSpan.Zero;
        return wait > maxDelay ? maxDelay : wait;
    }

    /// <summary>A 403 whose message names a secondary rate limit (GitHub does not always send Retry-After).</summary>
    internal static async Task<bool> IsSecondaryRateLimitAsync(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.Forbidden) return false;
        await response.Content.LoadIntoBufferAsync(); // small JSON; buffered so the caller can still read it
        var body = await response.Content.ReadAsStringAsync();
        return body.Contains("secondary rate limit", StringComparison.OrdinalIgnoreCase);
    }

    private static readonly TimeSpan SecondaryLimitWait = TimeSpan.FromMinutes(1);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static bool RemainingIsZero(HttpResponseMessage response) => Header(response, "x-ratelimit-remaining") == "0";

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
