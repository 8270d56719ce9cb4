using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Boxes;

/// <summary>The repository the tests run in, its parameters, and a scratch repository copy for tests that write.</summary>
internal static class BoxTestContext
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static BuildParameters Parameters(params (string Name, string Value)[] commandLine) =>
        Parameters(RepositoryRoot, commandLine);

    /// <summary>
    /// Parameters as the pipeline resolves them. mcastlab.json pins no Rocky base box (none could be checked
    /// here), so Rocky cases get a stand-in pin unless they set one.
    /// </summary>
    public static BuildParameters Parameters(string root, params (string Name, string Value)[] commandLine)
    {
        var arguments = commandLine.ToDictionary(p => p.Name, p => p.Value);
        if (arguments.GetValueOrDefault("box-os") == "rocky9") arguments.TryAdd("rocky9-box-version", RockyStandInVersion);
        return BuildParameters.Resolve(root, arguments, _ => null, new SecretMasker());
    }

    public const string RockyStandInVersion = "9.9.0-test";

    public static ProcessRunner Runner(ProgramLocator? locator = null) => new(new ConsoleBuildLog(), new SecretMasker(), locator);

    public static bool Has(string program) => new ProgramLocator().Find(program) is not null;

    /// <summary>A temporary copy of packer/, Vagrant/ and mcastlab.json, removed by Dispose.</summary>
    public static ScratchRepository Scratch() => new();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, ParametersFile.FileName)) && Directory.Exists(Path.Combine(directory.FullName, "packer")))
                return directory.FullName;
        }
        throw new InvalidOperationException("The repository root (with mcastlab.json and packer/) is not above the test binaries.");
    }
}

internal sealed class ScratchRepository : IDisposable
{
    public ScratchRepository()
    {
        Root = Directory.CreateTempSubdirectory("mcastlab-boxes-").FullName;
        Copy(Path.Combine(BoxTestContext.RepositoryRoot, "packer"), Path.Combine(Root, "packer"));
        Copy(Path.Combine(BoxTestContext.RepositoryRoot, "Vagrant"), Path.Combine(Root, "Vagrant"));
        File.Copy(Path.Combine(BoxTestContext.RepositoryRoot, ParametersFile.FileName), Path.Combine(Root, ParametersFile.FileName));
    }

    public string Root { get; }

    public BuildParameters Parameters(params (string Name, string Value)[] commandLine) => BoxTestContext.Parameters(Root, commandLine);

    public BoxLayout Layout(BuildParameters parameters) => new(Root, parameters.Boxes);

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private static void Copy(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.StartsWith(".vagrant", StringComparison.Ordinal)) continue;
            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
