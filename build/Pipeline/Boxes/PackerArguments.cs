using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Boxes;

/// <summary>
/// The argument lists of `packer build` and `packer validate` for one box: its var file, the pins from
/// mcastlab.json as -var, and for the k8s box the docker box file it derives from (with its sha256).
/// </summary>
public sealed class PackerArguments(BoxLayout layout, BoxSettings settings)
{
    public IReadOnlyList<string> Build(BoxRole role, string templatesDirectory, BoxSource source) =>
        ["build", "-force", "-color=false", .. Variables(role, source, layout.BuildDirectory(role)), templatesDirectory];

    public IReadOnlyList<string> Validate(BoxRole role, string templatesDirectory, BoxSource source, string outputDirectory) =>
        ["validate", .. Variables(role, source, outputDirectory), templatesDirectory];

    public static IReadOnlyList<string> Init(string templatesDirectory) => ["init", templatesDirectory];

    private List<string> Variables(BoxRole role, BoxSource source, string outputDirectory)
    {
        var arguments = new List<string> { "-var-file=" + layout.VarFile(role) };
        void Var(string name, string value) => arguments.AddRange(["-var", $"{name}={value}"]);
        Var("provider", layout.Provider);
        Var("output_directory", outputDirectory);
        Var("scripts_directory", layout.ScriptsDirectory);
        Var("docker_ce_version", settings.Pins.DockerCe);
        Var("containerd_io_version", settings.Pins.ContainerdIo);
        Var("kubernetes_minor", settings.Pins.KubernetesMinor);
        Var("kubernetes_minor_max", settings.Os.KubernetesMinorMax is { } max ? $"1.{max.Minor}" : "");
        switch (source)
        {
            case BoxSource.Catalog catalog:
                if (catalog.Version is { } version) Var("source_box_version", version);
                break;
            case BoxSource.File file:
                Var("source_box", file.Path);
                Var("source_box_checksum", file.Sha256);
                break;
        }
        return arguments;
    }
}

/// <summary>What a box starts from: a base box from Vagrant Cloud (named in the var file), or a box file we built.</summary>
public abstract record BoxSource
{
    public sealed record Catalog(string? Version) : BoxSource;

    public sealed record File(string Path, string Sha256) : BoxSource;
}
