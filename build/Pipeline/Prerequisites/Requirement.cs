namespace McastLab.Pipeline.Prerequisites;

/// <summary>
/// A program some target needs, how to ask its version, and the Debian package that brings it.
/// Programs outside PATH (the CNI plugins, sshd) name the directories they live in. Which target needs it is
/// declared with the target itself in build/build.cake (TargetInfo.Needs), never here.
/// </summary>
public sealed record Requirement(string Program, string AptPackage, IReadOnlyList<string> VersionArguments)
{
    public IReadOnlyList<string> Directories { get; init; } = [];

    /// <summary>
    /// For a program pinned by a committed npm lock: its npm project folder, relative to the repository. It is
    /// installed there by `npm ci` of that lock (not by apt; <see cref="AptPackage"/> is then the package that
    /// brings npm, installed first only when no npm is present) and found in the project's node_modules/.bin.
    /// </summary>
    public string? NpmProject { get; init; }
}
