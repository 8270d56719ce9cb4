using YamlDotNet.RepresentationModel;

namespace McastLab.Pipeline.Tests.Lab.Cluster.ApiStub;

/// <summary>
/// RBAC as the API server's authorizer evaluates it, from RBAC objects written in YAML (the committed
/// manifests/rbac files, read here with YamlDotNet, never through the product's code): a request is allowed when
/// a ClusterRoleBinding binds the user (or one of its groups) to a ClusterRole with a matching rule, or a
/// RoleBinding in the request's namespace binds it to a Role (or ClusterRole) with one. A rule matches on verb,
/// API group, resource ("pods/log" for a subresource) and, when it lists any, the object's name; "*" matches all.
/// </summary>
internal sealed class StubRbac
{
    private sealed record Rule(string[] Verbs, string[] Groups, string[] Resources, string[] Names);

    private sealed record Binding(string? Namespace, string RoleKind, string RoleName, (string Kind, string Name)[] Subjects);

    private readonly Dictionary<(string Kind, string? Namespace, string Name), List<Rule>> roles = [];
    private readonly List<Binding> bindings = [];

    public static StubRbac FromFiles(IEnumerable<string> files)
    {
        var rbac = new StubRbac();
        foreach (var file in files)
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(file)) stream.Load(reader);
            foreach (var document in stream.Documents)
            {
                if (document.RootNode is YamlMappingNode root) rbac.Add(root);
            }
        }
        return rbac;
    }

    private void Add(YamlMappingNode root)
    {
        var kind = Scalar(root, "kind");
        var metadata = (YamlMappingNode)root[new YamlScalarNode("metadata")];
        var name = Scalar(metadata, "name")!;
        var ns = Scalar(metadata, "namespace");
        switch (kind)
        {
            case "ClusterRole" or "Role":
                roles[(kind, kind == "Role" ? ns : null, name)] = [.. Sequence(root, "rules").Cast<YamlMappingNode>().Select(r => new Rule(
                    Strings(r, "verbs"), Strings(r, "apiGroups"), Strings(r, "resources"), Strings(r, "resourceNames")))];
                break;
            case "ClusterRoleBinding" or "RoleBinding":
                var roleRef = (YamlMappingNode)root[new YamlScalarNode("roleRef")];
                bindings.Add(new Binding(kind == "RoleBinding" ? ns : null, Scalar(roleRef, "kind")!, Scalar(roleRef, "name")!,
                    [.. Sequence(root, "subjects").Cast<YamlMappingNode>().Select(s => (Scalar(s, "kind")!, Scalar(s, "name")!))]));
                break;
        }
    }

    /// <summary>Whether the user, in its groups, may do the request's verb on its resource.</summary>
    public bool Allows(string user, IReadOnlyCollection<string> groups, StubRequest request)
    {
        var resource = request.Subresource.Length > 0 ? $"{request.Resource}/{request.Subresource}" : request.Resource;
        foreach (var binding in bindings)
        {
            // A RoleBinding grants only inside its own namespace; a namespaced request's namespace is its target.
            if (binding.Namespace is not null && binding.Namespace != request.Namespace) continue;
            if (!binding.Subjects.Any(s => (s.Kind == "User" && s.Name == user) || (s.Kind == "Group" && groups.Contains(s.Name)))) continue;
            var key = binding.RoleKind == "Role" ? ("Role", binding.Namespace, binding.RoleName) : ("ClusterRole", (string?)null, binding.RoleName);
            if (!roles.TryGetValue(key, out var rules)) continue;
            if (rules.Any(r => Matches(r.Verbs, request.Verb) && Matches(r.Groups, request.Group) && Matches(r.Resources, resource)
                && (r.Names.Length == 0 || (request.Name.Length > 0 && r.Names.Contains(request.Name))))) return true;
        }
        return false;
    }

    private static bool Matches(string[] allowed, string value) => allowed.Contains("*") || allowed.Contains(value);

    /// <summary>The authorizer's refusal, as k8s.io/apiserver's forbiddenMessage writes it.</summary>
    public static string ForbiddenMessage(string user, StubRequest request)
    {
        var resource = request.Subresource.Length > 0 ? $"{request.Resource}/{request.Subresource}" : request.Resource;
        return request.Namespace.Length > 0
            ? $"User \"{user}\" cannot {request.Verb} resource \"{resource}\" in API group \"{request.Group}\" in the namespace \"{request.Namespace}\""
            : $"User \"{user}\" cannot {request.Verb} resource \"{resource}\" in API group \"{request.Group}\" at the cluster scope";
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    private static IEnumerable<YamlNode> Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode sequence ? sequence.Children : [];

    private static string[] Strings(YamlMappingNode node, string key) => [.. Sequence(node, key).OfType<YamlScalarNode>().Select(s => s.Value ?? "")];
}
