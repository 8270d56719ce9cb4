using System.Text;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Boxes;

/// <summary>
/// The hash of everything a box is made from: its Packer files and scripts (by path relative to the
/// repository and content), the pins it is built with, and for the k8s box the docker box it derives from.
/// Equal hash and an intact box file mean the last build still stands, so Boxes skips it.
/// </summary>
public sealed class BoxInputs(BoxLayout layout, BoxSettings settings)
{
    public string Hash(BoxRole role, string? sourceBoxSha256)
    {
        var text = new StringBuilder();
        foreach (var file in layout.InputFiles(role).Select(f => Path.GetRelativePath(layout.RepositoryRoot, f).Replace('\\', '/')).Order(StringComparer.Ordinal))
        {
            text.Append(file).Append(' ').Append(Sha256.OfFile(Path.Combine(layout.RepositoryRoot, file))).Append('\n');
        }
        text.Append("os ").Append(settings.Os.Name).Append('\n')
            .Append("provider ").Append(layout.Provider).Append('\n')
            .Append("base-box-version ").Append(settings.Pins.BaseBoxVersion).Append('\n')
            .Append("docker-ce ").Append(settings.Pins.DockerCe).Append('\n')
            .Append("containerd-io ").Append(settings.Pins.ContainerdIo).Append('\n')
            .Append("kubernetes-minor ").Append(settings.Pins.KubernetesMinor).Append('\n')
            .Append("source-box ").Append(sourceBoxSha256).Append('\n');
        return Sha256.OfText(text.ToString());
    }

    /// <summary>True when the metadata of the last build has this input hash and its box file is still whole.</summary>
    public static bool IsCurrent(BoxMetadata? last, string inputHash, string boxFile) =>
        last is not null
        && last.InputHash == inputHash
        && File.Exists(boxFile)
        && new FileInfo(boxFile).Length == last.Size;
}
