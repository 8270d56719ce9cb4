using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// Turns the API server's 403 into one sentence naming what was refused and by whom, whichever call met it. It
/// sits in the client's handler chain, so no call of the lab can miss it. Who refused is read from the
/// Status message, the only place the API server says it (<see cref="RefusalSource"/>).
/// </summary>
public sealed class ForbiddenRequestHandler : DelegatingHandler
{
    public const string RbacFile = "manifests/rbac/mcastlab-lab.yaml";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        // A webhook's denial carries the code its webhook chose, 400 unless it said otherwise.
        if (response.StatusCode is not (HttpStatusCode.Forbidden or HttpStatusCode.BadRequest) || request.RequestUri is null) return response;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var message = Message(body);
        if (response.StatusCode == HttpStatusCode.BadRequest && RefusalSource.Of(message) != RefusalSource.Kind.Webhook)
        {
            // Not a refusal: hand the caller the response it would have had.
            var copy = new HttpResponseMessage(response.StatusCode) { RequestMessage = response.RequestMessage, ReasonPhrase = response.ReasonPhrase, Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            response.Dispose();
            return copy;
        }
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase ?? (response.StatusCode == HttpStatusCode.Forbidden ? "Forbidden" : "Bad Request")}";
        response.Dispose();
        throw new PipelineException(Explain(request.Method, request.RequestUri, message, status));
    }

    /// <summary>The sentence for a refusal: what was refused, the server's words, and the advice that fits who refused it.</summary>
    public static string Explain(HttpMethod method, Uri uri, string message, string status = "403 Forbidden")
    {
        var (verb, resource, ns) = Describe(method, uri);
        var where = ns is null ? "" : $" in namespace {ns}";
        var advice = RefusalSource.Of(message) switch
        {
            RefusalSource.Kind.PodSecurity =>
                $"the namespace's Pod Security level refuses the lab's pods; label {ns ?? "the namespace"} pod-security.kubernetes.io/enforce=restricted (the lab's pods meet it) or lower, as {RbacFile} does",
            RefusalSource.Kind.Webhook =>
                "an admission webhook (a policy engine such as Kyverno or Gatekeeper) refused it; ask its owner for an exception for the lab's namespace, or run in a namespace the policy leaves out",
            RefusalSource.Kind.Quota =>
                $"a ResourceQuota of {ns ?? "the namespace"} refused it; raise the quota, or give the namespace room for the lab's pods (requests 50m CPU/32Mi, limits 1 CPU/128Mi each)",
            RefusalSource.Kind.Terminating =>
                $"the namespace {ns} is being deleted; wait until 'kubectl get namespace {ns}' finds none, re-apply {RbacFile} as a cluster admin, then run again",
            _ =>
                $"grant the lab's user the rules of {RbacFile} (docs/cluster.md, \"Permissions\") and run again",
        };
        return $"The cluster refused to {verb} {resource}{where} ({status}: {message}); {advice}.";
    }

    /// <summary>The RBAC verb, resource (with its group and subresource) and namespace of a request.</summary>
    public static (string Verb, string Resource, string? Namespace) Describe(HttpMethod method, Uri uri)
    {
        var segments = uri.AbsolutePath.Trim('/').Split('/');
        // /api/v1/... is the core group; /apis/GROUP/VERSION/... the others.
        var (group, rest) = segments[0] == "api" ? ("", segments[2..]) : (segments[1], segments[3..]);
        string? ns = null;
        if (rest.Length >= 3 && rest[0] == "namespaces")
        {
            ns = rest[1];
            rest = rest[2..];
        }
        var name = rest.Length > 1 ? rest[1] : null;
        var resource = rest.Length > 0 ? rest[0] : "(unknown)";
        if (rest.Length > 2) resource += "/" + rest[2];
        if (group.Length > 0) resource += "." + group;
        var watch = uri.Query.Contains("watch=true", StringComparison.Ordinal);
        var verb = method.Method switch
        {
            "GET" when watch => "watch",
            "GET" when name is null => "list",
            "GET" => "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" when name is null => "deletecollection",
            "DELETE" => "delete",
            _ => method.Method.ToLowerInvariant(),
        };
        return (verb, resource, ns);
    }

    private static string Message(string body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject status && status["message"]?.GetValue<string>() is { Length: > 0 } message) return message;
        }
        catch (JsonException)
        {
        }
        return "no reason given";
    }
}

/// <summary>
/// Who refused a request with 403, told from the Status message as the API server's plug-ins write it: RBAC
/// ("User … cannot VERB resource …"), Pod Security admission ("violates PodSecurity"), a validating webhook
/// ("admission webhook "NAME" denied the request"), ResourceQuota ("exceeded quota", "failed quota") and
/// NamespaceLifecycle ("because it is being terminated").
/// </summary>
public static class RefusalSource
{
    public enum Kind
    {
        Rbac,
        PodSecurity,
        Webhook,
        Quota,
        Terminating,
    }

    public static Kind Of(string message) =>
        message.Contains("violates PodSecurity", StringComparison.Ordinal) ? Kind.PodSecurity
        : message.Contains("admission webhook \"", StringComparison.Ordinal) && message.Contains("denied the request", StringComparison.Ordinal) ? Kind.Webhook
        : message.Contains("exceeded quota", StringComparison.Ordinal) || message.Contains("failed quota", StringComparison.Ordinal) ? Kind.Quota
        : message.Contains("because it is being terminated", StringComparison.Ordinal) ? Kind.Terminating
        : Kind.Rbac;
}
