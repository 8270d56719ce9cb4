namespace McastLab.McastTools.Wire;

/// <summary>
/// The bytes every datagram of a test shares: zero flags at byte 16 (a plain iperf 2 client, no extended
/// header, so no receiver ever reads payload as flags), zeros up to byte 159, then iperf's ASCII digits.
/// </summary>
internal static class DatagramTemplate
{
    public const int MinimumLength = IperfHeader.Size + 4;
    public const int MaximumLength = 65_507;

    public static byte[] Create(int length)
    {
        if (length is < MinimumLength or > MaximumLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"A datagram must be {MinimumLength}-{MaximumLength} bytes.");
        }

        var bytes = new byte[length];
        for (var i = IperfHeader.PatternOffset; i < length; i++)
        {
            bytes[i] = (byte)('0' + ((i - IperfHeader.PatternOffset) % 10));
        }

        return bytes;
    }
}
