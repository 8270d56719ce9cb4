using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// Follows a receiver pod's log (`mcast recv --format json`: "interval" and "summary" lines per stream, one
/// "end" line) until the end line, or until the caller gives up. It keeps the JSON lines; ReceiverReport
/// reads them, as it does for the local backend. Other lines (the join notice on stderr) are only logged.
/// </summary>
public sealed class ReceiverLog(IKubernetes client, Core.IBuildLog log)
{
    /// <summary>The JSON lines the receiver printed, and whether its "end" line was among them.</summary>
    public sealed record Outcome(string JsonLines, bool Ended);

    /// <summary>Opens the log stream; the returned task completes at the "end" line, the stream's end, or cancellation.</summary>
    public async Task<Task<Outcome>> FollowAsync(string pod, string ns, string? container, CancellationToken cancellationToken)
    {
        var response = await client.CoreV1.ReadNamespacedPodLogWithHttpMessagesAsync(pod, ns, container: container, follow: true, cancellationToken: cancellationToken);
        return ReadAsync(response, pod, cancellationToken);
    }

    private async Task<Outcome> ReadAsync(k8s.Autorest.HttpOperationResponse<Stream> response, string pod, CancellationToken cancellationToken)
    {
        var lines = new StringBuilder();
        using (response)
        using (var reader = new StreamReader(response.Body))
        {
            try
            {
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    log.Verbose($"{pod}: {line}");
                    if (!line.StartsWith('{')) continue;
                    lines.AppendLine(line);
                    if (IsEnd(line)) return new Outcome(lines.ToString(), Ended: true);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }
        return new Outcome(lines.ToString(), Ended: false);
    }

    private static bool IsEnd(string line)
    {
        try
        {
            return (string?)JsonNode.Parse(line)?["event"] == "end";
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
