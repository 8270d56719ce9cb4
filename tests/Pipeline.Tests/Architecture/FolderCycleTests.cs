namespace McastLab.Pipeline.Tests.Architecture;

/// <summary>Dependencies between the folders (namespaces) of build/Pipeline flow one way; docs/architecture.md has the layers.</summary>
public sealed class FolderCycleTests
{
    [Fact]
    public void No_namespace_of_the_pipeline_imports_one_that_imports_it_back()
    {
        var dependencies = NamespaceDependencies.Read(Path.Combine(RepositoryRoot.Path, "build", "Pipeline"));
        Assert.True(dependencies.Imports.Count > 10, "build/Pipeline's namespaces were not found.");
        var cycles = dependencies.Cycles().Select(dependencies.Describe).ToList();
        Assert.True(cycles.Count == 0, "Folder cycles in build/Pipeline: " + string.Join(" | ", cycles));
    }

    [Fact]
    public void The_check_finds_a_cycle_through_a_third_namespace()
    {
        var dependencies = new NamespaceDependencies(new Dictionary<string, IReadOnlySet<string>>
        {
            ["McastLab.Pipeline.Parameters"] = new HashSet<string> { "McastLab.Pipeline.Boxes" },
            ["McastLab.Pipeline.Boxes"] = new HashSet<string> { "McastLab.Pipeline.Core", "McastLab.Pipeline.Lab" },
            ["McastLab.Pipeline.Lab"] = new HashSet<string> { "McastLab.Pipeline.Parameters" },
            ["McastLab.Pipeline.Core"] = new HashSet<string>(),
        });
        var cycle = Assert.Single(dependencies.Cycles());
        Assert.Equal(["McastLab.Pipeline.Boxes", "McastLab.Pipeline.Lab", "McastLab.Pipeline.Parameters"], cycle);
        Assert.Equal("Boxes → Lab; Lab → Parameters; Parameters → Boxes", dependencies.Describe(cycle));
    }

    [Fact]
    public void Imports_are_read_from_usings_aliases_and_qualified_names()
    {
        var dependencies = ReadSources(new Dictionary<string, string>
        {
            ["A.cs"] = "using McastLab.Pipeline.B;\nnamespace McastLab.Pipeline.A;\n",
            ["B.cs"] = "using Runner = McastLab.Pipeline.C.Sub.Runner;\nnamespace McastLab.Pipeline.B;\n",
            ["C.cs"] = "namespace McastLab.Pipeline.C.Sub;\nclass Runner { McastLab.Pipeline.A.Thing? t; D.Table? d; x.D.Table? notAnImport; }\n",
            ["D.cs"] = "namespace McastLab.Pipeline.D;\nclass Table { E.Missing? m; }\n",
            ["E.cs"] = "namespace McastLab.Pipeline.E;\nclass Chair { D.Table? t; }\n",
        });
        Assert.Equal(["McastLab.Pipeline.B"], dependencies.Imports["McastLab.Pipeline.A"]);
        Assert.Equal(["McastLab.Pipeline.C.Sub"], dependencies.Imports["McastLab.Pipeline.B"]);
        Assert.Equal(["McastLab.Pipeline.A", "McastLab.Pipeline.D"], dependencies.Imports["McastLab.Pipeline.C.Sub"].Order());
        Assert.Empty(dependencies.Imports["McastLab.Pipeline.D"]);
        Assert.Equal(["McastLab.Pipeline.D"], dependencies.Imports["McastLab.Pipeline.E"]);
        Assert.Single(dependencies.Cycles());
    }

    [Fact]
    public void The_check_sees_an_enclosing_namespace_used_without_a_using()
    {
        // The parent names its child relative to itself; the child uses the parent's type by its bare name.
        var dependencies = ReadSources(new Dictionary<string, string>
        {
            ["Runner.cs"] = "namespace McastLab.Pipeline.P;\nclass Runner { object w = Sub.Worker.Create(); }\n",
            ["Worker.cs"] = "namespace McastLab.Pipeline.P.Sub;\nclass Worker { Runner? r; Step? s; public static Worker Create() => new(); }\n",
            ["Step.cs"] = "namespace McastLab.Pipeline.P.Sub;\nclass Step { Worker? w; }\n",
        });
        Assert.Equal(["McastLab.Pipeline.P.Sub"], dependencies.Imports["McastLab.Pipeline.P"]);
        Assert.Equal(["McastLab.Pipeline.P"], dependencies.Imports["McastLab.Pipeline.P.Sub"]);
        Assert.Equal("P → P.Sub; P.Sub → P", dependencies.Describe(Assert.Single(dependencies.Cycles())));
    }

    private static NamespaceDependencies ReadSources(IReadOnlyDictionary<string, string> files)
    {
        using var directory = new TemporaryDirectory();
        foreach (var (name, source) in files) File.WriteAllText(Path.Combine(directory.Path, name), source);
        return NamespaceDependencies.Read(directory.Path);
    }
}
