namespace McastLab.McastTools.Send;

/// <summary>
/// Schedules datagrams on an absolute timeline (packet n is due at n/pps seconds), so sleeping late
/// never lowers the average rate: whatever is overdue goes out in the next batch.
/// </summary>
internal sealed class Pacer(double packetsPerSecond)
{
    public bool Unlimited => packetsPerSecond <= 0 || double.IsInfinity(packetsPerSecond);

    /// <summary>How many datagrams should have been sent <paramref name="elapsedSeconds"/> after the start (the first at 0).</summary>
    public long DueBy(double elapsedSeconds) => Unlimited ? long.MaxValue : (long)Math.Floor(elapsedSeconds * packetsPerSecond) + 1;

    /// <summary>When datagram number <paramref name="sent"/> (0-based) is due, in seconds after the start.</summary>
    public double DueAt(long sent) => Unlimited ? 0 : sent / packetsPerSecond;
}
