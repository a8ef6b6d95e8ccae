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
