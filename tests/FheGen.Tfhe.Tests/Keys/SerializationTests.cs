using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;
using FheGen.Tfhe.Serialization;

namespace FheGen.Tfhe.Tests.Keys;

public class SerializationTests(KeysFixture fixture) : IClassFixture<KeysFixture>
{
    private static readonly ulong[] Table = { 1, 3, 0, 2 };

    private static int IdLength => Encoding.UTF8.GetByteCount(KeysFixture.Small.Id);

    private static int PayloadStart => 20 + IdLength;

    [Fact]
    public void Header_layout_is_as_documented()
    {
        byte[] b = fixture.ServerBytes;
        Assert.Equal("FHEG"u8.ToArray(), b[..4]);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(4)));
        Assert.Equal((byte)TfheObjectKind.ServerKey, b[6]);
        Assert.Equal(IdLength, BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(8)));
        Assert.Equal(KeysFixture.Small.Id, Encoding.UTF8.GetString(b, 12, IdLength));
        long payload = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(12 + IdLength));
        Assert.Equal(b.Length, PayloadStart + payload + 32);
        Assert.Equal(fixture.Server.SizeInBytes + 28, payload);
    }

    [Fact]
    public void Serialized_size_is_known_without_serializing()
    {
        Assert.Equal(fixture.ServerBytes.LongLength, fixture.Server.SerializedSizeInBytes);
        Assert.Equal(fixture.ServerBytes.LongLength, TfheSerializer.ServerKeyLength(KeysFixture.Small));
    }

    [Fact]
    public void Server_key_round_trip_bootstraps_identically()
    {
        var loaded = ServerKey.FromBytes(fixture.ServerBytes, KeysFixture.Small);
        Assert.Equal(KeysFixture.Small, loaded.Parameters);
        Assert.Equal(fixture.ServerBytes, loaded.ToBytes());

        var original = fixture.Server.CreateBootstrapper();
        var reloaded = loaded.CreateBootstrapper();
        for (ulong m = 0; m < 4; m++)
        {
            var ct = fixture.Client.Encrypt(m);
            var a = original.Apply(ct, Table);
            var b = reloaded.Apply(ct, Table);
            Assert.Equal(a.AsSpan().ToArray(), b.AsSpan().ToArray());
            Assert.Equal(Table[m], fixture.Client.Decrypt(b));
        }
    }

    [Fact]
    public void Server_key_loads_without_expected_parameters_and_from_dribbling_stream()
    {
        using var stream = new DribbleStream(fixture.ServerBytes, 7);
        var loaded = ServerKey.Load(stream);
        Assert.Equal(KeysFixture.Small, loaded.Parameters);
        Assert.Equal(fixture.ServerBytes, loaded.ToBytes());
    }

    [Fact]
    public void Ciphertext_round_trip_big_and_small()
    {
        var big = fixture.Client.Encrypt(2);
        var bytes = new TfheCiphertext(KeysFixture.Small, big).ToBytes();
        var loaded = TfheCiphertext.FromBytes(bytes, KeysFixture.Small);
        Assert.Equal(big.AsSpan().ToArray(), loaded.Ciphertext.AsSpan().ToArray());
        Assert.Equal(2UL, fixture.Client.Decrypt(loaded.Ciphertext));

        var small = new LweCiphertext(KeysFixture.Small.LweDimension);
        fixture.Server.KeySwitchKey.KeySwitch(big, small);
        var loadedSmall = TfheCiphertext.FromBytes(new TfheCiphertext(KeysFixture.Small, small).ToBytes());
        Assert.Equal(small.AsSpan().ToArray(), loadedSmall.Ciphertext.AsSpan().ToArray());
        Assert.Equal(2UL, fixture.Client.Decrypt(loadedSmall.Ciphertext));
    }

    [Fact]
    public void Ciphertext_wrapper_rejects_foreign_dimension()
        => Assert.Throws<ArgumentException>(() => new TfheCiphertext(KeysFixture.Small, new LweCiphertext(100)));

    [Theory]
    [InlineData(0)] // first bootstrapping key byte
    [InlineData(100)] // bootstrapping key
    [InlineData(-40)] // last payload byte (keyswitching key)
    [InlineData(-1)] // checksum itself
    public void Flipped_byte_is_a_checksum_error(int position)
    {
        byte[] b = (byte[])fixture.ServerBytes.Clone();
        // Non-negative: offset into the bootstrapping key (after the 28 bytes of dimensions, which are checked against
        // the Id before the checksum); negative: from the end.
        int i = position >= 0 ? PayloadStart + 28 + position : b.Length + position;
        b[i] ^= 0x10;
        var e = Assert.Throws<TfheFormatException>(() => ServerKey.FromBytes(b));
        Assert.Contains("Checksum mismatch", e.Message);
    }

    [Fact]
    public void Flipped_ciphertext_byte_is_a_checksum_error()
    {
        byte[] b = new TfheCiphertext(KeysFixture.Small, fixture.Client.Encrypt(1)).ToBytes();
        b[PayloadStart + 10] ^= 1;
        var e = Assert.Throws<TfheFormatException>(() => TfheCiphertext.FromBytes(b));
        Assert.Contains("Checksum mismatch", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(30)] // inside the Id
    [InlineData(-2)] // inside the payload length, relative to the payload start
    [InlineData(-3)] // middle of the payload
    [InlineData(-1)] // inside the checksum
    public void Truncation_is_reported(int cut)
    {
        byte[] full = fixture.ServerBytes;
        int length = cut switch
        {
            -2 => PayloadStart - 3,
            -3 => full.Length / 2,
            -1 => full.Length - 1,
            _ => cut,
        };
        var e = Assert.Throws<TfheFormatException>(() => ServerKey.FromBytes(full[..length]));
        Assert.Contains("Truncated", e.Message);
    }

    [Fact]
    public void Wrong_magic_is_rejected()
    {
        byte[] b = (byte[])fixture.ServerBytes.Clone();
        b[0] = (byte)'X';
        var e = Assert.Throws<TfheFormatException>(() => ServerKey.FromBytes(b));
        Assert.Contains("magic", e.Message);
    }

    [Fact]
    public void Future_version_is_rejected_by_number()
    {
        byte[] b = new TfheCiphertext(KeysFixture.Small, fixture.Client.Encrypt(1)).ToBytes();
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(4), 2);
        var e = Assert.Throws<TfheFormatException>(() => TfheCiphertext.FromBytes(b));
        Assert.Contains("Unsupported format version 2", e.Message);
    }

    [Fact]
    public void Wrong_kind_is_rejected_both_ways()
    {
        byte[] ct = new TfheCiphertext(KeysFixture.Small, fixture.Client.Encrypt(1)).ToBytes();
        var e = Assert.Throws<TfheFormatException>(() => ServerKey.FromBytes(ct));
        Assert.Contains("Expected a ServerKey", e.Message);
        Assert.Contains("LweCiphertext", e.Message);

        var e2 = Assert.Throws<TfheFormatException>(() => TfheCiphertext.FromBytes(fixture.ServerBytes));
        Assert.Contains("Expected a LweCiphertext", e2.Message);

        ct[6] = 99;
        var e3 = Assert.Throws<TfheFormatException>(() => TfheCiphertext.FromBytes(ct));
        Assert.Contains("unknown kind 99", e3.Message);
    }

    [Fact]
    public void Parameter_mismatch_names_both_ids()
    {
        Assert.NotEqual(KeysFixture.Small.Id, KeysFixture.Other.Id);
        var e = Assert.Throws<TfheFormatException>(() => ServerKey.FromBytes(fixture.ServerBytes, KeysFixture.Other));
        Assert.Contains(KeysFixture.Small.Id, e.Message);
        Assert.Contains(KeysFixture.Other.Id, e.Message);

        byte[] ct = new TfheCiphertext(KeysFixture.Small, fixture.Client.Encrypt(1)).ToBytes();
        var e2 = Assert.Throws<TfheFormatException>(() => TfheCiphertext.FromBytes(ct, KeysFixture.Other));
        Assert.Contains(KeysFixture.Other.Id, e2.Message);
    }

    [Fact]
    public void Corrupt_parameter_id_is_rejected()
    {
        byte[] b = (byte[])fixture.ServerBytes.Clone();
        b[12] = (byte)'z'; // "m2c0-..." -> "z2c0-..."
        var e = Assert.Throws<TfheFormatException>(() => ServerKey.FromBytes(b));
        Assert.Contains("Unknown parameter set", e.Message);
    }

    [Fact]
    public void Payload_length_inconsistent_with_parameters_is_rejected()
    {
        byte[] b = (byte[])fixture.ServerBytes.Clone();
        int at = 12 + IdLength;
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(at), BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(at)) - 8);
        var e = Assert.Throws<TfheFormatException>(() => ServerKey.FromBytes(b));
        Assert.Contains("does not match", e.Message);

        byte[] c = (byte[])fixture.ServerBytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(c.AsSpan(PayloadStart), 65); // n
        var e2 = Assert.Throws<TfheFormatException>(() => ServerKey.FromBytes(c));
        Assert.Contains("n = 65", e2.Message);
    }

    [Theory]
    [InlineData(1 << 16, 256)]   // keyswitching key of 256·(2^16+1) words (128 MiB) after 2^16 small GGSWs (n at the reader's limit)
    [InlineData(8, 65536)]       // 8 GGSWs of 2·2·65536 doubles each, then a keyswitching key of 65536·9 words
    public void Consistent_but_enormous_server_key_claim_fails_on_truncation_without_allocating_it(int n, int bigN)
    {
        // A parseable set whose payload length matches, but whose data is not there: the reader must report the
        // truncation having allocated in proportion to the bytes present, not to the claim.
        var huge = FheGen.Compiler.Parameters.TfheParameters.CreateInsecureForTesting(2, 0, n, 1, bigN, Math.Pow(2, -40), Math.Pow(2, -50), 20, 1, 8, 1);
        long claimed = TfheSerializer.ServerKeyLength(huge);
        byte[] id = Encoding.UTF8.GetBytes(huge.Id);
        using var ms = new MemoryStream();
        ms.Write("FHEG"u8);
        ms.Write(new byte[] { 1, 0, 1, 0 });
        ms.Write(BitConverter.GetBytes(id.Length));
        ms.Write(id);
        ms.Write(BitConverter.GetBytes(claimed - 12 - id.Length - 8 - 32));
        foreach (int v in new[] { n, 1, bigN, 20, 1, 8, 1 }) ms.Write(BitConverter.GetBytes(v));
        ms.Write(new byte[1 << 16]);
        byte[] blob = ms.ToArray();
        Assert.Throws<TfheFormatException>(() => ServerKey.FromBytes(blob)); // warm-up: one-time costs are not the reader's
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<TfheFormatException>(() => ServerKey.FromBytes(blob));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("Truncated", e.Message);
        Assert.True(allocated < 64L << 20, $"{allocated} bytes allocated");
    }

    [Fact]
    public void Trailing_bytes_are_rejected()
    {
        byte[] b = new byte[fixture.ServerBytes.Length + 1];
        fixture.ServerBytes.CopyTo(b, 0);
        var e = Assert.Throws<TfheFormatException>(() => ServerKey.FromBytes(b));
        Assert.Contains("Trailing bytes", e.Message);

        byte[] ct = new TfheCiphertext(KeysFixture.Small, fixture.Client.Encrypt(1)).ToBytes();
        Array.Resize(ref ct, ct.Length + 3);
        Assert.Throws<TfheFormatException>(() => TfheCiphertext.FromBytes(ct));
    }

    [Fact]
    public void Format_exception_is_an_IO_exception()
        => Assert.IsAssignableFrom<IOException>(new TfheFormatException("x"));

    /// <summary>Returns at most <c>max</c> bytes per read, like a network stream.</summary>
    private sealed class DribbleStream(byte[] data, int max) : MemoryStream(data, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, max));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, max)]);
    }
}
