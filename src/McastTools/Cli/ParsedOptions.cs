using System.Globalization;
using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Cli;

/// <summary>A small, AOT-safe parser: `--name value`, `--name=value`, `-x value`, flags; typed, range-checked reads.</summary>
internal sealed class ParsedOptions
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public bool HelpRequested { get; private init; }

    public static ParsedOptions Parse(string command, IReadOnlyList<OptionSpec> specs, IReadOnlyList<string> args)
    {
        var parsed = new ParsedOptions { HelpRequested = args.Any(a => a is "--help" or "-h") };
        if (parsed.HelpRequested)
        {
            return parsed;
        }

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inline = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                inline = arg[(equals + 1)..];
                arg = arg[..equals];
            }

            var spec = specs.FirstOrDefault(s => arg == "--" + s.Name || (s.ShortName is not null && arg == "-" + s.ShortName))
                ?? throw new UsageException($"'{arg}' is not an option of 'mcast {command}'; run 'mcast {command} --help' for the list.");
            if (spec.ValueName is null)
            {
                parsed._flags.Add(spec.Name);
                continue;
            }

            var value = inline ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"option {arg} needs a value ({spec.ValueName}); see 'mcast {command} --help'."));
            parsed._values[spec.Name] = value;
        }

        return parsed;
    }

    public bool Has(string name) => _flags.Contains(name) || _values.ContainsKey(name);

    public string? Value(string name) => _values.GetValueOrDefault(name);

    public long Integer(string name, long fallback, long min, long max)
    {
        if (Value(name) is not { } text)
        {
            return fallback;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            throw new UsageException($"--{name} '{text}' is not a whole number; give one in {min}-{max}.");
        }

        return value < min || value > max
            ? throw new UsageException($"--{name} {value} is out of range; give one in {min}-{max}.")
            : value;
    }

    public double? Number(string name, double min, double max)
    {
        if (Value(name) is not { } text)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value))
        {
            throw new UsageException($"--{name} '{text}' is not a number; give one in {min}-{max}.");
        }

        return value < min || value > max
            ? throw new UsageException($"--{name} {value} is out of range; give one in {min}-{max}.")
            : value;
    }

    public string Required(string name, string command) =>
        Value(name) ?? throw new UsageException($"'mcast {command}' needs --{name}; run 'mcast {command} --help'.");
}
