namespace McastLab.Pipeline.Parameters;

/// <summary>How the pipeline itself runs: configuration and targets to skip.</summary>
public sealed record BuildSettings(string Configuration, IReadOnlyList<string> Skip)
{
    public static IReadOnlyList<ParameterDefinition> Definitions { get; } =
    [
        new("configuration", "build", "Build configuration of the .NET projects (Release or Debug)."),
        new("skip", "build", "Comma-separated targets to skip, e.g. --skip=Images,Push; shown as skipped in the summary.") { CommandLineOnly = true },
    ];

    public static BuildSettings From(ResolvedParameters p)
    {
        var configuration = p.Text("configuration");
        if (configuration is not ("Release" or "Debug"))
        {
            throw p.Invalid("configuration", "Release or Debug");
        }
        return new BuildSettings(configuration, p.List("skip"));
    }

    public bool Skips(string target) => Skip.Contains(target, StringComparer.OrdinalIgnoreCase);
}
