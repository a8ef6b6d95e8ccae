using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using Xunit.Abstractions;

namespace FheGen.Tfhe.Tests.Core;

public class LweCiphertextTests(ITestOutputHelper output)
{
    private const int N = CoreTestUtil.LweDimension;
    private const double Sigma = CoreTestUtil.LweStdDev;

    // The noise of a linear combination does not depend on n (b − <a, s> cancels the masks exactly), so the
    // many-sample growth tests use a small dimension to stay fast; the noise itself is the realistic one.
    private const int SmallN = 64;

    [Fact]
    public void Round_trip_every_message_for_one_to_eight_bits()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(20);
        LweSecretKey key = LweSecretKey.Generate(N, sampler);
        var ct = new LweCiphertext(N);
        for (int p = 1; p <= 8; p++)
        {
            for (ulong m = 0; m < 1UL << p; m++)
            {
                ulong plain = MessageEncoding.Encode(m, p);
                ct.EncryptAssign(key, plain, Sigma, sampler);
                ulong phase = ct.DecryptPhase(key);
                Assert.Equal(m, MessageEncoding.Decode(phase, p));
                Assert.Equal(m, MessageEncoding.DecodeWithPadding(phase, p));

                // The noise is really there (not a trivial ciphertext) and small.
                double error = System.Math.Abs(CoreTestUtil.Error(phase, plain));
                Assert.InRange(error, 0, 8 * Sigma);
            }
        }
    }

    [Fact]
    public void Signed_round_trip()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(21);
        LweSecretKey key = LweSecretKey.Generate(N, sampler);
        for (long m = -128; m < 128; m++)
        {
            LweCiphertext ct = LweCiphertext.Encrypt(key, MessageEncoding.EncodeSigned(m, 8), Sigma, sampler);
            Assert.Equal(m, MessageEncoding.DecodeSigned(ct.DecryptPhase(key), 8));
        }
    }

    [Fact]
    public void Wrong_key_does_not_decrypt()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(22);
        LweSecretKey key = LweSecretKey.Generate(N, sampler);
        LweSecretKey other = LweSecretKey.Generate(N, sampler);
        int right = 0;
        for (int i = 0; i < 200; i++)
        {
            LweCiphertext ct = LweCiphertext.Encrypt(key, MessageEncoding.Encode(5, 4), Sigma, sampler);
            right += MessageEncoding.Decode(ct.DecryptPhase(other), 4) == 5 ? 1 : 0;
        }

        // A wrong key gives a uniform phase: about 1 in 16 hits by chance.
        Assert.InRange(right, 0, 40);
    }

    [Fact]
    public void Fresh_noise_std_dev_is_the_requested_one()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(23);
        LweSecretKey key = LweSecretKey.Generate(N, sampler);
        var ct = new LweCiphertext(N);
        ulong plain = MessageEncoding.Encode(3, 4);
        // 6000 samples: the estimate's relative std-dev is 0.9%, so 5% is over 5 of them.
        var errors = new double[6000];
        for (int i = 0; i < errors.Length; i++)
        {
            ct.EncryptAssign(key, plain, Sigma, sampler);
            errors[i] = CoreTestUtil.Error(ct.DecryptPhase(key), plain);
        }

        (double mean, double std) = CoreTestUtil.MeanStd(errors);
        output.WriteLine($"fresh LWE: measured/requested std-dev = {std / Sigma:F4}, mean/sigma = {mean / Sigma:F4}");
        Assert.InRange(std / Sigma, 0.95, 1.05);
        Assert.InRange(System.Math.Abs(mean), 0, 6 * Sigma / System.Math.Sqrt(errors.Length));
    }

    [Fact]
    public void Weighted_sum_noise_grows_with_the_two_norm()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(24);
        LweSecretKey key = LweSecretKey.Generate(SmallN, sampler);
        long[] weights = { 3, -2, 5, -1, 0, 7, -4 };
        double norm = System.Math.Sqrt(weights.Sum(w => (double)w * w));
        var inputs = new LweCiphertext[weights.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = new LweCiphertext(SmallN);
        }

        var acc = new LweCiphertext(SmallN);
        const int p = 8;
        ulong bias = MessageEncoding.Encode(100, p);
        var errors = new double[6000];
        for (int t = 0; t < errors.Length; t++)
        {
            // Messages 0..3 keep 100 + Σ w·x inside [0, 256).
            long expected = 100;
            for (int i = 0; i < inputs.Length; i++)
            {
                ulong x = (ulong)((t + i) % 4);
                expected += weights[i] * (long)x;
                inputs[i].EncryptAssign(key, MessageEncoding.Encode(x, p), Sigma, sampler);
            }

            LweCiphertext.LinearCombination(inputs, weights, bias, acc);
            ulong phase = acc.DecryptPhase(key);
            Assert.Equal((ulong)expected, MessageEncoding.Decode(phase, p));
            errors[t] = CoreTestUtil.Error(phase, MessageEncoding.Encode((ulong)expected, p));
        }

        (_, double std) = CoreTestUtil.MeanStd(errors);
        output.WriteLine($"weighted sum: measured std-dev / (||w||_2 sigma) = {std / (norm * Sigma):F4} (||w||_2 = {norm:F3})");
        Assert.InRange(std / (norm * Sigma), 0.95, 1.05);
    }

    [Fact]
    public void Sum_of_ciphertexts_noise_grows_as_sqrt_of_count()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(25);
        LweSecretKey key = LweSecretKey.Generate(SmallN, sampler);
        const int terms = 9;
        var term = new LweCiphertext(SmallN);
        var sum = new LweCiphertext(SmallN);
        var errors = new double[6000];
        for (int t = 0; t < errors.Length; t++)
        {
            sum.TrivialAssign(0);
            for (int i = 0; i < terms; i++)
            {
                term.EncryptAssign(key, MessageEncoding.Encode(1, 4), Sigma, sampler);
                sum.AddAssign(term);
            }

            ulong phase = sum.DecryptPhase(key);
            Assert.Equal(9UL, MessageEncoding.Decode(phase, 4));
            errors[t] = CoreTestUtil.Error(phase, MessageEncoding.Encode(9, 4));
        }

        (_, double std) = CoreTestUtil.MeanStd(errors);
        output.WriteLine($"sum of 9: measured std-dev / (3 sigma) = {std / (3 * Sigma):F4}");
        Assert.InRange(std / (3 * Sigma), 0.95, 1.05);
    }

    [Fact]
    public void Linear_operations_decrypt_correctly()
    {
        LweSecretKey key = LweSecretKey.Generate(N, CoreTestUtil.Seeded(26));
        const int p = 8;
        ulong Dec(LweCiphertext c) => MessageEncoding.Decode(c.DecryptPhase(key), p);

        // CsCheck runs samples on several threads and a sampler is not thread-safe: one sampler per sample.
        Gen.Select(Gen.ULong[0, 255], Gen.ULong[0, 255], Gen.Long[-20, 20], Gen.Byte).Sample((x, y, w, seed) =>
        {
            NoiseSampler sampler = CoreTestUtil.Seeded(seed);
            LweCiphertext Enc(ulong m) => LweCiphertext.Encrypt(key, MessageEncoding.Encode(m, p), Sigma, sampler);
            LweCiphertext cx = Enc(x), cy = Enc(y);
            Assert.Equal((x + y) % 256, Dec(cx + cy));
            Assert.Equal((x - y) % 256, Dec(cx - cy));
            Assert.Equal((0 - x) % 256, Dec(-cx));
            Assert.Equal((ulong)(w * (long)x) % 256, Dec(w * cx));
            Assert.Equal((ulong)(w * (long)x) % 256, Dec(cx * w));

            LweCiphertext acc = cy.Clone();
            acc.MultiplyAdd(cx, w);
            Assert.Equal((y + (ulong)(w * (long)x)) % 256, Dec(acc));

            acc.CopyFrom(cx);
            acc.AddPlaintext(MessageEncoding.Encode(y, p));
            Assert.Equal((x + y) % 256, Dec(acc));

            acc.CopyFrom(cx);
            acc.MultiplyAssign(w);
            Assert.Equal((ulong)(w * (long)x) % 256, Dec(acc));

            acc.CopyFrom(cx);
            acc.NegateAssign();
            acc.SubtractAssign(cy);
            Assert.Equal((0 - x - y) % 256, Dec(acc));
        }, iter: 100);
    }

    [Fact]
    public void Multiplication_is_exact_mod_two_to_the_64()
    {
        // On trivial ciphertexts every word is checked, large and negative weights included.
        Gen.Select(Gen.ULong, Gen.Long).Sample((plain, w) =>
        {
            LweCiphertext c = LweCiphertext.Trivial(5, plain);
            c.Mask[2] = plain ^ 0x5555;
            LweCiphertext product = w * c;
            Assert.Equal(unchecked(plain * (ulong)w), product.Body);
            Assert.Equal(unchecked((plain ^ 0x5555) * (ulong)w), product.Mask[2]);

            LweCiphertext acc = LweCiphertext.Trivial(5, 7);
            acc.MultiplyAdd(c, w);
            Assert.Equal(unchecked(7 + plain * (ulong)w), acc.Body);
        }, iter: 200);
    }

    [Fact]
    public void Trivial_ciphertexts_decrypt_under_any_key_without_noise()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(27);
        LweSecretKey key = LweSecretKey.Generate(N, sampler);
        LweSecretKey other = LweSecretKey.Generate(N, sampler);
        ulong plain = MessageEncoding.Encode(11, 4) + 12345;
        LweCiphertext trivial = LweCiphertext.Trivial(N, plain);
        Assert.Equal(plain, trivial.DecryptPhase(key));
        Assert.Equal(plain, trivial.DecryptPhase(other));
        Assert.All(trivial.Mask.ToArray(), a => Assert.Equal(0UL, a));

        // Trivial plus fresh: the noise is the fresh one's only.
        LweCiphertext fresh = LweCiphertext.Encrypt(key, MessageEncoding.Encode(2, 4), Sigma, sampler);
        ulong freshPhase = fresh.DecryptPhase(key);
        fresh.AddAssign(trivial);
        Assert.Equal(freshPhase + plain, fresh.DecryptPhase(key));

        var reused = LweCiphertext.Encrypt(key, 99, Sigma, sampler);
        reused.TrivialAssign(plain);
        Assert.Equal(plain, reused.DecryptPhase(other));
    }

    [Fact]
    public void Fresh_encryptions_of_the_same_message_differ()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(28);
        LweSecretKey key = LweSecretKey.Generate(N, sampler);
        LweCiphertext a = LweCiphertext.Encrypt(key, 0, Sigma, sampler);
        LweCiphertext b = LweCiphertext.Encrypt(key, 0, Sigma, sampler);
        Assert.False(a.AsSpan().SequenceEqual(b.AsSpan()));
    }

    [Fact]
    public void Seeded_encryption_is_reproducible()
    {
        LweCiphertext Make()
        {
            NoiseSampler sampler = CoreTestUtil.Seeded(29);
            LweSecretKey key = LweSecretKey.Generate(N, sampler);
            return LweCiphertext.Encrypt(key, MessageEncoding.Encode(6, 4), Sigma, sampler);
        }

        Assert.True(Make().AsSpan().SequenceEqual(Make().AsSpan()));
    }

    [Fact]
    public void Dimension_mismatches_throw()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(30);
        LweSecretKey key = LweSecretKey.Generate(10, sampler);
        var small = new LweCiphertext(9);
        var right = new LweCiphertext(10);
        Assert.Throws<ArgumentException>(() => small.DecryptPhase(key));
        Assert.Throws<ArgumentException>(() => small.EncryptAssign(key, 0, Sigma, sampler));
        Assert.Throws<ArgumentException>(() => small.AddAssign(right));
        Assert.Throws<ArgumentException>(() => small.MultiplyAdd(right, 3));
        Assert.Throws<ArgumentException>(() => LweCiphertext.LinearCombination(new[] { right }, new long[] { 1, 2 }, 0, right));
        Assert.Throws<ArgumentException>(() => LweCiphertext.LinearCombination(new[] { right }, new long[] { 1 }, 0, right));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LweCiphertext(0));
    }
}
