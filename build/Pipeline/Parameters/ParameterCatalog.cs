namespace McastLab.Pipeline.Parameters;

/// <summary>Every parameter of the pipeline; each settings class declares its own.</summary>
public static class ParameterCatalog
{
    public static IReadOnlyList<ParameterDefinition> All { get; } = For(BoxOs.All);

    /// <summary>Every parameter, with the pins of these box OSes.</summary>
    public static IReadOnlyList<ParameterDefinition> For(IReadOnlyList<BoxOs> oses) =>
    [
        .. BuildSettings.Definitions,
        .. LabSettings.Definitions,
        .. ImageSettings.Definitions,
        .. VersionPins.Definitions,
        .. ClusterAddonPins.Definitions,
        .. ReleaseSettings.Definitions,
        .. BoxSettings.DefinitionsFor(oses),
        .. ClusterSettings.Definitions,
    ];

    /// <summary>Options that Cake itself reads; they pass through untouched.</summary>
    public static ISet<string> RunnerOptions { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "target", "t", "verbosity", "v", "dryrun", "noop", "whatif", "tree", "description", "showdescription",
        "exclusive", "e", "debug", "d", "bootstrap", "skip-bootstrap", "info", "version", "help", "h", "settings_skipverification",
    };
}
