using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Boxes;

/// <summary>
/// Stand-ins for packer and vagrant, which cannot boot a VM here: packer "builds" by writing package.box
/// where the pipeline told it to, and both record their arguments, so the tests check what the pipeline asks.
/// </summary>
internal sealed class FakeTools : IDisposable
{
    public FakeTools()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("mcastlab-fake-tools-").FullName;
        Write("packer", """
            #!/usr/bin/env bash
            set -euo pipefail
            printf '%s\n' "$*" >>"$(dirname "$0")/packer.calls"
            case $1 in
              version) echo "Packer v1.6.6" ;;
              build)
                for argument in "$@"; do
                  case $argument in output_directory=*) output=${argument#output_directory=} ;; esac
                done
                mkdir -p "$output"
                echo "a box built from: $*" >"$output/package.box"
                ;;
            esac
            """);
        Write("vagrant", """
            #!/usr/bin/env bash
            set -euo pipefail
            printf '%s\n' "$*" >>"$(dirname "$0")/vagrant.calls"
            if [[ $1 == --version ]]; then echo "Vagrant 2.3.4"; fi
            """);
    }

    public string Directory { get; }

    /// <summary>The fakes first, then the real PATH (for git).</summary>
    public ProgramLocator Locator => new(Directory + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"));

    public IReadOnlyList<string> Calls(string program)
    {
        var file = Path.Combine(Directory, program + ".calls");
        return File.Exists(file) ? File.ReadAllLines(file) : [];
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    /// <summary>Adds (or replaces) a fake program.</summary>
    public void Write(string name, string script)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, script.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
