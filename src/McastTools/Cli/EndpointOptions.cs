namespace McastLab.McastTools.Cli;

/// <summary>
/// The endpoint options more than one command takes, with iperf 2's defaults: each is defined and read here
/// once, so the default a command's help names is the one it uses.
/// </summary>
internal static class EndpointOptions
{
    private const int DefaultPort = 5001;
    private const int DefaultTtl = 1;

    public static readonly OptionSpec Port = new("port", "PORT", $"UDP port (default {DefaultPort})");

    public static readonly OptionSpec Ttl = new("ttl", "N", $"multicast TTL / hop limit, 0-255 (default {DefaultTtl})");

    public static readonly OptionSpec Groups = new("groups", "N", $"N consecutive groups from --group (the count form of G1-G2), up to {Sockets.GroupAddress.MaximumCount}");

    /// <summary>--groups N, or null when the group (or range) is taken as written.</summary>
    public static long? ReadGroupCount(ParsedOptions options) =>
        options.Has(Groups.Name) ? options.Integer(Groups.Name, 1, 1, Sockets.GroupAddress.MaximumCount) : null;

    public static int ReadPort(ParsedOptions options) => (int)options.Integer(Port.Name, DefaultPort, 1, 65535);

    public static int ReadTtl(ParsedOptions options) => (int)options.Integer(Ttl.Name, DefaultTtl, 0, 255);
}
