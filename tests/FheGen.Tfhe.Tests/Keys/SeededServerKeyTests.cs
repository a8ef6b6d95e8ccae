using System;
using System.IO;
using System.Linq;
using FheGen.Backends;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;
using FheGen.Tfhe.Serialization;
using FheGen.Tfhe.Tests.Circuits;
using Xunit.Abstractions;

namespace FheGen.Tfhe.Tests.Keys;

/// <summary>
/// Seeded circuit server keys (masks from public seeds, bodies only): a circuit evaluates correctly with the
/// expanded key, the seeded form is a fraction of the size, and its serialization (kind 7) round-trips and
/// refuses damaged data. Their noise is checked against the model in <c>PbsNoiseStatisticsTests</c>.
/// </summary>
public sealed class SeededServerKeyTests(ITestOutputHelper output)
{
    private static (CircuitEncoding Encoding, CircuitClient Client, SeededCircuitServerKey Seeded) Keys()
    {
        var encoding = CircuitEncoding.Create(ExactRoundedModel.Interpreter.Plan);
        var clientKey = CircuitClientKey.Generate(encoding.KeySets, KeysFixture.Seeded(31));
        var seeded = CircuitClient.CreateSeededServerKey(clientKey, encoding);
        return (encoding, new CircuitClient(clientKey, encoding), seeded);
    }

    [Fact]
    public void A_circuit_runs_with_the_expanded_key_sent_in_seeded_form()
    {
        var (encoding, client, seeded) = Keys();
        using var ms = new MemoryStream();
        seeded.Save(ms);
        long full = TfheSerializer.CircuitServerKeyLength(encoding.KeySets, encoding.RequiredKeySwitches, encoding.RequiredBootstraps);
        output.WriteLine($"{encoding}: seeded {ms.Length} bytes, full {full} bytes ({(double)ms.Length / full:P1})");
        Assert.Equal(seeded.SerializedSizeInBytes, ms.Length);
        Assert.True(ms.Length < full / 2, $"{ms.Length} vs {full}");

        ms.Position = 0;
        var server = SeededCircuitServerKey.Load(ms, encoding.KeySets).Expand();
        Assert.Equal(full, server.SerializedSizeInBytes);
        var backend = new EncryptedBackend(server, encoding);
        var plan = encoding.Plan;
        var rng = new Random(4);
        for (int s = 0; s < 4; s++)
        {
            var x = Enumerable.Range(0, plan.Inputs).Select(_ => rng.NextInt64(0, plan.Input.MaxLevel + 1)).ToArray();
            var outputs = new LweCiphertext[plan.Layers[^1].Outputs];
            ExactRoundedModel.Run<EncryptedBackend, LweCiphertext>(backend, client.EncryptInputs(x), outputs);
            var clear = new long[outputs.Length];
            ExactRoundedModel.Run<ClearBackend, long>(default, x, clear);
            Assert.Equal(clear, client.DecryptOutputs(outputs));
        }
    }

    [Fact]
    public void Expansion_is_deterministic_and_the_round_trip_keeps_every_word()
    {
        var (encoding, _, seeded) = Keys();
        using var ms = new MemoryStream();
        seeded.Save(ms);
        ms.Position = 0;
        var loaded = SeededCircuitServerKey.Load(ms);
        Assert.Equal(seeded.Parameters, loaded.Parameters);
        Assert.Equal(seeded.KeySwitchKeys.Keys.OrderBy(p => (p.From, p.To)), loaded.KeySwitchKeys.Keys.OrderBy(p => (p.From, p.To)));
        foreach (var (pair, key) in seeded.KeySwitchKeys)
        {
            Assert.True(key.Seeds.SequenceEqual(loaded.KeySwitchKeys[pair].Seeds));
            Assert.True(key.Bodies.SequenceEqual(loaded.KeySwitchKeys[pair].Bodies));
            Assert.True(RawKeyAccess.KeySwitchKeyData(key.Expand()).Span.SequenceEqual(RawKeyAccess.KeySwitchKeyData(loaded.KeySwitchKeys[pair].Expand()).Span));
        }
        foreach (var (pair, key) in seeded.BootstrapKeys)
        {
            Assert.True(key.Seeds.SequenceEqual(loaded.BootstrapKeys[pair].Seeds));
            Assert.True(key.Bodies.SequenceEqual(loaded.BootstrapKeys[pair].Bodies));
            var a = key.Expand();
            var b = loaded.BootstrapKeys[pair].Expand();
            for (int i = 0; i < a.LweDimension; i += 97)
                Assert.True(a[i].Polynomial(0, 0).SequenceEqual(b[i].Polynomial(0, 0)));
        }
        Assert.Equal(encoding.RequiredBootstraps.Count, seeded.BootstrapKeys.Count);
    }

    [Fact]
    public void Damaged_or_foreign_data_is_refused()
    {
        var (encoding, _, seeded) = Keys();
        using var ms = new MemoryStream();
        seeded.Save(ms);
        byte[] bytes = ms.ToArray();
        int header = (int)(bytes.Length - seeded.SizeInBytes - 32);   // everything before the first seed
        foreach (int at in Enumerable.Range(0, header).Concat(new[] { header + 5, bytes.Length / 2, bytes.Length - 40, bytes.Length - 1 }))
        {
            byte[] b = (byte[])bytes.Clone();
            b[at] ^= 0x04;
            Assert.Throws<TfheFormatException>(() => SeededCircuitServerKey.Load(new MemoryStream(b)));
        }
        foreach (int cut in new[] { 0, 7, header, bytes.Length / 3, bytes.Length - 1 })
            Assert.Throws<TfheFormatException>(() => SeededCircuitServerKey.Load(new MemoryStream(bytes, 0, cut)));
        Assert.Throws<TfheFormatException>(() => SeededCircuitServerKey.Load(new MemoryStream([.. bytes, 1])));
        // A full circuit key is not a seeded one, and the other way round; parameter sets must match when given.
        Assert.Throws<TfheFormatException>(() => CircuitServerKey.Load(new MemoryStream(bytes)));
        var other = CircuitEncoding.Create(UnroundedModel.Interpreter.Plan);
        Assert.Throws<TfheFormatException>(() => SeededCircuitServerKey.Load(new MemoryStream(bytes), other.KeySets));
    }

    [Fact]
    public void The_circuit_reader_refuses_altered_Ids_and_foreign_pairs_before_reading_key_data()
    {
        var (encoding, _, seeded) = Keys();
        byte[] Save(SeededCircuitServerKey key)
        {
            using var ms = new MemoryStream();
            key.Save(ms);
            return ms.ToArray();
        }

        byte[] valid = Save(seeded);
        var loaded = SeededCircuitServerKey.Load(new MemoryStream(valid), encoding);
        CircuitCompatibility.CheckServerKey(loaded, encoding);
        CircuitCompatibility.CheckServerKey(loaded.Expand(), encoding);

        // An altered Id of the same shape: consistent and checksum-valid, so the generic reader accepts it.
        var sets = encoding.KeySets.ToArray();
        sets[0] = HostileInputTests.Altered(sets[0]);
        byte[] relabelled = Save(new SeededCircuitServerKey(sets, seeded.KeySwitchKeys, seeded.BootstrapKeys));
        Assert.Equal(sets[0], SeededCircuitServerKey.Load(new MemoryStream(relabelled)).Parameters[0]);
        Assert.Throws<TfheFormatException>(() => SeededCircuitServerKey.Load(new MemoryStream(relabelled), encoding));

        // A missing pair, or one the circuit does not use, is refused at the pair lists.
        var missing = seeded.BootstrapKeys.Skip(1).ToDictionary(e => e.Key, e => e.Value);
        byte[] lacking = Save(new SeededCircuitServerKey(encoding.KeySets, seeded.KeySwitchKeys, missing));
        Assert.Contains("lacks", Assert.Throws<TfheFormatException>(() => SeededCircuitServerKey.Load(new MemoryStream(lacking), encoding)).Message);
        var ks = encoding.RequiredKeySwitches;
        var bs = encoding.RequiredBootstraps;
        CircuitCompatibility.CheckKeyPairs(ks, bs, encoding);
        Assert.Contains("does not use", Assert.Throws<TfheFormatException>(() => CircuitCompatibility.CheckKeyPairs(ks.Append(new KeyPair(0, 63)), bs, encoding)).Message);
        Assert.Contains("does not use", Assert.Throws<TfheFormatException>(() => CircuitCompatibility.CheckKeyPairs(ks, bs.Append(new KeyPair(63, 0)), encoding)).Message);
    }
}
