using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using FheGen.Training;

namespace FheGen.Training.Tests;

/// <summary>The MNIST/Fashion-MNIST IDX reader, on files written here byte by byte.</summary>
public class IdxTests
{
    private static byte[] Idx(byte type, int[] shape, byte[] data)
    {
        var bytes = new System.Collections.Generic.List<byte> { 0, 0, type, (byte)shape.Length };
        foreach (int d in shape) bytes.AddRange(new[] { (byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d });
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    private static string Write(TempFolder folder, string name, byte[] content, bool gzip)
    {
        string path = Path.Combine(folder.Path, name + (gzip ? ".gz" : ""));
        using var file = File.Create(path);
        using Stream stream = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        stream.Write(content);
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Images_flatten_row_major_and_labels_follow(bool gzip)
    {
        using var folder = new TempFolder();
        // Three 2x3 images with pixels 0..17, labels 2, 0, 1.
        string images = Write(folder, "images", Idx(0x08, new[] { 3, 2, 3 }, Enumerable.Range(0, 18).Select(i => (byte)(i * 15)).ToArray()), gzip);
        string labels = Write(folder, "labels", Idx(0x08, new[] { 3 }, new byte[] { 2, 0, 1 }), gzip);
        var data = Dataset.LoadIdx(images, labels);
        Assert.Equal((3, 6, 3), (data.Count, data.Features, data.Classes));
        Assert.Equal(new float[] { 90, 105, 120, 135, 150, 165 }, data.Row(1).ToArray());
        Assert.Equal(new[] { 2, 0, 1 }, data.Y);
        var first = Dataset.LoadIdx(images, labels, classes: 10, limit: 2);
        Assert.Equal((2, 10), (first.Count, first.Classes));
    }

    [Fact]
    public void Malformed_files_are_rejected_with_their_name()
    {
        using var folder = new TempFolder();
        string labels = Write(folder, "labels", Idx(0x08, new[] { 2 }, new byte[] { 0, 1 }), false);
        string images = Write(folder, "images", Idx(0x08, new[] { 2, 2 }, new byte[] { 1, 2, 3, 4 }), false);
        Assert.Contains("bad magic", Assert.Throws<InvalidDataException>(() => Dataset.LoadIdx(Write(folder, "csv", "1,2,3\n"u8.ToArray(), false), labels)).Message);
        Assert.Contains("not unsigned bytes", Assert.Throws<InvalidDataException>(() => Dataset.LoadIdx(Write(folder, "floats", Idx(0x0D, new[] { 2, 1 }, new byte[8]), false), labels)).Message);
        var e = Assert.Throws<InvalidDataException>(() => Dataset.LoadIdx(Write(folder, "short", Idx(0x08, new[] { 2, 2 }, new byte[] { 1, 2, 3 }), false), labels));
        Assert.Contains("short: truncated: 3 of 4 data bytes", e.Message);
        Assert.Contains("has 2 items but", Assert.Throws<InvalidDataException>(() => Dataset.LoadIdx(images, Write(folder, "three", Idx(0x08, new[] { 3 }, new byte[] { 0, 1, 2 }), false))).Message);
        Assert.Contains("beyond 1 classes", Assert.Throws<InvalidDataException>(() => Dataset.LoadIdx(images, labels, classes: 1)).Message);
    }
}
