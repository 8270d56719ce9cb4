namespace McastLab.Pipeline.Prerequisites;

/// <summary>
/// A program some targets need, how to ask its version, and the Debian package that brings it.
/// Programs outside PATH (the CNI plugins) name the directories they live in.
/// </summary>
public sealed record Requirement(string Program, string AptPackage, IReadOnlyList<string> VersionArguments, IReadOnlyList<string> NeededBy)
{
    public IReadOnlyList<string> Directories { get; init; } = [];

    public bool IsNeededBy(IEnumerable<string> targets) => targets.Any(t => NeededBy.Contains(t, StringComparer.OrdinalIgnoreCase));
}
