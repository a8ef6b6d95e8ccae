using System;
using System.Buffers.Binary;
using System.Linq;
using System.Security.Cryptography;
using FheGen.Backends;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;
using FheGen.Tfhe.Serialization;
using FheGen.Tfhe.Tests.Circuits;

namespace FheGen.Tfhe.Tests.Keys;

/// <summary>
/// Seeded (seeded) fresh ciphertexts: they decrypt as ordinary ones once expanded, travel as 40 bytes each in the
/// FHEG format (kind 6), and a circuit runs on them after the server expands them.
/// </summary>
public sealed class SeededCiphertextTests(KeysFixture fixture) : IClassFixture<KeysFixture>
{
    private const int Bits = 6;

    private TfheSeededCiphertexts Sample(int count) => new(KeysFixture.Small,
        Enumerable.Range(0, count).Select(i => fixture.Client.EncryptScaledSeeded(i - 3, Bits)).ToArray());

    [Fact]
    public void Expanded_seeded_ciphertexts_decrypt_and_expand_the_same_way_every_time()
    {
        var seeded = Sample(40);
        for (int i = 0; i < seeded.Ciphertexts.Count; i++)
        {
            var c = seeded.Ciphertexts[i];
            var expanded = c.Expand();
            Assert.Equal(KeysFixture.Small.BigLweDimension, expanded.LweDimension);
            Assert.Equal(expanded.AsSpan().ToArray(), c.Expand().AsSpan().ToArray());
            ulong raw = fixture.Client.DecryptWithPadding(expanded, Bits);
            Assert.Equal((ulong)(i - 3) & ((2UL << Bits) - 1), raw);
        }

        // Fresh seeds and masks for every encryption, even of the same value.
        var a = fixture.Client.EncryptScaledSeeded(5, Bits);
        var b = fixture.Client.EncryptScaledSeeded(5, Bits);
        Assert.False(a.Seed.SequenceEqual(b.Seed));
        Assert.NotEqual(a.Expand().Mask[0], b.Expand().Mask[0]);
    }

    [Fact]
    public void Round_trip_keeps_every_seed_and_body_and_sizes_are_known()
    {
        var seeded = Sample(25);
        byte[] bytes = seeded.ToBytes();
        Assert.Equal(seeded.SerializedSizeInBytes, bytes.Length);
        Assert.Equal(25L * (KeysFixture.Small.BigLweDimension + 1) * 8, seeded.ExpandedSizeInBytes);
        Assert.True(bytes.Length < seeded.ExpandedSizeInBytes / 50, $"{bytes.Length} vs {seeded.ExpandedSizeInBytes}");
        var loaded = TfheSeededCiphertexts.FromBytes(bytes, KeysFixture.Small);
        Assert.Equal(seeded.LweDimension, loaded.LweDimension);
        Assert.Equal(seeded.Ciphertexts.Count, loaded.Ciphertexts.Count);
        for (int i = 0; i < seeded.Ciphertexts.Count; i++)
            Assert.Equal(seeded.Ciphertexts[i].Expand().AsSpan().ToArray(), loaded.Ciphertexts[i].Expand().AsSpan().ToArray());
        Assert.Empty(TfheSeededCiphertexts.FromBytes(Sample(0).ToBytes()).Ciphertexts);
    }

    [Fact]
    public void Corruption_truncation_trailing_bytes_kind_and_parameters_are_rejected()
    {
        byte[] bytes = Sample(3).ToBytes();
        for (int at = 0; at < bytes.Length; at++)
        {
            byte[] b = (byte[])bytes.Clone();
            b[at] ^= 0x10;
            Assert.Throws<TfheFormatException>(() => TfheSeededCiphertexts.FromBytes(b));
        }
        foreach (int cut in new[] { 0, 3, 11, 20, bytes.Length / 2, bytes.Length - 1 })
            Assert.Throws<TfheFormatException>(() => TfheSeededCiphertexts.FromBytes(bytes[..cut]));
        Assert.Throws<TfheFormatException>(() => TfheSeededCiphertexts.FromBytes([.. bytes, 0]));
        Assert.Throws<TfheFormatException>(() => TfheSeededCiphertexts.FromBytes(bytes, KeysFixture.Other));
        byte[] plain = new TfheCiphertext(KeysFixture.Small, fixture.Client.Encrypt(1)).ToBytes();
        Assert.Contains("Expected a SeededCiphertexts", Assert.Throws<TfheFormatException>(() => TfheSeededCiphertexts.FromBytes(plain)).Message);
        Assert.Throws<TfheFormatException>(() => TfheCiphertext.FromBytes(bytes));
    }

    [Fact]
    public void A_hostile_count_with_a_valid_checksum_is_refused_before_reading_records()
    {
        byte[] bytes = Sample(2).ToBytes();
        int payload = bytes.Length - 32 - 8 - 2 * 40;   // offset of the count
        byte[] b = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(payload), int.MaxValue);
        SHA256.HashData(b.AsSpan(0, b.Length - 32)).CopyTo(b.AsSpan(b.Length - 32));
        Assert.Contains("count", Assert.Throws<TfheFormatException>(() => TfheSeededCiphertexts.FromBytes(b)).Message);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(payload), 2);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(payload + 4), 7); // a dimension of neither k·N nor n
        SHA256.HashData(b.AsSpan(0, b.Length - 32)).CopyTo(b.AsSpan(b.Length - 32));
        Assert.Contains("dimension", Assert.Throws<TfheFormatException>(() => TfheSeededCiphertexts.FromBytes(b)).Message);
    }

    [Fact]
    public void Mixed_or_foreign_dimensions_and_bad_seeds_are_refused()
    {
        var big = fixture.Client.EncryptScaledSeeded(1, Bits);
        var small = new SeededLweCiphertext(KeysFixture.Small.LweDimension, big.Seed, 0);
        Assert.Throws<ArgumentException>(() => new TfheSeededCiphertexts(KeysFixture.Small, new[] { big, small }));
        Assert.Throws<ArgumentException>(() => new TfheSeededCiphertexts(KeysFixture.Small, new[] { new SeededLweCiphertext(5, big.Seed, 0) }));
        Assert.Throws<ArgumentException>(() => new SeededLweCiphertext(10, new byte[31], 0));
    }

    [Fact]
    public void A_circuit_runs_on_uploaded_seeded_inputs()
    {
        var plan = ExactRoundedModel.Interpreter.Plan;
        var encoding = CircuitEncoding.Create(plan);
        var (client, server) = CircuitClient.GenerateKeys(encoding, KeysFixture.Seeded(21));
        var backend = new EncryptedBackend(server, encoding);
        var inputParameters = encoding.KeySets[encoding.StageKeys[0]];
        var rng = new Random(9);
        for (int s = 0; s < 3; s++)
        {
            var x = Enumerable.Range(0, plan.Inputs).Select(_ => rng.NextInt64(0, plan.Input.MaxLevel + 1)).ToArray();
            byte[] upload = client.EncryptInputsSeeded(x).ToBytes();
            var inputs = TfheSeededCiphertexts.FromBytes(upload, inputParameters).Expand();
            var outputs = new LweCiphertext[plan.Layers[^1].Outputs];
            ExactRoundedModel.Run<EncryptedBackend, LweCiphertext>(backend, inputs, outputs);
            var clear = new long[outputs.Length];
            ExactRoundedModel.Run<ClearBackend, long>(default, x, clear);
            Assert.Equal(clear, client.DecryptOutputs(outputs));
        }
    }
}
