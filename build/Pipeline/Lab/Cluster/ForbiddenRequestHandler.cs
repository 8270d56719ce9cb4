using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// Turns the API server's 403 into one sentence naming what was refused, whichever call met it: the verb
/// and resource as RBAC names them (create namespaces, watch pods, get pods/log …), and where the minimal
/// role is. It sits in the client's handler chain, so no call of the lab can miss it.
/// </summary>
public sealed class ForbiddenRequestHandler : DelegatingHandler
{
    public const string RbacFile = "manifests/rbac/mcastlab-lab.yaml";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Forbidden || request.RequestUri is null) return response;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        response.Dispose();
        var (verb, resource, ns) = Describe(request.Method, request.RequestUri);
        var where = ns is null ? "" : $" in namespace {ns}";
        throw new PipelineException($"The cluster refused to {verb} {resource}{where} (403 Forbidden: {Message(body)}); grant the lab's user the rules of {RbacFile} (README, \"Run the lab on your cluster\") and run again.");
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
