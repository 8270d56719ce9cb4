using System.Text;

namespace McastLab.McastTools.Cli;

/// <summary>Renders a command's usage line, description and every option with its default.</summary>
internal static class HelpText
{
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
