namespace McastLab.Pipeline.Prerequisites;

/// <summary>
/// A program some target needs, how to ask its version, and the Debian package that brings it.
/// Programs outside PATH (the CNI plugins) name the directories they live in. Which target needs it is
/// declared with the target itself in build/build.cake (TargetInfo.Needs), never here.
/// </summary>
public sealed record Requirement(string Program, string AptPackage, IReadOnlyList<string> VersionArguments)
{
    public IReadOnlyList<string> Directories { get; init; } = [];
}
