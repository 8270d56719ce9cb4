using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Docker;
using McastLab.Pipeline.Images;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Images;

[CollectionDefinition(Name)]
public sealed class ImageEngineGroup : ICollectionFixture<ImageFixture>
{
    public const string Name = "Images (real engine and registry)";
}

/// <summary>
/// Once per test run: the engine, the pipeline's own base image (same tag, so a base built by ./build.sh
/// BaseImage is reused and vice versa), a private registry on a free loopback port, mcast published to a
/// temporary directory, and both images built under unique names. Everything it creates is removed at the end.
/// </summary>
public sealed class ImageFixture : IAsyncLifetime
{
    private readonly List<string> createdTags = [];

    public string? Unavailable { get; private set; }
    public CapturingLog Log { get; } = new();
    public ProcessRunner Runner { get; }
    public static string RepositoryRoot => Tests.RepositoryRoot.Path;
    public string Scratch { get; } = Directory.CreateTempSubdirectory("mcastlab-images-").FullName;
    public string Prefix { get; } = "mcastlab-test-" + Guid.NewGuid().ToString("N")[..8];
    public DockerClient Docker { get; private set; } = null!;
    public BuildParameters Parameters { get; private set; } = null!;
    public LocalRegistry Registry { get; private set; } = null!;
    public SourceVersion Version { get; private set; } = null!;
    public ContainerImage IperfImage { get; private set; } = null!;
    public ContainerImage McastImage { get; private set; } = null!;
    public BuiltImage Iperf { get; private set; } = null!;
    public BuiltImage Mcast { get; private set; } = null!;
    public long BaseSize { get; private set; }

    /// <summary>The NativeAOT mcast published from this checkout for this run, which the mcast image must hold.</summary>
    public string McastBinary { get; private set; } = null!;

    public ImageFixture() => Runner = new ProcessRunner(Log, new SecretMasker());

    public string RegistryAddress => Registry.Address;

    public async ValueTask InitializeAsync()
    {
        if (!Environment.IsPrivilegedProcess) { Unavailable = "the image tests need root (debootstrap, registry, engine)"; return; }
        if (Runner.Locator.Find("docker-registry") is null) { Unavailable = "docker-registry is not installed (apt-get install docker-registry)"; return; }
        if (Runner.Locator.Find("debootstrap") is null) { Unavailable = "debootstrap is not installed (apt-get install debootstrap)"; return; }
        try
        {
            Docker = await DockerConnection.ConnectAsync();
        }
        catch (PipelineException e)
        {
            Unavailable = e.Message;
            return;
        }

        var port = FreeLoopbackPort();
        Parameters = BuildParameters.Resolve(RepositoryRoot, new Dictionary<string, string> { ["registry"] = $"127.0.0.1:{port}" }, _ => null, new SecretMasker());
        Registry = new LocalRegistry(Runner, Log, $"127.0.0.1:{port}", Path.Combine(Scratch, "registry"));
        await Registry.EnsureRunningAsync();

        await new BaseImageBuilder(Docker, Runner, Log, Parameters.Images, Path.Combine(RepositoryRoot, "artifacts")).EnsureAsync();
        BaseSize = (await Docker.Images.InspectImageAsync(Parameters.Images.BaseImage)).Size;

        var labImages = new LabImages(Runner, Log, Parameters);
        McastBinary = await new McastToolsPublisher(Runner, Log, RepositoryRoot).PublishAsync(Path.Combine(Scratch, "mcast"));
        IperfImage = labImages.Iperf with { Repository = Prefix + "/iperf" };
        McastImage = labImages.Mcast with { Repository = Prefix + "/mcast", ContextFiles = new Dictionary<string, string> { ["mcast"] = McastBinary } };

        var read = await SourceVersion.ReadAsync(Runner, RepositoryRoot);
        Version = read with { Version = "test-" + Prefix[^8..] };
        var builder = Builder();
        TrackTags(IperfImage);
        TrackTags(McastImage);
        Iperf = await builder.BuildAsync(IperfImage, Version);
        Mcast = await builder.BuildAsync(McastImage, Version);
    }

    public ImageBuilder Builder(IBuildLog? log = null) => new(Docker, log ?? Log, RepositoryRoot, RegistryAddress);

    /// <summary>Remembers a tag to remove at the end, even when the test that made it failed.</summary>
    public void Track(string reference)
    {
        lock (createdTags) createdTags.Add(reference);
    }

    private void TrackTags(ContainerImage image)
    {
        foreach (var tag in ImageBuilder.Tags(Version)) Track($"{RegistryAddress}/{image.Repository}:{tag}");
    }

    /// <summary>`docker run --rm` of an image (the CLI, as a user would), returning exit code and output.</summary>
    public async Task<ProcessResult> RunAsync(string image, params string[] arguments) =>
        await Runner.RunAsync("docker", ["run", "--rm", "--name", $"{Prefix}-{Guid.NewGuid():N}"[..40], image, .. arguments],
            new ProcessOptions { AllowFailure = true, Timeout = TimeSpan.FromMinutes(2) });

    public async Task<ProcessResult> RunWithEntrypointAsync(string image, string entrypoint, params string[] arguments) =>
        await Runner.RunAsync("docker", ["run", "--rm", "--entrypoint", entrypoint, image, .. arguments],
            new ProcessOptions { AllowFailure = true, Timeout = TimeSpan.FromMinutes(2) });

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (Docker is not null)
        {
            foreach (var reference in createdTags)
            {
                try
                {
                    await Docker.Images.DeleteImageAsync(reference, new ImageDeleteParameters());
                }
                catch (DockerImageNotFoundException)
                {
                }
            }
            Docker.Dispose();
        }
        if (Registry is not null) await Registry.StopAsync();
        Directory.Delete(Scratch, recursive: true);
    }
}
