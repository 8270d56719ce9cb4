namespace McastLab.Pipeline.Tests;

/// <summary>The checkout the tests run from (the folder that holds McastLab.sln).</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !System.IO.File.Exists(System.IO.Path.Combine(directory.FullName, "McastLab.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("McastLab.sln not found above " + AppContext.BaseDirectory);
    }
}
