using System.Collections.Specialized;
using System.Text.Json.Nodes;

namespace McastLab.Pipeline.Tests.Lab.Cluster.ApiStub;

/// <summary>A resource the stub serves, as discovery would list it.</summary>
internal sealed record ServedResource(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}

/// <summary>
/// What the API server makes of a request before it authorizes it (k8s.io/apiserver's RequestInfoFactory):
/// verb from the method (list/watch/deletecollection when no name), group, version, resource, subresource,
/// namespace and name from the path. A namespace's own path names it as its namespace too, as the server does.
/// </summary>
internal sealed record StubRequest(string Method, string Path, NameValueCollection Query, string? ContentType, string Body)
{
    public bool IsResource { get; private init; }
    public string Verb { get; private init; } = "";
    public string Group { get; private init; } = "";
    public string Version { get; private init; } = "";
    public string Resource { get; private init; } = "";
    public string Subresource { get; private init; } = "";
    public string Namespace { get; private init; } = "";
    public string Name { get; private init; } = "";

    public JsonObject Json => (JsonObject)JsonNode.Parse(Body)!;

    public bool Watch => Query["watch"] is "true" or "1";

    public static StubRequest Parse(string method, string path, NameValueCollection query, string? contentType, string body)
    {
        var request = new StubRequest(method, path, query, contentType, body);
        var parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group, version;
        string[] rest;
        if (parts.Length >= 2 && parts[0] == "api") (group, version, rest) = ("", parts[1], parts[2..]);
        else if (parts.Length >= 3 && parts[0] == "apis") (group, version, rest) = (parts[1], parts[2], parts[3..]);
        else return request;
        var ns = "";
        if (rest.Length >= 3 && rest[0] == "namespaces")
        {
            ns = rest[1];
            rest = rest[2..];
        }
        if (rest.Length == 0) return request;
        var resource = rest[0];
        var name = rest.Length > 1 ? rest[1] : "";
        var subresource = rest.Length > 2 ? rest[2] : "";
        // GET /api/v1/namespaces/NAME: the namespace is also the request's namespace (RBAC sees it so).
        if (resource == "namespaces" && name.Length > 0 && ns.Length == 0) ns = name;
        var watch = request.Watch;
        var verb = method switch
        {
            "GET" when watch => "watch",
            "GET" when name.Length == 0 => "list",
            "GET" => "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" when name.Length == 0 => "deletecollection",
            "DELETE" => "delete",
            _ => method.ToLowerInvariant(),
        };
        return request with
        {
            IsResource = true, Verb = verb, Group = group, Version = version, Resource = resource, Subresource = subresource,
            Namespace = ns, Name = name,
        };
    }
}
