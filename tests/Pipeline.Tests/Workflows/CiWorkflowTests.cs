using System.Text.Json;
using System.Text.RegularExpressions;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Images;
using McastLab.Pipeline.Processes;
using McastLab.Pipeline.Tests.Boxes;
using YamlDotNet.RepresentationModel;

namespace McastLab.Pipeline.Tests.Workflows;

/// <summary>
/// The real-run workflows (kind-lab.yml, kvm-lab.yml) cannot run here; what they run is docs/ci-workflows.md,
/// and every step that can run here does: the pins, the kind config, the node scripts on real containers, the
/// registry config on the real docker-registry, and packer validate of the KVM workflow's boxes.
/// </summary>
public sealed partial class CiWorkflowTests
{
    private static readonly string Root = RepositoryRoot.Path;
    private static readonly string[] RealRunWorkflows = ["kind-lab.yml", "kvm-lab.yml"];

    /// <summary>The `run:` texts of a workflow's only job, in order.</summary>
    internal static List<string> Runs(string workflow)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Root, ".github", "workflows", workflow))) stream.Load(reader);
        var jobs = (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)[new YamlScalarNode("jobs")];
        var job = (YamlMappingNode)Assert.Single(jobs.Children).Value;
        var steps = ((YamlSequenceNode)job[new YamlScalarNode("steps")]).Children.Cast<YamlMappingNode>();
        return [.. steps.Where(s => s.Children.ContainsKey(new YamlScalarNode("run")))
            .Select(s =>
            {
                Assert.False(s.Children.ContainsKey(new YamlScalarNode("working-directory")), "a working-directory is not in the docs' blocks: cd in the run instead");
                return s[new YamlScalarNode("run")].ToString().TrimEnd('\n');
            })];
    }

    private static List<string> DocBlocks() =>
        [.. BashBlock().Matches(File.ReadAllText(Path.Combine(Root, "docs", "ci-workflows.md"))).Select(m => m.Groups[1].Value.TrimEnd('\n'))];

    [Fact]
    public void Every_run_step_is_a_block_of_the_docs_page_verbatim_and_in_order()
    {
        var runs = RealRunWorkflows.SelectMany(Runs).ToList();
        var blocks = DocBlocks();

        Assert.True(runs.Count >= 9, $"only {runs.Count} run steps");
        Assert.Equal(runs, blocks.Take(runs.Count));
    }

    [Fact]
    public void The_docs_check_finds_a_step_that_is_not_on_the_page()
    {
        // What the comparison above sees when a workflow gains a step the page lacks.
        var runs = Runs("kind-lab.yml").Append("./build.sh Lab --lab-backend=cluster --not-in-the-docs").ToList();
        Assert.NotEqual(runs, DocBlocks().Take(runs.Count));
    }

    [Fact]
    public void Every_pin_the_workflows_read_is_in_mcastlab_json_and_exact()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "mcastlab.json")));
        var versions = json.RootElement.GetProperty("versions");
        var read = RealRunWorkflows.SelectMany(Runs).SelectMany(r => PinRead().Matches(r).Select(m => m.Groups[1].Value)).Distinct().Order().ToList();

        Assert.Equal(["kind-node-image", "kind-version", "packer-version", "vagrant-libvirt-version", "vagrant-version"], read);
        foreach (var pin in read)
        {
            var value = versions.GetProperty(pin).GetString() ?? "";
            Assert.Matches(pin == "kind-node-image" ? @"^kindest/node:v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$" : @"^v?\d+\.\d+\.\d+$", value);
        }
        // The pipeline resolves them (their forms are checked at every start), and the Multus the kind lab installs
        // (--install-multus) is the one pinned beside them.
        Assert.Equal(versions.GetProperty("multus-version").GetString(), BoxTestContext.Parameters().ClusterAddons.Multus.Version);
    }

    [Fact]
    public void The_kind_config_is_a_v1alpha4_cluster_of_a_control_plane_and_a_worker_named_as_the_steps_name_them()
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Root, ".ci", "kind", "cluster.yaml"))) stream.Load(reader);
        var config = (YamlMappingNode)stream.Documents[0].RootNode;
        Assert.Equal("Cluster", config[new YamlScalarNode("kind")].ToString());
        Assert.Equal("kind.x-k8s.io/v1alpha4", config[new YamlScalarNode("apiVersion")].ToString());
        var name = config[new YamlScalarNode("name")].ToString();
        var roles = ((YamlSequenceNode)config[new YamlScalarNode("nodes")]).Children.Cast<YamlMappingNode>().Select(n => n[new YamlScalarNode("role")].ToString()).ToList();
        Assert.Equal(["control-plane", "worker"], roles);
        // kind names nodes CLUSTER-control-plane, CLUSTER-worker (a second worker would be CLUSTER-worker2).
        var steps = string.Join('\n', Runs("kind-lab.yml"));
        Assert.Contains($".ci/kind/second-interface.sh {name}-control-plane {name}-worker", steps, StringComparison.Ordinal);
        Assert.Contains($".ci/kind/registry-mirror.sh 5001 {name}-control-plane {name}-worker", steps, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_KVM_workflow_boxes_pass_packer_validate_with_its_arguments()
    {
        var boxes = Assert.Single(Runs("kvm-lab.yml"), r => r.StartsWith("./build.sh Boxes", StringComparison.Ordinal));
        var provider = Regex.Match(boxes, "--box-provider=([a-z]+)").Groups[1].Value;
        var os = Regex.Match(boxes, "--box-os=([a-z0-9]+)") is { Success: true } m ? m.Groups[1].Value : "centos7";
        Assert.Equal("libvirt", provider);
        foreach (var role in new[] { "Docker", "K8s" })
        {
            await new PackerTemplateTests().Packer_validates_the_template_with_the_var_file_and_the_arguments_the_pipeline_passes(os, role, provider);
        }
    }

    [GeneratedRegex(@"```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();

    [GeneratedRegex(@"\.versions\[""([a-z0-9-]+)""\]")]
    private static partial Regex PinRead();
}
