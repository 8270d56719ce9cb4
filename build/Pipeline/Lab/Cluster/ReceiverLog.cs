using System.Text.Json;
using k8s;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// Follows a receiver pod's log (`mcast recv --format json`: "interval" and "summary" lines per stream, one
/// "end" line) until the end line, or until the caller gives up; lines that are not JSON (the join notice
/// on stderr) are logged and skipped.
/// </summary>
public sealed class ReceiverLog(IKubernetes client, Core.IBuildLog log)
{
    public sealed record Summary(string? Source, long Received, long Lost, long? OutOfOrder, long? Duplicates, double? JitterMs, int? Ttl);

    public sealed record Outcome(IReadOnlyList<Summary> Summaries, bool? Ok, string? Reason)
    {
        public bool Ended => Ok is not null;
    }

    /// <summary>Opens the log stream; the returned task completes at the "end" line, the stream's end, or cancellation.</summary>
    public async Task<Task<Outcome>> FollowAsync(string pod, string ns, string? container, CancellationToken cancellationToken)
    {
        var response = await client.CoreV1.ReadNamespacedPodLogWithHttpMessagesAsync(pod, ns, container: container, follow: true, cancellationToken: cancellationToken);
        return ReadAsync(response, pod, cancellationToken);
    }

    private async Task<Outcome> ReadAsync(k8s.Autorest.HttpOperationResponse<Stream> response, string pod, CancellationToken cancellationToken)
    {
        var summaries = new List<Summary>();
        using (response)
        using (var reader = new StreamReader(response.Body))
        {
            try
            {
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    log.Verbose($"{pod}: {line}");
                    if (Parse(line) is not { } document) continue;
                    using (document)
                    {
                        var root = document.RootElement;
                        switch (Text(root, "event"))
                        {
                            case "summary":
                                summaries.Add(new Summary(Text(root, "source"), Number(root, "received") ?? 0, Number(root, "lost") ?? 0,
                                    Number(root, "outOfOrder"), Number(root, "duplicates"), Real(root, "jitterMs"), (int?)Number(root, "ttl")));
                                break;
                            case "end":
                                return new Outcome(summaries, root.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True, Text(root, "reason"));
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }
        return new Outcome(summaries, null, null);
    }

    private static JsonDocument? Parse(string line)
    {
        if (!line.StartsWith('{')) return null;
        try
        {
            return JsonDocument.Parse(line);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? (long)Math.Round(v.GetDouble()) : null;

    private static double? Real(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
