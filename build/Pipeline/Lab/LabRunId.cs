using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace McastLab.Pipeline.Lab;

/// <summary>
/// The identity of one lab run, on every backend: "mcl" and six hex digits, such as mcl3f9a2c. The local
/// backend's namespaces, containers, bridge ports and state directory start with it, the cluster backend's
/// namespace and labels carry it, so that two runs never clash and a later run can recognise (and remove)
/// what a dead run left behind.
/// </summary>
public sealed partial record LabRunId
{
    private LabRunId(string value) => Value = value;

    public string Value { get; }

    public static LabRunId New() => new("mcl" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)));

    /// <summary>The run id a namespace or container name starts with, if it follows the scheme.</summary>
    public static LabRunId? FromName(string name)
    {
        var match = Scheme().Match(name);
        return match.Success ? new LabRunId(match.Groups[1].Value) : null;
    }

    /// <summary>Name of a namespace, container or link of this run: the prefix, a dash, the part.</summary>
    public string Name(string part) => $"{Value}-{part}";

    public override string ToString() => Value;

    [GeneratedRegex("^(mcl[0-9a-f]{6})(-|$)")]
    private static partial Regex Scheme();
}
