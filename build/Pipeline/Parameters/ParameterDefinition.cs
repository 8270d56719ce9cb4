namespace McastLab.Pipeline.Parameters;

/// <summary>
/// One knob of the pipeline. It is set as <c>--name=value</c> on the command line, as <c>MCASTLAB_NAME</c> in
/// the environment, or under its section in mcastlab.json. A secret comes from its environment variable only.
/// </summary>
public sealed record ParameterDefinition(string Name, string Section, string Description)
{
    public bool IsSecret { get; init; }

    /// <summary>Defaults to MCASTLAB_ plus the name in upper case; secrets name their own (GITHUB_TOKEN).</summary>
    public string EnvironmentVariable { get; init; } = "MCASTLAB_" + Name.ToUpperInvariant().Replace('-', '_');

    /// <summary>Only on the command line (such as --skip): not in the file, not from the environment.</summary>
    public bool CommandLineOnly { get; init; }

    /// <summary>The written form a value must have (checked for every parameter at start-up); null when any text goes.</summary>
    public ParameterForm? Form { get; init; }

    /// <summary>For a secret: the parameter holding the user name it logs in with, so user:secret is masked too.</summary>
    public string? UserParameter { get; init; }

    public static ParameterDefinition Secret(string name, string environmentVariable, string description) =>
        new(name, "secrets", description) { IsSecret = true, EnvironmentVariable = environmentVariable };
}
