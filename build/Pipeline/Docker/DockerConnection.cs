using Docker.DotNet;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Docker;

/// <summary>
/// Opens the Docker engine API (DOCKER_HOST, else the local socket) and fails with a sentence that says how
/// to start an engine when none answers. Every step that talks to the engine gets its client here.
/// </summary>
public static class DockerConnection
{
    public static Version ApiVersion { get; } = new(1, 41);

    public static Uri Endpoint(Func<string, string?>? environment = null)
    {
        var host = (environment ?? Environment.GetEnvironmentVariable)("DOCKER_HOST");
        return new Uri(string.IsNullOrEmpty(host) ? "unix:///var/run/docker.sock" : host);
    }

    public static async Task<DockerClient> ConnectAsync(Uri? endpoint = null, CancellationToken cancellationToken = default)
    {
        endpoint ??= Endpoint();
        // API 1.41 is what Debian bookworm's engine (20.10) speaks; newer engines still accept it.
        var client = new DockerClientBuilder().WithEndpoint(endpoint).WithApiVersion(ApiVersion).Build();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            await client.System.PingAsync(timeout.Token);
            return client;
        }
        catch (Exception e) when (e is HttpRequestException or DockerApiException or IOException or TimeoutException
                                      or System.Net.Sockets.SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw new PipelineException($"No Docker engine answers at {endpoint}; start one with './build.sh Prerequisites' (as root) or 'sudo dockerd &', then run again.", e);
        }
    }
}
