namespace McastLab.McastTools.Accounting;

/// <summary>How one data id relates to the ids already seen on its stream.</summary>
internal enum Arrival
{
    InOrder,
    OutOfOrder,
    Duplicate,
    TooOld,
}

/// <summary>
/// Remembers which of the last <see cref="Size"/> ids below the highest one have arrived, so duplicates
/// and late arrivals are told apart exactly; ids are 64-bit, so crossing 2^31 or 2^32 changes nothing.
/// </summary>
internal sealed class SequenceWindow
{
    public const int Size = 1 << 17;
    private readonly ulong[] _bits = new ulong[Size / 64];
    private bool _any;

    public long Lowest { get; private set; }
    public long Highest { get; private set; }

    public Arrival Record(long id)
    {
        if (!_any)
        {
            _any = true;
            Lowest = Highest = id;
            Set(id);
            return Arrival.InOrder;
        }

        if (id > Highest)
        {
            if (id - Highest >= Size)
            {
                Array.Clear(_bits);
            }
            else
            {
                // Slots are reused modulo Size: forget the ids that just left the window.
                for (var stale = Highest + 1; stale < id; stale++)
                {
                    Clear(stale);
                }
            }

            Highest = id;
            Set(id);
            return Arrival.InOrder;
        }

        if (Highest - id >= Size)
        {
            return Arrival.TooOld;
        }

        if (IsSet(id))
        {
            return Arrival.Duplicate;
        }

        Set(id);
        Lowest = Math.Min(Lowest, id);
        return Arrival.OutOfOrder;
    }

    private static (int Word, ulong Mask) Slot(long id)
    {
        var index = (int)((ulong)id % Size);
        return (index >> 6, 1UL << (index & 63));
    }

    private bool IsSet(long id)
    {
        var (word, mask) = Slot(id);
        return (_bits[word] & mask) != 0;
    }

    private void Set(long id)
    {
        var (word, mask) = Slot(id);
        _bits[word] |= mask;
    }

    private void Clear(long id)
    {
        var (word, mask) = Slot(id);
        _bits[word] &= ~mask;
    }
}
