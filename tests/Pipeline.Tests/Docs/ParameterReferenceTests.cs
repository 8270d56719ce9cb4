using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Tests.Docs;

/// <summary>docs/parameters.md is what the generator writes from the catalog and mcastlab.json, nothing else.</summary>
public sealed class ParameterReferenceTests
{
    private static string Committed => File.ReadAllText(Path.Combine(RepositoryRoot.Path, ParameterReference.FileName)).ReplaceLineEndings("\n");

    private static IReadOnlyDictionary<string, string> Defaults =>
        ParametersFile.Load(Path.Combine(RepositoryRoot.Path, ParametersFile.FileName), ParameterCatalog.All);

    /// <summary>Null when equal, else the first differing line of each, with the command that regenerates.</summary>
    public static string? Drift(string committed, string generated)
    {
        if (committed == generated) return null;
        var have = committed.Split('\n');
        var want = generated.Split('\n');
        var line = Enumerable.Range(0, Math.Max(have.Length, want.Length)).First(i => i >= have.Length || i >= want.Length || have[i] != want[i]);
        return $"{ParameterReference.FileName} differs from the parameter catalog at line {line + 1}: committed \"{(line < have.Length ? have[line] : "(end of file)")}\", "
            + $"generated \"{(line < want.Length ? want[line] : "(end of file)")}\"; run '{ParameterReference.Command}' and commit {ParameterReference.FileName}.";
    }

    [Fact]
    public void The_committed_reference_is_the_catalog()
    {
        var drift = Drift(Committed, ParameterReference.Render(ParameterCatalog.All, Defaults));
        Assert.True(drift is null, drift);
    }

    [Fact]
    public void Every_parameter_of_the_catalog_has_its_row()
    {
        foreach (var definition in ParameterCatalog.All)
        {
            Assert.Contains($"| `--{definition.Name}` |", Committed, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_parameter_added_to_the_catalog_is_drift_named_with_the_command()
    {
        var added = ParameterCatalog.All.Append(new ParameterDefinition("linger", "lab", "Minutes the lab keeps sending.")).ToList();
        var drift = Drift(Committed, ParameterReference.Render(added, Defaults));
        Assert.NotNull(drift);
        Assert.Contains("generated \"| `--linger` | `MCASTLAB_LINGER` |  | Minutes the lab keeps sending. |\"", drift, StringComparison.Ordinal);
        Assert.EndsWith($"run '{ParameterReference.Command}' and commit {ParameterReference.FileName}.", drift, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_default_is_drift()
    {
        var changed = Defaults.ToDictionary(p => p.Key, p => p.Key == "group" ? "239.1.1.1" : p.Value);
        Assert.NotNull(Drift(Committed, ParameterReference.Render(ParameterCatalog.All, changed)));
    }

    [Fact]
    public void Secrets_show_no_default_and_a_bar_in_a_description_stays_inside_its_cell()
    {
        var text = ParameterReference.Render(
            [ParameterDefinition.Secret("token", "TOKEN", "A token."), new("mode", "lab", "a|b")],
            new Dictionary<string, string> { ["token"] = "leaked", ["mode"] = "a" });
        Assert.Contains("| `--token` | `TOKEN` | *environment only* | A token. |", text, StringComparison.Ordinal);
        Assert.Contains("| `--mode` | `MCASTLAB_MODE` | `a` | a\\|b |", text, StringComparison.Ordinal);
        Assert.DoesNotContain("leaked", text, StringComparison.Ordinal);
    }
}
