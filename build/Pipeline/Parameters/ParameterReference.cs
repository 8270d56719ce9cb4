using System.Text;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Parameters;

/// <summary>
/// docs/parameters.md, written from the parameter catalog and mcastlab.json's defaults, so the reference
/// cannot drift from what the build accepts (a test compares the committed file with <see cref="Render"/>).
/// </summary>
public static class ParameterReference
{
    /// <summary>The file, relative to the repository.</summary>
    public const string FileName = "docs/parameters.md";

    /// <summary>The command that rewrites it, named in the drift test's message.</summary>
    public const string Command = "./build.sh Docs";

    /// <summary>The reference of <paramref name="definitions"/>, one table per section in catalog order.</summary>
    public static string Render(IReadOnlyList<ParameterDefinition> definitions, IReadOnlyDictionary<string, string> defaults)
    {
        var text = new StringBuilder();
        text.Append($"""
            # Parameters

            <!-- Generated from the parameter catalog (build/Pipeline/Parameters) and {ParametersFile.FileName} by `{Command}`; do not edit by hand. -->

            Each parameter is read, first match wins, from the command line (`--name=value`), the environment
            (`MCASTLAB_NAME`) and [`{ParametersFile.FileName}`](../{ParametersFile.FileName}) (the repository's defaults,
            shown here). Secrets come from their environment variable only; a parameter marked *command line* is
            read from the command line only. A bad value stops the build before any target runs, naming the
            parameter and where its value came from. `./build.sh` alone prints every parameter with its value now.

            """);
        foreach (var section in definitions.GroupBy(d => d.Section))
        {
            text.Append($"\n## {section.Key}\n\n| parameter | environment | default | what it is |\n| --- | --- | --- | --- |\n");
            foreach (var definition in section)
            {
                text.Append($"| `--{definition.Name}` | {Environment(definition)} | {Default(definition, defaults)} | {Cell(Description(definition))} |\n");
            }
        }
        return text.ToString().ReplaceLineEndings("\n");
    }

    /// <summary>Writes the file when its text changed; returns whether it did.</summary>
    public static bool Write(string repositoryRoot, IBuildLog log)
    {
        var defaults = ParametersFile.Load(Path.Combine(repositoryRoot, ParametersFile.FileName), ParameterCatalog.All);
        var path = Path.Combine(repositoryRoot, FileName);
        var content = Render(ParameterCatalog.All, defaults);
        if (File.Exists(path) && File.ReadAllText(path) == content)
        {
            log.Information($"{FileName} is up to date.");
            return false;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        log.Information($"Wrote {FileName} ({ParameterCatalog.All.Count} parameters).");
        return true;
    }

    private static string Environment(ParameterDefinition definition) =>
        definition.CommandLineOnly ? "*command line*" : $"`{definition.EnvironmentVariable}`";

    private static string Default(ParameterDefinition definition, IReadOnlyDictionary<string, string> defaults)
    {
        if (definition.IsSecret) return "*environment only*";
        return defaults.TryGetValue(definition.Name, out var value) && value.Length > 0 ? $"`{Cell(value)}`" : "";
    }

    private static string Description(ParameterDefinition definition) =>
        definition.Form is { } form ? $"{definition.Description} Must be {form.Expected}." : definition.Description;

    /// <summary>A table cell: a '|' would end it, a line break would end the row.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
