using System;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;

namespace FheGen.Tfhe.Tests.Core;

public class KeyTests
{
    [Fact]
    public void Csprng_seeded_keys_differ_between_samplers()
    {
        LweSecretKey a = LweSecretKey.Generate(CoreTestUtil.LweDimension, new NoiseSampler());
        LweSecretKey b = LweSecretKey.Generate(CoreTestUtil.LweDimension, new NoiseSampler());
        Assert.False(a.Bits.SequenceEqual(b.Bits));

        GlweSecretKey c = GlweSecretKey.Generate(1, 2048, new NoiseSampler());
        GlweSecretKey d = GlweSecretKey.Generate(1, 2048, new NoiseSampler());
        Assert.False(c.Coefficients.SequenceEqual(d.Coefficients));
    }

    [Fact]
    public void Deterministic_seed_reproduces_keys()
    {
        LweSecretKey a = LweSecretKey.Generate(CoreTestUtil.LweDimension, CoreTestUtil.Seeded(10));
        LweSecretKey b = LweSecretKey.Generate(CoreTestUtil.LweDimension, CoreTestUtil.Seeded(10));
        LweSecretKey c = LweSecretKey.Generate(CoreTestUtil.LweDimension, CoreTestUtil.Seeded(11));
        Assert.True(a.Bits.SequenceEqual(b.Bits));
        Assert.False(a.Bits.SequenceEqual(c.Bits));

        GlweSecretKey g = GlweSecretKey.Generate(2, 512, CoreTestUtil.Seeded(10));
        GlweSecretKey h = GlweSecretKey.Generate(2, 512, CoreTestUtil.Seeded(10));
        Assert.True(g.Coefficients.SequenceEqual(h.Coefficients));
    }

    [Fact]
    public void Keys_are_binary_and_balanced()
    {
        GlweSecretKey key = GlweSecretKey.Generate(2, 4096, CoreTestUtil.Seeded(12));
        int ones = 0;
        foreach (ulong bit in key.Coefficients)
        {
            Assert.True(bit <= 1);
            ones += (int)bit;
        }

        // 8192 fair bits: std-dev 45; allow 6 of them.
        Assert.InRange(ones, 4096 - 270, 4096 + 270);
    }

    [Fact]
    public void Flattened_key_is_the_polynomials_concatenated()
    {
        GlweSecretKey key = GlweSecretKey.Generate(3, 16, CoreTestUtil.Seeded(13));
        LweSecretKey flat = key.ToFlattenedLweKey();
        Assert.Equal(48, flat.Dimension);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(flat.Bits.Slice(16 * i, 16).SequenceEqual(key.Polynomial(i)));
        }
    }

    [Fact]
    public void To_string_hides_the_bits()
    {
        // An all-ones key would print 1s if the bits leaked into ToString.
        LweSecretKey lwe = LweSecretKey.FromBits(new ulong[] { 1, 1, 1, 1, 1, 1, 1, 1, 1 });
        Assert.Equal("LweSecretKey(n = 9, bits hidden)", lwe.ToString());
        GlweSecretKey glwe = GlweSecretKey.Generate(1, 8, CoreTestUtil.Seeded(14));
        Assert.Equal("GlweSecretKey(k = 1, N = 8, coefficients hidden)", glwe.ToString());
    }

    [Fact]
    public void Invalid_shapes_throw()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(15);
        Assert.Throws<ArgumentOutOfRangeException>(() => LweSecretKey.Generate(0, sampler));
        Assert.Throws<ArgumentOutOfRangeException>(() => GlweSecretKey.Generate(1, 1000, sampler));
        Assert.Throws<ArgumentOutOfRangeException>(() => GlweSecretKey.Generate(0, 1024, sampler));
        Assert.Throws<ArgumentException>(() => LweSecretKey.FromBits(new ulong[] { 0, 2 }));
    }
}
