namespace McastLab.Pipeline.Parameters;

/// <summary>
/// The iperf version the images and interop tests expect (section "versions" of mcastlab.json). The other pins of
/// that section: the box OSes' (<see cref="BoxOs"/>) and the cluster add-ons' (<see cref="ClusterAddonPins"/>).
/// </summary>
public sealed record VersionPins(string Iperf)
{
    public static IReadOnlyList<ParameterDefinition> Definitions { get; } =
    [
        new("iperf-version", "versions", "iperf 2 version the images and interop tests expect (Debian bookworm ships 2.1.8).") { Form = ParameterForm.PackageVersion },
    ];

    public static VersionPins From(ResolvedParameters p) =>
        new(p.Text("iperf-version"));
}
