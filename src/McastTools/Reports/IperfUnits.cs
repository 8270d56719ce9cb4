using System.Globalization;

namespace McastLab.McastTools.Reports;

/// <summary>iperf 2's adaptive units: bytes in powers of 1024, bits/s in powers of 1000, 3-4 significant digits.</summary>
internal static class IperfUnits
{
    private static readonly string[] ByteUnits = ["Bytes", "KBytes", "MBytes", "GBytes"];
    private static readonly string[] BitRateUnits = ["bits/sec", "Kbits/sec", "Mbits/sec", "Gbits/sec"];

    /// <summary>Bytes in iperf's units; <paramref name="width"/> right-aligns the number as iperf's %4.xf does.</summary>
    public static string Bytes(double bytes, int width = 0) => Scaled(bytes, 1024, ByteUnits, width);

    public static string BitsPerSecond(double bits, int width = 0) => Scaled(bits, 1000, BitRateUnits, width);

    /// <summary>Divides by <paramref name="step"/> until the value is below it or the units run out.</summary>
    private static string Scaled(double value, double step, string[] units, int width)
    {
        var unit = 0;
        while (value >= step && unit < units.Length - 1)
        {
            value /= step;
            unit++;
        }

        return $"{Number(value).PadLeft(width)} {units[unit]}";
    }

    private static string Number(double value) => value switch
    {
        < 9.995 => value.ToString("0.00", CultureInfo.InvariantCulture),
        < 99.95 => value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.ToString("0", CultureInfo.InvariantCulture),
    };
}
