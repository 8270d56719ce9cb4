using System.Diagnostics;
using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Images;

/// <summary>A built image: its id, the references it is tagged with, its size and labels.</summary>
public sealed record BuiltImage(string Id, IReadOnlyList<string> References, long Size, IReadOnlyDictionary<string, string> Labels);

/// <summary>
/// Builds one image through the engine API: tars the context, logs one line per step the engine works on
/// (everything in artifacts/logs/Images.log, replayed when a step fails), fails with the engine's own message,
/// tags registry/name:version (and :latest for the newest release only, see <see cref="SourceVersion.Latest"/>),
/// sets the OCI labels.
/// </summary>
public sealed class ImageBuilder(IDockerClient docker, IBuildLog log, string repositoryRoot, string registry, string? logDirectory = null)
{
    /// <summary>The build log's file under the logs directory, named for the target.</summary>
    public const string LogFile = "Images.log";

    public static IReadOnlyList<string> Tags(SourceVersion version) => version.Latest ? [version.Version, "latest"] : [version.Version];

    public string Reference(ContainerImage image, string tag) => $"{registry}/{image.Repository}:{tag}";

    /// <summary>The OCI labels; the source only when the origin is a web URL (<see cref="SourceVersion.SourceUrl"/>).</summary>
    public static IReadOnlyDictionary<string, string> Labels(ContainerImage image, SourceVersion version)
    {
        var labels = new Dictionary<string, string>
        {
            ["org.opencontainers.image.title"] = image.Title,
            ["org.opencontainers.image.description"] = image.Description,
            ["org.opencontainers.image.licenses"] = image.Licenses,
            ["org.opencontainers.image.revision"] = version.Revision,
            ["org.opencontainers.image.version"] = version.Version,
            ["org.opencontainers.image.created"] = version.Created.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        if (version.Source is { } source) labels["org.opencontainers.image.source"] = source;
        return labels;
    }

    public async Task<BuiltImage> BuildAsync(ContainerImage image, SourceVersion version, CancellationToken cancellationToken = default)
    {
        var references = Tags(version).Select(tag => Reference(image, tag)).ToList();
        var dockerfile = Path.Combine(repositoryRoot, image.Dockerfile);
        // The step lines name the image and the "Built" line closes it: the start needs no line of its own.
        log.Verbose($"Building {references[0]} from {image.Dockerfile}");
        var watch = Stopwatch.StartNew();

        await using var context = await BuildContext.CreateAsync(dockerfile, image.ContextFiles, cancellationToken);
        var steps = new DockerBuildSteps();
        using var output = new ToolLog(log, logDirectory is null ? null : Path.Combine(logDirectory, LogFile), $"docker build {image.Repository}", steps);
        var messages = new EngineMessages(log, output: output);
        var parameters = new ImageBuildParameters
        {
            Dockerfile = BuildContext.DockerfileName,
            Tags = references,
            Labels = Labels(image, version).ToDictionary(),
            BuildArgs = image.BuildArguments.ToDictionary(),
            // Intermediate containers go away even when a step fails.
            Remove = true,
            ForceRemove = true,
        };
        try
        {
            await docker.Images.BuildImageFromDockerfileAsync(parameters, context, null, null, messages, cancellationToken);
        }
        catch (DockerApiException e)
        {
            output.Replay();
            throw new PipelineException($"The engine refused to build {references[0]}: {EngineError(e)}; fix {image.Dockerfile} and run again.", e);
        }
        if (messages.Error is { } error)
        {
            output.Replay();
            throw new PipelineException($"Building {references[0]} failed: {error}; fix {image.Dockerfile} (or what that step needs) and run again.");
        }

        var inspected = await docker.Images.InspectImageAsync(references[0], cancellationToken);
        log.Information($"Built {string.Join(", ", references)} ({ImageSize.Format(inspected.Size)}, {inspected.ID[..19]}) in {watch.Elapsed.TotalSeconds:0.0} s, {steps.Summary}.");
        return new BuiltImage(inspected.ID, references, inspected.Size, inspected.Config?.Labels?.ToDictionary() ?? []);
    }

    /// <summary>The engine's message from an error response body ({"message": "..."}), else the exception's.</summary>
    internal static string EngineError(DockerApiException e)
    {
        if (string.IsNullOrWhiteSpace(e.ResponseBody)) return e.Message;
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(e.ResponseBody);
            if (json.RootElement.TryGetProperty("message", out var message)) return message.GetString() ?? e.Message;
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return e.ResponseBody.Trim();
    }
}
