using System.Globalization;
using System.Text.RegularExpressions;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab;

/// <summary>
/// How many datagrams a lab sender sends, from the rate in iperf's units (k/m/g ×1000, K/M/G ×1024 bit/s,
/// or N pps) and the duration, so a receiver can be told how many to expect at least.
/// </summary>
public static partial class LabTraffic
{
    /// <summary>iperf 2's default UDP payload on IPv4, which both lab senders use.</summary>
    public const int PayloadBytes = 1470;

    /// <summary>Share of the nominal count a receiver must at least get: pacing start-up and timer slack cost a few datagrams.</summary>
    public const double MinimumShare = 0.9;

    public static double DatagramsPerSecond(string rate)
    {
        var match = Rate().Match(rate);
        if (!match.Success)
        {
            throw new PipelineException($"The lab rate '{rate}' is not understood; use iperf units such as 1M, 500k or 200pps.");
        }
        var number = double.Parse(match.Groups["number"].Value, CultureInfo.InvariantCulture);
        var unit = match.Groups["unit"].Value;
        if (unit == "pps") return number;
        var factor = unit switch
        {
            "k" => 1e3, "m" => 1e6, "g" => 1e9,
            "K" => 1024.0, "M" => 1024.0 * 1024, "G" => 1024.0 * 1024 * 1024,
            _ => 1.0,
        };
        return number * factor / (PayloadBytes * 8);
    }

    /// <summary>Datagrams a sender sends in the duration at the rate (rounded down).</summary>
    public static long NominalDatagrams(string rate, int durationSeconds) =>
        (long)Math.Floor(DatagramsPerSecond(rate) * durationSeconds);

    /// <summary>The --expect-packets a receiver gets: a sender stopped early falls short of it.</summary>
    public static long MinimumDatagrams(string rate, int durationSeconds) =>
        Math.Max(1, (long)Math.Floor(NominalDatagrams(rate, durationSeconds) * MinimumShare));

    [GeneratedRegex("^(?<number>[0-9]+(\\.[0-9]+)?)(?<unit>[kmgKMG]|pps)?$")]
    private static partial Regex Rate();
}
