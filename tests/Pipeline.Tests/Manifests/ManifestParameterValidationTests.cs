using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Tests.Manifests;

/// <summary>Parameters that would generate a broken attachment stop with one sentence naming the parameter.</summary>
public sealed class ManifestParameterValidationTests
{
    [Theory]
    [InlineData("range-start=10.0.1.13", "--range-start must be an address inside the subnet 10.0.0.0/24")]
    [InlineData("range-end=10.0.1.254", "--range-end must be an address inside the subnet 10.0.0.0/24")]
    [InlineData("range-start=10.0.0.0", "--range-start must be a host address, not the network address of 10.0.0.0/24")]
    [InlineData("range-end=10.0.0.255", "--range-end must be a host address, not the broadcast address of 10.0.0.0/24")]
    [InlineData("range-start=10.0.0.200;range-end=10.0.0.100", "--range-end must be an address at or after --range-start 10.0.0.200")]
    [InlineData("k8s-address=10.0.0.20", "--k8s-address must be outside the pods' IPAM range 10.0.0.13-10.0.0.254")]
    [InlineData("mcastsrc-address=10.0.0.254", "--mcastsrc-address must be outside the pods' IPAM range")]
    [InlineData("group=10.0.0.50", "--group must be an IPv4 multicast address")]
    [InlineData("group=not-an-address", "--group must be an IP address")]
    [InlineData("interface=eth1/x", "--interface must be a Linux interface name")]
    [InlineData("interface=averyveryverylongname", "--interface must be a Linux interface name")]
    [InlineData("network-name=Eth1_Multicast", "--network-name must be a Kubernetes name")]
    [InlineData("subnet=10.0.0.0/33", "--subnet must be a network in CIDR form")]
    [InlineData("subnet=10.0.0.5/24", "--subnet must be a network address without host bits, such as 10.0.0.0/24")]
    public void A_bad_parameter_stops_with_one_sentence(string overrides, string expected)
    {
        var commandLine = overrides.Split(';').Select(o => o.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);

        var error = Assert.Throws<ParameterException>(() => ManifestTestParameters.Resolve(commandLine));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("from the command line", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(").", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_small_subnet_with_a_full_range_is_accepted_when_it_has_no_broadcast_address()
    {
        var parameters = ManifestTestParameters.Resolve(new Dictionary<string, string>
        {
            ["subnet"] = "10.9.0.0/24", ["k8s-address"] = "10.9.0.1", ["mcastsrc-address"] = "10.9.0.2",
            ["range-start"] = "10.9.0.3", ["range-end"] = "10.9.0.254",
        });
        Assert.Equal(252, parameters.Lab.RangeSize());
    }
}
