using McastLab.Pipeline.Core;
using McastLab.Pipeline.Manifests;

namespace McastLab.Pipeline.Tests.Manifests;

/// <summary>Nobody edits the generated files by hand: what is committed is what the generator writes.</summary>
public sealed class CommittedManifestsTests
{
    [Fact]
    public void Committed_files_equal_the_generator_output()
    {
        var root = ManifestTestParameters.RepositoryRoot;
        var stale = new LabManifests(ManifestTestParameters.Resolve()).Files()
            .Where(f => !File.Exists(Path.Combine(root, f.Path)) || File.ReadAllText(Path.Combine(root, f.Path)) != f.Content)
            .Select(f => f.Path)
            .ToList();
        Assert.True(stale.Count == 0, $"These files differ from what the generator writes: {string.Join(", ", stale)}; run ./build.sh Manifests and commit them.");
    }

    [Fact]
    public void Every_generated_manifest_is_listed_by_the_kustomization_or_is_a_daemonset_deployed_on_purpose()
    {
        var manifests = new LabManifests(ManifestTestParameters.Resolve()).Files()
            .Where(f => f.Path.StartsWith(LabManifests.ManifestsDirectory + "/", StringComparison.Ordinal))
            .Select(f => Path.GetFileName(f.Path))
            .Where(name => name is not "kustomization.yaml" and not LabManifests.DaemonSetFile and not FeedMonitorManifest.FileName);
        Assert.Equal(manifests.Order(), LabManifests.Kustomization().Resources.Order());
    }

    [Fact]
    public void A_second_write_changes_nothing()
    {
        var directory = Directory.CreateTempSubdirectory("mf-write-");
        try
        {
            var files = new LabManifests(ManifestTestParameters.Resolve()).Files();
            var writer = new ManifestWriter(new ConsoleBuildLog(), directory.FullName);
            Assert.Equal(files.Select(f => f.Path), writer.Write(files));
            var written = File.GetLastWriteTimeUtc(Path.Combine(directory.FullName, files[0].Path));

            Assert.Empty(writer.Write(files));
            Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(directory.FullName, files[0].Path)));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Fewer_nodes_remove_the_node_files_no_longer_generated_and_nothing_else()
    {
        var directory = Directory.CreateTempSubdirectory("mf-nodes-");
        try
        {
            var writer = new ManifestWriter(new CapturingLog(), directory.FullName);
            var three = new LabManifests(McastLab.Pipeline.Tests.Boxes.BoxTestContext.Parameters(("nodes", "3"))).Files();
            writer.Write(three, LabManifests.GeneratedDirectories);
            var nodes = Path.Combine(directory.FullName, "manifests", "nodes");
            Assert.Equal(["k8s", "k8s-2", "k8s-3"], Directory.EnumerateDirectories(nodes).Select(Path.GetFileName).Order());
            File.WriteAllText(Path.Combine(directory.FullName, "manifests", "mine.yaml"), "kept\n");

            var two = new LabManifests(McastLab.Pipeline.Tests.Boxes.BoxTestContext.Parameters(("nodes", "2"))).Files();
            var changed = writer.Write(two, LabManifests.GeneratedDirectories);

            Assert.Equal(["manifests/nodes/k8s-3/eth1-multicast.conf"], changed.Where(f => f.Contains("k8s-3", StringComparison.Ordinal)));
            Assert.Equal(["k8s", "k8s-2"], Directory.EnumerateDirectories(nodes).Select(Path.GetFileName).Order());
            Assert.True(File.Exists(Path.Combine(directory.FullName, "manifests", "mine.yaml")));

            writer.Write(new LabManifests(McastLab.Pipeline.Tests.Boxes.BoxTestContext.Parameters()).Files(), LabManifests.GeneratedDirectories);
            Assert.False(Directory.Exists(nodes), "one node has no node files, so no nodes/ folder");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
