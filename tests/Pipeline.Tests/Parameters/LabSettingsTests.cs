using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Tests.Parameters;

public sealed class LabSettingsTests
{
    private static BuildParameters Resolve(Dictionary<string, string> commandLine) =>
        BuildParameters.Resolve(RepositoryRoot.Path, commandLine, _ => null, new SecretMasker());

    [Fact]
    public void The_defaults_are_the_walkthrough()
    {
        var lab = Resolve([]).Lab;
        Assert.Equal("224.0.67.67", lab.Group.ToString());
        Assert.Equal(5001, lab.Port);
        Assert.Equal(5, lab.Ttl);
        Assert.Equal("10.0.0.0/24", lab.Subnet.ToString());
        Assert.Equal("10.0.0.11", lab.K8sAddress.ToString());
        Assert.Equal("10.0.0.12", lab.McastsrcAddress.ToString());
        Assert.Equal(242, lab.RangeSize());
        Assert.Equal("eth1", lab.Interface);
        Assert.Equal(LabBackend.Local, lab.Backend);
    }

    [Theory]
    [InlineData("group", "10.1.2.3", "--group must be an IPv4 multicast address")]
    [InlineData("group", "ff02::1", "--group must be an IPv4 multicast address")]
    [InlineData("group", "239.1.2.3", null)]
    [InlineData("range-start", "10.0.1.13", "--range-start must be an address inside the subnet 10.0.0.0/24")]
    [InlineData("range-end", "10.0.0.12", "--range-end must be an address at or after --range-start")]
    [InlineData("k8s-address", "10.0.0.20", "--k8s-address must be outside the pods' IPAM range 10.0.0.13-10.0.0.254")]
    [InlineData("interface", "eth1/x", "--interface must be a Linux interface name")]
    [InlineData("interface", "averyveryverylongname", "--interface must be a Linux interface name")]
    [InlineData("interface", "enp0s8", null)]
    [InlineData("network-name", "Eth1_Multicast", "--network-name must be a Kubernetes name")]
    [InlineData("lab-backend", "kind", "--lab-backend must be one of local, vagrant, cluster")]
    [InlineData("ttl", "256", "--ttl must be a whole number from 0 to 255")]
    [InlineData("subnet", "10.0.0.0", "--subnet must be a network in CIDR form")]
    public void A_bad_combination_stops_with_one_sentence(string name, string value, string? expected)
    {
        if (expected is null)
        {
            Assert.NotNull(Resolve(new() { [name] = value }).Lab);
            return;
        }
        var error = Assert.Throws<ParameterException>(() => Resolve(new() { [name] = value }));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(got '" + value + "' from the command line).", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_pods_than_addresses_is_refused()
    {
        var error = Assert.Throws<ParameterException>(() => Resolve(new() { ["range-end"] = "10.0.0.14", ["pods"] = "3" }));
        Assert.Contains("--pods must be at most the 2 addresses of the IPAM range", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_registry_password_is_masked_once_resolved()
    {
        var masker = new SecretMasker();
        var parameters = BuildParameters.Resolve(RepositoryRoot.Path, new Dictionary<string, string>(), name => name == "MCASTLAB_REGISTRY_PASSWORD" ? "pa55word!" : null, masker);
        Assert.Equal("pa55word!", parameters.Images.RegistryPassword);
        Assert.Equal("login ***", masker.Mask("login pa55word!"));
        var shown = parameters.Describe().Single(p => p.Name == "registry-password");
        Assert.Equal(SecretMasker.Placeholder, shown.Value);
    }

    [Fact]
    public void The_registry_login_is_masked_as_http_basic_sends_it()
    {
        var masker = new SecretMasker();
        var environment = new Dictionary<string, string> { ["MCASTLAB_REGISTRY_USER"] = "my-user", ["MCASTLAB_REGISTRY_PASSWORD"] = "pa:ss/wo+rd=" };
        BuildParameters.Resolve(RepositoryRoot.Path, new Dictionary<string, string>(), environment.GetValueOrDefault, masker);
        var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("my-user:pa:ss/wo+rd="));
        Assert.Equal("Authorization: Basic ***", masker.Mask("Authorization: Basic " + basic));
    }
}
