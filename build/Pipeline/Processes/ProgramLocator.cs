namespace McastLab.Pipeline.Processes;

/// <summary>Finds programs on a PATH (the process's, or a given one for tests).</summary>
public sealed class ProgramLocator(string? path = null)
{
    public string SearchPath { get; } = path ?? Environment.GetEnvironmentVariable("PATH") ?? "";

    public string? Find(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(program) ? Path.GetFullPath(program) : null;
        }
        foreach (var directory in SearchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate) && IsExecutable(candidate)) return candidate;
        }
        return null;
    }

    private static bool IsExecutable(string file) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(file) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
