using System;
using System.Numerics;
using CsCheck;
using FheGen.Compiler.Bounds;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Quantization;

namespace FheGen.Compiler.Tests;

public class RoundingTests
{
    /// <summary>floor(x / 2^t + 1/2) = floor((2x + 2^t) / 2^(t+1)), exactly.</summary>
    internal static BigInteger Reference(BigInteger x, int t)
    {
        if (t == 0) return x;
        BigInteger num = 2 * x + (BigInteger.One << t);
        BigInteger den = BigInteger.One << (t + 1);
        BigInteger q = BigInteger.DivRem(num, den, out BigInteger r);
        return r < 0 ? q - 1 : q; // floor division
    }

    private static long DecimalReference(long x, int t) => (long)Math.Floor((decimal)x / (decimal)Math.Pow(2, t) + 0.5m);

    [Theory]
    [InlineData(2, 2, 1)]     // floor(0.5 + 0.5): halves round up
    [InlineData(-2, 2, 0)]    // floor(-0.5 + 0.5): halves round up for negatives too
    [InlineData(6, 2, 2)]     // 1.5 -> 2
    [InlineData(-6, 2, -1)]   // -1.5 -> -1
    [InlineData(5, 2, 1)]     // 1.25 -> 1
    [InlineData(7, 2, 2)]     // 1.75 -> 2
    [InlineData(-7, 2, -2)]   // -1.75 -> -2
    [InlineData(-5, 2, -1)]   // -1.25 -> -1
    [InlineData(255, 2, 64)]  // the top of an 8-bit range carries into a new bit
    [InlineData(255, 3, 32)]
    [InlineData(-812, 4, -51)]
    [InlineData(1203, 4, 75)]
    [InlineData(0, 5, 0)]
    [InlineData(17, 0, 17)]
    [InlineData(-17, 0, -17)]
    [InlineData(1, 1, 1)]
    [InlineData(-1, 1, 0)]
    public void Round_exact_hand_cases(long x, int t, long expected)
    {
        Assert.Equal(expected, DecimalReference(x, t));
        Assert.Equal((BigInteger)expected, Reference(x, t));
        Assert.Equal(expected, AccumulatorRounding.RoundExact(x, t));
    }

    [Fact]
    public void RoundExact_matches_the_exact_formula()
    {
        var xs = Gen.OneOf(Gen.Long[-(1L << 62), 1L << 62], Gen.Long[-100000, 100000], Gen.Long[-64, 64]);
        Gen.Select(xs, Gen.Int[0, 62]).Sample((x, t) =>
        {
            Assert.Equal(Reference(x, t), (BigInteger)AccumulatorRounding.RoundExact(x, t));
        }, iter: 20000);
    }

    [Fact]
    public void Round_exact_is_monotone()
    {
        Gen.Select(Gen.Long[-100000, 100000], Gen.Long[0, 5000], Gen.Int[0, 20]).Sample((x, d, t) =>
        {
            Assert.True(AccumulatorRounding.RoundExact(x, t) <= AccumulatorRounding.RoundExact(x + d, t));
        }, iter: 5000);
    }

    [Theory]
    [InlineData(0, 255, 6, 3, true)]     // removing 2 gives round(255) = 64, 7 bits: one more bit goes
    [InlineData(0, 255, 7, 2, true)]     // removing 1 gives 128, 8 bits
    [InlineData(0, 255, 8, 0, false)]    // already fits
    [InlineData(0, 255, 12, 0, false)]
    [InlineData(0, 256, 8, 1, false)]    // 128 fits 8 bits
    [InlineData(0, 251, 6, 2, false)]    // round(251, 2) = 63
    [InlineData(-812, 1203, 8, 4, false)] // [-51, 75]
    [InlineData(-3, 3, 1, 3, true)]      // t = 2 gives [-1, 1] (2 bits); t = 3 gives [0, 0]
    [InlineData(0, 1, 1, 0, false)]
    public void Planner_hand_cases(long min, long max, int bits, int lsbs, bool extra)
    {
        var choice = RoundingPlanner.Plan(min, max, bits);
        Assert.Equal(lsbs, choice.Lsbs);
        Assert.Equal(extra, choice.ExtraBit);
        Assert.True(IntegerRange.BitsFor(AccumulatorRounding.RoundExact(min, lsbs), AccumulatorRounding.RoundExact(max, lsbs)) <= bits);
    }

    [Fact]
    public void Planner_without_bits_removes_nothing()
    {
        Assert.Equal(new RoundingChoice(0, false), RoundingPlanner.Plan(-100000, 100000, null));
    }

    private static int RoundedBits(long min, long max, int t)
        => IntegerRange.BitsFor(AccumulatorRounding.RoundExact(min, t), AccumulatorRounding.RoundExact(max, t));

    private static readonly Gen<(long, long)> Ranges = Gen.OneOf(
        Gen.Select(Gen.Long[-(1L << 40), 1L << 40], Gen.Long[-(1L << 40), 1L << 40]),
        Gen.Select(Gen.Long[-3000, 3000], Gen.Long[-3000, 3000]),
        Gen.Select(Gen.Long[0, 1L << 30], Gen.Long[0, 1L << 30]),
        Gen.Select(Gen.Int[0, 40], Gen.Int[0, 40]).Select((a, b) => (-(1L << a), (1L << b) - 1)))
        .Select((a, b) => (Math.Min(a, b), Math.Max(a, b)));

    /// <summary>
    /// The planner removes the fewest LSBs whose rounded range fits P bits: the result fits, one fewer does not, and
    /// the count is the README's L - P, one more (top-of-range carry, flagged ExtraBit) or one fewer (negative minimum).
    /// </summary>
    [Fact]
    public void Planner_removes_the_fewest_bits_that_fit()
    {
        Gen.Select(Ranges, Gen.Int[1, 20]).Sample((range, p) =>
        {
            var (min, max) = range;
            int l = IntegerRange.BitsFor(min, max);
            var choice = RoundingPlanner.Plan(min, max, p);
            if (l <= p)
            {
                Assert.Equal(new RoundingChoice(0, false), choice);
                return;
            }
            int t0 = l - p;
            Assert.True(RoundedBits(min, max, choice.Lsbs) <= p, $"[{min}, {max}] rounded by {choice.Lsbs} does not fit {p} bits");
            Assert.True(choice.Lsbs == 0 || RoundedBits(min, max, choice.Lsbs - 1) > p, $"[{min}, {max}] to {p} bits: {choice.Lsbs - 1} LSBs already fit");
            Assert.InRange(choice.Lsbs, t0 - 1, t0 + 1);
            Assert.Equal(choice.Lsbs > t0, choice.ExtraBit);
        }, iter: 20000);
    }

    /// <summary>For unsigned (and max-dominated) ranges the planner's count is the true minimum: one fewer does not fit.</summary>
    [Fact]
    public void Planner_is_minimal_for_unsigned_ranges()
    {
        Gen.Select(Gen.Long[0, 1L << 40], Gen.Long[0, 1L << 40], Gen.Int[1, 20]).Sample((a, b, p) =>
        {
            long min = Math.Min(a, b), max = Math.Max(a, b);
            var choice = RoundingPlanner.Plan(min, max, p);
            Assert.True(RoundedBits(min, max, choice.Lsbs) <= p);
            if (choice.Lsbs > 0) Assert.True(RoundedBits(min, max, choice.Lsbs - 1) > p, $"[{min}, {max}] to {p} bits: {choice.Lsbs - 1} LSBs already fit");
        }, iter: 20000);
    }

    /// <summary>
    /// A range whose width comes from a negative minimum can need one LSB fewer than L - P: rounding shrinks the
    /// minimum's magnitude by more than 2^t.
    /// </summary>
    [Fact]
    public void Planner_removes_one_fewer_than_L_minus_P_for_a_negative_minimum()
    {
        // [-5, 0] needs 4 bits; to 2 bits: t = 1 gives [-2, 0], which fits 2 bits.
        Assert.Equal(4, IntegerRange.BitsFor(-5, 0));
        Assert.Equal(2, RoundedBits(-5, 0, 1));
        Assert.Equal(new RoundingChoice(1, false), RoundingPlanner.Plan(-5, 0, 2));
    }
}
