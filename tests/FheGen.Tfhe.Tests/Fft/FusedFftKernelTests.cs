using System;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Fft;

namespace FheGen.Tfhe.Tests.Fft;

/// <summary>
/// The blind rotation's fused kernels against the reference kernels they replace, on random inputs. The fused ones run
/// the same floating-point operations in the same order, so the comparison is bit for bit (stricter than a rounding
/// tolerance: the noise statistics of the PBS cannot move).
/// </summary>
public class FusedFftKernelTests
{
    // 32 and 2048 run their FFT in one L1 block; 4096 and up start with passes over the whole buffer.
    public static TheoryData<int, bool> Sizes => new()
    {
        { 32, true }, { 64, true }, { 512, true }, { 2048, true }, { 4096, true }, { 8192, true }, { 32768, true },
        { 64, false }, { 2048, false },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Fused_forward_equals_fold_then_forward(int n, bool simd)
    {
        var fft = new NegacyclicFft(n, simd);
        var random = new Random(n);
        foreach (long bound in new[] { 1L << 22, long.MaxValue })
        {
            var coefficients = new long[n];
            for (int i = 0; i < n; i++)
                coefficients[i] = random.NextInt64(-bound, bound);
            double[] expected = new double[n], actual = new double[n];
            fft.ForwardInteger(coefficients, expected);
            fft.ForwardIntegerFused(coefficients, actual);
            AssertBitEqual(expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Fused_backward_add_equals_backward_then_unfold_add(int n, bool simd)
    {
        var fft = new NegacyclicFft(n, simd);
        var random = new Random(n + 1);
        // A product spectrum as the external product makes: torus polynomial times small digits.
        var torus = new ulong[n];
        var digits = new long[n];
        for (int i = 0; i < n; i++)
        {
            torus[i] = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 40);
            digits[i] = random.NextInt64(-(1L << 22), 1L << 22);
        }

        double[] a = new double[n], b = new double[n], spectrum = new double[n];
        fft.ForwardTorus(torus, a);
        fft.ForwardInteger(digits, b);
        NegacyclicFft.Multiply(spectrum, a, b);
        var start = new ulong[n];
        for (int i = 0; i < n; i++)
            start[i] = (ulong)random.NextInt64() * 3;
        ulong[] expected = (ulong[])start.Clone(), actual = (ulong[])start.Clone();
        fft.BackwardAddTorus((double[])spectrum.Clone(), expected);
        fft.BackwardAddTorusFused((double[])spectrum.Clone(), actual);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(2048)]
    [InlineData(8192)]
    [InlineData(32768)]
    public void Vector512_passes_equal_vector256_passes(int n)
    {
        // Toggling the static switch is safe while other tests run: both widths give the same bits (what this checks).
        var fft = NegacyclicFft.ForSize(n);
        var random = new Random(n + 2);
        var coefficients = new long[n];
        for (int i = 0; i < n; i++)
            coefficients[i] = random.NextInt64();
        double[] wide = new double[n], narrow = new double[n];
        ulong[] wideOut = new ulong[n], narrowOut = new ulong[n];
        try
        {
            NegacyclicFft.Vector512Passes = true;
            fft.ForwardIntegerFused(coefficients, wide);
            NegacyclicFft.Vector512Passes = false;
            fft.ForwardIntegerFused(coefficients, narrow);
            AssertBitEqual(narrow, wide);
            NegacyclicFft.Vector512Passes = true;
            fft.BackwardAddTorusFused(wide, wideOut);
            NegacyclicFft.Vector512Passes = false;
            fft.BackwardAddTorusFused(narrow, narrowOut);
            Assert.Equal(narrowOut, wideOut);
            // The coefficients come back, up to the FFT error on 64-bit inputs (53-bit doubles: about 2^-53 of 2^63 per value, times a small factor).
            for (int i = 0; i < n; i++)
                Assert.True(Math.Abs((double)(long)(wideOut[i] - (ulong)coefficients[i])) < 1e9, $"i={i}");
        }
        finally
        {
            NegacyclicFft.Vector512Passes = true;
        }
    }

    [Theory]
    [InlineData(1, 2048, 1, false)]
    [InlineData(1, 2048, 1, true)]
    [InlineData(2, 256, 3, true)]
    [InlineData(3, 512, 2, true)]
    [InlineData(1, 32, 1, true)]
    public void Multiply_accumulate_rows_equals_first_then_accumulate(int k, int n, int levels, bool withPrefetch)
    {
        var random = new Random(k * 1000 + n + levels);
        int rows = (k + 1) * levels;
        int columns = k + 1;
        double[] input = RandomDoubles(random, rows * n);
        double[] ggsw = RandomDoubles(random, rows * columns * n);
        double[] next = withPrefetch ? RandomDoubles(random, ggsw.Length) : Array.Empty<double>();
        for (int c = 0; c < columns; c++)
        {
            var expected = new double[n];
            for (int r = 0; r < rows; r++)
            {
                var a = input.AsSpan(r * n, n);
                var b = ggsw.AsSpan((r * columns + c) * n, n);
                if (r == 0)
                    NegacyclicFft.MultiplyAccumulateFirst(expected, a, b);
                else
                    NegacyclicFft.MultiplyAccumulate(expected, a, b);
            }

            var actual = new double[n];
            Array.Fill(actual, double.NaN); // overwritten, not accumulated into
            NegacyclicFft.MultiplyAccumulateRows(actual, input, ggsw, c, columns, rows, next);
            AssertBitEqual(expected, actual);
        }
    }

    [Theory]
    [InlineData(23, 1)]
    [InlineData(15, 2)]
    [InlineData(10, 3)]
    [InlineData(8, 8)] // no dropped bits
    [InlineData(64, 1)] // one level over all 64 bits
    [InlineData(1, 7)]
    public void Decompose_rotated_minus_equals_rotate_then_decompose(int baseLog, int levels)
    {
        var decomposer = new GadgetDecomposer(baseLog, levels);
        var random = new Random(baseLog * 100 + levels);
        foreach (int n in new[] { 32, 2048 })
        {
            var source = new ulong[n];
            for (int i = 0; i < n; i++)
                source[i] = (ulong)random.NextInt64() * 7 + (ulong)random.Next();
            var rotated = new ulong[n];
            var expected = new long[levels * n];
            var actual = new long[levels * n];
            // Every remainder class of the power mod 2N that matters: 0, 1..N-1, N, N+1..2N-1, negative, beyond 2N,
            // and powers whose segments are not multiples of the vector width.
            int[] powers = { 0, 1, 3, 4, 5, n - 1, n, n + 1, n + 7, 2 * n - 1, -1, -n - 3, 2 * n + 5, random.Next(2 * n), random.Next(2 * n) };
            foreach (int power in powers)
            {
                Polynomial.MultiplyByMonomialMinusSource(source, power, rotated);
                decomposer.DecomposePolynomial(rotated, expected);
                Array.Fill(actual, 12345L);
                decomposer.DecomposeRotatedMinus(source, power, actual);
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"N={n} power={power}");
            }
        }
    }

    private static double[] RandomDoubles(Random random, int count)
    {
        var values = new double[count];
        for (int i = 0; i < count; i++)
            values[i] = (random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-10, 60));
        return values;
    }

    private static void AssertBitEqual(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
                Assert.Fail($"index {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
