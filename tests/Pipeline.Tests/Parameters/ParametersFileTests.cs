using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Tests.Parameters;

public sealed class ParametersFileTests
{
    private static readonly ParameterDefinition[] Definitions =
    [
        new("port", "lab", "port"),
        new("skip", "build", "skip") { CommandLineOnly = true },
        ParameterDefinition.Secret("token", "TEST_TOKEN", "a secret"),
    ];

    [Fact]
    public void Reads_sections_and_turns_values_into_text()
    {
        var values = ParametersFile.Parse("""{ "lab": { "port": 5001 } }""", "p.json", Definitions);
        Assert.Equal("5001", values["port"]);
    }

    [Theory]
    [InlineData("""{ "lab": { "prot": 1 } }""", "'prot' in p.json is not a parameter of this pipeline")]
    [InlineData("""{ "images": { "port": 1 } }""", "'port' in p.json belongs in section 'lab', not 'images'")]
    [InlineData("""{ "secrets": { "token": "x" } }""", "'token' is a secret and must not be in p.json; remove it and set TEST_TOKEN")]
    [InlineData("""{ "build": { "skip": "Lab" } }""", "'skip' in p.json is not a parameter of this pipeline")]
    [InlineData("""{ "lab": 5 }""", "Section 'lab' in p.json must be an object")]
    [InlineData("""{ "lab": { "port": [1] } }""", "'port' in p.json must be a string, number or boolean")]
    public void Refuses_what_does_not_belong(string json, string expected)
    {
        var error = Assert.Throws<ParameterException>(() => ParametersFile.Parse(json, "p.json", Definitions));
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_or_broken_file_says_how_to_restore_it()
    {
        using var directory = new TemporaryDirectory();
        var missing = Assert.Throws<ParameterException>(() => ParametersFile.Load(Path.Combine(directory.Path, "mcastlab.json"), Definitions));
        Assert.EndsWith("restore it with 'git checkout -- mcastlab.json'.", missing.Message, StringComparison.Ordinal);

        var broken = directory.File("mcastlab.json", "{ \"lab\": ");
        var error = Assert.Throws<ParameterException>(() => ParametersFile.Load(broken, Definitions));
        Assert.Contains("is not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_repository_file_defines_every_parameter_that_is_not_secret_or_command_line_only()
    {
        var values = ParametersFile.Load(Path.Combine(RepositoryRoot.Path, ParametersFile.FileName), ParameterCatalog.All);
        var expected = ParameterCatalog.All.Where(d => !d.IsSecret && !d.CommandLineOnly).Select(d => d.Name).Order();
        Assert.Equal(expected, values.Keys.Order());
    }
}
