namespace Intake.Api.Email;

/// <summary>A write-only sink that keeps the first <c>capacity</c> bytes and after that only counts.</summary>
internal sealed class CappedStream(long capacity) : Stream
{
    private readonly MemoryStream kept = new();

    public long Count { get; private set; }
    public bool Overflowed => Count > capacity;

    public byte[] ToArray() => kept.ToArray();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Count += buffer.Length;
        if (Overflowed)
        {
            // Past the cap the content is dropped anyway: release what was kept.
            if (kept.Length > 0) kept.SetLength(0);
            return;
        }
        kept.Write(buffer);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Count;
    public override long Position { get => Count; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) kept.Dispose();
        base.Dispose(disposing);
    }
}
