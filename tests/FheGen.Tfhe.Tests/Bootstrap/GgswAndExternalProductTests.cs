using System;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Algorithms;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Fft;
using FheGen.Tfhe.Tests.Core;
using Xunit.Abstractions;

namespace FheGen.Tfhe.Tests.Bootstrap;

public class GgswAndExternalProductTests(ITestOutputHelper output)
{
    // (k, N, base log, levels, glwe sigma): the published 4-bit set, and a small fast set.
    public static TheoryData<int, int, int, int, double> Sets => new()
    {
        { 1, 2048, 23, 1, 2.845267479601915e-15 },
        { 2, 256, 10, 3, 1e-12 },
    };

    [Theory]
    [MemberData(nameof(Sets))]
    public void Ggsw_rows_decrypt_to_expected_plaintexts(int k, int n, int baseLog, int levels, double sigma)
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(70);
        var key = GlweSecretKey.Generate(k, n, sampler);
        var g = new GadgetDecomposer(baseLog, levels);
        var phase = new ulong[n];
        foreach (long m in new long[] { 0, 1, 3 })
        {
            var ggsw = GgswCiphertext.Encrypt(key, m, g, sigma, sampler);
            Assert.Equal((k + 1) * levels, ggsw.RowCount);
            for (int i = 0; i <= k; i++)
            {
                for (int j = 1; j <= levels; j++)
                {
                    ggsw.Row(i, j).DecryptPhase(key, phase);
                    ulong w = unchecked((ulong)m * g.Weight(j));
                    for (int t = 0; t < n; t++)
                    {
                        ulong expected = i < k ? 0UL - w * key.Polynomial(i)[t] : (t == 0 ? w : 0UL);
                        Assert.True(Math.Abs(CoreTestUtil.Error(phase[t], expected)) < 8 * sigma, $"row ({i},{j}) coefficient {t}");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void External_product_is_bit_identical_to_clear_then_accumulate_reference(int k, int n, int baseLog, int levels, double sigma)
    {
        // The external product starts its Fourier sums with the first row's products instead of clearing them; this is
        // the former algorithm spelled out (clear, accumulate every row, one backward add per column), compared bit for
        // bit, over two calls so stale sums from the first would show in the second.
        NoiseSampler sampler = CoreTestUtil.Seeded(73);
        var key = GlweSecretKey.Generate(k, n, sampler);
        var g = new GadgetDecomposer(baseLog, levels);
        var ep = new ExternalProduct(k, n, g);
        var fft = NegacyclicFft.ForSize(n);
        var digits = new long[levels * n];
        var digitFourier = new double[n];
        var sums = new double[(k + 1) * n];
        var plain = new ulong[n];
        foreach (long m in new long[] { 1, 0, 3 })
        {
            var ggsw = FourierGgsw.FromStandard(GgswCiphertext.Encrypt(key, m, g, sigma, sampler));
            for (int t = 0; t < n; t++)
                plain[t] = Torus.Encode((ulong)((t * 7 + (int)m) % 16), 4);
            var input = GlweCiphertext.Encrypt(key, plain, sigma, sampler);
            var target = GlweCiphertext.Encrypt(key, plain, sigma, sampler);
            var expected = target.Clone();

            Array.Clear(sums);
            for (int i = 0; i <= k; i++)
            {
                g.DecomposePolynomial(i < k ? input.MaskPolynomial(i) : input.Body, digits);
                for (int j = 0; j < levels; j++)
                {
                    fft.ForwardInteger(digits.AsSpan(j * n, n), digitFourier);
                    for (int c = 0; c <= k; c++)
                        NegacyclicFft.MultiplyAccumulate(sums.AsSpan(c * n, n), digitFourier, ggsw.Polynomial(i * levels + j, c));
                }
            }
            for (int c = 0; c <= k; c++)
                fft.BackwardAddTorus(sums.AsSpan(c * n, n), c < k ? expected.MaskPolynomial(c) : expected.Body);

            ep.ComputeAdd(ggsw, input, target);
            Assert.Equal(expected.AsSpan().ToArray(), target.AsSpan().ToArray());
        }
    }

    [Fact]
    public void Multiply_accumulate_first_matches_clear_then_multiply_accumulate_bit_for_bit()
    {
        var rng = new Random(74);
        // 2·5 covers the scalar tail after a Vector256 step; 2·8 and 2·1024 the vector paths.
        foreach (int length in new[] { 2, 10, 16, 2048 })
        {
            var a = new double[length];
            var b = new double[length];
            for (int t = 0; t < length; t++)
            {
                a[t] = (rng.NextDouble() - 0.5) * 1e6;
                b[t] = (rng.NextDouble() - 0.5) * 1e12;
            }
            a[0] = 0; b[0] = -1; // a zero product, where only the sign of zero could differ
            var expected = new double[length];
            NegacyclicFft.MultiplyAccumulate(expected, a, b);
            var got = new double[length];
            Array.Fill(got, double.NaN); // stale contents must not leak in
            NegacyclicFft.MultiplyAccumulateFirst(got, a, b);
            for (int t = 0; t < length; t++)
                Assert.Equal(BitConverter.DoubleToInt64Bits(expected[t]), BitConverter.DoubleToInt64Bits(got[t]));
        }
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void External_product_with_one_is_identity_and_with_zero_is_zero(int k, int n, int baseLog, int levels, double sigma)
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(71);
        var key = GlweSecretKey.Generate(k, n, sampler);
        var g = new GadgetDecomposer(baseLog, levels);
        var one = FourierGgsw.FromStandard(GgswCiphertext.Encrypt(key, 1, g, sigma, sampler));
        var zero = FourierGgsw.FromStandard(GgswCiphertext.Encrypt(key, 0, g, sigma, sampler));
        var ep = new ExternalProduct(k, n, g);

        const int p = 4;
        var plain = new ulong[n];
        for (int t = 0; t < n; t++)
            plain[t] = Torus.Encode((ulong)((t * 5 + 3) % 16), p);
        var input = GlweCiphertext.Encrypt(key, plain, sigma, sampler);
        var result = new GlweCiphertext(k, n);

        // GGSW(1) carries twice the model's rounding term (the model averages over a bit, E[m²] = 1/2).
        double vep = NoiseModel.ExternalProductVariance(k, n, baseLog, levels, sigma);
        double bound = 7 * Math.Sqrt(sigma * sigma + 2 * vep);

        ep.Compute(one, input, result);
        var phase = result.DecryptPhase(key);
        double maxErr = 0;
        for (int t = 0; t < n; t++)
        {
            maxErr = Math.Max(maxErr, Math.Abs(CoreTestUtil.Error(phase[t], plain[t])));
            Assert.Equal(Torus.Decode(plain[t], p), Torus.Decode(phase[t], p));
        }

        output.WriteLine($"k={k} N={n} B=2^{baseLog} l={levels}: max |err| GGSW(1) = {maxErr:E3}, bound {bound:E3}");
        Assert.True(maxErr < bound);

        ep.Compute(zero, input, result);
        result.DecryptPhase(key, phase);
        maxErr = 0;
        for (int t = 0; t < n; t++)
            maxErr = Math.Max(maxErr, Math.Abs(CoreTestUtil.Error(phase[t], 0)));
        output.WriteLine($"max |err| GGSW(0) = {maxErr:E3}");
        Assert.True(maxErr < bound);

        // ComputeAdd in place: ACC += GGSW(1) ⊡ ACC doubles the message.
        var acc = input.Clone();
        ep.ComputeAdd(one, acc, acc);
        acc.DecryptPhase(key, phase);
        for (int t = 0; t < n; t++)
            Assert.True(Math.Abs(CoreTestUtil.Error(phase[t], 2 * plain[t])) < 2 * bound);
    }
}
