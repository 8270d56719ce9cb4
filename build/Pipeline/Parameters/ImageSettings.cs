namespace McastLab.Pipeline.Parameters;

/// <summary>
/// The container images and the registry they go to (section "images" of mcastlab.json).
/// The registry password is a secret: environment only.
/// </summary>
public sealed record ImageSettings(
    string Registry,
    string? RegistryUser,
    string? RegistryPassword,
    string BaseImage,
    string DebianSuite,
    string DebianMirror,
    string IperfImage,
    string McastImage,
    string ManifestTag)
{
    public static IReadOnlyList<ParameterDefinition> Definitions { get; } =
    [
        new("registry", "images", "Registry the images are pushed to and pulled from (a local one is started on 127.0.0.1:5000).") { Form = ParameterForm.Registry },
        new("registry-user", "images", "User for a registry that needs a login (the password comes from MCASTLAB_REGISTRY_PASSWORD).") { Form = ParameterForm.UserName },
        ParameterDefinition.Secret("registry-password", "MCASTLAB_REGISTRY_PASSWORD", "Password or token of --registry-user (environment only).") with { UserParameter = "registry-user", Form = ParameterForm.Password },
        new("base-image", "images", "Base of both images; built from Debian packages (debootstrap) when the engine lacks it and cannot pull it.") { Form = ParameterForm.ImageReference },
        new("debian-suite", "images", "Debian suite debootstrap uses for the base image.") { Form = ParameterForm.DebianSuite },
        new("debian-mirror", "images", "Debian mirror debootstrap uses for the base image.") { Form = ParameterForm.HttpUrl },
        new("iperf-image", "images", "Repository name of the iperf 2 image.") { Form = ParameterForm.ImageRepository },
        new("mcast-image", "images", "Repository name of the mcast image.") { Form = ParameterForm.ImageRepository },
        new("manifest-tag", "images", "Image tag the generated Kubernetes manifests refer to.") { Form = ParameterForm.ImageTag },
    ];

    public static ImageSettings From(ResolvedParameters p) => new(
        p.Text("registry"),
        p.Optional("registry-user"),
        p.Optional("registry-password"),
        p.Text("base-image"),
        p.Text("debian-suite"),
        p.Text("debian-mirror"),
        p.Text("iperf-image"),
        p.Text("mcast-image"),
        p.Text("manifest-tag"));

    /// <summary>registry/name:tag, as pushed and as the manifests pull it.</summary>
    public string Reference(string repository, string tag) => $"{Registry}/{repository}:{tag}";
}
