using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Boxes;

/// <summary>
/// Where everything of the boxes lives: the Packer sources under packer/, and under artifacts/boxes/ per box
/// the .box file, its build metadata (as bento keeps them) and the catalog `vagrant box add` reads.
/// The lab's own folder (its kubeconfig) is the lab's: <see cref="ArtifactsLayout"/>.
/// </summary>
public sealed class BoxLayout(string repositoryRoot, BoxSettings settings)
{
    private readonly ArtifactsLayout artifacts = new(repositoryRoot);

    public string RepositoryRoot { get; } = repositoryRoot;
    public string PackerDirectory => Path.Combine(RepositoryRoot, "packer");
    public string TemplatesDirectory => Path.Combine(PackerDirectory, "templates");
    public string PluginsFile => Path.Combine(PackerDirectory, "plugins", "plugins.pkr.hcl");
    public string ScriptsDirectory => Path.Combine(PackerDirectory, "scripts");
    public string VagrantDirectory => Path.Combine(RepositoryRoot, "Vagrant");
    public string BoxesDirectory => artifacts.Boxes;

    /// <summary>Templates plus the plugins file, for Packer 1.7 and newer (see packer/plugins/plugins.pkr.hcl).</summary>
    public string StagedTemplatesDirectory => Path.Combine(BoxesDirectory, "packer-templates");

    public string Provider => BoxSettings.ProviderName(settings.Provider);

    public string VarFile(BoxRole role) =>
        Path.Combine(PackerDirectory, "vars", settings.Os.Name, role.ToString().ToLowerInvariant() + ".pkrvars.hcl");

    public string BoxFile(BoxRole role) => Path.Combine(BoxesDirectory, $"{settings.BoxName(role)}.{Provider}.box");

    public string MetadataFile(BoxRole role) => Path.Combine(BoxesDirectory, $"{settings.BoxName(role)}.{Provider}.json");

    public string CatalogFile(BoxRole role) => Path.Combine(BoxesDirectory, settings.BoxName(role), "metadata.json");

    /// <summary>Packer's output directory for one build; it must not exist when the build starts (-force clears it).</summary>
    public string BuildDirectory(BoxRole role) => Path.Combine(BoxesDirectory, $"build-{settings.BoxName(role)}-{Provider}");

    /// <summary>The HCL templates and the Vagrantfile template of the build VM (build-vm.Vagrantfile) they name.</summary>
    public IEnumerable<string> TemplateFiles =>
        Directory.EnumerateFiles(TemplatesDirectory, "*.pkr.hcl").Append(Path.Combine(TemplatesDirectory, "build-vm.Vagrantfile"));

    /// <summary>Every file whose change must rebuild the box: templates, plugins, the box's var file, all scripts.</summary>
    public IReadOnlyList<string> InputFiles(BoxRole role) =>
    [
        .. TemplateFiles,
        PluginsFile,
        VarFile(role),
        .. Directory.EnumerateFiles(ScriptsDirectory, "*.sh"),
    ];
}
