namespace McastLab.Pipeline.Images;

/// <summary>One image the pipeline builds: where its Dockerfile is, the files it copies, what it is.</summary>
/// <param name="Repository">Repository name without the registry (mcastlab/iperf).</param>
/// <param name="Dockerfile">Path of the Dockerfile, relative to the repository root.</param>
/// <param name="ContextFiles">Name in the build context → path on disk.</param>
/// <param name="Licenses">SPDX expression for org.opencontainers.image.licenses.</param>
public sealed record ContainerImage(
    string Repository,
    string Dockerfile,
    IReadOnlyDictionary<string, string> ContextFiles,
    string Title,
    string Description,
    string Licenses)
{
    public IReadOnlyDictionary<string, string> BuildArguments { get; init; } = new Dictionary<string, string>();
}
