using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Tests.Manifests;

/// <summary>The repository's own mcastlab.json with command-line overrides, blind to MCASTLAB_* variables.</summary>
public static class ManifestTestParameters
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static BuildParameters Resolve(IReadOnlyDictionary<string, string>? commandLine = null) =>
        BuildParameters.Resolve(RepositoryRoot, commandLine ?? new Dictionary<string, string>(), _ => null, new SecretMasker());

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, ParametersFile.FileName))) return directory.FullName;
        }
        throw new InvalidOperationException($"No {ParametersFile.FileName} above {AppContext.BaseDirectory}.");
    }
}
