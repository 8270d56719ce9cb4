using McastLab.McastTools.Send;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Parameters;

/// <summary>
/// How many datagrams a lab sender sends, from the rate (mcast's own grammar, <see cref="Rate"/>, linked from
/// src/McastTools/Send/Rate.cs) and the duration, so a receiver can be told how many to expect at least.
/// </summary>
public static class LabTraffic
{
    /// <summary>iperf 2's default UDP payload on IPv4, which both lab senders use.</summary>
    public const int PayloadBytes = 1470;

    /// <summary>Share of the nominal count a receiver must at least get: pacing start-up and timer slack cost a few datagrams.</summary>
    public const double MinimumShare = 0.9;

    /// <summary>0 (as fast as possible) gives 0: the lab cannot say how many to expect, and --rate refuses it.</summary>
    public static double DatagramsPerSecond(string rate)
    {
        var parsed = Rate.Parse(rate, message => new PipelineException($"The lab rate: {message}"));
        return parsed.Unlimited ? 0 : parsed.PacketsPerSecondFor(PayloadBytes);
    }

    /// <summary>Datagrams a sender sends in the duration at the rate (rounded down).</summary>
    public static long NominalDatagrams(string rate, int durationSeconds) =>
        (long)Math.Floor(DatagramsPerSecond(rate) * durationSeconds);

    /// <summary>The --expect-packets a receiver gets: a sender stopped early falls short of it.</summary>
    public static long MinimumDatagrams(string rate, int durationSeconds) =>
        Math.Max(1, (long)Math.Floor(NominalDatagrams(rate, durationSeconds) * MinimumShare));
}
