using System.Globalization;

namespace McastLab.McastTools.Send;

/// <summary>
/// An offered rate as iperf 2 writes it, the one grammar of mcast's --rate and the pipeline's --rate: a decimal
/// number (exponents allowed, 1e3) of bits/s with an optional k/m/g (×1000) or K/M/G (×1024) suffix, or of
/// packets per second with `pps`. Zero means as fast as the machine allows. This file is linked into
/// build/Pipeline (Pipeline.csproj) so the lab expects exactly what mcast sends; keep it free of mcast's types.
/// </summary>
internal readonly record struct Rate(double BitsPerSecond, double PacketsPerSecond)
{
    /// <summary>Far beyond any NIC; a larger value is a typo, and pacing arithmetic stays finite below it.</summary>
    public const double MaximumBitsPerSecond = 1e12;

    public const double MaximumPacketsPerSecond = 1e9;

    public bool Unlimited => BitsPerSecond == 0 && PacketsPerSecond == 0;

    /// <param name="error">Makes the caller's exception from one sentence (mcast: a usage error; the pipeline: a parameter error).</param>
    public static Rate Parse(string text, Func<string, Exception> error)
    {
        var value = text.Trim();
        if (value.EndsWith("pps", StringComparison.Ordinal))
        {
            return new Rate(0, Number(value[..^3], 1, text, MaximumPacketsPerSecond, error));
        }

        double multiplier = 1;
        if (value.Length > 0)
        {
            multiplier = value[^1] switch
            {
                'k' => 1e3,
                'm' => 1e6,
                'g' => 1e9,
                'K' => 1024,
                'M' => 1024 * 1024,
                'G' => 1024 * 1024 * 1024,
                _ => 1,
            };
        }

        var digits = multiplier == 1 ? value : value[..^1];
        return new Rate(Number(digits, multiplier, text, MaximumBitsPerSecond, error), 0);
    }

    /// <summary>Datagrams per second for datagrams of <paramref name="length"/> bytes (iperf counts UDP payload bits).</summary>
    public double PacketsPerSecondFor(int length) => PacketsPerSecond > 0 ? PacketsPerSecond : BitsPerSecond / (length * 8.0);

    private static double Number(string digits, double multiplier, string original, double maximum, Func<string, Exception> error)
    {
        // NaN would pace nothing (one datagram, then a spinning core); infinity and overflow never finish.
        if (!double.TryParse(digits, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var number)
            || !double.IsFinite(number))
        {
            throw error($"'{original}' is not a rate in iperf units; write bits/s with an optional k/m/g (x1000) or K/M/G (x1024) suffix, e.g. 1M, or packets/s, e.g. 5000pps.");
        }

        var rate = number * multiplier;
        return rate <= maximum
            ? rate
            : throw error(string.Create(CultureInfo.InvariantCulture, $"rate '{original}' is out of range; give at most {maximum:0e0} {(maximum == MaximumPacketsPerSecond ? "pps" : "bit/s")} (0 sends as fast as possible)."));
    }
}
