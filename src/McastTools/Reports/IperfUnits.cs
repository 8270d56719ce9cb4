using System.Globalization;

namespace McastLab.McastTools.Reports;

/// <summary>iperf 2's adaptive units: bytes in powers of 1024, bits/s in powers of 1000, 3-4 significant digits.</summary>
internal static class IperfUnits
{
    /// <summary>Bytes in iperf's units; <paramref name="width"/> right-aligns the number as iperf's %4.xf does.</summary>
    public static string Bytes(double bytes, int width = 0)
    {
        string[] units = ["Bytes", "KBytes", "MBytes", "GBytes"];
        var unit = 0;
        while (bytes >= 1024 && unit < units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }

        return $"{Number(bytes).PadLeft(width)} {units[unit]}";
    }

    public static string BitsPerSecond(double bits, int width = 0)
    {
        string[] units = ["bits/sec", "Kbits/sec", "Mbits/sec", "Gbits/sec"];
        var unit = 0;
        while (bits >= 1000 && unit < units.Length - 1)
        {
            bits /= 1000;
            unit++;
        }

        return $"{Number(bits).PadLeft(width)} {units[unit]}";
    }

    private static string Number(double value) => value switch
    {
        < 9.995 => value.ToString("0.00", CultureInfo.InvariantCulture),
        < 99.95 => value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.ToString("0", CultureInfo.InvariantCulture),
    };
}
