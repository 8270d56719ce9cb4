using ApprovalTests;
using ApprovalTests.Namers;
using McastLab.Pipeline.Manifests;

namespace McastLab.Pipeline.Tests.Manifests;

/// <summary>
/// Snapshots of the files other parameters generate: a changed field fails here with a line diff. The approved
/// files sit beside this class, named after the test and its scenario. The default parameters' snapshot is the
/// committed manifests/ and Vagrant/*.yml themselves (<see cref="CommittedManifestsTests"/>): one copy per file.
/// </summary>
public sealed class LabManifestsApprovalTests
{
    public static TheoryData<string, string[]> Scenarios() => new()
    {
        {
            "other-subnet-and-group",
            [
                "subnet=192.168.56.0/24", "group=239.1.2.3", "port=6000", "k8s-address=192.168.56.11",
                "mcastsrc-address=192.168.56.12", "range-start=192.168.56.100", "range-end=192.168.56.199",
                "manifest-tag=1.2.3", "registry=registry.example:5000",
            ]
        },
        { "interface-enp0s8", ["interface=enp0s8", "network-name=enp0s8-multicast"] },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Other_parameters_generate_the_approved_manifests(string name, string[] overrides)
    {
        var commandLine = overrides.Select(o => o.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        var files = new LabManifests(ManifestTestParameters.Resolve(commandLine)).Files()
            .Where(f => f.Path.StartsWith(LabManifests.ManifestsDirectory + "/", StringComparison.Ordinal));
        var text = string.Concat(files.Select(f => $"# ==== {f.Path}\n{f.Content}"));
        using var scenario = ApprovalResults.ForScenario(name);
        Approvals.VerifyWithExtension(text, ".yaml");
    }
}
