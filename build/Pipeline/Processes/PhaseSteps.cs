using System.Text.RegularExpressions;

namespace McastLab.Pipeline.Processes;

/// <summary>
/// Steps of tools that work through phases, one line per package inside each (debootstrap, apt-get): a line
/// starts a step when its phase differs from the current one, so "Retrieving adduser … Retrieving zlib1g"
/// is one step. A phase is the line's leading verb, mapped through aliases (Validating belongs to Retrieving).
/// </summary>
public sealed partial class PhaseSteps(Regex phase, IReadOnlyDictionary<string, string>? aliases = null) : ToolSteps
{
    private string? current;

    /// <summary>debootstrap's "I: Retrieving …", "I: Validating …", "I: Unpacking …" lines.</summary>
    public static PhaseSteps Debootstrap() => new(DebootstrapPhase(), new Dictionary<string, string> { ["Validating"] = "Retrieving", ["Valid"] = "Checking" });

    /// <summary>apt-get's "Get:1 …", "Unpacking …", "Setting up …" lines; "Hit"/"Ign" belong to fetching too.</summary>
    public static PhaseSteps Apt() => new(AptPhase(), new Dictionary<string, string>
    {
        ["Hit"] = "Get", ["Ign"] = "Get", ["Fetched"] = "Get",
        ["Selecting previously unselected"] = "Unpacking", ["Preparing to unpack"] = "Unpacking",
    });

    public override string? Step(string line)
    {
        var match = phase.Match(line);
        if (!match.Success) return null;
        var name = match.Groups["phase"].Value;
        if (aliases is not null && aliases.TryGetValue(name, out var alias)) name = alias;
        if (name == current) return null;
        current = name;
        return Shorten(line.Trim());
    }

    [GeneratedRegex(@"^I: (?<phase>\w+)")]
    private static partial Regex DebootstrapPhase();

    [GeneratedRegex(@"^(?<phase>Get|Hit|Ign|Fetched|Reading package lists|Building dependency tree|Unpacking|Setting up|Processing triggers|Selecting previously unselected|Preparing to unpack)\b")]
    private static partial Regex AptPhase();
}
