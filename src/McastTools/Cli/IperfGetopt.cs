
namespace McastLab.McastTools.Cli;

/// <summary>
/// Reads `mcast iperf` arguments as iperf 2.1.8's getopt_long does, so a pod spec written for iperf runs
/// unchanged: combined short flags (-su), attached values (-t5, -B224.0.67.67%eth1), a value in the next
/// argument even when it starts with '-', --name=value and --name value, unambiguous prefixes of long names
/// (--tim), and "--" ending the options. Where iperf only warns and goes on (an unknown option, a value
/// missing, a stray argument), mcast stops with one sentence: a flag it silently ignored would change the test.
/// </summary>
internal static class IperfGetopt
{
    /// <summary>iperf 2.1.8's short options (its getopt string); a letter followed by ':' takes a value.</summary>
    public const string ShortOptions = "146b:c:def:hi:l:mn:o:p:rst:uvw:x:y:zAB:CDF:H:IL:M:NP:RS:T:UVWXZ:";

    /// <summary>iperf 2.1.8's long option names (iperf --help): a prefix must be unique among all of them.</summary>
    public static readonly string[] LongOptions =
    [
        "bandwidth", "bind", "bounceback", "bounceback-congest", "bounceback-hold", "bounceback-no-quickack",
        "bounceback-period", "client", "compatibility", "connect-only", "connect-retries", "daemon", "dualtest",
        "enhanced", "fileinput", "format", "fq-rate", "full-duplex", "help", "hide-ips", "histograms",
        "incr-dstip", "incr-dstport", "incr-srcip", "incr-srcport", "interval", "ipg", "ipv6_domain",
        "isochronous", "len", "listenport", "local-only", "mss", "near-congestion", "no-connect-sync",
        "no-udp-fin", "nodelay", "num", "output", "parallel", "peer-detect", "permit-key", "permit-key-timeout",
        "port", "print_mss", "realtime", "reportexclude", "reportstyle", "reverse", "server", "single_udp",
        "singleclient", "ssm-host", "stdin", "sum-dstip", "sum-only", "tap-dev", "tcp-congestion",
        "tcp-quickack", "tcp-rx-window-clamp", "tcp-write-prefetch", "tcp-write-times", "time", "tos",
        "tradeoff", "trip-times", "ttl", "txdelay-time", "txstart-time", "udp", "udp-histogram", "version",
        "window",
    ];

    public static ParsedOptions Parse(IReadOnlyList<OptionSpec> specs, IReadOnlyList<string> args)
    {
        var parsed = new ParsedOptions { HelpRequested = IsHelp(args) };
        if (parsed.HelpRequested)
        {
            return parsed;
        }

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                if (i + 1 < args.Count)
                {
                    throw new UsageException($"'{args[i + 1]}' after '--' is not an option; iperf ignores such arguments and mcast refuses them, so remove it.");
                }

                break;
            }

            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                i = Long(specs, args, i, parsed);
            }
            else if (arg.Length > 1 && arg[0] == '-')
            {
                i = Short(specs, args, i, parsed);
            }
            else
            {
                throw new UsageException($"'{arg}' is not an option; iperf ignores such arguments and mcast refuses them, so remove it or add the '-' it lacks.");
            }
        }

        return parsed;
    }

    /// <summary>-h, --help, or a cluster with h (-hs), as getopt would find it.</summary>
    private static bool IsHelp(IReadOnlyList<string> args)
    {
        foreach (var arg in args)
        {
            if (arg == "--")
            {
                return false;
            }

            var longName = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..].Split('=')[0] : null;
            if ((longName is { Length: > 0 } && "help".StartsWith(longName, StringComparison.Ordinal) && LongOptions.Count(o => o.StartsWith(longName, StringComparison.Ordinal)) == 1)
                || (arg.Length > 1 && arg[0] == '-' && arg[1] != '-' && HelpInCluster(arg)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HelpInCluster(string cluster)
    {
        for (var k = 1; k < cluster.Length; k++)
        {
            if (cluster[k] == 'h')
            {
                return true;
            }

            if (TakesValue(cluster[k]))
            {
                return false;
            }
        }

        return false;
    }

    private static int Short(IReadOnlyList<OptionSpec> specs, IReadOnlyList<string> args, int i, ParsedOptions parsed)
    {
        var cluster = args[i];
        for (var k = 1; k < cluster.Length; k++)
        {
            var letter = cluster[k];
            if (ShortOptions.IndexOf(letter, StringComparison.Ordinal) < 0 || letter == ':')
            {
                throw new UsageException($"'-{letter}' is not an iperf option; run 'mcast iperf --help' for the ones mcast takes.");
            }

            var spec = specs.FirstOrDefault(s => s.ShortName == letter.ToString())
                ?? throw new UsageException($"iperf's '-{letter}' is not supported by 'mcast iperf'; run 'mcast iperf --help' for the ones it takes.");
            if (!TakesValue(letter))
            {
                parsed.Set(spec.Name, null);
                continue;
            }

            // The rest of the cluster is the value (-t5).
            return Value(spec, $"-{letter}", k + 1 < cluster.Length ? cluster[(k + 1)..] : null, args, i, parsed);
        }

        return i;
    }

    private static int Long(IReadOnlyList<OptionSpec> specs, IReadOnlyList<string> args, int i, ParsedOptions parsed)
    {
        var text = args[i][2..];
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var written = equals < 0 ? text : text[..equals];
        var name = Resolve(written);
        var spec = specs.FirstOrDefault(s => s.Name == name)
            ?? throw new UsageException($"iperf's '--{name}' is not supported by 'mcast iperf'; run 'mcast iperf --help' for the options it takes.");
        if (spec.ValueName is null)
        {
            return equals < 0
                ? Flag(parsed, spec.Name, i)
                : throw new UsageException($"option '--{name}' takes no value; write it without '={text[(equals + 1)..]}'.");
        }

        return Value(spec, $"--{name}", equals < 0 ? null : text[(equals + 1)..], args, i, parsed);
    }

    /// <summary>
    /// getopt's rule for a value, short or long: the one written in the same argument (-t5, --time=5), else the
    /// next argument, whatever it looks like. Returns the index of the last argument used.
    /// </summary>
    private static int Value(OptionSpec spec, string written, string? attached, IReadOnlyList<string> args, int i, ParsedOptions parsed)
    {
        if (attached is null && i + 1 >= args.Count)
        {
            throw new UsageException($"option {written} needs a value ({spec.ValueName}); see 'mcast iperf --help'.");
        }

        parsed.Set(spec.Name, attached ?? args[i + 1]);
        return attached is null ? i + 1 : i;
    }

    private static int Flag(ParsedOptions parsed, string name, int i)
    {
        parsed.Set(name, null);
        return i;
    }

    /// <summary>The long option a name or prefix means: an exact name wins, else the only name it starts.</summary>
    private static string Resolve(string written)
    {
        if (LongOptions.Contains(written, StringComparer.Ordinal))
        {
            return written;
        }

        var matches = written.Length == 0 ? [] : LongOptions.Where(o => o.StartsWith(written, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new UsageException($"'--{written}' is not an iperf option; run 'mcast iperf --help' for the ones mcast takes."),
            _ => throw new UsageException($"'--{written}' is ambiguous (--{string.Join(", --", matches)}); write more of the name."),
        };
    }

    private static bool TakesValue(char letter)
    {
        var at = ShortOptions.IndexOf(letter, StringComparison.Ordinal);
        return at >= 0 && at + 1 < ShortOptions.Length && ShortOptions[at + 1] == ':';
    }
}
