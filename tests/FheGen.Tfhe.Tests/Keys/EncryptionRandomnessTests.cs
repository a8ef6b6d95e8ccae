using System;
using System.IO;
using System.Linq;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Keys;

namespace FheGen.Tfhe.Tests.Keys;

/// <summary>
/// A seed makes keys reproducible, never encryptions: two keys generated from one seed are the same keys, but their
/// encryptions draw fresh OS randomness, so the difference of two ciphertexts does not reveal the difference of their
/// plaintexts (it did when the seeded sampler went on to encrypt).
/// </summary>
public sealed class EncryptionRandomnessTests
{
    private static byte[] Save(Action<Stream> save)
    {
        using var ms = new MemoryStream();
        save(ms);
        return ms.ToArray();
    }

    [Fact]
    public void Keys_from_one_seed_are_equal_but_their_encryption_masks_are_not()
    {
        var a = ClientKey.Generate(KeysFixture.Small, KeysFixture.Seeded(80));
        var b = ClientKey.Generate(KeysFixture.Small, KeysFixture.Seeded(80));
        Assert.Equal(Save(a.Save), Save(b.Save));
        // Evaluation keys are keys: reproducible too (derived after the secret keys from the same seeded stream).
        Assert.Equal(a.CreateServerKey().ToBytes(), b.CreateServerKey().ToBytes());

        var ca = a.Encrypt(1);
        var cb = b.Encrypt(2);
        Assert.False(ca.Mask.SequenceEqual(cb.Mask), "two keys from one seed encrypted with the same mask");
        var sa = a.EncryptScaledSeeded(1, 3);
        var sb = b.EncryptScaledSeeded(2, 3);
        Assert.False(sa.Seed.SequenceEqual(sb.Seed), "two keys from one seed drew the same mask seed");
        Assert.False(a.EncryptSigned(-1).Mask.SequenceEqual(b.EncryptSigned(-1).Mask));
        Assert.False(a.EncryptScaled(3, 4).Mask.SequenceEqual(b.EncryptScaled(3, 4).Mask));

        // Both still decrypt (same key), each its own message.
        Assert.Equal(1UL, b.Decrypt(ca));
        Assert.Equal(2UL, a.Decrypt(cb));
    }

    [Fact]
    public void Circuit_keys_from_one_seed_are_equal_but_their_encryptions_are_fresh()
    {
        TfheParameters[] sets = { KeysFixture.Small, KeysFixture.Other };
        var a = CircuitClientKey.Generate(sets, KeysFixture.Seeded(81));
        var b = CircuitClientKey.Generate(sets, KeysFixture.Seeded(81));
        Assert.Equal(Save(a.Save), Save(b.Save));
        for (int s = 0; s < sets.Length; s++)
            Assert.False(a.Keys[s].Encrypt(0).Mask.SequenceEqual(b.Keys[s].Encrypt(0).Mask), $"set {s}");
    }
}
