using System.Buffers.Binary;
using System.IO.Compression;

namespace McastLab.Pipeline.Tests.Lab.Views;

/// <summary>
/// The pixels of an 8-bit RGB or RGBA PNG (what Chromium's --screenshot writes), as grey levels: enough to tell a
/// page with content from a blank one. No image library is obtainable here; PNG is zlib and five row filters.
/// </summary>
internal sealed class PngPixels
{
    private PngPixels(int width, int height, byte[] grey) => (Width, Height, Grey) = (width, height, grey);

    public int Width { get; }

    public int Height { get; }

    /// <summary>One byte per pixel, row by row: (R + G + B) / 3.</summary>
    public byte[] Grey { get; }

    /// <summary>The variance of the grey levels: 0 for a page of one colour.</summary>
    public double Variance
    {
        get
        {
            var mean = Grey.Average(g => (double)g);
            return Grey.Average(g => (g - mean) * (g - mean));
        }
    }

    /// <summary>The share of pixels that are not the page's most common grey (its background).</summary>
    public double InkShare
    {
        get
        {
            var background = Grey.GroupBy(g => g).MaxBy(g => g.Count())!.Key;
            return Grey.Count(g => Math.Abs(g - background) > 16) / (double)Grey.Length;
        }
    }

    public static PngPixels Read(byte[] png)
    {
        if (!png.AsSpan(0, 8).SequenceEqual((byte[])[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            throw new InvalidDataException("not a PNG file");
        }
        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (var at = 8; at + 8 <= png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at, 4));
            var type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data[..4]);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..8]);
                if (data[8] != 8 || data[12] != 0) throw new InvalidDataException("only 8-bit, non-interlaced PNGs are read");
                channels = data[9] switch { 2 => 3, 6 => 4, _ => throw new InvalidDataException($"colour type {data[9]} is not RGB or RGBA") };
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }
            at += 12 + length;
        }
        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress)) z.CopyTo(inflated);
        var raw = inflated.ToArray();
        var stride = width * channels;
        var previous = new byte[stride];
        var row = new byte[stride];
        var grey = new byte[width * height];
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (stride + 1)];
            Array.Copy(raw, y * (stride + 1) + 1, row, 0, stride);
            for (var i = 0; i < stride; i++)
            {
                int left = i >= channels ? row[i - channels] : 0, up = previous[i], corner = i >= channels ? previous[i - channels] : 0;
                row[i] = (byte)(row[i] + filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, corner),
                    _ => throw new InvalidDataException($"unknown PNG row filter {filter}"),
                });
            }
            for (var x = 0; x < width; x++) grey[y * width + x] = (byte)((row[x * channels] + row[x * channels + 1] + row[x * channels + 2]) / 3);
            (previous, row) = (row, previous);
        }
        return new PngPixels(width, height, grey);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
