using System;

namespace FheGen.Compiler.Quantization;

/// <summary>
/// An affine unsigned quantizer: real <c>x = Offset + Scale * q</c> for integers <c>q</c> in
/// <c>[0, 2^Bits - 1]</c>. Inputs and activation outputs both use it, so every layer sees the same kind of
/// integer domain.
/// </summary>
/// <param name="Bits">Bits of the integer.</param>
/// <param name="Offset">Real value of integer 0.</param>
/// <param name="Scale">Real step between consecutive integers.</param>
public sealed record UniformQuantizer(int Bits, double Offset, double Scale)
{
    /// <summary>Largest integer, <c>2^Bits - 1</c>.</summary>
    public long MaxLevel => (1L << Bits) - 1;

    /// <summary>The real value represented by the top integer.</summary>
    public double Max => Offset + Scale * MaxLevel;

    /// <summary>Maps <c>[min, max]</c> onto <c>[0, 2^bits - 1]</c>; a degenerate range is widened by one.</summary>
    public static UniformQuantizer ForRange(int bits, double min, double max)
    {
        if (bits < 1 || bits > 62) throw new ArgumentOutOfRangeException(nameof(bits));
        if (!(max > min)) max = min + 1; // constant activations still need a valid scale
        return new UniformQuantizer(bits, min, (max - min) / ((1L << bits) - 1));
    }

    /// <summary>
    /// Nearest integer level, halves rounded up, clamped to the range. NaN is rejected: a silent 0 would
    /// hide a bad input.
    /// </summary>
    public long Quantize(double x)
    {
        if (double.IsNaN(x)) throw new ArgumentException("Cannot quantize NaN.", nameof(x));
        double level = Math.Floor((x - Offset) / Scale + 0.5);
        if (level <= 0) return 0;
        return level >= MaxLevel ? MaxLevel : (long)level;
    }

    /// <summary>The real value of integer level <paramref name="q"/>.</summary>
    public double Dequantize(long q) => Offset + Scale * q;
}

/// <summary>Symmetric weight quantization: <c>w ~ scale * q</c>, <c>|q| &lt;= 2^(bits-1) - 1</c>.</summary>
public static class WeightQuantizer
{
    /// <summary>Largest integer magnitude of a <paramref name="bits"/>-bit symmetric weight.</summary>
    public static long MaxMagnitude(int bits) => (1L << (bits - 1)) - 1;

    /// <summary>The scale that maps <paramref name="maxAbs"/> to the largest magnitude (1 when all are zero).</summary>
    public static double ScaleFor(double maxAbs, int bits) => maxAbs > 0 ? maxAbs / MaxMagnitude(bits) : 1.0;

    /// <summary>Rounds <c>w / scale</c> to nearest (halves away from zero) and clamps to the symmetric range.</summary>
    public static long Quantize(double w, double scale, int bits)
    {
        long m = MaxMagnitude(bits);
        double r = RoundHalfAway(w / scale);
        if (r > m) return m;
        if (r < -m) return -m;
        return (long)r;
    }

    /// <summary>Round to nearest, halves away from zero (sign-symmetric, unlike banker's rounding).</summary>
    public static double RoundHalfAway(double v) => v >= 0 ? Math.Floor(v + 0.5) : -Math.Floor(-v + 0.5);
}

/// <summary>Accumulator rounding, as Concrete's <c>round_bit_pattern</c>.</summary>
public static class AccumulatorRounding
{
    /// <summary>
    /// Exact rounding that removes <paramref name="lsbs"/> low bits: <c>floor(x / 2^t + 1/2)</c>, i.e. halves
    /// round up (towards +infinity) for negative values too.
    /// </summary>
    public static long RoundExact(long x, int lsbs)
        => lsbs <= 0 ? x : (x + (1L << (lsbs - 1))) >> lsbs;
}
