using k8s;
using System.Collections.Specialized;
using System.Text.Json.Nodes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Cluster;
using McastLab.Pipeline.Tests.Lab.Cluster.ApiStub;

namespace McastLab.Pipeline.Tests.Lab.Cluster;

/// <summary>
/// The RBAC the docs tell users to apply (manifests/rbac), evaluated as the API server's authorizer would
/// (StubRbac reads the YAML itself): every request of a 3-node run is allowed, no write outside the lab's
/// namespace is, and cluster-wide it reads only. Also what the stub refuses that a client could get wrong.
/// </summary>
public sealed class ClusterRbacTests : ClusterHarness
{
    [Fact]
    public async Task Every_request_of_a_three_node_run_is_allowed_by_manifests_rbac()
    {
        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.True(report.Passed, Describe(report));
        Assert.False(stub.Admin);
        var requests = stub.Requests.Where(r => r.Request.IsResource).ToList();
        Assert.Empty(requests.Where(r => !r.Allowed).Select(r => $"{r.Request.Verb} {r.Request.Resource} in {r.Request.Namespace}"));
        // What a run does, as RBAC sees it: reads cluster-wide, writes only in the lab's namespace.
        Assert.All(requests.Where(r => r.Request.Verb is "create" or "patch" or "update" or "delete" or "deletecollection"), r => Assert.Equal(Namespace, r.Request.Namespace));
        Assert.Equal(["delete pods", "deletecollection network-attachment-definitions", "deletecollection pods", "get customresourcedefinitions", "get namespaces", "get pods", "get pods/log", "get serviceaccounts", "list events", "list network-attachment-definitions", "list nodes", "list pods", "patch network-attachment-definitions", "patch pods", "watch events", "watch pods"],
            requests.Select(r => $"{r.Request.Verb} {r.Request.Resource}{(r.Request.Subresource.Length > 0 ? "/" + r.Request.Subresource : "")}").Distinct().Order(StringComparer.Ordinal));
    }

    public static TheoryData<string, string> WritesOutsideTheLabNamespace() => new()
    {
        { "POST", "/api/v1/namespaces" },
        { "DELETE", "/api/v1/namespaces/mcastlab" },
        { "DELETE", "/api/v1/namespaces/kube-system" },
        { "PATCH", "/api/v1/namespaces/kube-system/pods/x" },
        { "POST", "/api/v1/namespaces/default/pods" },
        { "DELETE", "/api/v1/namespaces/default/pods" },
        { "PATCH", "/apis/k8s.cni.cncf.io/v1/namespaces/default/network-attachment-definitions/x" },
        { "PATCH", "/apis/apps/v1/namespaces/kube-system/daemonsets/kube-multus-ds" },
        { "PATCH", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x" },
        { "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings" },
        { "PATCH", "/apis/rbac.authorization.k8s.io/v1/namespaces/mcastlab/rolebindings/mcastlab-lab" },
        { "PATCH", "/apis/rbac.authorization.k8s.io/v1/namespaces/mcastlab/roles/mcastlab-lab" },
        { "POST", "/api/v1/namespaces/mcastlab/secrets" },
        { "GET", "/api/v1/namespaces/mcastlab/secrets/x" },
        { "POST", "/api/v1/namespaces/mcastlab/pods/x/exec" },
        { "PATCH", "/api/v1/nodes/node-001" },
        { "DELETE", "/api/v1/nodes/node-001" },
    };

    [Theory]
    [MemberData(nameof(WritesOutsideTheLabNamespace))]
    public void Manifests_rbac_refuses_writes_outside_the_lab_namespace_and_anything_beyond_what_a_run_needs(string method, string path)
    {
        var request = StubRequest.Parse(method, path, new NameValueCollection(), "application/json", "{}");

        Assert.False(stub.Rbac.Allows("lab-user", ["mcastlab-lab", "system:authenticated"], request), $"{request.Verb} {request.Resource} in '{request.Namespace}' is allowed");
        // The same request by a cluster admin's rules is evaluated the same way, so the refusal is the file's, not the evaluator's.
        Assert.True(Admin().Allows("root", ["system:masters"], request));
    }

    [Fact]
    public async Task An_unknown_field_is_refused_under_strict_field_validation()
    {
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "typo" },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = McastImage, ["imagePulPolicy"] = "Never" }) },
        };

        var error = await Assert.ThrowsAsync<PipelineException>(() => new ServerSideApply(Client()).ApplyAsync(pod, Namespace, TestContext.Current.CancellationToken));

        Assert.Equal($"The API server refused to apply Pod typo (400: failed to create typed patch object ({Namespace}/typo; /v1, Kind=Pod): .spec.containers[name=\"c\"].imagePulPolicy: field not declared in schema); fix the manifest or the cluster and run again.", error.Message);
    }

    [Fact]
    public async Task An_attachment_without_Multus_is_a_404_for_a_resource_the_server_does_not_serve()
    {
        stub.MultusInstalled = false;
        var attachment = new JsonObject
        {
            ["apiVersion"] = "k8s.cni.cncf.io/v1", ["kind"] = "NetworkAttachmentDefinition",
            ["metadata"] = new JsonObject { ["name"] = "eth1-multicast" }, ["spec"] = new JsonObject { ["config"] = "{}" },
        };

        var error = await Assert.ThrowsAsync<PipelineException>(() => new ServerSideApply(Client()).ApplyAsync(attachment, Namespace, TestContext.Current.CancellationToken));

        Assert.Equal("The API server refused to apply NetworkAttachmentDefinition eth1-multicast (404: the server could not find the requested resource); fix the manifest or the cluster and run again.", error.Message);
    }

    [Fact]
    public async Task The_log_endpoint_checks_the_container_name_and_state()
    {
        stub.Kubelet.SandboxFailure = pod => pod == "stuck" ? "Link not found" : null;
        var client = Client();
        var apply = new ServerSideApply(client);
        JsonObject Pod(string name) => new()
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject
            {
                ["securityContext"] = new JsonObject { ["runAsNonRoot"] = true, ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" } },
                ["containers"] = new JsonArray(new JsonObject { ["name"] = "recv", ["image"] = McastImage, ["securityContext"] = new JsonObject { ["allowPrivilegeEscalation"] = false, ["capabilities"] = new JsonObject { ["drop"] = new JsonArray("ALL") } } }),
            },
        };
        await apply.ApplyAsync(Pod("stuck"), Namespace, TestContext.Current.CancellationToken);
        await Task.Delay(200, TestContext.Current.CancellationToken);

        var unknown = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.ReadNamespacedPodLogAsync("stuck", Namespace, container: "nope", cancellationToken: TestContext.Current.CancellationToken));
        var waiting = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.ReadNamespacedPodLogAsync("stuck", Namespace, container: "recv", cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("container nope is not valid for pod stuck", KubernetesError.Message(unknown));
        Assert.Equal("container \"recv\" in pod \"stuck\" is waiting to start: ContainerCreating", KubernetesError.Message(waiting));
    }

    [Fact]
    public async Task An_empty_log_is_one_response_ended_once_with_nothing_after_it_on_the_connection()
    {
        // A container that printed nothing: the stub once ended that response twice (see KubernetesApiStub.SendAsync).
        stub.Kubelet.Logs = (_, _) => [];
        var client = Client();
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "quiet" },
            ["spec"] = new JsonObject
            {
                ["securityContext"] = new JsonObject { ["runAsNonRoot"] = true, ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" } },
                ["containers"] = new JsonArray(new JsonObject { ["name"] = "recv", ["image"] = McastImage, ["securityContext"] = new JsonObject { ["allowPrivilegeEscalation"] = false, ["capabilities"] = new JsonObject { ["drop"] = new JsonArray("ALL") } } }),
            },
        };
        await new ServerSideApply(client).ApplyAsync(pod, Namespace, TestContext.Current.CancellationToken);
        while ((await client.CoreV1.ReadNamespacedPodAsync("quiet", Namespace, cancellationToken: TestContext.Current.CancellationToken)).Status.Phase != "Running")
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        // The bytes on the wire: one chunked response, ended once, and nothing after it on the kept-alive connection.
        var url = new Uri(stub.BaseUrl);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(url.Host, url.Port, TestContext.Current.CancellationToken);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET /api/v1/namespaces/{Namespace}/pods/quiet/log?container=recv HTTP/1.1\r\nHost: {url.Authority}\r\n\r\n"), TestContext.Current.CancellationToken);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        using (var quiet = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            try
            {
                while (true)
                {
                    quiet.CancelAfter(TimeSpan.FromMilliseconds(500));
                    var read = await stream.ReadAsync(buffer, quiet.Token);
                    if (read == 0) break;
                    received.Write(buffer, 0, read);
                }
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
            }
        }
        var text = System.Text.Encoding.ASCII.GetString(received.ToArray());

        Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
        Assert.Equal("0\r\n\r\n", text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }

    /// <summary>A cluster admin's binding, written as clusters ship it.</summary>
    private static StubRbac Admin()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: cluster-admin
            rules:
              - apiGroups: ["*"]
                resources: ["*"]
                verbs: ["*"]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata:
              name: cluster-admin
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: ClusterRole
              name: cluster-admin
            subjects:
              - apiGroup: rbac.authorization.k8s.io
                kind: Group
                name: system:masters
            """);
        try
        {
            return StubRbac.FromFiles([file]);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
