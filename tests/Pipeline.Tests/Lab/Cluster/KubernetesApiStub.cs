using System.Collections.Concurrent;
using System.Collections.Specialized;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace McastLab.Pipeline.Tests.Lab.Cluster;

/// <summary>
/// A stand-in for the Kubernetes API server (none can run here) on 127.0.0.1 and a free port. It records every
/// request the client sends and answers the way the API server does: nodes listed by label selector, namespaces
/// created (409 when one exists) and deleted, apply patches echoed and remembered, pod watches streaming
/// Pending then the pod's state (Running, ended once the sender pod has sent; or stuck in an image pull with the
/// kubelet's waiting reason), Multus' network-status from the first address of the attachment the pod names,
/// pod logs (followed or not) replayed from outputs captured from the real tools, 403s with Kubernetes' Status
/// body, and a Multus manifest served the way the release URL would.
/// </summary>
internal sealed class KubernetesApiStub : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentQueue<RecordedRequest> requests = new();
    private readonly ConcurrentDictionary<string, JsonObject> pods = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonObject> attachments = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> deleted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> serviceAccountsSeen = new(StringComparer.Ordinal);
    private readonly Task loop;
    private volatile bool senderEnded;

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

    /// <summary>Whether the cluster has Multus' NetworkAttachmentDefinition CRD.</summary>
    public bool MultusInstalled { get; set; } = true;

    /// <summary>The cluster's nodes and their labels.</summary>
    public IReadOnlyList<(string Name, IReadOnlyDictionary<string, string> Labels)> Nodes { get; set; } = [];

    /// <summary>Nodes that are cordoned (spec.unschedulable).</summary>
    public ISet<string> Cordoned { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Namespaces that exist before the run.</summary>
    public ISet<string> ExistingNamespaces { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>A pod whose image the kubelet cannot pull: its waiting reason and message.</summary>
    public Func<string, (string Reason, string Message)?> PullFailure { get; set; } = _ => null;

    /// <summary>Requests the RBAC of the stub's user refuses: (method, path) → refused.</summary>
    public Func<string, string, bool> Forbidden { get; set; } = (_, _) => false;

    /// <summary>The eth1 address Multus reports for a pod; null: host-local's first address of the attachment's range.</summary>
    public Func<string, string?> AddressOverride { get; set; } = _ => null;

    /// <summary>What a container printed, by pod and container name (captured real outputs).</summary>
    public Func<string, string, IReadOnlyList<string>> Logs { get; set; } = (_, _) => [];

    /// <summary>The sender container's exit code.</summary>
    public int SenderExitCode { get; set; }

    /// <summary>The receivers end once the sender has sent; false: they keep running (their end-of-test never came).</summary>
    public bool ReceiversEnd { get; set; } = true;

    /// <summary>Called when a request arrives (a Ctrl+C in one test), with its method and path.</summary>
    public Action<string, string>? OnRequest { get; set; }

    public IReadOnlyList<RecordedRequest> Requests => [.. requests];

    /// <summary>The pods the client applied, by name, as it sent them.</summary>
    public IReadOnlyDictionary<string, JsonObject> Pods => pods;

    public int ActiveRequests => active;

    /// <summary>
    /// Whether the sender container ("send") of a pod, as last applied, runs `mcast send` (its command is mcast)
    /// rather than iperf's client: a sender pod is applied once per flow, so its log depends on which flow it runs.
    /// </summary>
    public bool RunsMcastSend(string pod) =>
        pods.TryGetValue(pod, out var document) && SendContainer(document) is { } send && Command(send) == "mcast";

    /// <summary>Whether the flow on a port was sent by `mcast send` (false: by iperf's client, or by no sender pod).</summary>
    public bool SentByMcastSend(int port) => sentByMcast.TryGetValue(port, out var mcast) && mcast;

    /// <summary>The port a receiving container listens on, from its applied arguments (--port N); null when not found.</summary>
    public int? ReceiverPort(string pod, string container)
    {
        if (!pods.TryGetValue(pod, out var document)) return null;
        var found = document["spec"]?["containers"]?.AsArray().FirstOrDefault(c => c?["name"]?.GetValue<string>() == container);
        var args = found?["args"]?.AsArray().Select(a => a!.GetValue<string>()).ToList() ?? [];
        var at = args.IndexOf("--port");
        return at >= 0 && at + 1 < args.Count && int.TryParse(args[at + 1], out var port) ? port : null;
    }

    private readonly ConcurrentDictionary<int, bool> sentByMcast = new();

    private void RecordSender(JsonObject document)
    {
        if (SendContainer(document) is not { } send) return;
        var args = send["args"]?.AsArray().Select(a => a!.GetValue<string>()).ToList() ?? [];
        var mcast = Command(send) == "mcast";
        var at = args.IndexOf(mcast ? "--port" : "-p");
        if (at >= 0 && at + 1 < args.Count && int.TryParse(args[at + 1], out var port)) sentByMcast[port] = mcast;
    }

    private static JsonNode? SendContainer(JsonObject document) =>
        document["spec"]?["containers"]?.AsArray().FirstOrDefault(c => c?["name"]?.GetValue<string>() == "send");

    private static string? Command(JsonNode container) => container["command"]?.AsArray().FirstOrDefault()?.GetValue<string>();

    public int MostActiveRequests => mostActive;

    private int active;
    private int mostActive;
    private int activeLogs;
    private int mostActiveLogs;

    /// <summary>How long a (not followed) log read takes to answer, as a busy API server's would.</summary>
    public TimeSpan LogDelay { get; set; }

    /// <summary>The most log reads the stub answered at the same time.</summary>
    public int MostActiveLogReads => mostActiveLogs;

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
        var now = Interlocked.Increment(ref active);
        int seen;
        while ((seen = mostActive) < now && Interlocked.CompareExchange(ref mostActive, now, seen) != seen)
        {
        }
        try
        {
            using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var recorded = new RecordedRequest(request.HttpMethod, request.Url!.AbsolutePath, request.QueryString, request.ContentType, body);
            requests.Enqueue(recorded);
            OnRequest?.Invoke(recorded.Method, recorded.Path);
            await RouteAsync(response, recorded);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away (a watch it stopped reading): nothing more to send.
        }
        finally
        {
            Interlocked.Decrement(ref active);
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }

    private async Task RouteAsync(HttpListenerResponse response, RecordedRequest recorded)
    {
        var path = recorded.Path;
        var method = recorded.Method;
        if (Forbidden(method, path))
        {
            await WriteAsync(response, 403, Status(403, "Forbidden", ForbiddenMessage(method, path, recorded.Query)));
            return;
        }
        if (path == MultusManifestUrl.AbsolutePath)
        {
            await WriteAsync(response, 200, MultusManifest, "text/plain");
        }
        else if (path == "/api/v1/nodes" && method == "GET")
        {
            await WriteAsync(response, 200, NodeList(recorded.Query["labelSelector"]).ToJsonString());
        }
        else if (path.StartsWith("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/", StringComparison.Ordinal) && method == "GET")
        {
            await WriteAsync(response, MultusInstalled ? 200 : 404, MultusInstalled
                ? """{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"network-attachment-definitions.k8s.cni.cncf.io"}}"""
                : Status(404, "NotFound", "customresourcedefinitions.apiextensions.k8s.io \"network-attachment-definitions.k8s.cni.cncf.io\" not found"));
        }
        else if (path == "/api/v1/namespaces" && method == "POST")
        {
            var name = recorded.Json["metadata"]!["name"]!.GetValue<string>();
            if (ExistingNamespaces.Contains(name)) await WriteAsync(response, 409, Status(409, "AlreadyExists", $"namespaces \"{name}\" already exists"));
            else await WriteAsync(response, 201, recorded.Body);
        }
        else if (path.EndsWith("/serviceaccounts/default", StringComparison.Ordinal) && method == "GET")
        {
            // The controller makes it a moment after the namespace: the first look finds none.
            var ns = path.Split('/')[4];
            if (serviceAccountsSeen.TryAdd(ns, true)) await WriteAsync(response, 404, Status(404, "NotFound", "serviceaccounts \"default\" not found"));
            else await WriteAsync(response, 200, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ServiceAccount", ["metadata"] = new JsonObject { ["name"] = "default", ["namespace"] = ns } }.ToJsonString());
        }
        else if (method == "PATCH")
        {
            var document = recorded.Json;
            var name = path.Split('/')[^1];
            if (path.Contains("/pods/", StringComparison.Ordinal))
            {
                pods[name] = document;
                RecordSender(document);
            }
            if (path.Contains("/network-attachment-definitions/", StringComparison.Ordinal)) attachments[name] = document;
            await WriteAsync(response, 200, recorded.Body);
        }
        else if (method == "DELETE")
        {
            var name = path.Split('/')[^1];
            if (path.Contains("/pods/", StringComparison.Ordinal))
            {
                deleted[name] = true;
                await WriteAsync(response, 200, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = new JsonObject { ["name"] = name } }.ToJsonString());
            }
            else
            {
                await WriteAsync(response, 200, """{"kind":"Status","apiVersion":"v1","status":"Success"}""");
            }
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
            var segments = path.Split('/');
            await LogAsync(response, segments[^2], recorded.Query["container"] ?? "", recorded.Query["follow"] == "true");
        }
        else
        {
            await WriteAsync(response, 404, Status(404, "NotFound", "not found"));
        }
    }

    private JsonObject NodeList(string? selector)
    {
        var (key, value) = selector?.Split('=', 2) is [var k, var v] ? (k, v) : ((string?)null, (string?)null);
        var items = new JsonArray();
        for (var i = 0; i < Nodes.Count; i++)
        {
            var (name, labels) = Nodes[i];
            if (key is not null && (!labels.TryGetValue(key, out var actual) || actual != value)) continue;
            items.Add(new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject([.. labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))]) },
                ["spec"] = Cordoned.Contains(name) ? new JsonObject { ["unschedulable"] = true } : new JsonObject(),
                ["status"] = new JsonObject
                {
                    ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
                    ["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = $"192.168.{i / 250}.{i % 250 + 2}" }),
                },
            });
        }
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "NodeList", ["metadata"] = new JsonObject(), ["items"] = items };
    }

    private async Task WatchAsync(HttpListenerResponse response, RecordedRequest request)
    {
        var name = request.Query["fieldSelector"]?.Replace("metadata.name=", "", StringComparison.Ordinal);
        response.StatusCode = 200;
        response.ContentType = "application/json";
        response.SendChunked = true;
        var watched = pods.Where(p => (name is null || p.Key == name) && !deleted.ContainsKey(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        var text = new StringBuilder();
        foreach (var (podName, document) in watched) text.Append(Event("ADDED", Pod(podName, document, "Pending"))).Append('\n');
        foreach (var (podName, document) in watched) text.Append(Event("MODIFIED", Pod(podName, document, Phase(podName)))).Append('\n');
        await SendAsync(response, text.ToString());
        // Hold the watch open as a server does, until it times out or the client goes away. The client's own
        // deadline equals timeoutSeconds; a second more keeps HttpListener from ending a response the client is
        // abandoning at that very moment (which garbles the pooled connection, a stub artefact).
        var seconds = int.TryParse(request.Query["timeoutSeconds"], out var s) ? s : 30;
        await Task.Delay(TimeSpan.FromSeconds(seconds + 1), stopping.Token);
    }

    private string Phase(string pod)
    {
        if (PullFailure(pod) is not null) return "Pending";
        if (pod == "sender")
        {
            senderEnded = true;
            return SenderExitCode == 0 ? "Succeeded" : "Failed";
        }
        return pod.StartsWith("pod-", StringComparison.Ordinal) && senderEnded && ReceiversEnd ? "Succeeded" : "Running";
    }

    private async Task LogAsync(HttpListenerResponse response, string pod, string container, bool follow)
    {
        response.StatusCode = 200;
        response.ContentType = "text/plain";
        response.SendChunked = true;
        var lines = Logs(pod, container);
        if (!follow)
        {
            var now = Interlocked.Increment(ref activeLogs);
            int seen;
            while ((seen = mostActiveLogs) < now && Interlocked.CompareExchange(ref mostActiveLogs, now, seen) != seen)
            {
            }
            try
            {
                await Task.Delay(LogDelay, stopping.Token);
                await SendAsync(response, string.Concat(lines.Select(l => l + "\n")));
            }
            finally
            {
                Interlocked.Decrement(ref activeLogs);
            }
            return;
        }
        foreach (var line in lines)
        {
            await SendAsync(response, line + "\n");
            await Task.Delay(10, stopping.Token);
        }
    }

    private JsonObject Pod(string name, JsonObject applied, string phase)
    {
        var metadata = (JsonObject)applied["metadata"]!.DeepClone();
        var containers = applied["spec"]!["containers"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList();
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata,
            ["spec"] = applied["spec"]!.DeepClone(),
            ["status"] = new JsonObject { ["phase"] = phase },
        };
        if (PullFailure(name) is { } failure && phase == "Pending")
        {
            pod["status"]!["containerStatuses"] = new JsonArray([.. containers.Select(c => (JsonNode?)new JsonObject
            {
                ["name"] = c,
                ["image"] = applied["spec"]!["containers"]!.AsArray().First(x => x!["name"]!.GetValue<string>() == c)!["image"]!.DeepClone(),
                ["imageID"] = "",
                ["ready"] = false,
                ["restartCount"] = 0,
                ["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = failure.Reason, ["message"] = failure.Message } },
            })]);
            return pod;
        }
        if (phase == "Pending") return pod;
        if (metadata["annotations"]?["k8s.v1.cni.cncf.io/networks"]?.GetValue<string>() is { } networks)
        {
            var (network, ifname) = networks.Split('@') is [var n, var i] ? (n, i) : (networks, "net1");
            var address = AddressOverride(name) ?? RangeStart(network);
            var annotations = (JsonObject)metadata["annotations"]!;
            annotations["k8s.v1.cni.cncf.io/network-status"] = new JsonArray(
                new JsonObject { ["name"] = "cbr0", ["interface"] = "eth0", ["ips"] = new JsonArray("10.244.0.5"), ["default"] = true },
                new JsonObject { ["name"] = $"{metadata["namespace"]}/{network}", ["interface"] = ifname, ["ips"] = new JsonArray(address), ["mac"] = "6a:1f:00:00:00:01" }).ToJsonString();
        }
        else
        {
            // A pod that names no attachment (the control) still gets Multus' network-status: only the cluster
            // network's default entry (eth0), as in the captured CNI result of the control (cni-control-eth0.json).
            var annotations = metadata["annotations"] as JsonObject ?? new JsonObject();
            metadata["annotations"] = annotations;
            annotations["k8s.v1.cni.cncf.io/network-status"] = new JsonArray(
                new JsonObject { ["name"] = "cbr0", ["interface"] = "eth0", ["ips"] = new JsonArray("10.244.0.5"), ["mac"] = "4e:c4:e7:ab:60:61", ["default"] = true, ["dns"] = new JsonObject() }).ToJsonString();
        }
        var ended = phase is "Succeeded" or "Failed";
        pod["status"]!["containerStatuses"] = new JsonArray([.. containers.Select(c => (JsonNode?)new JsonObject
        {
            ["name"] = c,
            ["image"] = "",
            ["imageID"] = "",
            ["ready"] = !ended,
            ["restartCount"] = 0,
            ["state"] = ended
                ? new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = name == "sender" ? SenderExitCode : 0, ["reason"] = "Completed" } }
                : new JsonObject { ["running"] = new JsonObject() },
        })]);
        return pod;
    }

    /// <summary>host-local's first lease: the range's start, from the attachment the client applied.</summary>
    private string RangeStart(string network)
    {
        if (!attachments.TryGetValue(network, out var attachment)) return "";
        var config = JsonNode.Parse(attachment["spec"]!["config"]!.GetValue<string>())!;
        return config["ipam"]!["rangeStart"]!.GetValue<string>();
    }

    /// <summary>The API server's wording of an RBAC refusal.</summary>
    private static string ForbiddenMessage(string method, string path, NameValueCollection query)
    {
        var (verb, resource, ns) = McastLab.Pipeline.Lab.Cluster.ForbiddenRequestHandler.Describe(new HttpMethod(method), new Uri("http://x" + path + (query["watch"] == "true" ? "?watch=true" : "")));
        var where = ns is null ? "at the cluster scope" : $"in the namespace \"{ns}\"";
        return $"{resource.Split('.')[0]} is forbidden: User \"lab-user\" cannot {verb} resource \"{resource.Split('.')[0]}\" in API group \"\" {where}";
    }

    private static string Status(int code, string reason, string message) =>
        new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Failure", ["message"] = message, ["reason"] = reason, ["code"] = code }.ToJsonString();

    private static string Event(string type, JsonObject pod) => new JsonObject { ["type"] = type, ["object"] = pod }.ToJsonString();

    private async Task SendAsync(HttpListenerResponse response, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
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
