namespace McastLab.Pipeline.Parameters;

/// <summary>
/// Resolves every parameter: command line, then environment, then mcastlab.json.
/// The file holds the repository's defaults, so an override from the environment must win over it,
/// and the command line wins over both.
/// </summary>
public static class ParameterResolver
{
    public static ResolvedParameters Resolve(
        IReadOnlyCollection<ParameterDefinition> definitions,
        IReadOnlyDictionary<string, string> file,
        IReadOnlyDictionary<string, string> commandLine,
        Func<string, string?> environment,
        ISet<string> runnerOptions)
    {
        var byName = definitions.ToDictionary(d => d.Name, StringComparer.Ordinal);
        foreach (var name in commandLine.Keys)
        {
            if (runnerOptions.Contains(name)) continue;
            if (!byName.TryGetValue(name, out var definition))
            {
                throw new ParameterException($"--{name} is not a parameter of this pipeline; run ./build.sh to list the parameters.");
            }
            if (definition.IsSecret)
            {
                throw new ParameterException($"--{name} is a secret and is never taken from the command line; set {definition.EnvironmentVariable} in the environment instead.");
            }
        }

        var values = new Dictionary<string, ResolvedValue>(StringComparer.Ordinal);
        foreach (var definition in definitions)
        {
            values[definition.Name] = ResolveOne(definition, file, commandLine, environment);
        }
        return new ResolvedParameters(definitions, values);
    }

    private static ResolvedValue ResolveOne(
        ParameterDefinition definition,
        IReadOnlyDictionary<string, string> file,
        IReadOnlyDictionary<string, string> commandLine,
        Func<string, string?> environment)
    {
        if (!definition.IsSecret && commandLine.TryGetValue(definition.Name, out var fromCommandLine))
        {
            return new ResolvedValue(fromCommandLine, ParameterSource.CommandLine);
        }
        if (!definition.CommandLineOnly && environment(definition.EnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            return new ResolvedValue(fromEnvironment, ParameterSource.Environment);
        }
        if (file.TryGetValue(definition.Name, out var fromFile))
        {
            return new ResolvedValue(fromFile, ParameterSource.File);
        }
        return new ResolvedValue(null, ParameterSource.Unset);
    }
}

public readonly record struct ResolvedValue(string? Value, ParameterSource Source);
