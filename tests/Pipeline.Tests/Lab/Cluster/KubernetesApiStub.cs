using System.Collections.Specialized;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace McastLab.Pipeline.Tests.Lab.Cluster;

/// <summary>
/// A stand-in for the Kubernetes API server (none can run here) on 127.0.0.1 and a free port. It records every
/// request the client sends, echoes apply patches, reports DaemonSets rolled out, streams a pod watch (Pending,
/// then Running with Multus' network-status unless the pod is meant to stay Pending), streams a pod's log, and
/// serves a Multus manifest the way the release URL would.
/// </summary>
internal sealed class KubernetesApiStub : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly List<RecordedRequest> requests = [];
    private readonly Task loop;

    public KubernetesApiStub()
    {
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        listener.Prefixes.Add(BaseUrl + "/");
        listener.Start();
        loop = Task.Run(AcceptAsync);
    }

    public string BaseUrl { get; }

    public Uri MultusManifestUrl => new(BaseUrl + "/multus/multus-daemonset.yml");

    public string MultusManifest { get; set; } = "";

    /// <summary>False: the watched pod stays Pending forever (unschedulable).</summary>
    public bool PodsRun { get; set; } = true;

    public string NetworkStatus { get; set; } = """[{"name":"cbr0","interface":"eth0","ips":["10.244.0.5"],"default":true},{"name":"default/eth1-multicast","interface":"eth1","ips":["10.0.0.13"],"mac":"6a:1f:00:00:00:01"}]""";

    public IReadOnlyList<string> LogLines { get; set; } = [];

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (requests) return requests.ToList();
        }
    }

    public void Dispose()
    {
        stopping.Cancel();
        listener.Close();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var recorded = new RecordedRequest(request.HttpMethod, request.Url!.AbsolutePath, request.QueryString, request.ContentType, body);
            lock (requests) requests.Add(recorded);
            var path = recorded.Path;

            if (request.HttpMethod == "PATCH")
            {
                await WriteAsync(response, 200, body);
            }
            else if (request.HttpMethod == "DELETE")
            {
                // As the API server does: a deleted pod comes back as the pod, other kinds as a Status.
                await WriteAsync(response, 200, path.Contains("/pods/", StringComparison.Ordinal)
                    ? new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = new JsonObject { ["name"] = path.Split('/')[^1] } }.ToJsonString()
                    : """{"kind":"Status","apiVersion":"v1","status":"Success"}""");
            }
            else if (path == MultusManifestUrl.AbsolutePath)
            {
                await WriteAsync(response, 200, MultusManifest, "text/plain");
            }
            else if (path.Contains("/daemonsets/", StringComparison.Ordinal))
            {
                await WriteAsync(response, 200, """{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"kube-multus-ds","namespace":"kube-system","generation":2},"status":{"desiredNumberScheduled":1,"numberReady":1,"updatedNumberScheduled":1,"observedGeneration":2}}""");
            }
            else if (path.EndsWith("/pods", StringComparison.Ordinal) && recorded.Query["watch"] == "true")
            {
                await WatchAsync(response, recorded);
            }
            else if (path.EndsWith("/log", StringComparison.Ordinal))
            {
                await LogAsync(response);
            }
            else
            {
                await WriteAsync(response, 404, """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"not found","code":404}""");
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away (a watch it stopped reading): nothing more to send.
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }

    private async Task WatchAsync(HttpListenerResponse response, RecordedRequest request)
    {
        var name = (request.Query["fieldSelector"] ?? "").Replace("metadata.name=", "", StringComparison.Ordinal);
        var ns = request.Path.Split('/')[4];
        response.StatusCode = 200;
        response.ContentType = "application/json";
        response.SendChunked = true;
        await SendLineAsync(response, Event("ADDED", Pod(name, ns, "Pending")));
        if (PodsRun)
        {
            await Task.Delay(100, stopping.Token);
            await SendLineAsync(response, Event("MODIFIED", Pod(name, ns, "Running")));
        }
        // Hold the watch open as a server does, until it times out or the client goes away.
        var seconds = int.TryParse(request.Query["timeoutSeconds"], out var s) ? s : 30;
        await Task.Delay(TimeSpan.FromSeconds(seconds), stopping.Token);
    }

    private async Task LogAsync(HttpListenerResponse response)
    {
        response.StatusCode = 200;
        response.ContentType = "text/plain";
        response.SendChunked = true;
        foreach (var line in LogLines)
        {
            await SendLineAsync(response, line);
            await Task.Delay(20, stopping.Token);
        }
    }

    private JsonObject Pod(string name, string ns, string phase)
    {
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = new JsonObject { ["nodeName"] = "k8s", ["containers"] = new JsonArray(new JsonObject { ["name"] = "mcast", ["command"] = new JsonArray("mcast") }) },
            ["status"] = new JsonObject { ["phase"] = phase },
        };
        if (phase == "Running")
        {
            pod["metadata"]!["annotations"] = new JsonObject { ["k8s.v1.cni.cncf.io/network-status"] = NetworkStatus };
        }
        else
        {
            pod["status"]!["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "PodScheduled", ["status"] = "False", ["reason"] = "Unschedulable",
                ["message"] = "0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.",
            });
        }
        return pod;
    }

    private static string Event(string type, JsonObject pod) => new JsonObject { ["type"] = type, ["object"] = pod }.ToJsonString();

    private async Task SendLineAsync(HttpListenerResponse response, string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        await response.OutputStream.WriteAsync(bytes, stopping.Token);
        await response.OutputStream.FlushAsync(stopping.Token);
    }

    private static async Task WriteAsync(HttpListenerResponse response, int status, string body, string contentType = "application/json")
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}

/// <summary>One request as the stub received it.</summary>
internal sealed record RecordedRequest(string Method, string Path, NameValueCollection Query, string? ContentType, string Body)
{
    public JsonObject Json => (JsonObject)JsonNode.Parse(Body)!;
}
