namespace McastLab.Pipeline.Parameters;

/// <summary>
/// Where the build's outputs go under artifacts/ (never committed): one place for every step's folder, so the
/// Lab, the boxes, the images and the tests agree on them without depending on each other.
/// </summary>
public sealed class ArtifactsLayout(string repositoryRoot)
{
    public string Directory { get; } = Path.Combine(repositoryRoot, "artifacts");

    /// <summary>The NativeAOT mcast binary (McastTools).</summary>
    public string Mcast => Path.Combine(Directory, "mcast");

    /// <summary>The local registry's storage.</summary>
    public string Registry => Path.Combine(Directory, "registry");

    /// <summary>What Push confirmed (pushed.json): the digests a cluster lab names its images by.</summary>
    public string Images => Path.Combine(Directory, "images");

    /// <summary>Full logs of long tool runs (debootstrap, prerequisites).</summary>
    public string Logs => Path.Combine(Directory, "logs");

    public string TestResults => Path.Combine(Directory, "test-results");

    /// <summary>The .box files, their build metadata and the catalogs `vagrant box add` reads.</summary>
    public string Boxes => Path.Combine(Directory, "boxes");

    /// <summary>The files PublishBoxes generates for the release of one tag.</summary>
    public string Release(string tag) => Path.Combine(Directory, "releases", tag);

    /// <summary>The lab: report.json and its views, the run folders, the two-VM lab's kubeconfig.</summary>
    public string Lab => Path.Combine(Directory, "lab");

    /// <summary>The kubeconfig LabUp copies from the two-VM lab's k8s node.</summary>
    public string Kubeconfig => Path.Combine(Lab, "kubeconfig");

    /// <summary>Pinned downloads of the lab (the Multus manifest), kept by sha256.</summary>
    public string LabDownloads => Path.Combine(Lab, "downloads");
}
