using System;
using System.Linq;
using FheGen.Tfhe.Algorithms;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Fft;
using Xunit.Abstractions;

namespace FheGen.Tfhe.Tests.Core;

/// <summary>
/// The FFT mask·key product (four 16-bit limbs through the f64 FFT, rounded, recombined) against the O(N^2)
/// reference: bit-identical on random and extreme inputs for every N the parameter selector uses.
/// </summary>
public class NegacyclicBinaryTests
{
    private readonly ITestOutputHelper output;

    public NegacyclicBinaryTests(ITestOutputHelper output) => this.output = output;

    [Theory]
    // Few samples for the large sizes: the O(N^2) reference dominates the run time.
    [InlineData(32, 20)]
    [InlineData(256, 20)]
    [InlineData(512, 10)]
    [InlineData(1024, 8)]
    [InlineData(2048, 6)]
    [InlineData(4096, 4)]
    [InlineData(8192, 2)]
    [InlineData(16384, 1)]
    [InlineData(32768, 1)]
    public void Fourier_product_equals_reference_on_random_inputs(int n, int samples)
    {
        var random = new Random(n * 7 + 1);
        double worst = 0;
        for (int sample = 0; sample < samples; sample++)
        {
            ulong[] a = RandomWords(random, n);
            ulong[] s = RandomBits(random, n);
            ulong[] acc0 = RandomWords(random, n);
            worst = System.Math.Max(worst, AssertSame(acc0, a, s));
        }

        // The exactness margin: the FFT's distance to the nearest integer, against 1/2 (see NegacyclicBinary).
        output.WriteLine($"N = {n}: largest distance to an integer 2^{System.Math.Log2(worst):F1}");
        // Observed: 2^-32 (N = 32) to 2^-21.4 (N = 32768), about the spacing of doubles near the largest product.
        Assert.True(worst < System.Math.Pow(2, -16), $"distance {worst}");
    }

    [Theory]
    [InlineData(256)]
    [InlineData(2048)]
    [InlineData(32768)]
    public void Fourier_product_equals_reference_on_extreme_inputs(int n)
    {
        var random = new Random(n);
        ulong[] allOnes = Enumerable.Repeat(ulong.MaxValue, n).ToArray();
        ulong[] topBit = Enumerable.Repeat(1UL << 63, n).ToArray();
        ulong[] limbMax = Enumerable.Repeat(0xFFFFUL, n).ToArray();
        ulong[] alternating = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? ulong.MaxValue : 0UL).ToArray();
        ulong[] zero = new ulong[n];
        ulong[][] masks = { allOnes, topBit, limbMax, alternating, zero, RandomWords(random, n) };

        ulong[] keyZero = new ulong[n];
        ulong[] keyOne = Enumerable.Repeat(1UL, n).ToArray();
        ulong[] keyLast = new ulong[n];
        keyLast[n - 1] = 1;
        ulong[] keyFirst = new ulong[n];
        keyFirst[0] = 1;
        ulong[][] keys = { keyZero, keyOne, keyLast, keyFirst, RandomBits(random, n) };

        // The all-ones key times the all-ones mask is the largest limb product: coefficient N−1 is N·(2^16 − 1).
        // Large sizes try fewer combinations, to bound the reference's run time.
        ulong[][] accumulators = { new ulong[n], allOnes, RandomWords(random, n) };
        if (n > 2048)
        {
            masks = new[] { allOnes, masks[^1] };
            keys = new[] { keyZero, keyOne, keys[^1] };
            accumulators = new[] { accumulators[^1] };
        }

        foreach (ulong[] a in masks)
        {
            foreach (ulong[] s in keys)
            {
                foreach (ulong[] acc0 in accumulators)
                {
                    AssertSame(acc0, a, s);
                }
            }
        }
    }

    [Fact]
    public void Only_bit_zero_of_the_key_is_read()
    {
        // Both routines read s & 1; coefficients with high garbage must give the same product as their low bit.
        const int n = 512;
        var random = new Random(5);
        ulong[] a = RandomWords(random, n);
        ulong[] s = RandomWords(random, n);
        ulong[] bits = s.Select(x => x & 1).ToArray();
        ulong[] want = new ulong[n];
        NegacyclicBinary.MultiplyAddReference(want, a, bits);
        Assert.Equal(want, Fourier(new ulong[n], a, s, null));
        ulong[] reference = new ulong[n];
        NegacyclicBinary.MultiplyAddReference(reference, a, s);
        Assert.Equal(want, reference);
    }

    [Theory]
    [InlineData(32)]
    [InlineData(2048)]
    [InlineData(16384)]
    public void Scalar_transform_gives_the_same_exact_product(int n)
    {
        var random = new Random(n + 3);
        var scalar = new NegacyclicFft(n, useSimd: false);
        ulong[] a = RandomWords(random, n);
        ulong[] s = RandomBits(random, n);
        ulong[] acc0 = RandomWords(random, n);
        ulong[] want = (ulong[])acc0.Clone();
        NegacyclicBinary.MultiplyAddReference(want, a, s);
        Assert.Equal(want, Fourier((ulong[])acc0.Clone(), a, s, scalar));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(NegacyclicBinary.FourierThreshold / 2)]
    [InlineData(NegacyclicBinary.FourierThreshold)]
    [InlineData(1024)]
    public void Dispatching_product_equals_reference_below_and_above_the_threshold(int n)
    {
        var random = new Random(n + 11);
        ulong[] a = RandomWords(random, n);
        ulong[] s = RandomBits(random, n);
        ulong[] want = new ulong[n];
        NegacyclicBinary.MultiplyAddReference(want, a, s);
        ulong[] got = new ulong[n];
        NegacyclicBinary.MultiplyAdd(got, a, s);
        Assert.Equal(want, got);
    }

    [Theory]
    [InlineData(2, 16)]
    [InlineData(1, 2048)]
    [InlineData(2, 1024)]
    public void Glwe_encryption_equals_the_reference_computation(int k, int n)
    {
        // Encrypt, then redo the encryption's draws from the same seed with the reference product: the body must
        // match bit for bit, and so must the phase computed both ways.
        GlweSecretKey key = GlweSecretKey.Generate(k, n, CoreTestUtil.Seeded(40));
        ulong[] plaintext = RandomWords(new Random(41), n);
        GlweCiphertext ct = GlweCiphertext.Encrypt(key, plaintext, CoreTestUtil.GlweStdDev, CoreTestUtil.Seeded(42));

        NoiseSampler replay = CoreTestUtil.Seeded(42);
        ulong[] mask = new ulong[k * n];
        replay.FillUniform(mask);
        ulong[] body = new ulong[n];
        replay.FillGaussianTorus(body, CoreTestUtil.GlweStdDev);
        ulong[] phase = new ulong[n];
        for (int i = 0; i < k; i++)
        {
            NegacyclicBinary.MultiplyAddReference(body, mask.AsSpan(i * n, n), key.Polynomial(i));
            NegacyclicBinary.MultiplyAddReference(phase, mask.AsSpan(i * n, n), key.Polynomial(i));
        }

        for (int j = 0; j < n; j++)
        {
            body[j] += plaintext[j];
        }

        Assert.Equal(mask, ct.Mask.ToArray());
        Assert.Equal(body, ct.Body.ToArray());
        Assert.Equal(body.Zip(phase, (b, p) => b - p), ct.DecryptPhase(key));
    }

    [Fact]
    public void Imprecise_transform_is_detected_not_rounded()
    {
        // A "key transform" that is not the transform of an integer polynomial gives products far from integers:
        // the guard must throw instead of rounding them into a wrong ciphertext.
        const int n = 256;
        var random = new Random(8);
        ulong[] a = RandomWords(random, n);
        double[] keyFourier = new double[n];
        NegacyclicBinary.KeyToFourier(RandomBits(random, n), keyFourier);
        for (int j = 0; j < n; j++)
        {
            keyFourier[j] += 0.37 * (j % 5);
        }

        Assert.Throws<InvalidOperationException>(() => NegacyclicBinary.MultiplyAddFourier(new ulong[n], a, keyFourier));
    }

    [Fact]
    public void Invalid_arguments_throw()
    {
        double[] keyFourier = new double[64];
        NegacyclicBinary.KeyToFourier(new ulong[64], keyFourier);
        ulong[] buffer = new ulong[128];
        Assert.Throws<ArgumentException>(() => NegacyclicBinary.MultiplyAddFourier(buffer.AsSpan(0, 64), buffer.AsSpan(32, 64), keyFourier));
        Assert.Throws<ArgumentException>(() => NegacyclicBinary.MultiplyAddFourier(new ulong[64], new ulong[32], keyFourier));
        Assert.Throws<ArgumentException>(() => NegacyclicBinary.MultiplyAddFourier(new ulong[64], new ulong[64], keyFourier, NegacyclicFft.ForSize(128)));
        Assert.Throws<ArgumentException>(() => NegacyclicBinary.MultiplyAddReference(new ulong[64], new ulong[64], new ulong[32]));
    }

    // Both routines on copies of acc0; returns the FFT path's largest distance to an integer.
    private static double AssertSame(ulong[] acc0, ulong[] a, ulong[] s)
    {
        int n = a.Length;
        ulong[] want = (ulong[])acc0.Clone();
        NegacyclicBinary.MultiplyAddReference(want, a, s);
        double[] keyFourier = new double[n];
        NegacyclicBinary.KeyToFourier(s, keyFourier);
        ulong[] got = (ulong[])acc0.Clone();
        double distance = NegacyclicBinary.MultiplyAddFourier(got, a, keyFourier);
        Assert.True(want.AsSpan().SequenceEqual(got), $"FFT product differs from the reference at N = {n}");
        return distance;
    }

    private static ulong[] Fourier(ulong[] acc, ulong[] a, ulong[] s, NegacyclicFft? fft)
    {
        double[] keyFourier = new double[a.Length];
        NegacyclicBinary.KeyToFourier(s, keyFourier, fft);
        NegacyclicBinary.MultiplyAddFourier(acc, a, keyFourier, fft);
        return acc;
    }

    private static ulong[] RandomWords(Random random, int n)
    {
        var words = new ulong[n];
        random.NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(words.AsSpan()));
        return words;
    }

    private static ulong[] RandomBits(Random random, int n) => Enumerable.Range(0, n).Select(_ => (ulong)random.Next(2)).ToArray();
}
