using System;
using System.Linq;
using CsCheck;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using Xunit.Abstractions;

namespace FheGen.Tfhe.Tests.Core;

public class GlweCiphertextTests(ITestOutputHelper output)
{
    private const int K = CoreTestUtil.GlweDimension;
    private const int Size = CoreTestUtil.PolynomialSize;
    private const double Sigma = CoreTestUtil.GlweStdDev;

    private static ulong[] Messages(int p, int size, int salt)
        => Enumerable.Range(0, size).Select(j => (ulong)((j * 7 + salt) % (1 << p))).ToArray();

    [Fact]
    public void Round_trip_for_one_to_eight_bits()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(40);
        GlweSecretKey key = GlweSecretKey.Generate(K, Size, sampler);
        var ct = new GlweCiphertext(K, Size);
        var phase = new ulong[Size];
        for (int p = 1; p <= 8; p++)
        {
            ulong[] messages = Messages(p, Size, p);
            ulong[] plain = messages.Select(m => MessageEncoding.Encode(m, p)).ToArray();
            ct.EncryptAssign(key, plain, Sigma, sampler);
            ct.DecryptPhase(key, phase);
            Assert.Equal(messages, phase.Select(x => MessageEncoding.Decode(x, p)));
            Assert.All(phase.Zip(plain), t => Assert.InRange(System.Math.Abs(CoreTestUtil.Error(t.First, t.Second)), 0, 8 * Sigma));
        }
    }

    [Fact]
    public void Round_trip_with_several_mask_polynomials()
    {
        // k > 1 and small N exercise the sum over mask polynomials; compared against the schoolbook phase.
        Gen.Select(Gen.Int[1, 4], Gen.Int[0, 6], Gen.Byte).Sample((k, logN, seed) =>
        {
            int size = 1 << logN;
            NoiseSampler sampler = CoreTestUtil.Seeded(seed);
            GlweSecretKey key = GlweSecretKey.Generate(k, size, sampler);
            ulong[] plain = Messages(4, size, seed).Select(m => MessageEncoding.Encode(m, 4)).ToArray();
            GlweCiphertext ct = GlweCiphertext.Encrypt(key, plain, 0, sampler);

            ulong[] want = ct.Body.ToArray();
            for (int i = 0; i < k; i++)
            {
                ulong[] product = CoreTestUtil.NegacyclicProduct(ct.MaskPolynomial(i), key.Polynomial(i));
                for (int j = 0; j < size; j++)
                {
                    want[j] -= product[j];
                }
            }

            ulong[] phase = ct.DecryptPhase(key);
            Assert.Equal(want, phase);
            Assert.Equal(plain, phase);
        }, iter: 60);
    }

    [Fact]
    public void Fresh_noise_std_dev_is_the_requested_one()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(41);
        GlweSecretKey key = GlweSecretKey.Generate(K, Size, sampler);
        ulong[] plain = Messages(4, Size, 0).Select(m => MessageEncoding.Encode(m, 4)).ToArray();
        const int rounds = 5;
        var errors = new double[rounds * Size];
        var phase = new ulong[Size];
        var ct = new GlweCiphertext(K, Size);
        for (int r = 0; r < rounds; r++)
        {
            ct.EncryptAssign(key, plain, Sigma, sampler);
            ct.DecryptPhase(key, phase);
            for (int j = 0; j < Size; j++)
            {
                errors[r * Size + j] = CoreTestUtil.Error(phase[j], plain[j]);
            }
        }

        (double mean, double std) = CoreTestUtil.MeanStd(errors);
        output.WriteLine($"fresh GLWE: measured/requested std-dev = {std / Sigma:F4}, mean/sigma = {mean / Sigma:F4}");
        Assert.InRange(std / Sigma, 0.95, 1.05);
        Assert.InRange(System.Math.Abs(mean), 0, 6 * Sigma / System.Math.Sqrt(errors.Length));
    }

    [Fact]
    public void Sample_extraction_gives_every_coefficient_exactly()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(42);
        GlweSecretKey key = GlweSecretKey.Generate(K, Size, sampler);
        LweSecretKey flat = key.ToFlattenedLweKey();
        const int p = 8;
        ulong[] messages = Messages(p, Size, 3);
        GlweCiphertext ct = GlweCiphertext.Encrypt(key, messages.Select(m => MessageEncoding.Encode(m, p)).ToArray(), Sigma, sampler);
        ulong[] phase = ct.DecryptPhase(key);
        var lwe = new LweCiphertext(K * Size);
        for (int index = 0; index < Size; index++)
        {
            ct.SampleExtract(index, lwe);

            // Same phase bit for bit: same plaintext, same noise.
            Assert.Equal(phase[index], lwe.DecryptPhase(flat));
            Assert.Equal(messages[index], MessageEncoding.Decode(lwe.DecryptPhase(flat), p));
        }
    }

    [Fact]
    public void Sample_extraction_convention_with_several_polynomials()
    {
        // Checks the documented layout word by word: a[i·N + j] = A_i[index − j] (j ≤ index), else −A_i[N + index − j].
        Gen.Select(Gen.Int[1, 3], Gen.Int[0, 5], Gen.Byte).Sample((k, logN, seed) =>
        {
            int size = 1 << logN;
            NoiseSampler sampler = CoreTestUtil.Seeded(seed);
            GlweSecretKey key = GlweSecretKey.Generate(k, size, sampler);
            GlweCiphertext ct = GlweCiphertext.Encrypt(key, Messages(3, size, seed).Select(m => MessageEncoding.Encode(m, 3)).ToArray(), 1e-9, sampler);
            ulong[] phase = ct.DecryptPhase(key);
            LweSecretKey flat = key.ToFlattenedLweKey();
            for (int index = 0; index < size; index++)
            {
                LweCiphertext lwe = ct.SampleExtract(index);
                for (int i = 0; i < k; i++)
                {
                    Span<ulong> a = ct.MaskPolynomial(i);
                    for (int j = 0; j < size; j++)
                    {
                        ulong want = j <= index ? a[index - j] : 0UL - a[size + index - j];
                        Assert.Equal(want, lwe.Mask[i * size + j]);
                    }
                }

                Assert.Equal(ct.Body[index], lwe.Body);
                Assert.Equal(phase[index], lwe.DecryptPhase(flat));
            }
        }, iter: 40);
    }

    [Fact]
    public void Trivial_glwe_decrypts_under_any_key_and_extracts_trivially()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(43);
        GlweSecretKey key = GlweSecretKey.Generate(2, 256, sampler);
        GlweSecretKey other = GlweSecretKey.Generate(2, 256, sampler);
        ulong[] plain = Enumerable.Range(0, 256).Select(j => (ulong)j * 0x0123_4567_89AB_CDEFUL).ToArray();
        GlweCiphertext trivial = GlweCiphertext.Trivial(2, plain);
        Assert.Equal(plain, trivial.DecryptPhase(key));
        Assert.Equal(plain, trivial.DecryptPhase(other));
        LweCiphertext lwe = trivial.SampleExtract(17);
        Assert.All(lwe.Mask.ToArray(), a => Assert.Equal(0UL, a));
        Assert.Equal(plain[17], lwe.Body);

        GlweCiphertext reused = GlweCiphertext.Encrypt(key, plain, Sigma, sampler);
        reused.TrivialAssign(plain);
        Assert.Equal(plain, reused.DecryptPhase(other));
    }

    [Fact]
    public void Addition_and_subtraction_are_coefficient_wise()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(44);
        GlweSecretKey key = GlweSecretKey.Generate(1, 512, sampler);
        const int p = 4;
        ulong[] x = Messages(p, 512, 1), y = Messages(p, 512, 5);
        GlweCiphertext cx = GlweCiphertext.Encrypt(key, x.Select(m => MessageEncoding.Encode(m, p)).ToArray(), Sigma, sampler);
        GlweCiphertext cy = GlweCiphertext.Encrypt(key, y.Select(m => MessageEncoding.Encode(m, p)).ToArray(), Sigma, sampler);
        GlweCiphertext sum = cx.Clone();
        sum.AddAssign(cy);
        Assert.Equal(x.Zip(y, (a, b) => (a + b) % 16), sum.DecryptPhase(key).Select(v => MessageEncoding.Decode(v, p)));
        GlweCiphertext diff = cx.Clone();
        diff.SubtractAssign(cy);
        Assert.Equal(x.Zip(y, (a, b) => (a - b) % 16), diff.DecryptPhase(key).Select(v => MessageEncoding.Decode(v, p)));
    }

    [Fact]
    public void Shape_mismatches_throw()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(45);
        GlweSecretKey key = GlweSecretKey.Generate(1, 64, sampler);
        var ct = new GlweCiphertext(1, 64);
        Assert.Throws<ArgumentException>(() => ct.EncryptAssign(key, new ulong[32], Sigma, sampler));
        Assert.Throws<ArgumentException>(() => new GlweCiphertext(2, 64).DecryptPhase(key));
        Assert.Throws<ArgumentException>(() => ct.SampleExtract(0, new LweCiphertext(63)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ct.SampleExtract(64));
        Assert.Throws<ArgumentOutOfRangeException>(() => ct.MaskPolynomial(1));
        Assert.Throws<ArgumentException>(() => ct.AddAssign(new GlweCiphertext(1, 32)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GlweCiphertext(1, 48));
        Assert.Throws<ArgumentException>(() => ct.DecryptPhase(key, ct.Body));
    }
}
