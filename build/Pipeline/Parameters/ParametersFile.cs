using System.Globalization;
using System.Text.Json;

namespace McastLab.Pipeline.Parameters;

/// <summary>
/// mcastlab.json: the lab's knobs and every pinned version, in sections. The file is the defaults;
/// the environment and the command line override it.
/// </summary>
public static class ParametersFile
{
    public const string FileName = "mcastlab.json";

    public static IReadOnlyDictionary<string, string> Load(string path, IReadOnlyCollection<ParameterDefinition> definitions)
    {
        if (!File.Exists(path))
        {
            throw new ParameterException($"The parameters file {path} is missing; restore it with 'git checkout -- {FileName}'.");
        }
        try
        {
            return Parse(File.ReadAllText(path), path, definitions);
        }
        catch (JsonException e)
        {
            throw new ParameterException($"The parameters file {path} is not valid JSON ({e.Message}); fix it or restore it with 'git checkout -- {FileName}'.");
        }
    }

    public static IReadOnlyDictionary<string, string> Parse(string json, string path, IReadOnlyCollection<ParameterDefinition> definitions)
    {
        var byName = definitions.ToDictionary(d => d.Name, StringComparer.Ordinal);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new ParameterException($"The parameters file {path} must hold one JSON object of sections; restore it with 'git checkout -- {FileName}'.");
        }
        foreach (var section in document.RootElement.EnumerateObject())
        {
            if (section.Value.ValueKind != JsonValueKind.Object)
            {
                throw new ParameterException($"Section '{section.Name}' in {path} must be an object of parameters.");
            }
            foreach (var entry in section.Value.EnumerateObject())
            {
                if (!byName.TryGetValue(entry.Name, out var definition) || definition.CommandLineOnly)
                {
                    throw new ParameterException($"'{entry.Name}' in {path} is not a parameter of this pipeline; remove it or run ./build.sh to list the parameters.");
                }
                if (definition.IsSecret)
                {
                    throw new ParameterException($"'{entry.Name}' is a secret and must not be in {path}; remove it and set {definition.EnvironmentVariable} in the environment.");
                }
                if (definition.Section != section.Name)
                {
                    throw new ParameterException($"'{entry.Name}' in {path} belongs in section '{definition.Section}', not '{section.Name}'; move it there.");
                }
                values[entry.Name] = ToText(entry.Value, entry.Name, path);
            }
        }
        return values;
    }

    private static string ToText(JsonElement value, string name, string path) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => bool.TrueString.ToLower(CultureInfo.InvariantCulture),
        JsonValueKind.False => bool.FalseString.ToLower(CultureInfo.InvariantCulture),
        _ => throw new ParameterException($"'{name}' in {path} must be a string, number or boolean."),
    };
}
