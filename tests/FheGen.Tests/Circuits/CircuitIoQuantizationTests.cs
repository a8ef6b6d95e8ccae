using System;
using System.Linq;
using CsCheck;
using FheGen.Circuits;
using FheGen.Compiler.Model;
using FheGen.Compiler.Quantization;

namespace FheGen.Tests.Circuits;

/// <summary>CircuitIo quantizes a whole row at once (vectorized); every level must be the scalar quantizer's.</summary>
public class CircuitIoQuantizationTests
{
    /// <summary>A feature's position in units of its step from its minimum: anywhere near the range, on a level, on a half, or special.</summary>
    private static Gen<double> Position(long maxLevel) => Gen.Frequency(
        (4, Gen.Double[-3, maxLevel + 3]),
        (2, Gen.Long[-2, maxLevel + 2].Select(k => k + 0.5)),
        (2, Gen.Long[-2, maxLevel + 2].Select(k => (double)k)),
        (1, Gen.OneOf(Gen.Const(double.PositiveInfinity), Gen.Const(double.NegativeInfinity), Gen.Const(1e30), Gen.Const(-1e30))));

    private static readonly Gen<(double Min, double Width)> Range = Gen.Select(Gen.Double[-100, 100], Gen.Double[1e-3, 1e3]);

    [Fact]
    public void Row_quantization_equals_the_scalar_quantizer_model_wide_and_per_feature()
    {
        var cases =
            from bits in Gen.Int[1, 16]
            from model in Range
            from perFeature in Gen.Bool
            from count in Gen.Int[1, 700]
            from ranges in Range.Array[count]
            from positions in Position((1L << bits) - 1).Array[count]
            select (bits, model, perFeature ? ranges : null, positions);
        cases.Sample(c =>
        {
            var (bits, model, ranges, positions) = c;
            var input = UniformQuantizer.ForRange(bits, model.Min, model.Min + model.Width);
            var features = ranges?.Select(r => UniformQuantizer.ForRange(bits, r.Min, r.Min + r.Width)).ToArray();
            var io = new CircuitIo(input, features, new double[] { 1 }, ActivationKind.Identity);
            var x = new float[positions.Length];
            for (int i = 0; i < x.Length; i++)
            {
                var q = io.InputQuantizer(i);
                x[i] = (float)(q.Offset + q.Scale * positions[i]);
            }
            var levels = new long[x.Length];
            io.QuantizeInputs(x, levels);
            for (int i = 0; i < x.Length; i++) Assert.Equal(io.InputQuantizer(i).Quantize(x[i]), levels[i]);
        }, iter: 400);
    }

    [Fact]
    public void A_NaN_feature_is_named_and_nothing_is_quantized_past_the_check()
    {
        var io = new CircuitIo(UniformQuantizer.ForRange(4, 0, 1), new double[] { 1 }, ActivationKind.Identity);
        var levels = new long[3];
        var e = Assert.Throws<ArgumentException>(() => io.QuantizeInputs(new[] { 0.5f, 0.2f, float.NaN }, levels));
        Assert.Contains("Feature 2 is NaN", e.Message);
        Assert.Equal(new long[3], levels);
        Assert.Throws<ArgumentException>(() => io.QuantizeInputs(new[] { 0.5f }, levels));
    }
}
