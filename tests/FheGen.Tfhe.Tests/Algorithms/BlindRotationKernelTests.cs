using System;
using System.Linq;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Algorithms;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Tests.Bootstrap;
using FheGen.Tfhe.Tests.Core;

namespace FheGen.Tfhe.Tests.Algorithms;

/// <summary>The blind rotation with the fused kernels against the reference kernels, and that it decrypts.</summary>
[Collection(BootstrapCollection.Name)]
public class BlindRotationKernelTests(BootstrapFixture fixture)
{
    [Fact]
    public void Fused_blind_rotation_is_bit_identical_to_reference_and_decrypts()
    {
        var keys = fixture.Keys;
        var p = keys.Parameters;
        var fused = keys.CreateBootstrapper();
        var reference = keys.CreateBootstrapper();
        reference.UseReferenceKernels = true;
        Assert.False(fused.UseReferenceKernels);
        NoiseSampler sampler = CoreTestUtil.Seeded(121);
        int bits = p.MessageBits + p.CarryBits;
        var random = new Random(5);
        var table = Enumerable.Range(0, 1 << bits).Select(_ => (ulong)random.Next(1 << bits)).ToArray();
        var tp = TestPolynomial.FromTable(p.PolynomialSize, table);
        var accFused = new GlweCiphertext(p.GlweDimension, p.PolynomialSize);
        var accReference = new GlweCiphertext(p.GlweDimension, p.PolynomialSize);
        var extracted = new LweCiphertext(p.GlweDimension * p.PolynomialSize);
        for (ulong x = 0; x < (1UL << bits); x++)
        {
            var input = LweCiphertext.Encrypt(keys.SmallKey, Torus.Encode(x, bits), p.LweNoiseStdDev, sampler);
            fused.BlindRotate(input, tp, accFused);
            reference.BlindRotate(input, tp, accReference);
            Assert.True(accFused.Mask.SequenceEqual(accReference.Mask) && accFused.Body.SequenceEqual(accReference.Body), $"x={x}");
            accFused.SampleExtract(0, extracted);
            Assert.Equal(table[x], Torus.DecodeWithPadding(extracted.DecryptPhase(keys.BigKey), bits));
        }
    }

    [Fact]
    public void Batched_blind_rotation_equals_one_by_one()
    {
        var keys = fixture.Keys;
        var p = keys.Parameters;
        var pbs = keys.CreateBootstrapper();
        NoiseSampler sampler = CoreTestUtil.Seeded(123);
        int bits = p.MessageBits + p.CarryBits;
        var tables = new[] { new ulong[] { 3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3 }, Enumerable.Range(0, 16).Select(i => (ulong)(15 - i)).ToArray() };
        const int count = 5;
        var inputs = Enumerable.Range(0, count).Select(i => LweCiphertext.Encrypt(keys.SmallKey, Torus.Encode((ulong)(i * 3 % 16), bits), p.LweNoiseStdDev, sampler)).ToArray();
        // One input with a zero first mask element: its CMux is skipped (and its phase no longer decrypts to a table entry).
        inputs[0].Mask[0] = 0;
        var tps = Enumerable.Range(0, count).Select(i => TestPolynomial.FromTable(p.PolynomialSize, tables[i % 2])).ToArray();
        var batched = Enumerable.Range(0, count).Select(_ => new GlweCiphertext(p.GlweDimension, p.PolynomialSize)).ToArray();
        pbs.BlindRotate(inputs, tps, batched);
        var single = new GlweCiphertext(p.GlweDimension, p.PolynomialSize);
        var extracted = new LweCiphertext(p.GlweDimension * p.PolynomialSize);
        for (int i = 0; i < count; i++)
        {
            pbs.BlindRotate(inputs[i], tps[i], single);
            Assert.True(single.Mask.SequenceEqual(batched[i].Mask) && single.Body.SequenceEqual(batched[i].Body), $"i={i}");
            if (i == 0)
                continue;
            batched[i].SampleExtract(0, extracted);
            Assert.Equal(tables[i % 2][i * 3 % 16], Torus.DecodeWithPadding(extracted.DecryptPhase(keys.BigKey), bits));
        }

        Assert.Throws<ArgumentException>(() => pbs.BlindRotate(inputs, tps, Enumerable.Repeat(single, count).ToArray()));
    }

    [Theory]
    [InlineData(2, 256, 10, 3)]
    [InlineData(1, 512, 15, 2)]
    public void Fused_blind_rotation_matches_reference_on_multi_level_gadgets(int k, int n, int baseLog, int levels)
    {
        // Small insecure sets with several levels and k > 1: the fused multiply-accumulate sums (k+1)·l rows.
        NoiseSampler sampler = CoreTestUtil.Seeded(122);
        var small = LweSecretKey.Generate(64, sampler);
        var glwe = GlweSecretKey.Generate(k, n, sampler);
        var bsk = BootstrapKey.Generate(small, glwe, new GadgetDecomposer(baseLog, levels), 1e-12, sampler);
        var standIn = KeySwitchKey.Generate(LweSecretKey.Generate(1, sampler), small, new GadgetDecomposer(4, 3), 1e-9, sampler);
        var fused = new ProgrammableBootstrapper(bsk, standIn);
        var reference = new ProgrammableBootstrapper(bsk, standIn) { UseReferenceKernels = true };
        const int bits = 2;
        ulong[] table = { 1, 3, 0, 2 };
        var tp = TestPolynomial.FromTable(n, table);
        var accFused = new GlweCiphertext(k, n);
        var accReference = new GlweCiphertext(k, n);
        var extracted = new LweCiphertext(k * n);
        for (ulong x = 0; x < 4; x++)
        {
            var input = LweCiphertext.Encrypt(small, Torus.Encode(x, bits), 1e-9, sampler);
            fused.BlindRotate(input, tp, accFused);
            reference.BlindRotate(input, tp, accReference);
            Assert.True(accFused.Mask.SequenceEqual(accReference.Mask) && accFused.Body.SequenceEqual(accReference.Body), $"x={x}");
            accFused.SampleExtract(0, extracted);
            Assert.Equal(table[x], Torus.DecodeWithPadding(extracted.DecryptPhase(glwe.ToFlattenedLweKey()), bits));
        }
    }
}
