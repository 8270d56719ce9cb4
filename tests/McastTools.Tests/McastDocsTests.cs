using System.Diagnostics;
using System.Text.RegularExpressions;

namespace McastLab.McastTools.Tests;

/// <summary>
/// docs/mcast.md and `mcast --help` agree: every command `mcast --help` lists has a section
/// "## `mcast COMMAND`" whose option table has exactly the options of `mcast COMMAND --help`, with the same
/// short name and value name. The help runs from the mcast the tests reference (dotnet mcast.dll).
/// </summary>
public sealed partial class McastDocsTests
{
    private const string Manual = "docs/mcast.md";

    /// <summary>One option as a help line or a table row shows it: -s, --server VALUE.</summary>
    public sealed record Option(string Name, string? Letter, string? Value)
    {
        public override string ToString() => (Letter is null ? "" : $"-{Letter}, ") + $"--{Name}" + (Value is null ? "" : $" {Value}");
    }

    /// <summary>The commands of `mcast --help` ("  recv    join …" under "commands:").</summary>
    public static IReadOnlyList<string> Commands(string help) =>
        [.. help.Split('\n').SkipWhile(l => !l.StartsWith("commands:", StringComparison.Ordinal)).Skip(1)
            .Select(l => CommandLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value)];

    /// <summary>The options of `mcast COMMAND --help`, without -h/--help (every command has it).</summary>
    public static IReadOnlyList<Option> HelpOptions(string help) =>
        [.. help.Split('\n').Select(l => HelpLine().Match(l)).Where(m => m.Success && m.Groups["long"].Value != "help")
            .Select(m => new Option(m.Groups["long"].Value, Group(m, "short"), Group(m, "value")))];

    /// <summary>The option rows of the section "## `mcast COMMAND`", or null when the manual has no such section.</summary>
    public static IReadOnlyList<Option>? ManualOptions(string manual, string command)
    {
        var lines = manual.Split('\n');
        var start = Array.FindIndex(lines, l => l.TrimEnd() == $"## `mcast {command}`");
        if (start < 0) return null;
        return [.. lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal) && !l.StartsWith("# ", StringComparison.Ordinal))
            .Select(l => TableRow().Match(l)).Where(m => m.Success)
            .Select(m => new Option(m.Groups["long"].Value, Group(m, "short"), Group(m, "value")?.Replace("\\|", "|", StringComparison.Ordinal)))];
    }

    /// <summary>Each disagreement between the help of the commands and the manual, as a sentence saying what to change.</summary>
    public static IReadOnlyList<string> Disagreements(string mainHelp, Func<string, string> commandHelp, string manual)
    {
        var problems = new List<string>();
        var commands = Commands(mainHelp);
        if (commands.Count == 0) problems.Add("`mcast --help` lists no commands under \"commands:\"; the test cannot read it.");
        foreach (var command in commands)
        {
            var help = HelpOptions(commandHelp(command));
            var documented = ManualOptions(manual, command);
            if (documented is null)
            {
                problems.Add($"{Manual} has no section \"## `mcast {command}`\" for the command `mcast --help` lists; add it with a table of its options.");
                continue;
            }
            foreach (var option in help)
            {
                var row = documented.FirstOrDefault(d => d.Name == option.Name);
                if (row is null)
                {
                    problems.Add($"`mcast {command} --help` lists {option}, but {Manual}'s `mcast {command}` table has no row for --{option.Name}; add one.");
                }
                else if (row != option)
                {
                    problems.Add($"`mcast {command} --help` shows {option}, but {Manual}'s `mcast {command}` table shows {row}; make them agree.");
                }
            }
            foreach (var row in documented.Where(d => help.All(o => o.Name != d.Name)))
            {
                problems.Add($"{Manual}'s `mcast {command}` table has a row for --{row.Name}, which `mcast {command} --help` does not list; remove the row or add the option.");
            }
        }
        foreach (Match section in ManualCommand().Matches(manual))
        {
            var command = section.Groups[1].Value;
            if (commands.Count > 0 && !commands.Contains(command))
            {
                problems.Add($"{Manual} has a section for `mcast {command}`, which `mcast --help` does not list; remove it or add the command.");
            }
        }
        return problems;
    }

    [Fact]
    public void The_manual_and_mcast_help_agree_on_every_command_and_option()
    {
        var manual = File.ReadAllText(Path.Combine(RepositoryRoot(), Manual)).ReplaceLineEndings("\n");
        var problems = Disagreements(Mcast("--help"), command => Mcast(command, "--help"), manual);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_help_is_read_as_the_commands_print_it()
    {
        Assert.Equal(["recv", "send", "iperf", "pong"], Commands(Mcast("--help")));
        var iperf = HelpOptions(Mcast("iperf", "--help"));
        Assert.Contains(new Option("server", "s", null), iperf);
        Assert.Contains(new Option("bind", "B", "ADDR[%IF]"), iperf);
        Assert.Contains(new Option("format", null, "text|json|csv"), HelpOptions(Mcast("recv", "--help")));
    }

    private const string Help = "usage: mcast <command> [options]\n\ncommands:\n  recv    receive (mcast recv --help)\n";
    private const string RecvHelp = "options:\n  --group G[%IF]                 group\n  --latency-buckets LIST         buckets\n  -h, --help                     show this help\n";

    [Fact]
    public void An_option_missing_from_the_manual_is_named_with_its_command()
    {
        var manual = "## `mcast recv`\n\n| option | value | what |\n| --- | --- | --- |\n| `--group` | `G[%IF]` | group |\n";
        Assert.Equal(
            ["`mcast recv --help` lists --latency-buckets LIST, but docs/mcast.md's `mcast recv` table has no row for --latency-buckets; add one."],
            Disagreements(Help, _ => RecvHelp, manual));
    }

    [Fact]
    public void A_documented_option_the_command_does_not_have_and_a_wrong_value_are_named()
    {
        var manual = "## `mcast recv`\n\n| option | value | what |\n| --- | --- | --- |\n| `--group` | `G` | group |\n"
            + "| `--latency-buckets` | `LIST` | buckets |\n| `-r`, `--rtt` | | round trip |\n\n## `mcast pong`\n";
        Assert.Equal(
        [
            "`mcast recv --help` shows --group G[%IF], but docs/mcast.md's `mcast recv` table shows --group G; make them agree.",
            "docs/mcast.md's `mcast recv` table has a row for --rtt, which `mcast recv --help` does not list; remove the row or add the option.",
            "docs/mcast.md has a section for `mcast pong`, which `mcast --help` does not list; remove it or add the command.",
        ], Disagreements(Help, _ => RecvHelp, manual));
    }

    [Fact]
    public void A_command_without_a_section_is_named()
    {
        Assert.Equal(
            ["docs/mcast.md has no section \"## `mcast recv`\" for the command `mcast --help` lists; add it with a table of its options."],
            Disagreements(Help, _ => RecvHelp, "# mcast\n"));
    }

    /// <summary>mcast's help as users see it: the program run with the arguments (the same assembly the image ships).</summary>
    private static string Mcast(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mcast.dll"));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"mcast {string.Join(' ', arguments)} exited {process.ExitCode}: {error}");
        return output.ReplaceLineEndings("\n");
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "McastLab.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("McastLab.sln not found above " + AppContext.BaseDirectory);
    }

    private static string? Group(Match match, string name) => match.Groups[name].Success && match.Groups[name].Length > 0 ? match.Groups[name].Value : null;

    [GeneratedRegex(@"^  ([a-z]+)\s{2,}\S")]
    private static partial Regex CommandLine();

    // "  -s, --server          receive…" / "  --group G[%IF]     multicast…": names, then at least one space.
    [GeneratedRegex(@"^  (?:-(?<short>\w), )?--(?<long>[\w-]+)(?: (?<value>\S+))?\s")]
    private static partial Regex HelpLine();

    // "| `-s`, `--server` | | …" / "| `--group` | `G[%IF]` | …"
    [GeneratedRegex(@"^\| (?:`-(?<short>\w)`, )?`--(?<long>[\w-]+)` \| (?:`(?<value>[^`]+)`)? *\|")]
    private static partial Regex TableRow();

    [GeneratedRegex(@"^## `mcast ([a-z]+)`", RegexOptions.Multiline)]
    private static partial Regex ManualCommand();
}
