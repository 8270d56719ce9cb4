namespace McastLab.Pipeline.Tests.Lab.Views;

/// <summary>
/// The report.json files the view tests render (TestData/): report-captured.json is the report of a real
/// `./build.sh Lab` (today's fields); report-contract.json is it extended with the contract's fields from
/// captured mcast recv and CNI output (extend-report.py says which part is which).
/// </summary>
internal static class ViewFixtures
{
    public static string Directory { get; } = Path.Combine(RepositoryRoot.Path, "tests/Pipeline.Tests/Lab/Views/TestData");

    public static string Captured => Path.Combine(Directory, "report-captured.json");

    public static string Contract => Path.Combine(Directory, "report-contract.json");

    /// <summary>A copy of a fixture in its own directory, named report.json, as the lab writes it.</summary>
    public static string CopyTo(TemporaryDirectory directory, string fixture) =>
        directory.File("lab/report.json", File.ReadAllText(fixture));
}
