using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Parameters;

/// <summary>
/// All parameters, resolved and checked once at start-up: command line &gt; environment &gt; mcastlab.json.
/// A bad value stops the build before any target runs.
/// </summary>
public sealed class BuildParameters
{
    private BuildParameters(string repositoryRoot, ResolvedParameters resolved, IReadOnlyList<BoxOs> oses)
    {
        RepositoryRoot = repositoryRoot;
        Layout = new ArtifactsLayout(repositoryRoot);
        Resolved = resolved;
        Build = BuildSettings.From(resolved);
        Lab = LabSettings.From(resolved);
        Images = ImageSettings.From(resolved);
        Versions = VersionPins.From(resolved);
        ClusterAddons = ClusterAddonPins.From(resolved);
        Releases = ReleaseSettings.From(resolved);
        Boxes = BoxSettings.From(resolved, Lab, oses);
        Cluster = ClusterSettings.From(resolved);
    }

    public string RepositoryRoot { get; }
    public ResolvedParameters Resolved { get; }
    public BuildSettings Build { get; }
    public LabSettings Lab { get; }
    public ImageSettings Images { get; }
    public VersionPins Versions { get; }
    public ClusterAddonPins ClusterAddons { get; }
    public ReleaseSettings Releases { get; }
    public BoxSettings Boxes { get; }
    public ClusterSettings Cluster { get; }

    /// <summary>Where the outputs go (artifacts/ and its folders).</summary>
    public ArtifactsLayout Layout { get; }

    public string Artifacts => Layout.Directory;

    public static BuildParameters Resolve(
        string repositoryRoot,
        IReadOnlyDictionary<string, string> commandLine,
        Func<string, string?> environment,
        SecretMasker masker) => Resolve(repositoryRoot, commandLine, environment, masker, BoxOs.All);

    /// <summary>As <see cref="Resolve(string, IReadOnlyDictionary{string, string}, Func{string, string?}, SecretMasker)"/>, with these box OSes to choose from.</summary>
    public static BuildParameters Resolve(
        string repositoryRoot,
        IReadOnlyDictionary<string, string> commandLine,
        Func<string, string?> environment,
        SecretMasker masker,
        IReadOnlyList<BoxOs> oses)
    {
        var definitions = ParameterCatalog.For(oses);
        var file = ParametersFile.Load(Path.Combine(repositoryRoot, ParametersFile.FileName), definitions);
        var resolved = ParameterResolver.Resolve(definitions, file, commandLine, environment, ParameterCatalog.RunnerOptions);
        resolved.CheckForms();
        foreach (var secret in definitions.Where(d => d.IsSecret))
        {
            masker.AddCredential(secret.UserParameter is { } user ? resolved[user].Value : null, resolved[secret.Name].Value);
        }
        return new BuildParameters(repositoryRoot, resolved, oses);
    }

    /// <summary>One line per parameter for the Default target: name, value (secrets masked), source, description.</summary>
    public IEnumerable<(string Name, string Value, string Source, string Description)> Describe() =>
        Resolved.Definitions.Select(d =>
        {
            var value = Resolved[d.Name];
            var shown = value.Value is null ? "" : d.IsSecret ? SecretMasker.Placeholder : value.Value;
            var source = value.Source switch
            {
                ParameterSource.CommandLine => "command line",
                ParameterSource.Environment => d.EnvironmentVariable,
                ParameterSource.File => ParametersFile.FileName,
                _ => d.IsSecret ? "set " + d.EnvironmentVariable : "",
            };
            return (d.Name, shown, source, d.Description);
        });
}
