namespace McastLab.Pipeline.Tests.Manifests;

public sealed class ApproveCommandReporterTests
{
    [Fact]
    public void A_changed_field_is_shown_as_a_line_diff_with_the_approve_command()
    {
        var directory = Directory.CreateTempSubdirectory("mf-approve-");
        try
        {
            var approved = Path.Combine(directory.FullName, "x.approved.yaml");
            var received = Path.Combine(directory.FullName, "x.received.yaml");
            File.WriteAllText(approved, "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\ng: 7\n");
            File.WriteAllText(received, "a: 1\nb: 2\nc: 3\nd: 40\ne: 5\nf: 6\ng: 7\n");

            var text = ApproveCommandReporter.Describe(approved, received);

            Assert.Equal(
                $"""
                x.received.yaml differs from x.approved.yaml (- approved, + received):
                  b: 2
                  c: 3
                - d: 4
                + d: 40
                  e: 5
                  f: 6

                If the change is intended, approve it with:
                  mv '{received}' '{approved}'
                """, text);
            Assert.Throws<SnapshotMismatchException>(() => new ApproveCommandReporter().Report(approved, received));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
