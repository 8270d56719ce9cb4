using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;

namespace McastLab.Pipeline.Tests.Lab.Cluster.ApiStub;

/// <summary>
/// A stand-in for the Kubernetes API server (none can run here) on 127.0.0.1 and a free port, which enforces
/// what a real one enforces where clients break: RBAC from the committed manifests/rbac YAML
/// (<see cref="StubRbac"/>), NamespaceLifecycle, Pod Security from the namespace's labels, ResourceQuota and
/// a denying webhook (<see cref="StubAdmission"/>), strict field validation, 404 for a resource it does not
/// serve, asynchronous namespace and pod deletion, resourceVersions with watches that replay from one, are
/// cut, and answer 410 after a compaction (<see cref="StubStore"/>). Its kubelet (StubKubelet.cs) moves pods
/// Pending → ContainerCreating (network-status written at sandbox time) → Running at staggered times, with
/// Events, failed sandboxes and image pulls that back off and recover. Every Status body and message follows
/// the Kubernetes sources' format. It records each request, and whether RBAC allowed it.
/// </summary>
internal sealed partial class KubernetesApiStub : IDisposable
{
    public const string LabNamespace = "mcastlab";

    /// <summary>What a namespace's deletion removes with it.</summary>
    private static readonly string[] NamespacedStores = ["pods", "network-attachment-definitions", "events", "serviceaccounts"];

    private readonly HttpListener listener = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentQueue<RecordedRequest> requests = new();
    private readonly Task loop;
    private readonly ConcurrentDictionary<CancellationTokenSource, OpenWatch> openWatches = new();

    /// <summary>An open watch: its resource, and whether CutOpenWatches cut it (rather than its timeout ending it).</summary>
    private sealed class OpenWatch(string resource)
    {
        public string Resource => resource;

        public volatile bool Cut;
    }
    private int active;
    private int mostActive;

    public KubernetesApiStub()
    {
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        listener.Prefixes.Add(BaseUrl + "/");
        listener.Start();
        Rbac = StubRbac.FromFiles(Directory.EnumerateFiles(Path.Combine(Tests.RepositoryRoot.Path, "manifests", "rbac"), "*.yaml").Order(StringComparer.Ordinal));
        AddNamespace("default");
        AddNamespace("kube-system");
        AddNamespace(LabNamespace, new Dictionary<string, string> { ["pod-security.kubernetes.io/enforce"] = "restricted" });
        MultusInstalled = true;
        loop = Task.Run(AcceptAsync);
    }

    public string BaseUrl { get; }

    public StubStore Store { get; } = new();

    /// <summary>RBAC as manifests/rbac grants it.</summary>
    public StubRbac Rbac { get; }

    /// <summary>Who the client is: the lab's user in the group manifests/rbac binds; Admin: a cluster admin (system:masters).</summary>
    public string User { get; set; } = "lab-user";

    public IReadOnlyCollection<string> Groups => GroupsOverride ?? (Admin ? ["system:masters", "system:authenticated"] : ["mcastlab-lab", "system:authenticated"]);

    /// <summary>Other groups for the user (one manifests/rbac does not bind, say).</summary>
    public IReadOnlyCollection<string>? GroupsOverride { get; set; }

    public bool Admin { get; set; }

    public Uri MultusManifestUrl => new(BaseUrl + "/multus/multus-daemonset.yml");

    public string MultusManifest { get; set; } = "";

    public const string MultusDefinition = "network-attachment-definitions.k8s.cni.cncf.io";

    /// <summary>Whether the cluster has Multus' NetworkAttachmentDefinition CRD (without it, its resource is not served: 404).</summary>
    public bool MultusInstalled
    {
        get => Store.Get("customresourcedefinitions", "", MultusDefinition) is not null;
        set
        {
            if (!value) Store.Remove("customresourcedefinitions", "", MultusDefinition);
            else if (!MultusInstalled)
            {
                Store.Put("customresourcedefinitions", "", MultusDefinition, new JsonObject
                {
                    ["apiVersion"] = "apiextensions.k8s.io/v1",
                    ["kind"] = "CustomResourceDefinition",
                    ["metadata"] = new JsonObject { ["name"] = MultusDefinition },
                    ["spec"] = new JsonObject { ["group"] = "k8s.cni.cncf.io", ["scope"] = "Namespaced", ["names"] = new JsonObject { ["plural"] = "network-attachment-definitions", ["kind"] = "NetworkAttachmentDefinition" } },
                });
            }
        }
    }

    /// <summary>The cluster's nodes and their labels.</summary>
    public IReadOnlyList<(string Name, IReadOnlyDictionary<string, string> Labels)> Nodes { get; set; } = [];

    /// <summary>Nodes that are cordoned (spec.unschedulable).</summary>
    public ISet<string> Cordoned { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Taints of nodes: (key, value, effect).</summary>
    public IDictionary<string, (string Key, string Value, string Effect)> Taints { get; } = new Dictionary<string, (string, string, string)>(StringComparer.Ordinal);

    /// <summary>A denying validating webhook for pods, or none.</summary>
    public DenyingWebhook? Webhook { get; set; }

    /// <summary>ResourceQuota of the lab's namespace, or none.</summary>
    public StubQuota? Quota { get; set; }

    /// <summary>How long a deleted namespace stays Terminating.</summary>
    public TimeSpan NamespaceDeletion { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Called when a request arrives (a Ctrl+C in one test), with its method and path.</summary>
    public Action<string, string>? OnRequest { get; set; }

    public IReadOnlyList<RecordedRequest> Requests => [.. requests];

    public int MostActiveRequests => mostActive;

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

    /// <summary>A namespace that exists, with its labels (Pod Security's level among them).</summary>
    public void AddNamespace(string name, IDictionary<string, string>? labels = null)
    {
        Store.Put("namespaces", "", name, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = Json(labels ?? new Dictionary<string, string>()) },
            ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
            ["status"] = new JsonObject { ["phase"] = "Active" },
        });
        // A namespace that existed before the test has its default service account already (the controller's
        // delay applies to one created through the API); made later, a pod applied at once was refused under load.
        PutDefaultServiceAccount(name);
    }

    /// <summary>Starts deleting a namespace, as `kubectl delete namespace` does: Terminating now, gone (with everything in it) later.</summary>
    public void BeginNamespaceDeletion(string name)
    {
        Store.Update("namespaces", "", name, ns =>
        {
            ns["metadata"]!["deletionTimestamp"] = Now();
            ns["status"]!["phase"] = "Terminating";
        });
        _ = Task.Run(async () =>
        {
            await Task.Delay(NamespaceDeletion, stopping.Token);
            foreach (var resource in NamespacedStores)
            {
                foreach (var item in Store.List(resource, name, _ => true).Items) Store.Remove(resource, name, item["metadata"]!["name"]!.GetValue<string>());
            }
            Store.Remove("namespaces", "", name);
        });
    }

    private int expired;

    /// <summary>How many watches were answered 410 Gone.</summary>
    public int ExpiredWatches => expired;

    /// <summary>How many watches of a resource are open now.</summary>
    public int OpenWatches(string resource) => openWatches.Values.Count(w => w.Resource == resource);

    /// <summary>Cuts every open watch, as a network blip or an API server restart does.</summary>
    public int CutOpenWatches()
    {
        var cut = 0;
        foreach (var (watch, open) in openWatches)
        {
            open.Cut = true;
            watch.Cancel();
            cut++;
        }
        return cut;
    }

    private void ServiceAccountLater(string ns, TimeSpan delay) => _ = Task.Run(async () =>
    {
        await Task.Delay(delay, stopping.Token);
        PutDefaultServiceAccount(ns);
    });

    private void PutDefaultServiceAccount(string ns) =>
        Store.Put("serviceaccounts", ns, "default", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ServiceAccount", ["metadata"] = new JsonObject { ["name"] = "default", ["namespace"] = ns } });

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
        var response = context.Response;
        var now = Interlocked.Increment(ref active);
        int seen;
        while ((seen = mostActive) < now && Interlocked.CompareExchange(ref mostActive, now, seen) != seen)
        {
        }
        try
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var request = StubRequest.Parse(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, context.Request.QueryString, context.Request.ContentType, body);
            var allowed = !request.IsResource || Admin || Rbac.Allows(User, Groups, request);
            requests.Enqueue(new RecordedRequest(request, allowed) { At = DateTime.UtcNow });
            OnRequest?.Invoke(request.Method, request.Path);
            if (!allowed)
            {
                var qualified = request.Group.Length == 0 ? request.Resource : $"{request.Resource}.{request.Group}";
                await WriteStatusAsync(response, 403, "Forbidden", Forbidden(qualified, request.Name, StubRbac.ForbiddenMessage(User, request)), request.Name, request.Group, request.Resource);
                return;
            }
            await RouteAsync(response, request);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away (a watch it stopped reading): nothing more to send.
        }
        catch (Exception e)
        {
            // A stub fault, not server behaviour: the harness fails the test with it.
            Kubelet.Faults.Enqueue(e);
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

    /// <summary>The resources this server serves; the CRD's only while Multus is installed.</summary>
    private ServedResource? Served(StubRequest request)
    {
        ServedResource[] all =
        [
            new("", "v1", "namespaces", "Namespace", false),
            new("", "v1", "nodes", "Node", false),
            new("", "v1", "pods", "Pod", true),
            new("", "v1", "events", "Event", true),
            new("", "v1", "serviceaccounts", "ServiceAccount", true),
            new("", "v1", "configmaps", "ConfigMap", true),
            new("", "v1", "secrets", "Secret", true),
            new("apps", "v1", "daemonsets", "DaemonSet", true),
            new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false),
            new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
            new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
            new("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
            new("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true),
            .. MultusInstalled ? new ServedResource[] { new("k8s.cni.cncf.io", "v1", "network-attachment-definitions", "NetworkAttachmentDefinition", true) } : [],
        ];
        return all.FirstOrDefault(r => r.Group == request.Group && r.Version == request.Version && r.Plural == request.Resource);
    }

    private async Task RouteAsync(HttpListenerResponse response, StubRequest request)
    {
        if (request.Path == MultusManifestUrl.AbsolutePath)
        {
            await WriteAsync(response, 200, MultusManifest, "text/plain");
            return;
        }
        var served = request.IsResource ? Served(request) : null;
        if (served is null)
        {
            // The server's answer for a group, version or plural it does not serve.
            await WriteAsync(response, 404, Status(404, "NotFound", "the server could not find the requested resource", details: new JsonObject
            {
                ["causes"] = new JsonArray(new JsonObject { ["reason"] = "UnexpectedServerResponse", ["message"] = "404 page not found" }),
            }));
            return;
        }
        var ns = served.Namespaced ? request.Namespace : "";
        if (served.Plural == "pods" && request.Subresource == "log")
        {
            await LogAsync(response, request);
            return;
        }
        if (served.Plural == "nodes" && request.Verb == "list")
        {
            await WriteAsync(response, 200, NodeList(request.Query["labelSelector"]).ToJsonString());
            return;
        }
        switch (request.Verb)
        {
            case "watch":
                await WatchAsync(response, request, served, ns);
                return;
            case "list":
                var (items, version) = Store.List(served.Plural, ns, Selects(request));
                await WriteAsync(response, 200, new JsonObject
                {
                    ["apiVersion"] = served.Group.Length == 0 ? served.Version : $"{served.Group}/{served.Version}",
                    ["kind"] = served.Kind + "List",
                    ["metadata"] = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) },
                    ["items"] = new JsonArray([.. items]),
                }.ToJsonString());
                return;
            case "get":
                var found = Store.Get(served.Plural, ns, request.Name);
                if (found is not null && served.Plural == "daemonsets") found["status"] = Rollout(found);
                if (found is null) await WriteStatusAsync(response, 404, "NotFound", $"{served.GroupResource} \"{request.Name}\" not found", request.Name, served.Group, served.Plural);
                else await WriteAsync(response, 200, found.ToJsonString());
                return;
            case "create" when served.Plural == "namespaces":
                await CreateNamespaceAsync(response, request);
                return;
            case "patch":
                await ApplyAsync(response, request, served, ns);
                return;
            case "delete":
                await DeleteAsync(response, served, ns, request.Name);
                return;
            case "deletecollection":
                foreach (var item in Store.List(served.Plural, ns, Selects(request)).Items) Delete(served, ns, item["metadata"]!["name"]!.GetValue<string>());
                await WriteAsync(response, 200, Status(200, "", "", success: true));
                return;
            default:
                await WriteStatusAsync(response, 405, "MethodNotAllowed", $"the server does not allow this method on the requested resource", request.Name, served.Group, served.Plural);
                return;
        }
    }

    private async Task CreateNamespaceAsync(HttpListenerResponse response, StubRequest request)
    {
        var name = request.Json["metadata"]!["name"]!.GetValue<string>();
        if (Store.Get("namespaces", "", name) is { } existing)
        {
            var terminating = existing["status"]?["phase"]?.GetValue<string>() == "Terminating";
            await WriteStatusAsync(response, 409, "AlreadyExists", terminating ? $"object is being deleted: namespaces \"{name}\" already exists" : $"namespaces \"{name}\" already exists", name, "", "namespaces");
            return;
        }
        var created = request.Json;
        created["status"] = new JsonObject { ["phase"] = "Active" };
        await WriteAsync(response, 201, Store.Put("namespaces", "", name, created).ToJsonString());
        ServiceAccountLater(name, TimeSpan.FromMilliseconds(100));
    }

    private async Task ApplyAsync(HttpListenerResponse response, StubRequest request, ServedResource served, string ns)
    {
        var apply = request.ContentType?.StartsWith("application/apply-patch", StringComparison.Ordinal) == true;
        if (apply && string.IsNullOrEmpty(request.Query["fieldManager"]))
        {
            await WriteStatusAsync(response, 422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch", "", "meta.k8s.io", "PatchOptions");
            return;
        }
        var document = request.Json;
        if (request.Query["fieldValidation"] == "Strict" && Schema(served) is { } schema && StubAdmission.UnknownField(document, schema) is { } unknown)
        {
            var gvk = $"{served.Group}/{served.Version}, Kind={served.Kind}";
            await WriteStatusAsync(response, 400, "BadRequest", $"failed to create typed patch object ({ns}/{request.Name}; {gvk}): {unknown}: field not declared in schema", "", "", "");
            return;
        }
        var existing = Store.Get(served.Plural, ns, request.Name);
        if (existing is null && served.Namespaced && await RefuseCreateAsync(response, served, ns, request.Name, document)) return;
        document["metadata"]!["namespace"] = served.Namespaced ? ns : null;
        if (served.Plural == "pods")
        {
            if (existing is not null)
            {
                // A pod's spec is immutable but for images and a few fields (ValidatePodUpdate): another spec is refused.
                if (!JsonNode.DeepEquals(existing["spec"], document["spec"]))
                {
                    await WriteStatusAsync(response, 422, "Invalid", $"Pod \"{request.Name}\" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
                        request.Name, "", "Pod", new JsonArray(new JsonObject { ["reason"] = "FieldValueForbidden", ["message"] = "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)", ["field"] = "spec" }));
                    return;
                }
                await WriteAsync(response, 200, existing.ToJsonString());
                return;
            }
            var pod = Store.Put("pods", ns, request.Name, StubKubelet.Admit(document));
            Kubelet.Start(ns, request.Name);
            await WriteAsync(response, 201, pod.ToJsonString());
            return;
        }
        if (served.Plural == "daemonsets") document["metadata"]!["generation"] = 1;
        await WriteAsync(response, existing is null ? 201 : 200, Store.Put(served.Plural, ns, request.Name, document).ToJsonString());
    }

    /// <summary>The admission chain of a create in a namespace; true when it refused (and answered).</summary>
    private async Task<bool> RefuseCreateAsync(HttpListenerResponse response, ServedResource served, string ns, string name, JsonObject document)
    {
        var space = Store.Get("namespaces", "", ns);
        if (space is null)
        {
            await WriteStatusAsync(response, 404, "NotFound", $"namespaces \"{ns}\" not found", ns, "", "namespaces");
            return true;
        }
        if (space["status"]?["phase"]?.GetValue<string>() == "Terminating")
        {
            await WriteStatusAsync(response, 403, "Forbidden", Forbidden(served.GroupResource, name, $"unable to create new content in namespace {ns} because it is being terminated"), name, served.Group, served.Plural,
                new JsonArray(new JsonObject { ["reason"] = "NamespaceTerminating", ["message"] = $"namespace {ns} is being terminated", ["field"] = "metadata.namespace" }));
            return true;
        }
        if (served.Plural != "pods") return false;
        if (Store.Get("serviceaccounts", ns, "default") is null)
        {
            await WriteStatusAsync(response, 403, "Forbidden", Forbidden("pods", name, $"error looking up service account {ns}/default: serviceaccount \"default\" not found"), name, "", "pods");
            return true;
        }
        var level = space["metadata"]?["labels"]?["pod-security.kubernetes.io/enforce"]?.GetValue<string>() ?? "privileged";
        if (StubAdmission.PodSecurityViolations(document, level) is { Length: > 0 } violations)
        {
            await WriteStatusAsync(response, 403, "Forbidden", Forbidden("pods", name, $"violates PodSecurity \"{level}:latest\": {violations}"), name, "", "pods");
            return true;
        }
        if (Webhook is { } webhook)
        {
            var (code, message) = StubAdmission.WebhookDenial(webhook);
            await WriteAsync(response, code, Status(code, code == 403 ? "Forbidden" : "BadRequest", message));
            return true;
        }
        if (Quota is { } quota && StubAdmission.QuotaRefusal(document, quota, Store.List("pods", ns, _ => true).Items.Count) is { Length: > 0 } refusal)
        {
            await WriteStatusAsync(response, 403, "Forbidden", Forbidden("pods", name, refusal), name, "", "pods");
            return true;
        }
        return false;
    }

    private async Task DeleteAsync(HttpListenerResponse response, ServedResource served, string ns, string name)
    {
        var found = Store.Get(served.Plural, ns, name);
        if (found is null)
        {
            await WriteStatusAsync(response, 404, "NotFound", $"{served.GroupResource} \"{name}\" not found", name, served.Group, served.Plural);
            return;
        }
        Delete(served, ns, name);
        await WriteAsync(response, 200, (Store.Get(served.Plural, ns, name) ?? found).ToJsonString());
    }

    private void Delete(ServedResource served, string ns, string name)
    {
        if (served.Plural == "pods") Kubelet.Terminate(ns, name);
        else if (served.Plural == "namespaces") BeginNamespaceDeletion(name);
        else Store.Remove(served.Plural, ns, name);
    }

    private async Task WatchAsync(HttpListenerResponse response, StubRequest request, ServedResource served, string ns)
    {
        response.StatusCode = 200;
        response.ContentType = "application/json";
        response.SendChunked = true;
        var from = long.TryParse(request.Query["resourceVersion"], CultureInfo.InvariantCulture, out var v) ? v : 0;
        var filter = Selects(request);
        var initial = from == 0 ? Store.List(served.Plural, ns, filter).Items : [];
        var watch = Store.Watch(served.Plural, ns, filter, from == 0 ? Store.Version : from);
        if (watch is null)
        {
            // etcd compacted that version away: the server says so in the stream and ends it.
            Interlocked.Increment(ref expired);
            await SendAsync(response, new JsonObject
            {
                ["type"] = "ERROR",
                ["object"] = JsonNode.Parse(Status(410, "Expired", $"too old resource version: {from} ({Store.Compacted + 1})")),
            }.ToJsonString() + "\n", stopping.Token);
            return;
        }
        var (backlog, coming, stop) = watch.Value;
        using var cut = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        var open = new OpenWatch(served.Plural);
        openWatches[cut] = open;
        var seconds = int.TryParse(request.Query["timeoutSeconds"], out var s) ? s : 1800;
        cut.CancelAfter(TimeSpan.FromSeconds(seconds));
        try
        {
            foreach (var item in initial) await SendAsync(response, Event("ADDED", item), cut.Token);
            foreach (var change in backlog) await SendAsync(response, Event(change.Type, change.Object), cut.Token);
            await foreach (var change in coming.ReadAllAsync(cut.Token)) await SendAsync(response, Event(change.Type, change.Object), cut.Token);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested && cut.IsCancellationRequested)
        {
            // A timeout ends the stream cleanly; a cut (CutOpenWatches) drops the connection mid-stream.
            if (open.Cut) response.Abort();
        }
        finally
        {
            openWatches.TryRemove(cut, out _);
            stop();
        }
    }

    private static Func<JsonObject, bool> Selects(StubRequest request)
    {
        var labels = Pairs(request.Query["labelSelector"]);
        var fields = Pairs(request.Query["fieldSelector"]);
        return o => labels.All(l => o["metadata"]?["labels"]?[l.Key]?.GetValue<string>() == l.Value)
            && fields.All(f => f.Key.Split('.').Aggregate((JsonNode?)o, (node, part) => node?[part])?.GetValue<string>() == f.Value);
    }

    private static List<KeyValuePair<string, string>> Pairs(string? selector) =>
        [.. (selector ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).Select(p => KeyValuePair.Create(p[0], p.Length > 1 ? p[1] : ""))];

    private JsonObject Rollout(JsonObject daemonSet) => new()
    {
        ["desiredNumberScheduled"] = Nodes.Count,
        ["numberReady"] = Nodes.Count,
        ["updatedNumberScheduled"] = Nodes.Count,
        ["observedGeneration"] = daemonSet["metadata"]?["generation"]?.GetValue<int>() ?? 1,
    };

    private static Type? Schema(ServedResource served) => served.Kind switch
    {
        "Pod" => typeof(V1Pod),
        "Namespace" => typeof(V1Namespace),
        "ServiceAccount" => typeof(V1ServiceAccount),
        "DaemonSet" => typeof(V1DaemonSet),
        _ => null,
    };

    private JsonObject NodeList(string? selector)
    {
        var wanted = Pairs(selector);
        var items = new JsonArray();
        for (var i = 0; i < Nodes.Count; i++)
        {
            var (name, labels) = Nodes[i];
            if (!wanted.All(w => labels.TryGetValue(w.Key, out var actual) && actual == w.Value)) continue;
            var spec = new JsonObject();
            if (Cordoned.Contains(name)) spec["unschedulable"] = true;
            if (Taints.TryGetValue(name, out var taint)) spec["taints"] = new JsonArray(new JsonObject { ["key"] = taint.Key, ["value"] = taint.Value, ["effect"] = taint.Effect });
            items.Add(new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = Json(labels) },
                ["spec"] = spec,
                ["status"] = new JsonObject
                {
                    ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "KubeletReady", ["message"] = "kubelet is posting ready status" }),
                    ["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = $"192.168.{i / 250}.{i % 250 + 2}" }),
                },
            });
        }
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "NodeList", ["metadata"] = new JsonObject { ["resourceVersion"] = Store.Version.ToString(CultureInfo.InvariantCulture) }, ["items"] = items };
    }

    /// <summary>apierrors.NewForbidden's message: "RESOURCE "NAME" is forbidden: WHY", or "RESOURCE is forbidden: WHY" without a name.</summary>
    private static string Forbidden(string qualifiedResource, string name, string why) =>
        name.Length > 0 ? $"{qualifiedResource} \"{name}\" is forbidden: {why}" : $"{qualifiedResource} is forbidden: {why}";

    private static JsonObject Json(IEnumerable<KeyValuePair<string, string>> pairs) => new([.. pairs.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))]);

    internal static string Now() => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>metav1.Status as the API server writes it.</summary>
    internal static string Status(int code, string reason, string message, JsonObject? details = null, bool success = false)
    {
        var status = new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = success ? "Success" : "Failure" };
        if (!success)
        {
            status["message"] = message;
            status["reason"] = reason;
            if (details is not null) status["details"] = details;
            status["code"] = code;
        }
        return status.ToJsonString();
    }

    private static Task WriteStatusAsync(HttpListenerResponse response, int code, string reason, string message, string name, string group, string kind, JsonArray? causes = null)
    {
        var details = new JsonObject();
        if (name.Length > 0) details["name"] = name;
        if (group.Length > 0) details["group"] = group;
        if (kind.Length > 0) details["kind"] = kind;
        if (causes is not null) details["causes"] = causes;
        return WriteAsync(response, code, Status(code, reason, message, details.Count > 0 ? details : null));
    }

    private static string Event(string type, JsonObject item) => new JsonObject { ["type"] = type, ["object"] = item.DeepClone() }.ToJsonString() + "\n";

    private static async Task SendAsync(HttpListenerResponse response, string text, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        // HttpListener sends an empty async write as the final chunk and sends it again on close: the stray chunk
        // then reached the kept-alive connection's next response as its status line (ParseStatusLine failed once).
        if (bytes.Length == 0) return;
        await response.OutputStream.WriteAsync(bytes, cancellationToken);
        await response.OutputStream.FlushAsync(cancellationToken);
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

/// <summary>One request as the stub received it, and whether RBAC let it through.</summary>
internal sealed record RecordedRequest(StubRequest Request, bool Allowed)
{
    public DateTime At { get; init; }

    public string Method => Request.Method;

    public string Path => Request.Path;

    public System.Collections.Specialized.NameValueCollection Query => Request.Query;

    public string? ContentType => Request.ContentType;

    public JsonObject Json => Request.Json;
}
