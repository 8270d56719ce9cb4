using System.Collections;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace McastLab.Pipeline.Tests.Lab.Cluster.ApiStub;

/// <summary>A validating webhook that denies pod creation, as Kyverno or Gatekeeper would.</summary>
internal sealed record DenyingWebhook(string Name, string Message, int Code = 400);

/// <summary>A namespace's ResourceQuota: compute limits it requires, and a pod count it holds to.</summary>
internal sealed record StubQuota(string Name, bool RequiresLimits, int? Pods = null);

/// <summary>
/// The admission plug-ins a pod create meets on a real API server, each refusing in its own words (their
/// formats from the Kubernetes sources): Pod Security (the namespace's pod-security.kubernetes.io/enforce
/// label; baseline and restricted checks the lab's pods could break), ResourceQuota (limits required, a pod
/// count), and validating webhooks ("admission webhook "NAME" denied the request: …").
/// </summary>
internal static class StubAdmission
{
    /// <summary>Pod Security's violations of a pod at a level, "" when it passes.</summary>
    public static string PodSecurityViolations(JsonObject pod, string level)
    {
        if (level == "privileged") return "";
        var spec = pod["spec"]!.AsObject();
        var containers = spec["containers"]!.AsArray().Select(c => c!.AsObject()).ToList();
        string Names(IEnumerable<JsonObject> list)
        {
            var names = list.Select(c => $"\"{c["name"]}\"").ToList();
            return names.Count == 1 ? $"container {names[0]}" : $"containers {string.Join(", ", names)}";
        }
        var violations = new List<string>();
        if (spec["hostNetwork"]?.GetValue<bool>() == true) violations.Add("host namespaces (hostNetwork=true)");
        var privileged = containers.Where(c => c["securityContext"]?["privileged"]?.GetValue<bool>() == true).ToList();
        if (privileged.Count > 0) violations.Add($"privileged ({Names(privileged)} must not set securityContext.privileged=true)");
        if (level == "restricted")
        {
            var escalating = containers.Where(c => c["securityContext"]?["allowPrivilegeEscalation"]?.GetValue<bool>() != false).ToList();
            if (escalating.Count > 0) violations.Add($"allowPrivilegeEscalation != false ({Names(escalating)} must set securityContext.allowPrivilegeEscalation=false)");
            var capable = containers.Where(c => c["securityContext"]?["capabilities"]?["drop"]?.AsArray().Any(d => d?.GetValue<string>() == "ALL") != true).ToList();
            if (capable.Count > 0) violations.Add($"unrestricted capabilities ({Names(capable)} must set securityContext.capabilities.drop=[\"ALL\"])");
            var podNonRoot = spec["securityContext"]?["runAsNonRoot"]?.GetValue<bool>() == true;
            var root = containers.Where(c => !podNonRoot && c["securityContext"]?["runAsNonRoot"]?.GetValue<bool>() != true).ToList();
            if (root.Count > 0) violations.Add($"runAsNonRoot != true (pod or {Names(root)} must set securityContext.runAsNonRoot=true)");
            var podSeccomp = spec["securityContext"]?["seccompProfile"]?["type"]?.GetValue<string>() is "RuntimeDefault" or "Localhost";
            var unconfined = containers.Where(c => !podSeccomp && c["securityContext"]?["seccompProfile"]?["type"]?.GetValue<string>() is not ("RuntimeDefault" or "Localhost")).ToList();
            if (unconfined.Count > 0) violations.Add($"seccompProfile (pod or {Names(unconfined)} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
        }
        return string.Join(", ", violations);
    }

    /// <summary>ResourceQuota's refusal of a pod, "" when it fits.</summary>
    public static string QuotaRefusal(JsonObject pod, StubQuota quota, int podsUsed)
    {
        if (quota.RequiresLimits)
        {
            var missing = new List<string>();
            foreach (var resource in new[] { "cpu", "memory" })
            {
                var without = pod["spec"]!["containers"]!.AsArray().Where(c => c!["resources"]?["limits"]?[resource] is null).Select(c => c!["name"]!.GetValue<string>()).ToList();
                if (without.Count > 0) missing.Add($"limits.{resource} for: {string.Join(",", without)}");
            }
            if (missing.Count > 0) return $"failed quota: {quota.Name}: must specify {string.Join("; ", missing)}";
        }
        if (quota.Pods is { } limit && podsUsed + 1 > limit)
        {
            return $"exceeded quota: {quota.Name}, requested: pods=1, used: pods={podsUsed}, limited: pods={limit}";
        }
        return "";
    }

    /// <summary>The webhook's denial as the API server words it (webhookerrors.ToStatusErr: a code below 400 becomes 400).</summary>
    public static (int Code, string Message) WebhookDenial(DenyingWebhook webhook) =>
        (Math.Max(webhook.Code, 400), $"admission webhook \"{webhook.Name}\" denied the request: {webhook.Message}");

    /// <summary>
    /// Strict field validation: the first field of the document the kind's schema does not declare (the schema
    /// here: the Kubernetes API types as the client library models them, by their JSON names), or null.
    /// </summary>
    public static string? UnknownField(JsonObject document, Type schema) => Unknown(document, schema, "");

    private static string? Unknown(JsonNode? node, Type type, string path)
    {
        if (node is JsonObject obj)
        {
            if (IsDictionary(type, out var valueType))
            {
                foreach (var (key, value) in obj)
                {
                    if (Unknown(value, valueType, $"{path}.{key}") is { } found) return found;
                }
                return null;
            }
            if (!IsModel(type)) return null;
            var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Select(p => (Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name, p.PropertyType))
                .Where(p => p.Name is not null)
                .ToDictionary(p => p.Name!, p => p.PropertyType);
            foreach (var (key, value) in obj)
            {
                if (!properties.TryGetValue(key, out var propertyType)) return $"{path}.{key}";
                if (Unknown(value, propertyType, $"{path}.{key}") is { } found) return found;
            }
            return null;
        }
        if (node is JsonArray array && ElementType(type) is { } element)
        {
            for (var i = 0; i < array.Count; i++)
            {
                var key = array[i] is JsonObject item && item["name"] is JsonValue name ? $"[name=\"{name}\"]" : $"[{i}]";
                if (Unknown(array[i], element, path + key) is { } found) return found;
            }
        }
        return null;
    }

    private static bool IsModel(Type type) => type.Namespace == "k8s.Models" && type.IsClass && type != typeof(string);

    private static bool IsDictionary(Type type, out Type valueType)
    {
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>) ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        valueType = dictionary?.GetGenericArguments()[1] ?? typeof(object);
        return dictionary is not null;
    }

    private static Type? ElementType(Type type) =>
        type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[0] : null;
}
