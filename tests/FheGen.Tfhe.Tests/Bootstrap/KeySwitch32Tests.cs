using System;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Serialization;
using FheGen.Tfhe.Tests.Core;
using Xunit.Abstractions;

namespace FheGen.Tfhe.Tests.Bootstrap;

/// <summary>
/// The keyswitch on 32-bit words (KS32): which keys use it, that it keeps the phase, and that the noise it adds over
/// the 64-bit keyswitch of the very same rows is what <see cref="NoiseModel.KeySwitchVariancePerInputCoefficient"/>
/// charges for it.
/// </summary>
public sealed class KeySwitch32Tests(ITestOutputHelper output)
{
    [Fact]
    public void The_selected_sets_keyswitch_on_32_bit_words_and_their_keys_take_half_the_bytes()
    {
        var keys = PbsTestKeys.Selected(2, -40);
        var p = keys.Parameters;
        Assert.True(p.KeySwitchUses32BitWords, p.Id);
        var ksk = keys.Server.KeySwitchKey;
        Assert.True(ksk.Uses32BitWords);
        Assert.Equal((long)p.BigLweDimension * p.KsLevel * (p.LweDimension + 1) * sizeof(uint), ksk.SizeInBytes);
        // The rule: at most 32 gadget bits and σ at least 2^-30.
        Assert.True(TfheParameters.KeySwitchIn32Bits(4, 8, 1e-6));
        Assert.False(TfheParameters.KeySwitchIn32Bits(3, 11, 1e-6));
        Assert.False(TfheParameters.KeySwitchIn32Bits(4, 4, Math.ScaleB(1.0, -31)));
    }

    [Fact]
    public void The_32_bit_keyswitch_adds_the_rounding_variance_the_noise_model_charges()
    {
        // Both keys from the very same 64-bit rows: the 32-bit one rounds them. The difference of the two outputs'
        // phases is then the rows' rounding error alone, whose variance the model adds for a 32-bit key.
        var keys = PbsTestKeys.Selected(2, -40);
        var p = keys.Parameters;
        var big = keys.Client.BigKey;
        var small = keys.Client.SmallKey;
        var decomposer = new GadgetDecomposer(p.KsBaseLog, p.KsLevel);
        int nIn = big.Dimension, nOut = small.Dimension, l = p.KsLevel, rowSize = nOut + 1;
        var sampler = PbsTestKeys.Seeded("ks32-rows:" + p.Id);
        var data = new ulong[(long)nIn * l * rowSize];
        var row = new LweCiphertext(nOut);
        var bits = big.Bits.ToArray();
        for (int i = 0; i < nIn; i++)
        {
            for (int j = 1; j <= l; j++)
            {
                row.EncryptAssign(small, bits[i] * decomposer.Weight(j), p.LweNoiseStdDev, sampler);
                row.AsSpan().CopyTo(data.AsSpan((i * l + j - 1) * rowSize, rowSize));
            }
        }

        var ks64 = RawKeyAccess.CreateKeySwitchKey((ulong[])data.Clone(), nIn, nOut, decomposer, lweNoiseStdDev: 0); // σ below 2^-30: 64-bit words
        var ks32 = RawKeyAccess.CreateKeySwitchKey(data, nIn, nOut, decomposer, p.LweNoiseStdDev);
        Assert.False(ks64.Uses32BitWords);
        Assert.True(ks32.Uses32BitWords);

        var out64 = new LweCiphertext(nOut);
        var out32 = new LweCiphertext(nOut);
        var diff = new PbsMeasure.Moments();
        var messages = new Random(5);
        int samples = TestMode.Heavy ? 2000 : 300;
        for (int r = 0; r < samples; r++)
        {
            ulong plain = Torus.Encode((ulong)messages.Next(4), 2);
            var input = LweCiphertext.Encrypt(big, plain, p.GlweNoiseStdDev, sampler);
            ks64.KeySwitch(input, out64);
            ks32.KeySwitch(input, out32);
            Assert.Equal(0UL, out32.Body & uint.MaxValue); // lifted from 2^32
            ulong phase32 = out32.DecryptPhase(small);
            diff.Add(CoreTestUtil.Error(phase32, out64.DecryptPhase(small)));
            Assert.Equal(Torus.Decode(plain, 2), Torus.Decode(phase32, 2));
        }

        // The model's KS32 term: the whole variance less the 64-bit formula's terms (σ = 0 is below 2^-30, so
        // KeySwitchVariance(.., 0, ..) is the 64-bit decomposition term alone) less the key-noise term.
        double whole = NoiseModel.KeySwitchVariance(nIn, p.KsBaseLog, p.KsLevel, p.LweNoiseStdDev, nOut);
        double keyNoise = nIn * p.KsLevel * p.LweNoiseStdDev * p.LweNoiseStdDev * (Math.ScaleB(1.0, 2 * p.KsBaseLog) + 2) / 12;
        double charged = whole - NoiseModel.KeySwitchVariance(nIn, p.KsBaseLog, p.KsLevel, 0, nOut) - keyNoise;
        double ratio = diff.MeanSquare / charged;
        output.WriteLine($"{p.Id}: KS32 - KS64 phase difference over {samples} keyswitches: measured {diff.MeanSquare:E3}, " +
                         $"model's KS32 term {charged:E3} (ratio {ratio:F3} ± {ratio * diff.RelativeStandardError:F3}); " +
                         $"whole keyswitch variance {whole:E3}");
        Assert.InRange(ratio, 0.5, 2.0);
    }
}
