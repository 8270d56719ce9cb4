using McastLab.Pipeline.Lab;

namespace McastLab.Pipeline.Tests.Lab;

/// <summary>The soak's check on replayed captures: held when every receiver got everything, failed naming the receiver that lost the stream.</summary>
public sealed class DeliveryHeldTests
{
    [Fact]
    public void A_soak_plans_delivery_held_and_it_passes_when_every_receiver_got_everything()
    {
        var run = new ReplayedRun(("soak", "5"));

        var held = run.Report().Checks.Single(c => c.Name == DeliveryHeld.Name);

        Assert.Equal(CheckStatus.Passed, held.Status);
        Assert.Matches(@"^Over the 5 s soak every receiver kept the stream: k8s/pod-1: first datagram 0\.18 s after the join, held to the end;", held.Detail);
        Assert.DoesNotContain(new ReplayedRun().Report().Checks, c => c.Name == DeliveryHeld.Name);
    }

    [Fact]
    public void A_receiver_whose_stream_stopped_fails_it_with_when_the_last_datagram_came()
    {
        var run = new ReplayedRun(("soak", "5"));
        // The capture of a receiver that missed one datagram: it did not get the whole stream.
        var observed = run.WithFlow("outside-to-pods", "iperf-client-one-missing.txt", "k8s/pod-1", "mcast-recv-one-missing.jsonl", "mcast-recv-one-missing-beside.jsonl");

        var held = run.Report(observed).Checks.Single(c => c.Name == DeliveryHeld.Name);

        Assert.Equal(CheckStatus.Failed, held.Status);
        Assert.Matches(@"1 receiver\(s\) lost the stream: k8s/pod-1: first datagram \d+\.\d\d s after the join, delivery stopped at \d+\.\d s \(\d+ of \d+ datagrams\)", held.Detail);
    }
}
