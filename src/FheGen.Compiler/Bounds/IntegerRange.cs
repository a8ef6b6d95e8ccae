using System;

namespace FheGen.Compiler.Bounds;

/// <summary>
/// Bit-width arithmetic shared by every stage, following Concrete's <c>Integer.that_can_represent</c>:
/// unsigned when the minimum is non-negative, else two's complement.
/// </summary>
public static class IntegerRange
{
    /// <summary>Width of the smallest integer type that holds every value in <c>[min, max]</c>.</summary>
    public static int BitsFor(long min, long max)
    {
        if (min > max) throw new ArgumentException($"Empty range [{min}, {max}].");
        if (min >= 0) return Math.Max(1, BitLength((ulong)max));
        // Signed: b bits hold [-2^(b-1), 2^(b-1) - 1]; ~min maps -2^(b-1) to 2^(b-1) - 1.
        int forMin = BitLength((ulong)~min) + 1;
        int forMax = max > 0 ? BitLength((ulong)max) + 1 : 1;
        return Math.Max(forMin, forMax);
    }

    /// <summary>Whether a range starting at <paramref name="min"/> needs a signed (two's complement) integer.</summary>
    public static bool IsSigned(long min) => min < 0;

    /// <summary>Number of significant bits of <paramref name="value"/> (0 for 0).</summary>
    public static int BitLength(ulong value)
    {
        int n = 0;
        while (value != 0)
        {
            value >>= 1;
            n++;
        }
        return n;
    }

    /// <summary><c>2^bits - 1</c>, the largest unsigned integer of <paramref name="bits"/> bits.</summary>
    public static long MaxUnsigned(int bits) => bits >= 63 ? long.MaxValue : (1L << bits) - 1;

    /// <summary>
    /// The weight-independent worst case (README, Semantics): <c>ceil(log2(fanIn (2^w - 1)(2^a - 1) + 1))</c>, the accumulator
    /// width of <paramref name="fanIn"/> products of <paramref name="weightBits"/>-bit weights and
    /// <paramref name="activationBits"/>-bit activations.
    /// </summary>
    public static int WorstCaseAccumulatorBits(long fanIn, int weightBits, int activationBits)
    {
        long product = checked(fanIn * MaxUnsigned(weightBits) * MaxUnsigned(activationBits));
        return Math.Max(1, BitLength((ulong)product));
    }

    /// <summary>
    /// Concrete ML's pruning rule: the largest fan-in whose worst case fits <paramref name="bits"/>:
    /// <c>floor((2^n - 1) / ((2^w - 1)(2^a - 1)))</c>.
    /// </summary>
    public static long WorstCaseMaxFanIn(int bits, int weightBits, int activationBits)
        => MaxUnsigned(bits) / (MaxUnsigned(weightBits) * MaxUnsigned(activationBits));
}
