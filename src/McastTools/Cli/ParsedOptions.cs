using System.Globalization;

namespace McastLab.McastTools.Cli;

/// <summary>A small, AOT-safe parser: `--name value`, `--name=value`, `-x value`, flags; typed, range-checked reads.</summary>
internal sealed class ParsedOptions
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public bool HelpRequested { get; init; }

    /// <summary>Records an option another parser (iperf's getopt rules) found; a null value is a flag.</summary>
    public void Set(string name, string? value)
    {
        if (value is null)
        {
            _flags.Add(name);
        }
        else
        {
            _values[name] = value;
        }
    }

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

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            // Digits that overflow a long are a value out of range, not a different kind of error.
            return text.TrimStart('-', '+').All(char.IsAsciiDigit) && text.TrimStart('-', '+').Length > 0
                ? throw OutOfRange(name, text, Range(min, max))
                : throw new UsageException($"--{name} '{text}' is not a whole number; give one in {Range(min, max)}.");
        }

        return value < min || value > max ? throw OutOfRange(name, text, Range(min, max)) : value;
    }

    /// <summary>A finite decimal in [min, max]: NaN, infinities, overflow ("1e999") and out-of-range values are refused.</summary>
    public double? Number(string name, double min, double max)
    {
        if (Value(name) is not { } text)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value)
            || double.IsNaN(value))
        {
            throw new UsageException($"--{name} '{text}' is not a number; give one in {Range(min, max)}.");
        }

        // Infinity and overflow ("1e999" parses as infinity) fall outside every range.
        return value < min || value > max || !double.IsFinite(value) ? throw OutOfRange(name, text, Range(min, max)) : value;
    }

    /// <summary>A report interval: 0 (off) or at least a millisecond, so reporting cannot starve receiving.</summary>
    public double? Interval(string name)
    {
        var value = Number(name, 0, 86_400);
        return value is > 0 and < MinimumInterval
            ? throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--{name} {Value(name)} is out of range; give 0 (summary only) or {MinimumInterval}-86400."))
            : value;
    }

    public const double MinimumInterval = 0.001;

    private static string Range(double min, double max) => string.Create(CultureInfo.InvariantCulture, $"{min}-{max}");

    private static string Range(long min, long max) => string.Create(CultureInfo.InvariantCulture, $"{min}-{max}");

    private static UsageException OutOfRange(string name, string text, string range) =>
        new($"--{name} {text} is out of range; give one in {range}.");

    public string Required(string name, string command) =>
        Value(name) ?? throw new UsageException($"'mcast {command}' needs --{name}; run 'mcast {command} --help'.");
}
