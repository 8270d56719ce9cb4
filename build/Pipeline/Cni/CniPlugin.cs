using System.Text.Json.Nodes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Prerequisites;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Cni;

/// <summary>
/// Executes a real CNI plugin binary the way a container runtime (or Multus) does: the command and the
/// container in CNI_* variables, the network configuration on stdin, the result as JSON on stdout.
/// </summary>
public sealed class CniPlugin(ProcessRunner runner, string pluginDirectory)
{
    /// <summary>Where Debian's containernetworking-plugins puts the plugins; /opt/cni/bin elsewhere.</summary>
    public static string FindPluginDirectory()
    {
        foreach (var directory in PrerequisiteCatalog.CniDirectories)
        {
            if (File.Exists(Path.Combine(directory, "macvlan"))) return directory;
        }
        throw new PipelineException("The CNI plugins (macvlan, host-local) were not found in /usr/lib/cni or /opt/cni/bin; install them with 'apt-get install -y containernetworking-plugins' or run ./build.sh Prerequisites.");
    }

    public string PluginDirectory => pluginDirectory;

    /// <summary>ADD: creates the interface in the container's namespace and returns the plugin's result.</summary>
    public Task<JsonNode> AddAsync(string config, CniInvocation invocation, CancellationToken cancellationToken = default) =>
        InvokeAsync("ADD", config, invocation, cancellationToken);

    /// <summary>CHECK: the plugin verifies the interface matches the previous result (config must carry prevResult).</summary>
    public Task<JsonNode> CheckAsync(string config, CniInvocation invocation, CancellationToken cancellationToken = default) =>
        InvokeAsync("CHECK", config, invocation, cancellationToken);

    /// <summary>DEL: removes the interface and releases the IPAM lease.</summary>
    public Task<JsonNode> DeleteAsync(string config, CniInvocation invocation, CancellationToken cancellationToken = default) =>
        InvokeAsync("DEL", config, invocation, cancellationToken);

    /// <summary>The configuration with the ADD result as prevResult, as CHECK and DEL expect from spec 0.4.0 on.</summary>
    public static string WithPreviousResult(string config, JsonNode addResult)
    {
        var node = JsonNode.Parse(config)!.AsObject();
        node["prevResult"] = addResult.DeepClone();
        return node.ToJsonString();
    }

    private async Task<JsonNode> InvokeAsync(string command, string config, CniInvocation invocation, CancellationToken cancellationToken)
    {
        var type = JsonNode.Parse(config)?["type"]?.GetValue<string>()
            ?? throw new PipelineException("The CNI configuration has no \"type\"; it must name the plugin, such as \"macvlan\".");
        var plugin = Path.Combine(pluginDirectory, type);
        if (!File.Exists(plugin))
        {
            throw new PipelineException($"The CNI plugin '{type}' was not found in {pluginDirectory}; install containernetworking-plugins or run ./build.sh Prerequisites.");
        }
        var environment = new Dictionary<string, string?>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = invocation.ContainerId,
            ["CNI_NETNS"] = invocation.NetworkNamespacePath,
            ["CNI_IFNAME"] = invocation.InterfaceName,
            ["CNI_PATH"] = pluginDirectory,
        };
        foreach (var (name, value) in invocation.ExtraEnvironment) environment[name] = value;

        // A plugin finds its master link in the namespace it runs in: the node's, not necessarily ours.
        var (program, arguments) = invocation.HostNamespace is { } node
            ? ("ip", new[] { "netns", "exec", node, plugin })
            : (plugin, Array.Empty<string>());
        var result = await runner.RunAsync(program, arguments, new ProcessOptions
        {
            Environment = environment,
            StandardInput = config,
            Quiet = true,
            AllowFailure = true,
            Timeout = TimeSpan.FromSeconds(60),
        }, cancellationToken);
        var output = result.StandardOutput.Trim();
        if (result.ExitCode != 0)
        {
            // Plugins report errors as JSON {code, msg, details} on stdout.
            var error = output.Length > 0 && output.StartsWith('{') ? JsonNode.Parse(output) : null;
            var message = error?["msg"]?.GetValue<string>() ?? (output + " " + result.StandardError).Trim();
            var details = error?["details"]?.GetValue<string>();
            throw new PipelineException($"CNI {command} with the {type} plugin for {invocation.InterfaceName} failed: {message}{(details is null ? "" : " (" + details + ")")}.");
        }
        return output.Length == 0 ? new JsonObject() : JsonNode.Parse(output)!;
    }
}

/// <summary>Which container and interface a CNI call is for.</summary>
public sealed record CniInvocation(string ContainerId, string NetworkNamespacePath, string InterfaceName)
{
    /// <summary>The named network namespace the plugin runs in (the node's, holding the master link); null runs it in ours.</summary>
    public string? HostNamespace { get; init; }

    /// <summary>Extra variables, such as CNI_ARGS.</summary>
    public IReadOnlyDictionary<string, string> ExtraEnvironment { get; init; } = new Dictionary<string, string>();
}
