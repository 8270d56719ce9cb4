using System.Text.RegularExpressions;
using Docker.DotNet;
using Docker.DotNet.Models;
using McastLab.Pipeline.Core;
using Polly;
using Polly.Retry;

namespace McastLab.Pipeline.Images;

/// <summary>A pushed tag and the digest the registry confirmed.</summary>
public sealed record PushedImage(string Reference, string Digest, string ConfigDigest);

/// <summary>
/// Pushes tags through the engine, reading failures from the push stream (the engine reports them there,
/// not as HTTP errors). Transient failures (registry down or overloaded, network) are retried with
/// exponential backoff; then the manifest is read back over the registry's HTTP API and its digest compared
/// with the one the push reported.
/// </summary>
public sealed partial class ImagePusher(IDockerClient docker, IBuildLog log, RegistryApi registry, AuthConfig? auth = null)
{
    /// <summary>Attempts after the first; the delays double from <see cref="FirstDelay"/>.</summary>
    public int Retries { get; init; } = 4;

    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromSeconds(2);

    // Failures that retrying cannot fix: a login, a permission, a name or a missing local image.
    private static readonly string[] PermanentMarkers =
        ["unauthorized", "denied", "authentication required", "forbidden", "no such image", "does not exist", "invalid reference", "name invalid", "name unknown"];

    private static readonly string[] MissingImageMarkers = ["no such image", "does not exist locally"];

    // The engine's words (Go's net/http) when it speaks HTTPS to a registry that answers plain HTTP.
    private const string PlainHttpMarker = "server gave HTTP response to HTTPS client";

    public async Task<PushedImage> PushAsync(string reference, CancellationToken cancellationToken = default)
    {
        var name = ImageName.Parse(reference);
        var attempts = 0;
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<PushFailedException>(e => e.Transient),
                MaxRetryAttempts = Retries,
                Delay = FirstDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                OnRetry = args =>
                {
                    log.Warning($"Push of {reference} failed (attempt {args.AttemptNumber + 1} of {Retries + 1}): {args.Outcome.Exception?.Message}; retrying in {args.RetryDelay.TotalSeconds:0.#} s.");
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

        string digest;
        try
        {
            digest = await pipeline.ExecuteAsync(async token =>
            {
                attempts++;
                return await PushOnceAsync(name, token);
            }, cancellationToken);
        }
        catch (PushFailedException e)
        {
            var tried = attempts == 1 ? "" : $" after {attempts} attempts";
            throw new PipelineException($"Pushing {reference} failed{tried}: {e.Message.TrimEnd('.')}; {Advice(e.Message, e.Transient, name)}, then run again.", e);
        }

        var (tagged, image) = await new ImageReadBack(registry).VerifyAsync(name, digest, cancellationToken);
        var form = tagged.IsIndex ? $"index read back from {registry.Registry}, {ImageReadBack.HostPlatform.Os}/{ImageReadBack.HostPlatform.Architecture} image {image.Digest[..19]}…" : $"manifest read back from {registry.Registry}";
        log.Information($"Pushed {reference}@{digest} ({form}, config {image.ConfigDigest![..19]}…)");
        return new PushedImage(reference, digest, image.ConfigDigest!);
    }

    private async Task<string> PushOnceAsync(ImageName name, CancellationToken cancellationToken)
    {
        var messages = new EngineMessages(log);
        try
        {
            await docker.Images.PushImageAsync(name.Repository, new ImagePushParameters { Tag = name.Tag }, auth ?? new AuthConfig(), messages, cancellationToken);
        }
        catch (DockerImageNotFoundException e)
        {
            throw new PushFailedException($"no such image in the engine ({ImageBuilder.EngineError(e)})", transient: false);
        }
        catch (DockerApiException e)
        {
            var message = ImageBuilder.EngineError(e);
            throw new PushFailedException(message, IsTransient(message));
        }
        if (messages.Error is { } error)
        {
            throw new PushFailedException(error, IsTransient(error));
        }
        // The engine's last status line: "<tag>: digest: sha256:… size: 1234".
        var digest = messages.Lines.Select(line => DigestLine().Match(line)).LastOrDefault(m => m.Success)?.Groups[1].Value;
        return digest ?? throw new PushFailedException($"the engine's push stream for {name} ended without a digest", transient: true);
    }

    /// <summary>What to do about a failed push, from the engine's message.</summary>
    internal string Advice(string message, bool transient, ImageName name)
    {
        if (message.Contains(PlainHttpMarker, StringComparison.OrdinalIgnoreCase)) return EngineRegistryConfig.PlainHttpAdvice(registry.Registry);
        if (transient) return $"check that the registry {registry.Registry} is running and reachable (./build.sh Push starts a local one on a loopback address)";
        if (MissingImageMarkers.Any(m => message.Contains(m, StringComparison.OrdinalIgnoreCase))) return "build it with './build.sh Images'";
        // ghcr.io: the login worked, but the package exists and this token may not write it. A package first
        // pushed from elsewhere (a workstation, another repository) is not linked to the workflow's repository.
        if (message.Contains("write_package", StringComparison.OrdinalIgnoreCase))
        {
            var package = name.Repository[(registry.Registry.Length + 1)..];
            return $"the package {package} exists and is not linked to the repository whose token pushes it: in the package's settings on GitHub, under 'Manage Actions access', add the repository with the Write role (or delete the package and let the release workflow push it first)";
        }
        return "check --registry, --registry-user and MCASTLAB_REGISTRY_PASSWORD";
    }

    internal static bool IsTransient(string message) =>
        !PermanentMarkers.Append(PlainHttpMarker).Any(marker => message.Contains(marker, StringComparison.OrdinalIgnoreCase));

    [GeneratedRegex(@"digest: (sha256:[0-9a-f]{64})")]
    private static partial Regex DigestLine();

    private sealed class PushFailedException(string message, bool transient) : Exception(message)
    {
        public bool Transient { get; } = transient;
    }
}
