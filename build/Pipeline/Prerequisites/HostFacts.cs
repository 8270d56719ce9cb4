namespace McastLab.Pipeline.Prerequisites;

/// <summary>What decides whether missing programs can be installed here: root, and a Debian-like system with apt-get.</summary>
public sealed record HostFacts(bool IsRoot, bool IsDebianLike, bool HasSystemd)
{
    public static HostFacts Detect() => new(
        Environment.IsPrivilegedProcess,
        IsDebianFamily(File.Exists("/etc/os-release") ? File.ReadAllText("/etc/os-release") : ""),
        Directory.Exists("/run/systemd/system"));

    /// <summary>True for Debian, Ubuntu and their derivatives (ID or ID_LIKE names debian or ubuntu).</summary>
    public static bool IsDebianFamily(string osRelease) =>
        osRelease.Split('\n')
            .Where(line => line.StartsWith("ID=", StringComparison.Ordinal) || line.StartsWith("ID_LIKE=", StringComparison.Ordinal))
            .SelectMany(line => line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim('"', '\'', ' ').Split(' '))
            .Any(id => id is "debian" or "ubuntu");
}
