using System;
using System.IO;
using System.Linq;
using FheGen.Tfhe.Keys;
using FheGen.Tfhe.Serialization;

namespace FheGen.Tfhe.Tests.Keys;

public class ClientKeySerializationTests(KeysFixture fixture) : IClassFixture<KeysFixture>
{
    private static byte[] Save(ClientKey key)
    {
        using var ms = new MemoryStream();
        key.Save(ms);
        return ms.ToArray();
    }

    [Fact]
    public void Round_trip_decrypts_old_ciphertexts_and_encrypts_for_the_old_key()
    {
        byte[] bytes = Save(fixture.Client);
        Assert.Equal((byte)TfheObjectKind.ClientKey, bytes[6]);
        var loaded = ClientKey.Load(new MemoryStream(bytes), KeysFixture.Small);
        Assert.Equal(KeysFixture.Small, loaded.Parameters);
        Assert.Equal(bytes, Save(loaded));
        for (ulong m = 0; m < 4; m++)
        {
            Assert.Equal(m, loaded.Decrypt(fixture.Client.Encrypt(m)));
            Assert.Equal(m, fixture.Client.Decrypt(loaded.Encrypt(m)));
        }
        // The loaded key still matches the server key made from the original.
        var pbs = fixture.Server.CreateBootstrapper();
        ulong[] table = { 2, 0, 3, 1 };
        for (ulong m = 0; m < 4; m++)
            Assert.Equal(table[m], loaded.Decrypt(pbs.Apply(loaded.Encrypt(m), table)));
    }

    [Fact]
    public void Randomness_is_not_restored()
    {
        var loaded = ClientKey.Load(new MemoryStream(Save(fixture.Client)));
        var a = loaded.Encrypt(1).AsSpan().ToArray();
        var b = loaded.Encrypt(1).AsSpan().ToArray();
        Assert.False(a.SequenceEqual(b));
    }

    [Fact]
    public void Corrupted_truncated_mismatched_or_mistyped_data_is_rejected()
    {
        byte[] bytes = Save(fixture.Client);
        var flipped = (byte[])bytes.Clone();
        flipped[^40] ^= 1;
        Assert.Throws<TfheFormatException>(() => ClientKey.Load(new MemoryStream(flipped)));
        Assert.Throws<TfheFormatException>(() => ClientKey.Load(new MemoryStream(bytes[..^1])));
        Assert.Throws<TfheFormatException>(() => ClientKey.Load(new MemoryStream(bytes.Concat(new byte[] { 0 }).ToArray())));
        Assert.Throws<TfheFormatException>(() => ClientKey.Load(new MemoryStream(bytes), KeysFixture.Other));
        var e = Assert.Throws<TfheFormatException>(() => ClientKey.Load(new MemoryStream(fixture.ServerBytes)));
        Assert.Contains("ClientKey", e.Message);
        Assert.Throws<TfheFormatException>(() => ServerKey.FromBytes(bytes));
    }

    [Fact]
    public void Secret_key_material_is_not_printed()
    {
        Assert.DoesNotContain("1,", fixture.Client.ToString());
        Assert.Contains("hidden", fixture.Client.ToString());
    }
}
