using System;
using System.Numerics;
using CsCheck;
using FheGen.Tfhe.Commons;

namespace FheGen.Tfhe.Tests.Arithmetic;

public class GadgetDecomposerTests
{
    private static readonly BigInteger Two64 = BigInteger.One << 64;

    // (base_log, level) with base_log * level <= 64.
    private static readonly Gen<(int BaseLog, int Levels)> Parameters =
        Gen.Int[1, 64].SelectMany(b => Gen.Int[1, 64 / b].Select(l => (b, l)));

    // Uniform values plus the ones that exercise rounding ties and carries out of the top level.
    private static readonly Gen<ulong> Values = Gen.OneOf<ulong>(
        Gen.ULong,
        Gen.OneOf(0UL, ulong.MaxValue, 1UL << 63, (1UL << 63) - 1, 0x8000_0000_0000_0001UL),
        Gen.Int[0, 63].Select(s => 1UL << s),
        Gen.Int[1, 63].Select(s => ulong.MaxValue << s),
        Gen.Int[0, 63].Select(s => (1UL << s) - 1));

    [Fact]
    public void Digits_are_balanced_and_reconstruct_the_rounded_value()
    {
        Gen.Select(Parameters, Values).Sample((p, value) =>
        {
            var decomposer = new GadgetDecomposer(p.BaseLog, p.Levels);
            Span<long> digits = stackalloc long[p.Levels];
            decomposer.Decompose(value, digits);
            BigInteger half = BigInteger.One << (p.BaseLog - 1);
            foreach (long d in digits)
                Assert.True(d >= -half && d < half, $"digit {d} out of [-B/2, B/2) for {p}");

            ulong rounded = decomposer.ClosestRepresentable(value);
            Assert.Equal(ReferenceRounding(value, p.BaseLog * p.Levels), rounded);
            Assert.Equal(rounded, decomposer.Recompose(digits));
            Assert.Equal(rounded, ReferenceRecompose(digits, p.BaseLog));

            // Rounding error at most half a step of the last level: 2^(63 - base_log * level).
            BigInteger error = BigInteger.Abs(SignedDifference(rounded, value));
            int kept = p.BaseLog * p.Levels;
            BigInteger bound = kept == 64 ? BigInteger.Zero : BigInteger.Pow(2, 63 - kept);
            Assert.True(error <= bound, $"error {error} for {p}");
        }, iter: 50_000);
    }

    [Fact]
    public void Polynomial_decomposition_matches_scalar_and_is_level_major()
    {
        var gen = Gen.Select(Parameters, Gen.Int[1, 37]).SelectMany((p, n) => Gen.Select(Gen.Const(p), Values.Array[n]));
        gen.Sample((p, polynomial) =>
        {
            var decomposer = new GadgetDecomposer(p.BaseLog, p.Levels);
            int n = polynomial.Length;
            long[] levelMajor = new long[p.Levels * n];
            decomposer.DecomposePolynomial(polynomial, levelMajor);
            long[] digits = new long[p.Levels];
            for (int j = 0; j < n; j++)
            {
                decomposer.Decompose(polynomial[j], digits);
                for (int level = 0; level < p.Levels; level++)
                    Assert.Equal(digits[level], levelMajor[level * n + j]);
            }
        }, iter: 5_000);
    }

    [Theory]
    [InlineData(23, 1)]
    [InlineData(15, 2)]
    [InlineData(11, 3)]
    [InlineData(4, 3)]
    [InlineData(3, 5)]
    [InlineData(2, 11)]
    public void Published_parameter_sets_decompose_large_polynomials(int baseLog, int levels)
    {
        const int n = 2048;
        var decomposer = new GadgetDecomposer(baseLog, levels);
        var random = new Random(baseLog * 100 + levels);
        ulong[] polynomial = NegacyclicFftTests.RandomTorus(random, n);
        long[] levelMajor = new long[levels * n];
        decomposer.DecomposePolynomial(polynomial, levelMajor);
        long[] column = new long[levels];
        long half = 1L << (baseLog - 1);
        for (int j = 0; j < n; j++)
        {
            for (int level = 0; level < levels; level++)
            {
                column[level] = levelMajor[level * n + j];
                Assert.InRange(column[level], -half, half - 1);
            }

            Assert.Equal(decomposer.ClosestRepresentable(polynomial[j]), decomposer.Recompose(column));
        }
    }

    [Fact]
    public void Hand_worked_examples()
    {
        var b4 = new GadgetDecomposer(4, 1);
        long[] d = new long[1];
        b4.Decompose(0x7000_0000_0000_0000UL, d);
        Assert.Equal(7, d[0]);
        b4.Decompose(0x8000_0000_0000_0000UL, d);
        Assert.Equal(-8, d[0]); // B/2 carries: [-B/2, B/2)
        b4.Decompose(0x7800_0000_0000_0000UL, d);
        Assert.Equal(-8, d[0]); // 7.5 rounds up to 8, then carries
        b4.Decompose(0xF800_0000_0000_0000UL, d);
        Assert.Equal(0, d[0]); // rounds up to 2^64 = 0

        var b4l2 = new GadgetDecomposer(4, 2);
        long[] d2 = new long[2];
        b4l2.Decompose(0x19C0_0000_0000_0000UL, d2); // 0x19 then rounding bit 1 -> 0x1A -> digits (2, -6)
        Assert.Equal(new long[] { 2, -6 }, d2);
        Assert.Equal(0x1A00_0000_0000_0000UL, b4l2.Recompose(d2));

        var full = new GadgetDecomposer(64, 1);
        full.Decompose(ulong.MaxValue, d);
        Assert.Equal(-1, d[0]);
        var bits = new GadgetDecomposer(1, 64);
        long[] d64 = new long[64];
        bits.Decompose(0x5555_5555_5555_5555UL, d64);
        Assert.Equal(0x5555_5555_5555_5555UL, bits.Recompose(d64));
        Assert.All(d64, x => Assert.InRange(x, -1, 0));
    }

    [Fact]
    public void Weights_and_validation()
    {
        var decomposer = new GadgetDecomposer(15, 2);
        Assert.Equal(1UL << 49, decomposer.Weight(1));
        Assert.Equal(1UL << 34, decomposer.Weight(2));
        Assert.Equal(34, decomposer.NonRepresentableBits);
        Assert.Throws<ArgumentOutOfRangeException>(() => decomposer.Weight(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GadgetDecomposer(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GadgetDecomposer(33, 2));
        Assert.Throws<ArgumentException>(() => decomposer.Decompose(1, new long[1]));
        Assert.Throws<ArgumentException>(() => decomposer.DecomposePolynomial(new ulong[4], new long[7]));
        Assert.Equal(new GadgetDecomposer(15, 2), decomposer);
        Assert.Throws<InvalidOperationException>(() => default(GadgetDecomposer).Decompose(1, new long[1]));
    }

    private static ulong ReferenceRounding(ulong value, int keptBits)
    {
        // round(value / 2^drop) * 2^drop mod 2^64, ties up.
        int drop = 64 - keptBits;
        BigInteger step = BigInteger.One << drop;
        BigInteger q = (new BigInteger(value) + step / 2) / step;
        return (ulong)((q * step) % Two64);
    }

    private static ulong ReferenceRecompose(ReadOnlySpan<long> digits, int baseLog)
    {
        BigInteger sum = 0;
        for (int i = 0; i < digits.Length; i++)
            sum += new BigInteger(digits[i]) * (BigInteger.One << (64 - (i + 1) * baseLog));
        return (ulong)(((sum % Two64) + Two64) % Two64);
    }

    private static BigInteger SignedDifference(ulong a, ulong b)
    {
        BigInteger diff = ((new BigInteger(a) - new BigInteger(b)) % Two64 + Two64) % Two64;
        return diff >= Two64 / 2 ? diff - Two64 : diff;
    }
}
