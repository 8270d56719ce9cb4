namespace McastLab.McastTools.Cli;

/// <summary>
/// The options of the commands that join a group and listen (recv, pong): where to join, which source to accept
/// and when to stop. Defined and read here once, so both commands mean the same by them.
/// </summary>
internal static class JoinOptions
{
    public static readonly OptionSpec Interface = new("interface", "IF", "interface to join on (default: the kernel's choice by route)");

    public static readonly OptionSpec Source = new("source", "S", "join source-specific (IGMPv3/MLDv2 (S,G)): only datagrams from S are taken (default: any source)");

    public static readonly OptionSpec Duration = new("duration", "SECONDS", "stop after SECONDS (default: no limit)");

    public static readonly OptionSpec IdleTimeout = new("idle-timeout", "SECONDS", "stop after SECONDS without any datagram (default: no limit)");

    /// <summary>The group (or range) to join, on --interface, from --source, at --port.</summary>
    public static Sockets.ReceiveEndpoint ReadEndpoint(ParsedOptions options, string command, long? groupCount = null) =>
        EndpointResolver.Receive(options.Required("group", command), options.Value(Interface.Name), options.Value(Source.Name), EndpointOptions.ReadPort(options), groupCount);

    /// <summary>--duration and --idle-timeout in seconds; null: no limit.</summary>
    public static (double? Duration, double? Idle) ReadStop(ParsedOptions options) =>
        (options.Number(Duration.Name, 0.001, 1e9), options.Number(IdleTimeout.Name, 0.001, 1e9));
}
