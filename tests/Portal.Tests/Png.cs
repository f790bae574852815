using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Portal.Tests;

/// <summary>
/// Just enough of a PNG decoder to check a screenshot: 8-bit RGB or RGBA, not interlaced (what Chromium writes).
/// Pixels are 0xRRGGBBAA.
/// </summary>
public sealed record Png(int Width, int Height, uint[] Pixels)
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    public static Png Decode(byte[] png)
    {
        if (!png.AsSpan().StartsWith(Signature)) throw new FormatException("Not a PNG: the signature is missing.");
        int width = 0, height = 0, channels = 0;
        using var compressed = new MemoryStream();
        for (var at = Signature.Length; at + 8 <= png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length);
            at += 12 + length; // length, type, data, CRC
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                var (depth, colour, interlace) = (data[8], data[9], data[12]);
                if (depth != 8 || colour is not (2 or 6) || interlace != 0)
                    throw new FormatException($"Unsupported PNG: bit depth {depth}, colour type {colour}, interlace {interlace}.");
                channels = colour == 6 ? 4 : 3;
            }
            else if (type == "IDAT") compressed.Write(data);
            else if (type == "IEND") break;
        }
        if (channels == 0) throw new FormatException("Not a PNG: no IHDR chunk.");

        var stride = width * channels;
        var raw = new byte[height * (stride + 1)];
        compressed.Position = 0;
        using (var inflate = new ZLibStream(compressed, CompressionMode.Decompress)) inflate.ReadExactly(raw);

        // Undo each row's filter (PNG spec, section 9) in place; a row's bytes follow its filter-type byte.
        var pixels = new uint[width * height];
        for (var y = 0; y < height; y++)
        {
            var row = raw.AsSpan(y * (stride + 1) + 1, stride);
            ReadOnlySpan<byte> above = y == 0 ? new byte[stride] : raw.AsSpan((y - 1) * (stride + 1) + 1, stride);
            var filter = raw[y * (stride + 1)];
            for (var i = 0; i < stride; i++)
            {
                int left = i >= channels ? row[i - channels] : 0, up = above[i], upLeft = i >= channels ? above[i - channels] : 0;
                row[i] = (byte)(row[i] + filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => throw new FormatException($"Unknown PNG filter {filter}."),
                });
            }
            for (var x = 0; x < width; x++)
            {
                var p = row.Slice(x * channels, channels);
                pixels[y * width + x] = (uint)(p[0] << 24 | p[1] << 16 | p[2] << 8 | (channels == 4 ? p[3] : 255));
            }
        }
        return new Png(width, height, pixels);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
