using System.Globalization;
using McastLab.McastTools.Accounting;

namespace McastLab.McastTools.Receive;

/// <summary>Checks --expect-packets and --max-loss against the final counters.</summary>
internal static class Verdict
{
    /// <returns>Null when the run passes, otherwise why it failed.</returns>
    public static string? Failure(IReadOnlyList<(StreamKey Key, StreamSnapshot Counters)> streams, long? expectPackets, double? maxLossPercent)
    {
        var received = streams.Sum(s => s.Counters.Received);
        if ((expectPackets.HasValue || maxLossPercent.HasValue) && received == 0)
        {
            return "no datagrams were received";
        }

        if (expectPackets is { } expected && received < expected)
        {
            return string.Create(CultureInfo.InvariantCulture, $"expected at least {expected} datagrams, received {received}");
        }

        if (maxLossPercent is { } maxLoss)
        {
            foreach (var (key, counters) in streams)
            {
                if (counters.Received > 0 && counters.LossPercent > maxLoss)
                {
                    return string.Create(CultureInfo.InvariantCulture, $"stream {key} lost {counters.LossPercent:0.###}% ({counters.Lost} datagrams), more than the allowed {maxLoss}%");
                }
            }
        }

        return null;
    }
}
