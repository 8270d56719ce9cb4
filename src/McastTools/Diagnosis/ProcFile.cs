using System.Globalization;

namespace McastLab.McastTools.Diagnosis;

/// <summary>Reads the kernel's /proc files of the current network namespace; a file that cannot be read is empty, not an error (the probe only reports).</summary>
internal static class ProcFile
{
    public static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>A sysctl's number (/proc/sys/...), or null when it does not exist here.</summary>
    public static long? Number(string path) =>
        long.TryParse(Read(path).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>The whitespace-separated fields of each line of a /proc table that has at least <paramref name="fields"/> of them.</summary>
    public static IEnumerable<string[]> Rows(string table, int fields) => table.Split('\n')
        .Select(line => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        .Where(row => row.Length >= fields);
}
