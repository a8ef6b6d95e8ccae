using System;
using System.Linq;
using CsCheck;
using FheGen.Compiler.Quantization;

namespace FheGen.Compiler.Tests;

public class UniformQuantizerTests
{
    [Fact]
    public void ForRange_maps_the_ends_to_0_and_the_top_level()
    {
        var q = UniformQuantizer.ForRange(8, -1, 1);
        Assert.Equal(8, q.Bits);
        Assert.Equal(-1, q.Offset);
        Assert.Equal(2.0 / 255, q.Scale);
        Assert.Equal(255, q.MaxLevel);
        Assert.Equal(0, q.Quantize(-1));
        Assert.Equal(255, q.Quantize(1));
        Assert.Equal(-1, q.Dequantize(0));
        Assert.Equal(1, q.Dequantize(255), 12);
        Assert.Equal(1, q.Max, 12);
    }

    [Theory]
    [InlineData(7.5, 8)]    // halves round up
    [InlineData(6.5, 7)]
    [InlineData(7.49, 7)]
    [InlineData(0.5, 1)]
    [InlineData(-0.5, 0)]   // floor(0) = 0
    [InlineData(-0.6, 0)]   // clamped
    [InlineData(-1000, 0)]
    [InlineData(14.5, 15)]
    [InlineData(15.4, 15)]
    [InlineData(1000, 15)]
    [InlineData(double.PositiveInfinity, 15)]
    [InlineData(double.NegativeInfinity, 0)]
    public void Quantize_rounds_halves_up_and_clamps(double x, long expected)
    {
        var q = UniformQuantizer.ForRange(4, 0, 15);
        Assert.Equal(1.0, q.Scale);
        Assert.Equal(expected, q.Quantize(x));
    }

    [Fact]
    public void Quantize_rounds_halves_up_with_an_offset()
    {
        var q = UniformQuantizer.ForRange(2, -2, 1); // levels -2, -1, 0, 1
        Assert.Equal(1.0, q.Scale);
        Assert.Equal(1, q.Quantize(-1.5));
        Assert.Equal(2, q.Quantize(-0.5));
        Assert.Equal(3, q.Quantize(0.5));
        Assert.Equal(0, q.Quantize(-2.5));
        Assert.Equal(-2.0, q.Dequantize(0));
        Assert.Equal(1.0, q.Dequantize(3));
    }

    [Fact]
    public void Quantize_rejects_NaN()
    {
        var q = UniformQuantizer.ForRange(4, 0, 1);
        Assert.Throws<ArgumentException>(() => q.Quantize(double.NaN));
    }

    [Theory]
    [InlineData(2.0, 2.0)]
    [InlineData(2.0, 1.0)]
    [InlineData(2.0, double.NaN)]
    public void ForRange_widens_a_degenerate_range_by_one(double min, double max)
    {
        var q = UniformQuantizer.ForRange(3, min, max);
        Assert.Equal(2.0, q.Offset);
        Assert.Equal(1.0 / 7, q.Scale);
        Assert.Equal(3.0, q.Max, 12);
        Assert.Equal(0, q.Quantize(2.0));
        Assert.Equal(7, q.Quantize(3.0));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(63)]
    public void ForRange_rejects_bad_bit_counts(int bits)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => UniformQuantizer.ForRange(bits, 0, 1));
    }

    [Fact]
    public void Levels_round_trip_and_rounding_error_is_at_most_half_a_step()
    {
        Gen.Select(Gen.Int[1, 16], Gen.Double[-100, 100], Gen.Double[0.01, 100], Gen.Double.Unit).Sample((bits, min, span, u) =>
        {
            var q = UniformQuantizer.ForRange(bits, min, min + span);
            long level = (long)Math.Floor(u * q.MaxLevel);
            Assert.Equal(level, q.Quantize(q.Dequantize(level)));
            double x = min + u * span;
            long r = q.Quantize(x);
            Assert.InRange(r, 0, q.MaxLevel);
            Assert.True(Math.Abs(q.Dequantize(r) - x) <= q.Scale / 2 * (1 + 1e-9) + 1e-12, $"x={x} -> {r}");
            Assert.True(q.Quantize(x) <= q.Quantize(x + span / 7), "quantization is monotone");
        }, iter: 5000);
    }
}

public class WeightQuantizerTests
{
    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 3)]
    [InlineData(4, 7)]
    [InlineData(8, 127)]
    [InlineData(16, 32767)]
    public void Max_magnitude_is_symmetric(int bits, long expected) => Assert.Equal(expected, WeightQuantizer.MaxMagnitude(bits));

    [Theory]
    [InlineData(2.5, 3)]
    [InlineData(-2.5, -3)]
    [InlineData(1.5, 2)]
    [InlineData(-1.5, -2)]
    [InlineData(0.5, 1)]
    [InlineData(-0.5, -1)]
    [InlineData(0.49999, 0)]
    [InlineData(-0.49999, 0)]
    [InlineData(2.4, 2)]
    [InlineData(-2.6, -3)]
    [InlineData(0, 0)]
    public void RoundHalfAway_rounds_halves_away_from_zero(double v, double expected)
        => Assert.Equal(expected, WeightQuantizer.RoundHalfAway(v));

    [Fact]
    public void ScaleFor_maps_the_largest_magnitude_to_the_top_and_is_1_when_all_zero()
    {
        Assert.Equal(0.5, WeightQuantizer.ScaleFor(3.5, 4));
        Assert.Equal(1.0, WeightQuantizer.ScaleFor(0, 4));
        Assert.Equal(2.0, WeightQuantizer.ScaleFor(2, 2));
    }

    [Theory]
    [InlineData(3.5, 7)]
    [InlineData(-3.5, -7)]
    [InlineData(10, 7)]      // clamped
    [InlineData(-10, -7)]
    [InlineData(0.25, 1)]    // 0.5 rounds away from zero
    [InlineData(-0.25, -1)]
    [InlineData(0.24, 0)]
    [InlineData(1.25, 3)]    // 2.5 -> 3
    [InlineData(-1.25, -3)]
    public void Quantize_examples(double w, long expected) => Assert.Equal(expected, WeightQuantizer.Quantize(w, 0.5, 4));

    [Fact]
    public void Symmetric_quantization_reaches_the_largest_magnitude_and_keeps_signs()
    {
        var weights = Gen.Frequency((1, Gen.Const(0f)), (6, Gen.Float[-3f, 3f])).Array[1, 30];
        Gen.Select(weights, Gen.Int[2, 16]).Sample((w, bits) =>
        {
            double maxAbs = w.Max(x => Math.Abs((double)x));
            double scale = WeightQuantizer.ScaleFor(maxAbs, bits);
            long m = WeightQuantizer.MaxMagnitude(bits);
            var q = w.Select(x => WeightQuantizer.Quantize(x, scale, bits)).ToArray();
            Assert.All(q, v => Assert.InRange(v, -m, m));
            if (maxAbs > 0)
            {
                Assert.Equal(m, q.Max(v => Math.Abs(v)));
            }
            else
            {
                Assert.Equal(1.0, scale);
                Assert.All(q, v => Assert.Equal(0, v));
            }
            for (int i = 0; i < w.Length; i++)
            {
                Assert.True(q[i] * (double)w[i] >= 0, "sign preserved");
                Assert.True(Math.Abs(q[i] * scale - w[i]) <= scale / 2 * (1 + 1e-9), $"{w[i]} -> {q[i]} * {scale}");
                Assert.Equal(-q[i], WeightQuantizer.Quantize(-w[i], scale, bits)); // symmetric
            }
        }, iter: 3000);
    }
}
