using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Releases;

/// <summary>
/// A read-only file stream that logs every tenth of the way, so a box upload that takes minutes shows it is
/// moving. Seeking passes through: a retried upload starts again from the beginning.
/// </summary>
internal sealed class ProgressStream(FileStream inner, string name, IBuildLog log) : Stream
{
    private int reportedTenths;

    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Report(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Report(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin)
    {
        var position = inner.Seek(offset, origin);
        reportedTenths = (int)(position * 10 / Math.Max(1, inner.Length));
        return position;
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    private int Report(int read)
    {
        var tenths = (int)(inner.Position * 10 / Math.Max(1, inner.Length));
        if (tenths > reportedTenths && tenths < 10)
        {
            reportedTenths = tenths;
            log.Information($"Uploading {name}: {tenths * 10}% of {inner.Length / (1024 * 1024):N0} MiB.");
        }
        return read;
    }
}
