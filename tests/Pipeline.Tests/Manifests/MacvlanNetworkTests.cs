using System.Text.Json.Nodes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Manifests;

namespace McastLab.Pipeline.Tests.Manifests;

public sealed class MacvlanNetworkTests
{
    private static MacvlanNetwork Network() => new()
    {
        Name = "net",
        Master = "eth1",
        Ipam = new HostLocalIpam { Subnet = "10.0.0.0/24", RangeStart = "10.0.0.13", RangeEnd = "10.0.0.254" },
    };

    [Fact]
    public void Json_uses_the_cni_field_names_and_leaves_unset_fields_out()
    {
        var json = JsonNode.Parse(Network().ToJson())!.AsObject();

        Assert.Equal(["cniVersion", "name", "type", "master", "mode", "ipam"], json.Select(p => p.Key));
        Assert.Equal("1.0.0", (string?)json["cniVersion"]);
        Assert.Equal("bridge", (string?)json["mode"]);
        Assert.Equal(["type", "subnet", "rangeStart", "rangeEnd", "routes"], json["ipam"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void Mtu_gateway_routes_and_data_directory_are_written_when_set()
    {
        var network = Network() with
        {
            Mode = MacvlanMode.Vepa,
            Mtu = 1400,
            Ipam = Network().Ipam with { Gateway = "10.0.0.1", DataDir = "/tmp/leases", Routes = [new CniRoute("224.0.0.0/4") { Gateway = "10.0.0.2" }] },
        };
        var json = JsonNode.Parse(network.ToJson())!;

        Assert.Equal(1400, (int?)json["mtu"]);
        Assert.Equal("vepa", (string?)json["mode"]);
        Assert.Equal("10.0.0.1", (string?)json["ipam"]!["gateway"]);
        Assert.Equal("/tmp/leases", (string?)json["ipam"]!["dataDir"]);
        Assert.Equal("10.0.0.2", (string?)json["ipam"]!["routes"]![0]!["gw"]);
        Assert.Equal(network, MacvlanNetwork.Parse(network.ToJson()));
    }

    [Fact]
    public void A_changed_field_makes_networks_unequal() =>
        Assert.NotEqual(Network(), Network() with { Ipam = Network().Ipam with { Routes = [new CniRoute("0.0.0.0/0")] } });

    [Theory]
    [InlineData("""{"cniVersion":"1.0.0","name":"n","type":"bridge","master":"eth1","mode":"bridge","ipam":{"type":"host-local","subnet":"10.0.0.0/24","rangeStart":"10.0.0.2","rangeEnd":"10.0.0.3"}}""", "not a macvlan network")]
    [InlineData("""{"cniVersion":"1.0.0","name":"n","type":"macvlan","master":"eth1","mode":"sideways","ipam":{"type":"host-local","subnet":"10.0.0.0/24","rangeStart":"10.0.0.2","rangeEnd":"10.0.0.3"}}""", "not valid")]
    [InlineData("""{"cniVersion":"1.0.0","name":"n","type":"macvlan","mode":"bridge","ipam":{"type":"host-local","subnet":"10.0.0.0/24","rangeStart":"10.0.0.2","rangeEnd":"10.0.0.3"}}""", "not valid")]
    public void Parse_refuses_what_is_not_our_network(string json, string expected)
    {
        var error = Assert.Throws<PipelineException>(() => MacvlanNetwork.Parse(json));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
