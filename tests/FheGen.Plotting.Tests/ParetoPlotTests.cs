using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using FheGen.Compiler.Model;
using FheGen.Training.Sweeps;

namespace FheGen.Plotting.Tests;

public sealed class ParetoPlotTests
{
    private static SweepResult Result(int weightBits, double accuracy, double latencyMs, bool encryptable = true, string? error = null) =>
        new(new SweepPoint(weightBits, 4, null, null, RoundingKind.Exact, Math.Pow(2, -40)),
            accuracy, accuracy, 5, 10, latencyMs, encryptable, error);

    /// <summary>A sweep's worth of results over three orders of magnitude of latency, with a failed and an insecure point.</summary>
    internal static SweepResult[] Sample() => new[]
    {
        Result(2, 0.70, 180), Result(3, 0.90, 900), Result(3, 0.85, 1500), Result(4, 0.96, 6500), Result(4, 0.95, 9000),
        Result(5, 0.97, 250_000, encryptable: false), Result(8, 0, 0, encryptable: false, error: "needs a 17-bit TLU"),
    };

    /// <summary>Checks the PNG signature and reads the width and height from the IHDR chunk, which must come first.</summary>
    internal static (int Width, int Height) PngSize(byte[] png)
    {
        byte[] signature = { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };
        Assert.True(png.Length > 33, $"{png.Length} bytes");
        Assert.Equal(signature, png.Take(8));
        Assert.Equal(13, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(8)));
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    [Fact]
    public void The_file_written_is_a_png_of_the_requested_size()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pareto-{Guid.NewGuid():N}.png");
        try
        {
            ParetoPlot.Save(Sample(), path, "test sweep", 800, 500);
            var png = File.ReadAllBytes(path);
            Assert.Equal((800, 500), PngSize(png));
            Assert.Equal((ParetoPlot.DefaultWidth, ParetoPlot.DefaultHeight), PngSize(ParetoPlot.Render(Sample(), "test sweep")));
            // A real picture, not an empty canvas: a blank 800x500 PNG compresses to a few kilobytes at most.
            Assert.True(png.Length > 10_000, $"{png.Length} bytes");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Nothing_to_draw_is_a_clear_error()
    {
        var empty = Assert.Throws<ArgumentException>(() => ParetoPlot.Render(Array.Empty<SweepResult>(), "empty"));
        Assert.Equal("results", empty.ParamName);
        Assert.Contains("no results", empty.Message);
        var failed = Assert.Throws<ArgumentException>(() => ParetoPlot.Render(Sample().Where(r => r.Error is not null).ToArray(), "failed"));
        Assert.Contains("none of the 1 points compiled", failed.Message);
        Assert.Throws<ArgumentException>(() => ParetoPlot.Render(Sample(), "size", 0, 100));
        Assert.Throws<ArgumentNullException>(() => ParetoPlot.Render(null!, "null"));
    }

    [Fact]
    public void Every_point_drawn_changes_the_picture()
    {
        // The point off the front and the insecure one are drawn: removing either changes the pixels.
        var all = ParetoPlot.Render(Sample(), "t");
        Assert.NotEqual(all, ParetoPlot.Render(Sample().Where(r => r.EstimatedLatencyMs != 1500).ToArray(), "t"));
        Assert.NotEqual(all, ParetoPlot.Render(Sample().Where(r => r.Encryptable || r.Error is not null).ToArray(), "t"));
        // Rendering is deterministic, so the comparisons above compare drawings, not noise.
        Assert.Equal(all, ParetoPlot.Render(Sample(), "t"));
    }
}
