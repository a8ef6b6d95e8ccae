using System;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;
using FheGen.Tfhe.Tests.Keys;

namespace FheGen.Tfhe.Tests.Core;

/// <summary>
/// Evaluation keys are built in parallel from child samplers drawn from the parent in a fixed order: a seeded
/// sampler must give the same key bytes on every run, whatever the thread scheduling.
/// </summary>
public class KeyGenerationDeterminismTests
{
    // k = 1, N = 1024 (the FFT product path) with a small n, so the keys take milliseconds.
    private static readonly TfheParameters OneKilo = TfheParameters.CreateInsecureForTesting(
        messageBits: 2, carryBits: 0, lweDimension: 48, glweDimension: 1, polynomialSize: 1024,
        lweNoiseStdDev: Math.Pow(2, -40), glweNoiseStdDev: Math.Pow(2, -50),
        pbsBaseLog: 15, pbsLevel: 2, ksBaseLog: 5, ksLevel: 4);

    [Fact]
    public void Same_seed_same_server_key_bytes_other_seed_other_bytes()
    {
        foreach (TfheParameters p in new[] { KeysFixture.Small, OneKilo })
        {
            byte[] first = ClientKey.GenerateKeys(p, KeysFixture.Seeded(21)).ServerKey.ToBytes();
            byte[] again = ClientKey.GenerateKeys(p, KeysFixture.Seeded(21)).ServerKey.ToBytes();
            byte[] other = ClientKey.GenerateKeys(p, KeysFixture.Seeded(22)).ServerKey.ToBytes();
            Assert.True(first.AsSpan().SequenceEqual(again), $"{p.Id}: same seed, different server key");
            Assert.False(first.AsSpan().SequenceEqual(other), $"{p.Id}: different seeds, same server key");
        }
    }

    [Fact]
    public void Os_seeded_server_keys_differ()
    {
        byte[] a = ClientKey.GenerateKeys(KeysFixture.Small).ServerKey.ToBytes();
        byte[] b = ClientKey.GenerateKeys(KeysFixture.Small).ServerKey.ToBytes();
        Assert.False(a.AsSpan().SequenceEqual(b));
    }

    [Fact]
    public void Key_switch_key_is_deterministic_and_still_switches()
    {
        LweSecretKey input = LweSecretKey.Generate(300, CoreTestUtil.Seeded(30));
        LweSecretKey output = LweSecretKey.Generate(40, CoreTestUtil.Seeded(31));
        var decomposer = new GadgetDecomposer(6, 5);
        double sigma = Math.Pow(2, -45);
        KeySwitchKey a = KeySwitchKey.Generate(input, output, decomposer, sigma, CoreTestUtil.Seeded(32));
        KeySwitchKey b = KeySwitchKey.Generate(input, output, decomposer, sigma, CoreTestUtil.Seeded(32));
        KeySwitchKey c = KeySwitchKey.Generate(input, output, decomposer, sigma, CoreTestUtil.Seeded(33));
        Assert.True(a.Data.Span.SequenceEqual(b.Data.Span));
        Assert.False(a.Data.Span.SequenceEqual(c.Data.Span));

        ulong plaintext = 3UL << 60;
        LweCiphertext ct = LweCiphertext.Encrypt(input, plaintext, sigma, CoreTestUtil.Seeded(34));
        var switched = new LweCiphertext(40);
        a.KeySwitch(ct, switched);
        Assert.InRange(CoreTestUtil.Error(switched.DecryptPhase(output), plaintext), -1e-6, 1e-6);
    }

    [Fact]
    public void Bootstrap_key_equals_standard_ggsws_from_the_child_samplers()
    {
        // The parallel path encrypts row by row straight into the Fourier domain; it must equal the plain GGSW
        // encryption with child sampler i, converted afterwards.
        LweSecretKey lwe = LweSecretKey.Generate(12, CoreTestUtil.Seeded(50));
        foreach ((int k, int n) in new[] { (2, 64), (1, 2048) })
        {
            GlweSecretKey glwe = GlweSecretKey.Generate(k, n, CoreTestUtil.Seeded(51));
            var decomposer = new GadgetDecomposer(10, 3);
            double sigma = CoreTestUtil.GlweStdDev;
            BootstrapKey bsk = BootstrapKey.Generate(lwe, glwe, decomposer, sigma, CoreTestUtil.Seeded(52));

            ulong[] seeds = CoreTestUtil.Seeded(52).DrawChildSeeds(lwe.Dimension);
            for (int i = 0; i < lwe.Dimension; i++)
            {
                GgswCiphertext standard = GgswCiphertext.Encrypt(glwe, (long)lwe.Bits[i], decomposer, sigma, NoiseSampler.FromChildSeed(seeds, i));
                FourierGgsw want = FourierGgsw.FromStandard(standard);
                for (int row = 0; row < (k + 1) * decomposer.LevelCount; row++)
                {
                    for (int column = 0; column <= k; column++)
                    {
                        Assert.True(want.Polynomial(row, column).SequenceEqual(bsk[i].Polynomial(row, column)),
                            $"k = {k}, N = {n}: GGSW {i}, row {row}, column {column} differ");
                    }
                }
            }
        }
    }

    [Fact]
    public void Child_seeds_are_the_parent_stream_in_order()
    {
        // Child i is keyed by parent words 4i..4i+3, little-endian: the derivation the keys' bytes depend on.
        ulong[] seeds = CoreTestUtil.Seeded(60).DrawChildSeeds(3);
        NoiseSampler parent = CoreTestUtil.Seeded(60);
        for (int w = 0; w < seeds.Length; w++)
        {
            Assert.Equal(parent.NextUniform(), seeds[w]);
        }

        var bytes = new byte[32];
        for (int w = 0; w < 4; w++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(8 * w), seeds[4 + w]);
        }

        NoiseSampler child = NoiseSampler.FromChildSeed(seeds, 1);
        NoiseSampler direct = new(bytes);
        for (int j = 0; j < 10; j++)
        {
            Assert.Equal(direct.NextUniform(), child.NextUniform());
        }
    }
}
