using ApprovalTests.Core;
using ApprovalTests.Reporters;
using McastLab.Pipeline.Tests.Manifests;

// ApprovalTests does not notice CI=true and would try to open a diff tool: under CI, fail with the diff and
// the command that approves the new text instead.
[assembly: FrontLoadedReporter(typeof(ApproveCommandReporter))]

namespace McastLab.Pipeline.Tests.Manifests;

/// <summary>Reports a snapshot mismatch as text: a line diff and the command that approves the received file.</summary>
public sealed class ApproveCommandReporter : IEnvironmentAwareReporter
{
    public bool IsWorkingInThisEnvironment(string forFile) =>
        Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ci && !ci.Equals("false", StringComparison.OrdinalIgnoreCase);

    public void Report(string approved, string received) =>
        throw new SnapshotMismatchException(Describe(approved, received));

    public static string Describe(string approved, string received)
    {
        var expected = File.Exists(approved) ? File.ReadAllLines(approved) : [];
        var actual = File.ReadAllLines(received);
        var heading = File.Exists(approved)
            ? $"{Path.GetFileName(received)} differs from {Path.GetFileName(approved)} (- approved, + received):"
            : $"{Path.GetFileName(approved)} does not exist yet; the received text is:";
        return string.Join('\n',
            [heading, .. LineDiff.Render(expected, actual), "", "If the change is intended, approve it with:", $"  mv '{received}' '{approved}'"]);
    }
}

/// <summary>A snapshot that does not match its approved file.</summary>
public sealed class SnapshotMismatchException(string message) : Exception(message);
