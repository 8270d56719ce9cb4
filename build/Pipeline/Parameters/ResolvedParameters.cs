using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace McastLab.Pipeline.Parameters;

/// <summary>The resolved text of every parameter with its source, and typed readers that explain bad values.</summary>
public sealed class ResolvedParameters(IReadOnlyCollection<ParameterDefinition> definitions, IReadOnlyDictionary<string, ResolvedValue> values)
{
    public IReadOnlyCollection<ParameterDefinition> Definitions { get; } = definitions;

    public ResolvedValue this[string name] =>
        values.TryGetValue(name, out var value)
            ? value
            : throw new InvalidOperationException($"Parameter '{name}' is not defined in ParameterCatalog.");

    public string? Optional(string name) => this[name].Value is { Length: > 0 } text ? text : null;

    public string Text(string name) =>
        Optional(name) ?? throw new ParameterException($"Parameter --{name} has no value; set it in {ParametersFile.FileName}, as {Definition(name).EnvironmentVariable}, or as --{name}=VALUE.");

    public int Number(string name, int minimum, int maximum)
    {
        var text = Text(name);
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || number < minimum || number > maximum)
        {
            throw Invalid(name, $"a whole number from {minimum} to {maximum}");
        }
        return number;
    }

    public bool Boolean(string name)
    {
        var text = Text(name);
        return text.ToLowerInvariant() switch
        {
            "true" or "yes" or "1" => true,
            "false" or "no" or "0" => false,
            _ => throw Invalid(name, "true or false"),
        };
    }

    public IPAddress Address(string name, AddressFamily? family = null)
    {
        if (!IPAddress.TryParse(Text(name), out var address) || (family is { } f && address.AddressFamily != f))
        {
            throw Invalid(name, family == AddressFamily.InterNetworkV6 ? "an IPv6 address" : family == AddressFamily.InterNetwork ? "an IPv4 address such as 10.0.0.11" : "an IP address");
        }
        return address;
    }

    public IPNetwork Network(string name)
    {
        if (!IPNetwork.TryParse(Text(name), out var network))
        {
            throw Invalid(name, "a network in CIDR form such as 10.0.0.0/24");
        }
        return network;
    }

    public TEnum Choice<TEnum>(string name) where TEnum : struct, Enum
    {
        var text = Text(name);
        foreach (var value in Enum.GetValues<TEnum>())
        {
            if (string.Equals(value.ToString(), text, StringComparison.OrdinalIgnoreCase)) return value;
        }
        throw Invalid(name, "one of " + string.Join(", ", Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant())));
    }

    public IReadOnlyList<string> List(string name) =>
        (Optional(name) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Every set value against its definition's form, before any settings class reads it.</summary>
    public void CheckForms()
    {
        foreach (var definition in Definitions)
        {
            if (definition.Form is { } form && Optional(definition.Name) is { } value && !form.Accepts(value))
            {
                throw Invalid(definition.Name, form.Expected);
            }
        }
    }

    /// <summary>The error for a value of the wrong form, naming where the value came from.</summary>
    public ParameterException Invalid(string name, string expected)
    {
        var value = this[name];
        var shown = Definition(name).IsSecret ? "***" : value.Value;
        return new ParameterException($"Parameter --{name} must be {expected} (got '{shown}' from {Describe(value.Source, name)}).");
    }

    private string Describe(ParameterSource source, string name) => source switch
    {
        ParameterSource.CommandLine => "the command line",
        ParameterSource.Environment => Definition(name).EnvironmentVariable,
        ParameterSource.File => ParametersFile.FileName,
        _ => "nowhere",
    };

    private ParameterDefinition Definition(string name) => Definitions.First(d => d.Name == name);
}
