using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Tests.Parameters;

/// <summary>Every parameter of the catalog, given a bad value, stops BuildParameters.Resolve (before any target) with one sentence.</summary>
public sealed class ParameterCatalogTests
{
    /// <summary>A bad value per parameter and the start of what the error must say it expects.</summary>
    private static readonly Dictionary<string, (string Value, string Expected)> BadValues = new(StringComparer.Ordinal)
    {
        ["configuration"] = ("Fast", "Release or Debug"),
        ["lab-backend"] = ("kind", "one of local, vagrant"),
        ["group"] = ("10.1.2.3", "an IPv4 multicast address"),
        ["port"] = ("65536", "a whole number from 1 to 65535"),
        ["ttl"] = ("-1", "a whole number from 0 to 255"),
        ["subnet"] = ("10.0.0.0", "a network in CIDR form"),
        ["k8s-address"] = ("10.0.1.11", "an address inside the subnet"),
        ["mcastsrc-address"] = ("10.0.0.11", "different from --k8s-address"),
        ["range-start"] = ("10.0.0.0", "a host address, not the network address"),
        ["range-end"] = ("10.0.0.255", "a host address, not the broadcast address"),
        ["interface"] = ("eth1 ", "a Linux interface name"),
        ["network-name"] = ("Eth1", "a Kubernetes name"),
        ["duration"] = ("NaN", "a whole number from 1 to 3600"),
        ["rate"] = ("fast", "an iperf rate such as 1M"),
        ["pods"] = ("0", "a whole number from 1 to 64"),
        ["nodes"] = ("17", "a whole number from 1 to 16"),
        ["segment"] = ("switch", "one of flood, snooping, snooping-no-querier"),
        ["fault"] = ("rp_filter", "one of none, no-route,"),
        ["soak"] = ("3601", "a whole number from 0 to 3600"),
        ["registry"] = ("https://ghcr.io", "a registry host[:port]"),
        ["registry-user"] = ("my:user", "a user name without ':'"),
        ["registry-password"] = ("line\nbreak", "a password without line breaks"),
        ["base-image"] = ("Debian:Bookworm", "an image reference"),
        ["debian-suite"] = ("Bookworm", "a Debian suite"),
        ["debian-mirror"] = ("deb.debian.org/debian", "an http(s) URL"),
        ["iperf-image"] = ("mcastlab/iperf:latest", "an image repository"),
        ["mcast-image"] = ("127.0.0.1:5000/mcastlab/mcast", "an image repository"),
        ["manifest-tag"] = ("-latest", "an image tag"),
        ["iperf-version"] = ("2.1", "a version such as 2.1.8"),
        ["kubernetes-minor-centos7"] = ("v1.34", "a Kubernetes minor such as 1.34"),
        ["docker-ce-centos7-version"] = ("latest", "a version such as 2.1.8"),
        ["multus-version"] = ("master", "a release tag such as v4.3.0"),
        ["multus-manifest-url"] = ("http://example.org/v4.3.0/multus.yml", "an https URL"),
        ["multus-manifest-sha256"] = ("ABC", "a sha256 of 64 lower-case hex digits"),
        ["multus-image"] = ("ghcr.io/k8snetworkplumbingwg/multus-cni:snapshot", "an image tagged with --multus-version"),
        ["flannel-version"] = ("latest", "a release tag such as v4.3.0"),
        ["kind-version"] = ("latest", "a release tag such as v4.3.0"),
        ["kind-node-image"] = ("kindest/node:v1.35.8", "an image by tag and digest"),
        ["vagrant-version"] = ("2.4", "a version such as 2.1.8"),
        ["packer-version"] = ("latest", "a version such as 2.1.8"),
        ["vagrant-libvirt-version"] = ("0.12", "a version such as 2.1.8"),
        ["flannel-manifest-url"] = ("https://github.com/flannel-io/flannel/releases/latest/download/kube-flannel.yml", "a URL of the release"),
        ["flannel-manifest-sha256"] = ("f17c57f8", "a sha256 of 64 lower-case hex digits"),
        ["github-repository"] = ("mcastlab", "owner/name"),
        ["github-api-url"] = ("ftp://api.github.com", "an absolute http(s) URL"),
        ["box-directory"] = ("artifacts/\u0000boxes", "a path without line breaks"),
        ["release-tag"] = ("1.2", "a version tag such as v1.2.0"),
        ["github-token"] = ("ghp_abc def", "a token without spaces"),
        ["box-os"] = ("centos8", "one of centos7, rocky9"),
        ["box-provider"] = ("vmware", "one of virtualbox, libvirt"),
        ["box-version"] = ("v1.0", "a box version of numbers and dots"),
        ["workers"] = ("10", "a whole number from 0 to 9"),
        ["worker-address-start"] = ("fe80::2", "an IPv4 address"),
        ["k8s-host"] = ("K8s", "a host name"),
        ["mcastsrc-host"] = ("k8s", "different from --k8s-host"),
        ["pod-cidr"] = ("10.244.0.0", "a network in CIDR form"),
        ["centos7-box-version"] = ("latest", "a box version of numbers and dots"),
        ["rocky9-box-version"] = ("latest-9", "a box version of numbers and dots"),
        ["docker-ce-rocky9-version"] = ("27", "a version such as 2.1.8"),
        ["containerd-io-centos7-version"] = ("1.6", "a version such as 2.1.8"),
        ["containerd-io-rocky9-version"] = ("latest", "a version such as 2.1.8"),
        ["kubernetes-minor-rocky9"] = ("1.x", "a Kubernetes minor such as 1.34"),
        ["kubeconfig"] = ("/root/.kube/con\u0000fig", "a path without line breaks"),
        ["kube-context"] = ("kind cluster", "a kubeconfig context name without spaces"),
        ["namespace"] = ("Default", "a Kubernetes namespace name"),
        ["node-selector"] = ("mcast=yes;reboot", "a label selector such as mcast=yes"),
        ["install-multus"] = ("maybe", "true or false"),
        ["pod-timeout"] = ("1e3", "a whole number from 1 to 3600"),
        ["keep-run"] = ("maybe", "true or false"),
        ["tolerate-taints"] = ("a b", "taint keys separated by commas, such as node-role.kubernetes.io/control-plane"),
    };

    /// <summary>Parameters checked elsewhere before any target runs, and where.</summary>
    private static readonly Dictionary<string, string> CheckedElsewhere = new(StringComparer.Ordinal)
    {
        // Only the target graph knows the targets: build.cake refuses an unknown one before RunTarget (BuildScriptTests).
        ["skip"] = "build.cake: graph.Require(name, \"The --skip target\")",
    };

    public static TheoryData<string> Names => [.. ParameterCatalog.All.Select(d => d.Name)];

    [Fact]
    public void Every_parameter_has_a_bad_value_here()
    {
        var untested = ParameterCatalog.All.Select(d => d.Name).Where(n => !BadValues.ContainsKey(n) && !CheckedElsewhere.ContainsKey(n)).ToList();
        Assert.Empty(untested);
        var unknown = BadValues.Keys.Except(ParameterCatalog.All.Select(d => d.Name)).ToList();
        Assert.Empty(unknown);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_bad_value_stops_resolution_with_one_sentence(string name)
    {
        if (CheckedElsewhere.ContainsKey(name)) return;
        var definition = ParameterCatalog.All.Single(d => d.Name == name);
        var (value, expected) = BadValues[name];
        // Secrets come from the environment only; everything else is tried from the command line.
        var commandLine = definition.IsSecret ? new Dictionary<string, string>() : new Dictionary<string, string> { [name] = value };
        string? Environment(string variable) => definition.IsSecret && variable == definition.EnvironmentVariable ? value : null;

        var error = Assert.Throws<ParameterException>(() => BuildParameters.Resolve(RepositoryRoot.Path, commandLine, Environment, new SecretMasker()));

        Assert.StartsWith($"Parameter --{name} must be {expected}", error.Message, StringComparison.Ordinal);
        var source = definition.IsSecret ? definition.EnvironmentVariable : "the command line";
        var shown = definition.IsSecret ? SecretMasker.Placeholder : value;
        Assert.EndsWith($"(got '{shown}' from {source}).", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message.Replace(shown, "", StringComparison.Ordinal));
    }

    [Fact]
    public void The_repository_defaults_pass_every_check() =>
        Assert.NotNull(BuildParameters.Resolve(RepositoryRoot.Path, new Dictionary<string, string>(), _ => null, new SecretMasker()));

    [Theory]
    [InlineData("500k", "5")]
    [InlineData("200pps", "1")]
    [InlineData("1k", "12")]
    public void Usable_rates_pass(string rate, string duration) =>
        Assert.Equal(rate, BuildParameters.Resolve(RepositoryRoot.Path, new Dictionary<string, string> { ["rate"] = rate, ["duration"] = duration }, _ => null, new SecretMasker()).Lab.Rate);

    [Theory]
    [InlineData("0", "5")]
    [InlineData("100", "5")]
    [InlineData("0.5pps", "1")]
    public void A_rate_that_sends_nothing_in_the_duration_is_refused(string rate, string duration)
    {
        var error = Assert.Throws<ParameterException>(() => BuildParameters.Resolve(RepositoryRoot.Path, new Dictionary<string, string> { ["rate"] = rate, ["duration"] = duration }, _ => null, new SecretMasker()));
        Assert.StartsWith($"Parameter --rate must be a rate that sends at least one 1470-byte datagram in --duration {duration} s", error.Message, StringComparison.Ordinal);
    }
}
