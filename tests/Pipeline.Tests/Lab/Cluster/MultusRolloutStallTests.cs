using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using k8s;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Downloads;
using McastLab.Pipeline.Lab.Cluster;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Tests.Boxes;

namespace McastLab.Pipeline.Tests.Lab.Cluster;

/// <summary>
/// A Multus rollout that never finishes names its pods that are not ready and why, as the API reports them.
/// The API server is a stub (none runs here) that answers a DaemonSet stuck at 0 of 3 ready and its pods.
/// </summary>
public sealed class MultusRolloutStallTests
{
    private const string Manifest = """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: kube-multus-ds
          namespace: kube-system
        spec:
          selector:
            matchLabels:
              name: multus
              app: multus
          template:
            metadata:
              labels:
                name: multus
                app: multus
            spec:
              containers:
                - name: kube-multus
                  image: ghcr.io/k8snetworkplumbingwg/multus-cni:snapshot-thick

        """;

    private const string DaemonSet = """
        {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"kube-multus-ds","namespace":"kube-system","generation":1},
         "spec":{"selector":{"matchLabels":{"name":"multus","app":"multus"}}},
         "status":{"desiredNumberScheduled":3,"numberReady":1,"updatedNumberScheduled":3,"observedGeneration":1}}
        """;

    /// <summary>Pods in the shape of the API's PodList: one OOM-killed and crash-looping, one whose image does not pull, one ready.</summary>
    private const string Pods = """
        {"apiVersion":"v1","kind":"PodList","metadata":{},"items":[
         {"metadata":{"name":"kube-multus-ds-7xk2p","namespace":"kube-system"},"spec":{"nodeName":"k8s","containers":[{"name":"kube-multus"}]},
          "status":{"phase":"Running","conditions":[{"type":"Ready","status":"False"}],
           "containerStatuses":[{"name":"kube-multus","ready":false,"restartCount":4,"image":"x","imageID":"",
            "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 1m20s restarting failed container"}},
            "lastState":{"terminated":{"reason":"OOMKilled","exitCode":137}}}]}},
         {"metadata":{"name":"kube-multus-ds-q9w4z","namespace":"kube-system"},"spec":{"nodeName":"worker1","containers":[{"name":"kube-multus"}]},
          "status":{"phase":"Pending","conditions":[{"type":"Ready","status":"False"}],
           "containerStatuses":[{"name":"kube-multus","ready":false,"restartCount":0,"image":"x","imageID":"",
            "state":{"waiting":{"reason":"ImagePullBackOff","message":"Back-off pulling image"}}}]}},
         {"metadata":{"name":"kube-multus-ds-m2d8c","namespace":"kube-system"},"spec":{"nodeName":"worker2","containers":[{"name":"kube-multus"}]},
          "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],
           "containerStatuses":[{"name":"kube-multus","ready":true,"restartCount":0,"image":"x","imageID":"","state":{"running":{}}}]}}]}
        """;

    [Fact]
    public async Task A_stalled_rollout_names_the_pods_that_are_not_ready_and_their_last_state()
    {
        using var api = new StallingApi();
        var cache = Directory.CreateTempSubdirectory("mcastlab-multus-stall-");
        try
        {
            var pins = BoxTestContext.Parameters().ClusterAddons;
            var pin = pins.Multus with { Sha256 = Sha256.OfText(Manifest) };
            // A cached copy with the pinned sha256 is used without a download (none is possible here).
            File.WriteAllText(Path.Combine(cache.FullName, $"multus-{pin.Version}-{Path.GetFileName(pin.Url.AbsolutePath)}"), Manifest);
            using var http = new HttpClient();
            var installer = new MultusInstaller(new Kubernetes(new KubernetesClientConfiguration { Host = api.BaseUrl }),
                new PinnedDownload(http, new CapturingLog(), cache.FullName), pins with { Multus = pin }, new CapturingLog(), TimeSpan.FromSeconds(1));

            var error = await Assert.ThrowsAsync<PipelineException>(() => installer.InstallAsync(TestContext.Current.CancellationToken));

            Assert.Equal(
                "Multus' DaemonSet kube-system/kube-multus-ds did not roll out within 1 s (1 of 3 ready, 3 updated; not ready: "
                + "kube-multus-ds-7xk2p on k8s: kube-multus CrashLoopBackOff, last terminated OOMKilled (exit code 137), 4 restarts; "
                + "kube-multus-ds-q9w4z on worker1: kube-multus ImagePullBackOff); "
                + "look at 'kubectl -n kube-system describe daemonset kube-multus-ds' and its pods.", error.Message);
            Assert.Contains("GET /api/v1/namespaces/kube-system/pods labelSelector=app=multus,name=multus", api.Requests);
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_pod_that_is_not_scheduled_says_why()
    {
        var pod = KubernetesJson.Deserialize<k8s.Models.V1Pod>("""
            {"metadata":{"name":"kube-multus-ds-x"},"spec":{"containers":[{"name":"kube-multus"}]},
             "status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":"0/1 nodes are available: 1 Insufficient memory."}]}}
            """);

        Assert.Equal("kube-multus-ds-x on no node: Pending, not scheduled (Unschedulable: 0/1 nodes are available: 1 Insufficient memory.)", UnreadyPods.Describe([pod]));
    }

    /// <summary>Echoes apply patches, answers the DaemonSet and its pods, and records each request line.</summary>
    private sealed class StallingApi : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly ConcurrentQueue<string> requests = new();
        private readonly Task loop;

        public StallingApi()
        {
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                BaseUrl = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
            }
            listener.Prefixes.Add(BaseUrl + "/");
            listener.Start();
            loop = Task.Run(async () =>
            {
                while (listener.IsListening)
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
                    await HandleAsync(context);
                }
            });
        }

        public string BaseUrl { get; }

        public IReadOnlyList<string> Requests => requests.ToList();

        public void Dispose()
        {
            listener.Close();
            loop.Wait(TimeSpan.FromSeconds(5));
        }

        private async Task HandleAsync(HttpListenerContext context)
        {
            var request = context.Request;
            requests.Enqueue($"{request.HttpMethod} {request.Url!.AbsolutePath}" + (request.QueryString["labelSelector"] is { } selector ? $" labelSelector={selector}" : ""));
            using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var answer = request.HttpMethod == "PATCH" ? body
                : request.Url.AbsolutePath.EndsWith("/daemonsets/kube-multus-ds", StringComparison.Ordinal) ? DaemonSet
                : request.Url.AbsolutePath == "/api/v1/namespaces/kube-system/pods" ? Pods
                : null;
            var bytes = Encoding.UTF8.GetBytes(answer ?? """{"kind":"Status","apiVersion":"v1","status":"Failure","code":404}""");
            context.Response.StatusCode = answer is null ? 404 : 200;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }
}
