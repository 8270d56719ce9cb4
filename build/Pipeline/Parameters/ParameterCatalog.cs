namespace McastLab.Pipeline.Parameters;

/// <summary>Every parameter of the pipeline; each settings class declares its own.</summary>
public static class ParameterCatalog
{
    public static IReadOnlyList<ParameterDefinition> All { get; } =
    [
        .. BuildSettings.Definitions,
        .. LabSettings.Definitions,
        .. ImageSettings.Definitions,
        .. VersionPins.Definitions,
        .. ClusterAddonPins.Definitions,
        .. ReleaseSettings.Definitions,
        .. BoxSettings.Definitions,
        .. ClusterSettings.Definitions,
    ];

    /// <summary>Options that Cake itself reads; they pass through untouched.</summary>
    public static ISet<string> RunnerOptions { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "target", "t", "verbosity", "v", "dryrun", "noop", "whatif", "tree", "description", "showdescription",
        "exclusive", "e", "debug", "d", "bootstrap", "skip-bootstrap", "info", "version", "help", "h", "settings_skipverification",
    };
}
