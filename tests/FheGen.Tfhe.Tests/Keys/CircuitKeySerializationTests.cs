using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;
using FheGen.Tfhe.Serialization;

namespace FheGen.Tfhe.Tests.Keys;

/// <summary>
/// Two secure sets (2- and 3-bit lookups at p_error 2^-40) with keys 0→0, 0→1 and bootstraps 0→0, 1→1, 1→0, generated
/// once; plus a tiny insecure two-set key whose blob is small enough to flip byte by byte.
/// </summary>
public sealed class CircuitKeysFixture
{
    public static readonly KeyPair[] KeySwitches = { new(0, 0), new(0, 1) };

    public static readonly KeyPair[] Bootstraps = { new(0, 0), new(1, 1), new(1, 0) };

    public CircuitKeysFixture()
    {
        P0 = ParameterSelector.SelectForLog2PError(2, -40).Parameters;
        P1 = ParameterSelector.SelectForLog2PError(3, -40).Parameters;
        Client = CircuitClientKey.Generate(new[] { P0, P1 }, KeysFixture.Seeded(11));
        Server = Client.CreateServerKey(KeySwitches, Bootstraps);
        ServerBytes = CircuitKeySerializationTests.Save(Server);

        TinyClient = CircuitClientKey.Generate(new[] { TinyA, TinyB }, KeysFixture.Seeded(12));
        TinyServer = TinyClient.CreateServerKey(new[] { new KeyPair(0, 1) }, new[] { new KeyPair(1, 0) });
        TinyBytes = CircuitKeySerializationTests.Save(TinyServer);
    }

    /// <summary>Insecure and tiny (n = 16, k·N = 256, one level): structure only.</summary>
    public static TfheParameters TinyA { get; } = TfheParameters.CreateInsecureForTesting(
        messageBits: 2, carryBits: 0, lweDimension: 16, glweDimension: 1, polynomialSize: 256,
        lweNoiseStdDev: Math.Pow(2, -40), glweNoiseStdDev: Math.Pow(2, -50),
        pbsBaseLog: 20, pbsLevel: 1, ksBaseLog: 8, ksLevel: 1);

    public static TfheParameters TinyB { get; } = TfheParameters.CreateInsecureForTesting(
        messageBits: 2, carryBits: 0, lweDimension: 20, glweDimension: 1, polynomialSize: 256,
        lweNoiseStdDev: Math.Pow(2, -40), glweNoiseStdDev: Math.Pow(2, -50),
        pbsBaseLog: 20, pbsLevel: 1, ksBaseLog: 8, ksLevel: 1);

    public TfheParameters P0 { get; }

    public TfheParameters P1 { get; }

    public CircuitClientKey Client { get; }

    public CircuitServerKey Server { get; }

    public byte[] ServerBytes { get; }

    public CircuitClientKey TinyClient { get; }

    public CircuitServerKey TinyServer { get; }

    public byte[] TinyBytes { get; }
}

public class CircuitKeySerializationTests(CircuitKeysFixture fixture) : IClassFixture<CircuitKeysFixture>
{
    private static readonly ulong[] Table = { 1, 3, 0, 2 };

    internal static byte[] Save(CircuitServerKey key)
    {
        // Sized up front so a key of hundreds of MiB is not copied again by ToArray.
        using var ms = new MemoryStream(checked((int)key.SerializedSizeInBytes));
        key.Save(ms);
        byte[] buffer = ms.GetBuffer();
        return buffer.Length == ms.Length ? buffer : ms.ToArray();
    }

    private static byte[] Save(CircuitClientKey key)
    {
        using var ms = new MemoryStream();
        key.Save(ms);
        return ms.ToArray();
    }

    private static CircuitServerKey LoadServer(byte[] bytes, IReadOnlyList<TfheParameters>? expected = null)
        => CircuitServerKey.Load(new MemoryStream(bytes, writable: false), expected);

    /// <summary>Offset of the payload: fixed head, set count, each Id with its length, payload length.</summary>
    private static int PayloadStart(params TfheParameters[] sets) => 12 + sets.Sum(p => 4 + Encoding.UTF8.GetByteCount(p.Id)) + 8;

    [Fact]
    public void Header_layout_is_as_documented()
    {
        byte[] b = fixture.ServerBytes;
        Assert.Equal("FHEG"u8.ToArray(), b[..4]);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(4)));
        Assert.Equal((byte)TfheObjectKind.CircuitServerKey, b[6]);
        Assert.Equal(0, b[7]);
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(8)));
        int at = 12;
        foreach (var p in new[] { fixture.P0, fixture.P1 })
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(at));
            Assert.Equal(p.Id, Encoding.UTF8.GetString(b, at + 4, length));
            at += 4 + length;
        }

        long payload = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(at));
        Assert.Equal(b.Length, at + 8 + payload + 32);
        // Pair lists, then the keys' data with no per-key header; keyswitching keys as 64-bit words on disk, even those
        // held in 32-bit words in memory.
        long keySwitchWords = fixture.Server.KeySwitchKeys.Values.Sum(k => (long)k.InputDimension * k.Decomposer.LevelCount * (k.OutputDimension + 1));
        Assert.Equal(4 + 8 * 2 + 4 + 8 * 3 + fixture.Server.BootstrapKeys.Values.Sum(k => k.SizeInBytes) + keySwitchWords * sizeof(ulong), payload);
        int[] pairs = Enumerable.Range(0, 1 + 2 * 2 + 1 + 2 * 3).Select(i => BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(at + 8 + 4 * i))).ToArray();
        Assert.Equal(new[] { 2, 0, 0, 0, 1, 3, 0, 0, 1, 0, 1, 1 }, pairs);
    }

    [Fact]
    public void Serialized_size_is_known_without_serializing()
    {
        Assert.Equal(fixture.ServerBytes.LongLength, fixture.Server.SerializedSizeInBytes);
        Assert.Equal(fixture.ServerBytes.LongLength,
            TfheSerializer.CircuitServerKeyLength(new[] { fixture.P0, fixture.P1 }, CircuitKeysFixture.KeySwitches, CircuitKeysFixture.Bootstraps));
        Assert.Equal(fixture.TinyBytes.LongLength, fixture.TinyServer.SerializedSizeInBytes);
        // Order and duplicates do not change what would be written.
        Assert.Equal(fixture.ServerBytes.LongLength, TfheSerializer.CircuitServerKeyLength(new[] { fixture.P0, fixture.P1 },
            CircuitKeysFixture.KeySwitches.Reverse().Concat(CircuitKeysFixture.KeySwitches), CircuitKeysFixture.Bootstraps.Reverse()));
        Assert.Throws<ArgumentOutOfRangeException>(() => TfheSerializer.CircuitServerKeyLength(new[] { fixture.P0 }, CircuitKeysFixture.KeySwitches, Array.Empty<KeyPair>()));
    }

    [Fact]
    public void Server_key_round_trip_keeps_every_key_and_bootstraps_identically()
    {
        var loaded = LoadServer(fixture.ServerBytes, new[] { fixture.P0, fixture.P1 });
        Assert.Equal(new[] { fixture.P0, fixture.P1 }, loaded.Parameters);
        AssertSameKeys(fixture.Server, loaded);
        Assert.Equal(fixture.ServerBytes.LongLength, loaded.SerializedSizeInBytes);

        // Behaviour: set 0 input, keyswitch 0→1, bootstrap 1→0 back into set 0, with both keys.
        var original = fixture.Server.CreateBootstrapper(0, 1, 0);
        var reloaded = loaded.CreateBootstrapper(0, 1, 0);
        for (ulong m = 0; m < 4; m += 3)
        {
            var ct = fixture.Client.Keys[0].Encrypt(m);
            var a = original.Apply(ct, Table);
            var b = reloaded.Apply(ct, Table);
            Assert.Equal(a.AsSpan().ToArray(), b.AsSpan().ToArray());
            Assert.Equal(Table[m], fixture.Client.Keys[0].Decrypt(b));
        }
    }

    [Fact]
    public void Server_key_loads_without_expected_parameters_and_rewrites_identically()
    {
        var loaded = LoadServer(fixture.TinyBytes);
        AssertSameKeys(fixture.TinyServer, loaded);
        Assert.Equal(fixture.TinyBytes, Save(loaded));
    }

    [Fact]
    public void Single_set_server_key_from_a_server_key_round_trips()
    {
        var (client, server) = ClientKey.GenerateKeys(KeysFixture.Small, KeysFixture.Seeded(13));
        var circuit = CircuitServerKey.FromServerKey(server);
        byte[] bytes = Save(circuit);
        Assert.Equal(bytes.LongLength, circuit.SerializedSizeInBytes);
        var loaded = LoadServer(bytes, new[] { KeysFixture.Small });
        AssertSameKeys(circuit, loaded);

        var ct = client.Encrypt(2);
        var a = server.CreateBootstrapper().Apply(ct, Table);
        var b = loaded.CreateBootstrapper(0, 0, 0).Apply(ct, Table);
        Assert.Equal(a.AsSpan().ToArray(), b.AsSpan().ToArray());
        Assert.Equal(Table[2], client.Decrypt(b));
    }

    [Fact]
    public void Client_key_round_trip_decrypts_per_set()
    {
        byte[] bytes = Save(fixture.Client);
        Assert.Equal((byte)TfheObjectKind.CircuitClientKey, bytes[6]);
        var loaded = CircuitClientKey.Load(new MemoryStream(bytes), new[] { fixture.P0, fixture.P1 });
        Assert.Equal(new[] { fixture.P0, fixture.P1 }, loaded.Parameters);
        Assert.Equal(bytes, Save(loaded));
        for (int s = 0; s < 2; s++)
        {
            var original = fixture.Client.Keys[s];
            for (ulong m = 0; m < 4; m++)
            {
                Assert.Equal(m, loaded.Keys[s].Decrypt(original.Encrypt(m)));
                Assert.Equal(m, original.Decrypt(loaded.Keys[s].Encrypt(m)));
            }
        }
    }

    [Fact]
    public void Client_key_rejects_corruption_truncation_trailing_bytes_and_mismatches()
    {
        byte[] bytes = Save(fixture.TinyClient);
        var loaded = CircuitClientKey.Load(new MemoryStream(bytes));
        Assert.Equal(bytes, Save(loaded));
        int start = PayloadStart(CircuitKeysFixture.TinyA, CircuitKeysFixture.TinyB);
        foreach (int i in new[] { 6, 9, 14, start - 3, start + 1, start + 12, start + 13, bytes.Length - 40, bytes.Length - 1 })
        {
            var flipped = (byte[])bytes.Clone();
            flipped[i] ^= 0x01;
            Assert.Throws<TfheFormatException>(() => CircuitClientKey.Load(new MemoryStream(flipped)));
        }

        var notABit = (byte[])bytes.Clone();
        notABit[start + 12] = 2;
        Assert.Throws<TfheFormatException>(() => CircuitClientKey.Load(new MemoryStream(notABit)));
        foreach (int cut in new[] { 0, 10, start - 1, start + 20, bytes.Length - 1 })
            Assert.Contains("Truncated", Assert.Throws<TfheFormatException>(() => CircuitClientKey.Load(new MemoryStream(bytes[..cut]))).Message);
        Assert.Contains("Trailing bytes", Assert.Throws<TfheFormatException>(() => CircuitClientKey.Load(new MemoryStream(bytes.Append((byte)0).ToArray()))).Message);
        Assert.Throws<TfheFormatException>(() => CircuitClientKey.Load(new MemoryStream(bytes), new[] { CircuitKeysFixture.TinyB, CircuitKeysFixture.TinyA }));
        Assert.Throws<TfheFormatException>(() => CircuitClientKey.Load(new MemoryStream(bytes), new[] { CircuitKeysFixture.TinyA }));
    }

    [Fact]
    public void Every_flipped_byte_in_header_ids_pairs_payload_and_checksum_is_rejected()
    {
        byte[] bytes = fixture.TinyBytes;
        int start = PayloadStart(CircuitKeysFixture.TinyA, CircuitKeysFixture.TinyB);
        int pairsEnd = start + 4 + 8 + 4 + 8;
        IEnumerable<int> positions = Enumerable.Range(0, pairsEnd) // head, count, both Ids, payload length, pair lists
            .Concat(Enumerable.Range(pairsEnd, 48)) // first keyswitching key words
            .Concat(Enumerable.Range(bytes.Length / 2, 48)) // inside the bootstrapping key
            .Concat(Enumerable.Range(bytes.Length - 32 - 16, 48)); // last payload bytes and the checksum
        foreach (int i in positions)
        {
            foreach (byte mask in new byte[] { 0x01, 0x80 })
            {
                var flipped = (byte[])bytes.Clone();
                flipped[i] ^= mask;
                var e = Record.Exception(() => LoadServer(flipped));
                Assert.True(e is TfheFormatException, $"Byte {i} ^ 0x{mask:X2}: {e?.GetType().Name ?? "no exception"}: {e?.Message}");
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(9)] // inside the set count
    [InlineData(14)] // inside the first Id length
    [InlineData(40)] // inside the first Id
    [InlineData(-2)] // inside the payload length
    [InlineData(-3)] // inside the pair lists
    [InlineData(-4)] // middle of the payload
    [InlineData(-1)] // inside the checksum
    public void Truncation_is_reported(int cut)
    {
        byte[] full = fixture.TinyBytes;
        int start = PayloadStart(CircuitKeysFixture.TinyA, CircuitKeysFixture.TinyB);
        int length = cut switch
        {
            -2 => start - 3,
            -3 => start + 10,
            -4 => full.Length / 2,
            -1 => full.Length - 1,
            _ => cut,
        };
        var e = Assert.Throws<TfheFormatException>(() => LoadServer(full[..length]));
        Assert.Contains("Truncated", e.Message);
    }

    [Fact]
    public void Trailing_byte_is_rejected()
    {
        var e = Assert.Throws<TfheFormatException>(() => LoadServer(fixture.TinyBytes.Append((byte)0).ToArray()));
        Assert.Contains("Trailing bytes", e.Message);
    }

    [Fact]
    public void Wrong_kind_is_rejected_both_ways()
    {
        byte[] single = ClientKey.GenerateKeys(CircuitKeysFixture.TinyA, KeysFixture.Seeded(14)).ServerKey.ToBytes();
        var e = Assert.Throws<TfheFormatException>(() => LoadServer(single));
        Assert.Contains("Expected a CircuitServerKey", e.Message);
        Assert.Contains("ServerKey (kind 1)", e.Message);

        var e2 = Assert.Throws<TfheFormatException>(() => ServerKey.FromBytes(fixture.TinyBytes));
        Assert.Contains("Expected a ServerKey", e2.Message);
        Assert.Contains("CircuitServerKey (kind 4)", e2.Message);

        byte[] client = Save(fixture.TinyClient);
        Assert.Contains("CircuitClientKey (kind 5)", Assert.Throws<TfheFormatException>(() => LoadServer(client)).Message);
        Assert.Contains("CircuitServerKey (kind 4)",
            Assert.Throws<TfheFormatException>(() => CircuitClientKey.Load(new MemoryStream(fixture.TinyBytes))).Message);
        Assert.Throws<TfheFormatException>(() => ClientKey.Load(new MemoryStream(client)));
    }

    [Fact]
    public void Expected_parameters_must_match_in_count_and_order()
    {
        var (a, b) = (CircuitKeysFixture.TinyA, CircuitKeysFixture.TinyB);
        AssertSameKeys(fixture.TinyServer, LoadServer(fixture.TinyBytes, new[] { a, b }));

        var count = Assert.Throws<TfheFormatException>(() => LoadServer(fixture.TinyBytes, new[] { a }));
        Assert.Contains("holds 2 set(s)", count.Message);
        Assert.Contains("1 were expected", count.Message);

        var order = Assert.Throws<TfheFormatException>(() => LoadServer(fixture.TinyBytes, new[] { b, a }));
        Assert.Contains("Parameter set 0 mismatch", order.Message);
        Assert.Contains($"'{a.Id}' but '{b.Id}'", order.Message);

        var second = Assert.Throws<TfheFormatException>(() => LoadServer(fixture.TinyBytes, new[] { a, KeysFixture.Small }));
        Assert.Contains("Parameter set 1 mismatch", second.Message);
    }

    [Theory]
    [InlineData(new[] { 0, 2 }, "outside [0, 2)")] // index = S
    [InlineData(new[] { -1, 0 }, "outside [0, 2)")] // negative index
    [InlineData(new[] { 0, 1, 0, 1 }, "listed twice")]
    [InlineData(new[] { 1, 0, 0, 1 }, "not in ascending")]
    public void Bad_pair_list_with_valid_checksum_is_a_format_error(int[] keySwitchPairs, string expected)
    {
        byte[] payload = PairLists(keySwitchPairs, Array.Empty<int>());
        byte[] blob = HandBuilt(TfheObjectKind.CircuitServerKey, new[] { CircuitKeysFixture.TinyA, CircuitKeysFixture.TinyB }, payload.Length, payload);
        var e = Assert.Throws<TfheFormatException>(() => LoadServer(blob));
        Assert.Contains(expected, e.Message);
        Assert.Contains("keyswitching key", e.Message);

        // The same list as bootstrapping keys.
        byte[] payload2 = PairLists(Array.Empty<int>(), keySwitchPairs);
        byte[] blob2 = HandBuilt(TfheObjectKind.CircuitServerKey, new[] { CircuitKeysFixture.TinyA, CircuitKeysFixture.TinyB }, payload2.Length, payload2);
        Assert.Contains("bootstrapping key", Assert.Throws<TfheFormatException>(() => LoadServer(blob2)).Message);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(5)] // S² = 4
    [InlineData(-1)]
    public void Pair_count_out_of_range_is_rejected_before_reading_pairs(int count)
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(payload, count);
        byte[] blob = HandBuilt(TfheObjectKind.CircuitServerKey, new[] { CircuitKeysFixture.TinyA, CircuitKeysFixture.TinyB }, payload.Length, payload);
        var e = Assert.Throws<TfheFormatException>(() => LoadServer(blob));
        Assert.Contains("outside [0, 4]", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    [InlineData(-5)]
    public void Set_count_out_of_range_is_rejected(int count)
    {
        byte[] blob = HandBuilt(TfheObjectKind.CircuitServerKey, new[] { CircuitKeysFixture.TinyA }, 8, PairLists(Array.Empty<int>(), Array.Empty<int>()));
        BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(8), count);
        var e = Assert.Throws<TfheFormatException>(() => LoadServer(blob));
        Assert.Contains("number of parameter sets", e.Message);
    }

    [Fact]
    public void Non_canonical_or_unknown_id_is_rejected()
    {
        byte[] blob = HandBuilt(TfheObjectKind.CircuitServerKey, new[] { CircuitKeysFixture.TinyA }, 8, PairLists(Array.Empty<int>(), Array.Empty<int>()));
        blob[16] = (byte)'z';
        Assert.Contains("Unknown parameter set (parameter Id of set 0)", Assert.Throws<TfheFormatException>(() => LoadServer(blob)).Message);

        // "n16" written "n016": parses to the same set but is not its Id.
        string padded = CircuitKeysFixture.TinyA.Id.Replace("-n16-", "-n016-", StringComparison.Ordinal);
        Assert.NotEqual(CircuitKeysFixture.TinyA.Id, padded);
        byte[] blob2 = HandBuilt(TfheObjectKind.CircuitServerKey, new[] { padded }, 8, PairLists(Array.Empty<int>(), Array.Empty<int>()));
        Assert.Contains("canonical", Assert.Throws<TfheFormatException>(() => LoadServer(blob2)).Message);
    }

    [Fact]
    public void Empty_key_lists_round_trip()
    {
        var empty = fixture.TinyClient.CreateServerKey(Array.Empty<KeyPair>(), Array.Empty<KeyPair>());
        byte[] bytes = Save(empty);
        Assert.Equal(PayloadStart(CircuitKeysFixture.TinyA, CircuitKeysFixture.TinyB) + 8 + 32, bytes.Length);
        var loaded = LoadServer(bytes);
        Assert.Empty(loaded.KeySwitchKeys);
        Assert.Empty(loaded.BootstrapKeys);
        Assert.Equal(new[] { CircuitKeysFixture.TinyA, CircuitKeysFixture.TinyB }, loaded.Parameters);
    }

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(1L << 40)]
    [InlineData(-1L)]
    [InlineData(0L)]
    public void Huge_or_wrong_payload_length_is_rejected_before_allocation(long claimed)
    {
        // A valid pair list (one keyswitching key 0→1) and no key data: the claim is checked against the pairs first.
        byte[] payload = PairLists(new[] { 0, 1 }, Array.Empty<int>());
        byte[] blob = HandBuilt(TfheObjectKind.CircuitServerKey, new[] { CircuitKeysFixture.TinyA, CircuitKeysFixture.TinyB }, claimed, payload);
        Assert.Throws<TfheFormatException>(() => LoadServer(blob)); // warm-up: one-time costs (Id regex) are not the reader's
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<TfheFormatException>(() => LoadServer(blob));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("does not match", e.Message);
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated");
    }

    [Fact]
    public void Consistent_but_enormous_claim_fails_on_truncation_without_allocating_the_claim()
    {
        // A parseable set with n = 2^16 (the reader's limit): its keyswitching key 0→0 would be 256·(2^16+1) words
        // (128 MiB). The payload length matches, but the data is not there.
        var huge = TfheParameters.CreateInsecureForTesting(2, 0, 1 << 16, 1, 256, Math.Pow(2, -40), Math.Pow(2, -50), 20, 1, 8, 1);
        long kskBytes = 256L * ((1 << 16) + 1) * 8;
        byte[] payload = PairLists(new[] { 0, 0 }, Array.Empty<int>());
        byte[] blob = HandBuilt(TfheObjectKind.CircuitServerKey, new[] { huge }, payload.Length + kskBytes, payload, extra: new byte[4096]);
        Assert.Throws<TfheFormatException>(() => LoadServer(blob)); // warm-up: one-time costs (Id regex) are not the reader's
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<TfheFormatException>(() => LoadServer(blob));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("Truncated", e.Message);
        Assert.True(allocated < 64L << 20, $"{allocated} bytes allocated");

        // Bootstrapping keys likewise: n_From GGSWs are read one at a time.
        byte[] payload2 = PairLists(Array.Empty<int>(), new[] { 0, 0 });
        long bskBytes = (1L << 16) * 4 * 256 * 8;
        byte[] blob2 = HandBuilt(TfheObjectKind.CircuitServerKey, new[] { huge }, payload2.Length + bskBytes, payload2, extra: new byte[3 * 4 * 256 * 8]);
        before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Contains("Truncated", Assert.Throws<TfheFormatException>(() => LoadServer(blob2)).Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64L << 20);
    }

    [Fact]
    public void Parameter_sets_beyond_the_reader_limits_are_a_format_error()
    {
        // k·N = 2^31 − 2^16 and n = 2^31 − 1: a bootstrapping key 0→0 would be ~2^84 bytes. Parseable, but not sane.
        var absurd = TfheParameters.CreateInsecureForTesting(2, 0, int.MaxValue, 32767, 65536, Math.Pow(2, -40), Math.Pow(2, -50), 20, 1, 8, 1);
        byte[] payload = PairLists(Array.Empty<int>(), new[] { 0, 0 });
        byte[] blob = HandBuilt(TfheObjectKind.CircuitServerKey, new[] { absurd }, long.MaxValue, payload);
        Assert.Contains($"more than the {TfheSerializer.MaxLweDimension}", Assert.Throws<TfheFormatException>(() => LoadServer(blob)).Message);
        // n at the limit but k·N = 2^21 above it.
        var wide = TfheParameters.CreateInsecureForTesting(2, 0, 1000, 32, 65536, Math.Pow(2, -40), Math.Pow(2, -50), 20, 1, 8, 1);
        byte[] blob2 = HandBuilt(TfheObjectKind.CircuitServerKey, new[] { wide }, long.MaxValue, payload);
        Assert.Contains($"more than the {TfheSerializer.MaxBigLweDimension}", Assert.Throws<TfheFormatException>(() => LoadServer(blob2)).Message);
    }

    private static void AssertSameKeys(CircuitServerKey expected, CircuitServerKey actual)
    {
        Assert.Equal(expected.Parameters, actual.Parameters);
        Assert.Equal(expected.KeySwitchKeys.Keys.OrderBy(p => (p.From, p.To)), actual.KeySwitchKeys.Keys.OrderBy(p => (p.From, p.To)));
        Assert.Equal(expected.BootstrapKeys.Keys.OrderBy(p => (p.From, p.To)), actual.BootstrapKeys.Keys.OrderBy(p => (p.From, p.To)));
        foreach (var (pair, e) in expected.KeySwitchKeys)
        {
            KeySwitchKey a = actual.KeySwitchKeys[pair];
            Assert.Equal((e.InputDimension, e.OutputDimension), (a.InputDimension, a.OutputDimension));
            Assert.Equal((e.Decomposer.BaseLog, e.Decomposer.LevelCount), (a.Decomposer.BaseLog, a.Decomposer.LevelCount));
            Assert.True(RawKeyAccess.KeySwitchKeyData(e).Span.SequenceEqual(RawKeyAccess.KeySwitchKeyData(a).Span), $"keyswitching key {pair}");
        }

        foreach (var (pair, e) in expected.BootstrapKeys)
        {
            BootstrapKey a = actual.BootstrapKeys[pair];
            Assert.Equal((e.LweDimension, e.GlweDimension, e.PolynomialSize), (a.LweDimension, a.GlweDimension, a.PolynomialSize));
            Assert.Equal((e.Decomposer.BaseLog, e.Decomposer.LevelCount), (a.Decomposer.BaseLog, a.Decomposer.LevelCount));
            int rows = (e.GlweDimension + 1) * e.Decomposer.LevelCount;
            for (int i = 0; i < e.LweDimension; i++)
                for (int r = 0; r < rows; r++)
                    for (int c = 0; c <= e.GlweDimension; c++)
                        if (!e[i].Polynomial(r, c).SequenceEqual(a[i].Polynomial(r, c)))
                            Assert.Fail($"bootstrapping key {pair}: GGSW {i} row {r} column {c} differs");
        }
    }

    /// <summary>Both pair lists as the payload starts them; each array is From, To, From, To, ...</summary>
    private static byte[] PairLists(int[] keySwitches, int[] bootstraps)
    {
        var b = new byte[4 + 4 * keySwitches.Length + 4 + 4 * bootstraps.Length];
        int at = 0;
        foreach (int[] list in new[] { keySwitches, bootstraps })
        {
            BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(at), list.Length / 2);
            at += 4;
            foreach (int v in list)
            {
                BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(at), v);
                at += 4;
            }
        }

        return b;
    }

    private static byte[] HandBuilt(TfheObjectKind kind, TfheParameters[] sets, long claimedPayloadLength, byte[] payload, byte[]? extra = null)
        => HandBuilt(kind, sets.Select(p => p.Id).ToArray(), claimedPayloadLength, payload, extra);

    /// <summary>A container by hand, from the documented layout, with a valid SHA-256 over whatever it holds.</summary>
    private static byte[] HandBuilt(TfheObjectKind kind, string[] ids, long claimedPayloadLength, byte[] payload, byte[]? extra = null)
    {
        using var ms = new MemoryStream();
        var w = new BinaryWriter(ms);
        w.Write("FHEG"u8);
        w.Write((ushort)1);
        w.Write((byte)kind);
        w.Write((byte)0);
        w.Write(ids.Length);
        foreach (string id in ids)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(id);
            w.Write(bytes.Length);
            w.Write(bytes);
        }

        w.Write(claimedPayloadLength);
        w.Write(payload);
        if (extra is not null)
            w.Write(extra);
        w.Flush();
        w.Write(SHA256.HashData(ms.ToArray()));
        w.Flush();
        return ms.ToArray();
    }
}
