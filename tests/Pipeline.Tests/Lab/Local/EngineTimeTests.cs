using McastLab.Pipeline.Lab.Local;

namespace McastLab.Pipeline.Tests.Lab.Local;

/// <summary>The engine's exit time, from which the flows' settle time runs (docker inspect's State.FinishedAt).</summary>
public sealed class EngineTimeTests
{
    [Fact]
    public void Nanoseconds_are_cut_to_what_a_DateTimeOffset_holds_and_the_time_stays_UTC() =>
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 21, 48, 9, TimeSpan.Zero).AddTicks(1234567), LabContainers.EngineTime("2026-12-06T21:48:09.123456789Z"));

    [Fact]
    public void An_offset_is_kept() =>
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 22, 48, 9, TimeSpan.FromHours(1)), LabContainers.EngineTime("2026-12-06T22:48:09+01:00"));

    [Theory]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData(null)]
    public void The_engines_zero_time_and_anything_else_is_unknown(string? text) => Assert.Null(LabContainers.EngineTime(text));
}
