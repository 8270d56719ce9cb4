using Docker.DotNet.Models;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Docker;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Images;

/// <summary>
/// The lab's two images, one call per target: publish mcast, provide the base image, build both images,
/// push both. Every engine call goes through <see cref="DockerConnection"/>.
/// </summary>
public sealed class LabImages(ProcessRunner runner, IBuildLog log, BuildParameters parameters, Uri? dockerEndpoint = null)
{
    private ImageSettings Settings => parameters.Images;

    public string McastPublishDirectory => parameters.Layout.Mcast;

    public string RegistryDirectory => parameters.Layout.Registry;

    /// <summary>artifacts/logs: the full output of the long tools, one file per target.</summary>
    public string LogDirectory => parameters.Layout.Logs;

    public ContainerImage Iperf => new(
        Settings.IperfImage,
        "src/IperfImage/Dockerfile",
        new Dictionary<string, string>(),
        "McastLab iperf 2",
        $"iperf {parameters.Versions.Iperf} from Debian, the multicast sender and receiver of the McastLab walkthrough.",
        "BSD-3-Clause")
    {
        BuildArguments = new Dictionary<string, string> { ["BASE_IMAGE"] = Settings.BaseImage, ["IPERF_VERSION"] = parameters.Versions.Iperf },
    };

    public ContainerImage Mcast => new(
        Settings.McastImage,
        "src/McastTools/Dockerfile",
        new Dictionary<string, string> { [McastToolsPublisher.Binary] = Path.Combine(McastPublishDirectory, McastToolsPublisher.Binary) },
        "McastLab mcast",
        "mcast, McastLab's multicast sender and receiver (iperf 2 compatible), as one NativeAOT binary.",
        // The project has not chosen a license yet.
        "NOASSERTION")
    {
        BuildArguments = new Dictionary<string, string> { ["BASE_IMAGE"] = Settings.BaseImage },
    };

    /// <summary>McastTools target: the NativeAOT mcast binary in artifacts/mcast/.</summary>
    public Task<string> PublishMcastToolsAsync(CancellationToken cancellationToken = default) =>
        new McastToolsPublisher(runner, log, parameters.RepositoryRoot, LogDirectory).PublishAsync(McastPublishDirectory, cancellationToken);

    /// <summary>BaseImage target.</summary>
    public async Task EnsureBaseImageAsync(CancellationToken cancellationToken = default)
    {
        using var docker = await DockerConnection.ConnectAsync(dockerEndpoint, cancellationToken);
        await new BaseImageBuilder(docker, runner, log, Settings, parameters.Artifacts).EnsureAsync(cancellationToken);
    }

    /// <summary>Images target: builds both images and logs their sizes; mcast's must stay below iperf's.</summary>
    public async Task<IReadOnlyList<BuiltImage>> BuildAsync(CancellationToken cancellationToken = default)
    {
        var binary = Mcast.ContextFiles[McastToolsPublisher.Binary];
        if (!File.Exists(binary))
        {
            throw new PipelineException($"{Path.GetRelativePath(parameters.RepositoryRoot, binary)} is missing; run './build.sh Images' (it publishes mcast first) or './build.sh McastTools', then run again.");
        }
        var version = await SourceVersion.ReadAsync(runner, parameters.RepositoryRoot, cancellationToken);
        log.Information($"Image version {version.Version} (revision {version.Revision[..12]})");
        using var docker = await DockerConnection.ConnectAsync(dockerEndpoint, cancellationToken);
        var baseSize = await BaseImageBuilder.ImageSizeAsync(docker, Settings.BaseImage, cancellationToken)
            ?? throw new PipelineException($"The base image {Settings.BaseImage} is not in the engine; run './build.sh BaseImage' (Images depends on it), then run again.");

        var builder = new ImageBuilder(docker, log, parameters.RepositoryRoot, Settings.Registry, LogDirectory);
        var built = new List<BuiltImage>();
        foreach (var image in new[] { Iperf, Mcast })
        {
            built.Add(await builder.BuildAsync(image, version, cancellationToken));
        }

        // One line: the mcast image is not layered on the base (it takes only glibc from it), so compare only when it is.
        var sizes = built.Select(image => $"{image.References[0].Split('/')[^1].Split(':')[0]} {ImageSize.Format(image.Size)} " +
            (image.Size >= baseSize ? $"(+{ImageSize.Format(image.Size - baseSize)} above the base)" : "(glibc from the base only)"));
        log.Information($"Image sizes: {string.Join(", ", sizes)}; base {Settings.BaseImage} {ImageSize.Format(baseSize)}.");
        if (built[1].Size >= built[0].Size)
        {
            log.Warning($"The mcast image ({ImageSize.Format(built[1].Size)}) is not smaller than the iperf image ({ImageSize.Format(built[0].Size)}); check what the mcast layer adds.");
        }
        return built;
    }

    /// <summary>Push target: both tags of both images, to the configured registry (a local one is started on loopback).</summary>
    public async Task<IReadOnlyList<PushedImage>> PushAsync(CancellationToken cancellationToken = default)
    {
        if (RegistryApi.IsLoopback(Settings.Registry))
        {
            await new LocalRegistry(runner, log, Settings.Registry, RegistryDirectory).EnsureRunningAsync(cancellationToken);
        }
        var version = await SourceVersion.ReadAsync(runner, parameters.RepositoryRoot, cancellationToken);
        if (string.Equals(Settings.Registry, "ghcr.io", StringComparison.OrdinalIgnoreCase) && !(version.Source?.StartsWith("https://github.com/", StringComparison.OrdinalIgnoreCase) ?? false))
        {
            var label = version.Source is null ? "left out (the origin remote is not a web URL)" : version.Source;
            log.Warning($"The images' org.opencontainers.image.source is {label}, not https://github.com/OWNER/REPO, so ghcr.io links the packages to no repository and a workflow's GITHUB_TOKEN may not write them later; push from a clone of the GitHub repository.");
        }
        log.Information(version.Latest ? $"{version.Version} is the newest release: :latest moves too." : $"{version.Version} is not the newest plain release vX.Y.Z: :latest stays where it is.");
        using var docker = await DockerConnection.ConnectAsync(dockerEndpoint, cancellationToken);
        // Read back over the scheme the engine pushes with: plain HTTP to the registries it marks insecure.
        var engine = await EngineRegistryConfig.ReadAsync(docker, cancellationToken);
        using var registry = new RegistryApi(Settings.Registry, Settings.RegistryUser, Settings.RegistryPassword, engine: engine);
        var auth = Settings.RegistryUser is { Length: > 0 } user
            ? new AuthConfig { Username = user, Password = Settings.RegistryPassword, ServerAddress = Settings.Registry }
            : null;
        var pusher = new ImagePusher(docker, log, registry, auth);
        var builder = new ImageBuilder(docker, log, parameters.RepositoryRoot, Settings.Registry);
        var pushed = new List<PushedImage>();
        foreach (var image in new[] { Iperf, Mcast })
        {
            foreach (var tag in ImageBuilder.Tags(version))
            {
                pushed.Add(await pusher.PushAsync(builder.Reference(image, tag), cancellationToken));
            }
        }
        Pushed.Record(pushed);
        return pushed;
    }

    /// <summary>artifacts/images/pushed.json: what Push confirmed, for a lab whose nodes pull.</summary>
    public PushedImages Pushed => new(parameters.Layout.Images);

    /// <summary>These tags as repository@digest of their last push (<see cref="PulledImageReferences"/>).</summary>
    public async Task<IReadOnlyList<string>> PulledReferencesAsync(IReadOnlyList<string> references, CancellationToken cancellationToken = default)
    {
        using var docker = await DockerConnection.ConnectAsync(dockerEndpoint, cancellationToken);
        var resolver = new PulledImageReferences(docker, Pushed, Settings.Registry);
        var resolved = new List<string>();
        foreach (var reference in references) resolved.Add(await resolver.ResolveAsync(reference, cancellationToken));
        return resolved;
    }
}
