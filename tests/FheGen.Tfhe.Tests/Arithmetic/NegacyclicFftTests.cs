using System;
using System.Linq;
using System.Threading.Tasks;
using CsCheck;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Fft;

namespace FheGen.Tfhe.Tests.Arithmetic;

public class NegacyclicFftTests
{
    [Theory]
    [InlineData(256, 1 << 12)]
    [InlineData(1024, 1 << 10)]
    [InlineData(2048, 1 << 8)]
    public void Small_integer_product_is_exact(int n, long bound)
    {
        var fft = NegacyclicFft.ForSize(n);
        var coefficients = Gen.Long[-bound, bound].Array[n];
        Gen.Select(coefficients, coefficients).Sample((a, b) =>
        {
            AssertProductExact(fft, a, b);
        }, iter: 8);
    }

    [Fact]
    public void Larger_small_integer_products_stay_exact()
    {
        // Coefficients up to 2^16 at N = 2048: products reach ~2^43, still far from f64 rounding trouble.
        var fft = NegacyclicFft.ForSize(2048);
        var random = new Random(1234);
        for (int trial = 0; trial < 3; trial++)
        {
            long[] a = RandomSmall(random, 2048, 1L << 16);
            long[] b = RandomSmall(random, 2048, 1L << 16);
            AssertProductExact(fft, a, b);
        }
    }

    [Fact]
    public void Scalar_kernels_agree_with_vector_kernels()
    {
        var random = new Random(99);
        // 4096 and up run their first passes over the whole buffer, then block by block.
        foreach (int n in new[] { 32, 64, 256, 2048, 4096, 8192, 32768 })
        {
            var vector = NegacyclicFft.ForSize(n);
            var scalar = new NegacyclicFft(n, useSimd: false);
            Assert.False(scalar.IsVectorized);
            long[] a = RandomSmall(random, n, 1000);
            long[] b = RandomSmall(random, n, 1000);
            double[] fa = new double[n], fs = new double[n];
            vector.ForwardInteger(a, fa);
            scalar.ForwardInteger(a, fs);
            // Same layout and nearly the same values (FMA contraction differs).
            for (int i = 0; i < n; i++)
                Assert.True(System.Math.Abs(fa[i] - fs[i]) <= 1e-9 * (1 + System.Math.Abs(fa[i])), $"n={n} i={i}");
            if (n <= 2048)
                AssertProductExact(scalar, a, b);
            else
                Assert.Equal(Product(vector, a, b), Product(scalar, a, b));
        }
    }

    [Fact]
    public void X_to_the_n_is_minus_one()
    {
        foreach (int n in new[] { 32, 256, 2048, 8192 })
        {
            var fft = NegacyclicFft.ForSize(n);
            long[] x = new long[n];
            x[1] = 1;
            long[] xPowNMinus1 = new long[n];
            xPowNMinus1[n - 1] = 1;
            ulong[] product = Product(fft, x, xPowNMinus1);
            Assert.Equal(ulong.MaxValue, product[0]); // -1
            Assert.All(product.Skip(1), c => Assert.Equal(0UL, c));
        }
    }

    [Fact]
    public void Multiplying_by_a_monomial_rotates_negacyclically()
    {
        const int n = 1024;
        var fft = NegacyclicFft.ForSize(n);
        var random = new Random(7);
        ulong[] torus = RandomTorus(random, n);
        var torusFourier = FourierPolynomial.FromTorus(torus);
        foreach (int power in new[] { 0, 1, 5, n - 1, n / 2 })
        {
            long[] monomial = new long[n];
            monomial[power] = 1;
            ulong[] actual = new ulong[n];
            fft.MultiplyAddTorus(actual, monomial, torusFourier.Span);
            ulong[] expected = new ulong[n];
            Polynomial.MultiplyByMonomial(torus, power, expected);
            // The torus side went through f64 (53 bits of 63, then the FFT's rounding): a few 2^10 per coefficient.
            for (int j = 0; j < n; j++)
                Assert.InRange((long)(actual[j] - expected[j]), -(1L << 14), 1L << 14);
        }
    }

    [Fact]
    public void Product_is_bilinear()
    {
        var fft = NegacyclicFft.ForSize(1024);
        var random = new Random(5);
        long[] a = RandomSmall(random, 1024, 500);
        long[] b = RandomSmall(random, 1024, 500);
        long[] c = RandomSmall(random, 1024, 500);
        long[] sum = a.Zip(b, (x, y) => x + y).ToArray();
        ulong[] left = Product(fft, sum, c);
        ulong[] right = Product(fft, a, c);
        Polynomial.AddAssign(right, Product(fft, b, c));
        Assert.Equal(right, left);

        // Accumulating in the Fourier domain equals accumulating in the coefficient domain.
        double[] fa = new double[1024], fb = new double[1024], fc = new double[1024], acc = new double[1024];
        fft.ForwardInteger(a, fa);
        fft.ForwardInteger(b, fb);
        fft.ForwardInteger(c, fc);
        NegacyclicFft.MultiplyAccumulate(acc, fa, fc);
        NegacyclicFft.MultiplyAccumulate(acc, fb, fc);
        ulong[] viaFourier = new ulong[1024];
        fft.BackwardTorus(acc, viaFourier);
        Assert.Equal(right, viaFourier);
    }

    [Fact]
    public void Forward_then_backward_is_the_identity_on_integers()
    {
        var random = new Random(3);
        foreach (int n in new[] { 32, 512, 4096 })
        {
            var fft = NegacyclicFft.ForSize(n);
            long[] a = RandomSmall(random, n, 1L << 40);
            double[] f = new double[n];
            fft.ForwardInteger(a, f);
            ulong[] back = new ulong[n];
            fft.BackwardTorus(f, back);
            Assert.Equal(a.Select(x => (ulong)x).ToArray(), back);
        }
    }

    [Fact]
    public void Backward_add_accumulates_with_wrapping()
    {
        const int n = 256;
        var fft = NegacyclicFft.ForSize(n);
        long[] a = new long[n];
        a[3] = -5;
        a[200] = 7;
        double[] f = new double[n];
        fft.ForwardInteger(a, f);
        ulong[] acc = Enumerable.Repeat(ulong.MaxValue, n).ToArray();
        fft.BackwardAddTorus(f, acc);
        Assert.Equal(unchecked(ulong.MaxValue - 5), acc[3]);
        Assert.Equal(6UL, acc[200]);
        Assert.Equal(ulong.MaxValue, acc[0]);
    }

    [Fact]
    public void For_size_is_cached_and_thread_safe()
    {
        var instances = new NegacyclicFft[64];
        Parallel.For(0, instances.Length, i => instances[i] = NegacyclicFft.ForSize(4096));
        Assert.All(instances, x => Assert.Same(instances[0], x));
        Assert.Equal(4096, instances[0].PolynomialSize);
        Assert.Equal(2048, instances[0].FourierSize);
    }

    [Fact]
    public void Concurrent_use_gives_the_same_results()
    {
        var fft = NegacyclicFft.ForSize(2048);
        var random = new Random(11);
        ulong[] torus = RandomTorus(random, 2048);
        var torusFourier = FourierPolynomial.FromTorus(torus);
        long[][] smalls = Enumerable.Range(0, 16).Select(_ => RandomSmall(random, 2048, 1 << 10)).ToArray();
        ulong[][] sequential = smalls.Select(s =>
        {
            ulong[] acc = new ulong[2048];
            fft.MultiplyAddTorus(acc, s, torusFourier.Span);
            return acc;
        }).ToArray();
        ulong[][] parallel = new ulong[smalls.Length][];
        Parallel.For(0, smalls.Length, i =>
        {
            ulong[] acc = new ulong[2048];
            fft.MultiplyAddTorus(acc, smalls[i], torusFourier.Span);
            parallel[i] = acc;
        });
        for (int i = 0; i < smalls.Length; i++)
            Assert.Equal(sequential[i], parallel[i]);
    }

    [Fact]
    public void Rejects_bad_sizes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NegacyclicFft.ForSize(1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => NegacyclicFft.ForSize(16));
        var fft = NegacyclicFft.ForSize(256);
        Assert.Throws<ArgumentException>(() => fft.ForwardInteger(new long[128], new double[256]));
        Assert.Throws<ArgumentException>(() => fft.BackwardTorus(new double[128], new ulong[256]));
        Assert.Throws<ArgumentException>(() => NegacyclicFft.MultiplyAccumulate(new double[8], new double[8], new double[6]));
    }

    internal static void AssertProductExact(NegacyclicFft fft, long[] a, long[] b)
    {
        ulong[] expected = new ulong[a.Length];
        Polynomial.MultiplyNaive(a.Select(x => (ulong)x).ToArray(), b.Select(x => (ulong)x).ToArray(), expected);
        Assert.Equal(expected, Product(fft, a, b));
    }

    internal static ulong[] Product(NegacyclicFft fft, long[] a, long[] b)
    {
        int n = a.Length;
        double[] fa = new double[n], fb = new double[n];
        fft.ForwardInteger(a, fa);
        fft.ForwardInteger(b, fb);
        NegacyclicFft.Multiply(fa, fa, fb);
        ulong[] result = new ulong[n];
        fft.BackwardTorus(fa, result);
        return result;
    }

    internal static long[] RandomSmall(Random random, int n, long bound) =>
        Enumerable.Range(0, n).Select(_ => random.NextInt64(-bound, bound + 1)).ToArray();

    internal static ulong[] RandomTorus(Random random, int n) =>
        Enumerable.Range(0, n).Select(_ => (ulong)random.NextInt64(long.MinValue, long.MaxValue)).ToArray();
}
