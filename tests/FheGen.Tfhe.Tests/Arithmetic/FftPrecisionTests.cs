using System;
using System.Linq;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Fft;
using Xunit.Abstractions;

namespace FheGen.Tfhe.Tests.Arithmetic;

/// <summary>
/// Error of the f64 FFT product of a 64-bit torus polynomial by a small signed polynomial, against the exact
/// product mod 2^64. The bounds asserted are a few times the measured maxima (see the test output), and sit well
/// below the noise model's FFT term <c>2.065e-33 B^2 N^2</c> (variance per product, torus units).
/// </summary>
public class FftPrecisionTests
{
    private readonly ITestOutputHelper output;

    public FftPrecisionTests(ITestOutputHelper output) => this.output = output;

    [Theory]
    // 4-bit set: N = 2048, base_log 23, level 1: digits in [-2^22, 2^22).
    [InlineData(2048, 22, 4, -22.0)]
    // The same digits at N = 8192 (one trial: the O(N^2) reference dominates the run time).
    [InlineData(8192, 22, 1, -21.0)]
    // 6-bit set: N = 8192, base_log 15, level 2: digits in [-2^14, 2^14).
    [InlineData(8192, 14, 1, -29.0)]
    public void Torus_times_small_error_is_bounded(int n, int digitBits, int trials, double maxLog2Error)
    {
        var fft = NegacyclicFft.ForSize(n);
        var random = new Random(n * 31 + digitBits);
        long maxError = 0;
        double sumSquares = 0;
        long count = 0;
        for (int trial = 0; trial < trials; trial++)
        {
            ulong[] torus = NegacyclicFftTests.RandomTorus(random, n);
            long[] digits = NegacyclicFftTests.RandomSmall(random, n, 1L << digitBits);
            for (int j = 0; j < n; j++)
                digits[j] = System.Math.Clamp(digits[j], -(1L << digitBits), (1L << digitBits) - 1);

            ulong[] expected = new ulong[n];
            Polynomial.MultiplyNaive(torus, digits.Select(d => (ulong)d).ToArray(), expected);

            var torusFourier = FourierPolynomial.FromTorus(torus);
            ulong[] actual = new ulong[n];
            fft.MultiplyAddTorus(actual, digits, torusFourier.Span);

            for (int j = 0; j < n; j++)
            {
                long error = (long)(actual[j] - expected[j]);
                maxError = System.Math.Max(maxError, System.Math.Abs(error));
                sumSquares += (double)error * error;
                count++;
            }
        }

        double log2Max = System.Math.Log2(maxError) - 64;
        double log2Rms = 0.5 * System.Math.Log2(sumSquares / count) - 64;
        double modelStd = System.Math.Sqrt(2.06537277069845e-33 * System.Math.Pow(2, 2 * (digitBits + 1)) * n * (double)n);
        output.WriteLine(
            $"N={n} |d|<=2^{digitBits}: max |error| = 2^{log2Max:F2} torus ({maxError} / 2^64), " +
            $"rms = 2^{log2Rms:F2}; noise-model FFT std for one product = 2^{System.Math.Log2(modelStd):F2}");
        Assert.True(log2Max < maxLog2Error, $"max error 2^{log2Max:F2} exceeds 2^{maxLog2Error}");
        Assert.True(log2Rms < System.Math.Log2(modelStd), "rms error above the noise model's FFT term");
    }

    [Fact]
    public void External_product_shaped_accumulation_has_the_same_error_scale()
    {
        // Two decomposed polynomials times two Fourier torus polynomials, summed in the Fourier domain, one inverse:
        // the shape of one output column of the 4-bit external product ((k+1) l = 2 products).
        const int n = 2048;
        var fft = NegacyclicFft.ForSize(n);
        var random = new Random(42);
        var decomposer = new GadgetDecomposer(23, 1);
        ulong[] expected = new ulong[n];
        double[] accumulator = new double[n];
        double[] work = new double[n];
        for (int row = 0; row < 2; row++)
        {
            ulong[] torus = NegacyclicFftTests.RandomTorus(random, n);
            ulong[] glwe = NegacyclicFftTests.RandomTorus(random, n);
            long[] digits = new long[n];
            decomposer.DecomposePolynomial(glwe, digits);
            Polynomial.MultiplyAddNaive(torus, digits.Select(d => (ulong)d).ToArray(), expected);
            fft.ForwardInteger(digits, work);
            NegacyclicFft.MultiplyAccumulate(accumulator, work, FourierPolynomial.FromTorus(torus).Span);
        }

        ulong[] actual = new ulong[n];
        fft.BackwardTorus(accumulator, actual);
        long maxError = Enumerable.Range(0, n).Max(j => System.Math.Abs((long)(actual[j] - expected[j])));
        double log2Max = System.Math.Log2(maxError) - 64;
        output.WriteLine($"N={n}, 2 products of base_log 23 digits: max |error| = 2^{log2Max:F2} torus");
        Assert.True(log2Max < -21.5, $"max error 2^{log2Max:F2}");
    }
}
