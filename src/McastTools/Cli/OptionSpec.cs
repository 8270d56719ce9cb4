namespace McastLab.McastTools.Cli;

/// <summary>One command-line option: a flag when <see cref="ValueName"/> is null.</summary>
internal sealed record OptionSpec(string Name, string? ValueName, string Help, string? ShortName = null);
