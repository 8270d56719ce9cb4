using System.Text;

namespace McastLab.McastTools.Cli;

/// <summary>Renders a command's usage line, description and every option with its default.</summary>
internal static class HelpText
{
    /// <summary>The command's options, or null when --help was asked for and the help is printed.</summary>
    public static ParsedOptions? ParseOrPrint(string command, string usage, string description, IReadOnlyList<OptionSpec> specs, string footer, IReadOnlyList<string> args)
    {
        var options = ParsedOptions.Parse(command, specs, args);
        if (!options.HelpRequested)
        {
            return options;
        }

        Console.Out.Write(Render(usage, description, specs, footer));
        return null;
    }

    public static string Render(string usage, string description, IReadOnlyList<OptionSpec> specs, string? footer = null)
    {
        var text = new StringBuilder();
        text.Append("usage: ").AppendLine(usage).AppendLine().AppendLine(description).AppendLine().AppendLine("options:");
        foreach (var spec in specs)
        {
            var names = (spec.ShortName is null ? "" : $"-{spec.ShortName}, ") + "--" + spec.Name + (spec.ValueName is null ? "" : " " + spec.ValueName);
            text.Append("  ").Append(names.PadRight(30)).Append(' ').AppendLine(spec.Help);
        }

        text.Append("  ").Append("-h, --help".PadRight(30)).AppendLine(" show this help");
        if (footer is not null)
        {
            text.AppendLine().AppendLine(footer);
        }

        return text.ToString();
    }
}
