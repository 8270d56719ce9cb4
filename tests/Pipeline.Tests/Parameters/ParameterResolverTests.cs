using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Tests.Parameters;

public sealed class ParameterResolverTests
{
    private static readonly ParameterDefinition[] Definitions =
    [
        new("port", "lab", "port"),
        new("group", "lab", "group"),
        new("skip", "build", "skip") { CommandLineOnly = true },
        ParameterDefinition.Secret("token", "TEST_TOKEN", "a secret"),
    ];

    private static readonly Dictionary<string, string> File = new() { ["port"] = "5001", ["group"] = "224.0.67.67" };

    private static ResolvedParameters Resolve(Dictionary<string, string>? commandLine = null, Dictionary<string, string>? environment = null) =>
        ParameterResolver.Resolve(Definitions, File, commandLine ?? [], name => environment?.GetValueOrDefault(name), ParameterCatalog.RunnerOptions);

    [Fact]
    public void The_file_is_the_default()
    {
        var resolved = Resolve();
        Assert.Equal(new ResolvedValue("5001", ParameterSource.File), resolved["port"]);
    }

    [Fact]
    public void The_environment_overrides_the_file()
    {
        var resolved = Resolve(environment: new() { ["MCASTLAB_PORT"] = "6000" });
        Assert.Equal(new ResolvedValue("6000", ParameterSource.Environment), resolved["port"]);
    }

    [Fact]
    public void The_command_line_overrides_the_environment_and_the_file()
    {
        var resolved = Resolve(new() { ["port"] = "7000" }, new() { ["MCASTLAB_PORT"] = "6000" });
        Assert.Equal(new ResolvedValue("7000", ParameterSource.CommandLine), resolved["port"]);
        Assert.Equal(ParameterSource.File, resolved["group"].Source);
    }

    [Fact]
    public void An_empty_environment_variable_does_not_override()
    {
        var resolved = Resolve(environment: new() { ["MCASTLAB_PORT"] = "" });
        Assert.Equal(ParameterSource.File, resolved["port"].Source);
    }

    [Fact]
    public void A_command_line_only_parameter_ignores_the_environment()
    {
        Assert.Equal(ParameterSource.Unset, Resolve(environment: new() { ["MCASTLAB_SKIP"] = "Images" })["skip"].Source);
        Assert.Equal(["Images", "Push"], Resolve(new() { ["skip"] = "Images, Push" }).List("skip"));
    }

    [Fact]
    public void Cake_options_pass_through()
    {
        var resolved = Resolve(new() { ["target"] = "Lab", ["verbosity"] = "diagnostic", ["dryrun"] = "true" });
        Assert.Equal("5001", resolved.Text("port"));
    }

    [Fact]
    public void An_unknown_parameter_is_refused_by_name()
    {
        var error = Assert.Throws<ParameterException>(() => Resolve(new() { ["lab-backnd"] = "local" }));
        Assert.Equal("--lab-backnd is not a parameter of this pipeline; run ./build.sh to list the parameters.", error.Message);
    }

    [Fact]
    public void A_secret_comes_from_the_environment_only()
    {
        var error = Assert.Throws<ParameterException>(() => Resolve(new() { ["token"] = "abcdef" }));
        Assert.Contains("set TEST_TOKEN in the environment", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("abcdef", error.Message, StringComparison.Ordinal);

        Assert.Equal(new ResolvedValue("abcdef", ParameterSource.Environment), Resolve(environment: new() { ["TEST_TOKEN"] = "abcdef" })["token"]);
    }

    [Fact]
    public void A_bad_value_names_the_parameter_the_expectation_and_the_source()
    {
        var resolved = Resolve(environment: new() { ["MCASTLAB_PORT"] = "70000" });
        var error = Assert.Throws<ParameterException>(() => resolved.Number("port", 1, 65535));
        Assert.Equal("Parameter --port must be a whole number from 1 to 65535 (got '70000' from MCASTLAB_PORT).", error.Message);
        Assert.IsAssignableFrom<PipelineException>(error);
    }

    [Fact]
    public void A_bad_secret_value_is_not_shown()
    {
        var resolved = Resolve(environment: new() { ["TEST_TOKEN"] = "hunter2hunter2" });
        var error = resolved.Invalid("token", "a token");
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }
}
