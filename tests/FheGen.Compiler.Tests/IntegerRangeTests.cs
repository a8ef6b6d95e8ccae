using System;
using System.Numerics;
using CsCheck;
using FheGen.Compiler.Bounds;

namespace FheGen.Compiler.Tests;

public class IntegerRangeTests
{
    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(0, 1, 1)]
    [InlineData(0, 255, 8)]
    [InlineData(0, 256, 9)]
    [InlineData(1, 1, 1)]
    [InlineData(200, 255, 8)]
    [InlineData(-1, 0, 1)]
    [InlineData(-1, -1, 1)]
    [InlineData(-2, 0, 2)]
    [InlineData(-1, 1, 2)]
    [InlineData(-128, 127, 8)]
    [InlineData(-128, 128, 9)]
    [InlineData(-129, 0, 9)]
    [InlineData(-812, 1203, 12)]
    [InlineData(-2048, 2047, 12)]
    [InlineData(-2049, 2047, 13)]
    [InlineData(-2048, 2048, 13)]
    [InlineData(long.MinValue, long.MaxValue, 64)]
    [InlineData(0, long.MaxValue, 63)]
    public void Bits_for_hand_cases(long min, long max, int expected)
    {
        Assert.Equal(expected, IntegerRange.BitsFor(min, max));
    }

    [Fact]
    public void BitsFor_rejects_an_empty_range()
    {
        Assert.Throws<ArgumentException>(() => IntegerRange.BitsFor(1, 0));
    }

    [Theory]
    [InlineData(-1L, true)]
    [InlineData(0L, false)]
    [InlineData(5L, false)]
    public void Is_signed_follows_the_minimum(long min, bool signed) => Assert.Equal(signed, IntegerRange.IsSigned(min));

    /// <summary>Whether [min, max] fits a b-bit integer: unsigned when min >= 0, else two's complement.</summary>
    internal static bool Fits(long min, long max, int b)
    {
        if (b < 1) return false;
        BigInteger lo = min, hi = max;
        if (min >= 0) return hi <= (BigInteger.One << b) - 1;
        return lo >= -(BigInteger.One << (b - 1)) && hi <= (BigInteger.One << (b - 1)) - 1;
    }

    private static readonly Gen<long> AnyLong = Gen.OneOf(Gen.Long, Gen.Long[-5000, 5000], Gen.Long[-(1L << 40), 1L << 40],
        Gen.Int[0, 62].Select(s => 1L << s), Gen.Int[0, 62].Select(s => -(1L << s)), Gen.Int[0, 62].Select(s => (1L << s) - 1));

    [Fact]
    public void BitsFor_is_minimal_and_sufficient()
    {
        Gen.Select(AnyLong, AnyLong).Sample((a, b) =>
        {
            long min = Math.Min(a, b), max = Math.Max(a, b);
            int bits = IntegerRange.BitsFor(min, max);
            Assert.InRange(bits, 1, 64);
            Assert.True(Fits(min, max, bits), $"[{min}, {max}] does not fit {bits} bits");
            Assert.False(Fits(min, max, bits - 1), $"[{min}, {max}] already fits {bits - 1} bits");
        }, iter: 20000);
    }

    [Fact]
    public void Bit_length_and_max_unsigned()
    {
        Assert.Equal(0, IntegerRange.BitLength(0));
        Assert.Equal(1, IntegerRange.BitLength(1));
        Assert.Equal(8, IntegerRange.BitLength(255));
        Assert.Equal(9, IntegerRange.BitLength(256));
        Assert.Equal(64, IntegerRange.BitLength(ulong.MaxValue));
        Assert.Equal(1, IntegerRange.MaxUnsigned(1));
        Assert.Equal(255, IntegerRange.MaxUnsigned(8));
        Assert.Equal((1L << 62) - 1, IntegerRange.MaxUnsigned(62));
        Assert.Equal(long.MaxValue, IntegerRange.MaxUnsigned(63));
    }

    // ceil(log2(fan_in * (2^w - 1) * (2^a - 1) + 1)), by BigInteger and by floating point where exact enough.
    private static int ReferenceAccumulatorBits(long fanIn, int w, int a)
    {
        BigInteger product = fanIn * ((BigInteger.One << w) - 1) * ((BigInteger.One << a) - 1);
        int bits = 0;
        while ((BigInteger.One << bits) < product + 1) bits++; // smallest b with 2^b >= product + 1
        return bits;
    }

    [Theory]
    [InlineData(1, 2, 1, 2)]      // 3 * 1 = 3 -> log2(4) = 2
    [InlineData(1, 4, 4, 8)]      // 225 -> log2(226) -> 8
    [InlineData(64, 4, 4, 14)]    // 14400 -> 14
    [InlineData(2, 8, 8, 17)]     // 2 * 255 * 255 = 130050 -> 17
    [InlineData(784, 8, 8, 26)]   // 50979600 -> 26
    [InlineData(1, 1, 1, 1)]      // 1 -> log2(2) = 1
    public void Worst_case_accumulator_bits_hand_cases(long fanIn, int w, int a, int expected)
    {
        Assert.Equal(expected, ReferenceAccumulatorBits(fanIn, w, a));
        Assert.Equal(expected, IntegerRange.WorstCaseAccumulatorBits(fanIn, w, a));
        Assert.Equal(expected, (int)Math.Ceiling(Math.Log2(fanIn * (Math.Pow(2, w) - 1) * (Math.Pow(2, a) - 1) + 1)));
    }

    [Theory]
    [InlineData(8, 4, 4, 1)]        // 255 / 225
    [InlineData(16, 2, 2, 7281)]    // 65535 / 9
    [InlineData(6, 2, 2, 7)]        // 63 / 9
    [InlineData(4, 4, 4, 0)]        // 15 / 225: nothing fits
    [InlineData(16, 8, 8, 1)]       // 65535 / 65025
    public void Worst_case_max_fan_in_hand_cases(int n, int w, int a, long expected)
    {
        Assert.Equal(expected, IntegerRange.WorstCaseMaxFanIn(n, w, a));
        Assert.Equal(expected, (long)Math.Floor((Math.Pow(2, n) - 1) / ((Math.Pow(2, w) - 1) * (Math.Pow(2, a) - 1))));
    }

    [Fact]
    public void Worst_case_accumulator_bits_matches_the_formula()
    {
        Gen.Select(Gen.Long[1, 1L << 20], Gen.Int[1, 16], Gen.Int[1, 16]).Sample((fanIn, w, a) =>
        {
            Assert.Equal(ReferenceAccumulatorBits(fanIn, w, a), IntegerRange.WorstCaseAccumulatorBits(fanIn, w, a));
        }, iter: 5000);
    }

    [Fact]
    public void WorstCaseMaxFanIn_is_the_largest_fan_in_that_fits()
    {
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 16], Gen.Int[1, 16]).Sample((n, w, a) =>
        {
            long k = IntegerRange.WorstCaseMaxFanIn(n, w, a);
            BigInteger expected = ((BigInteger.One << n) - 1) / (((BigInteger.One << w) - 1) * ((BigInteger.One << a) - 1));
            Assert.Equal(expected, (BigInteger)k);
            if (k >= 1) Assert.True(IntegerRange.WorstCaseAccumulatorBits(k, w, a) <= n, $"fan-in {k} should fit {n} bits");
            Assert.True(ReferenceAccumulatorBits(k + 1, w, a) > n, $"fan-in {k + 1} should not fit {n} bits");
            Assert.True(IntegerRange.WorstCaseAccumulatorBits(k + 1, w, a) > n);
        }, iter: 5000);
    }
}
