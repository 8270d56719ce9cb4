using System.Diagnostics;

namespace McastLab.McastTools.Tests;

/// <summary>
/// The NativeAOT mcast users run, published from this checkout once per test run with the same command as
/// `./build.sh McastTools` (linux-x64, Release), into its own artifacts path so that it never races another
/// publish of the project. A change that breaks the AOT binary (trimming, reflection, native calls) fails here.
/// </summary>
internal static class NativeMcast
{
    private static readonly Lazy<(string? Path, string? Problem)> Published = new(Publish);

    /// <summary>The binary, or the test stops: outside CI as a skip naming what is missing, under CI=true as a failure.</summary>
    public static string Require()
    {
        var (path, problem) = Published.Value;
        if (problem is not null)
        {
            if (IsCi)
            {
                Assert.Fail($"The NativeAOT mcast could not be published, and under CI=true the interop tests do not fall back to mcast.dll: {problem}");
            }

            Assert.Skip($"The interop tests run the NativeAOT mcast, which could not be published here (clang and zlib1g-dev are needed): {problem}");
        }

        return path!;
    }

    private static bool IsCi => Environment.GetEnvironmentVariable("CI") is { } ci && (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    private static (string?, string?) Publish()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "McastLab.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            return (null, "McastLab.sln not found above " + AppContext.BaseDirectory);
        }

        var artifacts = Path.Combine(AppContext.BaseDirectory, "native-mcast");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root.FullName };
        foreach (var arg in new[] { "publish", Path.Combine(root.FullName, "src", "McastTools", "McastTools.csproj"), "--runtime", "linux-x64", "--configuration", "Release", "--artifacts-path", artifacts, "--nologo" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var binary = Path.Combine(artifacts, "publish", "McastTools", "release_linux-x64", "mcast");
        if (process.ExitCode != 0 || !File.Exists(binary))
        {
            // The first error lines, shortened: MSBuild repeats the whole linker command in them.
            var lines = (output + error.Result).Split('\n').Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase))
                .Select(l => l.Trim()).Select(l => l.Length > 200 ? l[..200] + "…" : l).Distinct().Take(2);
            return (null, $"dotnet publish exited {process.ExitCode}: {string.Join(" | ", lines)}");
        }

        return (binary, null);
    }
}
