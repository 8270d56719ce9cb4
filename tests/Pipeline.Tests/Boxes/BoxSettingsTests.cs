using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Tests.Boxes;

public sealed class BoxSettingsTests
{
    [Fact]
    public void The_repositorys_parameters_make_the_walkthroughs_CentOS_7_boxes_with_no_workers()
    {
        var boxes = BoxTestContext.Parameters().Boxes;

        Assert.Equal("docker-centos7", boxes.BoxName(BoxRole.Docker));
        Assert.Equal("k8s-centos7", boxes.BoxName(BoxRole.K8s));
        Assert.Equal(0, boxes.Workers);
        Assert.Equal(new OsPins("2004.01", "26.1.4", "1.6.33", "1.34"), boxes.Pins);
    }

    public static TheoryData<string> Oses => [.. BoxOs.All.Select(o => o.Name)];

    [Theory]
    [MemberData(nameof(Oses))]
    public void Each_OS_record_has_a_var_folder_that_names_the_same_OS_and_base_box(string name)
    {
        var os = BoxOs.All.Single(o => o.Name == name);
        string Value(string box, string key) => File.ReadLines(Path.Combine(BoxTestContext.RepositoryRoot, "packer", "vars", name, box + ".pkrvars.hcl"))
            .Single(l => l.StartsWith(key + " ", StringComparison.Ordinal)).Split('=', 2)[1].Trim().Trim('"');

        Assert.Equal(os.BaseBox, Value("docker", "source_box"));
        Assert.Equal(BoxSettings.BoxName(BoxRole.Docker, os), Value("k8s", "source_box"));
        foreach (var box in new[] { "docker", "k8s" })
        {
            Assert.Equal(os.Name, Value(box, "os"));
            Assert.Equal(BoxSettings.BoxName(Enum.Parse<BoxRole>(box, ignoreCase: true), os), Value(box, "box_name"));
        }
    }

    [Fact]
    public void Kubernetes_newer_than_1_34_is_refused_on_CentOS_7()
    {
        var error = Assert.Throws<ParameterException>(() => BoxTestContext.Parameters(("kubernetes-minor-centos7", "1.35")));

        Assert.Equal("Parameter --kubernetes-minor-centos7 must be 1.34 or older on CentOS 7 (cgroup v1 only) (got '1.35' from the command line).", error.Message);
    }

    [Theory]
    [InlineData("9", "10.0.0.2", null, null)]
    [InlineData("10", "10.0.0.2", "workers", "a whole number from 0 to 9")]
    [InlineData("2", "10.0.0.10", "worker-address-start", "off the k8s and mcastsrc addresses")]
    [InlineData("1", "10.0.0.13", "worker-address-start", "outside the pods' IPAM range 10.0.0.13-10.0.0.254")]
    [InlineData("1", "10.0.1.2", "worker-address-start", "inside the subnet 10.0.0.0/24")]
    public void Worker_addresses_must_stay_on_the_segment_off_the_hosts_and_out_of_the_IPAM_range(string workers, string start, string? rejected, string? reason)
    {
        var resolve = () => BoxTestContext.Parameters(("workers", workers), ("worker-address-start", start));

        if (rejected is null)
        {
            Assert.Equal("10.0.0.10", resolve().Boxes.WorkerAddresses()[^1].ToString());
            return;
        }
        var error = Assert.Throws<ParameterException>(resolve);
        Assert.StartsWith($"Parameter --{rejected} must be", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason!, error.Message, StringComparison.Ordinal);
    }
}
