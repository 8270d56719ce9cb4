namespace McastLab.Pipeline.Tests;

/// <summary>A private directory removed at the end of the test.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mcastlab-test-" + Guid.NewGuid().ToString("N")[..12]);

    public string File(string name, string content)
    {
        var file = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        System.IO.File.WriteAllText(file, content);
        return file;
    }

    /// <summary>A fake program: an executable shell script.</summary>
    public string Program(string name, string script)
    {
        var file = File(name, "#!/bin/sh\n" + script + "\n");
        if (!OperatingSystem.IsWindows()) System.IO.File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return file;
    }

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
