using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Tests.Parameters;

/// <summary>--segment, --fault and --soak: their written forms, defaults, and the combinations refused.</summary>
public sealed class LabDiagnosisSettingsTests
{
    private static LabSettings Resolve(Dictionary<string, string> commandLine) =>
        BuildParameters.Resolve(RepositoryRoot.Path, commandLine, _ => null, new SecretMasker()).Lab;

    [Fact]
    public void The_defaults_reproduce_the_walkthrough_a_flooding_segment_no_fault_no_soak()
    {
        var lab = Resolve([]);
        Assert.Equal((LabSegment.Flood, LabFault.None, 0), (lab.Segment, lab.Fault, lab.SoakSeconds));
    }

    [Fact]
    public void Written_forms_are_the_cause_ids()
    {
        var lab = Resolve(new() { ["segment"] = "snooping-no-querier", ["soak"] = "30" });
        Assert.Equal((LabSegment.SnoopingNoQuerier, 30), (lab.Segment, lab.SoakSeconds));
        Assert.Equal(LabFault.IgmpBlocked, Resolve(new() { ["segment"] = "snooping", ["fault"] = "igmp-blocked" }).Fault);
        Assert.Contains("rp-filter", LabFaultForms.All<LabFault>());
    }

    [Theory]
    [InlineData("fault", "rp_filter", "--fault must be one of none, no-route,")]
    [InlineData("segment", "snoop", "--segment must be one of flood, snooping, snooping-no-querier")]
    [InlineData("fault", "igmp-blocked", "--fault must be one the segment can show: igmp-blocked needs --segment=snooping")]
    [InlineData("soak", "-1", "--soak must be a whole number from 0 to 3600")]
    public void A_bad_value_stops_with_one_sentence(string name, string value, string expected)
    {
        var error = Assert.Throws<ParameterException>(() => Resolve(new() { [name] = value }));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_local_backend_takes_a_fault()
    {
        var error = Assert.Throws<ParameterException>(() => Resolve(new() { ["lab-backend"] = "cluster", ["fault"] = "rp-filter" }));
        Assert.Contains("--fault must be none unless --lab-backend=local", error.Message, StringComparison.Ordinal);
    }
}
